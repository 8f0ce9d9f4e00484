"""The store and the due queue against a real redis-server."""

from __future__ import annotations

import dataclasses
import time
from typing import TYPE_CHECKING

from crawler.detection.check import Finding, plan_update
from crawler.domain.codec import as_text, pack
from crawler.domain.identity import article_id
from crawler.domain.models import ARTICLE_FIELDS, Article, Fetch, Status
from crawler.domain.policy import RecheckPolicy
from crawler.extraction.extract import ExtractedPage
from crawler.store.articles import ArticleStore, TrackTarget
from crawler.store.connection import connect
from crawler.store.queue import HEARTBEAT, LIVE_LEASE, Depth
from crawler.store.upgrade import upgrade

if TYPE_CHECKING:
    import redis

    from crawler.detection.check import History, Update
    from crawler.domain.models import ArticleState
    from crawler.store.keys import Keys
    from crawler.store.queue import DueQueue

POLICY = RecheckPolicy(
    initial_interval=60, backoff_factor=2, max_interval=600, stability_window=3600
)


def target(n: int) -> TrackTarget:
    return TrackTarget(f"id{n}", f"https://news.example/{n}", "example")


def check(
    store: ArticleStore,
    article_id: str,
    now: float,
    article: Article | None,
    error: str = "",
    *,
    status: int = 200,
    url: str = "",
    canonical: str = "",
    confirm: bool = True,
) -> Finding:
    """Records one check of an article as a worker would, from what its fetch gave; when
    it reads a change, and ``confirm``, the check that confirms it follows at once."""
    state = store.load(article_id)
    assert state is not None
    url = url or state.url
    fetch = Fetch(
        article_id=article_id,
        url=url,
        final_url=url,
        fetched_at=now,
        status=status if article or status != 200 else 0,
        error=error,
    )
    page = ExtractedPage(article, canonical) if article else None
    update = store.record(
        article_id, lambda state, history: plan_update(state, history, fetch, page, error, POLICY)
    )
    assert update is not None
    if confirm and update.finding is Finding.CANDIDATE:
        return check(store, article_id, now, article, error, status=status, url=url)
    return update.finding


def text(*paragraphs: str) -> Article:
    return Article("Headline", "Byline", paragraphs)


def test_new_urls_are_due_at_once_and_claimed_atomically(
    store: ArticleStore, queue: DueQueue
) -> None:
    store.sync_tracked([target(1), target(2), target(3)], now=100.0)
    assert queue.claim(100.0, 10, 30, per_site=5) == []  # due, but the clock has not released them
    assert queue.promote(100.0) == 3
    first = queue.claim(100.0, 2, lease=30, per_site=5)
    second = queue.claim(100.0, 2, lease=30, per_site=5)
    assert len(first) == 2
    assert len(second) == 1
    assert {c.id for c in first + second} == {"id1", "id2", "id3"}
    assert first[0].url.startswith("https://news.example/")


def test_a_claim_whose_worker_died_is_claimed_again_once_it_is_not_renewed(
    store: ArticleStore, queue: DueQueue
) -> None:
    store.sync_tracked([target(1)], now=0.0)
    queue.promote(0.0)
    assert [c.id for c in queue.claim(0.0, 5, lease=600, per_site=1)] == ["id1"]
    queue.promote(LIVE_LEASE - 0.5)
    assert queue.claim(LIVE_LEASE - 0.5, 5, lease=600, per_site=1) == []  # still claimed
    queue.promote(LIVE_LEASE + 0.5)  # its worker never renewed it: not the full lease
    assert [c.id for c in queue.claim(LIVE_LEASE + 0.5, 5, 600, 1)] == ["id1"]


