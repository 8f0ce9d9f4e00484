"""A site's template, learned from its pages: which blocks of a page are the site's, not
the article's. Pure functions; the evidence lives in Redis (:mod:`crawler.store.sitetemplate`).

Every page a worker reads teaches redline something about its site, with no configuration:

- **blocks**: each paragraph the extraction read, by its *mark* (its words, lower-cased,
  with every number masked, so "Updated 5 minutes ago" and "Updated 17 minutes ago" are
  one block): on which of the site's articles it was read (up to :data:`MAX_ARTICLES`,
  learned from every page read), and how many times it *flickered*: of the two fetches
  that confirm a change, one showed it where the other showed another block, or it
  rotated into the place of a block left out (a block only one fetch shows, with nothing
  in its place in the other, is no evidence: it may be an edit made between the two
  fetches);
- **places**: each paragraph's structural position on the page (the tags and stable
  class names of the elements that hold it, not its words): how many times a block there
  flickered, and how many times both fetches showed the same block there;
- **pages**: how many of the site's articles were read.

Each article also keeps the *outline* of the last page read as its latest version
(:func:`outline`): the marks of all that page's paragraphs in order, with the blocks the
extraction left out between them (a short sponsored line, a link), which were left out,
and where each stands. A block is its mark at its place: an item that moves to another
place is not the block the outline showed there. From the evidence and the outline each
paragraph of a page is judged (:func:`verdicts`):

- **template**, when its block flickered and was read on another article of the site too
  (a rotating sponsored line, a clock, a counter, the headline of another story);
- **volatile**, when its place flickered at least :data:`FLICKERING` times and more than
  twice as often as it held steady: whatever stands there is left out, from the first fetch
  on, including words never seen before;
- **rotating**, when it stands where the outline or the latest version showed *another*
  block left out (one of as many differing paragraphs on each side, between the same
  neighbours, at the same place): another item of a rotating block, whatever its words,
  even on its first appearance anywhere;
- **clutter**, a block the extraction left out: it stands in the outline, never in the
  article; a paragraph of the latest version that stood where the page now shows one is
  an item of a slot the extraction reads one time and not the next, not a cut;
- **article** otherwise. Repetition alone never makes a block template: articles of one
  site share whole paragraphs (background reused in follow-up stories, wire copy, the same
  correction appended to several stories), and such a paragraph never flickers.

A confirmed change the evidence casts doubt on (:func:`doubtful`) is published only once
later regular checks show it again: one, or two when a doubted paragraph flickered, is one
the site shows on other articles, or replaces another wholesale. A site with too few articles for
evidence across pages is still protected by the confirmation of every change
(:mod:`crawler.detection.confirm`), by the outline and by its volatile places.
"""

from __future__ import annotations

import enum
import functools
import hashlib
from collections import Counter
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher
from typing import TYPE_CHECKING, TypeVar

from crawler.detection.confirm import EDITED
from crawler.domain.models import Article
from crawler.domain.normalize import likeness, masked

if TYPE_CHECKING:
    from crawler.extraction.extract import Flow

_Item = TypeVar("_Item", bound=Hashable)

MAX_ARTICLES = 8
"""How many of the site's articles a block's evidence names (enough to judge it)."""

FLICKERING = 2
"""A place is volatile once a block there flickered this many times (and seldom held)."""

MARKS_KEPT = 4096
"""How many paragraphs' marks a process keeps at hand (a check computes each several
times, and an unchanged article's paragraphs again at every check)."""

LEFT_OUT = "~"
"""Marks a paragraph left out of the article in an :func:`outline`."""

AT = "@"
"""Comes before a paragraph's place in an :func:`outline`."""


class Role(enum.StrEnum):
    """What a paragraph of a page is, judging by its site's evidence (``ROTATING``: by the
    article's outline; ``CLUTTER``: by the extraction, which did not read it as article
    text)."""

    ARTICLE = "article"
    TEMPLATE = "template"
    VOLATILE = "volatile"
    ROTATING = "rotating"
    CLUTTER = "clutter"


@dataclass(frozen=True)
class BlockSeen:
    """What the site's pages showed of one block.

    Attributes:
        articles: Tokens (:func:`token`) of the articles it was read on, at most
            :data:`MAX_ARTICLES`.
        flickers: How many times one of two fetches of an article showed it and the other
            did not.
    """

    articles: tuple[str, ...] = ()
    flickers: int = 0


