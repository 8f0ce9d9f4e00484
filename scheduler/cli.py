"""The ``redline`` command.

``redline init`` writes the settings and URLs files; ``redline run`` runs the whole
service, ``redline demo`` the same on a local newsroom;
``clock``, ``worker``, ``web`` and ``redis`` run one role each (see the Procfile); ``add``
and ``list`` manage what is tracked; ``status`` and ``show`` report on it, also while the
service runs; ``check`` shows what redline would store for one page, to write a source's
rules against.
"""

from __future__ import annotations

import argparse
import gzip
import logging
import math
import os
import signal
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import redis

from crawler.domain.codec import as_text
from crawler.domain.identity import BadUrlError, article_id, normalise_url, site_of
from crawler.domain.wording import ago, ahead
from crawler.extraction.rules import ExtractionRules
from crawler.store.archive import ArchiveError, read
from crawler.store.articles import ArticleStore
from crawler.store.connection import (
    RedisUnavailableError,
    connect,
    disk_problem,
    embedded_url,
    redact,
)
from crawler.store.keys import Keys
from crawler.store.sitetemplate import SiteTemplates
from crawler.store.stores import Stores
from crawler.web.feed import entry_title
from crawler.web.views import change_of, versions_of
from scheduler.config import Settings, config_path_from, load_settings
from scheduler.embedded import EmbeddedRedis, EmbeddedRedisError
from scheduler.report import Overview, article_text, status_text
from scheduler.service import CANNOT_START, Service, die_with_parent
from scheduler.settingsfile import settings_file
from scheduler.urls import URLS_HEADER, append_urls, read_urls, source_for
from scheduler.values import ConfigError

if TYPE_CHECKING:
    from collections.abc import Iterator

    from crawler.domain.models import ArticleState
    from crawler.spiders.page import FetchedPage

logger = logging.getLogger("redline")
# What to do about a Redis URL that does not answer.
_UNREACHABLE = "is its server running? (REDIS_URL, redis_url; redis_connect_timeout)"

# The first bytes of a gzip file.
GZIP_MAGIC = b"\x1f\x8b"


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``redline`` console script; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "init":  # before the settings, which it may be writing
        return _init(args)
    die_with_parent(os.environ, args.command)
    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        print(f"redline: {exc}", file=sys.stderr)
        return 2
    if args.command not in ("worker", "check"):  # Scrapy configures their logging
        logging.basicConfig(
            level=settings.log_level,
            format="%(asctime)s [%(name)s] %(levelname)s: %(message)s",
        )
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    try:
        status: int = args.handler(settings, args)
    except (RedisUnavailableError, EmbeddedRedisError) as exc:
        print(f"redline: {exc}", file=sys.stderr)
        return 1
    return status


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="redline",
        description="Watch news articles for edits; publish every change as Atom.",
    )
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="settings file (default: $REDLINE_CONFIG or config/redline.toml)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str, handler: object) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        return sub

    init = command(
        "init", "write the settings file (every setting explained) and a URLs file", None
    )
    init.add_argument(
        "--stdout", action="store_true", help="print the settings file instead of writing files"
    )
    command("run", "run the whole service: Redis (if embedded), clock, worker, web, notify", _run)
    command("clock", "run the clock: decides what is due (one per Redis)", _clock)
    command("worker", "run a crawl worker (any number, on any machine)", _worker)
    command("web", "serve the Atom feed and the web view", _web)
    command("notify", "push every change to the [notify.NAME] channels (any number)", _notify)
    command("redis", "run the embedded Redis in the foreground", _redis)
    demo = command(
        "demo", "watch a local newsroom that edits its articles (no internet needed)", _demo
    )
    demo.add_argument(
        "--first-edit", type=float, default=30.0, metavar="SECONDS", help="first edits from (30)"
    )
    demo.add_argument(
        "--spacing", type=float, default=60.0, metavar="SECONDS", help="between edits (60)"
    )
    add = command("add", "validate URLs and append them to the URLs file", _add)
    add.add_argument("urls", nargs="+", metavar="URL")
    command("list", "show the tracked URLs and their state", _list)
    command("status", "summarise the service: states, overdue checks, errors, sites", _status)
    show = command("show", "show one article's state and version history", _show)
    show.add_argument("url", metavar="URL", help="the article's URL (or its id)")
    check = command(
        "check", "fetch one page (or read a saved one) and print what would be stored", _check
    )
    check.add_argument(
        "url", nargs="?", default="", metavar="URL", help="the page (with --html: its URL)"
    )
    check.add_argument("--html", metavar="FILE", help="read this saved page (.gz too) instead")
    check.add_argument("--json", action="store_true", help="print the record as one JSON object")
    drawn = command("card", "draw an image of a change, to share (a PNG file)", _card)
    drawn.add_argument(
        "event", metavar="EVENT_ID", help="the change event's id (in its feed entry)"
    )
    drawn.add_argument(
        "--output",
        "-o",
        metavar="FILE",
        help="where to write it (default: ./redline-card-EVENT_ID.png)",
    )
    archive = command("archive", "the WARC files of every version's response", None)
    archived = archive.add_subparsers(dest="action", required=True, metavar="ACTION")
    archived.add_parser(
        "verify",
        help="re-read every archived response and check its digest",
        description="Re-reads every archived response and checks its digest; reports each"
        " version whose file is missing or whose record is damaged.",
    ).set_defaults(handler=_archive_verify)
    return parser


