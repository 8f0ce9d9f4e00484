"""Edits: one real change to an article's text, made the way a CMS makes it.

Each edit changes a text run (an element's ``.text`` or ``.tail``) inside a matched block
(see :mod:`bench.extraction.region`), at a place whose words the ground truth has in the
same order, so the change is in text the ground truth holds. A
CMS renders an article everywhere at once: when the changed words also occur in a string
value of the page's JSON-LD (``<script type="application/ld+json">``, parsed, edited
recursively and dumped back) or in a ``<meta>`` description, they are changed there too.

Each edit works in place and returns a one-line description ("" when the page offers no
place for it), which says where else the change was made, and whether a JSON-LD
``articleBody`` on the page did not hold the changed words (then it stays as it was).
"""

from __future__ import annotations

import bisect
import json
import re
from typing import TYPE_CHECKING, Any

from bench.extraction.fillers import SENTENCES, WORDS
from bench.extraction.region import (
    ends_paragraph,
    normalise,
    paragraph_ends,
    sentences,
    text_slots,
    visible_text,
)
from crawler.extraction.structured import json_ld

if TYPE_CHECKING:
    import random
    from collections.abc import Callable

    from lxml.html import HtmlElement

    from bench.extraction.region import Region, Slot

    Edit = Callable[[HtmlElement, Region, str, random.Random], str]

# A word that may be replaced: letters only, at least four of them.
_EDITABLE_WORD = re.compile(r"(?<!\w)[^\W\d_]{4,}(?!\w)")
_WORD = re.compile(r"\w+")
# Markup that JSON-LD bodies may hold, raw or escaped, and HTML entities: never words.
_MARKUP = r"<[^<>]*>|&lt;(?:(?!&gt;).)*?&gt;|&#?\w+;"
# Between two words of a phrase: anything that is not a word, markup included.
_GAP = rf"(?:{_MARKUP}|\W)+"
# Punctuation that opens and closes a sentence.
_OPEN = "[\"'\u201c\u2018\u00ab(\\[]*"
_CLOSE = "[.!?\u2026\"'\u201d\u2019\u00bb)\\]]*"
# Words on each side of a replaced word that pin down where it is.
_CONTEXT_WORDS = 5
# Words at the end of a paragraph that pin down where a sentence is appended.
_ANCHOR_WORDS = 8
# A sentence worth removing has at least this many words (or characters, for CJK text).
_MIN_SENTENCE_WORDS = 5
_MIN_SENTENCE_CHARS = 20
# How a sentence ends (what sets one apart from a caption, a credit or a reference).
_SENTENCE_END = re.compile(rf"[.!?\u2026\u3002\uff01\uff1f]{_CLOSE}$")
# Characters of article text quoted in a description.
_QUOTE = 80


def replace_word(tree: HtmlElement, region: Region, truth: str, rng: random.Random) -> str:
    """Replaces one word of four or more letters by another, where the ground truth has it
    (the word with five words on each side occurs in the ground truth)."""
    held = _word_sequence(truth)
    slots = region.slots()
    tokens = list(_WORD.finditer("".join(slot.value for slot in slots)))
    starts = [token.start() for token in tokens]
    candidates: list[tuple[Slot, int, list[str], list[str]]] = []
    offset = 0
    for slot in slots:
        for match in _EDITABLE_WORD.finditer(slot.value):
            i = bisect.bisect_left(starts, offset + match.start())
            if i == len(tokens) or tokens[i][0] != match[0]:
                continue  # part of a word that goes on in the next text run
            before = [t[0] for t in tokens[max(0, i - _CONTEXT_WORDS) : i]]
            after = [t[0] for t in tokens[i + 1 : i + 1 + _CONTEXT_WORDS]]
            if _holds(held, [*before, match[0], *after]):
                candidates.append((slot, match.start(), before, after))
        offset += len(slot.value)
    if not candidates:
        return ""
    slot, start, before, after = rng.choice(candidates)
    old = _EDITABLE_WORD.match(slot.value, start)
    assert old is not None
    new = rng.choice([w for w in WORDS if w != old[0].lower()])
    new = new.capitalize() if old[0][:1].isupper() else new
    slot.replace(slot.value[: old.start()] + new + slot.value[old.end() :])

    def swap(match: re.Match[str]) -> str:
        text = match[0]
        word = _word_spans(text)[len(before)]
        return text[: word[0]] + new + text[word[1] :]

    elsewhere = _propagate(tree, _phrase([*before, old[0], *after]), swap)
    phrase = " ".join([*before, new, *after])
    return f"word {old[0]!r} -> {new!r} in {_quote(phrase)}{elsewhere}"


def add_sentence(tree: HtmlElement, region: Region, truth: str, rng: random.Random) -> str:
    """Appends a new sentence to a ground-truth paragraph, right after its last word."""
    ends = paragraph_ends(truth)
    candidates = [slot for slot in region.slots() if ends_paragraph(slot.value, ends)]
    if not candidates:
        return ""
    slot = rng.choice(candidates)
    sentence = rng.choice(SENTENCES)
    anchor = _WORD.findall(normalise(slot.value))[-_ANCHOR_WORDS:]
    value = slot.value.rstrip()
    slot.replace(value + " " + sentence + slot.value[len(value) :])

    def append(match: re.Match[str]) -> str:
        return match[0] + " " + sentence

    elsewhere = _propagate(tree, _phrase(anchor, trailing=True), append)
    return f"sentence {_quote(sentence)} appended after {_quote(' '.join(anchor))}{elsewhere}"


