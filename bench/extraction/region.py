"""Where the article is on a page, found from the ground truth alone.

The ground-truth article body is split into sentences; each sentence of at least
:data:`MIN_CHUNK_WORDS` words is looked up in the page's visible text (NFKC and
whitespace-normalised on both sides). Each sentence lands on the deepest element whose
visible text contains it, lifted to the nearest block element: those are the *matched
blocks*. The *region* is their lowest common ancestor.

Nothing here knows how any extractor works: the region is what a reader sees as the
article, nothing more.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import lxml.html
from lxml.html import HtmlElement

if TYPE_CHECKING:
    from collections.abc import Iterator

# Elements whose content a reader never sees as text.
HIDDEN_TAGS = frozenset({"script", "style", "template", "noscript", "head", "title"})
# Elements that start a block of text (what a matched sentence is lifted to).
BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "dd", "details", "div", "dl",
        "dt", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
        "header", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "td",
        "th", "tr", "ul",
    }
)  # fmt: skip
# Elements a block can be put after, between two paragraphs (not inside lists or tables).
GAP_TAGS = frozenset(
    {"p", "div", "blockquote", "h2", "h3", "h4", "h5", "h6", "pre", "figure", "section",
     "ul", "ol", "table"}
)  # fmt: skip
# Elements inside which a block would end the element (the parser closes a ``p`` before it).
_PHRASING = frozenset({"p", "a"})
# Words at the end of a ground-truth paragraph that recognise where it ends.
PARAGRAPH_END_WORDS = 5
# A ground-truth sentence shorter than this many words is too common to locate the article.
MIN_CHUNK_WORDS = 6
# ... unless it has at least this many characters (languages written without spaces).
MIN_CHUNK_CHARS = 40

_SENTENCE_BREAK = re.compile(
    r"(?:(?<=[.!?\u2026])|(?<=[.!?\u2026][\"'\u201d\u2019\u00bb)\]]))\s+|(?<=[\u3002\uff01\uff1f])"
)
_WORD = re.compile(r"\w+")


def normalise(text: str) -> str:
    """Returns ``text`` NFKC-normalised with runs of whitespace collapsed to one space."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def sentences(text: str) -> list[str]:
    """Splits one paragraph into sentences (after ``.!?…`` and CJK full stops)."""
    return [s for s in (part.strip() for part in _SENTENCE_BREAK.split(text)) if s]


def paragraphs(truth: str) -> list[str]:
    """The non-empty lines of a ground-truth article body, normalised."""
    return [p for p in (normalise(line) for line in truth.splitlines()) if p]


def truth_chunks(truth: str) -> list[str]:
    """The normalised ground-truth sentences long enough to locate the article by."""
    return [
        sentence
        for paragraph in paragraphs(truth)
        for sentence in sentences(paragraph)
        if len(_WORD.findall(sentence)) >= MIN_CHUNK_WORDS or len(sentence) >= MIN_CHUNK_CHARS
    ]


@dataclass(frozen=True)
class Slot:
    """One run of text in the tree: an element's ``.text`` or its ``.tail``.

    Attributes:
        element: The element that holds the text.
        attr: ``"text"`` (before its first child) or ``"tail"`` (after its end tag).
    """

    element: HtmlElement
    attr: Literal["text", "tail"]

    @property
    def value(self) -> str:
        """The text ("" when there is none)."""
        return getattr(self.element, self.attr) or ""

    def replace(self, value: str) -> None:
        """Sets the text."""
        setattr(self.element, self.attr, value)


@dataclass(frozen=True)
class Region:
    """The article on a page.

    Attributes:
        element: The lowest common ancestor of the matched blocks.
        blocks: The matched blocks (elements holding ground-truth sentences), distinct,
            in document order. One may hold another, when a sentence spans paragraphs.
        gaps: Elements inside the region after which (after their tail) a block falls
            between two ground-truth paragraphs: matched blocks whose text ends a
            ground-truth paragraph and that another matched block follows; or, when
            there are none (an article written as one block of lines), line breaks
            whose following line ends one. In document order.
    """

    element: HtmlElement
    blocks: tuple[HtmlElement, ...]
    gaps: tuple[HtmlElement, ...]

    def contains(self, node: HtmlElement) -> bool:
        """Whether ``node`` is the region or inside it."""
        return node is self.element or any(a is self.element for a in node.iterancestors())

    def slots(self) -> list[Slot]:
        """The visible text runs inside the matched blocks, each once, in document order."""
        outermost = [
            block
            for block in self.blocks
            if not any(a in self.blocks for a in block.iterancestors())
        ]
        return [slot for block in outermost for slot in text_slots(block)]


def find_region(tree: HtmlElement, truth: str) -> Region | None:
    """Locates the article of a parsed page from its ground-truth body.

    Args:
        tree: The page, as parsed by ``lxml.html.document_fromstring``.
        truth: The ground-truth article body (paragraphs separated by newlines).

    Returns:
        The region and its matched blocks, or None when no ground-truth sentence of
        :data:`MIN_CHUNK_WORDS` words occurs in the page's visible text.
    """
    top = body_of(tree)
    texts = _normalised_texts(top)
    found: list[HtmlElement] = []
    for chunk in truth_chunks(truth):
        if chunk not in texts[top]:
            continue
        node = top
        while True:
            child = next((c for c in _element_children(node) if chunk in texts[c]), None)
            if child is None:
                break
            node = child
        found.append(_block_of(node))
    if not found:
        return None
    region = found[0]
    for block in found[1:]:
        region = _common_ancestor(region, block)
    order = {node: i for i, node in enumerate(region.iter())}
    blocks = tuple(sorted(dict.fromkeys(found), key=order.__getitem__))
    return Region(region, blocks, _gaps(region, blocks, truth))


