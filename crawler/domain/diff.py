"""Diffing two versions of an article: which paragraphs changed, and which words in them.

Pure functions over :class:`crawler.domain.models.Article`. Paragraphs are aligned first
(:func:`align`: added, removed, edited, moved); an edited or moved paragraph and a changed
headline or byline are then diffed word by word. The result is a :class:`Diff`, stored
with the change event and rendered by the feed; the web page's comparison
(:mod:`crawler.web.sidebyside`) shows the same alignment.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from itertools import groupby
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence

    from crawler.domain.models import Article


class ChangeKind(enum.StrEnum):
    """What kind of change an event reports (an event may report several)."""

    HEADLINE = "headline"
    BYLINE = "byline"
    BODY = "body"
    """Paragraphs added, removed or edited."""
    CORRECTION = "correction"
    """A correction, clarification or editor's note was added to the body."""
    GONE = "gone"
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
SAME = "same"
"""A row whose paragraph is unchanged and in its place."""
MOVED = "moved"
"""A row whose paragraph left its place and stands elsewhere (maybe edited too)."""

# SequenceMatcher opcodes: (tag, i1, i2, j1, j2).
_Block = tuple[str, int, int, int, int]

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
class Row:
    """One line of the comparison: a paragraph of the old version, the new, or both.

    The texts of ``left`` joined give the old paragraph; those of ``right``, the new; those
    of ``inline``, both, as one column shows them (removed words beside added ones).

    Attributes:
        kind: ``same``, ``edited``, ``added``, ``removed`` or ``moved``.
        old_index: The paragraph's position in the old version (None if added).
        new_index: Its position in the new version (None if removed).
        left: The old text, as ``equal`` and ``delete`` segments (() if added).
        right: The new text, as ``equal`` and ``insert`` segments (() if removed).
        inline: Both texts, as ``equal``, ``delete`` and ``insert`` segments in reading
            order.
    """

    kind: str
    old_index: int | None
    new_index: int | None
    left: tuple[Segment, ...]
    right: tuple[Segment, ...]
    inline: tuple[Segment, ...]


