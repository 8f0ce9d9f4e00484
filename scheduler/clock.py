"""The clock: the one process that decides what is due.

Its duties are APScheduler jobs, each on its own interval (:meth:`Clock.duties`); a job
that is late runs once, not once per missed run (``coalesce``), never twice at a time:

- ``promote`` (every ``clock_tick``): moves every article due by now from the schedule to
  the ready queue, and claims whose worker died (lease expired) back to it;
- ``reload`` (every ``clock_tick``): reloads the settings file and the URLs file when either
  changed on disk (new URLs are tracked, those taken out are untracked and stop being
  polled, discovery endpoints are added and dropped, the recheck policy is republished for
  the workers);
- ``health`` (every minute): notes each source's problems for the health feed;
- ``maintain`` (every minute): brings stored data up to the current schema and completes
  the feeds' index streams (both return at once when there is nothing to do).

Before the jobs start, every duty runs once (:meth:`Clock.tick`: maintain, reload, promote,
health), so the data is upgraded before anything reads it. Exactly one clock runs at a
time: it holds a Redis lock (``SET NX PX``), renewed by the running clock's main thread a
few times per lock lifetime; a second clock waits until the lock is free, so a standby
clock takes over within one lock lifetime of the first one dying.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC
from typing import TYPE_CHECKING

import redis
from apscheduler.schedulers.background import BackgroundScheduler

from crawler.domain.codec import as_text
from crawler.domain.identity import article_id
from crawler.domain.policy import RecheckPolicy
from crawler.store.articles import TrackTarget
from crawler.store.connection import Outage
from crawler.store.endpoints import EndpointTarget
from crawler.store.health import CHANNEL_MARK, channel_problems, problems, sources_health
from crawler.store.keys import Keys
from crawler.store.lua import Lua
from crawler.store.stores import Stores
from crawler.store.upgrade import upgrade
from scheduler.config import FileStamp, Settings, load_settings
from scheduler.urls import read_urls, source_for
from scheduler.values import ConfigError

if TYPE_CHECKING:
    import threading
    from collections.abc import Callable, Mapping

logger = logging.getLogger(__name__)

# The clock lock lives this many ticks (at least MIN_LOCK_TTL seconds) without renewal,
# and is renewed RENEWALS times in that time.
LOCK_TICKS = 10
MIN_LOCK_TTL = 5.0
RENEWALS = 3
# Seconds between two checks of the sources' health, and between two maintenance runs.
HEALTH_EVERY = 60.0
MAINTAIN_EVERY = 60.0

_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class ClockLock:
    """A Redis lock only its holder can renew or release.

    Args:
        redis: The client.
        key: The lock's key.
        ttl: Seconds the lock lives without renewal.
    """

    def __init__(self, redis: redis.Redis, key: str, ttl: float) -> None:
        self.redis = redis
        self.key = key
        self.ttl_ms = int(ttl * 1000)
        self.token = f"{os.uname().nodename}:{os.getpid()}:{uuid.uuid4().hex}"
        self._renew = Lua(redis, _RENEW)
        self._release = Lua(redis, _RELEASE)

    def acquire(self) -> bool:
        """Takes the lock if it is free; True if this holder has it now."""
        return bool(self.redis.set(self.key, self.token, nx=True, px=self.ttl_ms))

    def renew(self) -> bool:
        """Extends the lock; False if it expired and someone else may hold it."""
        return bool(self._renew(keys=[self.key], args=[self.token, self.ttl_ms]))

    def release(self) -> None:
        """Frees the lock if this holder still has it."""
        self._release(keys=[self.key], args=[self.token])

    def holder(self) -> str:
        """Who holds the lock now: the holder's token ("" if nobody)."""
        value = self.redis.get(self.key)
        return as_text(value) if value else ""


def holder_text(token: str) -> str:
    """A lock holder's token (see :class:`ClockLock`) as people read it: "running on HOST
    (pid PID)"; "" for no holder."""
    if not token:
        return ""
    parts = token.split(":")
    if len(parts) < 3:
        return f"running ({token})"
    host, pid = ":".join(parts[:-2]), parts[-2]
    return f"running on {host} (pid {pid})"


