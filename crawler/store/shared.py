"""The configuration every worker reads from Redis: the recheck policy and each source's
extraction rules.

The clock publishes both from its settings file whenever the file changes; workers read
them for every check. So one settings file steers all workers on all machines, and a
changed rule applies from the next check on, without restarting anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from crawler.domain.codec import from_json, to_json
from crawler.domain.policy import RecheckPolicy
from crawler.extraction.rules import ExtractionRules

if TYPE_CHECKING:
    from collections.abc import Mapping

    from redis import Redis

    from crawler.store.keys import Keys


@dataclass(frozen=True)
class Instructions:
    """What a worker applies to one check: the policy, and the rules of the article's
    source (empty when it has none)."""

    policy: RecheckPolicy = field(default_factory=RecheckPolicy)
    rules: ExtractionRules = field(default_factory=ExtractionRules)


class SharedConfig:
    """Publishes and reads the shared configuration (see the module docstring)."""

    def __init__(self, redis: Redis, keys: Keys) -> None:
        self.redis = redis
        self.keys = keys

    def publish(self, policy: RecheckPolicy, rules: Mapping[str, ExtractionRules]) -> None:
        """Makes ``policy`` and the sources' ``rules`` the ones workers apply from their next
        check on (sources left out have no rules any more), in one transaction."""
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(self.keys.policy, to_json(policy))
            pipe.delete(self.keys.rules)
            if any(rules.values()):
                pipe.hset(
                    self.keys.rules, mapping={name: to_json(r) for name, r in rules.items() if r}
                )
            pipe.execute()

    def for_source(self, source: str) -> Instructions:
        """The policy (the defaults if no clock has published one yet) and the rules of
        ``source``, read in one round trip."""
        with self.redis.pipeline(transaction=False) as pipe:
            pipe.get(self.keys.policy)
            pipe.hget(self.keys.rules, source)
            policy, rules = pipe.execute()
        return Instructions(
            policy=from_json(RecheckPolicy, policy) if policy else RecheckPolicy(),
            rules=from_json(ExtractionRules, rules) if rules else ExtractionRules(),
        )
