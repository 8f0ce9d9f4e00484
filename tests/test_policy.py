"""The recheck policy, run over weeks of simulated time in milliseconds."""

from __future__ import annotations

import itertools

import pytest

from crawler.domain.policy import RecheckPolicy, decide

HOUR = 3600.0
DAY = 86400.0
POLICY = RecheckPolicy(
    initial_interval=900, backoff_factor=1.5, max_interval=DAY, stability_window=40 * DAY
)


def simulate(changes: set[int], start: float = 0.0) -> list[tuple[float, float]]:
    """Runs checks from ``start`` until the article is stable; the checks numbered in
    ``changes`` find a change (check 0 is the first version). Returns (time, interval)."""
    now, interval, last_change = start, None, None
    checks = []
    for number in range(10_000):
        changed = number == 0 or number in changes
        if changed:
            last_change = now
        decision = decide(POLICY, now, interval, last_change, changed=changed)
        checks.append((now, decision.interval))
        if decision.next_check is None:  # stable
            return checks
        interval, now = decision.interval, decision.next_check
    pytest.fail("never became stable")


def test_interval_grows_by_the_factor_up_to_the_maximum() -> None:
    checks = simulate(set())
    intervals = [interval for _, interval in checks]
    assert intervals[:4] == [900, 1350, 2025, 3037.5]
    assert max(intervals) == DAY
    assert all(b >= a for a, b in itertools.pairwise(intervals))


def test_an_unchanged_article_becomes_stable_exactly_at_the_window_and_is_never_checked_again() -> (
    None
):
    checks = simulate(set(), start=1000.0)
    last_time = checks[-1][0]
    assert last_time == 1000.0 + 40 * DAY
    assert all(t <= last_time for t, _ in checks)
    assert len(checks) < 60  # about 40 daily checks plus the ramp-up


def test_a_change_resets_the_interval_and_restarts_the_window() -> None:
    checks = simulate({12})
    change_time, interval = checks[12]
    assert interval == 900
    assert checks[-1][0] == change_time + 40 * DAY


def test_an_article_read_again_after_the_window_is_stable_and_a_change_restarts_it() -> None:
    last_change = 0.0
    assert decide(POLICY, 41 * DAY, DAY, last_change, changed=False).next_check is None
    again = decide(POLICY, 41 * DAY, DAY, 41 * DAY, changed=True)
    assert (again.interval, again.next_check) == (900, 41 * DAY + 900)


def test_the_first_check_uses_the_initial_interval() -> None:
    decision = decide(POLICY, 100.0, None, None, changed=False)
    assert decision.interval == 900
    assert decision.next_check == 1000.0
