"""An article's history kept in memory, checked by the code path of every check: for the
benchmarks that replay checks of generated or varied pages without a crawl."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from crawler.detection.check import plan_update
from crawler.domain.identity import article_id
from crawler.domain.models import Article, ArticleState, Fetch, Version
from crawler.domain.policy import RecheckPolicy
from crawler.extraction.extract import ExtractedPage, ExtractionError, extract_page
from crawler.store.sitetemplate import SiteTemplates

if TYPE_CHECKING:
    from collections.abc import Collection

    from crawler.detection.check import Update
    from crawler.detection.template import Evidence


@dataclass
class Watched:
    """One article's history, kept in memory as the store keeps it in Redis (see
    :class:`crawler.detection.check.History`); its site's template evidence in Redis.

    Attributes:
        url: The article's URL (its site is the site whose evidence it reads and teaches).
        templates: Where the sites' template evidence is.
        policy: The recheck policy its checks follow.
        state: Its state after the latest check.
        versions: Its recorded versions, oldest first.
        digests: The version each fingerprint was first seen in.
        pending: The candidate change waiting to be confirmed (None).
        events: How many change events its checks published.
    """

    url: str
    templates: SiteTemplates
    policy: RecheckPolicy
    state: ArticleState = field(init=False)
    versions: list[Version] = field(default_factory=list)
    digests: dict[str, int] = field(default_factory=dict)
    pending: Article | None = None
    events: int = 0

    def __post_init__(self) -> None:
        self.state = ArticleState(article_id(self.url), self.url, "bench")

    def latest(self) -> Version | None:
        return self.versions[-1] if self.versions else None

    def seen(self, digest: str) -> int | None:
        return self.digests.get(digest)

    def flip_published(self, pair: str) -> bool:
        return False

    def owner(self, canonical_id: str) -> str:
        return ""

    def site_failures(self) -> int:
        return 0

    def candidate(self) -> Article | None:
        return self.pending

    def template(self, marks: Collection[str], places: Collection[str]) -> Evidence:
        return self.templates.evidence(self.state.site, marks, places)

    def check(self, now: float, html: str) -> Update:
        """Records one check at ``now`` that fetched ``html`` (a page with no article is a
        failed check, as a worker records it)."""
        try:
            page: ExtractedPage | None = extract_page(html, self.url)
            error = ""
        except ExtractionError as exc:
            page, error = None, str(exc)
        fetch = Fetch(
            article_id=self.state.id,
            url=self.url,
            final_url=self.url,
            fetched_at=now,
            status=200,
            html=html,
        )
        update = plan_update(self.state, self, fetch, page, error, self.policy)
        self.state = update.state
        if update.version is not None:
            self.versions.append(update.version)
        if update.seen:
            self.digests.setdefault(update.seen, len(self.versions) - 1)
        if update.candidate is not None:
            self.pending = update.candidate
        elif not update.state.candidate:
            self.pending = None
        if update.lesson is not None:
            pipe = self.templates.redis.pipeline()
            self.templates.learn(self.state.site, update.lesson, pipe)
            pipe.execute()
        self.events += update.event is not None
        return update