def test_a_claim_lives_while_its_worker_renews_it_but_never_past_its_lease(
    store: ArticleStore, queue: DueQueue, redis_conn: redis.Redis, keys: Keys
) -> None:
    store.sync_tracked([target(1), target(2)], now=0.0)
    queue.promote(0.0)
    claims = {c.id: c.claimed_at for c in queue.claim(0.0, 5, lease=30, per_site=5)}
    assert claims == {"id1": 0.0, "id2": 0.0}
    for beat in (HEARTBEAT, 8.0, 16.0):  # a live worker renews its claims
        assert queue.renew(claims, beat, lease=30) == 2
        assert queue.promote(beat + LIVE_LEASE - 0.5) == 0
    site_leases = keys.site_leases("news.example")
    assert redis_conn.zscore(site_leases, "id1") == 16.0 + LIVE_LEASE  # its place too
    check(store, "id2", 17.0, text("Words."))  # recorded: no longer claimed
    assert queue.renew(claims, 24.0, lease=30) == 1
    assert redis_conn.zscore(keys.leases, "id2") is None
    assert redis_conn.zscore(keys.leases, "id1") == 30.0  # the lease is the limit
    assert queue.renew(claims, 20.0, lease=30) == 0  # never shortened
    assert queue.promote(29.5) == 0
    assert queue.promote(30.5) == 1
    assert redis_conn.zscore(site_leases, "id1") is None


def test_released_claims_are_due_again_at_once(store: ArticleStore, queue: DueQueue) -> None:
    store.sync_tracked([target(1)], now=0.0)
    queue.promote(0.0)
    queue.claim(0.0, 5, lease=300, per_site=5)
    assert queue.release(["id1"], now=5.0) == 1
    assert [c.id for c in queue.claim(5.0, 5, lease=300, per_site=5)] == ["id1"]


def test_the_scheduling_step_only_touches_due_articles(
    store: ArticleStore, queue: DueQueue
) -> None:
    store.sync_tracked([target(n) for n in range(50)], now=0.0)
    queue.promote(0.0)
    for claim in queue.claim(0.0, 50, lease=30, per_site=50):
        check(store, claim.id, 1.0, text("Body one."))
    assert queue.depth(1.0) == Depth(scheduled=50, overdue=0, ready=0, leased=0, oldest_due=None)
    confirming = 1.0 + POLICY.confirm_delay  # the first version's confirming fetch
    assert queue.depth(confirming + 9).oldest_due == confirming
    assert queue.promote(2.0) == 0
    assert queue.promote(confirming) == 50


def test_versions_events_and_schedule_are_recorded_together(
    store: ArticleStore, queue: DueQueue, redis_conn: redis.Redis, keys: Keys
) -> None:
    store.sync_tracked([target(1)], now=0.0)
    assert check(store, "id1", 10.0, text("First words.")) is Finding.CHANGED
    assert store.recent_events(10) == []  # the first version is not a change
    assert check(store, "id1", 70.0, text("First words.")) is Finding.UNCHANGED
    assert check(store, "id1", 190.0, text("Second words.")) is Finding.CHANGED
    state = store.load("id1")
    assert state is not None
    assert (state.status, state.versions, state.checks) == (Status.ACTIVE, 2, 4)  # one confirms
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
    assert check(store, "id1", 70.0, None, error="HTTP 503") is Finding.FAILED
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
    assert state.status is Status.UNTRACKED
    assert redis_conn.zscore(keys.schedule, "id1") is None
    assert len(store.versions("id1")) == 1
    queue.promote(1e9)
    assert [c.id for c in queue.claim(1e9, 10, 30, per_site=5)] == ["id2"]
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


def test_two_workers_recording_the_same_check_append_one_version(
    store: ArticleStore, redis_url: str, keys: Keys
) -> None:
    store.sync_tracked([target(1)], now=0.0)
    check(store, "id1", 1.0, text("First words."))
    check(store, "id1", 2.0, text("First words."))  # the first version's confirming fetch
    other = ArticleStore(connect(redis_url), keys)
    new = text("Second words.")
    fetch = Fetch(
        article_id="id1", url=target(1).url, final_url=target(1).url, fetched_at=10.0, status=200
    )
    calls: list[int] = []

    def plan_racing_another_worker(state: ArticleState, history: History) -> Update:
        if not calls:  # meanwhile, a worker whose lease expired records the same edit
            check(other, "id1", 9.0, new)
        calls.append(state.versions)
        return plan_update(state, history, fetch, ExtractedPage(new, ""), "", POLICY)

    update = store.record("id1", plan_racing_another_worker)
    assert calls == [1, 2]  # abandoned, then planned again on top of the other version
    assert update is not None
    assert update.finding is Finding.UNCHANGED
    assert [v.number for v in store.versions("id1")] == [0, 1]
    assert len(store.recent_events(10)) == 1


