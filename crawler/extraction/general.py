"""The general extractor: the article of any page, with no rules and no structured data.

trafilatura chooses the article's text: tuned for precision, without comments, and without
its de-duplication cache (which carries state from one call to the next and would make the
same page extract differently later). Its choice is then checked against the page itself,
so that what is around the article can never change what is read:

1. before it reads the page, inline clutter is removed: blocks that are furniture and
   mostly link ("Related: <a>...</a>", "Read more: <a>...</a>"), and short paragraphs that
   are a link to another story of the site, whatever their label ("Don't miss:
   <a>...</a>");
2. each line it returns is matched to the block of the page it came from (a line it cut
   short is replaced by the whole block). The *article region* is the innermost element
   holding most of the matched text that is not link text. Lines from blocks outside the
   region (a sidebar teaser, a "Most read" list) and lines that are mostly link text are
   dropped. When the page's main block of prose lies apart from the region and holds
   several times as much text, the extractor read a notice or a teaser, and that block is
   the region instead. Elements with the region's tag and class near it continue it (an
   article cut into chunks with ads between them);
3. blocks of prose inside the region that it skipped are added back where they stand, so
   an edit to any paragraph of the article is seen, and so are its paragraphs and list
   items that are links to another site (a source, a document, a product: "Get it at
   <a>...</a>"); so are the list items of prose it skipped when they hold more text than
   all it read (an article written as a list), never a list beside the article's prose.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import trafilatura
from trafilatura.metadata import examine_meta, extract_meta_json, extract_title

from crawler.domain.normalize import normalise_text
from crawler.extraction.clutter import is_clutter_name, is_furniture
from crawler.extraction.paragraphs import Paragraph, paragraphs_of, place_of, stable_class

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence

    import lxml.html

VERSION = f"trafilatura-{trafilatura.__version__}"

# The article region holds at least this share of the text matched to the page.
_REGION_SHARE = 0.8
# A skipped paragraph is added back only with at most this share of link text...
_PROSE_LINKS = 0.3
# ... and at least this many words.
_PROSE_WORDS = 8
# A paragraph that is a link with at most this many words is an inline pointer to another
# story.
_INLINE_LINK_WORDS = 20
# How many paragraphs after the previous line's a line cut short is looked for in.
_LOOKAHEAD = 50
# The page's main block of prose replaces the region when it holds this many times the
# text matched to the page, apart from it.
_OUTWEIGH = 3
# A line that is no paragraph of the page is split into the paragraphs found in it when they
# make up this share of its characters.
_GLUED = 0.4
# How far up from the region elements that continue it are looked for.
_KIN_LEVELS = 3
# Blocks whose text may be added back.
_PROSE_BLOCKS = frozenset({"p", "div"})
# List items that may be added back, when the article is written as a list.
_LISTED = frozenset({"li"})
# Blocks that are read when they are links to another site.
_CITING = _PROSE_BLOCKS | _LISTED
# Elements whose paragraphs are never added back.
_NOT_PROSE = frozenset({"figure", "figcaption", "aside", "nav", "footer", "header", "form"})
_WORD = re.compile(r"\w+")
# What the extractor writes before the text of a list item.
_BULLET = "- "


Line = tuple[str, str, bool]
"""A paragraph of the article region: its text, where it stands on the page
(:func:`crawler.extraction.paragraphs.place_of`; "" for a line not found in the page), and
whether it is read as the article's (False: the region shows it, the extraction left it
out)."""


@dataclass(frozen=True)
class GeneralArticle:
    """What the general extractor found: a headline, and the paragraphs of the article
    region, those read as the article's and those left out (:data:`Line`), in page order."""

    headline: str
    lines: tuple[Line, ...]


def general_article(tree: lxml.html.HtmlElement, url: str) -> GeneralArticle | None:
    """The article of a page, or None when no main text is found.

    ``tree`` is changed: inline clutter is removed from it.
    """
    paragraphs = _strip_inline_clutter(tree, url)
    headline = _title(tree)
    document = trafilatura.bare_extraction(
        tree,
        url=url or None,
        favor_precision=True,
        include_comments=False,
        include_tables=True,
        include_links=False,
        deduplicate=False,
        with_metadata=False,  # its date search costs more than the text; only the title is used
    )
    if document is None:
        return None
    lines = [normalise_text(line) for line in (getattr(document, "text", "") or "").splitlines()]
    return GeneralArticle(
        headline=headline,
        lines=tuple(
            _checked_lines(_unglued([line for line in lines if line], paragraphs), paragraphs, url)
        ),
    )


