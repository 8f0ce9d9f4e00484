"""What one check means for an article: a pure function from (state, history, fetch) to an
update.

The pipeline extracts the page, then asks :func:`plan_update` what to write; the store
writes it atomically. Keeping the decision pure keeps every rule testable without Redis or a
reactor, with time passed in as the fetch's ``fetched_at``:

- network errors, 5xx and 429 are failures, never changes: retried on their own backoff
  (honouring ``Retry-After``), the article is ``failing`` after ``failing_after`` in a row,
  and a site failing for every article is backed off as a whole;
- 404 and 410 make the article ``gone`` and publish one "gone" event; a later good
  fetch publishes "restored";
- a redirect to a new location publishes "moved" once; the article keeps its identity;
- a page whose canonical URL belongs to another live article makes this one a
  ``duplicate`` of it, so one article never has two histories;
- every change is a candidate until a second fetch, ``confirm_delay`` later, confirms it:
  only what both fetches changed the same way, paragraph by paragraph, is recorded and
  published (:mod:`crawler.detection.confirm`); a candidate the second fetch does not confirm at all
  is an extraction failure (the page did not settle), never a change. A confirmed change
  its site's template evidence casts doubt on (:func:`crawler.detection.template.doubtful`: two
  fetches may agree on an item of a rotating pool by coincidence) is held, and published
  only once the next regular check, or the next two, show it again. A page that reads
  like a wall or an error page is confirmed too (a first version included), and never
  recorded;
- a return to a version seen before is recorded, published as "reverted" the first time
  the article flips between those two versions, and only counted after that;
- a document that is not HTML (a PDF, an image) is noted as such, never extracted;
- text that differs only because something else reads it (new extraction code after an
  upgrade, new rules for its source, another layer after a layout change) is recorded as a
  new baseline, not published as a change.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol

from crawler.detection.confirm import confirm, confirm_first
from crawler.detection.quality import wall_reason
from crawler.detection.template import (
    NO_EVIDENCE,
    Evidence,
    Lesson,
    Shown,
    Verdict,
    doubtful,
    kept,
    kept_before,
    lesson,
    marks_of,
    outline,
    token,
    verdicts,
)
from crawler.domain.diff import NO_DIFF, ChangeKind, Diff, diff_articles
from crawler.domain.hashing import fingerprint
from crawler.domain.identity import BadUrlError, article_id, normalise_url, site_of
from crawler.domain.models import Article, ArticleState, ChangeEvent, Fetch, Status, Version
from crawler.domain.policy import Decision, RecheckPolicy, decide, retry_delay, site_backoff
from crawler.extraction.extract import Flow

if TYPE_CHECKING:
    from collections.abc import Collection

    from crawler.extraction.extract import ExtractedPage

# Longest error text kept in an article's state.
_MAX_ERROR = 500


class Finding(enum.Enum):
    """What a check found."""

    CHANGED = "changed"
    """A new version was recorded (the first one, a change, or a published revert)."""
    UNCHANGED = "unchanged"
    """Nothing new (a lifecycle event such as "restored" may still be published)."""
    FLIP = "flip"
    """A return to a version seen before, flipping between versions already published:
    recorded and counted, not published."""
    CANDIDATE = "candidate"
    """A text that differs from the latest version: a candidate change, fetched again after
    ``confirm_delay`` and published only as far as that fetch confirms it."""
    FAILED = "failed"
    """No article: a network or HTTP error, or a page without a trustworthy article."""
    GONE = "gone"
    """The site says the page no longer exists (404, 410)."""
    DUPLICATE = "duplicate"
    """The page is an article tracked under another URL."""
    STALE = "stale"
    """The fetch outlived its lease and a check claimed after it was recorded first, or
    this very check was recorded already (a retry after a dropped connection): nothing is
    written (its text may be older than what is stored)."""
    NOT_HTML = "not html"
    """The URL answers with a document that is not an HTML page: noted, not extracted."""
    REBASELINED = "rebaselined"
    """What reads the page (code, layer or rules) changed since the latest version and reads
    it differently: the text is recorded as a new version without publishing a change."""


class History(Protocol):
    """What :func:`plan_update` may ask about an article's past (loaded only on demand)."""

    def latest(self) -> Version | None:
        """The latest recorded version (None before the first)."""

    def seen(self, digest: str) -> int | None:
        """The number of the first version with this fingerprint (None if never seen)."""

    def flip_published(self, pair: str) -> bool:
        """True if a revert between the two versions of ``pair`` was already published."""

    def candidate(self) -> Article | None:
        """The text of the candidate change awaiting confirmation (None if none is stored)."""

    def owner(self, canonical_id: str) -> str:
        """The id of another live article that answers for this canonical id: the one that
        claimed it, else the article tracked at that very URL ("" if none)."""

    def site_failures(self) -> int:
        """Consecutive failures of the article's site so far, all articles together."""

    def template(self, marks: Collection[str], places: Collection[str]) -> Evidence:
        """What the site's template evidence says of these marks and places (see
        :mod:`crawler.detection.template`)."""


