"""Every Redis key redline uses, in one place, under one configurable prefix.

========================  ======  ====================================================
key                       type    holds
========================  ======  ====================================================
``article:{id}``          hash    an article's state (see :class:`crawler.models.ArticleState`)
``versions:{id}``         list    its versions, oldest first (index = version number),
                                  each a compressed :class:`crawler.models.Version`
``tracked``               set     ids of the articles the URLs file lists
``schedule``              zset    id -> epoch seconds of its next check (not yet due)
``ready``                 zset    id -> epoch seconds it became due; workers claim from it
``leases``                zset    id -> epoch seconds its worker's claim expires
``events``                stream  change events, oldest first (field ``data``)
``policy``                string  the recheck policy the clock publishes for workers
``config``                hash    what the clock last loaded (file fingerprints, problems)
``clock:lock``            string  token of the one clock allowed to schedule
========================  ======  ====================================================
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_PREFIX = "redline:"


@dataclass(frozen=True)
class Keys:
    """Builds key names under ``prefix``."""

    prefix: str = DEFAULT_PREFIX

    def article(self, article_id: str) -> str:
        """The hash of one article's state."""
        return f"{self.prefix}article:{article_id}"

    def versions(self, article_id: str) -> str:
        """The list of one article's versions."""
        return f"{self.prefix}versions:{article_id}"

    @property
    def article_prefix(self) -> str:
        """What :meth:`article` puts before the id (Lua scripts build keys with it)."""
        return f"{self.prefix}article:"

    @property
    def tracked(self) -> str:
        return f"{self.prefix}tracked"

    @property
    def schedule(self) -> str:
        return f"{self.prefix}schedule"

    @property
    def ready(self) -> str:
        return f"{self.prefix}ready"

    @property
    def leases(self) -> str:
        return f"{self.prefix}leases"

    @property
    def events(self) -> str:
        return f"{self.prefix}events"

    @property
    def policy(self) -> str:
        return f"{self.prefix}policy"

    @property
    def config(self) -> str:
        return f"{self.prefix}config"

    @property
    def clock_lock(self) -> str:
        return f"{self.prefix}clock:lock"
