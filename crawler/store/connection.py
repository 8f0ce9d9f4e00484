"""The one way redline connects to Redis.

Every process with the same Redis URL shares one state: adding machines is adding
processes. :func:`connect` pings before returning, so a wrong URL or password fails at
start with a message that names the server (never its password).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit, urlunsplit

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

logger = logging.getLogger(__name__)

# Seconds a command may wait on the server before the connection is considered broken.
SOCKET_TIMEOUT = 30.0
# Seconds between attempts while waiting for a server to come up.
_WAIT_STEP = 0.2
# Seconds between two reminders of what to do while waiting for Redis.
_HINT_EVERY = 10.0
# Seconds between reminders that Redis is still unavailable.
OUTAGE_REMINDER = 60.0

# Errors that say the server cannot serve us for now, not that a command was wrong.
_UNAVAILABLE = (
    redis.ConnectionError,  # includes a server still loading its data
    redis.TimeoutError,
    redis.exceptions.OutOfMemoryError,
    redis.exceptions.ReadOnlyError,
    redis.exceptions.MasterDownError,
    redis.exceptions.TryAgainError,
)


class RedisUnavailableError(ConnectionError):
    """Raised by :func:`connect` when the server cannot be reached or refuses us."""


def unavailable(exc: redis.RedisError) -> bool:
    """Whether ``exc`` says Redis cannot serve us for now (unreachable, loading, out of
    memory, read-only, or refusing writes because it cannot write to its disk), so that the
    same command will work once the server is back, rather than that the command was
    wrong."""
    return isinstance(exc, _UNAVAILABLE) or "MISCONF" in str(exc)


def describe(exc: redis.RedisError) -> str:
    """What an error from Redis means, for a log line; a refusal to write because the
    server's disk failed says so first."""
    if "MISCONF" in str(exc):
        return f"Redis cannot write to its disk (is it full?) and refuses changes: {exc}"
    return str(exc) or type(exc).__name__


def disk_problem(persistence: Mapping[str, object]) -> str:
    """What keeps a server from writing to its disk, from its ``INFO persistence``
    fields: "" when nothing does. While it cannot, a server configured as redline's
    embedded one refuses every change."""
    failed = [
        what
        for field, what in (
            ("aof_last_write_status", "writing its append-only file"),
            ("aof_last_bgrewrite_status", "rewriting its append-only file"),
            ("rdb_last_bgsave_status", "saving its snapshot"),
        )
        if persistence.get(field, "ok") != "ok"
    ]
    if not failed:
        return ""
    return f"Redis failed at {' and '.join(failed)} (is its disk full?)"


class Outage:
    """Logs an outage of Redis once when it starts, then a reminder every
    :data:`OUTAGE_REMINDER` seconds, and once when it ends, rather than at every attempt.

    Thread-safe: the threads of one process that wait on the same thing share one.

    Args:
        log: Where to log.
        what: What cannot be done meanwhile, for the messages ("claim work").
    """

    def __init__(self, log: logging.Logger, what: str) -> None:
        self.log = log
        self.what = what
        self.since: float | None = None
        self._remind_at = 0.0
        self._lock = threading.Lock()

    def failed(self, exc: redis.RedisError, now: float) -> None:
        """Notes a failed attempt at ``now`` (monotonic seconds)."""
        with self._lock:
            if self.since is None:
                self.since = self._remind_at = now
            if now < self._remind_at:
                return
            self._remind_at = now + OUTAGE_REMINDER
            waited = now - self.since
        self.log.warning(
            "cannot %s (Redis unavailable for %.0fs; retrying): %s",
            self.what,
            waited,
            describe(exc),
        )

    def succeeded(self, now: float) -> None:
        """Notes a successful attempt at ``now``; logs the end of an outage."""
        with self._lock:
            since, self.since = self.since, None
        if since is not None:
            self.log.warning("Redis is back: can %s again after %.0fs", self.what, now - since)


def embedded_url(state_dir: Path) -> str:
    """The URL of the embedded Redis kept under ``state_dir``."""
    return f"unix://{quote(str(state_dir.resolve() / 'redis.sock'))}"


def redact(url: str) -> str:
    """Returns the URL with any password replaced by ``***``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparsable Redis URL>"
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def client(url: str, retries: int = 5) -> redis.Redis:
    """Builds a client for ``url`` (``redis://``, ``rediss://`` or ``unix://``) that
    retries a command ``retries`` times across a dropped connection.

    Raises:
        RedisUnavailableError: the URL is not a Redis URL.
    """
    try:
        return redis.Redis.from_url(
            url,
            socket_timeout=SOCKET_TIMEOUT,
            socket_connect_timeout=5.0,
            # No PING health checks: a server that cannot write to its disk refuses PING,
            # yet must still be read (``redline status``, the web view). A dead connection
            # fails on use, and is retried on a new one.
            health_check_interval=0,
            retry=Retry(ExponentialBackoff(cap=2.0, base=0.1), retries=retries),
            retry_on_error=[redis.ConnectionError, redis.TimeoutError],
        )
    except ValueError as exc:
        raise RedisUnavailableError(f"not a Redis URL: {redact(url)} ({exc})") from exc


def connect(url: str, wait: float = 0.0, waiting_hint: str = "") -> redis.Redis:
    """Returns a client for ``url`` once the server answers ``PING`` (or refuses it only
    because it cannot write to its disk: that is logged).

    Args:
        url: The Redis URL.
        wait: Seconds to keep trying while the server is not (yet) reachable.
        waiting_hint: What to do about a server that does not answer: logged with the
            error as soon as a try fails, then every :data:`_HINT_EVERY` seconds ("": wait
            without a word, as for a server just started).

    Raises:
        RedisUnavailableError: the server did not answer within ``wait`` seconds, or
            refused the credentials; the message names the server, never the password.
    """
    probe = client(url, retries=0)
    deadline = time.monotonic() + wait
    next_hint = time.monotonic()
    while True:
        try:
            probe.ping()
            probe.close()
            return client(url)
        except redis.AuthenticationError as exc:
            raise RedisUnavailableError(f"Redis at {redact(url)} refused us: {exc}") from exc
        except redis.ResponseError as exc:
            if not unavailable(exc):
                raise RedisUnavailableError(f"Redis at {redact(url)} answered: {exc}") from exc
            # It answers, but cannot write (its disk is full): reads work, and each
            # write is retried until it can.
            logger.warning("Redis at %s: %s", redact(url), describe(exc))
            probe.close()
            return client(url)
        except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
            if time.monotonic() >= deadline:
                raise RedisUnavailableError(
                    f"cannot reach Redis at {redact(url)} (waited {wait:g}s): {exc}"
                ) from exc
            if waiting_hint and time.monotonic() >= next_hint:  # at once, then now and then
                logger.warning(
                    "cannot reach Redis at %s (%s); trying for up to %gs: %s",
                    redact(url),
                    exc,
                    wait,
                    waiting_hint,
                )
                next_hint = time.monotonic() + _HINT_EVERY
            time.sleep(_WAIT_STEP)
