"""redline watching a local newsroom, as in production: an embedded Redis, and ``redline
clock`` and ``redline worker`` processes that the caller starts, stops and kills; then the
change events, scored against the newsroom's ground truth (:mod:`bench.newsroom.score`).

The recheck policy is sped up (checks every 10 s at first, at most every 40 s, stable after
2 minutes without a change) so that minutes of run show what days would. Used by
:mod:`bench.accuracy`, :mod:`bench.chaos` and :mod:`bench.soak`.
"""

from __future__ import annotations

import itertools
import os
import re
import signal
import tempfile
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from bench.newsroom.score import Score, article_index, baseline, score
from bench.processes import Children
from crawler.domain.identity import article_id
from crawler.domain.normalize import normalise_text
from crawler.store.articles import ArticleStore
from crawler.store.connection import connect
from crawler.store.keys import Keys
from crawler.web.feed import summary
from scheduler.embedded import EmbeddedRedis
from scheduler.newsroom.server import Newsroom, NewsroomConfig
from scheduler.newsroom.settings import redline_toml
from scheduler.newsroom.story import Story, story_version
from scheduler.values import parse_duration

if TYPE_CHECKING:
    import subprocess
    from collections.abc import Collection, Iterable, Iterator, Mapping

    from crawler.domain.models import Article, ChangeEvent, Version

POLICY = {
    "initial_interval": "10s",
    "backoff_factor": 1.5,
    "max_interval": "40s",
    "stability_window": "2m",
    "confirm_delay": "2s",
    "retry_interval": "5s",
}
MAX_INTERVAL = 40.0

# What the roles are told besides the policy.
SETTINGS = {
    "concurrency": 32,
    "per_domain_concurrency": 4,
    "obey_robots_txt": False,
    "download_timeout": "5s",
    "max_page_size": "5MB",
    "log_level": "WARNING",
}


class Watch:
    """A newsroom, an embedded Redis and the redline roles started on them.

    Args:
        config: The newsroom's settings.
        newsroom: The running newsroom.
        workdir: Where the config, the state and the roles' log (``children.log``) live.
        redis_url: The embedded Redis.
        stability_window: The roles' stability window, in seconds.
    """

    def __init__(
        self,
        config: NewsroomConfig,
        newsroom: Newsroom,
        workdir: Path,
        redis_url: str,
        stability_window: float,
    ) -> None:
        self.config = config
        self.newsroom = newsroom
        self.workdir = workdir
        self.children = Children(workdir / "children.log")
        self.env = {"REDIS_URL": redis_url, "REDLINE_CONFIG": str(workdir / "redline.toml")}
        self._versions: dict[str, list[Version]] = {}  # read once each, when scoring
        self.store = ArticleStore(connect(redis_url), Keys("redline:"))
        self.stability_window = stability_window

    def start(self, role: str) -> subprocess.Popen[bytes]:
        """Starts a ``redline ROLE`` process (``clock`` or ``worker``)."""
        return self.children.python("-m", "scheduler.cli", role, env=self.env)

    def kill(self, child: subprocess.Popen[bytes], how: signal.Signals) -> None:
        """Sends ``how`` to a role (SIGKILL, or SIGTERM and the usual grace) and waits
        until it has exited."""
        if how is signal.SIGKILL:
            os.kill(child.pid, signal.SIGKILL)
            child.wait()
        self.children.stop(child)

    def events(self) -> list[ChangeEvent]:
        """Every change event recorded so far, newest first."""
        events: list[ChangeEvent] = []
        before = ""
        while page := self.store.recent_events(500, before):
            events.extend(stored.event for stored in page)
            before = page[-1].event_id
        return events

    def score(self, until: float, only: Collection[int] | None = None) -> Score:
        """Scores the events recorded so far; edits later than ``until`` seconds after the
        newsroom started are not counted; ``only`` names the articles to score (None:
        all)."""
        started, requests = self.newsroom.started, self.newsroom.requests
        baselines = []
        for index in range(self.config.articles):
            first = self.store.versions(article_id(self.newsroom.url(index)))[:1]
            recorded = first[0].recorded_at - started if first else None
            baselines.append(baseline(requests[index], recorded))
        return score(
            self.config,
            started,
            self.events(),
            requests,
            until=until,
            stability_window=self.stability_window,
            baselines=baselines,
            only=only,
            reports=self.reported_version,
        )

    def reported_version(self, event: ChangeEvent) -> int | None:
        """The true version of its article (the number of edits it shows) that the text an
        event recorded is: the one whose words it has, the fewest differing; None for an
        event of no newsroom article."""
        index = article_index(event.url)
        if index is None:
            return None
        versions = self._versions.get(event.article_id)
        if versions is None:
            versions = self._versions[event.article_id] = self.store.versions(event.article_id)
        if event.version >= len(versions):
            return None
        recorded = _words(versions[event.version].article)
        # The latest of equally alike versions: an edit may undo an earlier one.
        stories = reversed(range(len(self.config.edits_of(index)) + 1))
        return min(
            stories,
            key=lambda number: _unlikeness(
                recorded, _words(story_version(self.config.seed, index, number))
            ),
        )

    def timeline(self, index: int) -> list[str]:
        """Article ``index``'s story in the run, in offsets from the newsroom's start: its
        true edits, the requests the newsroom answered, the versions and events redline
        recorded, and its state now."""
        started = self.newsroom.started
        record_id = article_id(self.newsroom.url(index))
        state = self.store.load(record_id)

        def offsets(times: Iterable[float | None], since: float = started) -> str:
            return " ".join(f"{t - since:.1f}" for t in times if t is not None) or "-"

        events = [e for e in self.events() if e.article_id == record_id]
        lines = [
            f"  edits:    {offsets(self.config.edits_of(index), 0.0)}",
            f"  requests: {offsets(self.newsroom.requests[index], 0.0)}",
            f"  versions: {offsets(v.recorded_at for v in self.store.versions(record_id))}",
            f"  events:   {offsets(e.detected_at for e in reversed(events))}",
        ]
        for event in reversed(events):
            changed = " | ".join(
                "".join(f"[{s.op}:{s.text}]" if s.op != "equal" else "" for s in p.segments)
                for p in event.diff.paragraphs
            )
            lines.append(
                f"    {event.detected_at - started:.1f}: {summary(event)}; {changed[:300]}"
            )
        if state is not None:
            lines.append(
                f"  now: {state.status}, {state.checks} checks, last claim "
                f"{offsets([state.last_claim])}, last check {offsets([state.last_check])}, "
                f"next check {offsets([state.next_check])}, last change "
                f"{offsets([state.last_change])}, errors {state.failures}, "
                f"extraction failures {state.extraction_failures}"
            )
        return lines

    def cost(self) -> str:
        """What the checks cost, in words: how many there were, and how many of them were
        the second fetch that confirms a candidate change (one for each version after the
        first, and one for each candidate that was not confirmed)."""
        ids = [article_id(self.newsroom.url(i)) for i in range(self.config.articles)]
        states = list(self.store.articles(ids))
        checks = sum(state.checks for state in states)
        confirmed = sum(max(state.versions - 1, 0) for state in states)
        unconfirmed = sum(state.extraction_failures for state in states)
        share = (confirmed + unconfirmed) / checks if checks else 0.0
        return (
            f"checks: {checks}, of which {confirmed + unconfirmed} ({share:.1%}) confirmed a"
            f" candidate change: {confirmed} confirmed one, {unconfirmed} none"
        )

    def repeated_versions(self) -> int:
        """How many stored versions repeat the version just before them: a check recorded
        twice would (none ever should)."""
        repeated = 0
        for index in range(self.config.articles):
            versions = self.store.versions(article_id(self.newsroom.url(index)))
            repeated += sum(1 for a, b in itertools.pairwise(versions) if a.digest == b.digest)
        return repeated


