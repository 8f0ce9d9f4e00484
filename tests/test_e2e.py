"""``redline run`` as a user runs it, against a local news site, with second-scale schedules."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

import feedparser
import pytest

from crawler.domain.identity import article_id
from crawler.domain.models import ArticleState, Status
from crawler.store.articles import ArticleStore
from crawler.store.connection import connect, embedded_url
from crawler.store.keys import Keys
from scheduler.clock import ClockLock
from scheduler.embedded import EmbeddedRedis
from tests.conftest import wait_for
from tests.sites import NewsSite, sample_story

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

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
        "REDLINE_CONFIRM_DELAY": "200ms",
        "REDLINE_FAILING_INTERVAL": "1s",
        "REDLINE_SITE_BACKOFF": "1s",
        "REDLINE_RETRIES": "0",
        "REDLINE_DOWNLOAD_TIMEOUT": "5s",
    }
    env.pop("REDIS_URL", None)
    running = Service(tmp_path, env)
    yield running
    if running.process is not None:  # the test failed: stop what it left running
        running.process.terminate()
        try:
            running.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
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


def _children(pid: int) -> list[int]:
    """The pids of a process's children (Linux)."""
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


def _dead(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"  # a zombie is dead too


def _redline(service: Service, *args: str) -> str:
    """Runs a `redline` command beside the service, as a user would."""
    done = subprocess.run(
        [sys.executable, "-m", "scheduler.cli", *args],
        cwd=service.workdir,
        env=service.env,
        capture_output=True,
        timeout=60,
        check=True,
    )
    return done.stdout.decode()


def test_kill_9_of_the_clock_and_of_the_whole_service_loses_nothing_and_bursts_nothing(
    service: Service, site: NewsSite
) -> None:
    service.env["REDLINE_INITIAL_INTERVAL"] = "1h"
    service.env["REDLINE_MAX_INTERVAL"] = "1d"
    service.env["REDLINE_STABILITY_WINDOW"] = "40d"
    urls = {name: site.add(f"/news/{name}", sample_story(name)) for name in ("a", "b", "c")}
    ids = {name: article_id(url) for name, url in urls.items()}
    Path(service.env["REDLINE_URLS_FILE"]).write_text("\n".join(urls.values()) + "\n")
    service.start()

    def has_a_first_version(url: str) -> Callable[[], bool]:
        def confirmed() -> bool:
            state = service.state(url)
            return state.versions == 1 and not state.candidate  # its second fetch came

        return confirmed

    for url in urls.values():
        wait_for(has_a_first_version(url), what="confirmed first versions")
    store = service.store
    assert store is not None
    keys = Keys()

    # status and show work while the service runs.
    status = _redline(service, "status")
    assert "active 3" in status
    assert "last hour: 6 checks, 0 changes" in status  # each first version confirmed
    shown = _redline(service, "show", urls["a"])
    assert urls["a"] in shown
    assert "active: last changed" in shown
    assert "versions:\n    0" in shown

    # An edit of b, recorded as its second version (once a second check confirms it).
    story = sample_story("b")
    story.paragraphs[0] += " The vote was close."
    site.edit("/news/b", paragraphs=story.paragraphs)
    store.redis.zadd(keys.schedule, {ids["b"]: 0})
    wait_for(lambda: service.state(urls["b"]).versions == 2, what="b's edit")

    # kill -9 of the clock: a new one takes over and the schedule goes on.
    holder = ClockLock(store.redis, keys.clock_lock, 1.0).holder()
    checks = service.state(urls["b"]).checks
    os.kill(int(holder.split(":")[1]), signal.SIGKILL)
    store.redis.zadd(keys.schedule, {ids["b"]: 0})
    wait_for(lambda: service.state(urls["b"]).checks == checks + 1, what="a new clock", timeout=60)
    assert ClockLock(store.redis, keys.clock_lock, 1.0).holder() != holder

    # kill -9 of the whole service: supervisor, roles and Redis at once.
    a_before = (site.count("/news/a"), service.state(urls["a"]).next_check)
    assert service.process is not None
    redis_pid = int((service.workdir / "var" / "redis.pid").read_text())
    pids = [service.process.pid, *_children(service.process.pid), redis_pid]
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    service.process.wait()
    service.process = None
    wait_for(lambda: all(_dead(pid) for pid in pids), what="every process to die")

    # While it was down, c fell due (two minutes ago); a is due in an hour.
    with EmbeddedRedis(service.workdir / "var") as server:
        connect(server.url).zadd(keys.schedule, {ids["c"]: time.time() - 120})

    service.start()
    wait_for(lambda: service.state(urls["c"]).checks == 2, what="the overdue check")
    store = service.store
    assert store is not None
    store.redis.zadd(keys.schedule, {ids["b"]: 0})
    wait_for(lambda: service.state(urls["b"]).checks == checks + 2, what="the schedule to go on")
    assert (site.count("/news/a"), service.state(urls["a"]).next_check) == a_before
    assert [len(store.versions(ids[name])) for name in "abc"] == [1, 2, 1]
    assert len(store.recent_events(10)) == 1
    assert service.stop() == 0


def test_the_embedded_redis_is_restarted_and_every_role_reconnects(
    service: Service, site: NewsSite
) -> None:
    service.env["REDLINE_INITIAL_INTERVAL"] = "1h"
    url = site.add("/news/story", sample_story())
    Path(service.env["REDLINE_URLS_FILE"]).write_text(url + "\n")
    service.start()
    wait_for(lambda: service.state(url).versions == 1, what="the first version")
    pid_file = service.workdir / "var" / "redis.pid"
    first_pid = int(pid_file.read_text())
    os.kill(first_pid, signal.SIGKILL)
    wait_for(lambda: _dead(first_pid), what="Redis to die")
    wait_for(
        lambda: pid_file.exists() and int(pid_file.read_text() or 0) not in (0, first_pid),
        what="the supervisor to start Redis again",
    )
    store = ArticleStore(connect(embedded_url(service.workdir / "var"), wait=30), Keys())
    assert len(store.versions(article_id(url))) == 1  # nothing recorded was lost
    story = sample_story()
    story.paragraphs[2] = "Opponents have since dropped their objections."
    site.edit("/news/story", paragraphs=story.paragraphs)
    store.redis.zadd(Keys().schedule, {article_id(url): 0})  # due: the clock must see it
    wait_for(lambda: service.state(url).versions == 2, what="the edit after the restart")
    assert [v.number for v in store.versions(article_id(url))] == [0, 1]
    assert service.stop() == 0
