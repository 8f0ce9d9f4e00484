"""Scoring: extracted text against ground truth, and what changed between two outputs."""

from __future__ import annotations

import difflib
import math
import re
import statistics
import unicodedata
from collections import Counter
from dataclasses import dataclass

_WORD = re.compile(r"\w+")
# Characters of context shown around the first difference between two lines.
_BEFORE_DIFFERENCE = 30
_SHOWN = 120


@dataclass(frozen=True)
class Scores:
    """How well extracted text matches the ground truth, word by word.

    Attributes:
        precision: Share of the extracted words that are in the ground truth.
        recall: Share of the ground-truth words that were extracted.
        f1: Harmonic mean of the two.
    """

    precision: float
    recall: float
    f1: float


def words(text: str) -> Counter[str]:
    """The bag of words of ``text``: lower-cased ``\\w+`` tokens after NFKC normalisation."""
    return Counter(_WORD.findall(unicodedata.normalize("NFKC", text).lower()))


def word_scores(found: str, truth: str) -> Scores:
    """Word-level precision, recall and F1 of ``found`` against ``truth`` (bags of words).

    A word counts as many times as it occurs in both. Empty output scores 0 on all three
    (unless the truth is empty too, which scores 1).
    """
    got, expected = words(found), words(truth)
    if not got or not expected:
        perfect = float(not got and not expected)
        return Scores(perfect, perfect, perfect)
    common = sum((got & expected).values())
    precision = common / sum(got.values())
    recall = common / sum(expected.values())
    f1 = 2 * precision * recall / (precision + recall) if common else 0.0
    return Scores(precision, recall, f1)


def paragraph_count(text: str) -> int:
    """How many paragraphs ``text`` has: its lines that are not blank."""
    return sum(1 for line in text.splitlines() if line.strip())


def percentile(values: list[float], share: float) -> float:
    """The ``share`` (0..1) percentile of ``values``, interpolating linearly; nan if none."""
    if not values:
        return math.nan
    ordered = sorted(values)
    position = share * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def mean(values: list[float]) -> float:
    """The mean of ``values``; nan if none."""
    return statistics.fmean(values) if values else math.nan


def first_difference(before: tuple[str, ...], after: tuple[str, ...]) -> str:
    """One line saying where two outputs (as lines) first differ, and how.

    Shows the first changed, dropped or added line around its first differing character,
    cut to about 120 characters, and how many other places differ.
    """
    if before == after:
        return "no change"
    if not after:
        return "output became empty"
    if not before:
        return f"output appeared: {_cut(after[0], 0)}"
    changes = [
        op for op in difflib.SequenceMatcher(a=before, b=after, autojunk=False).get_opcodes()
        if op[0] != "equal"
    ]  # fmt: skip
    tag, i1, i2, j1, j2 = changes[0]
    if tag == "replace":
        old, new = before[i1], after[j1]
        at = next((i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b), None)
        at = min(len(old), len(new)) if at is None else at
        text = f"line {i1 + 1}: {_cut(old, at)} -> {_cut(new, at)}"
    elif tag == "delete":
        text = f"line {i1 + 1} dropped: {_cut(before[i1], 0)}"
    else:
        text = f"line {i1 + 1} added: {_cut(after[j1], 0)}"
    more = len(changes) - 1 + max(i2 - i1, j2 - j1) - 1
    return text + (f" (+{more} more)" if more > 0 else "")


def _cut(line: str, at: int) -> str:
    """``line`` from a little before position ``at``, cut to ``_SHOWN // 2`` characters,
    quoted."""
    start = max(0, at - _BEFORE_DIFFERENCE)
    shown = line[start : start + _SHOWN // 2]
    prefix = "…" if start else ""
    suffix = "…" if start + _SHOWN // 2 < len(line) else ""
    return repr(prefix + shown + suffix)
