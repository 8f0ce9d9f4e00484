"""``python -m bench.chaos``: kill and restart redline's roles at random, then score.

    python -m bench.chaos [--articles 200] [--workers 3] [--minutes 5] [--seed 1]

For ``--minutes``, every few seconds (``--every``, on average) one role (the clock or a
worker) is killed, with SIGKILL three times in four and SIGTERM otherwise, and started again
a few seconds later; now and then every role is killed at once. Then every role runs
undisturbed while the last edits are checked (``--settle``), and the events are scored
against the newsroom's truth. Exits 0 only if recall is 100%, with no false event and no
version recorded twice.
"""

from __future__ import annotations

import argparse
import random
import signal
import sys
import time
from typing import TYPE_CHECKING

from bench.watch import MAX_INTERVAL, watching
from scheduler.newsroom.server import Faults, NewsroomConfig
from scheduler.newsroom.story import EditPlan

if TYPE_CHECKING:
    import subprocess

    from bench.watch import Watch

# Seconds a killed worker's claims stay leased: short, so that the articles it held are
# checked again soon.
LEASE = 20.0
# The share of kills that are SIGKILL (the others are SIGTERM), and of rounds that kill
# every role at once.
SIGKILL_SHARE = 0.75
ALL_AT_ONCE_SHARE = 0.1
# The longest a killed role stays down, in seconds.
MAX_DOWN = 5.0


class Monkey:
    """Kills and restarts the roles of a watch at random.

    Args:
        watch: The running watch.
        workers: How many workers to keep.
        rng: The random source.
    """

    def __init__(self, watch: Watch, workers: int, rng: random.Random) -> None:
        self.watch = watch
        self.rng = rng
        self.roles: dict[str, subprocess.Popen[bytes] | None] = {
            name: None for name in ["clock", *(f"worker-{n}" for n in range(workers))]
        }
        self.restart_at: dict[str, float] = dict.fromkeys(self.roles, 0.0)
        self.kills = {signal.SIGKILL: 0, signal.SIGTERM: 0}
        self.crashes = 0

    def start_due(self, now: float) -> None:
        """Starts every role that is down and due to start again; counts roles that
        exited without being killed."""
        for name, process in self.roles.items():
            if process is not None and process.poll() is not None:
                print(f"  {name} exited by itself ({process.returncode})", flush=True)
                self.crashes += 1
                self.watch.children.stop(process)
                self.roles[name] = None
            if self.roles[name] is None and now >= self.restart_at[name]:
                self.roles[name] = self.watch.start(name.split("-")[0])

    def strike(self, now: float) -> None:
        """Kills one role, or every role, and schedules each to start again."""
        running = [name for name, process in self.roles.items() if process is not None]
        if not running:
            return
        victims = running if self.rng.random() < ALL_AT_ONCE_SHARE else [self.rng.choice(running)]
        how = signal.SIGKILL if self.rng.random() < SIGKILL_SHARE else signal.SIGTERM
        print(f"  {now:7.1f}s {how.name} {', '.join(victims)}", flush=True)
        for name in victims:
            process = self.roles[name]
            assert process is not None
            self.watch.kill(process, how)
            self.kills[how] += 1
            self.roles[name] = None
            self.restart_at[name] = time.monotonic() + self.rng.uniform(0.0, MAX_DOWN)


def main(argv: list[str] | None = None) -> int:
    """Runs the chaos, then prints the score; exits 1 if an edit was missed or reported
    twice, a false event was published, a version recorded twice or an article never
    recorded at all. Prints the story of each edit missed or left out of the score."""
    cli = argparse.ArgumentParser(prog="python -m bench.chaos", description=__doc__)
    cli.add_argument("--articles", type=int, default=200)
    cli.add_argument("--sites", type=int, default=8)
    cli.add_argument("--workers", type=int, default=3)
    cli.add_argument("--minutes", type=float, default=5.0, help="of chaos")
    cli.add_argument("--every", type=float, default=8.0, help="seconds between kills")
    cli.add_argument("--settle", type=float, default=2.0, help="minutes, undisturbed")
    cli.add_argument("--seed", type=int, default=1)
    cli.add_argument("--faults", default="", help="as for python -m bench.newsroom")
    args = cli.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(1))
    rng = random.Random(args.seed)
    chaos, settle = args.minutes * 60, args.settle * 60
    config = NewsroomConfig(
        articles=args.articles,
        sites=args.sites,
        edits=EditPlan(share=0.5, edits=3, first=20, spacing=50, spread=40),
        faults=Faults.parse(args.faults),
    )
    with watching(config, {"lease": f"{LEASE:g}s"}) as watch:
        monkey = Monkey(watch, args.workers, rng)
        started = time.monotonic()
        print(
            f"{config.articles} articles, a clock and {args.workers} workers: "
            f"{chaos:.0f}s of chaos, then {settle:.0f}s undisturbed",
            flush=True,
        )
        strike_at = started + rng.expovariate(1 / args.every)
        while (now := time.monotonic()) < started + chaos:
            monkey.start_due(now)
            if now >= strike_at:
                monkey.strike(now - started)
                strike_at = now + rng.expovariate(1 / args.every)
            time.sleep(0.1)  # the monkey's pace, not a wait for a condition
        monkey.start_due(float("inf"))
        time.sleep(settle)  # the settling time itself
        monkey.start_due(float("inf"))  # counts a role that exited by itself meanwhile
        watch.children.stop_all()
        # Edits later than this may not have been checked yet: not counted.
        until = chaos + settle - 2 * MAX_INTERVAL - LEASE
        result = watch.score(until=until)
        repeated = watch.repeated_versions()
        for what, edits in (
            ("missed", result.missed),
            ("left out", result.left_out),
            ("with a false event", result.false),
        ):
            for index, at in edits:
                print(f"edit {what}: article {index} at {at:.1f}s")
                print("\n".join(watch.timeline(index)))
    print(
        f"kills: {monkey.kills[signal.SIGKILL]} SIGKILL, {monkey.kills[signal.SIGTERM]} "
        f"SIGTERM; roles that exited by themselves: {monkey.crashes}"
    )
    print("\n".join(result.lines()))
    print(f"versions recorded twice: {repeated}")
    passed = (
        result.recall == 1.0
        and result.false_events == 0
        and repeated == 0
        and result.unrecorded == 0
    )
    print("PASS" if passed and not monkey.crashes else "FAIL")
    return 0 if passed and not monkey.crashes else 1


if __name__ == "__main__":
    sys.exit(main())