def remove_sentence(tree: HtmlElement, region: Region, truth: str, rng: random.Random) -> str:
    """Removes one ground-truth sentence from a matched block of two or more sentences.

    The sentence must lie in one text run, have five words or more and end like a
    sentence (a full stop, question or exclamation mark). When no block has such a sentence, a whole
    ground-truth paragraph (a matched block other than the article's only one) is removed
    instead.
    """
    held = _word_sequence(truth)
    found: dict[tuple[int, str, tuple[str, ...]], tuple[Slot, list[str]]] = {}
    for block in region.blocks:
        told = sentences(normalise(visible_text(block)))
        if len(told) < 2:
            continue
        slots = text_slots(block)
        for sentence in told:
            words = _WORD.findall(sentence)
            if len(words) < _MIN_SENTENCE_WORDS and len(sentence) < _MIN_SENTENCE_CHARS:
                continue
            if not _SENTENCE_END.search(sentence) or not _holds(held, words):
                continue
            pattern = _phrase(words, sentence=True)
            slot = next((s for s in slots if pattern.search(s.value)), None)
            if slot is not None:
                found[(id(slot.element), slot.attr, tuple(words))] = (slot, words)
    candidates = list(found.values())
    if candidates:
        slot, words = rng.choice(candidates)
        pattern = _phrase(words, sentence=True)
        removed = pattern.search(slot.value)
        assert removed is not None
        slot.replace(pattern.sub("", slot.value, count=1))
        elsewhere = _propagate(tree, pattern, lambda _: "")
        return f"sentence {_quote(removed[0].strip())} removed{elsewhere}"
    paragraphs = [
        b
        for b in region.blocks
        if b is not region.element and _holds(held, _WORD.findall(normalise(visible_text(b))))
    ]
    if len(region.blocks) < 2 or not paragraphs:
        return ""
    block = rng.choice(paragraphs)
    text = normalise(visible_text(block))
    block.drop_tree()
    elsewhere = _propagate(tree, _phrase(_WORD.findall(text), sentence=True), lambda _: "")
    return f"paragraph {_quote(text)} removed{elsewhere}"


EDITS: dict[str, Edit] = {
    "word": replace_word,
    "add": add_sentence,
    "remove": remove_sentence,
}
"""The edit kinds and what makes each."""


def _phrase(words: list[str], *, trailing: bool = False, sentence: bool = False) -> re.Pattern[str]:
    """A pattern for ``words`` in order, whatever punctuation, spacing or markup between.

    With ``trailing``, the closing punctuation right after the last word is part of the
    match; with ``sentence``, so are the opening punctuation before the first word and the
    spaces after the sentence (so that removing the match leaves the text around it whole).
    """
    body = _GAP.join(re.escape(w) for w in words)
    if sentence:
        return re.compile(rf"(?<!\w){_OPEN}{body}(?!\w){_CLOSE}[ \t]*")
    if trailing:
        return re.compile(rf"(?<!\w){body}(?!\w){_CLOSE}")
    return re.compile(rf"(?<!\w){body}(?!\w)")


def _word_spans(text: str) -> list[tuple[int, int]]:
    """Where the words of ``text`` are, markup and HTML entities not counted as words."""
    return [m.span(1) for m in re.finditer(rf"{_MARKUP}|(\w+)", text) if m[1]]


def _word_sequence(truth: str) -> str:
    """The ground truth's words, space-separated, with a space at each end."""
    return f" {' '.join(_WORD.findall(normalise(truth)))} "


def _holds(sequence: str, words: list[str]) -> bool:
    """Whether ``words`` occur in this order, one after another, in a word sequence."""
    return f" {' '.join(words)} " in sequence


def _propagate(
    tree: HtmlElement, pattern: re.Pattern[str], edit: Callable[[re.Match[str]], str]
) -> str:
    """Makes the same change in JSON-LD string values and meta descriptions.

    Returns:
        Where else the change was made, for the edit's description ("" for nowhere); also
        says so when a JSON-LD ``articleBody`` does not hold the changed words (a teaser,
        or text that differs from the page's).
    """
    changed = missed = 0
    for script, data in json_ld(tree):
        edited = _edit_strings(data, pattern, edit)
        if edited != data:
            script.text = json.dumps(edited, ensure_ascii=False).replace("</", "<\\/")
            changed += 1
        elif any(_article_bodies(data)):
            missed += 1
    for meta in tree.iter("meta"):
        name = " ".join(meta.get(a, "") for a in ("name", "property", "itemprop")).lower()
        content = meta.get("content")
        if "description" in name and content and (new := pattern.sub(edit, content)) != content:
            meta.set("content", new)
            changed += 1
    notes = [f"also in {changed} JSON-LD/meta places"] if changed else []
    if missed:
        notes.append("the JSON-LD articleBody does not hold these words")
    return f" ({'; '.join(notes)})" if notes else ""


def _edit_strings(data: Any, pattern: re.Pattern[str], edit: Callable[[re.Match[str]], str]) -> Any:
    if isinstance(data, str):
        return pattern.sub(edit, data)
    if isinstance(data, list):
        return [_edit_strings(item, pattern, edit) for item in data]
    if isinstance(data, dict):
        return {key: _edit_strings(value, pattern, edit) for key, value in data.items()}
    return data


def _article_bodies(data: Any) -> list[str]:
    """The non-empty ``articleBody`` strings anywhere in parsed JSON-LD."""
    if isinstance(data, list):
        return [body for item in data for body in _article_bodies(item)]
    if not isinstance(data, dict):
        return []
    own = data.get("articleBody")
    found = [own] if isinstance(own, str) and own.strip() else []
    return found + [body for value in data.values() for body in _article_bodies(value)]


def _quote(text: str) -> str:
    return repr(text if len(text) <= _QUOTE else text[: _QUOTE - 1] + "…")
