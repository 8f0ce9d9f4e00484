"""The web view's HTML: pure functions from :mod:`crawler.web.views` records to pages.

Pages need no JavaScript and read at a glance on any screen: a comparison shows the two
versions side by side on a wide screen and one column on a phone (removed words struck
through beside added ones); unchanged paragraphs are shown once, and runs of them fold
into a ``<details>`` that opens without script. Every text that came from a fetched page
or from the config is escaped; only ``http``/``https`` addresses become links.
"""

from __future__ import annotations

import time
from html import escape
from itertools import groupby
from typing import TYPE_CHECKING
from urllib.parse import quote

from crawler.domain.diff import MOVED, SAME
from crawler.web.feed import segments_html

if TYPE_CHECKING:
    from collections.abc import Sequence

    from crawler.domain.diff import Row
    from crawler.web.views import ArticleView, Change, IndexView, SourceView, VersionSummary

FOLDED = 2
"""A run of at least this many unchanged paragraphs is folded away (one stays open)."""

_STYLE = """
body{font:16px/1.5 system-ui,sans-serif;margin:0 auto;max-width:72rem;padding:0 1rem;color:#222}
h1{font-size:1.6em;line-height:1.25;margin:.5em 0}h1,a{overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.3rem;vertical-align:top}
tr+tr td{border-top:1px solid #ddd}.muted{color:#666;font-size:.9em}
ins{background:#cfc;text-decoration:none}del{background:#fcc}del+ins{margin-left:.25em}
.sides{display:grid;grid-template-columns:1fr 1fr;gap:.2rem 1rem}
.sides>*{padding:.3rem .5rem;border-left:4px solid transparent}
.sides>.both,.sides>.inline{grid-column:1/-1}.sides>.inline{display:none}
.sides summary{color:#666;cursor:pointer}.sides details p{margin:.3rem 0}
.edited{border-color:#fa0}.added{border-color:#3a3}.removed{border-color:#c33}.moved{border-color:#36c}
@media (max-width:40rem){.sides{display:block}.sides>.old,.sides>.new{display:none}
.sides>.inline{display:block}}
"""


def index_page(view: IndexView, title: str) -> str:
    """The list of recent changes, newest first, and the sources with their counts."""
    rows = "".join(_change_row(change) for change in view.changes) or (
        '<tr><td colspan="4">No changes recorded yet.</td></tr>'
    )
    sources = "".join(
        f'<li><a href="{_source_path(s.name)}">{escape(s.name)}</a> '
        f'<span class="muted">{s.articles} articles, {s.changes} changes</span></li>'
        for s in view.sources
    )
    body = (
        f"<h1>{escape(title)}</h1>"
        '<p><a href="/feed.atom">Atom feed of all changes</a></p>'
        "<h2>Recent changes</h2><table><tr><th>When</th><th>Source</th><th>Article</th>"
        f"<th>Change</th></tr>{rows}</table>"
        f"<h2>Sources</h2><ul>{sources or '<li>None yet.</li>'}</ul>"
    )
    return _page(title, body, "/feed.atom")


def _change_row(change: Change) -> str:
    original = (
        f'<div class="muted"><a href="{escape(change.link)}" rel="noreferrer nofollow">'
        "the original article</a></div>"
        if change.link
        else ""
    )
    return (
        f'<tr><td>{_utc(change.detected_at)}<div class="muted">{escape(change.ago)}</div></td>'
        f'<td><a href="{_source_path(change.source)}">{escape(change.source)}</a></td>'
        f'<td><a href="{_article_path(change.article_id)}?to={change.version}">'
        f"{escape(change.headline or change.url)}</a>{original}</td>"
        f"<td>{escape(change.summary)}</td></tr>"
    )


