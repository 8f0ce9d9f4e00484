"""How far a long piece of work has got, told in the log as it goes.

Work a user waits on (indexing earlier events after an upgrade, rewriting stored articles)
logs where it is at most every :data:`EVERY` seconds, and once when it is done, so a
console is never silent for minutes: "indexing earlier events: 12,000 of 48,000 (25%)".
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import logging
    from collections.abc import Callable

EVERY = 5.0
"""Seconds between two reports of one piece of work."""


class Progress:
    """Counts the steps of one piece of work and reports them.

    Args:
        log: The logger to report to (at INFO).
        what: What the work is, as the report begins: "indexing earlier events".
        total: How many steps there are (0 when unknown).
        clock: Returns the time in seconds (monotonic).
    """

    def __init__(
        self,
        log: logging.Logger,
        what: str,
        total: int = 0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.log = log
        self.what = what
        self.total = total
        self.done = 0
        self._clock = clock
        self._last = clock()

    def add(self, steps: int) -> None:
        """Counts ``steps`` more; reports if the last report is :data:`EVERY` seconds old."""
        self.done += steps
        if (now := self._clock()) - self._last >= EVERY:
            self._last = now
            self.log.info("%s: %s", self.what, self._count())

    def finish(self) -> None:
        """Reports the work done."""
        self.log.info("%s: done, %s", self.what, self._count())

    def _count(self) -> str:
        if not self.total:
            return f"{self.done:,}"
        share = self.done / self.total
        return f"{self.done:,} of {self.total:,} ({share:.0%})"
