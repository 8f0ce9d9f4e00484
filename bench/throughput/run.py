"""One throughput case: a newsroom, a fresh embedded Redis, the clock and N workers, all as
separate processes, measured by redline's own check counters.

A case runs in passes over every tracked article. The first two passes (the warm-up) record
each article's first version, then make every article due at once for the fetch that
confirms it; each measured pass makes every article due again at once and
counts checks per second between 10% and 90% of the pass, which leaves out the start-up of
the workers and the tail of the last fetches. The raw fetch ceiling is measured on the same
newsroom with :mod:`bench.throughput.fetch`.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.processes import Children
from crawler.domain.codec import as_text
from crawler.store.articles import ArticleStore
from crawler.store.connection import connect
from crawler.store.keys import Keys
from scheduler.config import load_settings
from scheduler.embedded import EmbeddedRedis
from scheduler.newsroom.settings import redline_toml
from scheduler.worker import scrapy_settings

PREFIX = "redline:"
_POLL = 0.2


@dataclass(frozen=True)
class Case:
    """A kind of check to measure.

    Attributes:
        name: Its label.
        description: What it measures, in words.
        newsroom: The newsroom's command-line flags.
    """

    name: str
    description: str
    newsroom: tuple[str, ...]


CASES = (
    Case("a-304", "unchanged: ETag answered 304", ("--etag",)),
    Case("a-same", "unchanged: identical bytes", ("--no-churn",)),
    Case("b", "churned boilerplate, same article", ()),
    Case("c", "changed article: diff, store, event", ("--every-request",)),
)


@dataclass
class Figures:
    """What one case measured (checks per second, and CPU milliseconds per check)."""

    case: str
    checks_per_s: dict[int, float] = field(default_factory=dict)
    ceiling_per_s: dict[int, float] = field(default_factory=dict)
    worker_cpu_ms: dict[int, float] = field(default_factory=dict)
    other_cpu_ms: dict[int, dict[str, float]] = field(default_factory=dict)


def cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds a process has used (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rate(samples: list[tuple[float, int]], total: int) -> float:
    """Checks per second between 10% and 90% of ``total``, from (time, count) samples."""

    def when(count: float) -> float:
        for (t0, c0), (t1, c1) in itertools.pairwise(samples):
            if c1 >= count:
                return t0 + (t1 - t0) * ((count - c0) / (c1 - c0) if c1 > c0 else 1.0)
        return samples[-1][0]

    start, end = when(0.1 * total), when(0.9 * total)
    return 0.8 * total / (end - start) if end > start else 0.0


def deciles_rate(deciles: list[float]) -> float:
    """Fetches per second between the first and the ninth decile of completion times."""
    return 0.8 / (deciles[9] - deciles[1]) if len(deciles) == 11 else 0.0


class Bench:
    """Runs the processes of one case (see the module docstring).

    Args:
        case: The case.
        articles: How many articles the newsroom serves and redline tracks.
        sites: Over how many sites.
        workdir: Where the config, the URLs file and Redis's data go.
    """

    def __init__(self, case: Case, articles: int, sites: int, workdir: Path) -> None:
        self.case = case
        self.articles = articles
        self.sites = sites
        self.dir = workdir
        self.children = Children(workdir / "children.log")

    def run(self, workers: tuple[int, ...], pass_size: int) -> Figures:
        """Runs the case: the warm-up, one measured pass per worker count, the ceiling."""
        figures = Figures(self.case.name)
        info = self.dir / "newsroom.json"
        urls = self.dir / "urls.txt"
        newsroom = self.children.python(
            "-m",
            "bench.newsroom",
            f"--articles={self.articles}",
            f"--sites={self.sites}",
            "--edit-share=0",
            f"--urls={urls}",
            f"--info={info}",
            *self.case.newsroom,
        )
        while not info.exists():
            if newsroom.poll() is not None:
                raise RuntimeError(f"the newsroom did not start:\n{self._log_tail()}")
            time.sleep(0.05)
        described = json.loads(info.read_text())
        config = self._write_config(described["hosts"], described["layouts"], urls)
        try:
            with EmbeddedRedis(self.dir / "state", "everysec") as server:
                env = {"REDIS_URL": server.url, "REDLINE_CONFIG": str(config)}
                redis = connect(server.url, wait=10)
                redis_pid = int(redis.info("server")["process_id"])
                store = ArticleStore(redis, Keys(PREFIX))
                clock = self.children.python("-m", "scheduler.cli", "clock", env=env)
                while redis.scard(store.keys.tracked) < self.articles:
                    time.sleep(_POLL)
                self._pass(store, workers=max(workers), env=env, total=self.articles)
                self._pass(store, workers=max(workers), env=env, total=self.articles, redue=True)
                for count in workers:
                    pids = {"newsroom": newsroom.pid, "redis": redis_pid, "clock": clock.pid}
                    spent, per_s, cpu = self._pass(
                        store, workers=count, env=env, total=pass_size, redue=True, others=pids
                    )
                    figures.checks_per_s[count] = per_s
                    figures.worker_cpu_ms[count] = cpu * 1000 / pass_size
                    figures.other_cpu_ms[count] = {
                        name: value * 1000 / pass_size for name, value in spent.items()
                    }
                self.children.stop(clock)
            for count in workers:
                figures.ceiling_per_s[count] = self._ceiling(urls, count, pass_size)
        finally:
            self.children.stop_all()
        return figures

    def _pass(
        self,
        store: ArticleStore,
        *,
        workers: int,
        env: dict[str, str],
        total: int,
        redue: bool = False,
        others: dict[str, int] | None = None,
    ) -> tuple[dict[str, float], float, float]:
        """Runs ``workers`` workers until ``total`` more checks are recorded; returns the CPU
        seconds of the other processes, checks per second and the workers' CPU seconds."""
        keys = store.keys
        if redue:
            ids = [as_text(i) for i in store.redis.smembers(keys.tracked)]
            now = time.time()
            with store.redis.pipeline(transaction=False) as pipe:
                for start in range(0, len(ids), 1000):
                    pipe.zadd(keys.schedule, {i: now for i in ids[start : start + 1000]})
                pipe.execute()
        before = store.counters.last_minutes(time.time(), minutes=120)["checks"]
        others = others or {}
        spent_before = {name: cpu_seconds(pid) for name, pid in others.items()}
        started = [
            self.children.python("-m", "scheduler.cli", "worker", env=env) for _ in range(workers)
        ]
        samples: list[tuple[float, int]] = [(time.monotonic(), 0)]
        done = 0
        while done < total:
            time.sleep(_POLL)
            done = store.counters.last_minutes(time.time(), minutes=120)["checks"] - before
            samples.append((time.monotonic(), done))
            if any(w.poll() is not None for w in started):
                raise RuntimeError(f"a worker died:\n{self._log_tail()}")
        worker_cpu = sum(cpu_seconds(w.pid) for w in started)
        spent = {name: cpu_seconds(pid) - spent_before[name] for name, pid in others.items()}
        for worker in started:
            self.children.stop(worker)
        return spent, rate(samples, total), worker_cpu

    def _log_tail(self, lines: int = 60) -> str:
        """The end of the children's log (the run's directory is removed when it fails)."""
        text = (self.dir / "children.log").read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def _ceiling(self, urls: Path, processes: int, count: int) -> float:
        """Raw fetches per second of ``processes`` discarding spiders over ``count`` URLs."""
        subset = self.dir / "ceiling-urls.txt"
        subset.write_text("\n".join(urls.read_text().split()[:count]))
        settings = self.dir / "scrapy.json"
        settings.write_text(
            json.dumps(scrapy_settings(load_settings(self.dir / "redline.toml"), ""))
        )
        children = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "bench.throughput.fetch",
                    str(subset),
                    str(settings),
                    f"--part={k}/{processes}",
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
            for k in range(processes)
        ]
        total = 0.0
        for child in children:
            out, _ = child.communicate()
            result = json.loads(out.decode().strip().splitlines()[-1])
            total += deciles_rate(result["deciles"]) * result["count"]
        return total

    def _write_config(self, hosts: list[str], layouts: list[str], urls: Path) -> Path:
        path = self.dir / "redline.toml"
        settings = {
            "urls_file": str(urls),
            "state_dir": str(self.dir / "state"),
            "concurrency": 32,
            "per_domain_concurrency": 4,
            "initial_interval": "1h",
            "log_level": "WARNING",
        }
        path.write_text(redline_toml(hosts, layouts, settings))
        return path


def run_case(
    case: Case, articles: int, sites: int, workers: tuple[int, ...], pass_size: int
) -> Figures:
    """Runs one case in a temporary directory."""
    with tempfile.TemporaryDirectory(prefix="redline-bench-", dir="/tmp") as tmp:
        return Bench(case, articles, sites, Path(tmp)).run(workers, pass_size)
