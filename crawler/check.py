"""What one check means for an article: a pure function from (state, fetch) to an update.

The pipeline extracts the article, then asks :func:`plan_update` what to write; the store
writes it atomically. Keeping the decision pure keeps every rule (what is a change, what is
an error, when to check next) testable without Redis or a reactor.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from crawler.diff import diff_articles
from crawler.extract import EXTRACTOR_VERSION
from crawler.hashing import fingerprint
from crawler.models import Article, ArticleState, ChangeEvent, Fetch, Status, Version
from scheduler.policy import Outcome, RecheckPolicy, decide

if TYPE_CHECKING:
    from collections.abc import Callable

# Longest error text kept in an article's state.
_MAX_ERROR = 500


@dataclass(frozen=True)
class Update:
    """What to write after a check, all at once.

    Attributes:
        state: The article's new state.
        outcome: What the check found.
        version: The new version to append, if the article changed (or was first seen).
        event: The change event to publish, if it changed from an earlier version.
    """

    state: ArticleState
    outcome: Outcome
    version: Version | None = None
    event: ChangeEvent | None = None


def plan_update(
    state: ArticleState,
    latest: Callable[[], Version | None],
    fetch: Fetch,
    article: Article | None,
    error: str,
    policy: RecheckPolicy,
) -> Update:
    """Decides what a check changes.

    Args:
        state: The article's state before the check.
        latest: Loads the article's latest version (called only when it is needed).
        fetch: What the fetch produced.
        article: The extracted article, or None when the fetch gave none.
        error: Why there is no article (ignored for a 304 answer, which means unchanged).
        policy: The recheck policy.

    Returns:
        The update to write. Errors never produce a version or an event.
    """
    now = fetch.fetched_at
    base = replace(
        state,
        checks=state.checks + 1,
        last_check=now,
        location=fetch.final_url if fetch.final_url != state.url else "",
    )
    if article is None and not fetch.not_modified:
        error = error or "the fetch produced no article"
        decision = decide(policy, Outcome.FAILED, now, state.interval, state.last_change)
        failed = replace(
            base,
            errors=state.errors + 1,
            last_error=error[:_MAX_ERROR],
            interval=decision.interval,
            next_check=decision.next_check,
            location=state.location,
        )
        return Update(_settle(failed, decision.next_check), Outcome.FAILED)

    base = replace(base, errors=0, last_error="")
    if fetch.etag or fetch.last_modified or article is not None:
        base = replace(base, etag=fetch.etag, last_modified=fetch.last_modified)
    if article is None or (digest := fingerprint(article)) == state.digest:
        decision = decide(policy, Outcome.UNCHANGED, now, state.interval, state.last_change)
        quiet = replace(base, interval=decision.interval, next_check=decision.next_check)
        return Update(_settle(quiet, decision.next_check), Outcome.UNCHANGED)

    version = Version(
        number=state.versions,
        recorded_at=now,
        digest=digest,
        article=article,
        url=fetch.final_url,
        extractor=EXTRACTOR_VERSION,
    )
    decision = decide(policy, Outcome.CHANGED, now, state.interval, now)
    changed = replace(
        base,
        versions=state.versions + 1,
        digest=digest,
        last_change=now,
        interval=decision.interval,
        next_check=decision.next_check,
    )
    event = None
    previous = latest() if state.versions else None
    if previous is not None:
        event = ChangeEvent(
            article_id=state.id,
            url=state.url,
            source=state.source,
            version=version.number,
            detected_at=now,
            headline=article.headline,
            diff=diff_articles(previous.article, article),
        )
    return Update(_settle(changed, decision.next_check), Outcome.CHANGED, version, event)


def _settle(state: ArticleState, next_check: float | None) -> ArticleState:
    """Sets the status that follows a completed check."""
    if state.status is Status.REMOVED:
        return replace(state, next_check=None)
    if next_check is None:
        return replace(state, status=Status.STABLE)
    if state.versions:
        return replace(state, status=Status.ACTIVE)
    return state