def _title(tree: lxml.html.HtmlElement) -> str:
    """The page's title as trafilatura's metadata reads it (its meta tags, JSON-LD, then
    ``<title>`` and headings), without the rest of its metadata."""
    found = examine_meta(tree)
    with contextlib.suppress(Exception):  # trafilatura's JSON-LD reader can fail on odd data
        found = extract_meta_json(tree, found)
    return found.title or extract_title(tree) or ""


def _strip_inline_clutter(tree: lxml.html.HtmlElement, url: str) -> list[Paragraph]:
    """Removes link furniture blocks (see the module docstring); returns the paragraphs of
    the page as it is then."""
    paragraphs = paragraphs_of(tree)
    doomed = [
        paragraph.element
        for paragraph in paragraphs
        if paragraph.is_link
        and (_inline_link(paragraph, url) or is_furniture(paragraph.text))
        and paragraph.element.tag in ("p", "div", "li", "span")
    ]
    if not doomed:
        return paragraphs
    for element in doomed:
        if element.getparent() is not None:
            element.drop_tree()
    return paragraphs_of(tree)


def _inline_link(paragraph: Paragraph, url: str) -> bool:
    """True for a short ``<p>`` that is a link to another story ("Don't miss: <a>...</a>"),
    not one that is wholly a link to another site (which the article cites)."""
    if paragraph.tag != "p" or len(_WORD.findall(paragraph.text)) > _INLINE_LINK_WORDS:
        return False
    whole = normalise_text(paragraph.element.text_content()) == paragraph.text
    return not (whole and paragraph.cites(url))


def _cited(paragraph: Paragraph, region: Collection[int], url: str) -> bool:
    """True for a paragraph, list item or ``<div>`` that cites another site (see
    :meth:`crawler.extraction.paragraphs.Paragraph.cites`), with no furniture in it or
    between it and the nearest of ``region`` (ids of elements) that holds it."""
    if paragraph.tag not in _CITING or not paragraph.cites(url) or is_furniture(paragraph.text):
        return False
    return not is_clutter_name(paragraph.element) and _clear(paragraph.element, region)


def _checked_lines(lines: list[str], paragraphs: list[Paragraph], url: str) -> list[Line]:
    """The extractor's lines, checked against the page's paragraphs (steps 2 and 3 of the
    module docstring), each with its place, in page order with the region's paragraphs
    left out between them (and the nearest one before the first and after the last), which
    are not read."""
    source = _sources(lines, paragraphs)
    matched = [paragraphs[i] for i in source if i is not None and i >= 0]
    region = _region([p for p in matched if not p.is_link])
    if region is None:
        return [(line, "", True) for line in lines]
    parts = _continued(_outweighed(region, matched, paragraphs))
    tops = {id(part) for part in parts}
    inside = {id(e) for part in parts for e in part.iter()}
    kept: dict[int, list[tuple[str, str]]] = {}  # paragraph index -> its lines, in order
    left: dict[int, tuple[str, str]] = {}  # paragraph index -> its text and place, not read
    anchor = -1
    for line, index in zip(lines, source, strict=True):
        if index == -1:  # the rest of a paragraph read whole
            continue
        if index is None:  # not found in the page: kept where it stands
            kept.setdefault(anchor, []).append((line, ""))
            continue
        anchor = index
        paragraph = paragraphs[index]
        if id(paragraph.element) in inside and not paragraph.is_link:
            kept.setdefault(index, []).append((paragraph.text, place_of(paragraph)))
    for index, paragraph in enumerate(paragraphs):
        if index not in kept and id(paragraph.element) in inside and _cited(paragraph, tops, url):
            kept[index] = [(paragraph.text, place_of(paragraph))]
    seen = {line for group in kept.values() for line, _ in group}
    for blocks in (_PROSE_BLOCKS, _LISTED):
        added = {
            index: paragraph
            for index, paragraph in enumerate(paragraphs)
            if index not in kept
            and paragraph.text not in seen
            and id(paragraph.element) in inside
            and _prose(paragraph, tops, blocks)
        }
        read = sum(len(line) for group in kept.values() for line, _ in group)
        if blocks is _LISTED and sum(len(p.text) for p in added.values()) <= read:
            break  # a list beside the article's prose is not its text
        for index, paragraph in added.items():
            if paragraph.text not in seen:
                kept[index] = [(paragraph.text, place_of(paragraph))]
                seen.add(paragraph.text)
    unread = [
        index
        for index, paragraph in enumerate(paragraphs)
        if index not in kept and id(paragraph.element) in inside
    ]
    order = sorted(kept.keys() | set(unread))
    for at in in_flow([index in kept for index in order]):
        paragraph = paragraphs[order[at]]
        left[order[at]] = (paragraph.text, place_of(paragraph))
    return [
        line
        for index in sorted(kept.keys() | left.keys())
        for line in (
            [(text, place, True) for text, place in kept[index]]
            if index in kept
            else [(*left[index], False)]
        )
    ]


