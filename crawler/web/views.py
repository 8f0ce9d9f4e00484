"""What the web view shows, read from the store: plain records for HTML pages and JSON.

Each ``*_view`` function reads what one page needs with a bounded number of Redis round
trips (never a scan of all events), and returns frozen dataclasses that
:mod:`crawler.web.pages` renders as HTML and :func:`crawler.domain.codec.to_json` as JSON. Times are
epoch seconds, with the same times in words (:mod:`crawler.domain.wording`) beside them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from crawler.detection.quality import article_words
from crawler.domain.models import Archived
from crawler.domain.wording import FIRST_SEEN, ago, describe, later
from crawler.store.sitetemplate import TemplateSummary
from crawler.web.feed import entry_title, summary, web_link
from crawler.web.sidebyside import SideBySide, side_by_side

if TYPE_CHECKING:
    from collections.abc import Mapping

    from crawler.domain.models import ArticleState, Version
    from crawler.store.articles import ArticleStore, StoredEvent
    from crawler.store.stores import Stores

# How many articles a source page lists, most recently changed first.
SOURCE_PAGE_ARTICLES = 500
# At most this many of a source's sites have what was learned of their template shown.
SOURCE_PAGE_SITES = 10


class ViewError(ValueError):
    """A request names something that does not exist or asks for it wrongly."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Change:
    """One change event, as the index page, an article's history and ``redline show`` list
    it (``link`` is its article's URL when it may be linked to, else ""; ``sequence`` is
    which change of its article it is, from 1)."""

    event_id: str
    sequence: int
    article_id: str
    url: str
    link: str
    source: str
    headline: str
    title: str
    kinds: tuple[str, ...]
    summary: str
    version: int
    detected_at: float
    ago: str


@dataclass(frozen=True)
class SourceCount:
    """A source with how many articles it has and how many changes they had."""

    name: str
    articles: int
    changes: int


@dataclass(frozen=True)
class IndexView:
    """The index page: recent changes, newest first, and the sources."""

    changes: tuple[Change, ...]
    sources: tuple[SourceCount, ...]


@dataclass(frozen=True)
class ArticleSummary:
    """One article as a source page lists it."""

    id: str
    url: str
    headline: str
    status: str
    state: str
    versions: int
    changes: int
    last_change: float | None


@dataclass(frozen=True)
class EndpointSummary:
    """One discovery endpoint as its source's page lists it."""

    url: str
    kind: str
    status: str
    listed: int
    found: int
    last_read: str
    last_error: str


@dataclass(frozen=True)
class SourceView:
    """A source page: its articles, most recently changed first (at most
    :data:`SOURCE_PAGE_ARTICLES`), and how many it has in all; how many are in each status,
    its discovery endpoints, what is wrong with it if it is reported failing, and what was
    learned of the template of each site its articles are on."""

    name: str
    total: int
    articles: tuple[ArticleSummary, ...]
    statuses: dict[str, int]
    endpoints: tuple[EndpointSummary, ...] = ()
    problems: tuple[str, ...] = ()
    templates: tuple[tuple[str, TemplateSummary], ...] = ()


@dataclass(frozen=True)
class VersionSummary:
    """One version of an article, as its page and ``redline show`` list it.

    Attributes:
        later: How long after the first version it was recorded ("first seen" for it).
        reread: True when it was recorded because the extraction code or rules changed,
            not because the article was edited.
        archived: Where the response that recorded it is kept (None: not archived).
    """

    number: int
    recorded_at: float
    later: str
    headline: str
    words: int
    same_as: int | None
    reread: bool
    archived: Archived | None = None


@dataclass(frozen=True)
class Comparison:
    """Two versions side by side (``old`` and ``new`` are version numbers; ``event_id`` is
    the change event that published ``new``, "" when none did)."""

    old: int
    new: int
    sides: SideBySide
    event_id: str = ""


@dataclass(frozen=True)
class ArticleView:
    """An article's page: where it comes from, its state, versions and one comparison.

    Attributes:
        link: The original's URL when it may be linked to ("" if not http or https).
        headlines: The versions whose headline differs from the one before, with it.
        compare: The two versions compared (None before there are two versions).
    """

    id: str
    url: str
    link: str
    source: str
    first_seen: float
    status: str
    state: str
    changes: int
    versions: tuple[VersionSummary, ...]
    headlines: tuple[VersionSummary, ...]
    compare: Comparison | None


def index_view(store: ArticleStore, count: int, now: float) -> IndexView:
    """The ``count`` most recent changes and every source with its counts."""
    names = store.source_names()
    counts = store.source_counts(names)
    return IndexView(
        changes=tuple(change_of(stored, now) for stored in store.recent_events(count)),
        sources=tuple(SourceCount(name, *counts[name]) for name in names),
    )