@dataclass(frozen=True)
class LoadedConfig:
    """What the clock last loaded, as ``redline status`` reports it (the ``config`` hash,
    written only here).

    Attributes:
        loaded_at: When.
        urls_file: The URLs file it read.
        tracked: How many URLs it tracks.
        problems: The file's bad lines, each naming the file, the line and why.
    """

    loaded_at: float = 0.0
    urls_file: str = ""
    tracked: int = 0
    problems: list[str] = field(default_factory=list)

    def save(self, conn: redis.Redis, keys: Keys) -> None:
        """Writes it over the last one."""
        conn.hset(
            keys.config,
            mapping={
                "loaded_at": str(self.loaded_at),
                "urls_file": self.urls_file,
                "tracked": str(self.tracked),
                "problems": json.dumps(self.problems),
            },
        )

    @classmethod
    def load(cls, conn: redis.Redis, keys: Keys) -> LoadedConfig:
        """The last one saved (an empty one if the clock never ran)."""
        raw = {as_text(k): as_text(v) for k, v in conn.hgetall(keys.config).items()}
        return cls(
            float(raw.get("loaded_at") or 0.0),
            raw.get("urls_file", ""),
            int(raw.get("tracked") or 0),
            json.loads(raw.get("problems") or "[]"),
        )


def _named(health_name: str) -> str:
    """A name of the health log as the log says it: "source NAME", "notify channel NAME"."""
    if health_name.startswith(CHANNEL_MARK):
        return f"notify channel {health_name.removeprefix(CHANNEL_MARK)}"
    return f"source {health_name}"


def policy_of(settings: Settings) -> RecheckPolicy:
    """The recheck policy the settings describe."""
    names = [f.name for f in dataclasses.fields(RecheckPolicy)]
    return RecheckPolicy(**{name: getattr(settings, name) for name in names})


