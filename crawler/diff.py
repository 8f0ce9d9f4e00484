"""Diffing two versions of an article: which paragraphs changed, and which words in them.

Pure functions over :class:`crawler.models.Article`. Paragraphs are aligned first (added,
removed, edited); an edited paragraph and a changed headline or byline are then diffed word
by word. The result is a :class:`Diff`, stored with the change event and rendered by the
feed.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crawler.models import Article


class ChangeKind(enum.StrEnum):
    """What kind of change an event reports (an event may report several)."""

    HEADLINE = "headline"
    BYLINE = "byline"
    BODY = "body"
    """Paragraphs added, removed or edited."""
    CORRECTION = "correction"
    """A correction, clarification or editor's note was added to the body."""
    REMOVED = "removed"
    """The page is gone (404/410)."""
    RESTORED = "restored"
    """A page that was gone is back."""
    MOVED = "moved"
    """The article now lives at another URL."""
    REVERTED = "reverted"
    """The text went back to an earlier version."""


EQUAL = "equal"
INSERT = "insert"
DELETE = "delete"

ADDED = "added"
REMOVED = "removed"
EDITED = "edited"

SAME_PARAGRAPH = 0.5
"""Two paragraphs this similar (share of words in common) are one paragraph, edited."""
_TOKEN = re.compile(r"\w+|[^\w\s]|\s+")
_WORDS = re.compile(r"\w+")
# How an added paragraph that corrects the article begins.
_CORRECTION = re.compile(
    r"^\W*(?:corrections?|clarifications?|editor'?s note|amendment|"
    r"an earlier version of this (?:article|story|report)|"
    r"this (?:article|story|report) (?:was|has been) (?:amended|corrected|updated))\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Segment:
    """A run of text that is in both versions (``equal``), only the new (``insert``) or only
    the old (``delete``)."""

    op: str
    text: str


@dataclass(frozen=True)
class ParagraphChange:
    """One paragraph that was added, removed or edited.

    Attributes:
        kind: ``added``, ``removed`` or ``edited``.
        old_index: Its position in the old version (None if added).
        new_index: Its position in the new version (None if removed).
        segments: Its text: the whole paragraph for added/removed, word-level for edited.
    """

    kind: str
    old_index: int | None
    new_index: int | None
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class Diff:
    """What changed between two versions of an article.

    Attributes:
        headline: Word-level diff of the headline, or () if it did not change.
        byline: Word-level diff of the byline, or () if it did not change.
        paragraphs: The paragraphs that changed, in reading order.
        words_added: Words in the new version that are not in the old.
        words_removed: Words in the old version that are not in the new.
    """

    headline: tuple[Segment, ...]
    byline: tuple[Segment, ...]
    paragraphs: tuple[ParagraphChange, ...]
    words_added: int
    words_removed: int

    @property
    def kinds(self) -> tuple[ChangeKind, ...]:
        """Which parts changed: any of ``headline``, ``byline``, ``body``, and
        ``correction`` when an added paragraph corrects the article."""
        parts = (
            (ChangeKind.HEADLINE, self.headline),
            (ChangeKind.BYLINE, self.byline),
            (ChangeKind.BODY, self.paragraphs),
        )
        kinds = [name for name, changed in parts if changed]
        if any(
            change.kind == ADDED and _CORRECTION.match(change.segments[0].text)
            for change in self.paragraphs
        ):
            kinds.append(ChangeKind.CORRECTION)
        return tuple(kinds)

    @property
    def empty(self) -> bool:
        """True when nothing changed."""
        return not self.kinds


NO_DIFF = Diff((), (), (), 0, 0)
"""The diff of an event that did not change the text."""


def diff_articles(old: Article, new: Article) -> Diff:
    """Returns what changed from ``old`` to ``new``."""
    headline = diff_words(old.headline, new.headline) if old.headline != new.headline else ()
    byline = diff_words(old.byline, new.byline) if old.byline != new.byline else ()
    paragraphs = tuple(_diff_paragraphs(old.paragraphs, new.paragraphs))
    added = removed = 0
    for segments in (headline, byline, *(p.segments for p in paragraphs)):
        for segment in segments:
            if segment.op == INSERT:
                added += count_words(segment.text)
            elif segment.op == DELETE:
                removed += count_words(segment.text)
    return Diff(headline, byline, paragraphs, added, removed)


def diff_words(old: str, new: str) -> tuple[Segment, ...]:
    """Word-level diff of two texts, as runs of equal, deleted and inserted text."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    segments: list[Segment] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            _append(segments, EQUAL, "".join(a[i1:i2]))
        else:
            _append(segments, DELETE, "".join(a[i1:i2]))
            _append(segments, INSERT, "".join(b[j1:j2]))
    return tuple(segments)


def count_words(text: str) -> int:
    """How many words a text has (runs of letters and digits)."""
    return len(_WORDS.findall(text))


def _append(segments: list[Segment], op: str, text: str) -> None:
    if not text:
        return
    if segments and segments[-1].op == op:
        segments[-1] = Segment(op, segments[-1].text + text)
    else:
        segments.append(Segment(op, text))


def _similarity(a: str, b: str) -> float:
    wa, wb = a.split(), b.split()
    if not wa or not wb:
        return 0.0
    return SequenceMatcher(None, wa, wb, autojunk=False).ratio()


def _diff_paragraphs(old: tuple[str, ...], new: tuple[str, ...]) -> list[ParagraphChange]:
    changes: list[ParagraphChange] = []
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        i, j = i1, j1
        while i < i2 or j < j2:
            if i < i2 and j < j2 and _similarity(old[i], new[j]) >= SAME_PARAGRAPH:
                changes.append(ParagraphChange(EDITED, i, j, diff_words(old[i], new[j])))
                i, j = i + 1, j + 1
            elif j < j2 and (
                i >= i2
                or (j + 1 < j2 and _similarity(old[i], new[j + 1]) >= SAME_PARAGRAPH)
                or i + 1 >= i2
                or _similarity(old[i + 1], new[j]) < SAME_PARAGRAPH
            ):
                changes.append(ParagraphChange(ADDED, None, j, (Segment(INSERT, new[j]),)))
                j += 1
            else:
                changes.append(ParagraphChange(REMOVED, i, None, (Segment(DELETE, old[i]),)))
                i += 1
    return changes
