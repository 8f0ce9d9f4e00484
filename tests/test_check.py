"""What a check means for an article, over its whole life: pure, no Redis, time passed in."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import pytest

from crawler.detection.check import Finding, Update, plan_update
from crawler.detection.template import NO_EVIDENCE, BlockSeen, Evidence, mark
from crawler.domain.identity import article_id
from crawler.domain.models import Article, ArticleState, Fetch, Status, Version
from crawler.domain.policy import RecheckPolicy
from crawler.extraction.extract import ExtractedPage

if TYPE_CHECKING:
    from collections.abc import Collection

POLICY = RecheckPolicy(
    initial_interval=60,
    backoff_factor=2,
    max_interval=600,
    stability_window=3600,
    retry_interval=10,
    failing_after=3,
    failing_interval=300,
    confirm_delay=5,
    site_failure_limit=4,
    site_backoff=30,
)
URL = "https://news.example/1"
BODY = (
    "The council voted on Tuesday to rebuild the harbour wall after a decade of debate.",
    "The work will cost 14 million pounds and take three years, officials said.",
    "Opponents said the money should go to schools; supporters said it protects homes.",
    "The mayor promised regular public updates on the work and on its budget.",
)
A = Article("Council votes to rebuild harbour wall", "Jane Reporter", BODY)
B = replace(A, headline="Council approves harbour wall rebuild")


@dataclass
class Life:
    """One article and its history, kept in memory as the store keeps them in Redis."""

    state: ArticleState = field(default_factory=lambda: ArticleState("id1", URL, "example"))
    versions: list[Version] = field(default_factory=list)
    seen_digests: dict[str, int] = field(default_factory=dict)
    flips: set[str] = field(default_factory=set)
    owners: dict[str, str] = field(default_factory=dict)
    consecutive_site_failures: int = 0
    updates: list[Update] = field(default_factory=list)
    pending: Article | None = None
    evidence: Evidence = NO_EVIDENCE

    # History
    def latest(self) -> Version | None:
        return self.versions[-1] if self.versions else None

    def seen(self, digest: str) -> int | None:
        return self.seen_digests.get(digest)

    def flip_published(self, pair: str) -> bool:
        return pair in self.flips

    def owner(self, canonical_id: str) -> str:
        return self.owners.get(canonical_id, "")

    def site_failures(self) -> int:
        return self.consecutive_site_failures

    def candidate(self) -> Article | None:
        return self.pending

    def template(self, marks: Collection[str], places: Collection[str]) -> Evidence:
        return self.evidence

    def check(
        self,
        now: float,
        article: Article | None = None,
        *,
        status: int = 200,
        final_url: str = URL,
        canonical: str = "",
        error: str = "",
        retry_after: float | None = None,
        network_error: bool = False,
    ) -> Update:
        page = ExtractedPage(article, canonical) if article is not None else None
        fetch = Fetch(
            article_id="id1",
            url=self.state.location or URL,
            final_url=final_url,
            fetched_at=now,
            status=status,
            html="<html>" if article is not None or error.startswith("extraction") else None,
            error=error,
            retry_after=retry_after,
            network_error=network_error,
        )
        update = plan_update(self.state, self, fetch, page, error, POLICY)
        self.apply(update)
        return update

    def apply(self, update: Update) -> None:
        self.state = update.state
        if update.version is not None:
            self.versions.append(update.version)
        if update.seen:
            self.seen_digests.setdefault(update.seen, len(self.versions) - 1)
        if update.flip:
            self.flips.add(update.flip)
        if update.candidate is not None:
            self.pending = update.candidate
        elif not update.state.candidate:
            self.pending = None
        if update.site_failed:
            self.consecutive_site_failures += 1
        elif update.site_ok:
            self.consecutive_site_failures = 0
        self.updates.append(update)

    def first(self, now: float, article: Article) -> Update:
        """The first fetch, which records the first version, and the one that confirms it
        ``confirm_delay`` later, reading the same text."""
        recorded = self.check(now, article)
        assert recorded.finding is Finding.CHANGED
        assert recorded.state.next_check == now + POLICY.confirm_delay
        confirmed = self.check(now + POLICY.confirm_delay, article)
        assert (confirmed.finding, confirmed.state.candidate) == (Finding.UNCHANGED, "")
        assert confirmed.state.extraction_failures == 0
        return confirmed

    def change(self, now: float, article: Article, confirmation: Article | None = None) -> Update:
        """A fetch that reads a new text, then the one that confirms it ``confirm_delay``
        later (reading ``confirmation``, else the same text again)."""
        candidate = self.check(now, article)
        assert candidate.finding is Finding.CANDIDATE
        assert (candidate.version, candidate.event) == (None, None)
        assert candidate.state.next_check == now + POLICY.confirm_delay
        return self.check(now + POLICY.confirm_delay, confirmation or article)

    @property
    def events(self) -> list[tuple[str, ...]]:
        return [u.event.kinds for u in self.updates if u.event is not None]


def fetched(at: float, **answer: Any) -> Fetch:
    """A fetch of the article at ``URL`` that answered at ``at`` (a 200 unless ``answer``
    says otherwise)."""
    return Fetch(
        article_id="id1", url=URL, final_url=URL, fetched_at=at, **{"status": 200, **answer}
    )


def test_a_304_is_an_unchanged_check_that_keeps_the_validators() -> None:
    life = Life()
    life.first(0, A)
    life.state = replace(life.state, etag='"v1"')
    fetch = fetched(100.0, status=304, not_modified=True)
    update = plan_update(life.state, life, fetch, None, "", POLICY)
    assert update.finding is Finding.UNCHANGED
    assert (update.version, update.event) == (None, None)
    assert update.state.etag == '"v1"'
    assert update.state.interval == 240  # the first version's confirmation was quiet too
    assert update.state.next_check == 340.0


def test_a_fetch_without_a_page_or_a_304_is_a_failure_never_unchanged() -> None:
    life = Life()
    life.first(0, A)
    update = life.check(100.0)
    assert update.finding is Finding.FAILED
    assert update.state.errors == 1
    assert update.state.last_error == "the fetch produced no article"
    assert (update.state.versions, update.state.last_change) == (1, 0)


@pytest.mark.parametrize(
    ("status", "network_error"), [(0, True), (500, False), (503, False), (429, False)]
)
def test_errors_are_retried_with_backoff_then_failing_then_active_again(
    status: int, network_error: bool
) -> None:
    life = Life()
    life.first(0, A)
    now = 100.0
    delays = []
    for _ in range(4):
        update = life.check(now, status=status, network_error=network_error, error="boom")
        assert (update.version, update.event) == (None, None)
        assert update.site_failed
        next_check = update.state.next_check
        assert next_check is not None
        delays.append(next_check - now)
        now = next_check
    assert delays == [10, 20, 300, 300]  # doubling, then the failing rate
    assert life.state.status is Status.FAILING
    assert (life.state.errors, life.state.failures, life.state.versions) == (4, 4, 1)
    back = life.check(now, A)
    assert back.state.status is Status.ACTIVE
    assert (back.state.errors, back.state.last_error, back.event) == (0, "", None)
    assert back.state.failures == 4


def test_retry_after_is_honoured_for_the_article_and_its_site() -> None:
    life = Life()
    life.first(0, A)
    update = life.check(100.0, status=429, error="HTTP 429", retry_after=250)
    assert update.state.next_check == 350.0
    assert update.site_backoff_until == 350.0


def test_a_site_failing_for_every_article_is_backed_off_as_a_whole() -> None:
    life = Life()
    life.first(0, A)
    backoffs = [
        life.check(100.0 + i, status=503, error="HTTP 503").site_backoff_until for i in range(6)
    ]
    assert backoffs[:3] == [None, None, None]
    assert backoffs[3:] == [103.0 + 30, 104.0 + 60, 105.0 + 120]  # limit 4, then doubling
    life.check(200.0, A)
    assert life.consecutive_site_failures == 0


def test_extraction_failures_are_not_site_failures() -> None:
    life = Life()
    update = life.check(0, error="extraction failed: no article text found")
    assert update.finding is Finding.FAILED
    assert update.extraction_failed
    assert not update.site_failed
    assert update.state.extraction_failures == 1


def test_a_gone_page_publishes_gone_once_and_restored_when_it_returns() -> None:
    life = Life()
    life.first(0, A)
    gone = life.check(100.0, status=404)
    assert gone.state.status is Status.GONE
    assert gone.event is not None
    assert gone.event.kinds == ("gone",)
    assert gone.event.headline == A.headline
    again = life.check(gone.state.next_check or 0, status=410)
    assert (again.event, again.state.status) == (None, Status.GONE)
    assert again.state.next_check is not None  # still watched, in case it comes back
    back = life.check(again.state.next_check or 0, A)
    assert back.state.status is Status.ACTIVE
    assert back.event is not None
    assert back.event.kinds == ("restored",)
    assert back.version is None  # same text as before it went
    assert life.events == [("gone",), ("restored",)]
    assert [e.sequence for e in (gone.event, back.event)] == [1, 2]


def test_a_page_that_returns_with_new_text_is_restored_and_changed() -> None:
    life = Life()
    life.first(0, A)
    life.check(100.0, status=404)
    back = life.check(200.0, B)
    assert back.event is not None
    assert back.event.kinds == ("restored", "headline")
    assert back.version is not None
    assert back.version.number == 1


def test_a_gone_page_stops_being_checked_after_the_stability_window() -> None:
    life = Life()
    life.first(0, A)
    now = 100.0
    while True:
        update = life.check(now, status=404)
        if update.state.next_check is None:
            break
        now = update.state.next_check
    assert life.state.status is Status.GONE
    assert now >= 100.0 + POLICY.stability_window
    assert life.events == [("gone",)]


def test_a_move_is_published_once_and_the_article_keeps_its_identity() -> None:
    life = Life()
    life.first(0, A)
    new_home = "https://news.example/2024/harbour-wall"
    moved = life.check(100.0, A, final_url=new_home + "?utm_source=rss")
    assert moved.event is not None
    assert moved.event.kinds == ("moved",)
    assert moved.event.url == URL
    assert new_home in moved.event.detail
    assert moved.state.location == new_home
    assert moved.version is None
    again = life.check(200.0, A, final_url=new_home)
    assert again.event is None
    assert life.state.url == URL


def test_a_page_whose_canonical_article_is_tracked_elsewhere_is_a_duplicate() -> None:
    life = Life()
    desktop = "https://www.news.example/1"
    life.owners = {article_id(desktop): "other"}
    update = life.check(0, A, final_url="https://m.news.example/1", canonical=desktop)
    assert update.finding is Finding.DUPLICATE
    assert (update.state.status, update.state.duplicate_of) == (Status.DUPLICATE, "other")
    assert (update.version, update.event) == (None, None)
    assert update.state.next_check is not None  # it takes over if the other one goes


def test_flip_flops_publish_reverted_once_then_are_counted() -> None:
    life = Life()
    life.first(0.0, A)
    findings = [life.change(now, article).finding for now, article in enumerate((B, A, B, A, B))]
    assert life.events == [("headline",), ("reverted", "headline")]
    assert len(life.versions) == 6  # every return is recorded
    assert [v.same_as for v in life.versions] == [None, None, 0, 1, 0, 1]
    assert life.state.flips == 3
    assert findings == [Finding.CHANGED] * 2 + [Finding.FLIP] * 3


def test_flips_do_not_keep_an_article_from_becoming_stable() -> None:
    life = Life()
    life.first(0, A)
    life.change(10, B)
    life.change(20, A)  # published revert: the last change, at 25
    now, article = 30.0, B
    while life.state.next_check is not None:
        life.check(now, article)
        if life.state.candidate:  # confirmed: a flip, recorded and counted
            life.check(life.state.next_check, article)
        article = A if article is B else B
        now = life.state.next_check or now
    assert life.state.status is Status.STABLE
    assert life.state.flips > 3
    assert now <= 25 + POLICY.stability_window


def test_a_change_is_published_only_once_a_second_fetch_confirms_it() -> None:
    life = Life()
    life.first(0, A)
    life.state = replace(life.state, etag='"v1"')
    candidate = life.check(100.0, B)
    assert candidate.finding is Finding.CANDIDATE
    assert candidate.candidate == B  # kept for the confirming fetch
    assert candidate.state.etag == '"v1"'  # the confirming fetch reads the page whole
    assert candidate.state.page_digest == ""
    assert (candidate.version, candidate.event, candidate.extraction_failed) == (None, None, False)
    confirmed = life.check(105.0, B)
    assert confirmed.finding is Finding.CHANGED
    assert confirmed.event is not None
    assert (confirmed.event.kinds, confirmed.event.detected_at) == (("headline",), 105.0)
    assert (confirmed.state.candidate, life.pending) == ("", None)
    assert confirmed.state.last_change == 105.0


SPONSORED = ("Sponsored: try the new harbour tours.", "Sponsored: win a weekend by the sea.")


def test_a_304_to_a_confirming_fetch_means_the_page_went_back_unconfirmed() -> None:
    life = Life()
    life.first(0, A)
    life.state = replace(life.state, etag='"v1"')
    life.check(100.0, B)
    fetch = fetched(105.0, status=304, not_modified=True)
    back = plan_update(life.state, life, fetch, None, "", POLICY)
    assert back.finding is Finding.UNCHANGED
    assert (back.extraction_failed, back.state.candidate, back.event) == (True, "", None)


def test_a_rotating_line_beside_an_edit_neither_hides_it_nor_is_published_with_it() -> None:
    life = Life()
    ferry = "Sponsored: save on ferry tickets."
    life.check(0, replace(A, paragraphs=(*BODY[:2], ferry, *BODY[2:])))
    edited = BODY[1].replace("three years", "four years")
    first, second = (replace(A, paragraphs=(BODY[0], edited, ad, *BODY[2:])) for ad in SPONSORED)
    confirmed = life.change(100.0, first, second)
    assert confirmed.finding is Finding.CHANGED
    assert confirmed.version is not None
    assert (
        confirmed.version.article.paragraphs
        == (
            BODY[0],
            edited,
            ferry,  # the place's text as it was
            *BODY[2:],
        )
    )
    assert confirmed.event is not None
    assert confirmed.event.diff.words_added == 1
    assert confirmed.event.diff.words_removed == 1


def test_what_a_confirmation_left_out_is_a_slot_on_the_next_check() -> None:
    """A confirmed edit beside a slot whose item the two fetches showed differently: the
    item is not recorded, and the article's outline shows its place as a slot. The items
    the next checks show there are other items of the slot: never a change, not even a
    candidate whose confirmation could show the same item by coincidence."""
    items = [
        "Museum reopens with expanded modern art wing",
        "Hospital opens new maternity ward",
        "Transit authority announces fare changes for spring",
        "Fishing fleet returns early as storm approaches",
    ]
    correction = "Correction: the wall is 40 metres long, not 400."
    life = Life()
    life.first(0, A)

    def page(item: str) -> Article:
        return replace(A, paragraphs=(*BODY[:2], item, *BODY[2:], correction))

    edited = life.change(100.0, page(items[0]), page(items[1]))
    assert edited.version is not None
    assert edited.version.article.paragraphs == (*BODY, correction)
    assert edited.state.outline.split()[2] == f"~{mark(items[1])}"
    due = edited.state.next_check
    assert due is not None
    later = life.check(due, page(items[2]))
    assert (later.finding, later.event) == (Finding.UNCHANGED, None)
    again = life.check(later.state.next_check or 0, page(items[3]))
    assert (again.event, again.state.candidate) == (None, "")
    assert len(life.events) == 1


def test_the_first_version_is_what_its_confirming_fetch_shows_too() -> None:
    """The first fetch read an item of a rotating slot as a paragraph; its confirming fetch
    shows another item there. The first version becomes what both show, as a new baseline,
    never an event; the slot is outlined, so the items that follow are never a change."""
    items = [
        "Museum reopens with expanded modern art wing",
        "Hospital opens new maternity ward",
        "Transit authority announces fare changes for spring",
    ]

    def page(item: str) -> Article:
        return replace(A, paragraphs=(*BODY[:2], item, *BODY[2:]))

    life = Life()
    first = life.check(0, page(items[0]))
    assert first.state.next_check == POLICY.confirm_delay
    settled = life.check(POLICY.confirm_delay, page(items[1]))
    assert (settled.finding, settled.event, settled.state.candidate) == (
        Finding.REBASELINED,
        None,
        "",
    )
    assert life.versions[-1].article == A
    assert settled.state.outline.split()[2] == f"~{mark(items[1])}"
    assert settled.state.extraction_failures == 0
    later = life.check(settled.state.next_check or 0, page(items[2]))
    assert (later.finding, later.state.candidate) == (Finding.UNCHANGED, "")
    assert life.events == []


def test_a_first_version_not_confirmed_in_time_is_read_as_any_other() -> None:
    """The first version's confirming fetch came more than a regular interval after it was
    due: a text that differs then is a candidate change like any other, not a baseline."""
    life = Life()
    life.check(0, A)
    assert life.state.candidate == life.state.digest  # the first version awaits confirmation
    now = POLICY.confirm_delay + POLICY.initial_interval + 1
    late = life.check(now, B)
    assert late.finding is Finding.CANDIDATE
    confirmed = life.check(now + POLICY.confirm_delay, B)
    assert confirmed.event is not None
    assert confirmed.event.kinds == ("headline",)


def test_a_confirmation_that_goes_back_teaches_what_flickered() -> None:
    """The candidate's fetch showed one item of a rotating slot, the confirmation the
    latest version's again: no change, and both items flickered, which the site learns."""
    life = Life()

    def page(item: str) -> Article:
        return replace(A, paragraphs=(*BODY[:2], item, *BODY[2:]))

    life.check(0, page(SPONSORED[0]))
    assert life.check(100.0, page(SPONSORED[1])).finding is Finding.CANDIDATE
    back = life.check(105.0, page(SPONSORED[0]))
    assert (back.finding, back.event, back.state.candidate) == (Finding.UNCHANGED, None, "")
    assert back.lesson is not None
    assert set(back.lesson.flickered) == {mark(SPONSORED[0]), mark(SPONSORED[1])}