def source_page(view: SourceView) -> str:
    """A source's articles with their states."""
    rows = "".join(
        f'<tr><td><a href="{_article_path(a.id)}">{escape(a.headline or a.url)}</a>'
        f'<div class="muted">{escape(a.url)}</div></td><td>{escape(a.state)}</td>'
        f"<td>{_utc(a.last_change) if a.last_change is not None else 'never'}</td>"
        f"<td>{a.versions}</td><td>{a.changes}</td></tr>"
        for a in view.articles
    )
    shown = (
        f" (the {len(view.articles)} most recently changed)"
        if len(view.articles) < view.total
        else ""
    )
    feed = f"{_source_path(view.name)}/feed.atom"
    statuses = ", ".join(f"{escape(k)} {n}" for k, n in view.statuses.items())
    body = (
        f'<p><a href="/">All changes</a></p><h1>{escape(view.name)}</h1>'
        + "".join(f'<p class="failing">Failing: {escape(p)}</p>' for p in view.problems)
        + f"<p>{view.total} articles{shown}"
        + (f" ({statuses})" if statuses else "")
        + f'. <a href="{feed}">Atom feed of its changes</a></p>'
        + _endpoints_table(view)
        + "".join(
            f'<p class="muted">{escape(site)}: {escape(summary.text)}</p>'
            for site, summary in view.templates
            if summary.blocks
        )
        + "<table><tr><th>Article</th><th>State</th><th>Last changed</th><th>Versions</th>"
        "<th>Changes</th></tr>"
        f"{rows}</table>"
    )
    return _page(view.name, body, feed)


def _endpoints_table(view: SourceView) -> str:
    """The source's discovery endpoints and how each is doing ("" when it has none)."""
    if not view.endpoints:
        return ""
    rows = "".join(
        f"<tr><td>{escape(e.url)}</td><td>{escape(e.kind or '-')}</td>"
        f"<td>{escape(e.status)}</td><td>{e.listed}</td><td>{e.found}</td>"
        f"<td>{escape(e.last_read)}</td><td>{escape(e.last_error)}</td></tr>"
        for e in view.endpoints
    )
    return (
        "<h2>Discovery</h2><table><tr><th>Endpoint</th><th>Kind</th><th>State</th>"
        "<th>Listed</th><th>Found</th><th>Last read</th><th>Last error</th></tr>"
        f"{rows}</table><h2>Articles</h2>"
    )


def article_page(view: ArticleView) -> str:
    """An article's history: what changed first (a comparison of two versions), then its
    state, its headlines and its versions."""
    feed = f"{_article_path(view.id)}/feed.atom"
    original = (
        f'<a href="{escape(view.link)}" rel="noreferrer nofollow">{escape(view.url)}</a>'
        if view.link
        else escape(view.url)
    )
    current = view.versions[-1].headline if view.versions else ""
    parts = [
        f'<p><a href="/">All changes</a> · source <a href="{_source_path(view.source)}">'
        f"{escape(view.source)}</a></p>",
        f"<h1>{escape(current or view.url)}</h1>",
        f'<p class="muted">Original: {original}</p>',
    ]
    if view.compare is not None:
        parts.append(_comparison(view))
    parts.append(
        f"<h2>History</h2><p>First seen {_utc(view.first_seen)}; {escape(view.state)}"
        f'.<br>Changed {_times(view.changes)}. <a href="{feed}">Atom feed of its changes</a></p>'
    )
    if len(view.headlines) > 1:
        parts.append("<h3>Headlines</h3><ol>")
        parts.extend(
            f"<li>{escape(v.headline)} <span class=muted>({_when(v)})</span></li>"
            for v in view.headlines
        )
        parts.append("</ol>")
    parts.append(_versions(view))
    return _page(current or view.url, "".join(parts), feed)


def _comparison(view: ArticleView) -> str:
    """Two versions compared: how many paragraphs changed, links to the changes before and
    after, the headline and byline's word changes, then every paragraph."""
    compare = view.compare
    assert compare is not None
    sides = compare.sides
    counts = [
        f"{n} {label}"
        for n, label in (
            (sides.edited, "edited"),
            (sides.added, "added"),
            (sides.removed, "removed"),
            (sides.moved, "moved"),
        )
        if n
    ]
    old, new = view.versions[compare.old], view.versions[compare.new]
    steps = []
    if compare.old > 0:
        steps.append(_compare_link(view.id, compare.old - 1, compare.old, "← the change before"))
    if compare.new < len(view.versions) - 1:
        steps.append(_compare_link(view.id, compare.new, compare.new + 1, "the change after →"))
    if compare.event_id:
        card = f"/events/{quote(compare.event_id)}/card.png"
        steps.append(f'<a href="{card}">an image of this change, to share</a>')
    html = [
        f"<h2>Version {compare.old} → version {compare.new}</h2>",
        f"<p class=muted>Paragraphs: {', '.join(counts) or 'none changed'}."
        f"{' ' + ' · '.join(steps) if steps else ''}</p>",
    ]
    if sides.headline:
        html.append(f"<p><strong>Headline:</strong> {segments_html(sides.headline)}</p>")
    if sides.byline:
        html.append(f"<p><strong>Byline:</strong> {segments_html(sides.byline)}</p>")
    html.append(
        f'<div class="sides"><div class="old">{_heading(old)}</div>'
        f'<div class="new">{_heading(new)}</div>'
        f'<div class="inline">{_heading(old)}<br>→ {_heading(new)}</div>'
    )
    for same, run in groupby(sides.rows, lambda row: row.kind == SAME):
        rows = list(run)
        html.append(_unchanged(rows) if same else "".join(_row(row) for row in rows))
    html.append("</div>")
    return "".join(html)


