"""``redline run``: the whole service in one command.

Starts the embedded Redis when no Redis URL is configured, then the clock, one worker and
the web server as child processes, restarts a child that dies (with backoff) and the
embedded Redis if it exits, and on SIGINT/SIGTERM stops them in order: children first (the
worker finishes and records the fetches in progress), then Redis, which flushes its
append-only file. A second signal stops the children at once. If the supervisor itself is
killed (even with SIGKILL), the kernel sends its children SIGTERM, so no orphaned role keeps
running beside the next ``redline run``; the embedded Redis is adopted by the next one.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from contextlib import ExitStack, suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING

from crawler.store.connection import connect, redact
from scheduler.config import SERVICE_PID_ENV
from scheduler.embedded import EmbeddedRedis

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from types import FrameType

    from scheduler.config import Settings

logger = logging.getLogger(__name__)

ROLES = ("clock", "worker", "web", "notify")
ROLE_COMMAND = (sys.executable, "-m", "scheduler.cli")
"""How a role is run: this, ``--config PATH`` if given, and the role's name."""
CANNOT_START = 78
"""The exit status of a role that cannot start until the settings change (``EX_CONFIG``):
``redline run`` stops rather than restarting it."""
# Seconds a child gets beyond the download timeout to finish after SIGTERM.
_STOP_MARGIN = 10.0
# Restart backoff for a child that died: doubles from MIN to MAX seconds.
_RESTART_MIN = 1.0
_RESTART_MAX = 60.0
# A child that ran this long before dying is restarted after the minimum delay again.
_HEALTHY_RUN = 60.0
# prctl(2) option: the signal a process gets when its parent dies (Linux).
_PR_SET_PDEATHSIG = 1


@dataclass
class _Child:
    role: str
    process: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    delay: float = _RESTART_MIN
    restart_at: float = 0.0


class Service:
    """Supervises the roles of one redline service.

    Args:
        settings: The settings.
        config_arg: The ``--config`` argument, passed on to the children.
        command: The command a role runs, before ``--config`` and the role's name.
    """

    def __init__(
        self, settings: Settings, config_arg: str | None, command: Sequence[str] = ROLE_COMMAND
    ) -> None:
        self.settings = settings
        self.config_arg = config_arg
        self.command = list(command)
        self._stop = threading.Event()
        self._force = threading.Event()
        self._cannot_start = ""

    def run(self) -> int:
        """Runs until SIGINT/SIGTERM, or until a role cannot start; returns the exit status
        (1 when a role cannot start, and nothing is started when the web server's port is
        taken)."""
        from crawler.web.app import CannotServeError, check_port

        try:
            check_port(self.settings.web_host, self.settings.web_port)
        except CannotServeError as exc:
            logger.error("redline cannot start: %s", exc)
            return 1
        with ExitStack() as stack:
            for signum in (signal.SIGINT, signal.SIGTERM):
                stack.callback(signal.signal, signum, signal.signal(signum, self._on_signal))
            url = self.settings.redis_url
            server = None
            if not url:
                server = stack.enter_context(
                    EmbeddedRedis(self.settings.state_dir, self.settings.redis_fsync)
                )
                url = server.url
            hint = "" if server else "is its server running? (REDIS_URL, redis_url)"
            connect(url, wait=self.settings.redis_connect_timeout, waiting_hint=hint).close()
            logger.info("redline running with Redis at %s", redact(url))
            children = [_Child(role) for role in ROLES]
            try:
                self._supervise(children, url, server)
            finally:
                self._stop_children(children)
        logger.info("redline stopped")
        return 1 if self._cannot_start else 0

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        if self._stop.is_set():
            self._force.set()
        self._stop.set()

    def _supervise(self, children: list[_Child], url: str, server: EmbeddedRedis | None) -> None:
        env = {**os.environ, "REDIS_URL": url, SERVICE_PID_ENV: str(os.getpid())}
        command = [*self.command]
        if self.config_arg:
            command += ["--config", self.config_arg]
        while not self._stop.is_set():
            if server is not None:
                server.ensure_running()
            now = time.monotonic()
            for child in children:
                if child.process is not None and child.process.poll() is not None:
                    code = child.process.returncode
                    if code == CANNOT_START:
                        logger.error("%s cannot start (see above); stopping redline", child.role)
                        self._cannot_start = child.role
                        self._stop.set()
                        return
                    ran = now - child.started
                    child.delay = _RESTART_MIN if ran > _HEALTHY_RUN else child.delay
                    logger.error(
                        "%s exited with status %s; restarting in %gs", child.role, code, child.delay
                    )
                    child.process = None
                    child.restart_at = now + child.delay
                    child.delay = min(child.delay * 2, _RESTART_MAX)
                if child.process is None and now >= child.restart_at:
                    child.process = subprocess.Popen(
                        [*command, child.role],
                        env=env,
                        start_new_session=True,
                    )
                    child.started = now
                    logger.info("started %s (pid %d)", child.role, child.process.pid)
            self._stop.wait(0.2)

    def _stop_children(self, children: list[_Child]) -> None:
        running = [c.process for c in children if c.process is not None]
        for process in running:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.settings.download_timeout + _STOP_MARGIN
        for process in running:
            while process.poll() is None:
                if self._force.is_set() or time.monotonic() > deadline:
                    logger.warning("pid %d did not stop in time; killing it", process.pid)
                    process.kill()
                _wait(process, 0.2)


def die_with_parent(env: Mapping[str, str], role: str) -> None:
    """Called by a role :class:`Service` started, first thing: asks the kernel for SIGTERM
    when the service dies (so a ``kill -9`` of it leaves no role running), and stops at once
    if it died already. It runs in the role, not between fork and exec, where a lock held by
    another thread of the service could never be released.

    Args:
        env: The role's environment (:data:`SERVICE_PID_ENV` names the service's pid; a role
            started otherwise has none, and nothing is done).
        role: The role's name, for the message.

    Raises:
        SystemExit: the service died before the role asked.
    """
    parent = env.get(SERVICE_PID_ENV, "")
    if not parent.isdigit() or not sys.platform.startswith("linux"):
        return
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != int(parent):  # the service died before the request
        raise SystemExit(f"redline {role}: the service that started it has stopped")


def _wait(process: subprocess.Popen[bytes], timeout: float) -> None:
    """Waits up to ``timeout`` seconds for ``process`` to exit."""
    with suppress(subprocess.TimeoutExpired):
        process.wait(timeout=timeout)
