"""Two versions side by side: pure functions, no Redis."""

from __future__ import annotations

import pytest

from crawler.domain.diff import (
    ADDED,
    DELETE,
    EDITED,
    EQUAL,
    INSERT,
    MOVED,
    REMOVED,
    SAME,
    Row,
    Segment,
    diff_articles,
)
from crawler.domain.models import Article
from crawler.web.sidebyside import SideBySide, side_by_side

FIRST = "The storm reached the coast on Monday night."
SECOND = "Thousands of homes lost power as winds rose."
THIRD = "Officials urged residents to stay indoors."
FOURTH = "Schools will stay closed until Wednesday."


def article(*paragraphs: str, headline: str = "Storm hits coast") -> Article:
    return Article(headline, "A. Writer", paragraphs)


def kinds(result: SideBySide) -> list[str]:
    return [row.kind for row in result.rows]


def text(segments: tuple[Segment, ...]) -> str:
    return "".join(segment.text for segment in segments)


def assert_sides_rebuild_texts(result: SideBySide, old: Article, new: Article) -> None:
    for row in result.rows:
        if row.old_index is not None:
            assert text(row.left) == old.paragraphs[row.old_index]
        if row.new_index is not None:
            assert text(row.right) == new.paragraphs[row.new_index]
        assert {s.op for s in row.left} <= {EQUAL, DELETE}
        assert {s.op for s in row.right} <= {EQUAL, INSERT}


@pytest.mark.parametrize(
    "paragraphs",
    [(), (FIRST,), (FIRST, SECOND, THIRD), (FIRST, FIRST, SECOND, FIRST)],
)
def test_identical_versions_are_all_same_rows(paragraphs: tuple[str, ...]) -> None:
    result = side_by_side(article(*paragraphs), article(*paragraphs))

    assert result.rows == tuple(
        Row(SAME, i, i, *[(Segment(EQUAL, p),)] * 3) for i, p in enumerate(paragraphs)
    )
    assert result.headline == result.byline == ()
    assert (result.edited, result.added, result.removed, result.moved) == (0, 0, 0, 0)


def test_an_edited_word_is_deleted_on_the_left_and_inserted_on_the_right() -> None:
    old = article(FIRST, SECOND, THIRD)
    new = article(FIRST, SECOND.replace("Thousands", "Millions"), THIRD)

    result = side_by_side(old, new)

    assert kinds(result) == [SAME, EDITED, SAME]
    row = result.rows[1]
    assert (row.old_index, row.new_index) == (1, 1)
    rest = " of homes lost power as winds rose."
    assert row.left == (Segment(DELETE, "Thousands"), Segment(EQUAL, rest))
    assert row.right == (Segment(INSERT, "Millions"), Segment(EQUAL, rest))
    assert row.inline == (
        Segment(DELETE, "Thousands"),
        Segment(INSERT, "Millions"),
        Segment(EQUAL, rest),
    )
    assert result.edited == 1
    assert_sides_rebuild_texts(result, old, new)


def test_an_added_paragraph_is_an_added_row_where_it_was_added() -> None:
    old = article(FIRST, SECOND, THIRD)
    new = article(FIRST, SECOND, FOURTH, THIRD)

    result = side_by_side(old, new)

    assert kinds(result) == [SAME, SAME, ADDED, SAME]
    assert result.rows[2] == Row(ADDED, None, 2, (), *[(Segment(INSERT, FOURTH),)] * 2)
    assert [row.new_index for row in result.rows] == [0, 1, 2, 3]
    assert result.added == 1


def test_a_removed_paragraph_is_a_removed_row_between_its_old_neighbours() -> None:
    old = article(FIRST, SECOND, THIRD)
    new = article(FIRST, THIRD)

    result = side_by_side(old, new)

    assert kinds(result) == [SAME, REMOVED, SAME]
    assert result.rows[1] == Row(
        REMOVED, 1, None, (Segment(DELETE, SECOND),), (), (Segment(DELETE, SECOND),)
    )
    assert [row.old_index for row in result.rows] == [0, 1, 2]
    assert result.removed == 1


def test_a_paragraph_moved_from_first_to_last_is_one_moved_row() -> None:
    old = article(FIRST, SECOND, THIRD, FOURTH)
    new = article(SECOND, THIRD, FOURTH, FIRST)

    result = side_by_side(old, new)

    assert kinds(result) == [SAME, SAME, SAME, MOVED]
    equal = (Segment(EQUAL, FIRST),)
    assert result.rows[-1] == Row(MOVED, 0, 3, equal, equal, equal)
    assert (result.moved, result.added, result.removed) == (1, 0, 0)


def test_a_moved_and_edited_paragraph_is_moved_with_its_word_changes() -> None:
    edited = FIRST.replace("Monday", "Tuesday")
    old = article(FIRST, SECOND, THIRD, FOURTH)
    new = article(SECOND, THIRD, FOURTH, edited)

    result = side_by_side(old, new)

    assert kinds(result) == [SAME, SAME, SAME, MOVED]
    row = result.rows[-1]
    assert (row.old_index, row.new_index) == (0, 3)
    assert Segment(DELETE, "Monday") in row.left
    assert Segment(INSERT, "Tuesday") in row.right
    assert (result.moved, result.edited, result.added, result.removed) == (1, 0, 0, 0)
    assert_sides_rebuild_texts(result, old, new)