def test_status_sets_counters_and_timeline_follow_every_check(
    store: ArticleStore, redis_conn: redis.Redis, keys: Keys
) -> None:
    store.sync_tracked([target(1), target(2)], now=0.0)
    assert store.status_counts()[Status.NEW] == 2
    check(store, "id1", 10.0, text("First words of a story."))
    check(store, "id1", 15.0, text("First words of a story."))  # it confirms the first version
    check(store, "id1", 20.0, text("Other words of a story."))
    check(store, "id2", 30.0, None, "HTTP 404", status=404)
    store.sync_tracked([target(1)], now=40.0)
    counts = store.status_counts()
    assert (counts[Status.ACTIVE], counts[Status.UNTRACKED], counts[Status.NEW]) == (1, 1, 0)
    assert sum(counts.values()) == 2
    assert store.counters.last_minutes(now=60.0) == {
        "checks": 5,  # the first version and the change each took a second check
        "changes": 1,
        "errors": 0,
        "extraction_failures": 0,
    }
    assert store.counters.last_minutes(now=60.0 + 3600) == dict.fromkeys(
        store.counters.last_minutes(0), 0
    )
    (event,) = store.timeline("id1")
    assert event.event.kinds == ("body",)
    (site,) = store.counters.sites(time.time())
    assert (site.site, site.checks) == ("news.example", 5)
    assert {k: n for k, n in store.source_statuses("example").items() if n} == {
        Status.ACTIVE: 1,
        Status.UNTRACKED: 1,
    }


def test_each_source_counts_its_articles_by_status_and_a_move_takes_them_along(
    store: ArticleStore,
) -> None:
    other = TrackTarget("id3", "https://other.example/3", "other")
    store.sync_tracked([target(1), target(2), other], now=0.0)
    check(store, "id1", 10.0, text("First words of a story."))
    check(store, "id3", 10.0, None, "HTTP 410", status=410)

    def counts(source: str) -> dict[Status, int]:
        return {k: n for k, n in store.source_statuses(source).items() if n}

    assert counts("example") == {Status.NEW: 1, Status.ACTIVE: 1}
    assert counts("other") == {Status.GONE: 1}
    # id1 leaves the file, and comes back under the other source.
    store.sync_tracked([target(2), other], now=20.0)
    assert counts("example") == {Status.NEW: 1, Status.UNTRACKED: 1}
    moved = dataclasses.replace(target(1), source="other")
    store.sync_tracked([moved, target(2), other], now=30.0)
    assert counts("example") == {Status.NEW: 1}
    assert counts("other") == {Status.GONE: 1, Status.ACTIVE: 1}
    assert sum(store.status_counts().values()) == 3


def test_a_site_has_no_more_checks_in_flight_than_its_limit_across_workers(
    store: ArticleStore, queue: DueQueue
) -> None:
    other = TrackTarget("x1", "https://other.example/1", "other")
    store.sync_tracked([*(target(n) for n in range(5)), other], now=0.0)
    queue.promote(0.0)
    first = queue.claim(0.0, 10, lease=30, per_site=2)
    second = queue.claim(0.0, 10, lease=30, per_site=2)  # another worker
    assert sorted(c.url.split("/")[2] for c in first) == [
        "news.example",
        "news.example",
        "other.example",
    ]
    assert second == []  # the site is at its limit; the other site is not starved
    assert queue.waiting() == 3  # its other due checks wait for a place
    check(store, first[0].id, 1.0, text("Words."))
    assert len(queue.claim(1.0, 10, lease=30, per_site=2)) == 1  # its slot is free again
    assert len(queue.claim(31.0, 10, lease=30, per_site=2)) == 2  # expired leases free too