@dataclass(frozen=True)
class PlaceSeen:
    """What two fetches of the site's articles showed at one place.

    Attributes:
        flickers: How many times a block there was shown by one fetch and not the other.
        steady: How many times both fetches showed the same block there.
    """

    flickers: int = 0
    steady: int = 0


@dataclass(frozen=True)
class Evidence:
    """What is known of a site's template, for the marks and places asked about.

    Attributes:
        blocks: Mark -> what was seen of that block (marks never seen are absent).
        places: Place -> what was seen there (places never seen are absent).
        pages: How many of the site's articles were read (an estimate).
    """

    blocks: Mapping[str, BlockSeen] = field(default_factory=dict)
    places: Mapping[str, PlaceSeen] = field(default_factory=dict)
    pages: int = 0

    def adding(self, other: Evidence) -> Evidence:
        """This evidence and ``other``'s, about more marks and places."""
        return Evidence(
            {**self.blocks, **other.blocks},
            {**self.places, **other.places},
            max(self.pages, other.pages),
        )


NO_EVIDENCE = Evidence()
"""Nothing learned yet."""


@dataclass(frozen=True)
class Verdict:
    """How a paragraph was judged, and why (for people: ``redline check``)."""

    role: Role
    why: str = ""


@dataclass(frozen=True)
class Lesson:
    """What one check teaches about its site (written with the check).

    Attributes:
        token: The article's token.
        blocks: Marks of the paragraphs the page showed.
        flickered: Marks of paragraphs one of the two fetches showed and the other did not.
        flickering: The place of each paragraph of the confirming fetch that stands where
            the first fetch showed another (a place once per such paragraph).
        steady: The place of each paragraph both fetches showed (a place once per such
            paragraph).
    """

    token: str
    blocks: tuple[str, ...]
    flickered: tuple[str, ...] = ()
    flickering: tuple[str, ...] = ()
    steady: tuple[str, ...] = ()


@functools.lru_cache(maxsize=MARKS_KEPT)
def mark(text: str) -> str:
    """Names a block of text whatever its numbers: the same for "Updated 5 minutes ago"
    and "Updated 17 minutes ago"."""
    return hashlib.blake2b(masked(text).encode("utf-8"), digest_size=8).hexdigest()


def token(article_id: str) -> str:
    """The short name of an article in its site's evidence."""
    return article_id[:8]


def judge(evidence: Evidence, article: str, text: str, place: str = "") -> Verdict:
    """Judges one paragraph of ``article`` (a token) by its site's evidence (see the
    module docstring); ``place`` is "" when unknown."""
    seen = evidence.blocks.get(mark(text))
    if seen is not None and (why := template_reason(seen, article)):
        return Verdict(Role.TEMPLATE, why)
    where = evidence.places.get(place) if place else None
    if where is not None and (why := volatile_reason(where)):
        return Verdict(Role.VOLATILE, why)
    return Verdict(Role.ARTICLE)


def template_reason(seen: BlockSeen, article: str = "") -> str:
    """Why a block is template on ``article`` (a token; "" for an article it was not read
    on), "" if it is not."""
    others = len([a for a in seen.articles if a != article])
    if others and seen.flickers:
        plural = "s" if others > 1 else ""
        return (
            f"is replaced by another block between two fetches ({seen.flickers} times) and"
            f" is on {others} other article{plural} of the site"
        )
    return ""


def volatile_reason(where: PlaceSeen) -> str:
    """Why a place is volatile, "" if it is not."""
    if where.flickers >= FLICKERING and 2 * where.steady < where.flickers:
        return (
            f"stands where the site's pages changed between fetches {where.flickers} times"
            f" (and held {where.steady})"
        )
    return ""


def marks_of(*articles: Article | None) -> set[str]:
    """The marks of the paragraphs of ``articles`` (None ones ignored)."""
    return {mark(p) for a in articles if a is not None for p in a.paragraphs}


def kept(page: Article, judged: Sequence[Verdict]) -> Article:
    """``page`` without the paragraphs ``judged`` (the verdict on each, :func:`verdicts`)
    does not judge article text."""
    return replace(
        page,
        paragraphs=tuple(
            text
            for text, verdict in zip(page.paragraphs, judged, strict=True)
            if verdict.role is Role.ARTICLE
        ),
    )


