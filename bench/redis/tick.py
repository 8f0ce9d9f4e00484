"""What one step of the clock costs, for many articles tracked and few of them due.

The step is what the clock's job does on every tick (``scheduler.clock.Clock._tick_job``):
renew the clock lock (:meth:`scheduler.clock.ClockLock.renew`), then
:meth:`scheduler.clock.Clock.tick`, which checks whether the config files changed (two
``stat`` calls: they did not), checks that the feeds' index streams are complete (one
``EXISTS``: they are) and runs :meth:`crawler.store.queue.DueQueue.promote`, which moves the due
ids from the schedule, and expired leases, to the ready queue. It is timed with real
:class:`scheduler.clock.Clock` objects, and ``promote`` is also timed alone.

Each schedule size has a clock of its own, under a key prefix of its own, so that all
sizes live in the server at once: the schedule is filled directly, with ``ZADD`` in
pipelined batches, with ids not due for up to 40 days. Before every timed step the first
ids of the schedule are made due (and expired leases put back), and after it they are put
back as they were, untimed, so every step starts from the same state. The repetitions of
all configurations are interleaved (one of each in turn), so a slow spell of the machine
weighs on all of them alike. Besides the wall time, the server's own time in the commands
the step sends is read from ``INFO commandstats`` around each step.

:data:`IN_FLIGHT` leases that have not expired sit in each lease set throughout, as claims
of running workers. A step that finds expired leases reads each one's article hash (for
its site), so those hashes exist.
"""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bench.extraction.score import percentile
from crawler.domain.identity import article_id
from crawler.domain.models import ARTICLE_FIELDS
from scheduler.clock import Clock
from scheduler.config import load_settings

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from redis import Redis

# When the steps happen (epoch seconds).
NOW = 1_715_766_400.0
# Not-due ids are due at most this many seconds after NOW.
HORIZON = 40 * 86400
# Due ids became due at most this many seconds before NOW.
OVERDUE = 3600
# Members per ZADD, and ZADDs per round trip, while filling a schedule.
ZADD_MEMBERS = 1000
ZADDS_PER_ROUND_TRIP = 10
# Untimed rounds of every configuration before the timed ones (scripts loaded, caches warm).
WARM_UP = 5
# The commands a step sends itself (the Lua scripts of lock renewal and promote, and the
# index check); what the scripts call inside is counted in their time.
STEP_COMMANDS = ("evalsha", "eval", "exists")
# Leases of running workers, not expired, present during every step.
IN_FLIGHT = 200
# The sites the ids belong to.
SITES = 10


@dataclass(frozen=True)
class Case:
    """A configuration to time.

    Attributes:
        scheduled: Ids in the schedule when the step starts (the due ones included).
        due: Of them, due.
        expired: Expired leases the step finds.
    """

    scheduled: int
    due: int
    expired: int = 0


@dataclass(frozen=True)
class StepFigure:
    """One configuration's timings, in milliseconds, one per repetition.

    Attributes:
        case: The configuration.
        tick_ms: The whole step: lock renewal and :meth:`scheduler.clock.Clock.tick`.
        promote_ms: :meth:`crawler.store.queue.DueQueue.promote` alone.
        tick_server_ms: The server's time in the step's own commands.
        promote_server_ms: The server's time in ``promote``'s scripts.
    """

    case: Case
    tick_ms: tuple[float, ...]
    promote_ms: tuple[float, ...]
    tick_server_ms: tuple[float, ...]
    promote_server_ms: tuple[float, ...]

    @property
    def tick_median(self) -> float:
        return percentile(list(self.tick_ms), 0.5)

    @property
    def tick_p95(self) -> float:
        return percentile(list(self.tick_ms), 0.95)

    @property
    def tick_server(self) -> float:
        """The median of :attr:`tick_server_ms`."""
        return percentile(list(self.tick_server_ms), 0.5)

    @property
    def promote_median(self) -> float:
        return percentile(list(self.promote_ms), 0.5)

    @property
    def promote_p95(self) -> float:
        return percentile(list(self.promote_ms), 0.95)

    @property
    def promote_server(self) -> float:
        """The median of :attr:`promote_server_ms`."""
        return percentile(list(self.promote_server_ms), 0.5)