@contextmanager
def watching(config: NewsroomConfig, settings: Mapping[str, object] = {}) -> Iterator[Watch]:
    """Starts a newsroom and an embedded Redis in a temporary directory, writes a
    ``redline.toml`` that tracks every article (:data:`POLICY`, :data:`SETTINGS`, then
    ``settings``); on leaving, stops the roles still running, Redis and the newsroom."""
    with tempfile.TemporaryDirectory(prefix="redline-watch-", dir="/tmp") as tmp:
        workdir = Path(tmp)
        newsroom = Newsroom(config).start()
        watch: Watch | None = None
        try:
            urls = workdir / "urls.txt"
            urls.write_text("".join(f"{newsroom.url(i)}\n" for i in range(config.articles)))
            toml = {
                "urls_file": str(urls),
                "state_dir": str(workdir / "state"),
                **SETTINGS,
                **POLICY,
                **settings,
            }
            layouts = [config.layout(site) for site in range(config.sites)]
            (workdir / "redline.toml").write_text(redline_toml(newsroom.hosts, layouts, toml))
            with EmbeddedRedis(workdir / "state") as server:
                window = parse_duration(str(toml["stability_window"]))
                watch = Watch(config, newsroom, workdir, server.url, window)
                try:
                    yield watch
                finally:
                    watch.children.stop_all()
        finally:
            newsroom.stop()


def _words(text: Article | Story) -> Counter[str]:
    """A text's words (headline and paragraphs), lower-cased, as a multiset: what stays the
    same however a layout marks up its paragraphs or where extraction puts the dateline."""
    joined = " ".join([text.headline, *text.paragraphs])
    return Counter(_WORD.findall(normalise_text(joined).lower()))


def _unlikeness(recorded: Counter[str], truth: Counter[str]) -> int:
    """How many words one text has that the other lacks (0: the same words)."""
    return sum(((recorded - truth) + (truth - recorded)).values())


_WORD = re.compile(r"\w+")