def test_a_backed_off_site_waits_in_the_schedule(
    store: ArticleStore, queue: DueQueue, redis_conn: redis.Redis, keys: Keys
) -> None:
    store.sync_tracked([target(1), target(2)], now=0.0)
    redis_conn.hset(keys.site("news.example"), "backoff_until", 500.0)
    queue.promote(0.0)
    assert queue.claim(0.0, 10, lease=30, per_site=5) == []
    assert redis_conn.zscore(keys.schedule, "id1") == 500.0
    assert queue.promote(499.0) == 0
    assert queue.promote(500.0) == 2


def test_a_url_that_is_another_tracked_article_becomes_its_duplicate(
    store: ArticleStore, queue: DueQueue
) -> None:
    desktop = TrackTarget(
        article_id("https://www.news.example/1"), "https://www.news.example/1", "example"
    )
    mobile = TrackTarget(
        article_id("https://m.news.example/1"), "https://m.news.example/1", "example"
    )
    store.sync_tracked([desktop, mobile], now=0.0)
    story = text("The same words on both hosts.")
    assert check(store, mobile.article_id, 1.0, story, url=desktop.url) is Finding.DUPLICATE
    assert check(store, desktop.article_id, 2.0, story) is Finding.CHANGED
    state = store.load(mobile.article_id)
    assert state is not None
    assert (state.status, state.duplicate_of, state.versions) == (
        Status.DUPLICATE,
        desktop.article_id,
        0,
    )


def test_two_urls_naming_one_canonical_url_make_one_history(store: ArticleStore) -> None:
    store.sync_tracked([target(1), target(2)], now=0.0)
    story = text("The same story, reached through two links.")
    canonical = "https://news.example/story"
    assert check(store, "id1", 1.0, story, canonical=canonical) is Finding.CHANGED
    assert check(store, "id2", 2.0, story, canonical=canonical) is Finding.DUPLICATE
    store.sync_tracked([target(2)], now=3.0)  # the first one leaves the URLs file
    assert check(store, "id2", 4.0, story, canonical=canonical) is Finding.CHANGED
    state = store.load("id2")
    assert state is not None
    assert (state.status, state.duplicate_of, state.versions) == (Status.ACTIVE, "", 1)


def test_an_article_hash_is_compact_and_keeps_no_empty_fields(
    store: ArticleStore, redis_conn: redis.Redis, keys: Keys
) -> None:
    store.sync_tracked([target(1)], now=0.0)
    check(store, "id1", 0.0, None, "connection refused")
    error_field = ARTICLE_FIELDS["last_error"].encode()
    assert redis_conn.hget(keys.article("id1"), error_field) == b"connection refused"
    check(store, "id1", 60.0, text("One paragraph."))
    raw = redis_conn.hgetall(keys.article("id1"))
    assert error_field not in raw  # deleted once the error is over, not kept empty
    assert all(raw.values())
    assert set(raw) <= {name.encode() for name in ARTICLE_FIELDS.values()}
    assert redis_conn.object("encoding", keys.article("id1")) in (b"listpack", b"ziplist")
    state = store.load("id1")
    assert state is not None
    assert state.last_error == ""
    assert state.versions == 1


def test_an_article_stored_without_its_site_gets_it_once_and_is_claimed_under_it(
    store: ArticleStore, queue: DueQueue, redis_conn: redis.Redis, keys: Keys
) -> None:
    store.sync_tracked([target(1)], now=0.0)
    redis_conn.hdel(keys.article("id1"), ARTICLE_FIELDS["site"])  # as schema 3 could have
    redis_conn.set(keys.schema, 3)
    upgrade(store)
    state = store.load("id1")
    assert state is not None
    assert state.site == "news.example"
    queue.promote(10.0)
    (claim,) = queue.claim(10.0, 10, lease=30, per_site=1)
    assert claim.id == "id1"
    # Its place in its site's limit is held under the site the hash names.
    assert redis_conn.zcard(keys.site_leases("news.example")) == 1