def test_a_change_made_of_a_block_other_articles_show_waits_for_two_regular_checks() -> None:
    """Two fetches agreeing on an item of a rotating pool can be a coincidence: a change
    that adds a block the site shows on other articles is published only once the next two
    regular checks show it again, and never if one of them shows another item."""
    ferry = "Sponsored: save on ferry tickets."
    evidence = Evidence({mark(ad): BlockSeen(("other1",)) for ad in (ferry, *SPONSORED)})
    shown = replace(A, paragraphs=(*BODY[:2], SPONSORED[0], *BODY[2:]))
    for seconds in ((SPONSORED[0], SPONSORED[0]), (SPONSORED[1],), (SPONSORED[0], SPONSORED[1])):
        life = Life(evidence=evidence)
        life.first(0, A)
        held = life.change(100.0, shown)
        assert held.finding is Finding.CANDIDATE
        assert (held.event, held.version, held.state.held) == (None, None, 1)
        assert held.state.interval is not None
        assert held.state.next_check == 105.0 + held.state.interval  # no extra fetch
        assert held.candidate == shown
        for n, later in enumerate(seconds, start=1):
            due = held.state.next_check
            assert due is not None
            held = life.check(due, replace(shown, paragraphs=(*BODY[:2], later, *BODY[2:])))
            if later != SPONSORED[0]:  # another item: no change at all
                assert (held.event, held.state.held, held.state.candidate) == (None, 0, "")
            elif n == 1:  # shown again once: one more regular check
                assert (held.event, held.state.held) == (None, 2)
            else:
                assert held.event is not None
                assert (held.state.held, held.state.candidate) == (0, "")
    # an article's own new paragraph is published as soon as it is confirmed
    life = Life(evidence=evidence)
    life.first(0, A)
    own = life.change(100.0, replace(A, paragraphs=(*BODY, "The mayor resigned on Friday.")))
    assert own.event is not None


