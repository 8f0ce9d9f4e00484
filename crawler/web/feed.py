"""Atom rendering of change events (feedgen): pure functions from events to bytes.

Every piece of text that came from a fetched page is HTML-escaped before it is placed in
an entry's HTML content, and feedgen escapes that HTML again as Atom ``type="html"`` text,
so nothing a page contains can become markup in a reader.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

import lxml.etree
from feedgen.feed import FeedGenerator

from crawler.domain.diff import ADDED, DELETE, EDITED, INSERT, MOVED, REMOVED, ChangeKind, Segment
from crawler.store.health import CHANNEL_MARK

if TYPE_CHECKING:
    from collections.abc import Sequence

    from crawler.domain.models import ChangeEvent
    from crawler.store.articles import StoredEvent
    from crawler.store.health import HealthEntry

# The tagging entity of entry ids (RFC 4151): ids never change for a version.
TAG_AUTHORITY = "redline.invalid,2026"
GENERATOR = "redline"


def entry_id(event: ChangeEvent) -> str:
    """The permanent Atom id of the entry for one change event of one article."""
    return f"tag:{TAG_AUTHORITY}:article/{event.article_id}/event/{event.sequence}"


# How each lifecycle kind of change is told, before the text's own changes.
_LIFECYCLE = {
    ChangeKind.GONE: "article gone",
    ChangeKind.RESTORED: "article restored",
    ChangeKind.MOVED: "article moved",
    ChangeKind.REVERTED: "reverted to an earlier version",
    ChangeKind.CORRECTION: "correction appended",
}


def what_changed(event: ChangeEvent) -> str:
    """What changed, in the words every view uses (feed titles and summaries, the web
    view, ``redline show``): "Headline changed, 3 paragraphs edited, 1 paragraph added",
    "Article gone", "Correction appended, 1 paragraph added"."""
    told = [label for kind, label in _LIFECYCLE.items() if kind in event.kinds]
    diff = event.diff
    if diff.headline:
        told.append("headline changed")
    if diff.byline:
        told.append("byline changed")
    counts = Counter(change.kind for change in diff.paragraphs)
    told.extend(
        f"{counts[kind]} paragraph{'s' if counts[kind] != 1 else ''} {verb}"
        for kind, verb in (
            (EDITED, "edited"),
            (ADDED, "added"),
            (REMOVED, "removed"),
            (MOVED, "moved"),
        )
        if counts[kind]
    )
    what = ", ".join(told) or "changed"
    return f"{what[0].upper()}{what[1:]}"


def summary(event: ChangeEvent) -> str:
    """One line saying what happened (:func:`what_changed`), where the article now is if
    it moved, and how many words were added and removed: "Headline changed, 1 paragraph
    edited; 4 words added, 2 removed"."""
    parts = [what_changed(event)]
    if event.detail:
        parts.append(event.detail)
    if not event.diff.empty:
        parts.append(f"{_words(event.diff.words_added)} added, {event.diff.words_removed} removed")
    return "; ".join(parts)


def _words(count: int) -> str:
    return f"{count} word{'s' if count != 1 else ''}"


def diff_parts(event: ChangeEvent) -> list[tuple[str, Sequence[Segment]]]:
    """The parts of the event's diff, each labelled as every view labels it ("Headline",
    "Byline", "Edited (paragraph 3)", "Added (paragraph 5)"), with its text runs."""
    diff = event.diff
    parts: list[tuple[str, Sequence[Segment]]] = []
    if diff.headline:
        parts.append(("Headline", diff.headline))
    if diff.byline:
        parts.append(("Byline", diff.byline))
    for change in diff.paragraphs:
        label = {ADDED: "Added", REMOVED: "Removed", MOVED: "Moved"}.get(change.kind, "Edited")
        number = change.new_index if change.new_index is not None else change.old_index
        position = f" (paragraph {number + 1})" if number is not None else ""
        parts.append((f"{label}{position}", change.segments))
    return parts


def diff_html(event: ChangeEvent, parts: Sequence[tuple[str, Sequence[Segment]]] = ()) -> str:
    """The event as an HTML fragment: its summary, then the diff (``parts``, by default all
    of :func:`diff_parts`) with removed text in ``<del>`` and added text in ``<ins>``."""
    html = [f"<p><em>{escape(summary(event))}</em></p>"]
    for label, segments in parts or diff_parts(event):
        html.append(f"<p><strong>{escape(label)}:</strong> {segments_html(segments)}</p>")
    return "\n".join(html)


def segments_html(segments: Sequence[Segment]) -> str:
    """Text runs as HTML: inserted text in ``<ins>``, deleted in ``<del>``, all escaped."""
    out = []
    for segment in segments:
        text = escape(segment.text)
        if segment.op == INSERT:
            out.append(f"<ins>{text}</ins>")
        elif segment.op == DELETE:
            out.append(f"<del>{text}</del>")
        else:
            out.append(text)
    return "".join(out)


def entry_title(event: ChangeEvent) -> str:
    """What changed (:func:`what_changed`), then the headline: "Headline changed: …",
    "Article gone: …"."""
    return f"{what_changed(event)}: {event.headline or event.url}"


def diff_page(base_url: str, event: ChangeEvent) -> str:
    """The URL of redline's page showing the change an event reports."""
    return f"{base_url}/articles/{quote(event.article_id)}?to={event.version}"


