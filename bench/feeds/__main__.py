"""Runs the feeds benchmark: ``python -m bench.feeds [--events 100000] [--json PATH]``.

See :mod:`bench.feeds` for what it measures.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from bench.extraction.score import percentile
from crawler.detection.check import Finding, Update
from crawler.domain.codec import as_text
from crawler.domain.diff import diff_articles
from crawler.domain.models import Article, ChangeEvent
from crawler.store.articles import ArticleStore, TrackTarget
from crawler.store.connection import connect
from crawler.store.keys import Keys
from crawler.store.stores import Stores
from crawler.web.app import WebApp
from scheduler.embedded import EmbeddedRedis

if TYPE_CHECKING:
    from collections.abc import Callable

    from redis import Redis

    from crawler.detection.check import History
    from crawler.domain.diff import Diff
    from crawler.domain.models import ArticleState

# Events of the small population (the large one's count is an option).
SMALL = 1_000
# Articles and sources of each population.
ARTICLES = 1_000
SOURCES = 10
# Entries per feed page (redline's default).
FEED_SIZE = 100
# When the first event was detected, and the spacing of the others.
START = 1_700_000_000.0
SPACING = 6.0


@dataclass(frozen=True)
class Figure:
    """One request, served from both populations.

    Attributes:
        request: What was asked for.
        status: The HTTP status it got (the same from both).
        small_ms: Median milliseconds with the small population.
        large_ms: Median milliseconds with the large one.
        p95_large_ms: 95th percentile with the large one.
        body_bytes: The response body's size (large population).
    """

    request: str
    status: int
    small_ms: float
    large_ms: float
    p95_large_ms: float
    body_bytes: int

    @property
    def ratio(self) -> float:
        """Large over small."""
        return self.large_ms / self.small_ms if self.small_ms else 0.0


def main(argv: list[str] | None = None) -> int:
    """Parses the options, runs the benchmark, prints the figures; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m bench.feeds", description=__doc__)
    parser.add_argument(
        "--events", type=int, default=100_000, help="events of the large population"
    )
    parser.add_argument("--repetitions", type=int, default=30, help="requests per measure")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    options = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    started = time.monotonic()
    try:
        with (
            tempfile.TemporaryDirectory(prefix="redline-feeds-bench-") as tmp,
            EmbeddedRedis(Path(tmp)) as server,
        ):
            redis = connect(server.url)
            try:
                small = _populate(redis, "small:", SMALL)
                large = _populate(redis, "large:", options.events)
                figures = _measure(small, large, options.repetitions)
            finally:
                redis.close()
    except KeyboardInterrupt:
        print("bench.feeds: interrupted; the server is stopped", file=sys.stderr)
        return 130
    print(_table(figures, options.events, time.monotonic() - started))
    if options.json:
        rows = [asdict(f) | {"ratio": round(f.ratio, 3)} for f in figures]
        options.json.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    return 0


@dataclass(frozen=True)
class _Request:
    label: str
    path: str
    headers: dict[str, str]


@dataclass(frozen=True)
class _Population:
    app: WebApp
    requests: tuple[_Request, ...]