@dataclass(frozen=True)
class Update:
    """What to write after a check, all at once.

    Attributes:
        state: The article's new state.
        finding: What the check found.
        version: The new version to append, if one is recorded.
        event: The change event to publish, if any.
        seen: A fingerprint first seen in this check, to remember (with ``version``).
        candidate: The text of a candidate change to keep until its confirmation (see
            :attr:`Finding.CANDIDATE`); the store forgets it when the state's
            ``candidate`` is cleared.
        flip: A pair of fingerprints whose revert is now published (see :func:`flip_key`).
        canonical: A canonical id this article starts to answer for ("" for none).
        site_ok: The site answered (its consecutive failures start again from 0).
        site_failed: The site failed (network error, 5xx, 429).
        site_backoff_until: Leave the whole site alone until then (None: no back-off).
        extraction_failed: The page held no trustworthy article.
        layer: Which extraction layer read the page ("" when none did).
        fell_back: The source's body rule matched nothing, so another layer read it.
        lesson: What the page teaches about its site's template (None: nothing).
    """

    state: ArticleState
    finding: Finding
    version: Version | None = None
    event: ChangeEvent | None = None
    seen: str = ""
    candidate: Article | None = None
    flip: str = ""
    canonical: str = ""
    site_ok: bool = False
    site_failed: bool = False
    site_backoff_until: float | None = None
    extraction_failed: bool = False
    layer: str = ""
    fell_back: bool = False
    lesson: Lesson | None = None


def flip_key(a: str, b: str) -> str:
    """Names the pair of two fingerprints, in either order."""
    return "|".join(sorted((a, b)))


def location_of(url: str) -> str:
    """The form in which a fetched URL is compared with a tracked one (normalised, without
    tracking parameters); a URL that cannot be normalised is kept as it is."""
    try:
        return normalise_url(url)
    except BadUrlError:
        return url


