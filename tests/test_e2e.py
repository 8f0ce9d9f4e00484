"""``redline run`` as a user runs it, against a local news site, with second-scale schedules."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

import feedparser
import pytest

from crawler.connection import connect, embedded_url
from crawler.keys import Keys
from crawler.models import ArticleState, Status
from crawler.store import ArticleStore
from scheduler.urls import article_id
from tests.conftest import wait_for
from tests.sites import NewsSite, sample_story

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.e2e


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Service:
    """A `redline run` subprocess and a view of its embedded Redis."""

    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.workdir = workdir
        self.env = env
        self.log = workdir / "redline.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.store: ArticleStore | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "scheduler.cli", "run"],
                cwd=self.workdir,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        conn = connect(embedded_url(self.workdir / "var"), wait=30)
        self.store = ArticleStore(conn, Keys())

    def stop(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=90)
        self.process = None
        return code

    def state(self, url: str) -> ArticleState:
        """The article's state, once the clock has started tracking it."""
        store = self.store
        assert store is not None
        state = wait_for(lambda: store.load(article_id(url)), what=f"{url} to be tracked")
        assert isinstance(state, ArticleState)
        return state

    def feed(self) -> Any:
        """The parsed feed, once the web server answers."""
        url = f"http://127.0.0.1:{self.env['REDLINE_WEB_PORT']}/feed.atom"

        def fetch() -> bytes | None:
            try:
                with urllib.request.urlopen(url, timeout=10) as reply:
                    return bytes(reply.read())
            except urllib.error.URLError:
                return None

        parsed = feedparser.parse(wait_for(fetch, what="the web server"))
        assert parsed.bozo == 0, parsed.get("bozo_exception")
        return parsed


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    env = {
        **os.environ,
        "REDLINE_CONFIG": "",
        "REDLINE_URLS_FILE": str(tmp_path / "urls.txt"),
        "REDLINE_STATE_DIR": str(tmp_path / "var"),
        "REDLINE_WEB_PORT": str(free_port()),
        "REDLINE_INITIAL_INTERVAL": "1s",
        "REDLINE_BACKOFF_FACTOR": "1",
        "REDLINE_MAX_INTERVAL": "1s",
        "REDLINE_STABILITY_WINDOW": "8s",
        "REDLINE_CLOCK_TICK": "100ms",
        "REDLINE_RETRY_INTERVAL": "200ms",
        "REDLINE_FAILING_INTERVAL": "1s",
        "REDLINE_SITE_BACKOFF": "1s",
        "REDLINE_RETRIES": "0",
        "REDLINE_DOWNLOAD_TIMEOUT": "5s",
    }
    env.pop("REDIS_URL", None)
    running = Service(tmp_path, env)
    yield running
    if running.process is not None:
        running.process.kill()
        running.process.wait()
        print(running.log.read_text(errors="replace")[-5000:])


def test_edits_become_feed_entries_churn_does_not_and_stable_articles_are_left_alone(
    service: Service, site: NewsSite
) -> None:
    edited = site.add("/news/edited", sample_story("harbour"))
    quiet = site.add("/news/quiet", sample_story("bridge"))
    broken = site.add("/news/broken", sample_story("tunnel"))
    site.edit("/news/broken", status=503)
    Path(service.env["REDLINE_URLS_FILE"]).write_text(f"{edited}\n{quiet}\n{broken}\n")
    service.start()

    # Boilerplate changes on every request: several checks, one version, no feed entries.
    wait_for(lambda: service.state(edited).checks >= 4, what="4 checks of the article")
    assert service.state(edited).versions == 1
    assert service.feed().entries == []

    # A real edit: exactly one entry showing the old and new words.
    story = sample_story("harbour")
    story.paragraphs[1] = story.paragraphs[1].replace("three years", "four years")
    site.edit("/news/edited", paragraphs=story.paragraphs)
    wait_for(lambda: service.state(edited).versions == 2, what="the edit to be recorded")
    checks_after_edit = service.state(edited).checks
    wait_for(lambda: service.state(edited).checks >= checks_after_edit + 3, what="more checks")
    entries = service.feed().entries
    assert len(entries) == 1
    content = entries[0].content[0].value
    assert "<del>three</del>" in content
    assert "<ins>four</ins>" in content
    assert entries[0].link == edited

    # Errors are retried but are never changes.
    broken_state = service.state(broken)
    assert broken_state.versions == 0
    assert broken_state.last_error == "HTTP 503"

    # The quiet article becomes stable; restart the service and nothing is lost.
    wait_for(lambda: service.state(quiet).status is Status.STABLE, what="stability")
    assert service.stop() == 0
    service.start()
    assert service.state(edited).versions == 2
    assert service.state(quiet).status is Status.STABLE
    assert len(service.feed().entries) == 1

    # The schedule resumes: the edited article goes on being checked until it is stable,
    # and neither stable article is fetched again while the service keeps working.
    wait_for(lambda: service.state(edited).status is Status.STABLE, what="the edited one stable")
    requests = {path: site.count(path) for path in ("/news/edited", "/news/quiet")}
    polled = site.count("/news/broken")
    wait_for(lambda: site.count("/news/broken") >= polled + 4, what="the service to keep polling")
    assert {path: site.count(path) for path in requests} == requests
    assert len(service.feed().entries) == 1
    assert service.stop() == 0