def web_link(url: str) -> str:
    """``url`` if it is an ``http`` or ``https`` address that may be linked to, else ""
    (a ``javascript:`` or ``data:`` address from a page is never a link)."""
    return url if urlsplit(url).scheme.lower() in ("http", "https") else ""


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot hold (NUL, most control characters,
    lone surrogates), which a broken page may carry."""
    return _NOT_XML.sub("", text)


_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class FeedPage:
    """One page of a feed: what it is, and where it and its neighbours are (RFC 5005).

    Attributes:
        feed_id: What the feed holds, for its permanent id ("all", "source/NAME",
            "article/ID", each optionally followed by "/kind/KIND").
        title: The feed's title.
        self_url: This page's URL.
        first_url: The URL of the feed's first page (the newest entries).
        next_url: The URL of the page of older entries ("" when there are none).
        site_url: The web page showing the same changes (``rel="alternate"``).
        base_url: The root of redline's web view, for links to diff pages.
    """

    feed_id: str
    title: str
    self_url: str
    first_url: str
    next_url: str
    site_url: str
    base_url: str


def _utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def render_feed(events: Sequence[StoredEvent], page: FeedPage, *, now: float) -> bytes:
    """Renders change events, newest first, as an Atom 1.0 document.

    Every text from a fetched page is stripped of characters XML cannot hold, and only
    ``http``/``https`` addresses become links.

    Args:
        events: The events of this page, newest first.
        page: Which page of which feed this is.
        now: Epoch seconds, used as the feed's ``updated`` when it has no entries.
    """
    feed = FeedGenerator()
    feed.id(f"tag:{TAG_AUTHORITY}:feed/{page.feed_id}")
    feed.title(xml_text(page.title))
    feed.author({"name": GENERATOR})
    feed.link(href=page.self_url, rel="self", type="application/atom+xml")
    feed.link(href=page.first_url, rel="first", type="application/atom+xml")
    if page.next_url:
        feed.link(href=page.next_url, rel="next", type="application/atom+xml")
    feed.link(href=page.site_url, rel="alternate", type="text/html")
    feed.generator(GENERATOR)
    feed.updated(_utc(events[0].event.detected_at if events else now))
    for stored in events:
        event = stored.event
        entry = feed.add_entry(order="append")
        entry.id(entry_id(event))
        entry.title(xml_text(entry_title(event)))
        entry.updated(_utc(event.detected_at))
        entry.published(_utc(event.detected_at))
        source = xml_text(event.source)
        entry.author({"name": source})
        entry.category(term=source, label=f"source: {source}")
        for kind in event.kinds:
            entry.category(term=kind, label=f"change: {kind}")
        entry.summary(xml_text(summary(event)))
        entry.content(xml_text(diff_html(event)), type="html")
    return _with_entry_links(bytes(feed.atom_str(pretty=False)), events, page.base_url)


def render_health_feed(entries: Sequence[HealthEntry], base_url: str, *, now: float) -> bytes:
    """Renders changes of the sources' health, newest first, as an Atom 1.0 document: an
    entry when a source starts failing (or fails differently), and one when it recovers.

    Args:
        entries: The health log's entries, newest first.
        base_url: The root of redline's web view (each entry links to its source's page).
        now: Epoch seconds, used as the feed's ``updated`` when it has no entries.
    """
    feed = FeedGenerator()
    feed.id(f"tag:{TAG_AUTHORITY}:feed/health")
    feed.title("redline: source health")
    feed.author({"name": GENERATOR})
    feed.link(href=f"{base_url}/health.atom", rel="self", type="application/atom+xml")
    feed.link(href=f"{base_url}/", rel="alternate", type="text/html")
    feed.generator(GENERATOR)
    feed.updated(_utc(entries[0].at if entries else now))
    for health in entries:
        source = xml_text(health.source)
        channel = health.source.startswith(CHANNEL_MARK)
        said = (
            (f"notifications to {source.removeprefix(CHANNEL_MARK)}", "are failing", "recovered")
            if channel
            else (source, "is failing", "has recovered")
        )
        entry = feed.add_entry(order="append")
        entry.id(f"tag:{TAG_AUTHORITY}:health/{health.entry_id}")
        entry.title(f"{said[0]} {said[1] if health.problems else said[2]}")
        entry.updated(_utc(health.at))
        entry.published(_utc(health.at))
        entry.author({"name": source})
        entry.category(term=source, label=f"{'channel' if channel else 'source'}: {source}")
        page = "/" if channel else f"/sources/{quote(health.source, safe='')}"
        entry.link(href=f"{base_url}{page}")
        text = "; ".join(health.problems) or "Its discovery and extraction work again."
        entry.summary(xml_text(text))
        items = "".join(f"<li>{escape(xml_text(p))}</li>" for p in health.problems)
        entry.content(f"<ul>{items}</ul>" if items else escape(text), type="html")
    return bytes(feed.atom_str(pretty=True))


def _with_entry_links(xml: bytes, events: Sequence[StoredEvent], base_url: str) -> bytes:
    """Adds each entry's links: to the article (``alternate``) and to redline's diff page
    (``related``).

    feedgen (1.0) writes an entry's links without their ``rel`` and ``type``, which would
    make both ``alternate`` links of one type (RFC 4287 forbids it); so they are added here.
    """
    root = lxml.etree.fromstring(xml)
    for element, stored in zip(root.iterfind(f"{_ATOM}entry"), events, strict=True):
        links = [(diff_page(base_url, stored.event), "related")]
        if link := web_link(stored.event.url):
            links.insert(0, (link, "alternate"))
        for href, rel in links:
            lxml.etree.SubElement(element, f"{_ATOM}link", href=href, rel=rel, type="text/html")
    lxml.etree.indent(root, space="  ")
    return bytes(lxml.etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


_ATOM = "{http://www.w3.org/2005/Atom}"