class Clock:
    """Keeps the tracked set in step with the config files and moves due work to workers.

    Args:
        settings: The settings in force at start.
        redis: The client.
        config_arg: The ``--config`` argument, to reload the same file.
        env: The environment, for reloading overrides.
    """

    def __init__(
        self,
        settings: Settings,
        redis: redis.Redis,
        config_arg: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.settings = settings
        self.redis = redis
        self.config_arg = config_arg
        self.env = dict(os.environ if env is None else env)
        self.keys = Keys(settings.redis_prefix)
        self.stores = stores = Stores.open(redis, self.keys)
        self.store, self.endpoints, self.health = stores.articles, stores.endpoints, stores.health
        self.queue, self.shared = stores.queue, stores.shared
        self.lock = ClockLock(
            redis, self.keys.clock_lock, max(MIN_LOCK_TTL, LOCK_TICKS * settings.clock_tick)
        )
        self._stamps: tuple[FileStamp | None, FileStamp | None] | None = None
        self._outage = Outage(logger, "run the clock")

    def duties(self) -> list[tuple[str, Callable[[float], object], float]]:
        """The clock's jobs: name, duty (called with ``now``) and seconds between runs."""
        tick = self.settings.clock_tick
        return [
            ("maintain", self.maintain, MAINTAIN_EVERY),
            ("reload", self.sync_config, tick),
            ("promote", self.promote, tick),
            ("health", self.check_health, HEALTH_EVERY),
        ]

    def tick(self, now: float) -> int:
        """Runs every duty once at ``now``, in order (as the clock does when it starts).

        Returns:
            How many articles became ready for workers.
        """
        self.maintain(now)
        self.sync_config(now)
        moved = self.promote(now)
        self.check_health(now)
        return moved

    def maintain(self, now: float) -> None:
        """Brings stored data up to the current schema, and completes the feeds' index
        streams if they are not (once, after an upgrade)."""
        if upgraded := upgrade(self.store):
            logger.info("renamed the fields of %d article hashes (schema upgrade)", upgraded)
        if indexed := self.store.index_events():
            logger.info("indexed %d earlier change events for the feeds", indexed)

    def promote(self, now: float) -> int:
        """Releases the work due by ``now``; returns how many articles became ready."""
        moved = self.queue.promote(now)
        if moved:
            logger.debug("%d articles due", moved)
        return moved

    def sync_config(self, now: float) -> bool:
        """Reloads the settings and URLs files if either changed since the last sync.

        A settings file that no longer parses is reported and the previous settings stay
        in force; bad lines of the URLs file are reported with file, line and reason, and
        every good line is still tracked.

        Returns:
            True if the files were (re)loaded.
        """
        stamps = (FileStamp.of(self.settings.config_path), FileStamp.of(self.settings.urls_file))
        if stamps == self._stamps:
            return False
        try:
            settings = load_settings(self.config_arg, self.env)
        except ConfigError as exc:
            logger.error("settings not reloaded, keeping the previous ones: %s", exc)
            settings = self.settings
        self.settings = settings
        stamps = (FileStamp.of(settings.config_path), FileStamp.of(settings.urls_file))
        urls, problems = read_urls(settings.urls_file)
        for problem in problems:
            logger.warning("%s", problem)
        targets = [
            TrackTarget(article_id(u.url), u.url, source_for(u.url, settings.sources)) for u in urls
        ]
        report = self.store.sync_tracked(targets, now)
        endpoints = [
            EndpointTarget(url, source.name, source.discover_interval, source.link_pattern)
            for source in settings.sources
            for url in source.discover
        ]
        added, removed = self.endpoints.sync(endpoints, now)
        if added or removed:
            logger.info("discovery endpoints: %d added, %d removed", added, removed)
        self.shared.publish(
            policy_of(settings), {source.name: source.rules for source in settings.sources}
        )
        LoadedConfig(now, str(settings.urls_file), len(targets), [str(p) for p in problems]).save(
            self.redis, self.keys
        )
        if settings.config_path is not None and not settings.config_path.exists():
            logger.info(
                "settings: %s does not exist, so the defaults are used (`redline init` writes"
                " it, every setting explained)",
                settings.config_path,
            )
        if not settings.urls_file.exists():
            logger.warning(
                "%s does not exist: add article URLs with `redline add URL` (it creates the"
                " file) or `redline init`, or try `redline demo`",
                settings.urls_file,
            )
        else:
            logger.info(
                "loaded %s: %d URLs tracked (%d new, %d untracked, %d restored), %d bad lines",
                settings.urls_file,
                len(targets),
                report.added,
                report.untracked,
                report.restored,
                len(problems),
            )
            if not targets and not endpoints:
                logger.warning(
                    "no article URLs to track: add them with `redline add URL` or in %s, one"
                    " per line, or try `redline demo`",
                    settings.urls_file,
                )
        self._stamps = stamps
        return True

    def check_health(self, now: float) -> None:
        """Notes each source's problems (see :func:`crawler.store.health.problems`): a source
        that starts failing is logged as a warning and gets an entry in the health feed,
        as does one that recovers."""
        after = self.settings.health_after
        current = self.health.current().keys()
        names = set(self.store.source_names()) | {s.name for s in self.settings.sources}
        names |= {name for name in current if not name.startswith(CHANNEL_MARK)}
        every = self.endpoints.all()
        found = {
            health.name: problems(health, now, after)
            for health in sources_health(self.store, every, sorted(names), now, after)
        }
        notices = self.stores.notices
        for channel in notices.channels():
            name = CHANNEL_MARK + channel
            found[name] = channel_problems(notices.health(channel), now, after)
        for name, said in found.items():
            if not self.health.note(name, said, now):
                continue
            if said:
                logger.warning("%s is failing: %s", _named(name), "; ".join(said))
            else:
                logger.info("%s has recovered", _named(name))

    def run(self, stop: threading.Event) -> None:
        """Runs until ``stop`` is set: waits for the clock lock, runs every duty once, then
        hands them to the scheduler while this thread keeps the lock."""
        while not stop.is_set():
            if not self._wait_for_lock(stop):
                return
            self._stamps = None
            self._run_duty("start", self.tick)
            scheduler = BackgroundScheduler(timezone=UTC)
            for name, duty, every in self.duties():
                scheduler.add_job(
                    self._run_duty,
                    "interval",
                    args=[name, duty],
                    id=name,
                    seconds=every,
                    max_instances=1,
                    coalesce=True,
                    misfire_grace_time=None,
                )
            scheduler.start()
            logger.info("clock running (tick %gs)", self.settings.clock_tick)
            lost = self._keep_lock(stop)
            scheduler.shutdown(wait=True)
            if lost:
                logger.error("lost the clock lock; waiting to take it back")
        self._release_lock()
        logger.info("clock stopped")

    def _keep_lock(self, stop: threading.Event) -> bool:
        """Renews the lock until ``stop`` is set (False) or the lock is lost (True)."""
        while not stop.wait(self.lock.ttl_ms / 1000 / RENEWALS):
            try:
                if not self.lock.renew():
                    return True
            except redis.RedisError as exc:
                self._outage.failed(exc, time.monotonic())
        return False

    def _wait_for_lock(self, stop: threading.Event) -> bool:
        announced = False
        while not stop.is_set():
            try:
                if self.lock.acquire():
                    self._outage.succeeded(time.monotonic())
                    return True
                if not announced:
                    logger.info("another clock is running (%s); standing by", self.lock.holder())
                    announced = True
            except redis.RedisError as exc:
                self._outage.failed(exc, time.monotonic())
            stop.wait(min(1.0, self.lock.ttl_ms / 3000))
        return False

    def _release_lock(self) -> None:
        try:
            self.lock.release()
        except redis.RedisError as exc:
            logger.warning("could not release the clock lock: %s", exc)

    def _run_duty(self, name: str, duty: Callable[[float], object]) -> None:
        """Runs one duty now; a failure is logged (Redis outages once, by :class:`Outage`)
        and the duty runs again at its next time."""
        try:
            duty(time.time())
        except redis.RedisError as exc:
            self._outage.failed(exc, time.monotonic())
            return
        except Exception:
            logger.exception("the clock's %s failed; it runs again at its next time", name)
            return
        self._outage.succeeded(time.monotonic())