def _role_redis(settings: Settings) -> redis.Redis:
    """Connects a role process, waiting for Redis to come up (e.g. under honcho)."""
    if settings.redis_url:
        return connect(
            settings.redis_url, wait=settings.redis_connect_timeout, waiting_hint=_UNREACHABLE
        )
    return connect(
        embedded_url(settings.state_dir),
        wait=settings.redis_connect_timeout,
        waiting_hint="start it with `redline redis` (or use `redline run`), or set REDIS_URL",
    )


@contextmanager
def _any_redis(settings: Settings) -> Iterator[redis.Redis]:
    """Connects a command to Redis, starting the embedded one for its duration if needed."""
    if settings.redis_url:
        conn = connect(
            settings.redis_url, wait=settings.redis_connect_timeout, waiting_hint=_UNREACHABLE
        )
        yield conn
        return
    with EmbeddedRedis(settings.state_dir, settings.redis_fsync) as server:
        conn = connect(server.url, wait=settings.redis_connect_timeout)
        yield conn


def _stop_event() -> threading.Event:
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    return stop


def _init(args: argparse.Namespace) -> int:
    """Writes the settings file (``--config``, ``$REDLINE_CONFIG`` or the default) and the
    URLs file it names, each unless it exists; with ``--stdout``, prints the settings file."""
    text = settings_file()
    if args.stdout:
        print(text, end="")
        return 0
    path, _ = config_path_from(args.config, os.environ)
    if not _write_new(path, text, "the settings, each at its default and explained"):
        return 1
    try:  # the URLs file the settings (and the environment) name
        urls = load_settings(path).urls_file
    except ConfigError as exc:
        print(f"redline init: {exc}", file=sys.stderr)
        return 2
    if not _write_new(urls, URLS_HEADER, "the article URLs to track, one per line"):
        return 1
    print(
        "Next: `redline add URL` for each article to watch, then `redline run`"
        " (or `redline demo` to see redline at work first)."
    )
    return 0


def _write_new(path: Path, content: str, what: str) -> bool:
    """Writes a file that does not exist yet, saying so; False if it cannot be written."""
    if path.exists():
        print(f"redline init: {path} exists; kept as it is")
        return True
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as out:
            out.write(content)
    except OSError as exc:
        print(f"redline init: cannot write {path}: {exc}", file=sys.stderr)
        return False
    print(f"redline init: wrote {path} ({what})")
    return True


def _run(settings: Settings, args: argparse.Namespace) -> int:
    return Service(settings, args.config).run()


def _clock(settings: Settings, args: argparse.Namespace) -> int:
    from scheduler.clock import Clock

    stop = _stop_event()
    Clock(settings, _role_redis(settings), config_arg=args.config).run(stop)
    return 0


def _worker(settings: Settings, args: argparse.Namespace) -> int:
    from scheduler.worker import run_worker

    url = settings.redis_url or embedded_url(settings.state_dir)
    _role_redis(settings).close()
    run_worker(settings, url)
    return 0


def _notify(settings: Settings, args: argparse.Namespace) -> int:
    from scheduler.notify import Notifier

    stop = _stop_event()
    Notifier(settings, _role_redis(settings), config_arg=args.config).run(stop)
    return 0


def _web(settings: Settings, args: argparse.Namespace) -> int:
    from crawler.web.app import CannotServeError, WebApp, serve

    stores = Stores.open(_role_redis(settings), Keys(settings.redis_prefix))
    try:
        serve(
            WebApp(stores, settings.feed_title, settings.feed_size, settings.archive_path),
            settings.web_host,
            settings.web_port,
        )
    except CannotServeError as exc:
        print(f"redline web: {exc}", file=sys.stderr)
        return CANNOT_START
    return 0


