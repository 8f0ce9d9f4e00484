"""Normalisation, fingerprints and diffs: pure functions."""

from __future__ import annotations

from crawler.domain.diff import (
    ADDED,
    DELETE,
    EDITED,
    INSERT,
    REMOVED,
    count_words,
    diff_articles,
    diff_words,
)
from crawler.domain.hashing import fingerprint
from crawler.domain.models import Article
from crawler.domain.normalize import normalise_text


def article(
    *paragraphs: str, headline: str = "Storm hits coast", byline: str = "A. Writer"
) -> Article:
    return Article(headline, byline, tuple(normalise_text(p) for p in paragraphs))


def test_typography_whitespace_and_invisible_characters_are_not_changes() -> None:
    plain = article('He said "it\'s over" - and left.')
    fancy = article("He\u00a0said \u201cit\u2019s\u200b over\u201d \u2014 and  left.\ufeff")
    assert fancy == plain
    assert fingerprint(fancy) == fingerprint(plain)


def test_unicode_forms_are_folded() -> None:
    composed = normalise_text("caf\u00e9")
    decomposed = normalise_text("cafe\u0301")
    assert composed == decomposed == "caf\u00e9"


def test_plain_ascii_text_is_folded_like_any_other() -> None:
    folded = normalise_text(" It`s\tover,\x0bsaid\x01the \r\n clerk. ")
    assert folded == "It's over, said the clerk."
    assert normalise_text("It`s \u2019over\u2019\u3000now") == "It's 'over' now"
    assert normalise_text("\x1c\x85 \u200b") == ""


def test_words_are_runs_of_letters_and_digits() -> None:
    assert count_words("") == 0
    assert count_words("It's 2024 - the caf\u00e9's r\u00e9sum\u00e9, \u4e2d\u6587!") == 8


def test_one_changed_word_changes_the_fingerprint() -> None:
    assert fingerprint(article("The vote was 5 to 4.")) != fingerprint(
        article("The vote was 6 to 4.")
    )


def test_headline_and_byline_are_part_of_the_fingerprint() -> None:
    base = article("Same body.")
    assert fingerprint(base) != fingerprint(article("Same body.", headline="Storm hits city"))
    assert fingerprint(base) != fingerprint(article("Same body.", byline="B. Writer"))


def test_word_diff_marks_exactly_the_changed_words() -> None:
    segments = diff_words(
        "The mayor said the plan was bold.", "The mayor said the plan was reckless."
    )
    changed = [(s.op, s.text) for s in segments if s.op != "equal"]
    assert changed == [(DELETE, "bold"), (INSERT, "reckless")]
    assert (
        "".join(s.text for s in segments if s.op != INSERT) == "The mayor said the plan was bold."
    )


def test_paragraph_diff_finds_edits_additions_and_removals() -> None:
    old = article(
        "First paragraph stays exactly the same in both versions.",
        "The council voted eight to three in favour of the plan.",
        "This paragraph will be removed entirely later on.",
        "Closing paragraph also stays the same.",
    )
    new = article(
        "First paragraph stays exactly the same in both versions.",
        "The council voted seven to four in favour of the plan.",
        "Closing paragraph also stays the same.",
        "Correction: an earlier version misstated the vote.",
    )
    diff = diff_articles(old, new)
    kinds = [(c.kind, c.old_index, c.new_index) for c in diff.paragraphs]
    assert kinds == [(EDITED, 1, 1), (REMOVED, 2, None), (ADDED, None, 3)]
    edited = diff.paragraphs[0].segments
    assert [(s.op, s.text) for s in edited if s.op != "equal"] == [
        (DELETE, "eight"),
        (INSERT, "seven"),
        (DELETE, "three"),
        (INSERT, "four"),
    ]
    assert diff.kinds == ("body", "correction")
    assert diff.words_added == 2 + 7
    assert diff.words_removed == 2 + 8


def test_headline_change_is_reported_as_its_own_kind() -> None:
    diff = diff_articles(article("Body."), article("Body.", headline="Storm batters coast"))
    assert diff.kinds == ("headline",)
    assert [(s.op, s.text) for s in diff.headline if s.op != "equal"] == [
        (DELETE, "hits"),
        (INSERT, "batters"),
    ]
    assert diff_articles(article("Body."), article("Body.")).empty