def outline(shown: Shown) -> str:
    """What an article's page showed, as kept in its state for the next check to read
    against (see :func:`verdicts`): each paragraph's mark in order (the blocks the
    extraction left out between them too), those not judged article text prefixed with
    :data:`LEFT_OUT`, and each one's place after :data:`AT` where it is known."""
    places = _places(shown.page, shown.places)
    return " ".join(
        f"{'' if verdict.role is Role.ARTICLE else LEFT_OUT}{mark(text)}"
        f"{AT + place if place else ''}"
        for text, verdict, place in zip(shown.page.paragraphs, shown.judged, places, strict=True)
    )


@dataclass(frozen=True)
class Doubt:
    """What the evidence says against a confirmed change (:func:`doubtful`).

    Attributes:
        paragraphs: The paragraphs it adds or cuts that are in doubt.
        checks: How many regular checks must show the change again before it is
            published: 0 without doubt, 1, and 2 when a paragraph in doubt flickered or
            was read on another article of the site, or replaces another one wholesale
            (an item of a pool agrees by coincidence more often than text of the
            article's own).
    """

    paragraphs: tuple[str, ...] = ()
    checks: int = 0


@dataclass(frozen=True)
class Shown:
    """A page as its site's evidence read it.

    Attributes:
        page: All the paragraphs the extraction read, and the blocks it left out between
            them (:attr:`crawler.extraction.extract.ExtractedPage.flow`).
        places: Each one's place, or empty when they are unknown.
        judged: The verdict on each (:func:`verdicts`; ``clutter`` for a block the
            extraction left out).
    """

    page: Article
    places: Sequence[str]
    judged: Sequence[Verdict]

    def confirmed(self, text: Article) -> Shown:
        """The page as a confirmation read it: its paragraphs judged article text that the
        confirmed ``text`` does not hold are volatile (the two fetches did not agree on
        them), so the article's outline shows their place as a slot."""
        held = set(text.paragraphs)
        return replace(
            self,
            judged=tuple(
                _UNCONFIRMED if verdict.role is Role.ARTICLE and paragraph not in held else verdict
                for paragraph, verdict in zip(self.page.paragraphs, self.judged, strict=True)
            ),
        )

    @functools.cached_property
    def read(self) -> Shown:
        """The paragraphs the extraction read, without the blocks it left out."""
        places = _places(self.page, self.places)
        kept = [
            (text, place, verdict)
            for text, place, verdict in zip(self.page.paragraphs, places, self.judged, strict=True)
            if verdict.role is not Role.CLUTTER
        ]
        return Shown(
            replace(self.page, paragraphs=tuple(text for text, _, _ in kept)),
            tuple(place for _, place, _ in kept) if self.places else (),
            tuple(verdict for _, _, verdict in kept),
        )


def doubtful(
    evidence: Evidence,
    article_token: str,
    latest: Article,
    confirmed: Article,
    shown: Shown,
    last: str = "",
) -> Doubt:
    """What casts doubt on a confirmed change: two fetches agreeing on a paragraph may be a
    coincidence of a rotating block.

    Doubted are a paragraph ``confirmed`` adds to ``latest`` (the latest version's text)
    that flickered or was read on another article of the site, that stands in a place where
    blocks flickered more often than they held or where none of the article's unchanged
    paragraphs stands, or that the article's last page (its :func:`outline` ``last``) showed
    left out (an item of a slot that the two fetches drew again, or an edit made between the
    fetches of the last check); a paragraph it cuts that flickered or was read on another
    article, or that stands where the current page (``shown``) shows other paragraphs, one
    of them left out; a paragraph replaced wholesale by another, in the same place among
    paragraphs that did not change, and the other (unless one of them holds the headline,
    which a new headline replaces whole); and a block of the site's pages that changed only
    in its numbers (a counter, a clock). A paragraph reworded (a cut one and an added one at
    least :data:`crawler.detection.confirm.EDITED` alike) is an edit, and doubted only for
    where it stands or for its numbers. Such a change is published only once later regular
    checks show it again (see :mod:`crawler.detection.check`).
    """
    added = set(confirmed.paragraphs) - set(latest.paragraphs)
    cut = set(latest.paragraphs) - set(confirmed.paragraphs)
    reworded = {
        text for old in cut for new in added if likeness(old, new) >= EDITED for text in (old, new)
    }
    doubts = {text for text in (added | cut) - reworded if _unsteady(evidence, article_token, text)}
    numbers = {mark(text) for text in cut} & {mark(text) for text in added}
    doubts.update(
        text
        for text in (added | cut) & reworded
        if mark(text) in numbers and _unsteady(evidence, article_token, text)
    )
    unchanged = set(latest.paragraphs) & set(confirmed.paragraphs)
    swapped = {
        text
        for a, b in _aligned(latest.paragraphs, confirmed.paragraphs)
        if unchanged
        and latest.paragraphs[a] in cut
        and confirmed.paragraphs[b] in added - reworded
        and not _headline(latest, latest.paragraphs[a])
        and not _headline(confirmed, confirmed.paragraphs[b])
        for text in (latest.paragraphs[a], confirmed.paragraphs[b])
    }
    doubts |= swapped
    left_before = {block for block, out, _ in _entries(last) if out}
    doubts.update(text for text in added if mark(text) in left_before)
    page, places = shown.page, shown.places
    if len(places) == len(page.paragraphs):
        article_places = {p for t, p in zip(page.paragraphs, places, strict=True) if t in unchanged}
        doubts.update(
            text
            for text, place in zip(page.paragraphs, places, strict=True)
            if text in added
            and (
                _flickery(evidence.places.get(place))
                or (article_places and place not in article_places)
            )
        )
    if cut:
        read = shown.read
        left_out = [verdict.role is not Role.ARTICLE for verdict in read.judged]
        beside = _beside_left_out(latest.paragraphs, read.page.paragraphs, left_out)
        doubts.update(cut.intersection(latest.paragraphs[i] for i in beside))
    if not doubts:
        return Doubt()
    shared = swapped or any(_unsteady(evidence, article_token, text) for text in doubts)
    return Doubt(tuple(sorted(doubts)), 2 if shared else 1)