def test_a_page_that_reads_differently_on_every_fetch_is_never_a_change() -> None:
    life = Life()
    life.check(0, replace(A, paragraphs=(*BODY, "Page served at 10:00:01")))
    now, served = 100.0, 2
    while life.state.next_check is not None:
        life.check(now, replace(A, paragraphs=(*BODY, f"Page served at 10:{served:02}:01")))
        served += 1
        now = life.state.next_check
    assert life.events == []
    assert len(life.versions) == 1
    assert life.state.status is Status.STABLE
    assert life.state.extraction_failures == (served - 2) // 2  # every unconfirmed candidate
    assert (life.state.last_check or 0) <= POLICY.stability_window + POLICY.confirm_delay


def test_a_text_that_lost_most_of_its_words_is_confirmed_before_it_is_recorded() -> None:
    life = Life()
    life.first(0, A)
    stub = replace(A, paragraphs=BODY[:1])
    confirmed = life.change(100.0, stub)
    assert confirmed.finding is Finding.CHANGED
    assert confirmed.event is not None
    assert confirmed.event.kinds == ("body",)
    assert confirmed.event.diff.words_removed > 30


def test_an_unconfirmed_text_is_an_extraction_failure_not_a_change() -> None:
    life = Life()
    life.first(0, A)
    life.check(100.0, replace(A, paragraphs=BODY[:1]))
    back = life.check(105.0, A)
    assert back.finding is Finding.UNCHANGED
    assert back.extraction_failed
    assert (back.state.extraction_failures, back.state.candidate) == (1, "")
    assert life.pending is None
    assert life.events == []
    assert len(life.versions) == 1