def plan_update(
    state: ArticleState,
    history: History,
    fetch: Fetch,
    page: ExtractedPage | None,
    error: str,
    policy: RecheckPolicy,
) -> Update:
    """Decides what a check changes.

    Args:
        state: The article's state before the check.
        history: The article's past, loaded on demand.
        fetch: What the fetch produced.
        page: The extracted page, or None when the fetch gave none.
        error: Why there is no page (ignored for a 304 or a 404/410).
        policy: The recheck policy.

    Returns:
        The update to write (nothing, if the fetch is stale). Errors never produce a
        version or an event.
    """
    if fetch.outdated_by(state.last_claim):
        return Update(state, Finding.STALE)
    check = _Check(history, fetch, policy)
    checked = replace(
        state,
        checks=state.checks + 1,
        last_check=fetch.fetched_at,
        last_claim=fetch.claimed_at or state.last_claim,
        worker=fetch.worker,
    )
    if fetch.gone:
        update = _gone(check, checked)
    elif page is None and not fetch.not_modified and not fetch.not_html:
        update = _failed(check, checked, error or "the fetch produced no article")
    else:
        answered = replace(checked, errors=0, last_error="")
        if answered.status is Status.FAILING:
            answered = replace(answered, status=Status.ACTIVE if state.versions else Status.NEW)
        if fetch.not_html:
            update = replace(
                _unchanged(check, replace(answered, not_html=fetch.not_html, page_digest="")),
                finding=Finding.NOT_HTML,
            )
        elif page is None:  # a 304: the page of the latest version, not the candidate
            update = _unchanged(check, answered, unconfirmed=_unconfirmed(state))
        else:
            answered = replace(
                answered, etag=fetch.etag, last_modified=fetch.last_modified, not_html=""
            )
            update = _remember_page(
                replace(
                    _page(check, answered, page),
                    layer=str(page.layer),
                    fell_back=page.fell_back,
                ),
                fetch.page_digest,
            )
    if update.finding is Finding.CANDIDATE:  # its confirmation must read the page whole
        update = replace(
            update,
            state=replace(update.state, etag=state.etag, last_modified=state.last_modified),
        )
    if state.status is Status.UNTRACKED:  # taken out of the URLs file while being checked
        update = replace(update, state=replace(update.state, status=state.status, next_check=None))
    return update


@dataclass(frozen=True)
class _Check:
    """What stays the same through one check: the article's past, the fetch, the policy."""

    history: History
    fetch: Fetch
    policy: RecheckPolicy

    @property
    def now(self) -> float:
        """When the check happened (its answer arrived)."""
        return self.fetch.fetched_at

    def decide(self, state: ArticleState, *, changed: bool) -> Decision:
        """When to check the article next: it changed now, or it is as quiet as it was."""
        last_change = self.now if changed else state.last_change
        return decide(self.policy, self.now, state.interval, last_change, changed=changed)


@dataclass(frozen=True)
class _Told:
    """The lifecycle changes a check found (restored, moved, gone, reverted), each with
    what to say of it, published with the change or alone."""

    kinds: tuple[ChangeKind, ...] = ()
    details: tuple[str, ...] = ()

    def adding(self, kind: ChangeKind, detail: str) -> _Told:
        """This, and ``kind`` with its ``detail``."""
        return _Told((*self.kinds, kind), (*self.details, detail))

    @property
    def detail(self) -> str:
        """What an event says of them."""
        return "; ".join(self.details)


# What a check may find for its page to be remembered as read without doubt.
_SETTLED = frozenset({Finding.CHANGED, Finding.UNCHANGED, Finding.FLIP, Finding.REBASELINED})


def _remember_page(update: Update, digest: str) -> Update:
    """Notes the page's digest when it was read without doubt, so the same page is not read
    again; after a doubtful read (a candidate, failed, a duplicate that may take over) the next
    page is read whatever its bytes."""
    settled = update.finding in _SETTLED and update.state.status is not Status.DUPLICATE
    return replace(update, state=replace(update.state, page_digest=digest if settled else ""))


def _failed(check: _Check, state: ArticleState, error: str) -> Update:
    fetch, policy = check.fetch, check.policy
    errors = state.errors + 1
    status = Status.FAILING if errors >= policy.failing_after else state.status
    extraction = fetch.html is not None
    failed = replace(
        state,
        status=status,
        errors=errors,
        failures=state.failures + 1,
        extraction_failures=state.extraction_failures + int(extraction),
        last_error=error[:_MAX_ERROR],
        next_check=check.now + retry_delay(policy, errors, fetch.retry_after),
        page_digest="",
    )
    backoff = None
    if fetch.transient:
        backoff = site_backoff(policy, check.history.site_failures() + 1, fetch.retry_after)
        if backoff is None and fetch.retry_after is not None:
            backoff = min(fetch.retry_after, policy.max_interval)
    return Update(
        _settle(failed),
        Finding.FAILED,
        site_ok=not fetch.transient,
        site_failed=fetch.transient,
        site_backoff_until=None if backoff is None else check.now + backoff,
        extraction_failed=extraction,
    )