def verdicts(
    evidence: Evidence,
    article_token: str,
    flow: Flow,
    before: Article | None = None,
    last: str = "",
) -> list[Verdict]:
    """How each paragraph of a page's ``flow`` is judged by its site's evidence
    (:func:`judge`; ``clutter`` for a block the extraction left out, whatever the evidence
    says: it stands in the page's outline, never in its article).

    With ``before``, the latest version's text, and ``last``, the :func:`outline` of the
    article's last page: a paragraph that stands where either showed *another* block not
    article text (one of as many differing paragraphs on each side, in order, see
    :func:`_aligned`; at the same place of the page, where the outline knows it) is
    another item of that rotating block, whatever its words: a new sponsored line or
    another story's headline is never seen on the site before it first rotates in. A block
    of the latest version is not article text when it is template, or when the page shows
    another block left out where the last page showed it (an item of a slot). A block
    that stands where the last page showed a block left out, when the latest version holds
    neither (a clock, or another slot's item, the confirmation left out), stands in none
    of the latest version's places.
    """
    page = flow.article
    count = len(page.paragraphs)
    where = _places(page, flow.places)
    unread = flow.left_out if len(flow.left_out) == count else (False,) * count
    judged = [
        _UNREAD if out else judge(evidence, article_token, text, place)
        for text, place, out in zip(page.paragraphs, where, unread, strict=True)
    ]
    marks = [mark(text) for text in page.paragraphs]
    read = [i for i in range(count) if not unread[i]]
    slots: list[tuple[str, int]] = []
    if before is not None:
        previous = [mark(text) for text in before.paragraphs]
        blocks = _outlined(last)
        items = {blocks[o] for o in _slots(last, marks, where, judged)}
        gone = {
            b
            for b, block in enumerate(previous)
            if block in items
            or judge(evidence, article_token, before.paragraphs[b]).role is Role.TEMPLATE
        }
        held = set(previous)
        again = {
            p
            for o, out, p in _outline_pairs(last, marks, where)
            if out and blocks[o] not in held and marks[p] not in held
        }
        aligned = [i for i in read if i not in again]
        texts = [page.paragraphs[i] for i in aligned]
        shown = [marks[i] for i in aligned]
        slots.extend(
            ("the latest version", aligned[p])
            for p in sorted(_in_place(shown, previous, gone, (texts, before.paragraphs)))
        )
    slots.extend(
        ("the article's last page", p) for _, out, p in _against_outline(last, marks, where) if out
    )
    for whose, p in slots:
        if judged[p].role is Role.ARTICLE:
            judged[p] = Verdict(
                Role.ROTATING, f"stands where {whose} showed another block that is not article text"
            )
    return judged