@pytest.mark.parametrize(
    "wall",
    [
        ("Subscribe to continue reading", "Already a subscriber? Log in."),
        ("We value your privacy", "Accept all cookies to continue to the site."),
        ("Page not found", "Sorry, something went wrong."),
    ],
)
def test_walls_and_error_pages_are_never_recorded(wall: tuple[str, str]) -> None:
    life = Life()
    life.first(0, A)
    page = Article(wall[0], "", wall[1:])
    confirmed = life.change(100.0, page)
    assert confirmed.finding is Finding.FAILED
    assert confirmed.extraction_failed
    assert "wall or an error page" in confirmed.state.last_error
    assert len(life.versions) == 1
    assert life.events == []


def test_a_wall_on_the_first_fetch_is_not_the_first_version() -> None:
    life = Life()
    page = Article("Subscribe to continue reading", "", ("Subscribers only.",))
    assert life.check(0, page).finding is Finding.CANDIDATE
    assert life.check(5, page).finding is Finding.FAILED
    assert life.versions == []
    assert life.state.status is Status.NEW


def test_an_appended_correction_is_its_own_kind() -> None:
    life = Life()
    life.first(0, A)
    corrected = replace(
        A, paragraphs=(*BODY, "Correction: an earlier version gave the wrong cost.")
    )
    update = life.change(100.0, corrected)
    assert update.event is not None
    assert update.event.kinds == ("body", "correction")


