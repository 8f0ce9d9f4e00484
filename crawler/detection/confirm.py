"""What two fetches of a page agree has changed: a pure function of three articles.

A change is published only once a second fetch has confirmed it. What the two fetches show
the same way is the page; what differs between them is volatile (a rotating sponsored
line, a clock, a counter that the extraction let through) and is not a change. So the
confirmed text is the latest version with exactly the edits that both fetches made, judged
paragraph by paragraph:

- a headline, byline or dateline changes only if both fetches show the same new one;
- a paragraph both fetches hold is the page's (new, or where it was);
- a paragraph only one of them holds is volatile: the place it stands in keeps the text
  the latest version had there, if it had one, and gains nothing if it had none;
- so is a paragraph both hold where one of them also shows it in a volatile place: an
  item of a rotating pool that both fetches happened to draw (two slots of one pool side
  by side) is not a change both made;
- a paragraph of the latest version that neither fetch holds was edited (when a paragraph
  both fetches hold is its new wording) or cut, unless it stood in a volatile place;
- a volatile place whose two texts are both rewordings of the latest version's paragraph
  there (a paragraph that holds a counter or a clock beside article text) is settled the
  same way one level down, word by word: the words both fetches changed the same way are
  the change, the others keep the latest version's.

A rotating line next to a real edit therefore neither hides the edit nor is published
with it, and neither does a clock inside the edited paragraph.

The first version has no latest version to be read against: it is the first fetch's text
with only what the second fetch shows too (:func:`confirm_first`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from difflib import SequenceMatcher
from typing import TYPE_CHECKING

from crawler.domain.normalize import likeness, masked

if TYPE_CHECKING:
    from collections.abc import Sequence

    from crawler.domain.models import Article

EDITED = 0.5
"""How alike (word by word, 0 to 1) a paragraph both fetches show must be to one of the
latest version's for it to be that paragraph's new wording."""


def confirm(latest: Article, first: Article, second: Article) -> Article:
    """The latest version with the changes both fetches made (see the module docstring).

    Args:
        latest: The latest recorded version's text.
        first: The text the first fetch read (the candidate change).
        second: The text the confirmation fetch read.

    Returns:
        The confirmed text: ``latest`` itself when the two fetches agree on no change,
        ``second`` when they agree on everything.
    """
    if first == second:
        return second
    return replace(
        latest,
        headline=_agreed(latest.headline, first.headline, second.headline),
        byline=_agreed(latest.byline, first.byline, second.byline),
        dateline=_agreed(latest.dateline, first.dateline, second.dateline),
        paragraphs=tuple(
            confirm_paragraphs(latest.paragraphs, first.paragraphs, second.paragraphs)
        ),
    )


def confirm_first(first: Article, second: Article) -> Article:
    """The first version as two fetches agree on it: the text of ``first`` with only the
    paragraphs ``second`` shows too: those the two show in the same order, and then those
    it shows elsewhere (as many times as it does).

    When a paragraph of the article and an item of a rotating pool stand in the other order
    in the second fetch (the pool's item drawn in another slot), order alone cannot tell
    which of the two moved, and leaving out the article's paragraph would publish it as
    added later: both are kept, and the item is read as one once it rotates
    (:mod:`crawler.detection.template`). An item the first fetch shows twice, and the
    second once, is kept where the second shows it.
    """
    shared = _common(first.paragraphs, second.paragraphs)
    kept = {i for i, _ in shared}
    elsewhere = Counter(second.paragraphs) - Counter(second.paragraphs[j] for _, j in shared)
    for i, text in enumerate(first.paragraphs):
        if i not in kept and elsewhere[text]:
            elsewhere[text] -= 1
            kept.add(i)
    return replace(first, paragraphs=tuple(first.paragraphs[i] for i in sorted(kept)))


def _agreed(latest: str, first: str, second: str) -> str:
    return first if first == second else latest


def confirm_paragraphs(
    latest: Sequence[str], first: Sequence[str], second: Sequence[str], *, pooled: bool = True
) -> list[str]:
    """The paragraphs of ``latest`` with the edits both ``first`` and ``second`` made.

    The paragraphs the two fetches share (in order) are aligned with ``latest``; the
    stretches between paragraphs all three share are settled one by one
    (:func:`_stretch`). With ``pooled``, the two fetches are aligned whatever their numbers
    (a clock holds its place among them, although it is no paragraph both show), and a
    text one fetch shows in a volatile place (where the other shows another) is an item of
    a rotating pool wherever it stands: the other fetch showing it too, elsewhere, is a
    coincidence, not a change both made. (Words, which repeat, are settled without it.)
    """
    if list(first) == list(second):
        return list(second)
    if not pooled:
        shared = _common(first, second)
    else:
        masks = _common([masked(t) for t in first], [masked(t) for t in second])
        shared = [(i, j) for i, j in masks if first[i] == second[j]]
        matched_first = {i for i, _ in shared}
        matched_second = {j for _, j in shared}
        rotating = {t for i, t in enumerate(first) if i not in matched_first} | {
            t for j, t in enumerate(second) if j not in matched_second
        }
        shared = [(i, j) for i, j in shared if first[i] not in rotating]
    agreed = [first[i] for i, _ in shared]
    in_first = {i for i, _ in shared}
    in_second = {j for _, j in shared}
    # Each anchor: its index in latest, in first and in second; then the ends.
    anchors = [(li, *shared[ai]) for li, ai in _common(latest, agreed)]
    anchors.append((len(latest), len(first), len(second)))
    out: list[str] = []
    lo_l = lo_f = lo_s = -1
    for hi_l, hi_f, hi_s in anchors:
        out.extend(
            _stretch(
                latest[lo_l + 1 : hi_l],
                [(first[i], i in in_first) for i in range(lo_f + 1, hi_f)],
                [(second[j], j in in_second) for j in range(lo_s + 1, hi_s)],
            )
        )
        if hi_l < len(latest):
            out.append(latest[hi_l])
        lo_l, lo_f, lo_s = hi_l, hi_f, hi_s
    return out


def _stretch(
    latest: Sequence[str], first: Sequence[tuple[str, bool]], second: Sequence[tuple[str, bool]]
) -> list[str]:
    """One stretch between anchors: the agreed paragraphs in first's order, and in each
    volatile place the paragraph of ``latest`` it is given, if any. Each paragraph of
    ``first`` and ``second`` comes with whether the other fetch shows it too (agreed).

    A paragraph of ``latest`` goes, the most alike pairs first, to a volatile place, or is
    taken as the source of an agreed paragraph that rewords it (at least :data:`EDITED`
    alike); places and paragraphs left over are paired by position; what is still left
    of ``latest`` was cut. The places keep their paragraphs in ``latest``'s order: two
    rotating lines side by side are not a swap of what the latest version had there.
    """
    places = [(text, i) for i, (text, agreed) in enumerate(first) if not agreed]
    shown_first = len(places)
    only_second = [(text, i) for i, (text, agreed) in enumerate(second) if not agreed]
    places += only_second[shown_first:]  # more places than the first fetch shows
    new = [text for text, agreed in first if agreed]
    pairs = [
        (likeness(text, target), -abs(li - at), li, pi)
        for li, text in enumerate(latest)
        for pi, (target, at) in enumerate(places)
    ]
    pairs += [
        (like, 0, li, -1)
        for li, text in enumerate(latest)
        for target in new
        if (like := likeness(text, target)) >= EDITED
    ]
    given: dict[int, int] = {}  # place: the paragraph of latest it keeps
    used: set[int] = set()
    for like, _, li, pi in sorted(pairs, reverse=True):
        if like <= 0 or li in used or pi in given:
            continue
        used.add(li)  # an edit's source (pi == -1) is used up, and dropped
        if pi >= 0:
            given[pi] = li
    for pi, (_, at) in enumerate(places):
        rest = [li for li in range(len(latest)) if li not in used]
        if pi not in given and rest:
            nearest = min(rest, key=lambda li: abs(li - at))
            used.add(nearest)
            given[pi] = nearest
    # The places keep the paragraphs given to them in the order the latest version had.
    given = dict(zip(sorted(given), sorted(given.values()), strict=True))
    others = [text for text, agreed in second if not agreed]
    out: list[str] = []
    pi = 0
    for text, agreed in first:
        if agreed:
            out.append(text)
            continue
        if pi in given:
            out.append(_settled(latest[given[pi]], text, others))
        pi += 1
    out.extend(latest[given[p]] for p in range(shown_first, len(places)) if p in given)
    return out


def _settled(old: str, first: str, seconds: Sequence[str]) -> str:
    """The paragraph a volatile place keeps: ``old`` with the words both fetches changed
    the same way, when ``first`` and the most alike of ``seconds`` both reword it (at
    least :data:`EDITED` alike); else ``old`` as it was."""
    second = max(seconds, key=lambda text: likeness(old, text), default="")
    if min(likeness(old, first), likeness(old, second)) < EDITED:
        return old
    return " ".join(confirm_paragraphs(old.split(), first.split(), second.split(), pooled=False))


def _common(a: Sequence[str], b: Sequence[str]) -> list[tuple[int, int]]:
    """The pairs of indices of the paragraphs ``a`` and ``b`` share, in order."""
    matcher = SequenceMatcher(None, list(a), list(b), autojunk=False)
    blocks = matcher.get_matching_blocks()
    return [(block.a + k, block.b + k) for block in blocks for k in range(block.size)]