def _gone(check: _Check, state: ArticleState) -> Update:
    status = check.fetch.status
    gone = replace(
        state,
        errors=0,
        last_error=f"HTTP {status}",
        etag="",
        last_modified="",
        candidate="",
        held=0,
        page_digest="",
    )
    event = None
    if state.status is Status.GONE:
        quiet = state.last_change if state.last_change is not None else state.created
        decision = decide(check.policy, check.now, state.interval, quiet, changed=False)
    else:
        decision = check.decide(state, changed=True)
        if state.versions:
            latest = check.history.latest()
            gone = replace(gone, last_change=check.now, events=gone.events + 1)
            told = _Told().adding(ChangeKind.GONE, f"the page answers HTTP {status}")
            event = _event(check, gone, told, latest.article.headline if latest else "")
    gone = replace(
        gone,
        status=Status.GONE,
        interval=decision.interval,
        next_check=decision.next_check,
    )
    return Update(_settle(gone), Finding.GONE, event=event, site_ok=True)


def _unchanged(
    check: _Check,
    state: ArticleState,
    *,
    unconfirmed: bool = False,
    told: _Told = _Told(),
    headline: str = "",
) -> Update:
    """An answer with nothing new in the text; lifecycle changes (``told``) may still be
    published."""
    event = None
    if told.kinds and state.versions:
        state = replace(state, last_change=check.now, events=state.events + 1)
        event = _event(check, state, told, headline)
        decision = check.decide(state, changed=True)
    else:
        decision = check.decide(state, changed=False)
    quiet = replace(
        state,
        interval=decision.interval,
        next_check=decision.next_check,
        candidate="" if unconfirmed or state.awaits_first else state.candidate,
        held=0 if unconfirmed else state.held,
        extraction_failures=state.extraction_failures + int(unconfirmed),
    )
    return Update(
        _settle(quiet),
        Finding.UNCHANGED,
        event=event,
        site_ok=True,
        extraction_failed=unconfirmed,
    )


def _page(check: _Check, state: ArticleState, page: ExtractedPage) -> Update:
    """A page came: this article answers for its canonical URL, unless another does."""
    canonical = article_id(location_of(page.canonical or check.fetch.final_url))
    if canonical == state.canonical:  # it answers for it already
        return _article(check, state, page)
    owner = check.history.owner(canonical)
    if owner:
        decision = check.decide(state, changed=False)
        duplicate = replace(
            state,
            status=Status.DUPLICATE,
            duplicate_of=owner,
            interval=decision.interval,
            next_check=decision.next_check,
        )
        return Update(_settle(duplicate), Finding.DUPLICATE, site_ok=True)
    state = replace(state, duplicate_of="", canonical=canonical)
    if state.status is Status.DUPLICATE:
        state = replace(state, status=Status.ACTIVE if state.versions else Status.NEW)
    return replace(_article(check, state, page), canonical=canonical)


@dataclass(frozen=True)
class _Reading:
    """A page's article read against its site's template and the article's past.

    Attributes:
        article: The article, what the template leaves out left out.
        judged: The verdict on each paragraph of the page's article.
        evidence: The site's template evidence on its blocks (and on those of ``latest``
            and ``stored``).
        latest: The latest version, when the text differs from it (else None).
        stored: The text of the candidate change awaiting confirmation, if any.
    """

    article: Article
    judged: tuple[Verdict, ...]
    evidence: Evidence = NO_EVIDENCE
    latest: Version | None = None
    stored: Article | None = None


def _read(check: _Check, state: ArticleState, flow: Flow) -> _Reading:
    """Reads the article of a page's flow as its site's template and the article's last
    page (:attr:`ArticleState.outline`) say; the same text as the latest version needs no
    evidence."""
    page = flow.article
    judged = verdicts(NO_EVIDENCE, "", flow)
    if fingerprint(article := kept(page, judged)) == state.digest:
        return _Reading(article, tuple(judged))
    tok, history = token(state.id), check.history
    asked = marks_of(page)
    evidence = history.template(asked, flow.places)
    judged = verdicts(evidence, tok, flow, last=state.outline)
    latest = None
    if fingerprint(kept(page, judged)) != state.digest and state.versions:
        latest = history.latest()
    stored = history.candidate() if _unconfirmed(state) and latest is not None else None
    if more := marks_of(latest.article if latest else None, stored) - asked:
        evidence = evidence.adding(history.template(more, ()))
    if latest is not None:  # another item of a rotating block is not a change
        judged = verdicts(evidence, tok, flow, latest.article, state.outline)
    return _Reading(kept(page, judged), tuple(judged), evidence, latest, stored)


