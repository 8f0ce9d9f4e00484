"""``redline demo``: redline watching a local newsroom whose articles are edited while you
look, with no internet and nothing to set up.

It starts the newsroom of :mod:`bench.newsroom` on 127.0.0.1 (a few articles over sites in
different layouts, boilerplate that changes on every request, and true edits due within the
next few minutes), writes a settings file and a URLs file for it under
``<state_dir>/demo`` (a Redis of its own, a fast recheck policy), and runs the whole service
on them, as ``redline run`` would, until interrupted. Each run starts afresh.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
from typing import TYPE_CHECKING

from bench.newsroom.server import Newsroom, NewsroomConfig
from bench.newsroom.settings import redline_toml
from bench.newsroom.story import EditPlan
from crawler.web import CannotServeError, check_port
from crawler.wording import ahead
from scheduler.config import ENV_PREFIX, load_settings
from scheduler.service import Service

if TYPE_CHECKING:
    from pathlib import Path

    from scheduler.config import Settings

logger = logging.getLogger(__name__)

ARTICLES = 6
SITES = 3


def newsroom_config(first_edit: float, spacing: float) -> NewsroomConfig:
    """The demo's newsroom: every article is edited twice, the first edits from
    ``first_edit`` seconds after the start, ``spacing`` seconds apart at the least."""
    return NewsroomConfig(
        articles=ARTICLES,
        sites=SITES,
        edits=EditPlan(share=1.0, edits=2, first=first_edit, spacing=spacing, spread=first_edit),
    )


def write_config(directory: Path, newsroom: Newsroom, web_host: str, web_port: int) -> Path:
    """Writes the demo's URLs file and settings file in ``directory``; returns the
    settings file. Environment overrides of the settings it writes, and any Redis URL, are
    dropped from this process's environment (which the service's roles inherit): the demo
    always runs on its own files and its own Redis."""
    urls = directory / "urls.txt"
    urls.write_text("".join(f"{newsroom.url(i)}\n" for i in range(newsroom.config.articles)))
    settings = {
        "urls_file": str(urls),
        "state_dir": str(directory / "state"),
        "web_host": web_host,
        "web_port": web_port,
        "initial_interval": "5s",
        "backoff_factor": 1.5,
        "max_interval": "30s",
        "stability_window": "15m",
        "confirm_delay": "2s",
        "obey_robots_txt": False,
        "feed_title": "redline demo: the Local Courier",
    }
    for name in (*settings, "redis_url", "allow_private_networks"):
        os.environ.pop(f"{ENV_PREFIX}{name.upper()}", None)
    os.environ.pop("REDIS_URL", None)
    path = directory / "redline.toml"
    layouts = [newsroom.config.layout(site) for site in range(newsroom.config.sites)]
    path.write_text(
        "# Written by `redline demo`: a fast schedule for a newsroom that edits quickly.\n"
        + redline_toml(newsroom.hosts, layouts, settings)
    )
    return path


def run_demo(settings: Settings, first_edit: float = 30.0, spacing: float = 60.0) -> int:
    """Runs the demo until SIGINT/SIGTERM; returns the exit status."""
    try:
        check_port(settings.web_host, settings.web_port)
    except CannotServeError as exc:
        print(f"redline demo: {exc}", file=sys.stderr)
        return 1
    directory = settings.state_dir.resolve() / "demo"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True, mode=0o700)
    newsroom = Newsroom(newsroom_config(first_edit, spacing)).start()
    try:
        path = write_config(directory, newsroom, settings.web_host, settings.web_port)
        site = f"http://{settings.web_host}:{settings.web_port}"
        print(
            f"redline demo: watching {ARTICLES} articles of a local newsroom"
            f" ({', '.join(newsroom.hosts)}).\n"
            f"  web view: {site}/\n"
            f"  feed:     {site}/feed.atom\n"
            f"  settings: {path}\n"
            "  (allow_private_networks = true: the newsroom is on this machine)\n"
            "Edits due:",
            flush=True,
        )
        for index in range(ARTICLES):
            start = newsroom.started
            times = ", ".join(ahead(start + at, start) for at in newsroom.config.edits_of(index))
            print(f"  {newsroom.url(index)}: {times}", flush=True)
        print("Stop with Ctrl-C.", flush=True)
        return Service(load_settings(path), str(path)).run()
    finally:
        newsroom.stop()
