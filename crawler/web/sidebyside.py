"""Two versions of an article side by side, paragraph by paragraph, as a history page shows
them: the alignment of :func:`crawler.domain.diff.align` (a paragraph that left its place and
turns up elsewhere, word for word or edited, is shown once where it now stands, as moved),
with the headline's and byline's word changes and counts of each kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from crawler.domain.diff import ADDED, EDITED, MOVED, REMOVED, Row, Segment, align, diff_words

if TYPE_CHECKING:
    from crawler.domain.models import Article


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
    """Returns ``old`` and ``new`` aligned paragraph by paragraph
    (:func:`crawler.domain.diff.align`)."""
    return SideBySide(
        _changed_words(old.headline, new.headline),
        _changed_words(old.byline, new.byline),
        align(old.paragraphs, new.paragraphs),
    )


def _changed_words(old: str, new: str) -> tuple[Segment, ...]:
    return diff_words(old, new) if old != new else ()
