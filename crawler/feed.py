"""Atom rendering of change events (feedgen): pure functions from events to bytes.

Every piece of text that came from a fetched page is HTML-escaped before it is placed in
an entry's HTML content, and feedgen escapes that HTML again as Atom ``type="html"`` text,
so nothing a page contains can become markup in a reader.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from typing import TYPE_CHECKING

from feedgen.feed import FeedGenerator

from crawler.diff import ADDED, DELETE, INSERT, REMOVED, Diff, Segment

if TYPE_CHECKING:
    from collections.abc import Sequence

    from crawler.models import ChangeEvent
    from crawler.store import StoredEvent

# The tagging entity of entry ids (RFC 4151): ids never change for a version.
TAG_AUTHORITY = "redline.invalid,2026"
GENERATOR = "redline"


def entry_id(event: ChangeEvent) -> str:
    """The permanent Atom id of the entry for one version of one article."""
    return f"tag:{TAG_AUTHORITY}:article/{event.article_id}/version/{event.version}"


def summary(diff: Diff) -> str:
    """One line saying how much changed: words added and removed, paragraphs touched."""
    parts = []
    if diff.headline:
        parts.append("headline changed")
    if diff.byline:
        parts.append("byline changed")
    if diff.paragraphs:
        count = len(diff.paragraphs)
        parts.append(f"{count} paragraph{'s' if count != 1 else ''} changed")
    parts.append(f"{diff.words_added} words added, {diff.words_removed} removed")
    return "; ".join(parts)


def diff_html(diff: Diff) -> str:
    """The diff as an HTML fragment: removed text in ``<del>``, added text in ``<ins>``."""
    html = [f"<p><em>{escape(summary(diff))}</em></p>"]
    if diff.headline:
        html.append(f"<p><strong>Headline:</strong> {_segments(diff.headline)}</p>")
    if diff.byline:
        html.append(f"<p><strong>Byline:</strong> {_segments(diff.byline)}</p>")
    for change in diff.paragraphs:
        label = {ADDED: "Added", REMOVED: "Removed"}.get(change.kind, "Edited")
        number = change.new_index if change.new_index is not None else change.old_index
        position = f" (paragraph {number + 1})" if number is not None else ""
        html.append(f"<p><strong>{label}{position}:</strong> {_segments(change.segments)}</p>")
    return "\n".join(html)


def _segments(segments: Sequence[Segment]) -> str:
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


def _utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def render_feed(
    events: Sequence[StoredEvent], *, title: str, feed_url: str, site_url: str, now: float
) -> bytes:
    """Renders change events, newest first, as an Atom 1.0 document.

    Args:
        events: The events, newest first.
        title: The feed's title.
        feed_url: The feed's own URL (``rel="self"``).
        site_url: The web view's URL (``rel="alternate"``).
        now: Epoch seconds, used as the feed's ``updated`` when it has no entries.
    """
    feed = FeedGenerator()
    feed.id(f"tag:{TAG_AUTHORITY}:feed/all")
    feed.title(title)
    feed.author({"name": GENERATOR})
    feed.link(href=feed_url, rel="self", type="application/atom+xml")
    feed.link(href=site_url, rel="alternate", type="text/html")
    feed.generator(GENERATOR)
    feed.updated(_utc(events[0].event.detected_at if events else now))
    for stored in events:
        event = stored.event
        entry = feed.add_entry(order="append")
        entry.id(entry_id(event))
        entry.title(event.headline or event.url)
        entry.link(href=event.url, rel="alternate", type="text/html")
        entry.updated(_utc(event.detected_at))
        entry.published(_utc(event.detected_at))
        entry.author({"name": event.source})
        entry.category(term=event.source, label=f"source: {event.source}")
        for kind in event.diff.kinds:
            entry.category(term=kind, label=f"{kind} changed")
        entry.summary(summary(event.diff))
        entry.content(diff_html(event.diff), type="html")
    return bytes(feed.atom_str(pretty=True))