def _demo(settings: Settings, args: argparse.Namespace) -> int:
    from scheduler.demo import run_demo

    return run_demo(settings, args.first_edit, args.spacing)


def _redis(settings: Settings, args: argparse.Namespace) -> int:
    if settings.redis_url:
        print(
            f"redline: REDIS_URL is set ({redact(settings.redis_url)}); "
            "the embedded Redis is not used",
            file=sys.stderr,
        )
        return 2
    stop = _stop_event()
    with EmbeddedRedis(settings.state_dir, settings.redis_fsync) as server:
        if not server.owner:
            print("redline: the embedded Redis is already running", file=sys.stderr)
            return 1
        logger.info("embedded Redis ready: REDIS_URL=%s", server.url)
        stop.wait()
    return 0


def _add(settings: Settings, args: argparse.Namespace) -> int:
    added, refused = append_urls(settings.urls_file, args.urls)
    for url in added:
        print(f"added {url}")
    for reason in refused:
        print(f"refused {reason}", file=sys.stderr)
    if added:
        print(
            f"{len(added)} URL(s) appended to {settings.urls_file}; "
            "a running clock picks them up on its next tick"
        )
    return 1 if refused else 0


def _list(settings: Settings, args: argparse.Namespace) -> int:
    urls, problems = read_urls(settings.urls_file)
    keys = Keys(settings.redis_prefix)
    with _any_redis(settings) as conn:
        store = ArticleStore(conn, keys)
        states = {s.id: s for s in store.articles([article_id(u.url) for u in urls])}
        listed = {article_id(u.url) for u in urls}
        found = sorted(as_text(i) for i in conn.smembers(keys.discovered))
        discovered = sorted(
            (s for s in store.articles(found) if s.id not in listed),
            key=lambda s: (-s.created, s.url),
        )
    now = time.time()
    print(f"{'STATE':<9} {'VERSIONS':>8}  {'LAST CHECK':<20} {'NEXT CHECK':<20} {'SOURCE':<14} URL")
    for tracked in urls:
        state = states.get(article_id(tracked.url))
        if state is None:
            print(f"{'pending':<9} {'-':>8}  {'-':<20} {'-':<20} {'-':<14} {tracked.url}")
        else:
            print(_list_line(state, now))
    if discovered:
        print(f"found by discovery ({len(discovered)}, newest first):")
        for state in discovered:
            print(_list_line(state, now))
    for problem in problems:
        print(f"bad line: {problem}", file=sys.stderr)
    return 0


def _list_line(state: ArticleState, now: float) -> str:
    return (
        f"{state.status.value:<9} {state.versions:>8}  {ago(state.last_check, now):<20} "
        f"{ahead(state.next_check, now):<20} {state.source:<14} {state.url}"
    )


def _status(settings: Settings, args: argparse.Namespace) -> int:
    from crawler.store.health import sources_health
    from scheduler.clock import ClockLock, LoadedConfig, holder_text

    keys = Keys(settings.redis_prefix)
    now = time.time()
    with _any_redis(settings) as conn:
        stores = Stores.open(conn, keys)
        store = stores.articles
        endpoints = stores.endpoints.all()
        names = sorted(set(store.source_names()) | {e.source for e in endpoints})
        window = settings.health_after
        overview = Overview(
            counts=store.status_counts(),
            depth=stores.queue.depth(now),
            last_hour=store.counters.last_minutes(now),
            sites=store.counters.sites(now),
            clock=holder_text(ClockLock(conn, keys.clock_lock, 1.0).holder()),
            problems=LoadedConfig.load(conn, keys).problems,
            redis_disk=disk_problem(conn.info("persistence")),
            sources=sources_health(store, endpoints, names, now, window),
            failing=stores.health.current(),
            health_hours=max(1, math.ceil(window / 3600)),
            channels=[stores.notices.health(name) for name in stores.notices.channels()],
        )
    print(status_text(overview, now))
    return 0