def in_flow(read: Sequence[bool]) -> list[int]:
    """The indices of the entries not ``read`` that stand in the flow of those read:
    between the first and the last read, and the nearest one before the first and after
    the last ([] when none is read)."""
    shown = [i for i, was in enumerate(read) if was]
    if not shown:
        return []
    first, last = shown[0], shown[-1]
    unread = [i for i, was in enumerate(read) if not was]
    return [
        *[i for i in unread if i < first][-1:],
        *(i for i in unread if first < i < last),
        *[i for i in unread if i > last][:1],
    ]


def _unglued(lines: list[str], paragraphs: list[Paragraph]) -> list[str]:
    """The extractor's lines, with each line that is several of the page's paragraphs run
    together (a table row read as one line, a block's text glued to the next paragraph's)
    replaced by those paragraphs, and a list item without the bullet written before it.

    A line that is no paragraph of the page is split when paragraphs of the page that are
    prose (not links), found in it in document order, make up at least :data:`_GLUED` of
    its characters, or all its words (a table cell read with the bars the extractor writes
    around it, "| ... |").
    """
    texts = {paragraph.text for paragraph in paragraphs}
    prose = [paragraph.text for paragraph in paragraphs if not paragraph.is_link]
    out: list[str] = []
    for read in lines:
        line = _unbulleted(read, texts)
        if line in texts or any(text.startswith(line) for text in texts):
            out.append(line)
            continue
        found = _run_together(line, prose)
        covered = sum(len(text) for text in found)
        glued = len(found) > 1 and covered >= _GLUED * len(line)
        out.extend(found if glued or (found and _all_words(line, found)) else [line])
    return out


def _all_words(line: str, found: list[str]) -> bool:
    """True when ``found`` (texts that ``line`` holds one after another) hold all the
    words of ``line``: what is left of it is punctuation."""
    rest, at = [], 0
    for text in found:
        start = line.index(text, at)
        rest.append(line[at:start])
        at = start + len(text)
    rest.append(line[at:])
    return not any(_WORD.search(part) for part in rest)


def _unbulleted(line: str, texts: Collection[str]) -> str:
    """A line without the bullet the extractor writes before a list item ("- "), when
    without it the line is (the start of) one of the page's ``texts``."""
    bare = line.removeprefix(_BULLET)
    if bare == line or line in texts:
        return line
    return bare if bare in texts or any(text.startswith(bare) for text in texts) else line


def _run_together(line: str, texts: list[str]) -> list[str]:
    """The texts (in document order) that ``line`` holds one after another, chosen to
    cover as much of it as possible: a teaser that comes before the article on the page
    but is read inside it does not hide the paragraphs before it. A text the page shows
    several times is looked for again after where it was last found."""
    spans: list[tuple[int, str]] = []
    after: dict[str, int] = {}  # text -> where its next showing is looked for
    for text in texts:
        if text and (at := line.find(text, after.get(text, 0))) >= 0:
            spans.append((at, text))
            after[text] = at + len(text)
    best: list[tuple[int, int]] = []  # for each span: characters covered, previous span
    for i, (at, text) in enumerate(spans):
        before = [(best[j][0], j) for j in range(i) if spans[j][0] + len(spans[j][1]) <= at]
        covered, previous = max(before, default=(0, -1))
        best.append((covered + len(text), previous))
    found: list[str] = []
    i = max(range(len(spans)), key=lambda k: best[k][0], default=-1)
    while i >= 0:
        found.append(spans[i][1])
        i = best[i][1]
    return found[::-1]


def _sources(lines: list[str], paragraphs: list[Paragraph]) -> list[int | None]:
    """For each line, the index of the paragraph of the page it came from (None if none).

    A line is the first unused paragraph with the same text after the previous line's (or
    before it, if none is after). A line the extractor cut short
    (it broke a paragraph at the page source's line breaks) is the first unused paragraph
    after the previous line's that begins with it; the lines that continue that paragraph
    are marked -1 (already read with it).
    """
    unused: dict[str, list[int]] = {}
    for index, paragraph in enumerate(paragraphs):
        unused.setdefault(paragraph.text, []).append(index)
    taken: set[int] = set()
    sources: list[int | None] = []
    previous = -1
    rest = ""  # what remains of a paragraph being read line by line
    for line in lines:
        if rest.startswith(line):
            rest = rest[len(line) :].lstrip()
            sources.append(-1)
            continue
        same = [i for i in unused.get(line, []) if i not in taken]
        candidates = [i for i in same if i > previous] or same
        rest = ""
        if not candidates:
            candidates = [
                i
                for i in range(previous + 1, min(previous + 1 + _LOOKAHEAD, len(paragraphs)))
                if i not in taken and paragraphs[i].text.startswith(line)
            ][:1]
            if candidates:
                rest = paragraphs[candidates[0]].text[len(line) :].lstrip()
        if candidates:
            taken.add(candidates[0])
            previous = candidates[0]
        sources.append(candidates[0] if candidates else None)
    return sources


