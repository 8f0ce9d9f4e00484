"""What two fetches agree has changed: the pure confirmation of a candidate change."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.detection.confirm import confirm, confirm_first, confirm_paragraphs
from crawler.domain.models import Article

P = [
    "The council voted on Tuesday to rebuild the harbour wall.",
    "The work will cost 14 million pounds and take three years.",
    "Opponents said the money should go to schools instead.",
    "The mayor promised regular public updates on the work.",
]
AD = "Sponsored: save on ferry tickets this winter."
AD1 = "Sponsored: try the new harbour tours today."
AD2 = "Advertisement: win a weekend by the sea."


@pytest.mark.parametrize(
    ("latest", "first", "second", "confirmed"),
    [
        # both fetches agree: that is the text
        (P, P[:3], P[:3], P[:3]),
        # only a rotating line differs: nothing changed
        ([*P[:2], AD, *P[2:]], [*P[:2], AD1, *P[2:]], [*P[:2], AD2, *P[2:]], [*P[:2], AD, *P[2:]]),
        # a rotating line that the latest version did not show: nothing changed
        (P, [*P, AD1], [*P, AD2], P),
        (P, [*P, AD1], P, P),
        # an edit beside a rotating line: the edit only
        (
            [P[0], AD, *P[1:]],
            [P[0], AD1, P[1].replace("three", "four"), *P[2:]],
            [P[0], AD2, P[1].replace("three", "four"), *P[2:]],
            [P[0], AD, P[1].replace("three", "four"), *P[2:]],
        ),
        # a paragraph added in both, a rotating line in one
        (
            P,
            [P[0], "New paragraph.", *P[1:], AD1],
            [P[0], "New paragraph.", *P[1:]],
            [P[0], "New paragraph.", *P[1:]],
        ),
        # two slots of one pool side by side: an item both fetches drew is no change
        (
            [P[0], AD, AD, *P[1:]],
            [P[0], AD1, AD, *P[1:]],
            [P[0], AD1, AD1, *P[1:]],
            [P[0], AD, AD, *P[1:]],
        ),
        # two slots of one pool with a paragraph and a clock between them: an item that one
        # fetch shows in the first and the other in the second moved, the paragraph did not
        (
            [P[0], P[1], *P[2:]],
            [P[0], AD, P[1], "Last update 06:00:24", AD1, *P[2:]],
            [P[0], AD2, P[1], "Last update 06:00:43", AD, *P[2:]],
            [P[0], P[1], *P[2:]],
        ),
        # a paragraph cut in both fetches is cut
        ([*P, AD], [*P[:3], AD1], [*P[:3], AD2], [*P[:3], AD]),
        # a paragraph only one fetch cut is not
        (P, P[:3], P, P),
        # a rewrite unlike the old text, beside a rotating line
        (
            [P[0], P[1], AD],
            [P[0], "Entirely different words here now.", AD1],
            [P[0], "Entirely different words here now.", AD2],
            [P[0], "Entirely different words here now.", AD],
        ),
    ],
)
def test_only_what_both_fetches_changed_the_same_way_is_confirmed(
    latest: list[str], first: list[str], second: list[str], confirmed: list[str]
) -> None:
    assert confirm_paragraphs(latest, first, second) == confirmed


def test_an_edit_in_a_paragraph_that_also_holds_a_clock_is_confirmed_word_by_word() -> None:
    latest = [P[0], "The work will cost 14 million pounds. Updated 5 minutes ago", P[2]]
    first = [P[0], "The work will cost 16 million pounds. Updated 7 minutes ago", P[2]]
    second = [P[0], "The work will cost 16 million pounds. Updated 9 minutes ago", P[2]]
    assert confirm_paragraphs(latest, first, second) == [
        P[0],
        "The work will cost 16 million pounds. Updated 5 minutes ago",
        P[2],
    ]
    # with only the clock moving, nothing changed
    assert confirm_paragraphs(latest, [P[0], first[1].replace("16", "14"), P[2]], latest) == latest


def test_two_rotating_places_side_by_side_keep_the_latest_versions_order() -> None:
    """Each fetch shows other lines in two places side by side; the first fetch's line in
    the first place happens to share words with the latest version's second line. The
    places keep what the latest version had, in its order: no swap is published."""
    latest = [
        "The council met on Monday.",
        "Sponsored: harbour tours for all the family.",
        "Transit fare changes announced for spring.",
        "The vote is next week.",
    ]
    first = [latest[0], "Transit fare deals this week.", "Sponsored: harbour cruises.", latest[3]]
    second = [latest[0], "Museum reopens its wing.", "Learn a language in a day.", latest[3]]
    assert confirm_paragraphs(latest, first, second) == latest


def test_the_first_version_is_what_both_fetches_show_wherever_they_show_it() -> None:
    """A slot's item that only one fetch shows is left out, and so is a clock; a paragraph
    and an item of a pool that stand in the other order in the second fetch (the item
    drawn in another slot) are both kept: order cannot tell which of them moved. An item
    the first fetch shows in two slots and the second in one is kept in that one."""
    clock, later = "Last update 06:00:24", "Last update 06:00:43"
    first = Article("Harbour wall", "Jane", (P[0], AD, P[1], clock, AD1, *P[2:]))
    second = Article("Harbour wall", "Jane", (P[0], P[1], AD, later, *P[2:]))
    assert confirm_first(first, second).paragraphs == (P[0], AD, P[1], *P[2:])
    assert confirm_first(first, first) == first
    twice = Article("Harbour wall", "Jane", (P[0], AD, P[1], AD, *P[2:]))
    once = Article("Harbour wall", "Jane", (P[0], AD1, P[1], AD, *P[2:]))
    assert confirm_first(twice, once).paragraphs == (P[0], P[1], AD, *P[2:])


def test_a_headline_or_byline_changes_only_if_both_fetches_show_the_new_one() -> None:
    latest = Article("Old headline", "By Ada", tuple(P))
    first = Article("New headline", "By Ada Brennan", tuple(P))
    second = Article("New headline", "By Ada (updated 10:02)", tuple(P))
    assert confirm(latest, first, second) == Article("New headline", "By Ada", tuple(P))
    assert confirm(latest, first, first) is first


WORDS = st.sampled_from(["harbour", "wall", "council", "vote", "budget", "river", "mayor"])
PARAGRAPH = st.lists(WORDS, min_size=4, max_size=12).map(" ".join)


# Pure and fast: no deadline (a loaded machine must not fail them), and the same examples
# on every run.
@settings(deadline=None, derandomize=True)
@given(
    latest=st.lists(PARAGRAPH, min_size=1, max_size=8, unique=True),
    place=st.integers(min_value=0, max_value=8),
    churn=st.lists(st.integers(0, 10**6), min_size=3, max_size=3, unique=True),
)
def test_a_rotating_place_is_never_a_change(
    latest: list[str], place: int, churn: list[int]
) -> None:
    place %= len(latest) + 1
    old, one, two = (f"Sponsored offer number {n}" for n in churn)
    with_ad = [*latest[:place], old, *latest[place:]]
    first = [*latest[:place], one, *latest[place:]]
    second = [*latest[:place], two, *latest[place:]]
    assert confirm_paragraphs(with_ad, first, second) == with_ad


@settings(deadline=None, derandomize=True)
@given(
    latest=st.lists(PARAGRAPH, min_size=1, max_size=8, unique=True),
    edited=st.lists(PARAGRAPH, min_size=1, max_size=8, unique=True),
)
def test_what_both_fetches_show_is_the_text(latest: list[str], edited: list[str]) -> None:
    assert confirm_paragraphs(latest, edited, edited) == edited
