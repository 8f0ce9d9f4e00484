"""Runs the Redis benchmark: ``python -m bench.redis [options]``.

Prints the figures as plain-text tables; ``--json PATH`` also writes every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from bench.extraction.pages import DEFAULT_DATA
from bench.redis import compression, population
from bench.redis.article import edited, typical_article, words
from bench.redis.layouts import measure_layouts
from bench.redis.memory import hash_value_limit, long_fields, snapshot, used_memory
from bench.redis.population import Population, Round, When, not_modified_round, page_round
from bench.redis.report import MemoryRun, Run, as_json, text
from bench.redis.tick import Case, StepBench
from crawler.domain.models import Status
from crawler.store.articles import ArticleStore
from crawler.store.connection import connect
from crawler.store.keys import Keys
from scheduler.embedded import EmbeddedRedis

if TYPE_CHECKING:
    from redis import Redis

    from bench.redis.compression import Ratio
    from bench.redis.memory import Snapshot
    from bench.redis.tick import StepFigure


def main(argv: list[str] | None = None) -> int:
    """Parses the options, runs the benchmark, prints the report; returns the exit status."""
    options = _parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)  # stop the server on SIGTERM as on Ctrl-C
    progress = _Progress()
    memory = None
    steps: tuple[StepFigure, ...] = ()
    try:
        with (
            tempfile.TemporaryDirectory(prefix="redline-redis-bench-") as tmp,
            EmbeddedRedis(Path(tmp)) as server,
        ):
            redis = connect(server.url)
            info = redis.info("server")
            version = (
                f"Redis {info['redis_version']} (malloc={redis.info('memory')['mem_allocator']})"
            )
            try:
                if options.only in (None, "memory"):
                    memory = _memory(server.url, redis, options, progress)
                    redis.flushall()
                if options.only in (None, "clock"):
                    steps = _clock(redis, options, progress)
            finally:
                redis.close()
    except KeyboardInterrupt:
        print("bench.redis: interrupted; the server is stopped", file=sys.stderr)
        return 130
    run = Run(version, progress.elapsed, memory, steps, options.repetitions)
    print(text(run), end="")
    if options.json:
        options.json.write_text(json.dumps(as_json(run), indent=1) + "\n", encoding="utf-8")
    return 0


def _memory(url: str, redis: Redis, options: argparse.Namespace, progress: _Progress) -> MemoryRun:
    """Builds the population stage by stage and measures it (see :mod:`bench.redis`)."""
    keys = Keys()
    store = ArticleStore(redis, keys)
    redis.flushall()
    baseline = used_memory(redis)
    article = typical_article()
    page_url = population.urls(1)[0]
    count = options.articles
    with Population(url, count, options.jobs, keys) as articles:

        def check(*rounds: Round) -> None:
            for round_ in rounds:
                progress(f"checking every article: {round_.name}")
                if articles.check(round_) != count:
                    raise RuntimeError(f"not every article was checked: {round_.name}")

        def weigh(status: Status, name: str) -> Snapshot:
            found = store.status_counts()
            if found[status] != count:  # else the figures would be of something else
                raise RuntimeError(f"expected {count} articles {status}, found {dict(found)}")
            progress(f"weighing every key: {status}, {name}")
            return snapshot(redis, keys, name, count, baseline)

        progress(f"tracking {count:,} articles")
        articles.track()
        check(
            page_round("first version", article, page_url),
            not_modified_round("304 Not Modified"),
        )
        active = weigh(Status.ACTIVE, "2 checks, 1 version")
        check(
            page_round("edited once", edited(article, 1), page_url),
            page_round("edited twice", edited(article, 2), page_url),
        )
        versioned = weigh(Status.ACTIVE, "4 checks, 3 versions")
        check(not_modified_round("unchanged at the window's end", When.WINDOW_END))
        stable = weigh(Status.STABLE, "5 checks, 3 versions")
        ids = articles.ids
        sources = len({t.source for t in articles.tracked})
    progress("rewriting the article hashes in other layouts")
    setting = hash_value_limit(redis)
    layouts = measure_layouts(redis, url, keys, ids, setting)

    ratios, missing = _compression(url, redis, keys, ids, options.data, progress)
    return MemoryRun(
        articles=count,
        sources=sources,
        jobs=options.jobs,
        words=words(article.paragraphs),
        paragraphs=len(article.paragraphs),
        snapshots=(active, versioned, stable),
        value_setting=setting,
        long_fields=long_fields(redis, keys.article(ids[0]), setting[1]),
        layouts=tuple(layouts),
        ratios=tuple(ratios),
        data=str(options.data),
        data_missing=missing,
    )


def _compression(
    url: str, redis: Redis, keys: Keys, ids: list[str], data: Path, progress: _Progress
) -> tuple[list[Ratio], str]:
    """Measures the ways of storing versions (see :mod:`bench.redis.compression`) on the
    generated article's stored versions and on the real texts in ``data``.

    Returns:
        The figures, and why the real texts were not measured ("" if they were).
    """

    def list_key(n: int) -> str:
        return keys.versions(ids[n % len(ids)])

    progress("compressing the generated article's versions")
    generated = [compression.stored_texts(redis, keys.versions(ids[0]))]
    state = ArticleStore(redis, keys).load(ids[0])
    if state is None:
        raise RuntimeError(f"article {ids[0]} is gone")
    training = compression.generated_training(state.url, state.extractor)
    ratios = compression.measure(compression.GENERATED, generated, training, url, list_key)
    progress(f"compressing the versions of real articles from {data}")
    try:
        real = compression.real_texts(data)
    except FileNotFoundError as exc:
        return ratios, f"no data set at {data} ({exc})"
    return ratios + compression.measure(compression.REAL, real, None, url, list_key), ""


def _clock(
    redis: Redis, options: argparse.Namespace, progress: _Progress
) -> tuple[StepFigure, ...]:
    """Times the clock's step for each number scheduled and due (see :mod:`bench.redis.tick`)."""
    cases = []
    for scheduled in options.scheduled:
        dues = set(options.due)
        if scheduled == options.growth_at:
            dues |= set(options.growth_due)
        cases += [Case(scheduled, due) for due in sorted(d for d in dues if d <= scheduled)]
        if scheduled == options.growth_at and options.expired:
            cases.append(Case(scheduled, max(options.due), options.expired))
    with tempfile.TemporaryDirectory(prefix="redline-redis-bench-clock-") as workdir:
        bench = StepBench(redis, Path(workdir), options.repetitions)
        for scheduled in options.scheduled:
            progress(f"filling a schedule of {scheduled:,} ids")
            bench.add_schedule(scheduled)
        progress(
            f"timing the clock's step in {len(cases)} configurations, "
            f"{options.repetitions} repetitions each, interleaved"
        )
        return tuple(bench.run(cases))


