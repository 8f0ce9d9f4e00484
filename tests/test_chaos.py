"""The chaos and soak runs of ``bench/`` (their long versions are separate commands: see
``docs/RELIABILITY.md``): a short chaos run must pass, and the soak's verdict on memory
must be right."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from bench.soak.__main__ import SLACK, flat, rss, trend

MB = 2**20


@pytest.mark.timeout(900)
def test_a_short_chaos_run_reports_every_edit_exactly_once() -> None:
    """A clock and three workers are killed (SIGKILL and SIGTERM, one or all at once) every
    few seconds for a minute and a half while the newsroom edits its articles."""
    done = subprocess.run(
        [
            *(sys.executable, "-m", "bench.chaos"),
            *("--articles", "40", "--minutes", "1.5", "--settle", "1.5"),
            *("--every", "4", "--seed", "7"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    out = done.stdout
    assert done.returncode == 0, out + done.stderr[-3000:]
    kills = re.search(r"kills: (\d+) SIGKILL, (\d+) SIGTERM", out)
    assert kills is not None, out
    assert int(kills[1]) >= 5, out
    assert int(kills[2]) >= 1, out
    edits = re.search(r"true edits: (\d+)", out)
    assert edits is not None, out
    assert int(edits[1]) >= 10, out
    assert "recall: 100.0%" in out
    assert "articles with no version: 0;" in out
    assert "false events: 0\n" in out
    assert "versions recorded twice: 0\n" in out
    assert "roles that exited by themselves: 0\n" in out


def test_memory_is_flat_unless_it_keeps_growing_past_the_warm_up() -> None:
    warm_then_steady = [50 * MB] * 10 + [200 * MB] * 20
    assert flat(warm_then_steady, 0.03) == (200.0, 200.0, True)
    leaking = [200 * MB + n * MB for n in range(90)]  # 1 MB a sample: 6 MB a minute
    assert flat(leaking, 0.03) == (244.5, 274.5, False)
    within_slack = [20 * MB] * 20 + [20 * MB + SLACK] * 10
    assert flat(within_slack, 0.0)[2]
    assert trend(leaking, 10.0) == pytest.approx(360.0)  # MB an hour
    assert trend(warm_then_steady, 10.0) == 0.0


def test_resident_memory_is_read_from_proc() -> None:
    size = rss(os.getpid())
    assert size is not None
    assert 10 * MB < size < 4096 * MB
    assert rss(2**22 + 1) is None  # above the kernel's largest pid
