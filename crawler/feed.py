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

from crawler.diff import ADDED, DELETE, INSERT, REMOVED, ChangeKind, Diff, Segment

if TYPE_CHECKING:
    from collections.abc import Sequence

    from crawler.models import ChangeEvent
    from crawler.store import StoredEvent

# The tagging entity of entry ids (RFC 4151): ids never change for a version.
TAG_AUTHORITY = "redline.invalid,2026"
GENERATOR = "redline"


def entry_id(event: ChangeEvent) -> str:
    """The permanent Atom id of the entry for one change event of one article."""
    return f"tag:{TAG_AUTHORITY}:article/{event.article_id}/event/{event.sequence}"


# How each lifecycle kind of change is told, before the text's own changes.
_LIFECYCLE = {
    ChangeKind.REMOVED: "article removed",
    ChangeKind.RESTORED: "article restored",
    ChangeKind.MOVED: "article moved",
    ChangeKind.REVERTED: "reverted to an earlier version",
    ChangeKind.CORRECTION: "correction appended",
}


def summary(event: ChangeEvent) -> str:
    """One line saying what happened: removed, restored, moved, reverted, and how much the
    text changed (words added and removed, paragraphs touched)."""
    told = [label for kind, label in _LIFECYCLE.items() if kind in event.kinds]
    if event.detail:
        told.append(event.detail)
    if event.diff.empty:
        return "; ".join(told) or "changed"
    return "; ".join([*told, text_summary(event.diff)])


def text_summary(diff: Diff) -> str:
    """How much the text changed: words added and removed, paragraphs touched."""
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


def diff_html(event: ChangeEvent) -> str:
    """The event as an HTML fragment: its summary, then the diff with removed text in
    ``<del>`` and added text in ``<ins>``."""
    diff = event.diff
    html = [f"<p><em>{escape(summary(event))}</em></p>"]
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
        for kind in event.kinds:
            entry.category(term=kind, label=f"change: {kind}")
        entry.summary(summary(event))
        entry.content(diff_html(event), type="html")
    return bytes(feed.atom_str(pretty=True))