class Schedule:
    """A clock and its schedule of ``size`` ids, under a key prefix of their own.

    Args:
        redis: The client (``decode_responses=False``).
        workdir: Where the clock's (unchanging) settings and URLs files are written.
        size: Ids in the schedule.
    """

    def __init__(self, redis: Redis, workdir: Path, size: int) -> None:
        self.redis = redis
        urls = workdir / f"urls-{size}.txt"
        urls.write_text("", encoding="utf-8")
        config = workdir / f"redline-{size}.toml"
        config.write_text(
            f'urls_file = "{urls}"\nredis_prefix = "redline-{size}:"\n', encoding="utf-8"
        )
        self.clock = Clock(load_settings(config, {}), redis, config_arg=str(config), env={})
        self.keys = self.clock.keys
        self.ids = [_id(n) for n in range(size)]
        self._fill()
        self._lease(
            [_id(n, "claimed") for n in range(IN_FLIGHT)], [NOW + 300 + n for n in range(IN_FLIGHT)]
        )
        self.hold_lock()
        self.clock.tick(NOW)  # loads the files and completes the index streams, once

    def tick(self, now: float) -> int:
        """What the clock's job does on each tick: renew the lock, then tick."""
        if not self.clock.lock.renew():
            raise RuntimeError("the clock lock expired during the benchmark")
        return self.clock.tick(now)

    def promote(self, now: float) -> int:
        """The due queue's step alone."""
        return self.clock.queue.promote(now)

    def arm(self, case: Case) -> None:
        """Makes the first ``case.due`` ids due and ``case.expired`` leases expired."""
        lapsed = _lapsed(case.expired)
        with self.redis.pipeline(transaction=False) as pipe:
            for start in range(0, case.due, ZADD_MEMBERS):
                stop = min(start + ZADD_MEMBERS, case.due)
                pipe.zadd(
                    self.keys.schedule, {self.ids[n]: _overdue(n) for n in range(start, stop)}
                )
            pipe.execute()
        self._lease(lapsed, [NOW - 10] * len(lapsed))

    def disarm(self, case: Case) -> None:
        """Puts the first ``case.due`` ids back in the schedule, not due, and empties the
        ready queue."""
        with self.redis.pipeline(transaction=False) as pipe:
            pipe.delete(self.keys.ready)
            for start in range(0, case.due, ZADD_MEMBERS):
                stop = min(start + ZADD_MEMBERS, case.due)
                pipe.zadd(self.keys.schedule, {self.ids[n]: _later(n) for n in range(start, stop)})
            pipe.execute()

    def hold_lock(self) -> None:
        """Takes the clock lock, or renews it (filling other schedules may outlast it)."""
        if not (self.clock.lock.acquire() or self.clock.lock.renew()):
            raise RuntimeError(f"another clock holds the lock: {self.clock.lock.holder()}")

    def _fill(self) -> None:
        batch = ZADD_MEMBERS * ZADDS_PER_ROUND_TRIP
        for first in range(0, len(self.ids), batch):
            with self.redis.pipeline(transaction=False) as pipe:
                for start in range(first, min(first + batch, len(self.ids)), ZADD_MEMBERS):
                    stop = min(start + ZADD_MEMBERS, len(self.ids))
                    pipe.zadd(
                        self.keys.schedule, {self.ids[n]: _later(n) for n in range(start, stop)}
                    )
                pipe.execute()

    def _lease(self, ids: list[str], expiries: list[float]) -> None:
        """Leases ``ids`` until ``expiries``, each in the lease set and its site's, and
        gives each a hash with its site (all that promoting an expired lease reads)."""
        with self.redis.pipeline(transaction=False) as pipe:
            for n, (lease, expiry) in enumerate(zip(ids, expiries, strict=True)):
                pipe.hset(self.keys.article(lease), ARTICLE_FIELDS["site"], _site(n))
                pipe.zadd(self.keys.leases, {lease: expiry})
                pipe.zadd(self.keys.site_leases(_site(n)), {lease: expiry})
            pipe.execute()