_UNREAD = Verdict(Role.CLUTTER, "the extraction did not read it as article text")
_UNCONFIRMED = Verdict(Role.VOLATILE, "the two fetches of the change did not agree on it")


def _places(page: Article, places: Sequence[str]) -> list[str]:
    """Each paragraph's place ("" for all when ``places`` does not give one per paragraph)."""
    return list(places) if len(places) == len(page.paragraphs) else [""] * len(page.paragraphs)


def _unsteady(evidence: Evidence, article_token: str, text: str) -> bool:
    """True for a paragraph that is not only this article's text, as far as the site's
    evidence says: it flickered, or was read on another article than ``article_token``."""
    seen = evidence.blocks.get(mark(text))
    return (seen is not None and seen.flickers > 0) or _elsewhere(evidence, article_token, text)


def _against_outline(
    last: str, marks: Sequence[str], places: Sequence[str]
) -> list[tuple[int, bool, int]]:
    """The blocks of the :func:`outline` ``last`` that a page (the ``marks`` of its
    paragraphs, and their ``places``) shows another block in place of (see
    :func:`_outline_pairs`)."""
    blocks = _outlined(last)
    return [
        (o, out, p) for o, out, p in _outline_pairs(last, marks, places) if blocks[o] != marks[p]
    ]


def _outline_pairs(
    last: str, marks: Sequence[str], places: Sequence[str]
) -> list[tuple[int, bool, int]]:
    """The blocks of the :func:`outline` ``last`` and the paragraphs of a page (their
    ``marks`` and ``places``) that stand in the same place (see :func:`_aligned`; a block
    is its mark and, where the outline knows it, its place, so a block moved to another
    place stands in neither; in a stretch the two do not share, of unequal lengths, a block
    and a paragraph that are each the only one of the stretch at a place stand in it):
    each block's index in the outline, whether it was left out, and the index of the page's
    paragraph that stands there."""
    entries = _entries(last)
    placed = any(place for _, _, place in entries)
    outlined = [(block, place) for block, _, place in entries]
    shown = [(text, place if placed else "") for text, place in zip(marks, places, strict=True)]
    return [
        (o, entries[o][1], p)
        for o, p in _aligned(outlined, shown, by=_place_of if placed else None)
        if outlined[o][1] in ("", places[p] or outlined[o][1])
    ]


def _place_of(block: tuple[str, str]) -> str:
    """Where a block (its mark and its place) stands on the page."""
    return block[1]


def _slots(
    last: str, marks: Sequence[str], places: Sequence[str], judged: Sequence[Verdict]
) -> set[int]:
    """The indices of the blocks of the :func:`outline` ``last`` that a page (the ``marks``
    of its paragraphs, their ``places`` and the verdicts ``judged`` on them) shows another
    block not judged article text in place of: items of a slot."""
    return {
        o for o, _, p in _against_outline(last, marks, places) if judged[p].role is not Role.ARTICLE
    }


def _outlined(last: str) -> list[str]:
    """The marks of the blocks of the :func:`outline` ``last``, in order."""
    return [block for block, _, _ in _entries(last)]


def _entries(last: str) -> list[tuple[str, bool, str]]:
    """The blocks of the :func:`outline` ``last``, in order: each one's mark, whether it was
    left out, and its place ("" where the outline does not know it)."""
    return [
        (block.removeprefix(LEFT_OUT), block.startswith(LEFT_OUT), place)
        for block, _, place in (entry.partition(AT) for entry in last.split())
    ]


def _headline(article: Article, text: str) -> bool:
    """True for a paragraph that holds ``article``'s headline (its heading, read as text)."""
    return bool(article.headline) and article.headline in text


def _elsewhere(evidence: Evidence, article_token: str, text: str) -> bool:
    """True for a paragraph read on another article of the site than ``article_token``."""
    seen = evidence.blocks.get(mark(text))
    return seen is not None and any(a != article_token for a in seen.articles)


def _beside_left_out(before: Sequence[str], page: Sequence[str], left_out: list[bool]) -> set[int]:
    """Indices of paragraphs of ``before`` in a stretch that ``page`` (whose paragraphs
    ``left_out`` marks) replaces with other paragraphs, one of them left out."""
    matcher = SequenceMatcher(None, before, page, autojunk=False)
    return {
        i
        for tag, a1, a2, b1, b2 in matcher.get_opcodes()
        if tag == "replace" and any(left_out[b1:b2])
        for i in range(a1, a2)
    }