class _Progress:
    """Tells how far the run is, on stderr (the report goes to stdout)."""

    def __init__(self) -> None:
        self.started = time.monotonic()

    @property
    def elapsed(self) -> float:
        """Seconds since the run started."""
        return time.monotonic() - self.started

    def __call__(self, stage: str) -> None:
        print(f"[{self.elapsed:4.0f} s] {stage}", file=sys.stderr, flush=True)


def _terminate(signum: int, frame: object) -> NoReturn:
    raise SystemExit(128 + signum)


def _counts(text: str) -> list[int]:
    return [int(n.replace("_", "")) for n in text.split(",")]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.redis",
        description="Redis memory per tracked article, and the cost of the clock's step.",
    )
    parser.add_argument(
        "--articles", type=int, default=10_000, help="articles in the population (%(default)s)"
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="processes recording checks (default: %(default)s, one per core)",
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA,
        help="real news pages for the compression figures (default: %(default)s)",
    )
    parser.add_argument(
        "--repetitions", type=int, default=50, help="timed clock steps each (%(default)s)"
    )
    parser.add_argument(
        "--scheduled",
        type=_counts,
        default=[10_000, 100_000, 1_000_000],
        metavar="N,N,...",
        help="ids in the schedule (default: 10000,100000,1000000)",
    )
    parser.add_argument(
        "--due", type=_counts, default=[100, 1000], metavar="N,N,...", help="due (100,1000)"
    )
    parser.add_argument(
        "--growth-at",
        type=int,
        default=100_000,
        help="the schedule size at which more due counts are tried (%(default)s)",
    )
    parser.add_argument(
        "--growth-due",
        type=_counts,
        default=[10_000],
        metavar="N,N,...",
        help="the due counts tried there besides --due (10000)",
    )
    parser.add_argument(
        "--expired",
        type=int,
        default=1000,
        help="expired leases in one more step there, with the most due (%(default)s)",
    )
    parser.add_argument("--only", choices=("memory", "clock"), help="measure only one part")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write all figures here")
    return parser


if __name__ == "__main__":
    sys.exit(main())