def _heading(version: VersionSummary) -> str:
    """ "Version 1 — 3 Dec 2026 14:35 UTC, about 4 hours later"."""
    return f"<strong>Version {version.number}</strong> — {escape(_when(version))}"


def _compare_link(article_id: str, old: int, new: int, label: str) -> str:
    return f'<a href="{_article_path(article_id)}?from={old}&amp;to={new}">{label}</a>'


def _unchanged(rows: Sequence[Row]) -> str:
    """Unchanged paragraphs, shown once across both columns; a run of :data:`FOLDED` or
    more folded away behind its count."""
    texts = [segments_html(row.right) for row in rows]
    if len(texts) < FOLDED:
        return "".join(f'<div class="both">{text}</div>' for text in texts)
    paragraphs = "".join(f"<p>{text}</p>" for text in texts)
    return (
        f'<details class="both"><summary>{len(texts)} unchanged paragraphs</summary>'
        f"{paragraphs}</details>"
    )


def _row(row: Row) -> str:
    """A changed paragraph: old and new in two columns, and both in one (for a phone)."""
    kind = escape(row.kind)
    note = (
        f'<div class="muted">moved from paragraph {(row.old_index or 0) + 1}</div>'
        if row.kind == MOVED
        else ""
    )
    left = "" if row.kind == MOVED else segments_html(row.left)
    return (
        f'<div class="old {kind}">{left}</div>'
        f'<div class="new {kind}">{note}{segments_html(row.right)}</div>'
        f'<div class="inline {kind}">{note}{segments_html(row.inline)}</div>'
    )


def _versions(view: ArticleView) -> str:
    items = []
    for v in view.versions:
        notes = [_when(v), f"{v.words} words"]
        if v.same_as is not None:
            notes.append(f"same text as version {v.same_as}")
        if v.reread:
            notes.append("re-read by new extraction code, not an edit")
        link = (
            f' <a href="{_article_path(view.id)}?from={v.number - 1}&amp;to={v.number}">'
            "compare with the one before</a>"
            if v.number
            else ""
        )
        if v.archived is not None:
            link += (
                f' <a href="{_article_path(view.id)}/archived/{v.number}" download>'
                "the page as fetched</a>"
                f" <span class=muted>({escape(v.archived.file)}, record"
                f" {escape(v.archived.record_id)})</span>"
            )
        items.append(
            f"<li>Version {v.number}: {escape(v.headline)} "
            f"<span class=muted>({escape('; '.join(notes))})</span>{link}</li>"
        )
    return f"<h2>Versions</h2><ol start=0>{''.join(items)}</ol>"


def error_page(status: int, message: str) -> str:
    """A page saying what went wrong."""
    return _page(f"Error {status}", f"<h1>Error {status}</h1><p>{escape(message)}</p>", "")


def _when(version: VersionSummary) -> str:
    return f"{_utc(version.recorded_at)}, {version.later}"


def _times(count: int) -> str:
    return "never" if not count else f"{count} time{'s' if count != 1 else ''}"


def _source_path(name: str) -> str:
    return f"/sources/{quote(name, safe='')}"


def _article_path(article_id: str) -> str:
    return f"/articles/{quote(article_id, safe='')}"


def _utc(epoch: float) -> str:
    """ "3 Dec 2026 14:35 UTC"."""
    when = time.gmtime(epoch)
    return f"{when.tm_mday} {time.strftime('%b %Y %H:%M UTC', when)}"


def _page(title: str, body: str, feed: str) -> str:
    alternate = (
        f'<link rel="alternate" type="application/atom+xml" href="{escape(feed)}">' if feed else ""
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title>{alternate}<style>{_STYLE}</style></head>"
        f"<body>{body}</body></html>"
    )
