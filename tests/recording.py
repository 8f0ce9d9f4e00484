"""Recording articles' versions straight through the store, as a worker's check does, and
checking Atom documents against RFC 4287."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import lxml.etree

from crawler.detection.check import plan_update
from crawler.domain.identity import article_id
from crawler.domain.models import Article, Fetch
from crawler.domain.policy import RecheckPolicy
from crawler.extraction.extract import ExtractedPage
from crawler.store.articles import TrackTarget

if TYPE_CHECKING:
    from crawler.store.articles import ArticleStore

ATOM = "{http://www.w3.org/2005/Atom}"
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
_IRI = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:\S+")


def track(store: ArticleStore, *urls: str, source: str = "example") -> list[str]:
    """Tracks the URLs (adding to those tracked) and completes the feeds' index streams,
    as the clock's tick does; returns their ids."""
    targets = [TrackTarget(article_id(u), u, source) for u in urls]
    current = [
        TrackTarget(s.id, s.url, s.source) for s in store.articles(sorted(store.tracked_ids()))
    ]
    store.sync_tracked(current + targets, 0.0)
    store.index_events()
    return [t.article_id for t in targets]


def record(store: ArticleStore, url: str, now: float, headline: str, *paragraphs: str) -> None:
    """Records one check of ``url`` at ``now`` that read this article, and when it read a
    change or recorded the first version, the check that confirms it (at the same time, for
    simple timelines)."""
    page = ExtractedPage(Article(headline, "", paragraphs), "")
    fetch = Fetch(article_id=article_id(url), url=url, final_url=url, fetched_at=now, status=200)
    for _ in range(2):
        update = store.record(
            article_id(url),
            lambda s, history: plan_update(s, history, fetch, page, "", RecheckPolicy()),
        )
        if update is None or not update.state.candidate:
            return


def atom_problems(xml: bytes) -> list[str]:
    """What in an Atom document breaks RFC 4287's rules ([] when none).

    The document is parsed strictly (no recovery from malformed XML). Checked: the root is
    ``atom:feed``; the feed and each entry have exactly one ``id`` (an IRI), ``title`` and
    ``updated`` (RFC 3339); the feed or else every entry has an ``author``; each entry has
    ``content`` or an alternate link; no two alternate links share type and hreflang; every
    link has an ``href``; ``published`` is RFC 3339.
    """
    root = lxml.etree.fromstring(xml, lxml.etree.XMLParser(recover=False))
    problems = []
    if root.tag != f"{ATOM}feed":
        return [f"root is {root.tag}, not atom:feed"]
    feed_author = root.find(f"{ATOM}author") is not None
    for where, element in [("feed", root)] + [
        (f"entry {i}", e) for i, e in enumerate(root.iterfind(f"{ATOM}entry"))
    ]:
        for name in ("id", "title", "updated"):
            found = element.findall(f"{ATOM}{name}")
            if len(found) != 1:
                problems.append(f"{where}: {len(found)} atom:{name}")
        if not _IRI.fullmatch(element.findtext(f"{ATOM}id") or ""):
            problems.append(f"{where}: id is not an IRI")
        for name in ("updated", "published"):
            for stamp in element.findall(f"{ATOM}{name}"):
                if not _RFC3339.fullmatch(stamp.text or ""):
                    problems.append(f"{where}: {name} {stamp.text!r} is not RFC 3339")
        links = element.findall(f"{ATOM}link")
        if any(not link.get("href") for link in links):
            problems.append(f"{where}: a link without href")
        alternates = [
            (link.get("type"), link.get("hreflang"))
            for link in links
            if link.get("rel", "alternate") == "alternate"
        ]
        if len(alternates) != len(set(alternates)):
            problems.append(f"{where}: two alternate links of one type and language")
        if where != "feed":
            if element.find(f"{ATOM}content") is None and not alternates:
                problems.append(f"{where}: neither content nor an alternate link")
            if not feed_author and element.find(f"{ATOM}author") is None:
                problems.append(f"{where}: no author, and the feed has none")
    return problems
