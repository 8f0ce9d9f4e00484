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

Failed checks have a schedule of their own (:func:`retry_delay`): quick retries that double,
honouring the server's ``Retry-After``, then a slow rate once the article is failing.
A site whose every article fails is backed off as a whole (:func:`site_backoff`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RecheckPolicy:
    """The schedule's parameters, all durations in seconds.

    Attributes:
        initial_interval: The interval after the first version and after every change.
        backoff_factor: How much the interval grows after a check that found no change.
        max_interval: The longest interval between checks.
        stability_window: An article unchanged this long is stable: never checked again.
        retry_interval: The first retry after a failed check; it doubles with every
            consecutive failure.
        failing_after: Consecutive failed checks after which an article is ``failing``.
        failing_interval: How often a failing article is retried.
        confirm_delay: How soon a page that reads differently is fetched again to confirm
            the change, and a first version's page to confirm the first version.
        site_failure_limit: Consecutive failures of one site (network errors, 5xx, 429),
            whatever the article, after which the whole site is backed off.
        site_backoff: The first back-off of a failing site; it doubles with every further
            failure, up to ``failing_interval``.
    """

    initial_interval: float = 15 * 60.0
    backoff_factor: float = 1.5
    max_interval: float = 24 * 3600.0
    stability_window: float = 40 * 86400.0
    retry_interval: float = 60.0
    failing_after: int = 5
    failing_interval: float = 6 * 3600.0
    confirm_delay: float = 120.0
    site_failure_limit: int = 10
    site_backoff: float = 60.0


@dataclass(frozen=True)
class Decision:
    """When to check next.

    Attributes:
        interval: The interval now in force (seconds); the next backoff grows from it.
        next_check: Epoch seconds of the next check, or None when the article is stable.
    """

    interval: float
    next_check: float | None


def decide(
    policy: RecheckPolicy,
    now: float,
    interval: float | None,
    last_change: float | None,
    *,
    changed: bool,
) -> Decision:
    """Decides the next check after one at ``now`` that read the article (a failed check
    is retried by :func:`retry_delay` instead).

    Args:
        policy: The schedule's parameters.
        now: Epoch seconds of the check.
        interval: The interval in force before this check (None before the first).
        last_change: Epoch seconds of the latest recorded version, counting a version
            recorded by this very check (None while no version exists).
        changed: True when the check recorded a new version (the first one too).

    Returns:
        The new interval and next check time (None: stable, never check again).
    """
    if changed or interval is None:
        interval = policy.initial_interval
    else:
        interval = min(interval * policy.backoff_factor, policy.max_interval)
    interval = min(max(interval, 0.0), policy.max_interval)
    next_check = now + interval
    if last_change is not None:
        window_end = last_change + policy.stability_window
        if not changed and now >= window_end:
            return Decision(interval, None)
        next_check = min(next_check, max(window_end, now))
    return Decision(interval, next_check)


def retry_delay(policy: RecheckPolicy, errors: int, retry_after: float | None = None) -> float:
    """Seconds until a failed article is tried again.

    Args:
        policy: The schedule's parameters.
        errors: Consecutive failed checks, counting the one that just failed (>= 1).
        retry_after: Seconds the server asked to wait, if it did; honoured up to
            ``max_interval``.

    Returns:
        ``retry_interval`` doubled per earlier consecutive failure, ``failing_interval``
        once the article is failing, and never less than what the server asked.
    """
    if errors >= policy.failing_after:
        delay = policy.failing_interval
    else:
        delay = min(policy.retry_interval * 2 ** max(errors - 1, 0), policy.failing_interval)
    if retry_after is not None:
        delay = max(delay, min(retry_after, policy.max_interval))
    return delay


def site_backoff(
    policy: RecheckPolicy, failures: int, retry_after: float | None = None
) -> float | None:
    """Seconds a whole site is left alone after ``failures`` consecutive failures on it.

    Returns:
        None while ``failures`` is under ``site_failure_limit``; then ``site_backoff``,
        doubled per further failure up to ``failing_interval``, and never less than the
        server's ``Retry-After`` (up to ``max_interval``).
    """
    if failures < policy.site_failure_limit:
        return None
    excess = min(failures - policy.site_failure_limit, 32)
    delay: float = min(policy.site_backoff * 2.0**excess, policy.failing_interval)
    if retry_after is not None:
        delay = max(delay, min(retry_after, policy.max_interval))
    return delay