def test_a_check_recorded_after_the_url_was_untracked_keeps_it_untracked() -> None:
    life = Life()
    life.first(0, A)
    life.state = replace(life.state, status=Status.UNTRACKED)
    update = life.check(100.0, B)
    assert (update.state.status, update.state.next_check) == (Status.UNTRACKED, None)


def test_a_fetch_claimed_before_the_last_recorded_check_is_stale_and_writes_nothing() -> None:
    life = Life()
    life.first(0, A)
    newer = fetched(700.0, html="<html>", claimed_at=690.0)
    life.apply(plan_update(life.state, life, newer, ExtractedPage(B, ""), "", POLICY))
    stale = fetched(705.0, html="<html>", claimed_at=100.0)
    update = plan_update(life.state, life, stale, ExtractedPage(A, ""), "", POLICY)
    assert update.finding is Finding.STALE
    assert update.state == life.state
    assert (update.version, update.event) == (None, None)


def test_a_check_recorded_again_after_a_dropped_connection_writes_nothing() -> None:
    """The worker retries a check whose reply it never got; the first attempt had been
    written, so the second is no newer than the last recorded claim."""
    life = Life()
    life.first(0, A)
    life.check(600.0, B)  # the candidate change
    fetch = fetched(700.0, html="<html>", claimed_at=690.0)
    first = plan_update(life.state, life, fetch, ExtractedPage(B, ""), "", POLICY)
    assert first.event is not None
    life.apply(first)
    again = plan_update(life.state, life, fetch, ExtractedPage(B, ""), "", POLICY)
    assert again.finding is Finding.STALE
    assert again.state == life.state
    assert life.state.checks == 4  # the first version, its confirmation, the candidate, this