def _region(matched: list[Paragraph]) -> lxml.html.HtmlElement | None:
    """The innermost element that holds at least :data:`_REGION_SHARE` of the text of the
    matched paragraphs (None if nothing matched)."""
    total = sum(len(p.text) for p in matched)
    if not total:
        return None
    held: dict[int, int] = {}
    depth: dict[int, int] = {}
    elements: dict[int, lxml.html.HtmlElement] = {}
    for paragraph in matched:
        chain = [paragraph.element, *paragraph.element.iterancestors()]
        for level, element in enumerate(reversed(chain)):
            key = id(element)
            held[key] = held.get(key, 0) + len(paragraph.text)
            depth[key] = level
            elements[key] = element
    qualifying = [key for key, count in held.items() if count >= _REGION_SHARE * total]
    return elements[max(qualifying, key=depth.__getitem__)]


def _outweighed(
    region: lxml.html.HtmlElement, matched: list[Paragraph], paragraphs: list[Paragraph]
) -> lxml.html.HtmlElement:
    """The region, or the page's main block of prose when that lies apart from the region
    and holds :data:`_OUTWEIGH` times the text matched to the page (the extractor read a
    notice or a teaser instead of the article).

    The main block of prose is the element whose ``<p>`` children hold the most prose,
    widened to each ancestor that has prose ``<p>`` children of its own (an article whose
    later paragraphs sit in a box of their own).
    """
    needed = _OUTWEIGH * sum(len(p.text) for p in matched)
    if sum(len(p.text) for p in paragraphs if p.tag == "p") < needed:
        return region  # not enough text in all the page's <p>: no need to look closer
    held: dict[int, int] = {}
    parents: dict[int, lxml.html.HtmlElement] = {}
    for paragraph in paragraphs:
        parent = paragraph.element.getparent()
        if parent is None or paragraph.tag != "p" or not _prose(paragraph, frozenset()):
            continue
        held[id(parent)] = held.get(id(parent), 0) + len(paragraph.text)
        parents[id(parent)] = parent
    if not held:
        return region
    key = max(held, key=held.__getitem__)
    prose = parents[key]
    if held[key] < needed:
        return region
    while (parent := prose.getparent()) is not None and id(parent) in held:
        prose = parent
    if prose is region or region in prose.iterancestors() or prose in region.iterancestors():
        return region
    return prose


def _continued(region: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    """The region and the elements that continue it: those with its tag and class, near it
    (under its ancestor :data:`_KIN_LEVELS` up), as when a layout cuts an article into
    chunks with ads between them.

    Class names are compared without their generated tokens (those with a digit), which
    change from one page view to the next.
    """
    name = stable_class(region)
    top = region
    for _ in range(_KIN_LEVELS):
        top = top.getparent() if top.getparent() is not None else top
    if not name or top is region:
        return [region]
    holding = set(region.iterancestors())
    covered = set(region.iter())
    parts = [region]
    for element in top.iter(region.tag):
        if element in covered or element in holding or stable_class(element) != name:
            continue
        if not _clear(element, {id(top)}):
            continue
        parts.append(element)
        covered.update(element.iter())
    return parts


def _clear(element: lxml.html.HtmlElement, tops: Collection[int]) -> bool:
    """True when no ancestor of ``element`` below the nearest of ``tops`` (ids of
    elements; the root when none holds it) is furniture: a comment, an aside ..."""
    for ancestor in element.iterancestors():
        if id(ancestor) in tops:
            return True
        if str(ancestor.tag).lower() in _NOT_PROSE or is_clutter_name(ancestor):
            return False
    return True


def _prose(
    paragraph: Paragraph, region: Collection[int], blocks: Collection[str] = _PROSE_BLOCKS
) -> bool:
    """True for a paragraph of one of ``blocks`` that reads as article prose, with no
    furniture between it and the nearest of ``region`` (ids of elements) that holds it."""
    if paragraph.tag not in blocks or paragraph.link_share > _PROSE_LINKS:
        return False
    if len(_WORD.findall(paragraph.text)) < _PROSE_WORDS or is_furniture(paragraph.text):
        return False
    return _clear(paragraph.element, region)