@pytest.mark.parametrize("edit", ["", " again"])
def test_swapped_paragraphs_are_shown_once_each(edit: str) -> None:
    old = article(FIRST, SECOND, THIRD, FOURTH)
    new = article(FIRST, THIRD + edit, SECOND + edit, FOURTH)

    result = side_by_side(old, new)

    shown = sorted(row.old_index for row in result.rows if row.old_index is not None)
    assert shown == [0, 1, 2, 3]
    assert [row.new_index for row in result.rows] == [0, 1, 2, 3]
    assert result.moved == 1
    assert (result.added, result.removed) == (0, 0)
    assert_sides_rebuild_texts(result, old, new)


def test_an_edited_paragraph_pairs_with_the_most_similar_old_one() -> None:
    close = "Officials urged residents to stay indoors tonight."
    loose = "Officials urged all residents of the coast to stay home."
    old = article(FIRST, loose, close, FOURTH)
    new = article(FIRST, THIRD, FOURTH)

    result = side_by_side(old, new)

    assert kinds(result) == [SAME, REMOVED, EDITED, SAME]
    assert (result.rows[1].old_index, result.rows[2].old_index) == (1, 2)
    assert_sides_rebuild_texts(result, old, new)


def test_an_identical_paragraph_elsewhere_wins_over_a_similar_one_in_place() -> None:
    similar = FIRST.replace("Monday", "Sunday")
    old = article(FIRST, SECOND, THIRD, similar)
    new = article(SECOND, THIRD, FIRST)

    result = side_by_side(old, new)

    assert kinds(result) == [SAME, SAME, REMOVED, MOVED]
    assert result.rows[2].old_index == 3
    assert (result.rows[3].old_index, result.rows[3].new_index) == (0, 2)


def test_a_headline_change_is_in_the_headline_segments_not_in_the_rows() -> None:
    old = article(FIRST, SECOND)
    new = article(FIRST, SECOND, headline="Storm hits city")

    result = side_by_side(old, new)

    assert result.headline == (
        Segment(EQUAL, "Storm hits "),
        Segment(DELETE, "coast"),
        Segment(INSERT, "city"),
    )
    assert result.byline == ()
    assert kinds(result) == [SAME, SAME]


def test_unrelated_rewrite_is_removals_and_additions() -> None:
    old = article(FIRST, SECOND)
    new = article(THIRD, FOURTH)

    result = side_by_side(old, new)

    assert kinds(result) == [REMOVED, REMOVED, ADDED, ADDED]
    assert (result.removed, result.added, result.moved, result.edited) == (2, 2, 0, 0)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (article(), article(FIRST), [ADDED]),
        (article(FIRST), article(), [REMOVED]),
        (article(FIRST, FIRST, SECOND), article(SECOND, FIRST), [MOVED, SAME, REMOVED]),
    ],
)
def test_empty_and_duplicate_paragraphs(old: Article, new: Article, expected: list[str]) -> None:
    result = side_by_side(old, new)

    assert kinds(result) == expected
    assert_sides_rebuild_texts(result, old, new)


def test_every_paragraph_of_a_long_shuffled_article_appears_once() -> None:
    paragraphs = tuple(f"Paragraph {n} says {n * 7} things about item {n}." for n in range(300))
    shuffled = paragraphs[150:] + paragraphs[:150][::-1]
    new = article(*shuffled[:-1], "An entirely new closing line.")

    result = side_by_side(article(*paragraphs), new)

    assert sorted(r.old_index for r in result.rows if r.old_index is not None) == list(range(300))
    assert [r.new_index for r in result.rows if r.new_index is not None] == list(range(300))
    assert_sides_rebuild_texts(result, article(*paragraphs), new)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ((FIRST, SECOND, THIRD, FOURTH), (SECOND, THIRD, FOURTH, FIRST)),  # moved
        ((FIRST, SECOND, THIRD), (FIRST, SECOND.replace("Thousands", "Millions"), THIRD)),
        ((FIRST, SECOND, THIRD), (FIRST, THIRD, FOURTH)),  # removed and added
        (
            (FIRST, SECOND, THIRD, FOURTH),
            (THIRD, FIRST.replace("Monday", "Tuesday"), "A new paragraph.", FOURTH),
        ),
    ],
)
def test_the_feed_and_the_page_describe_a_change_the_same_way(
    old: tuple[str, ...], new: tuple[str, ...]
) -> None:
    sides = side_by_side(article(*old), article(*new))
    feed = diff_articles(article(*old), article(*new))
    assert [(p.kind, p.old_index, p.new_index, p.segments) for p in feed.paragraphs] == [
        (r.kind, r.old_index, r.new_index, r.inline) for r in sides.rows if r.kind != SAME
    ]