def change_of(stored: StoredEvent, now: float) -> Change:
    """The listing of one stored event."""
    event = stored.event
    return Change(
        event_id=stored.event_id,
        sequence=event.sequence,
        article_id=event.article_id,
        url=event.url,
        link=web_link(event.url),
        source=event.source,
        headline=event.headline,
        title=entry_title(event),
        kinds=tuple(event.kinds),
        summary=summary(event),
        version=event.version,
        detected_at=event.detected_at,
        ago=ago(event.detected_at, now),
    )


def source_view(stores: Stores, name: str, now: float) -> SourceView:
    """One source's articles.

    Raises:
        ViewError: No article ever belonged to the source (404).
    """
    store = stores.articles
    ids = store.source_article_ids(name)
    endpoints = [e for e in stores.endpoints.all() if e.source == name]
    if not ids and not endpoints:
        raise ViewError(404, f"no source named {name!r}")
    states = sorted(store.articles(ids), key=lambda s: (-(s.last_change or 0), s.url))
    return SourceView(
        name=name,
        total=len(ids),
        articles=tuple(_summary_of(s, now) for s in states[:SOURCE_PAGE_ARTICLES]),
        statuses={k.value: n for k, n in store.source_statuses(name).items() if n},
        endpoints=tuple(
            EndpointSummary(
                url=e.url,
                kind=e.kind,
                status=e.status.value,
                listed=e.listed,
                found=e.found,
                last_read=ago(e.last_success, now),
                last_error=e.last_error,
            )
            for e in endpoints
        ),
        problems=stores.health.current().get(name, ()),
        templates=tuple(
            (site, store.templates.summary(site))
            for site in sorted({s.site for s in states if s.site})[:SOURCE_PAGE_SITES]
        ),
    )


def _summary_of(state: ArticleState, now: float) -> ArticleSummary:
    return ArticleSummary(
        id=state.id,
        url=state.url,
        headline=state.headline,
        status=state.status.value,
        state=describe(state, now),
        versions=state.versions,
        changes=state.events,
        last_change=state.last_change,
    )


def article_view(
    stores: Stores, article_id: str, now: float, old: str = "", new: str = ""
) -> ArticleView:
    """One article's page, comparing versions ``old`` and ``new`` (numbers as text; by
    default the latest version and the one before it).

    Raises:
        ViewError: The article does not exist (404), or a version number is not one of
            its versions (400).
    """
    store = stores.articles
    state = store.load(article_id)
    if state is None:
        raise ViewError(404, f"no article with id {article_id!r}")
    versions = store.versions(article_id)
    listed = versions_of(versions, stores.archive.of(article_id))
    return ArticleView(
        id=state.id,
        url=state.url,
        link=web_link(state.url),
        source=state.source,
        first_seen=state.created,
        status=state.status.value,
        state=describe(state, now),
        changes=state.events,
        versions=listed,
        headlines=tuple(
            v for v in listed if v.number == 0 or v.headline != listed[v.number - 1].headline
        ),
        compare=_comparison(versions, old, new, store.timeline(article_id)),
    )


def versions_of(
    versions: list[Version], archived: Mapping[int, Archived] | None = None
) -> tuple[VersionSummary, ...]:
    """The listing of each of an article's versions (all of them, oldest first), with where
    each is ``archived``."""
    return tuple(_version_of(v, versions, (archived or {}).get(v.number)) for v in versions)


def _version_of(
    version: Version, versions: list[Version], archived: Archived | None
) -> VersionSummary:
    previous = versions[version.number - 1] if version.number else None
    return VersionSummary(
        number=version.number,
        recorded_at=version.recorded_at,
        later=later(version.recorded_at, versions[0].recorded_at) if version.number else FIRST_SEEN,
        headline=version.article.headline,
        words=article_words(version.article),
        same_as=version.same_as,
        reread=previous is not None and previous.extractor != version.extractor,
        archived=archived,
    )


def _comparison(
    versions: list[Version], old: str, new: str, events: list[StoredEvent]
) -> Comparison | None:
    if not versions:
        if old or new:
            raise ViewError(400, "the article has no versions yet")
        return None
    last = len(versions) - 1
    to = _number(new, "to", last) if new else last
    since = _number(old, "from", last) if old else max(0, to - 1)
    if since == to and not old:
        return None  # one version: nothing to compare
    published = next((e.event_id for e in events if e.event.version == to), "")
    sides = side_by_side(versions[since].article, versions[to].article)
    return Comparison(since, to, sides, published)


def _number(text: str, name: str, last: int) -> int:
    if not text.isdigit() or int(text) > last:
        raise ViewError(400, f"{name}={text!r}: versions are numbered 0 to {last}")
    return int(text)