def test_text_read_differently_by_new_extraction_code_is_a_baseline_not_a_change() -> None:
    life = Life()
    life.first(0, A)
    # The stored version was read by older code (or by code that stored no version name).
    life.state = replace(life.state, extractor="redline-1+trafilatura-1.0")
    reread = (*BODY, "A caption the new code reads")
    rebased = life.check(100, replace(A, paragraphs=reread))
    assert rebased.finding is Finding.REBASELINED
    assert rebased.event is None
    assert rebased.version is not None
    assert rebased.version.extractor == ExtractedPage(A, "").extractor
    assert life.state.versions == 2
    assert life.state.extractor == ExtractedPage(A, "").extractor
    assert life.state.last_change == 0  # not an edit: the schedule keeps backing off
    # From then on, changes are published again.
    changed = life.change(200, replace(B, paragraphs=reread))
    assert changed.finding is Finding.CHANGED
    assert life.events == [("headline",)]


def test_same_text_from_new_extraction_code_just_adopts_it() -> None:
    life = Life()
    life.first(0, A)
    life.state = replace(life.state, extractor="")
    update = life.check(100, A)
    assert update.finding is Finding.UNCHANGED
    assert (life.state.versions, life.state.extractor) == (1, ExtractedPage(A, "").extractor)


def test_a_document_that_is_not_html_is_noted_not_failed() -> None:
    life = Life()
    life.first(0, A)
    fetch = fetched(100.0, not_html="application/pdf")
    update = plan_update(life.state, life, fetch, None, "", POLICY)
    assert update.finding is Finding.NOT_HTML
    assert (update.version, update.event, update.extraction_failed) == (None, None, False)
    assert (update.state.not_html, update.state.errors) == ("application/pdf", 0)
    assert update.state.next_check is not None
    assert update.state.next_check > 100 + 60
    life.apply(update)
    back = life.check(200, A)
    assert back.state.not_html == ""
    assert back.layer == "general"


def test_an_unchanged_check_teaches_its_site_only_what_its_page_shows_anew() -> None:
    """Every page teaches its site, but a page outlined as the last one was (the same
    blocks, the same places) teaches nothing the evidence does not hold: no lesson is
    written for it. A page that shows a block anew teaches it."""
    life = Life()
    first = life.check(0, A)
    assert first.lesson is not None
    assert set(first.lesson.blocks) == {mark(p) for p in BODY}
    assert life.check(POLICY.confirm_delay, A).lesson is None  # the first version confirmed
    assert life.check(100, A).lesson is None
    shown = ExtractedPage(A, "", left_out=((2, "Sponsored: a weekend by the sea.", "slot"),))
    fetch = Fetch(
        article_id="id1", url=URL, final_url=URL, fetched_at=200, status=200, html="<html>"
    )
    update = plan_update(life.state, life, fetch, shown, "", POLICY)
    assert update.finding is Finding.UNCHANGED
    assert update.lesson is not None
    assert update.state.outline != life.state.outline
