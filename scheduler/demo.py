"""``redline demo``: redline watching a local newsroom whose articles are edited while you
look, with no internet and nothing to set up.

It starts the newsroom of :mod:`scheduler.newsroom` on 127.0.0.1 (a few articles over sites in
different layouts, boilerplate that changes on every request, and true edits due within the
next few minutes), writes a settings file and a URLs file for it under
``<state_dir>/demo`` (a Redis of its own, a fast recheck policy), and runs the whole service
on them, as ``redline run`` would, until interrupted. Each run starts afresh.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import threading
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from crawler.domain.wording import ahead, duration
from crawler.web.app import CannotServeError, check_port
from scheduler.config import ENV_PREFIX, load_settings
from scheduler.newsroom.server import Newsroom, NewsroomConfig
from scheduler.newsroom.settings import redline_toml, site_name
from scheduler.newsroom.story import EditPlan, edit_kind, story_version
from scheduler.service import Service

if TYPE_CHECKING:
    from collections.abc import Sequence

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


@dataclass(frozen=True)
class _Edit:
    """One edit the newsroom will make: when (seconds after its start), to which article."""

    at: float
    index: int
    number: int


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
    site = f"http://{settings.web_host}:{settings.web_port}"
    progress = _Progress(newsroom, site)
    try:
        path = write_config(directory, newsroom, settings.web_host, settings.web_port)
        print(_banner(newsroom, site, path, progress.edits), flush=True)
        progress.start()
        return Service(load_settings(path), str(path)).run()
    finally:
        progress.stop()
        newsroom.stop()
        print(progress.summary(), flush=True)


def _banner(newsroom: Newsroom, site: str, path: Path, edits: Sequence[_Edit]) -> str:
    """What the demo prints first: what it watches, where to look, what to run, and when
    each edit is due."""
    config = newsroom.config
    names = [site_name(s) for s in range(config.sites)]
    start = newsroom.started
    config_arg = _shown_path(path)
    lines = [
        f"redline demo: a local newsroom publishes {config.articles} articles on"
        f" {config.sites} sites ({', '.join(names)}); its editors will change each of them"
        f" while redline watches.",
        f"  web view: {site}/",
        f"  feed:     {site}/feed.atom",
        f"  commands: redline --config {config_arg} status   (or list, show URL)",
        f"  settings: {path}",
        "  (allow_private_networks = true: the newsroom is on this machine)",
        "Articles:",
    ]
    for index in range(config.articles):
        story = story_version(config.seed, index, 0)
        due = ", ".join(ahead(start + e.at, start) for e in edits if e.index == index)
        lines.append(f"  {names[config.site(index)]}: {story.headline} (edits {due})")
        lines.append(f"    {newsroom.url(index)}")
    if edits:
        lines.append(f"The last edit is due {ahead(start + edits[-1].at, start)}.")
    lines.append("Stop with Ctrl-C.")
    return "\n".join(lines)


def _shown_path(path: Path) -> str:
    """``path`` relative to the working directory when it is inside it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


class _Progress:
    """Tells, as they happen, each edit the newsroom makes and each change redline
    publishes (read from the demo's own web view), and sums up at the end."""

    def __init__(self, newsroom: Newsroom, site: str) -> None:
        self.newsroom = newsroom
        self.site = site
        config = newsroom.config
        self.edits = sorted(
            (
                _Edit(at, index, number)
                for index in range(config.articles)
                for number, at in enumerate(config.edits_of(index), start=1)
            ),
            key=lambda e: e.at,
        )
        self.made = 0
        self.published = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="demo-progress", daemon=True)

    def start(self) -> None:
        """Starts telling."""
        self._thread.start()

    def stop(self) -> None:
        """Stops telling (at once)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def summary(self) -> str:
        """What happened, in two lines."""
        elapsed = duration(self.newsroom.clock() - self.newsroom.started)
        return (
            f"redline demo: stopped after {elapsed}. The newsroom made {self.made} of its"
            f" {len(self.edits)} edits; redline published {self.published} changes.\n"
            "Its data is kept until the next `redline demo`."
        )

    def _run(self) -> None:
        newsroom = self.newsroom
        while not self._stop.wait(_POLL):
            offset = newsroom.clock() - newsroom.started
            while self.made < len(self.edits) and self.edits[self.made].at <= offset:
                edit = self.edits[self.made]
                self.made += 1
                config = newsroom.config
                story = story_version(config.seed, edit.index, edit.number)
                print(
                    f"[demo] edit {self.made} of {len(self.edits)} made:"
                    f" {site_name(config.site(edit.index))}, {story.headline!r}"
                    f" ({_KINDS[edit_kind(config.seed, edit.index, edit.number)]})",
                    flush=True,
                )
            self._read_published()

    def _read_published(self) -> None:
        try:
            with urllib.request.urlopen(f"{self.site}/index.json", timeout=5) as reply:
                changes = json.load(reply)["changes"]
        except (OSError, ValueError, KeyError):
            return  # the web view is not up yet, or is restarting
        for change in reversed(changes[: max(0, len(changes) - self.published)]):
            print(f"[demo] redline published: {change['title']}", flush=True)
        self.published = max(self.published, len(changes))


_POLL = 2.0
"""Seconds between two looks at the newsroom's edits and redline's changes."""
_KINDS = {
    "paragraph": "a paragraph updated",
    "added": "a paragraph added",
    "removed": "a paragraph cut",
    "headline": "the headline rewritten",
    "correction": "a correction appended",
}
