"""Runs the extraction benchmark: ``python -m bench.extraction [options]``.

Prints the report as Markdown; ``--json PATH`` also writes every figure and every miss.
The variants decided by redline's checks keep their sites' evidence in an embedded Redis
(no network).
"""

from __future__ import annotations

import argparse
import functools
import json
import logging
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from bench.extraction.measure import (
    Measurement,
    Missing,
    Outcome,
    measure_quality,
    measure_stability,
    select,
    subjects,
)
from bench.extraction.pages import DEFAULT_DATA, load_pages, page_ids
from bench.extraction.report import Extractor, Run, as_json, markdown
from scheduler.embedded import EmbeddedRedis

# Each page is extracted this many times for timing; the fastest run counts.
REPEATS = 3


def main(argv: list[str] | None = None) -> int:
    """Parses the options, runs the benchmark, prints the report; returns the exit status."""
    options = _parser().parse_args(argv)
    logging.basicConfig(level=logging.ERROR)  # extractors' own warnings are not the report
    started = time.monotonic()
    try:
        chosen = select(options.extractors.split(",") if options.extractors else None)
        ids = _ids(page_ids(options.data), options.only, options.pages)
        pages = load_pages(options.data, ids)
    except (ValueError, FileNotFoundError) as exc:
        print(f"bench.extraction: {exc}", file=sys.stderr)
        return 2
    _, uninstalled = subjects()

    measurements: list[Measurement] = []
    for count, page in enumerate(pages, 1):
        measurements += measure_quality(chosen, page, REPEATS)
        _progress("quality", count, len(pages))

    outcomes: list[Outcome] | None = None
    missing: list[Missing] = []
    if not options.no_stability:
        outcomes = []
        names = [s.name for s in chosen]
        with (
            tempfile.TemporaryDirectory() as tmp,
            EmbeddedRedis(Path(tmp)) as server,
            ProcessPoolExecutor(max_workers=options.jobs) as pool,
        ):
            work = functools.partial(measure_stability, names, server.url)
            for count, (found, lacking) in enumerate(pool.map(work, pages), 1):
                outcomes += found
                missing += lacking
                _progress("stability", count, len(pages))

    run = Run(
        data=str(options.data),
        pages=len(pages),
        extractors=tuple(Extractor(s.name, s.version, s.settings) for s in chosen),
        uninstalled=tuple(uninstalled),
        repeats=REPEATS,
        measurements=tuple(measurements),
        outcomes=None if outcomes is None else tuple(outcomes),
        missing=tuple(missing),
        seconds=time.monotonic() - started,
    )
    print(markdown(run), end="")
    if options.json:
        options.json.write_text(json.dumps(as_json(run), indent=1, ensure_ascii=False) + "\n")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.extraction",
        description="Quality and stability of redline's article extraction on real pages.",
    )
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help="the data set (default: %(default)s)"
    )
    parser.add_argument("--pages", type=int, help="only the first N page ids, sorted")
    parser.add_argument("--only", metavar="ID", help="only this page (an id or its start)")
    parser.add_argument(
        "--extractors",
        metavar="NAMES",
        help="comma-separated extractors (default: all installed; 'trafilatura' picks both)",
    )
    parser.add_argument("--no-stability", action="store_true", help="skip the variants")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write all figures here")
    parser.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="processes for the (untimed) variants (default: %(default)s)",
    )
    return parser


def _ids(ids: list[str], only: str | None, first: int | None) -> list[str]:
    """The page ids to run on.

    Raises:
        ValueError: ``only`` names no page, or more than one.
    """
    if only:
        matches = [i for i in ids if i.startswith(only)]
        if len(matches) != 1:
            raise ValueError(f"--only {only!r} matches {len(matches)} pages")
        return matches
    return ids[:first] if first is not None else ids


def _progress(stage: str, done: int, total: int) -> None:
    """Shows how far a stage is, on a terminal only (logs stay clean)."""
    if not sys.stderr.isatty():
        return
    print(f"\r{stage}: {done}/{total} pages", end="\n" if done == total else "", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