def _flickered(evidence: Evidence, text: str) -> bool:
    """True for a paragraph that flickered on some article of the site."""
    seen = evidence.blocks.get(mark(text))
    return seen is not None and seen.flickers > 0


def _flickery(where: PlaceSeen | None) -> bool:
    """True for a place where blocks flickered more often than they held."""
    return where is not None and where.flickers > where.steady


def _in_place(
    a: Sequence[str],
    b: Sequence[str],
    chosen: set[int],
    texts: tuple[Sequence[str], Sequence[str]] | None = None,
) -> set[int]:
    """The indices of the blocks ``a`` (marks) that stand where ``b`` (marks) shows another
    block, one of those ``chosen``: paired one for one in a stretch the two do not share
    (:func:`_aligned`); or, in a stretch of unequal lengths, all of ``a``'s when they are no
    more than the chosen blocks there. With ``texts`` (the paragraphs of ``a`` and of
    ``b``), not in a stretch where one of ``a`` rewords (at least
    :data:`crawler.detection.confirm.EDITED` alike) one of ``b``."""
    found: set[int] = set()
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    for tag, a1, a2, b1, b2 in matcher.get_opcodes():
        if tag != "replace":
            continue
        if a2 - a1 == b2 - b1:
            found.update(a1 + k for k in range(a2 - a1) if b1 + k in chosen)
        elif a2 - a1 <= len(chosen.intersection(range(b1, b2))) and not (
            texts
            and any(
                likeness(texts[0][i], texts[1][j]) >= EDITED
                for i in range(a1, a2)
                for j in range(b1, b2)
            )
        ):
            found.update(range(a1, a2))
    return found


def _aligned(
    a: Sequence[_Item], b: Sequence[_Item], by: Callable[[_Item], str] | None = None
) -> list[tuple[int, int]]:
    """Pairs of indices of paragraphs of ``a`` and ``b`` that stand in the same place:
    the same paragraph, or, in a stretch the two do not share, one of as many paragraphs
    on each side, in order. With ``by`` (where an item stands on the page), in such a
    stretch of unequal lengths, an item of ``a`` and one of ``b`` that are each the only one
    of the stretch standing there."""
    pairs: list[tuple[int, int]] = []
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    for tag, a1, a2, b1, b2 in matcher.get_opcodes():
        if tag == "equal" or (tag == "replace" and a2 - a1 == b2 - b1):
            pairs.extend((a1 + k, b1 + k) for k in range(a2 - a1))
        elif tag == "replace" and by is not None:
            ours, theirs = _alone(a, a1, a2, by), _alone(b, b1, b2, by)
            pairs.extend((ours[where], theirs[where]) for where in ours.keys() & theirs.keys())
    return sorted(pairs)


def _alone(
    items: Sequence[_Item], start: int, end: int, by: Callable[[_Item], str]
) -> dict[str, int]:
    """The places (``by``, "" not one) that one item alone of ``items[start:end]`` stands
    at, each with that item's index."""
    count = Counter(by(item) for item in items[start:end])
    return {where: i for i in range(start, end) if (where := by(items[i])) and count[where] == 1}


