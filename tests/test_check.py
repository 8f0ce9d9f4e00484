"""What a check means for an article: pure, no Redis."""

from __future__ import annotations

from crawler.check import plan_update
from crawler.models import ArticleState, Fetch, Status
from scheduler.policy import Outcome, RecheckPolicy

POLICY = RecheckPolicy(
    initial_interval=60, backoff_factor=2, max_interval=600, stability_window=3600
)
STATE = ArticleState(
    "id1",
    "https://news.example/1",
    "example",
    Status.ACTIVE,
    versions=1,
    digest="abc",
    last_change=0.0,
    interval=60.0,
    etag='"v1"',
)


def no_latest() -> None:
    raise AssertionError("the latest version is only needed for a change")


def test_a_304_is_an_unchanged_check_that_keeps_the_validators() -> None:
    fetch = Fetch("id1", STATE.url, STATE.url, 100.0, status=304, not_modified=True)
    update = plan_update(STATE, no_latest, fetch, None, "", POLICY)
    assert update.outcome is Outcome.UNCHANGED
    assert update.version is None
    assert update.event is None
    assert update.state.etag == '"v1"'
    assert update.state.interval == 120
    assert update.state.next_check == 220.0


def test_a_fetch_without_a_page_or_a_304_is_a_failure_never_unchanged() -> None:
    fetch = Fetch("id1", STATE.url, STATE.url, 100.0, status=200)
    update = plan_update(STATE, no_latest, fetch, None, "", POLICY)
    assert update.outcome is Outcome.FAILED
    assert update.state.errors == 1
    assert update.state.last_error == "the fetch produced no article"
    assert update.state.versions == 1
    assert update.state.last_change == 0.0
