"""The store and the due queue against a real redis-server."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.check import plan_update
from crawler.models import Article, Fetch, Status
from crawler.store import ArticleStore, TrackTarget
from scheduler.policy import Outcome, RecheckPolicy

if TYPE_CHECKING:
    import redis

    from crawler.keys import Keys
    from crawler.queue import DueQueue

POLICY = RecheckPolicy(
    initial_interval=60, backoff_factor=2, max_interval=600, stability_window=3600
)


def target(n: int) -> TrackTarget:
    return TrackTarget(f"id{n}", f"https://news.example/{n}", "example")


def check(
    store: ArticleStore, article_id: str, now: float, article: Article | None, error: str = ""
) -> Outcome:
    fetch = Fetch(article_id, "u", "u", now, status=200 if article else 0, error=error)
    update = store.record(
        article_id, lambda state, latest: plan_update(state, latest, fetch, article, error, POLICY)
    )
    assert update is not None
    return update.outcome


def text(*paragraphs: str) -> Article:
    return Article("Headline", "Byline", paragraphs)


def test_new_urls_are_due_at_once_and_claimed_atomically(
    store: ArticleStore, queue: DueQueue
) -> None:
    store.sync_tracked([target(1), target(2), target(3)], now=100.0)
    assert queue.claim(100.0, 10, 30) == []  # due, but the clock has not released them
    assert queue.promote(100.0) == 3
    first = queue.claim(100.0, 2, lease=30)
    second = queue.claim(100.0, 2, lease=30)
    assert len(first) == 2
    assert len(second) == 1
    assert {c.article_id for c in first + second} == {"id1", "id2", "id3"}
    assert first[0].url.startswith("https://news.example/")


def test_a_claim_whose_worker_died_is_claimed_again_after_its_lease(
    store: ArticleStore, queue: DueQueue
) -> None:
    store.sync_tracked([target(1)], now=0.0)
    queue.promote(0.0)
    assert [c.article_id for c in queue.claim(0.0, 5, lease=30)] == ["id1"]
    queue.promote(29.0)
    assert queue.claim(29.0, 5, lease=30) == []  # lease still running
    queue.promote(31.0)
    assert [c.article_id for c in queue.claim(31.0, 5, lease=30)] == ["id1"]


def test_released_claims_are_due_again_at_once(store: ArticleStore, queue: DueQueue) -> None:
    store.sync_tracked([target(1)], now=0.0)
    queue.promote(0.0)
    queue.claim(0.0, 5, lease=300)
    assert queue.release(["id1"], now=5.0) == 1
    assert [c.article_id for c in queue.claim(5.0, 5, lease=300)] == ["id1"]


def test_the_scheduling_step_only_touches_due_articles(
    store: ArticleStore, queue: DueQueue
) -> None:
    store.sync_tracked([target(n) for n in range(50)], now=0.0)
    queue.promote(0.0)
    for claim in queue.claim(0.0, 50, lease=30):
        check(store, claim.article_id, 1.0, text("Body one."))
    assert queue.depth(1.0) == {"scheduled": 50, "overdue": 0, "ready": 0, "leased": 0}
    assert queue.promote(2.0) == 0
    assert queue.promote(61.0) == 50


def test_versions_events_and_schedule_are_recorded_together(
    store: ArticleStore, queue: DueQueue, redis_conn: redis.Redis, keys: Keys
) -> None:
    store.sync_tracked([target(1)], now=0.0)
    assert check(store, "id1", 10.0, text("First words.")) is Outcome.CHANGED
    assert store.recent_events(10) == []  # the first version is not a change
    assert check(store, "id1", 70.0, text("First words.")) is Outcome.UNCHANGED
    assert check(store, "id1", 190.0, text("Second words.")) is Outcome.CHANGED
    state = store.load("id1")
    assert state is not None
    assert (state.status, state.versions, state.checks) == (Status.ACTIVE, 2, 3)
    assert state.last_change == 190.0
    assert state.interval == 60
    assert redis_conn.zscore(keys.schedule, "id1") == 250.0
    versions = store.versions("id1")
    assert [v.number for v in versions] == [0, 1]
    assert versions[1].article.paragraphs == ("Second words.",)
    (stored,) = store.recent_events(10)
    assert stored.event.version == 1
    assert stored.event.diff.words_removed == 1


def test_errors_never_create_versions_or_events(store: ArticleStore) -> None:
    store.sync_tracked([target(1)], now=0.0)
    check(store, "id1", 10.0, text("Words."))
    assert check(store, "id1", 70.0, None, error="HTTP 503") is Outcome.FAILED
    state = store.load("id1")
    assert state is not None
    assert (state.versions, state.errors, state.last_error) == (1, 1, "HTTP 503")
    assert store.recent_events(10) == []
    check(store, "id1", 200.0, text("Words."))
    state = store.load("id1")
    assert state is not None
    assert state.errors == 0


def test_an_article_quiet_for_the_window_becomes_stable_and_leaves_the_schedule(
    store: ArticleStore, redis_conn: redis.Redis, keys: Keys
) -> None:
    store.sync_tracked([target(1)], now=0.0)
    now = 0.0
    check(store, "id1", now, text("Words."))
    while (state := store.load("id1")) and state.next_check is not None:
        now = state.next_check
        check(store, "id1", now, text("Words."))
    assert state is not None
    assert state.status is Status.STABLE
    assert now == 3600.0
    assert redis_conn.zscore(keys.schedule, "id1") is None


def test_removed_urls_stop_being_scheduled_but_keep_their_history(
    store: ArticleStore, queue: DueQueue, redis_conn: redis.Redis, keys: Keys
) -> None:
    store.sync_tracked([target(1), target(2)], now=0.0)
    check(store, "id1", 1.0, text("Words."))
    store.sync_tracked([target(2)], now=2.0)
    state = store.load("id1")
    assert state is not None
    assert state.status is Status.REMOVED
    assert redis_conn.zscore(keys.schedule, "id1") is None
    assert len(store.versions("id1")) == 1
    queue.promote(1e9)
    assert [c.article_id for c in queue.claim(1e9, 10, 30)] == ["id2"]
    report = store.sync_tracked([target(1), target(2)], now=3.0)
    assert report.restored == 1
    state = store.load("id1")
    assert state is not None
    assert state.status is Status.ACTIVE


def test_a_tracked_article_missing_from_every_queue_is_put_back(
    store: ArticleStore, redis_conn: redis.Redis, keys: Keys
) -> None:
    store.sync_tracked([target(1)], now=0.0)
    redis_conn.zrem(keys.schedule, "id1")  # e.g. lost by an old bug or a manual edit
    report = store.sync_tracked([target(1)], now=5.0)
    assert report.repaired == 1
    assert redis_conn.zscore(keys.schedule, "id1") is not None