def _lifecycle(state: ArticleState, fetch: Fetch) -> tuple[_Told, str]:
    """What the page's coming says of the article's life (back after being gone, moved to
    another URL), and where it now lives ("" at its own URL)."""
    where = location_of(fetch.final_url)
    location = "" if where == state.url else where
    told = _Told()
    if state.status is Status.GONE:
        told = told.adding(ChangeKind.RESTORED, "the page is back")
    if location and location != state.location:
        told = told.adding(ChangeKind.MOVED, f"now at {location}")
    return told, location


def _article(check: _Check, state: ArticleState, page: ExtractedPage) -> Update:
    """The article of a page this article answers for: the same text, a candidate change,
    or a change the fetch confirms."""
    told, location = _lifecycle(state, check.fetch)
    state = replace(state, location=location, site=site_of(location or state.url))
    flow = page.flow
    reading = _read(check, state, flow)
    article, evidence, latest = reading.article, reading.evidence, reading.latest
    shown = Shown(flow.article, flow.places, reading.judged)
    # The page, outlined, when its reading is the latest version's or becomes the new one.
    outlined = replace(state, outline=outline(shown))
    digest = fingerprint(article)
    tok = token(state.id)
    if digest == state.digest:
        update = _unchanged(
            check,
            replace(outlined, status=Status.ACTIVE, extractor=page.extractor),
            unconfirmed=_unconfirmed(state),
            told=told,
            headline=article.headline,
        )
        lesson_of = _unchanged_lesson(check, state, outlined.outline, shown, article)
        return replace(update, lesson=lesson_of)
    taught = lesson(tok, shown)
    read = replace(page, article=article)
    if latest is not None:
        before = kept_before(evidence, tok, latest.article, shown, state.outline)
        if not told.kinds and (anew := _read_anew(check, outlined, read, shown, latest, before)):
            return anew if anew.lesson else replace(anew, lesson=taught)
        latest = replace(latest, article=before)
    if latest is not None and not told.kinds:
        first = article if digest == state.candidate else reading.stored
        if not state.candidate or first is None:  # (the candidate's text is not stored)
            return replace(_candidate(check, state, article), lesson=taught)
        first = kept(first, verdicts(evidence, tok, Flow(first)))
        confirmed = confirm(latest.article, first, article)
        taught = lesson(tok, shown, (first, article), (latest.article, confirmed))
        outlined = replace(state, outline=outline(shown.confirmed(confirmed)))
        settled = fingerprint(confirmed)
        if settled == state.digest:  # what both fetches show is the latest version's text
            return replace(_unchanged(check, state, unconfirmed=True), lesson=taught)
        if settled == fingerprint(latest.article):  # only what the template leaves out
            update = _rebaseline(check, outlined, replace(read, article=confirmed))
            return replace(update, lesson=taught)
        read = replace(read, article=confirmed)
    elif wall_reason(article) and digest != state.candidate:  # a first version, or a move
        return replace(_candidate(check, state, article), lesson=taught)
    if reason := wall_reason(read.article):
        return replace(_failed(check, replace(state, candidate="", held=0), reason), lesson=taught)
    if latest is not None and not told.kinds:
        doubt = doubtful(evidence, tok, latest.article, read.article, shown, state.outline)
        if state.held < doubt.checks:
            return replace(_held(check, state, read.article), lesson=taught)
    update = _record(check, replace(outlined, candidate="", held=0), read, latest, told)
    return replace(update, lesson=taught)


