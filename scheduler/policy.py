"""The recheck policy: when an article is checked next, and when it is never checked again.

A pure function of the article's schedule state, the outcome of a check and ``now``:

- the first successful check and every check that finds a change set the interval to
  ``initial_interval``;
- every check that finds no change multiplies it by ``backoff_factor``, up to
  ``max_interval``;
- a failed check (network error, bad page) keeps growing the interval the same way but
  never changes ``last_change``, so errors are never mistaken for news;
- no check is scheduled past the end of the stability window: the last one falls exactly
  on ``last_change + stability_window``, and if that check finds no change the article is
  stable and never fetched again.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


@dataclass(frozen=True)
class RecheckPolicy:
    """The schedule's parameters, all durations in seconds."""

    initial_interval: float = 15 * 60.0
    backoff_factor: float = 1.5
    max_interval: float = 24 * 3600.0
    stability_window: float = 40 * 86400.0


class Outcome(enum.Enum):
    """What a check found."""

    CHANGED = "changed"
    """A new version was recorded (this includes the very first version)."""
    UNCHANGED = "unchanged"
    """The article is the same as its latest version."""
    FAILED = "failed"
    """The check did not produce an article (network error, HTTP error, bad page)."""


@dataclass(frozen=True)
class Decision:
    """When to check next.

    Attributes:
        interval: The interval now in force (seconds); the next backoff grows from it.
        next_check: Epoch seconds of the next check, or None when the article is stable.
    """

    interval: float
    next_check: float | None

    @property
    def stable(self) -> bool:
        """True when the article has been quiet for the whole window: never check again."""
        return self.next_check is None


def decide(
    policy: RecheckPolicy,
    outcome: Outcome,
    now: float,
    interval: float | None,
    last_change: float | None,
) -> Decision:
    """Decides the next check after one at ``now``.

    Args:
        policy: The schedule's parameters.
        outcome: What the check at ``now`` found.
        now: Epoch seconds of the check.
        interval: The interval in force before this check (None before the first).
        last_change: Epoch seconds of the latest recorded version, counting a version
            recorded by this very check (None while no version exists).

    Returns:
        The new interval and next check time (None: stable, never check again).
    """
    if outcome is Outcome.CHANGED or interval is None:
        interval = policy.initial_interval
    else:
        interval = min(interval * policy.backoff_factor, policy.max_interval)
    interval = min(max(interval, 0.0), policy.max_interval)
    next_check = now + interval
    if last_change is not None:
        window_end = last_change + policy.stability_window
        if outcome is Outcome.UNCHANGED and now >= window_end:
            return Decision(interval, None)
        if outcome is not Outcome.FAILED:
            next_check = min(next_check, max(window_end, now))
    return Decision(interval, next_check)
