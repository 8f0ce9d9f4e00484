"""A change event as a message to a person: what a notification says, in the words of the
feeds (:func:`crawler.web.feed.entry_title`, :func:`crawler.web.feed.summary`).

A message says what changed in its title (one line, so that a chat shows it whole),
carries the diff itself (removed and added words, part by part), links to the article and
to redline's page of the change, and ends with the event's id, by which a receiver can
drop a repeat (delivery is at least once). It is written three ways, for the channel to
take the one it prefers: plain text (``[-removed-]{+added+}``), Markdown (``~~removed~~``
``**added**``) and HTML (``<del>``, ``<ins>``). Text from fetched pages is escaped in the
HTML and Markdown forms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

from crawler.domain.diff import DELETE, INSERT
from crawler.web.feed import diff_html, diff_page, diff_parts, entry_title, summary, web_link

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from crawler.domain.diff import Segment
    from crawler.store.articles import StoredEvent

FORMATS = ("text", "markdown", "html")
"""The forms a message is written in."""
# A message lists at most this many changed parts; the rest are on redline's page.
MAX_PARTS = 20
# A digest lists at most this many changes.
MAX_DIGEST = 50
# What Markdown reads as markup inside a line (every line of a message starts with its own
# text, never the page's, so what only marks up at the start of a line stays as it is).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]~|<>])")


@dataclass(frozen=True)
class Message:
    """One notification, written in each of :data:`FORMATS`.

    Attributes:
        title: One line: what changed and the headline.
        text: The body as plain text.
        markdown: The body as Markdown.
        html: The body as an HTML fragment.
        event_ids: The ids of the events it tells of (in the events stream).
    """

    title: str
    text: str
    markdown: str
    html: str
    event_ids: tuple[str, ...]

    def body(self, form: str) -> str:
        """The body written in ``form`` (one of :data:`FORMATS`)."""
        bodies = {"text": self.text, "markdown": self.markdown, "html": self.html}
        return bodies[form]


def message(stored: StoredEvent, base_url: str) -> Message:
    """The message telling of one change event; links to redline's pages start with
    ``base_url`` (the address readers reach the web view at)."""
    event = stored.event
    parts = diff_parts(event)
    more = len(parts) - MAX_PARTS
    parts = parts[:MAX_PARTS]
    article, changes = web_link(event.url), diff_page(base_url, event)
    tail = f"… and {more} more on redline's page of the change" if more > 0 else ""
    text = [summary(event), *(f"{label}: {_text(segments)}" for label, segments in parts)]
    markdown = [
        f"*{_md(summary(event))}*",
        *(f"**{_md(label)}:** {_markdown(segments)}" for label, segments in parts),
    ]
    html = [diff_html(event, parts)]
    if tail:
        text.append(tail)
        markdown.append(_md(tail))
        html.append(f"<p>{escape(tail)}</p>")
    text += ["", f"The article: {article or event.url}", f"The change: {changes}"]
    markdown += [
        "",
        f"[The article]({article})" if article else _md(event.url),
        f"[The change on redline]({changes})",
    ]
    html.append(
        (f'<p><a href="{escape(article)}">The article</a> · ' if article else "<p>")
        + f'<a href="{escape(changes)}">The change on redline</a></p>'
    )
    return _signed(entry_title(event), text, markdown, html, (stored.event_id,))


def digest(events: Sequence[StoredEvent], base_url: str) -> Message:
    """One message telling of many change events (a burst beyond a channel's limit): a line
    for each, with the link to its page on redline, at most :data:`MAX_DIGEST`."""
    articles = len({stored.event.article_id for stored in events})
    title = (
        f"{len(events)} changes in {articles} article{'s' if articles != 1 else ''}"
        if len(events) != 1
        else entry_title(events[0].event)
    )
    listed = events[:MAX_DIGEST]
    text, markdown, html = [], [], ["<ul>"]
    for stored in listed:
        line, link = entry_title(stored.event), diff_page(base_url, stored.event)
        text.append(f"- {line} <{link}>")
        markdown.append(f"- [{_md(line)}]({link})")
        html.append(f'<li><a href="{escape(link)}">{escape(line)}</a></li>')
    html.append("</ul>")
    if len(events) > len(listed):
        rest = f"… and {len(events) - len(listed)} more: {base_url}/"
        text.append(rest)
        markdown.append(_md(rest))
        html.append(f"<p>{escape(rest)}</p>")
    return _signed(title, text, markdown, html, tuple(stored.event_id for stored in events))


def _signed(
    title: str, text: list[str], markdown: list[str], html: list[str], ids: tuple[str, ...]
) -> Message:
    """The message, each body ending with the ids of its events."""
    said = f"redline event{'s' if len(ids) != 1 else ''} {', '.join(ids)}"
    return Message(
        title,
        "\n".join([*text, said]),
        "\n".join([*markdown, "", f"`{said}`"]),
        "\n".join([*html, f"<p><small>{escape(said)}</small></p>"]),
        ids,
    )


def _runs(segments: Sequence[Segment], mark: Callable[[str, str], str]) -> str:
    return "".join(mark(segment.op, segment.text) for segment in segments)


def _text(segments: Sequence[Segment]) -> str:
    """Removed words as ``[-...-]``, added ones as ``{+...+}`` (as wdiff writes them)."""
    return _runs(
        segments,
        lambda op, text: (
            f"[-{text}-]" if op == DELETE else f"{{+{text}+}}" if op == INSERT else text
        ),
    )


def _markdown(segments: Sequence[Segment]) -> str:
    """Removed words struck through, added ones in bold; the page's text escaped."""

    def mark(op: str, text: str) -> str:
        core = text.strip()
        if not core or op not in (DELETE, INSERT):
            return _md(text)
        lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
        mark = "~~" if op == DELETE else "**"
        return f"{lead}{mark}{_md(core)}{mark}{trail}"

    return _runs(segments, mark)


def _md(text: str) -> str:
    """``text`` with every character Markdown would read as markup escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)