def _populate(redis: Redis, prefix: str, events: int) -> _Population:
    """Records ``events`` change events over :data:`ARTICLES` articles; returns the web
    application serving them and the requests to measure."""
    store = ArticleStore(redis, Keys(prefix))
    targets = [
        TrackTarget(f"a{n:05d}", f"https://n{n % SOURCES}.example/{n}", f"s{n % SOURCES}")
        for n in range(ARTICLES)
    ]
    store.sync_tracked(targets, START)
    store.index_events()  # as the clock's first tick does: events are indexed as published
    diffs = _diffs()
    print(f"recording {events:,} events under {prefix!r}", file=sys.stderr, flush=True)
    for n in range(events):
        target = targets[n % ARTICLES]
        kind, diff = diffs[n % len(diffs)]
        now = START + n * SPACING
        store.record(target.article_id, _publish(kind, diff, now))
    app = WebApp(Stores.of(store), "changes", FEED_SIZE)
    entries = redis.xrange(store.keys.events, count=max(events // 2, 1)) or []
    middle = as_text(entries[-1][0])
    _, headers, _ = _call(app, "/feed.atom", {})
    article_feed = f"/articles/{targets[7].article_id}/feed.atom"
    return _Population(
        app,
        (
            _Request("/feed.atom", "/feed.atom", {}),
            _Request(
                "/feed.atom (If-None-Match: 304)",
                "/feed.atom",
                {"HTTP_IF_NONE_MATCH": headers["ETag"]},
            ),
            _Request(
                f"/feed.atom?before=<the middle event, {middle}>",
                f"/feed.atom?before={middle}",
                {},
            ),
            _Request("/feed.atom?kind=headline", "/feed.atom?kind=headline", {}),
            _Request("/sources/s3/feed.atom", "/sources/s3/feed.atom", {}),
            _Request(
                "/sources/s3/feed.atom?kind=correction", "/sources/s3/feed.atom?kind=correction", {}
            ),
            _Request(article_feed, article_feed, {}),
            _Request("/ (index page)", "/", {}),
            _Request("/sources/s3 (source page)", "/sources/s3", {}),
        ),
    )


def _publish(kind: str, diff: Diff, now: float) -> Callable[[ArticleState, History], Update]:
    """A record plan that publishes one change event (no version: the feeds only read
    events)."""

    def plan(state: ArticleState, _: History) -> Update:
        event = ChangeEvent(
            state.id,
            state.url,
            state.source,
            state.versions,
            now,
            "A storm is coming to the coast",
            diff,
            kinds=(kind,),
            sequence=state.events + 1,
        )
        updated = replace(state, events=state.events + 1, last_check=now, last_change=now)
        return Update(updated, Finding.CHANGED, event=event)

    return plan


def _diffs() -> list[tuple[str, Diff]]:
    """A change of each kind, with its diff."""
    body = ("The storm reached the coast on Monday.", "Thousands were evacuated.")
    before = Article("A storm is coming", "By A. Writer", body)
    after = {
        "body": Article(before.headline, before.byline, (*body, "Schools are closed.")),
        "headline": Article("A storm is coming to the coast", before.byline, body),
        "byline": Article(before.headline, "By A. Writer and B. Reporter", body),
        "correction": Article(
            before.headline,
            before.byline,
            (*body, "Correction: an earlier version misstated the date."),
        ),
    }
    return [(kind, diff_articles(before, changed)) for kind, changed in after.items()]


def _call(app: WebApp, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    """Serves a GET of ``path`` (with its query) and ``headers`` (WSGI environ names)."""
    path, _, query = path.partition("?")
    statuses: list[int] = []
    replied: dict[str, str] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]]) -> None:
        statuses.append(int(status.split()[0]))
        replied.update(response_headers)

    environ: dict[str, object] = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "wsgi.url_scheme": "http",
        **headers,
    }
    body = b"".join(app(environ, start_response))
    return statuses[0], replied, body


def _measure(small: _Population, large: _Population, repetitions: int) -> list[Figure]:
    """Each request ``repetitions`` times from each population, interleaved."""
    figures = []
    for small_request, large_request in zip(small.requests, large.requests, strict=True):
        times: dict[str, list[float]] = {"small": [], "large": []}
        statuses = set()
        size = 0
        for _ in range(repetitions):
            for name, app, request in (
                ("small", small.app, small_request),
                ("large", large.app, large_request),
            ):
                begun = time.perf_counter()
                status, _, body = _call(app, request.path, request.headers)
                times[name].append((time.perf_counter() - begun) * 1000)
                statuses.add(status)
                size = len(body)
        if len(statuses) != 1:
            raise RuntimeError(f"{large_request.label}: statuses differ: {sorted(statuses)}")
        figures.append(
            Figure(
                large_request.label,
                statuses.pop(),
                percentile(times["small"], 0.5),
                percentile(times["large"], 0.5),
                percentile(times["large"], 0.95),
                size,
            )
        )
    return figures


def _table(figures: list[Figure], events: int, elapsed: float) -> str:
    lines = [
        f"redline: serving feeds with {SMALL:,} and {events:,} stored change events "
        f"({ARTICLES:,} articles, {SOURCES} sources, {FEED_SIZE} entries a page); took "
        f"{elapsed:.0f} s",
        "",
        f"  {'request':<58} {'status':>6} {'small ms':>9} {'large ms':>9} {'p95':>7} "
        f"{'large/small':>11} {'bytes':>8}",
    ]
    for f in figures:
        lines.append(
            f"  {f.request[:58]:<58} {f.status:>6} {f.small_ms:>9.2f} {f.large_ms:>9.2f} "
            f"{f.p95_large_ms:>7.2f} {f.ratio:>10.2f}x {f.body_bytes:>8,}"
        )
    lines.append("")
    lines.append("  (medians of the requests, each served in process by crawler.web.app.WebApp)")
    return "\n".join(lines)


def _terminate(signum: int, frame: object) -> NoReturn:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
