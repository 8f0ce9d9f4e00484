"""Times and states in plain words, as people say them: pure functions of ``now``.

``redline show``, ``redline list`` and the web view all speak through these, so an article
reads the same everywhere: "last changed about 3 hours ago, next check in 20 minutes".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.domain.models import Status

if TYPE_CHECKING:
    from crawler.domain.models import ArticleState

_MINUTE = 60
_HOUR = 3600
_DAY = 86400


def duration(seconds: float) -> str:
    """A duration in words, rounded to one unit: "45 seconds", "12 minutes", "about 3
    hours" ("3 hours" within two minutes of the hour), "2 days", "over 40 days"."""
    seconds = max(0.0, seconds)
    if seconds < _MINUTE:
        return _count(round(seconds), "second")
    if seconds < _HOUR:
        return _count(round(seconds / _MINUTE), "minute")
    if seconds < _DAY:
        hours = round(seconds / _HOUR)
        exact = abs(seconds - hours * _HOUR) <= 2 * _MINUTE
        return ("" if exact else "about ") + _count(hours, "hour")
    days, rest = divmod(seconds, _DAY)
    return ("over " if rest >= _HOUR else "") + _count(int(days), "day")


def ago(when: float | None, now: float) -> str:
    """ "about 3 hours ago", or "never"."""
    return "never" if when is None else f"{duration(now - when)} ago"


def ahead(when: float | None, now: float) -> str:
    """ "in 20 minutes", "now (due)", or "never"."""
    if when is None:
        return "never"
    return "now (due)" if when <= now else f"in {duration(when - now)}"


FIRST_SEEN = "first seen"
"""What a first version says where later ones say how much later they came."""


def later(when: float, first: float) -> str:
    """How long after ``first`` something happened: "about 4 hours later"."""
    return f"{duration(when - first)} later"


def describe(state: ArticleState, now: float) -> str:
    """An article's state in plain words: "active: last changed 3 hours ago, next check
    in 20 minutes", "stable: last changed over 40 days ago and won't be checked again"."""
    status = state.status
    if status is Status.STABLE:
        return f"stable: last changed {ago(state.last_change, now)} and won't be checked again"
    if status is Status.UNTRACKED:
        return "untracked: taken out of the URLs file, not checked; its history is kept"
    if status is Status.DUPLICATE:
        return f"duplicate of article {state.duplicate_of}, which keeps the history"
    if status is Status.GONE:
        watch = (
            f"checked again {ahead(state.next_check, now)} in case it returns"
            if state.next_check is not None
            else "no longer checked"
        )
        return f"gone ({state.last_error}); {watch}"
    if status is Status.FAILING:
        return f"failing ({state.errors} errors in a row); retried {ahead(state.next_check, now)}"
    if status is Status.NEW:
        return f"new: no version yet; next check {ahead(state.next_check, now)}"
    return (
        f"active: last changed {ago(state.last_change, now)}, "
        f"next check {ahead(state.next_check, now)}"
    )


def _count(number: int, unit: str) -> str:
    return f"{number} {unit}{'' if number == 1 else 's'}"