@dataclass(frozen=True)
class ParagraphChange:
    """One paragraph that was added, removed, edited or moved (see :func:`align`).

    Attributes:
        kind: ``added``, ``removed``, ``edited`` or ``moved``.
        old_index: Its position in the old version (None if added).
        new_index: Its position in the new version (None if removed).
        segments: Its text: the whole paragraph for added/removed, word-level for edited
            or moved (a paragraph moved word for word is one ``equal`` segment).
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
    paragraphs = tuple(
        ParagraphChange(row.kind, row.old_index, row.new_index, row.inline)
        for row in align(old.paragraphs, new.paragraphs)
        if row.kind != SAME
    )
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


def align(old: Sequence[str], new: Sequence[str]) -> tuple[Row, ...]:
    """The paragraphs of two versions aligned: every paragraph of both, in the new
    version's reading order, with removed paragraphs where they stood among their
    neighbours. The one alignment of redline: the feed's diff and the web page's
    comparison describe an edit the same way.

    Unchanged paragraphs are matched first, in order. Among the rest, a paragraph is paired
    with an identical one elsewhere (moved), then with a similar one in the same gap between
    unchanged paragraphs (edited), then with a similar one anywhere (moved); what is left
    was added or removed. Similar means sharing at least :data:`SAME_PARAGRAPH` of their
    words. At worst this costs one cheap comparison per pair of unmatched paragraphs.
    """
    blocks = SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    pairs = _pair(old, new, [b for b in blocks if b[0] != "equal"])
    return tuple(_rows(old, new, blocks, pairs))


def _pair(
    old: Sequence[str], new: Sequence[str], gaps: Sequence[_Block]
) -> dict[int, tuple[int, str]]:
    """Pairs the paragraphs no unchanged run matched: new index -> (old index, kind)."""
    pairs: dict[int, tuple[int, str]] = {}
    identical: dict[str, list[int]] = {}
    for _, i1, i2, _, _ in gaps:
        for i in range(i1, i2):
            identical.setdefault(old[i], []).append(i)
    for _, _, _, j1, j2 in gaps:
        for j in range(j1, j2):
            if same := identical.get(new[j]):
                pairs[j] = (same.pop(0), MOVED)
    taken = {i for i, _ in pairs.values()}
    words = [_Words(paragraph) for paragraph in old]
    free = [i for _, i1, i2, _, _ in gaps for i in range(i1, i2) if i not in taken]
    alike = {
        j: _alike(new[j], words, free)
        for _, _, _, j1, j2 in gaps
        for j in range(j1, j2)
        if j not in pairs
    }
    for _, i1, i2, j1, j2 in gaps:
        start = i1
        for j in range(j1, j2):
            near = (i for i in alike.get(j, ()) if start <= i < i2 and i not in taken)
            if (match := next(near, None)) is not None:
                pairs[j] = (match, EDITED)
                taken.add(match)
                start = match + 1
    for j, similar in alike.items():
        far = (i for i in similar if i not in taken)
        if j not in pairs and (match := next(far, None)) is not None:
            pairs[j] = (match, MOVED)
            taken.add(match)
    return pairs


def _alike(text: str, old: Sequence[_Words], candidates: Iterable[int]) -> list[int]:
    """The candidate old paragraphs similar enough to ``text``, most similar first (in
    their order among equals)."""
    words = _Words(text)
    matcher = SequenceMatcher[str](None, autojunk=False)
    matcher.set_seq2(words.tokens)
    ratios: list[tuple[float, int]] = []
    for i in candidates:
        # Cheap upper bounds first: most pairs of unrelated paragraphs stop there.
        if words.most_alike(old[i]) >= SAME_PARAGRAPH:
            matcher.set_seq1(old[i].tokens)
            ratio = matcher.ratio() if matcher.quick_ratio() >= SAME_PARAGRAPH else 0.0
            if ratio >= SAME_PARAGRAPH:
                ratios.append((-ratio, i))
    return [i for _, i in sorted(ratios)]


class _Words:
    """A paragraph's words, and the set of them."""

    def __init__(self, text: str) -> None:
        self.tokens = text.split()
        self.distinct = frozenset(self.tokens)

    def most_alike(self, other: _Words) -> float:
        """An upper bound of the paragraphs' similarity (0 when either has no words), quick
        to work out: each word one has and the other lacks leaves a word unmatched."""
        if not self.tokens or not other.tokens:
            return 0.0
        common = len(self.distinct & other.distinct)
        matches = min(
            len(self.tokens) - len(self.distinct) + common,
            len(other.tokens) - len(other.distinct) + common,
        )
        return 2 * matches / (len(self.tokens) + len(other.tokens))


def _rows(
    old: Sequence[str],
    new: Sequence[str],
    blocks: Iterable[_Block],
    pairs: dict[int, tuple[int, str]],
) -> Iterator[Row]:
    edited = {i for i, kind in pairs.values() if kind == EDITED}
    moved = {i for i, kind in pairs.values() if kind == MOVED}
    for tag, i1, i2, j1, j2 in blocks:
        if tag == "equal":
            for i, j in zip(range(i1, i2), range(j1, j2), strict=True):
                text = (Segment(EQUAL, new[j]),)
                yield Row(SAME, i, j, text, text, text)
            continue
        # Edited pairs keep their order, so between them old paragraphs that went (removed)
        # come before new ones that came (added, or moved here).
        i, j = i1, j1
        while i < i2 or j < j2:
            if i < i2 and i in moved:
                i += 1
            elif i < i2 and i not in edited:
                cut = (Segment(DELETE, old[i]),)
                yield Row(REMOVED, i, None, cut, (), cut)
                i += 1
            elif j not in pairs:
                came = (Segment(INSERT, new[j]),)
                yield Row(ADDED, None, j, (), came, came)
                j += 1
            else:
                paired, kind = pairs[j]
                yield _changed_row(kind, paired, j, old[paired], new[j])
                if kind == EDITED:
                    i += 1
                j += 1


def _changed_row(kind: str, old_index: int, new_index: int, old: str, new: str) -> Row:
    segments = diff_words(old, new)
    return Row(
        kind,
        old_index,
        new_index,
        _side(segments, DELETE),
        _side(segments, INSERT),
        tuple(segments),
    )


def _side(segments: Iterable[Segment], changed: str) -> tuple[Segment, ...]:
    """The segments of one side (``equal`` and ``changed``), runs of one kind joined."""
    kept = (s for s in segments if s.op in (EQUAL, changed))
    return tuple(
        Segment(op, "".join(s.text for s in run)) for op, run in groupby(kept, lambda s: s.op)
    )