def _first_unconfirmed(state: ArticleState, policy: RecheckPolicy, now: float) -> bool:
    """True for the first version's confirming fetch (see :func:`_record`): the first
    version awaits it, and it comes no later than a regular interval after it was due.
    (Later, a text that differs from the first version's is a change like any other.)"""
    return (
        state.versions == 1
        and state.awaits_first
        and state.last_change is not None
        and now <= state.last_change + policy.confirm_delay + (state.interval or 0.0)
    )


def _unconfirmed(state: ArticleState) -> bool:
    """True when a page that reads as the latest version leaves a candidate change
    unconfirmed (not when it confirms the first version)."""
    return bool(state.candidate) and not state.awaits_first


def _read_anew(
    check: _Check,
    state: ArticleState,
    page: ExtractedPage,
    shown: Shown,
    latest: Version,
    before: Article,
) -> Update | None:
    """A text that differs from the latest version's without a change to publish (None
    for any other): the code, the rules or the site's template read the page anew
    (``before`` is the latest version as they read it now), recorded as a new baseline; or
    the first version's confirming fetch (:func:`_first_confirmed`). ``state`` is the
    article's, with the page outlined."""
    digest = fingerprint(page.article)
    if state.extractor != page.extractor or (
        before != latest.article and fingerprint(before) == digest
    ):
        return _rebaseline(check, state, page)
    if _first_unconfirmed(state, check.policy, check.now):
        return _first_confirmed(check, state, replace(latest, article=before), page, shown)
    return None


def _first_confirmed(
    check: _Check, state: ArticleState, latest: Version, page: ExtractedPage, shown: Shown
) -> Update:
    """The first version's confirming fetch read another text (``page``): what the two
    fetches do not both show is volatile (an item of a rotating slot the first fetch read
    as text), so the first version becomes what both show, recorded as a new baseline and
    never published; the page is outlined with the rest left out, so the next item of a
    slot is known as one."""
    first = latest.article
    settled = confirm_first(first, page.article)
    outlined = replace(state, outline=outline(shown.confirmed(settled)), candidate="")
    taught = lesson(token(state.id), shown, (first, page.article))
    if fingerprint(settled) == state.digest:
        return replace(_unchanged(check, outlined), lesson=taught)
    return replace(_rebaseline(check, outlined, replace(page, article=settled)), lesson=taught)


def _unchanged_lesson(
    check: _Check, state: ArticleState, outlined: str, shown: Shown, article: Article
) -> Lesson | None:
    """What a page that reads as the latest version (``shown``, ``outlined`` as its
    :func:`outline`, ``article`` as it reads) teaches its site: when it confirms no
    candidate change, what differs between the candidate's fetch and this one flickered;
    else, only a page outlined otherwise than the last one teaches anything (the rest the
    site knows already)."""
    tok = token(state.id)
    first = check.history.candidate() if _unconfirmed(state) else None
    if first is not None:
        return lesson(tok, shown, (first, article))
    return lesson(tok, shown) if outlined != state.outline else None


def _candidate(check: _Check, state: ArticleState, article: Article) -> Update:
    """A text that differs from the latest version: fetched again after ``confirm_delay``,
    published only as far as that fetch confirms it."""
    pending = replace(
        state,
        candidate=fingerprint(article),
        held=0,
        next_check=check.now + check.policy.confirm_delay,
    )
    return Update(_settle(pending), Finding.CANDIDATE, site_ok=True, candidate=article)


def _held(check: _Check, state: ArticleState, article: Article) -> Update:
    """A confirmed change its site's evidence doubts
    (:func:`crawler.detection.template.doubtful`): kept as the candidate, and published
    only once as many regular checks as the doubt asks for
    (:attr:`crawler.detection.template.Doubt.checks`) have shown it again."""
    decision = check.decide(state, changed=False)
    held = replace(
        state,
        candidate=fingerprint(article),
        held=state.held + 1,
        interval=decision.interval,
        next_check=check.now + decision.interval,
    )
    return Update(held, Finding.CANDIDATE, site_ok=True, candidate=article)


