"""The one way redline connects to Redis.

Every process with the same Redis URL shares one state: adding machines is adding
processes. :func:`connect` pings before returning, so a wrong URL or password fails at
start with a message that names the server (never its password).
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit, urlunsplit

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

if TYPE_CHECKING:
    from pathlib import Path

logger = logging.getLogger(__name__)

# Seconds a command may wait on the server before the connection is considered broken.
SOCKET_TIMEOUT = 30.0
# Seconds between attempts while waiting for a server to come up.
_WAIT_STEP = 0.2


class RedisUnavailableError(ConnectionError):
    """Raised by :func:`connect` when the server cannot be reached or refuses us."""


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
            health_check_interval=30,
            retry=Retry(ExponentialBackoff(cap=2.0, base=0.1), retries=retries),
            retry_on_error=[redis.ConnectionError, redis.TimeoutError],
        )
    except ValueError as exc:
        raise RedisUnavailableError(f"not a Redis URL: {redact(url)} ({exc})") from exc


def connect(url: str, wait: float = 0.0, waiting_hint: str = "") -> redis.Redis:
    """Returns a client for ``url`` once the server answers ``PING``.

    Args:
        url: The Redis URL.
        wait: Seconds to keep trying while the server is not (yet) reachable.
        waiting_hint: Logged while waiting, to tell the user what to start.

    Raises:
        RedisUnavailableError: the server did not answer within ``wait`` seconds, or
            refused the credentials; the message names the server, never the password.
    """
    probe = client(url, retries=0)
    deadline = time.monotonic() + wait
    next_hint = time.monotonic() + 2.0
    while True:
        try:
            probe.ping()
            probe.close()
            return client(url)
        except redis.AuthenticationError as exc:
            raise RedisUnavailableError(f"Redis at {redact(url)} refused us: {exc}") from exc
        except redis.ResponseError as exc:
            raise RedisUnavailableError(f"Redis at {redact(url)} answered: {exc}") from exc
        except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
            if time.monotonic() >= deadline:
                raise RedisUnavailableError(
                    f"cannot reach Redis at {redact(url)} (waited {wait:g}s): {exc}"
                ) from exc
            if waiting_hint and time.monotonic() >= next_hint:
                logger.info("waiting for Redis at %s: %s", redact(url), waiting_hint)
                next_hint = time.monotonic() + 10.0
            time.sleep(_WAIT_STEP)