def test_articles_stored_under_the_first_schema_are_upgraded_once_and_keep_everything(
    store: ArticleStore, queue: DueQueue, redis_conn: redis.Redis, keys: Keys
) -> None:
    store.sync_tracked([target(1), target(2)], now=0.0)
    check(store, "id1", 0.0, text("One paragraph."))
    before = {i: store.load(i) for i in ("id1", "id2")}
    for article, state in before.items():  # as the first schema stored them
        assert state is not None
        legacy = {
            f.name: "" if (value := getattr(state, f.name)) is None else str(value)
            for f in dataclasses.fields(state)
            if f.name != "id"
        }
        redis_conn.delete(keys.article(article))
        redis_conn.hset(keys.article(article), mapping=legacy)  # type: ignore[arg-type]
    redis_conn.delete(keys.schema)
    for status in Status:  # the first schema had no status sets per source
        redis_conn.delete(keys.source_status("example", status))
    assert upgrade(store) == 2
    assert {i: store.load(i) for i in before} == before
    assert upgrade(store) == 0  # done once
    statuses = store.source_statuses("example")
    assert (statuses[Status.ACTIVE], statuses[Status.NEW]) == (1, 1)
    queue.promote(1000.0)
    claims = queue.claim(1000.0, 10, lease=30, per_site=5)
    assert sorted((c.id, c.url) for c in claims) == [
        ("id1", "https://news.example/1"),
        ("id2", "https://news.example/2"),
    ]


def test_what_the_fourth_schema_called_removed_is_untracked_or_gone_after_the_upgrade(
    store: ArticleStore, queue: DueQueue, redis_conn: redis.Redis, keys: Keys
) -> None:
    store.sync_tracked([target(1), target(2)], now=0.0)
    check(store, "id2", 0.0, text("One paragraph."))
    check(store, "id2", 10.0, None, "HTTP 404", status=404)
    store.sync_tracked([target(2)], now=20.0)  # id1 is taken out of the URLs file
    # As the fourth schema stored them: the status and the kind were both "removed".
    redis_conn.hset(keys.article("id1"), ARTICLE_FIELDS["status"], "removed")
    redis_conn.rename(keys.status(Status.UNTRACKED), keys.status("removed"))
    redis_conn.rename(
        keys.source_status("example", Status.UNTRACKED), keys.source_status("example", "removed")
    )
    entries = redis_conn.xrange(keys.events, "-", "+", count=1)
    assert entries is not None
    ((entry_id, _),) = entries
    assert entry_id is not None
    (gone,) = [e for e in store.recent_events(10) if e.event_id == as_text(entry_id)]
    assert gone.event.kinds == ("gone",)
    redis_conn.delete(keys.events, keys.event_index(kind="gone"))
    old = pack(dataclasses.replace(gone.event, kinds=("removed",)))
    redis_conn.xadd(keys.events, {"data": old}, id=entry_id)
    redis_conn.xadd(keys.event_index(kind="removed"), {"e": ""}, id=entry_id)
    redis_conn.set(keys.schema, 4)

    upgrade(store)

    untracked = store.load("id1")
    assert untracked is not None
    assert untracked.status is Status.UNTRACKED
    assert store.status_counts()[Status.UNTRACKED] == 1
    assert store.source_statuses("example")[Status.UNTRACKED] == 1
    assert not redis_conn.exists(keys.status("removed"), keys.event_index(kind="removed"))
    (read,) = store.recent_events(10, kind="gone")
    assert (read.event_id, read.event.kinds) == (gone.event_id, ("gone",))
    queue.promote(1e9)
    assert [c.id for c in queue.claim(1e9, 10, lease=30, per_site=5)] == ["id2"]