def _check(settings: Settings, args: argparse.Namespace) -> int:
    from crawler.detection.preview import Known, preview_page

    if not args.url and not args.html:
        print("redline check: give a URL, or --html FILE", file=sys.stderr)
        return 2
    url = args.url
    if url:
        try:
            url = normalise_url(url)
        except BadUrlError as exc:
            print(f"redline check: {exc}", file=sys.stderr)
            return 2
    if args.html:
        try:
            body = Path(args.html).read_bytes()
        except OSError as exc:
            print(f"redline check: cannot read {args.html}: {exc}", file=sys.stderr)
            return 2
        if body[:2] == GZIP_MAGIC:
            try:
                body = gzip.decompress(body)
            except (OSError, EOFError) as exc:
                print(f"redline check: {args.html}: broken gzip file: {exc}", file=sys.stderr)
                return 2
        content_type = ""
    else:
        fetched = _fetch_once(settings, url)
        if fetched.error or fetched.status >= 300:
            why = fetched.error or f"HTTP {fetched.status}"
            print(f"redline check: could not fetch {url}: {why}", file=sys.stderr)
            return 1
        url, body, content_type = fetched.url, fetched.body, fetched.content_type
    source = source_for(url, settings.sources) if url else ""
    rules = next((s.rules for s in settings.sources if s.name == source), ExtractionRules())
    if not url:
        preview = preview_page(body, content_type, url, source, rules)
        preview = replace(preview, evidence="none (no URL, so no site to read it for)")
    else:
        try:
            with _any_redis(settings) as conn:
                keys = Keys(settings.redis_prefix)
                templates = SiteTemplates(conn, keys)
                state = ArticleStore(conn, keys).load(article_id(url))
                known = Known(
                    partial(templates.evidence, site_of(url)),
                    state.outline if state is not None else "",
                )
                preview = preview_page(body, content_type, url, source, rules, known)
        except (redis.RedisError, OSError, RuntimeError) as exc:
            preview = preview_page(body, content_type, url, source, rules)
            preview = replace(preview, evidence=f"not read ({exc}): every paragraph counted")
    print(preview.to_json() if args.json else preview.to_text())
    return 0 if preview.article is not None else 1


def _fetch_once(settings: Settings, url: str) -> FetchedPage:
    """Fetches ``url`` once with a worker's Scrapy settings (but no Redis)."""
    from scrapy.crawler import CrawlerProcess

    from crawler.spiders.page import FetchedPage, PageSpider
    from scheduler.worker import scrapy_settings

    fetched = FetchedPage()
    process = CrawlerProcess(
        {**scrapy_settings(settings, ""), "ITEM_PIPELINES": {}, "LOG_LEVEL": "WARNING"}
    )
    process.crawl(PageSpider, url=url, sink=fetched)
    process.start()
    return fetched


def _card(settings: Settings, args: argparse.Namespace) -> int:
    from crawler.web.card import card

    path = Path(args.output or f"redline-card-{args.event}.png")
    with _any_redis(settings) as conn:
        try:
            stored = ArticleStore(conn, Keys(settings.redis_prefix)).event(args.event)
        except redis.ResponseError:
            stored = None
    if stored is None:
        print(f"redline card: no change event {args.event!r}", file=sys.stderr)
        return 1
    path.write_bytes(card(stored))
    print(f"redline card: wrote {path} ({entry_title(stored.event)})")
    return 0


def _archive_verify(settings: Settings, args: argparse.Namespace) -> int:
    directory = settings.archive_path
    checked = damaged = 0
    with _any_redis(settings) as conn:
        stores = Stores.open(conn, Keys(settings.redis_prefix))
        for article, number, archived in stores.archive.every():
            checked += 1
            try:
                read(directory, archived)
            except ArchiveError as exc:
                damaged += 1
                state = stores.articles.load(article)
                print(f"{state.url if state else article} version {number}: {exc}")
    print(
        f"redline archive verify: {checked} archived versions in {directory},"
        f" {damaged} missing or damaged"
    )
    return 1 if damaged else 0


def _show(settings: Settings, args: argparse.Namespace) -> int:
    try:
        wanted = article_id(normalise_url(args.url))
    except BadUrlError:
        wanted = args.url.strip()  # an article id
    with _any_redis(settings) as conn:
        stores = Stores.open(conn, Keys(settings.redis_prefix))
        store = stores.articles
        state = store.load(wanted)
        if state is None:
            urls, _ = read_urls(settings.urls_file)
            line = next((u.line for u in urls if article_id(u.url) == wanted), None)
            if line is None:
                print(f"redline: {args.url} is not tracked", file=sys.stderr)
                return 1
            print(
                f"{args.url}: pending ({settings.urls_file} line {line} lists it; the clock"
                " has not read it yet: is `redline run` running?)"
            )
            return 0
        now = time.time()
        changes = [change_of(stored, now) for stored in store.timeline(state.id)]
        versions = versions_of(store.versions(state.id), stores.archive.of(state.id))
        text = article_text(state, versions, changes, now)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