@dataclass
class _Samples:
    wall: list[float] = field(default_factory=list)
    server: list[float] = field(default_factory=list)


class StepBench:
    """Times the clock's step in each configuration, repetitions interleaved.

    Args:
        redis: A client of an empty database (``decode_responses=False``).
        workdir: Where the clocks' files are written.
        repetitions: Timed repetitions per configuration.
    """

    def __init__(self, redis: Redis, workdir: Path, repetitions: int) -> None:
        self.redis = redis
        self.workdir = workdir
        self.repetitions = repetitions
        self.schedules: dict[int, Schedule] = {}

    def add_schedule(self, size: int) -> None:
        """Fills a schedule of ``size`` ids (with a clock of its own)."""
        self.schedules[size] = Schedule(self.redis, self.workdir, size)

    def run(self, cases: list[Case]) -> list[StepFigure]:
        """Times every case (each size's schedule must have been added)."""
        for case in cases:
            if case.due > case.scheduled or case.scheduled not in self.schedules:
                raise ValueError(f"no schedule for {case}")
        for schedule in self.schedules.values():
            schedule.hold_lock()
        ticks = self._time(cases, Schedule.tick)
        promotes = self._time(cases, Schedule.promote)
        return [
            StepFigure(
                case,
                tuple(ticks[case].wall),
                tuple(promotes[case].wall),
                tuple(ticks[case].server),
                tuple(promotes[case].server),
            )
            for case in cases
        ]

    def _time(
        self, cases: list[Case], step: Callable[[Schedule, float], int]
    ) -> dict[Case, _Samples]:
        """Runs ``step`` in every case, one after the other, :data:`WARM_UP` times untimed
        and then :attr:`repetitions` times timed (Python's garbage collector paused)."""
        samples = {case: _Samples() for case in cases}
        for _ in range(WARM_UP):
            for case in cases:
                self._once(case, step)
        gc.collect()
        gc.disable()
        try:
            for _ in range(self.repetitions):
                for case in cases:
                    wall, server = self._once(case, step)
                    samples[case].wall.append(wall)
                    samples[case].server.append(server)
        finally:
            gc.enable()
        return samples

    def _once(self, case: Case, step: Callable[[Schedule, float], int]) -> tuple[float, float]:
        """Runs ``step`` once in ``case``; returns its wall time and the server's time in
        its commands, in milliseconds."""
        schedule = self.schedules[case.scheduled]
        schedule.arm(case)
        before = self._server_usec()
        started = time.perf_counter()
        moved = step(schedule, NOW)
        wall = (time.perf_counter() - started) * 1000
        server = (self._server_usec() - before) / 1000
        schedule.disarm(case)
        if moved != case.due + case.expired:
            raise RuntimeError(f"the step moved {moved} ids in {case}")
        return wall, server

    def _server_usec(self) -> int:
        """Microseconds the server has spent in :data:`STEP_COMMANDS` so far."""
        stats = self.redis.info("commandstats")
        return sum(int(stats.get(f"cmdstat_{c}", {}).get("usec", 0)) for c in STEP_COMMANDS)


def _id(n: int, kind: str = "news") -> str:
    return article_id(f"https://www.site{n % SITES}.example/{kind}/{n}")


def _lapsed(count: int) -> list[str]:
    """Articles whose leases expired (their workers died)."""
    return [_id(n, "lapsed") for n in range(count)]


def _site(n: int) -> str:
    return f"www.site{n % SITES}.example"


def _later(n: int) -> float:
    """When the n-th id is due if it is not due now: spread over the next 40 days."""
    return NOW + 1 + (n * 7919) % HORIZON + (n % 1000) / 1000


def _overdue(n: int) -> float:
    """When the n-th id became due, if it is due now."""
    return NOW - 1 - (n * 7919) % OVERDUE - (n % 1000) / 1000
