"""Two versions of an article side by side, paragraph by paragraph, as a history page shows
them.

Pure functions over :class:`crawler.models.Article`. Paragraphs are aligned in reading
order; a paragraph that left its place and turns up elsewhere, word for word or edited, is
shown once where it now stands, as moved, rather than as a removal and an unrelated
addition. Word-level changes come from :func:`crawler.diff.diff_words`.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from itertools import groupby
from typing import TYPE_CHECKING

from crawler.diff import (
    ADDED,
    DELETE,
    EDITED,
    EQUAL,
    INSERT,
    REMOVED,
    SAME_PARAGRAPH,
    Segment,
    diff_words,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence

    from crawler.models import Article

SAME = "same"
"""A row whose paragraph is unchanged and in its place."""
MOVED = "moved"
"""A row whose paragraph left its place and stands elsewhere (maybe edited too)."""

# SequenceMatcher opcodes: (tag, i1, i2, j1, j2).
_Block = tuple[str, int, int, int, int]


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
class SideBySide:
    """Two versions of an article, aligned for a two-column view.

    Attributes:
        headline: Word-level diff of the headline, or () if it did not change.
        byline: Word-level diff of the byline, or () if it did not change.
        rows: Every paragraph of both versions, in the new version's reading order, with
            removed paragraphs where they stood among their neighbours. A moved paragraph
            has one row, at its new place.
    """

    headline: tuple[Segment, ...]
    byline: tuple[Segment, ...]
    rows: tuple[Row, ...]

    @property
    def edited(self) -> int:
        """How many paragraphs were edited in place."""
        return self._count(EDITED)

    @property
    def added(self) -> int:
        """How many paragraphs were added."""
        return self._count(ADDED)

    @property
    def removed(self) -> int:
        """How many paragraphs were removed."""
        return self._count(REMOVED)

    @property
    def moved(self) -> int:
        """How many paragraphs moved (edited or not)."""
        return self._count(MOVED)

    def _count(self, kind: str) -> int:
        return sum(1 for row in self.rows if row.kind == kind)


def side_by_side(old: Article, new: Article) -> SideBySide:
    """Returns ``old`` and ``new`` aligned paragraph by paragraph.

    Unchanged paragraphs are matched first, in order. Among the rest, a paragraph is paired
    with an identical one elsewhere (moved), then with a similar one in the same gap between
    unchanged paragraphs (edited), then with a similar one anywhere (moved); what is left
    was added or removed. Similar means sharing at least half their words, as in
    :mod:`crawler.diff`. At worst this costs one cheap comparison per pair of unmatched
    paragraphs.
    """
    blocks = SequenceMatcher(None, old.paragraphs, new.paragraphs, autojunk=False).get_opcodes()
    pairs = _pair(old.paragraphs, new.paragraphs, [b for b in blocks if b[0] != "equal"])
    return SideBySide(
        _changed_words(old.headline, new.headline),
        _changed_words(old.byline, new.byline),
        tuple(_rows(old.paragraphs, new.paragraphs, blocks, pairs)),
    )


def _changed_words(old: str, new: str) -> tuple[Segment, ...]:
    return diff_words(old, new) if old != new else ()


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
