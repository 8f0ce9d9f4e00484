"""Real `redline worker` processes on a private key prefix of the test Redis; the test
plays the clock (it makes articles due by hand, with any `now` it likes)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from contextlib import contextmanager
from typing import TYPE_CHECKING

from crawler.domain.identity import article_id
from crawler.domain.policy import RecheckPolicy
from crawler.store.articles import ArticleStore, TrackTarget
from crawler.store.connection import connect
from crawler.store.keys import Keys
from crawler.store.queue import DueQueue
from crawler.store.shared import SharedConfig
from tests.conftest import wait_for

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    import redis

    from crawler.domain.models import ArticleState

# What the workers are told unless a test says otherwise.
WORKER_ENV = {
    "REDLINE_CONFIG": "",
    "REDLINE_RETRIES": "0",
    "REDLINE_DOWNLOAD_TIMEOUT": "5s",
    "REDLINE_MAX_PAGE_SIZE": "200KB",
}


class Harness:
    """Worker processes sharing one key prefix, their store and their queue.

    Args:
        redis_url: The Redis the workers use.
        tmp_path: Where their logs go.
        policy: The recheck policy published for them.
    """

    def __init__(self, redis_url: str, tmp_path: Path, policy: RecheckPolicy | None = None) -> None:
        self.redis_url = redis_url
        self.tmp_path = tmp_path
        self.keys = Keys(f"test-{uuid.uuid4().hex[:8]}:")
        conn: redis.Redis = connect(redis_url)
        self.store = ArticleStore(conn, self.keys)
        self.queue = DueQueue(conn, self.keys)
        self.shared = SharedConfig(conn, self.keys)
        self.shared.publish(policy or RecheckPolicy(initial_interval=60, stability_window=3600), {})
        self.workers: list[subprocess.Popen[bytes]] = []
        self.clock: subprocess.Popen[bytes] | None = None
        self.tracked: dict[str, None] = {}

    @property
    def process(self) -> subprocess.Popen[bytes]:
        """The first worker."""
        return self.workers[0]

    def start_worker(self, **env: str) -> subprocess.Popen[bytes]:
        """Starts one more worker; ``env`` adds to or overrides :data:`WORKER_ENV`."""
        process = self._start("worker", f"worker-{len(self.workers)}.log", env)
        self.workers.append(process)
        return process

    def start_clock(self, urls: list[str], **env: str) -> subprocess.Popen[bytes]:
        """Starts the clock, which tracks ``urls`` (its log is ``clock.log``); ``env`` as
        for :meth:`start_worker`. The clock publishes its own recheck policy."""
        urls_file = self.tmp_path / "urls.txt"
        urls_file.write_text("".join(f"{url}\n" for url in urls))
        env = {"REDLINE_URLS_FILE": str(urls_file), **env}
        self.clock = self._start("clock", "clock.log", env)
        return self.clock

    def _start(self, role: str, log_name: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
        environ = {
            **os.environ,
            **WORKER_ENV,
            "REDIS_URL": self.redis_url,
            "REDLINE_REDIS_PREFIX": self.keys.prefix,
            "REDLINE_STATE_DIR": str(self.tmp_path / "var"),
            **env,
        }
        with (self.tmp_path / log_name).open("wb") as out:
            return subprocess.Popen(
                [sys.executable, "-m", "scheduler.cli", role],
                env=environ,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def track(self, *urls: str, now: float = 0.0) -> list[str]:
        """Tracks the URLs (source ``local``) besides those tracked before; returns their
        ids."""
        self.tracked.update(dict.fromkeys(urls))
        targets = [TrackTarget(article_id(u), u, "local") for u in self.tracked]
        self.store.sync_tracked(targets, now)
        return [article_id(u) for u in urls]

    def due(self, *urls: str, others: bool = True) -> None:
        """Makes the articles due now, whatever their schedule says; with ``others``, every
        other scheduled article too."""
        ids = self.track(*urls)
        for i in ids:
            self.store.redis.zadd(self.keys.schedule, {i: 0})
        self.queue.promote(1e12 if others else 0.0)

    def check(self, *urls: str) -> list[ArticleState]:
        """Makes the articles due now and waits until the workers have checked each once
        more; an article whose first version this check recorded is checked once more, the
        fetch that confirms it (which the schedule makes ``confirm_delay`` later)."""
        states = self._check_once(*urls)
        first = [s.url for s in states if s.versions == 1 and s.awaits_first]
        if not first:
            return states
        confirmed = {s.id: s for s in self._check_once(*first, others=False)}
        return [confirmed.get(s.id, s) for s in states]

    def _check_once(self, *urls: str, others: bool = True) -> list[ArticleState]:
        ids = [article_id(url) for url in urls]
        before = {i: s.checks for i, s in ((i, self.store.load(i)) for i in ids) if s}
        self.due(*urls, others=others)

        def done() -> list[ArticleState] | None:
            states = [self.store.load(i) for i in ids]
            ready = all(s and s.checks > before.get(s.id, 0) for s in states)
            return [s for s in states if s] if ready else None

        result = wait_for(done, what="the workers' checks")
        assert isinstance(result, list)
        return result

    @property
    def processes(self) -> list[subprocess.Popen[bytes]]:
        """Every process started: the workers, then the clock if there is one."""
        return [*self.workers, *([self.clock] if self.clock else [])]

    def stop(self) -> list[int]:
        """Stops every process still running (SIGTERM); returns their exit codes, in the
        order of :attr:`processes`."""
        running = [p for p in self.processes if p.poll() is None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        return [process.wait(timeout=60) for process in running]

    def logs(self) -> str:
        """The tail of every worker's log, and of the clock's."""
        names = [f"worker-{n}" for n in range(len(self.workers))]
        names += ["clock"] if self.clock else []
        tails = []
        for name in names:
            text = (self.tmp_path / f"{name}.log").read_text(errors="replace")
            tails.append(f"--- {name}\n{text[-3000:]}")
        return "\n".join(tails)


@contextmanager
def one_worker(
    redis_url: str, tmp_path: Path, policy: RecheckPolicy | None = None, /, **env: str
) -> Iterator[Harness]:
    """A :class:`Harness` with one worker started (``env`` as for
    :meth:`Harness.start_worker`); on leaving, prints the workers' logs, stops them and
    checks that each exited cleanly."""
    harness = Harness(redis_url, tmp_path, policy)
    harness.start_worker(**env)
    try:
        yield harness
    finally:
        print(harness.logs())
        codes = harness.stop()
    assert all(code == 0 for code in codes)
