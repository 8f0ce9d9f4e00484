"""Long work tells how far it has got: a pure counter with a clock passed in."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from crawler.domain.progress import EVERY, Progress

if TYPE_CHECKING:
    import pytest

LOG = logging.getLogger("tests.progress")


def test_progress_is_reported_at_most_every_few_seconds_and_when_done(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [0.0]
    progress = Progress(LOG, "indexing earlier events", 48_000, clock=lambda: now[0])
    with caplog.at_level(logging.INFO, logger=LOG.name):
        for _ in range(12):  # 12 batches of 4,000, one second apart
            now[0] += 1.0
            progress.add(4_000)
        progress.finish()
    reports = [r.getMessage() for r in caplog.records]
    assert reports == [
        "indexing earlier events: 20,000 of 48,000 (42%)",
        "indexing earlier events: 40,000 of 48,000 (83%)",
        "indexing earlier events: done, 48,000 of 48,000 (100%)",
    ]
    assert EVERY == 5.0


def test_work_of_unknown_size_is_counted(caplog: pytest.LogCaptureFixture) -> None:
    progress = Progress(LOG, "upgrading stored articles", clock=lambda: 0.0)
    with caplog.at_level(logging.INFO, logger=LOG.name):
        progress.add(2_500)
        progress.finish()
    assert caplog.messages == ["upgrading stored articles: done, 2,500"]