def parse(html: str) -> HtmlElement:
    """Parses a page with ``lxml.html.document_fromstring``."""
    tree: HtmlElement = lxml.html.document_fromstring(html)
    return tree


def body_of(tree: HtmlElement) -> HtmlElement:
    """The page's ``<body>`` (the whole page if it has none)."""
    body: HtmlElement | None = tree.body
    return tree if body is None else body


def paragraph_ends(truth: str) -> set[tuple[str, ...]]:
    """The last :data:`PARAGRAPH_END_WORDS` words of each ground-truth paragraph."""
    return {
        tuple(found[-PARAGRAPH_END_WORDS:])
        for paragraph in paragraphs(truth)
        if (found := _WORD.findall(paragraph))
    }


def ends_paragraph(text: str, ends: set[tuple[str, ...]]) -> bool:
    """Whether ``text`` ends with the end of a ground-truth paragraph (see
    :func:`paragraph_ends`)."""
    found = _WORD.findall(normalise(text))
    return any(tuple(found[-len(end) :]) == end for end in ends)


def visible_text(element: HtmlElement) -> str:
    """The text a reader sees in ``element`` (scripts, styles and the like left out)."""
    return "".join(slot.value for slot in text_slots(element))


def text_slots(element: HtmlElement) -> list[Slot]:
    """The visible text runs inside ``element``, in document order.

    Includes ``element.text`` and everything below it, but not ``element.tail`` (which is
    outside it). Text of hidden elements (:data:`HIDDEN_TAGS`) and comments is left out;
    their tails are kept.
    """
    slots: list[Slot] = []
    stack: list[tuple[HtmlElement, bool]] = [(element, False)]
    while stack:
        node, closing = stack.pop()
        if closing:
            slots.append(Slot(node, "tail"))
            continue
        if node is not element:
            stack.append((node, True))
        if not is_visible_element(node):
            continue
        slots.append(Slot(node, "text"))
        stack.extend((child, False) for child in reversed(node))
    return [slot for slot in slots if slot.value]


def is_visible_element(node: HtmlElement) -> bool:
    """Whether ``node`` is an element whose own text is shown (not a comment, not hidden)."""
    return isinstance(node.tag, str) and node.tag not in HIDDEN_TAGS


def in_phrasing(element: HtmlElement) -> bool:
    """Whether ``element`` is inside a paragraph or link (where a block would end it)."""
    return any(a.tag in _PHRASING for a in element.iterancestors())


def iter_elements(tree: HtmlElement) -> Iterator[HtmlElement]:
    """All elements of ``tree`` (comments and processing instructions left out)."""
    return (node for node in tree.iter() if isinstance(node.tag, str))


def _element_children(node: HtmlElement) -> Iterator[HtmlElement]:
    return (child for child in node if is_visible_element(child))


def _normalised_texts(top: HtmlElement) -> dict[HtmlElement, str]:
    """The normalised visible text of every element under ``top`` (children first)."""
    raw: dict[HtmlElement, str] = {}
    for node in reversed(list(top.iter())):
        if not is_visible_element(node):
            raw[node] = ""
            continue
        parts = [node.text or ""]
        for child in node:
            parts.append(raw[child])
            parts.append(child.tail or "")
        raw[node] = "".join(parts)
    return {node: normalise(text) for node, text in raw.items()}


def _gaps(
    region: HtmlElement, blocks: tuple[HtmlElement, ...], truth: str
) -> tuple[HtmlElement, ...]:
    ends = paragraph_ends(truth)
    order = {node: i for i, node in enumerate(region.iter())}
    starts = [order[b] for b in blocks]

    def followed(block: HtmlElement) -> bool:
        last = max(order[d] for d in block.iter())
        return any(start > last for start in starts)

    gaps = [
        b
        for b in blocks
        if b.tag in GAP_TAGS
        and b is not region
        and not in_phrasing(b)
        and followed(b)
        and ends_paragraph(visible_text(b), ends)
    ]
    if gaps:
        return tuple(gaps)
    breaks = [b for b in region.iter("br") if not in_phrasing(b)]
    return tuple(b for b in breaks[:-1] if ends_paragraph(b.tail or "", ends))


def _block_of(node: HtmlElement) -> HtmlElement:
    """``node`` or its nearest ancestor that is a block element."""
    if node.tag in BLOCK_TAGS:
        return node
    return next((a for a in node.iterancestors() if a.tag in BLOCK_TAGS), node)


def _common_ancestor(a: HtmlElement, b: HtmlElement) -> HtmlElement:
    chain = [a, *a.iterancestors()]
    for candidate in [b, *b.iterancestors()]:
        if any(candidate is c for c in chain):
            return candidate
    return chain[-1]