def kept_before(
    evidence: Evidence, article_token: str, before: Article, shown: Shown, last: str = ""
) -> Article:
    """An earlier text of the article (``before``), read with the evidence the current page
    (``shown``, with the verdict on each of its paragraphs, :func:`verdicts`) is read with.
    Left out of it are its paragraphs:

    - judged template;
    - that stand where the page has a paragraph the evidence leaves out: the same paragraph
      (read as the page reads it), or, for one that flickered or was read on another
      article of the site, another one (in a stretch the two texts do not share, one of as
      many paragraphs as the page has there, in the same order);
    - that flickered and stand in a stretch where the page shows other paragraphs, one of
      them left out: a rotating line the page shows another item of;
    - that stood, on the article's last page (its outline ``last``), where the page now
      shows another block left out, by the evidence or by the extraction, at the same
      place: a slot whose item the extraction reads one time and not the next (a block
      with the same words that the page shows where it stood, read as text, is not that
      item: two datelines alike but for their numbers);
    - that stand where the last page showed other blocks (the confirmation kept the
      paragraph while the fetches showed other items there), no fewer than they are, that
      the page now shows left-out blocks in place of: a slot that showed three items in
      turn (see :func:`_in_place`).
    """
    read = shown.read
    left_out = [verdict.role is not Role.ARTICLE for verdict in read.judged]
    if not evidence.blocks and not any(v.role is not Role.ARTICLE for v in shown.judged):
        return before
    dropped = {
        i
        for i, text in enumerate(before.paragraphs)
        if judge(evidence, article_token, text).role is Role.TEMPLATE
    }
    aligned = _aligned(before.paragraphs, read.page.paragraphs)
    dropped.update(
        b
        for b, p in aligned
        if left_out[p]
        and (
            before.paragraphs[b] == read.page.paragraphs[p]
            or _unsteady(evidence, article_token, before.paragraphs[b])
        )
    )
    marks = [mark(text) for text in shown.page.paragraphs]
    places = _places(shown.page, shown.places)
    blocks = _outlined(last)
    slots = _slots(last, marks, places, shown.judged)
    previous = [mark(text) for text in before.paragraphs]
    items = {blocks[o] for o in slots}
    shown_as_is = {
        b for b, p in aligned if not left_out[p] and before.paragraphs[b] == read.page.paragraphs[p]
    }
    dropped.update(i for i, block in enumerate(previous) if block in items and i not in shown_as_is)
    dropped.update(_in_place(previous, blocks, slots))
    dropped.update(
        b
        for b in _beside_left_out(before.paragraphs, read.page.paragraphs, left_out)
        if _flickered(evidence, before.paragraphs[b])
    )
    return replace(
        before,
        paragraphs=tuple(t for i, t in enumerate(before.paragraphs) if i not in dropped),
    )


def lesson(
    article_token: str,
    shown: Shown,
    fetches: tuple[Article, Article] | None = None,
    kept_from: tuple[Article, Article] | None = None,
) -> Lesson:
    """What a check that read a page (``shown``: its paragraphs, their places and the
    verdicts on them; the blocks the extraction left out teach nothing) teaches its site.

    With ``fetches``, the texts of the first fetch and of this one as the evidence read
    them (its template left out): a paragraph one fetch shows where the other shows another
    (:func:`_aligned`) flickered, and so did that other, in a flickering place. A paragraph
    only one fetch shows with nothing in its place is not evidence either way: it may be an
    edit made between the two fetches. With ``kept_from``, the latest version's text and
    the confirmed one: a paragraph of the latest version that neither fetch shows but the
    confirmed text keeps, where each fetch shows another paragraph and the two differ,
    stood in a place that flickered, and flickered too.
    """
    read = shown.read
    page, places, judged = read.page, read.places, read.judged
    blocks = tuple(sorted({mark(p) for p in page.paragraphs}))
    rotating = {
        text
        for text, verdict in zip(page.paragraphs, judged, strict=True)
        if verdict.role is Role.ROTATING
    }
    if fetches is None:
        return Lesson(article_token, blocks, flickered=tuple(sorted({mark(t) for t in rotating})))
    first, second = fetches
    replaced = {
        (first.paragraphs[a], second.paragraphs[b])
        for a, b in _aligned(first.paragraphs, second.paragraphs)
        if first.paragraphs[a] != second.paragraphs[b]
    }
    flickered = rotating | {text for pair in replaced for text in pair}
    rotated = {new for _, new in replaced}
    if kept_from is not None:
        latest, confirmed = kept_from
        fetched = set(first.paragraphs) | set(second.paragraphs)
        kept_only = set(latest.paragraphs) & set(confirmed.paragraphs) - fetched
        in_first = dict(_aligned(latest.paragraphs, first.paragraphs))
        in_second = dict(_aligned(latest.paragraphs, second.paragraphs))
        flickered.update(
            text
            for i, text in enumerate(latest.paragraphs)
            if text in kept_only
            and i in in_first
            and i in in_second
            and first.paragraphs[in_first[i]] != second.paragraphs[in_second[i]]
        )
    where = places if len(places) == len(page.paragraphs) else [""] * len(page.paragraphs)
    held = set(first.paragraphs) & set(second.paragraphs)
    flickering = [p for t, p in zip(page.paragraphs, where, strict=True) if p and t in rotated]
    steady = [p for t, p in zip(page.paragraphs, where, strict=True) if p and t in held]
    return Lesson(
        article_token,
        blocks,
        flickered=tuple(sorted({mark(p) for p in flickered})),
        flickering=tuple(sorted(flickering)),
        steady=tuple(sorted(steady)),
    )