def _record(
    check: _Check,
    state: ArticleState,
    page: ExtractedPage,
    latest: Version | None,
    told: _Told,
) -> Update:
    """Records a new version (the text of ``page``); publishes it unless it is a flip
    already published. The first version is recorded at once and fetched again after
    ``confirm_delay``: what that fetch does not show is left out of it, as a new baseline
    (:func:`_first_confirmed`)."""
    history = check.history
    article = page.article
    digest = fingerprint(article)
    first = history.seen(digest) if state.versions else None
    version, recorded = _append(check, state, page, first)
    diff: Diff = NO_DIFF
    if latest is not None:
        diff = diff_articles(latest.article, article)
    flip = ""
    if first is not None:
        pair = flip_key(state.digest, digest)
        if history.flip_published(pair) and not told.kinds:
            decision = check.decide(state, changed=False)
            flipped = replace(
                recorded,
                flips=state.flips + 1,
                interval=decision.interval,
                next_check=decision.next_check,
            )
            return Update(_settle(flipped), Finding.FLIP, version, site_ok=True)
        flip = pair
        told = told.adding(ChangeKind.REVERTED, f"back to the text of version {first}")
    decision = check.decide(state, changed=True)
    changed = replace(
        recorded, last_change=check.now, interval=decision.interval, next_check=decision.next_check
    )
    event = None
    if latest is not None:
        changed = replace(changed, events=state.events + 1)
        event = _event(check, changed, told, article.headline, diff)
    if not state.versions:  # the first version: fetched again to confirm it
        confirming = check.now + check.policy.confirm_delay
        changed = replace(changed, candidate=digest, next_check=confirming)
    return Update(
        _settle(changed),
        Finding.CHANGED,
        version,
        event,
        seen="" if first is not None else digest,
        flip=flip,
        site_ok=True,
    )


def _append(
    check: _Check, state: ArticleState, page: ExtractedPage, same_as: int | None
) -> tuple[Version, ArticleState]:
    """The next version of the article (the text of ``page``), and its state with that
    version appended."""
    digest = fingerprint(page.article)
    version = Version(
        number=state.versions,
        recorded_at=check.now,
        digest=digest,
        article=page.article,
        url=check.fetch.final_url,
        extractor=page.extractor,
        same_as=same_as,
    )
    recorded = replace(
        state,
        versions=state.versions + 1,
        digest=digest,
        headline=page.article.headline,
        extractor=page.extractor,
        status=Status.ACTIVE,
    )
    return version, recorded


def _rebaseline(check: _Check, state: ArticleState, page: ExtractedPage) -> Update:
    """Records the text the current extraction code reads (that of ``page``), without
    publishing a change: the page did not change, the code or the rules that read it did."""
    digest = fingerprint(page.article)
    version, recorded = _append(check, state, page, check.history.seen(digest))
    decision = check.decide(state, changed=False)
    rebased = replace(
        recorded,
        candidate="",
        held=0,
        interval=decision.interval,
        next_check=decision.next_check,
    )
    return Update(
        _settle(rebased),
        Finding.REBASELINED,
        version,
        seen=digest if version.same_as is None else "",
        site_ok=True,
    )


def _event(
    check: _Check, state: ArticleState, told: _Told, headline: str, diff: Diff = NO_DIFF
) -> ChangeEvent:
    """The event for ``state`` as it is after the check (its counters already advanced:
    the event is number ``state.events``, about version ``state.versions - 1``): the
    lifecycle changes ``told``, then those of the text's ``diff``."""
    return ChangeEvent(
        article_id=state.id,
        url=state.url,
        source=state.source,
        version=max(state.versions - 1, 0),
        detected_at=check.now,
        headline=headline,
        diff=diff,
        kinds=tuple(str(kind) for kind in (*told.kinds, *diff.kinds)),
        sequence=state.events,
        detail=told.detail,
    )


def _settle(state: ArticleState) -> ArticleState:
    """An article with no next check is stable, unless it is gone (it stays gone)."""
    if state.next_check is None and state.status is not Status.GONE:
        return replace(state, status=Status.STABLE)
    return state
