"""Reading an element's text as paragraphs, the way a person sees the blocks on the page.

Block-level elements (``<p>``, headings, list items, quotes, ``<div>``, ``<br>`` ...) end
a paragraph; inline elements (``<a>``, ``<em>``, ``<span>`` ...) do not. Each paragraph
remembers how much of its text is link text, so link lists and "Related: <link>" lines can
be told apart from prose. Link text is what a reader follows to another page by its words;
a link that shows its own address (``http://…``, ``www.…``) or is an address to write to
(``mailto:``, ``tel:``) is part of the text it stands in, as a reader sees it. A paragraph
that is a link to another site (:meth:`Paragraph.cites`) is read as the article's where the
article stands: it points to what the article is about, not to another story.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import urljoin

import lxml.html

from crawler.domain.identity import domain_of
from crawler.domain.normalize import normalise_text

# Elements that start and end a paragraph of their own.
BLOCKS = frozenset(
    {
        "p",
        "div",
        "section",
        "article",
        "main",
        "header",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "blockquote",
        "pre",
        "table",
        "tr",
        "td",
        "th",
        "figure",
        "hr",
        "br",
        "address",
        "center",
    }
)


# Elements whose content is code or markup, never text; what follows them is read.
SILENT = frozenset({"script", "style", "noscript", "template", "textarea", "svg", "math"})


# Link targets that are contact addresses, not pages.
_CONTACT = ("mailto:", "tel:", "sms:")
# How the text of a link that shows an address starts.
_ADDRESSES = ("http://", "https://", "www.")


# A paragraph with at least this share of link text is a link, not prose.
LINK_SHARE = 0.5


@dataclass(frozen=True)
class Paragraph:
    """One block of text.

    Attributes:
        text: The normalised text.
        link_chars: How many of its characters are inside links.
        element: The block element that holds it.
        targets: The addresses (``href``) of the links whose text it holds.
    """

    text: str
    link_chars: int
    element: lxml.html.HtmlElement
    targets: frozenset[str] = frozenset()

    @property
    def tag(self) -> str:
        """The tag of the block element that holds it."""
        return str(self.element.tag).lower()

    @property
    def is_link(self) -> bool:
        """True when most of its text is link text: a link, or a list of links, not prose."""
        return self.link_share >= LINK_SHARE

    def cites(self, url: str) -> bool:
        """True when it is a link, or links, to another site than the page at ``url``: a
        source, a document or a product the article points its readers to, which they read
        as the article's, not another story of the page's own site (a relative link is one).
        """
        if not self.is_link or not self.targets:
            return False
        home = domain_of(url)
        return all(
            (target := urljoin(url, href)).startswith(("http://", "https://"))
            and domain_of(target) != home
            for href in self.targets
        )

    @property
    def link_share(self) -> float:
        """The share of its text that is link text (0 to 1)."""
        return min(self.link_chars / len(self.text), 1.0) if self.text else 0.0


def paragraphs_of(element: lxml.html.HtmlElement) -> list[Paragraph]:
    """The non-empty paragraphs under ``element``, in document order (the content of
    scripts, styles and the like is not text).

    Iterative, so any depth of nesting is read without recursion.
    """
    reader = _Reader(element)
    # (node, the link it is in or None, entering?): a node is entered, its children read,
    # then left.
    stack: list[tuple[lxml.html.HtmlElement, str | None, bool]] = [(element, None, True)]
    while stack:
        node, in_link, entering = stack.pop()
        tag = node.tag.lower() if isinstance(node.tag, str) else ""
        if entering:
            linked = in_link
            if linked is None and tag == "a" and _navigates(node):
                linked = (node.get("href") or "").strip()
            if tag in BLOCKS:
                reader.open_block(node)
            stack.append((node, in_link, False))
            if tag in SILENT:
                continue
            if tag and node.text:
                reader.add(node.text, linked=linked)
            stack.extend((child, linked, True) for child in reversed(node))
        else:
            if tag in BLOCKS:
                reader.close_block()
            if node is not element and node.tail:
                reader.add(node.tail, linked=in_link)
    reader.flush()
    return reader.paragraphs


def stable_class(element: lxml.html.HtmlElement) -> str:
    """An element's class names without their generated tokens (those with a digit), which
    change from one page view to the next."""
    tokens = (element.get("class") or "").split()
    return " ".join(t for t in tokens if not any(c.isdigit() for c in t))


def place_of(paragraph: Paragraph, above: str = "") -> str:
    """Where a paragraph stands on its page, whatever its words: a short name of the tags
    and stable class names (:func:`stable_class`) of its block and the elements that hold
    it, and whether it is a link (:attr:`Paragraph.is_link`: a line that is a link stands
    apart from the prose beside it in the same markup). ``above`` is the path
    (:func:`path_of`) of what holds the tree's root, for a paragraph of a copy of part of
    the page."""
    link = "/a" if paragraph.is_link else ""
    digest = hashlib.blake2b(f"{above}/{path_of(paragraph.element)}{link}".encode(), digest_size=6)
    return digest.hexdigest()


def path_of(element: lxml.html.HtmlElement) -> str:
    """The tags and stable class names from the tree's root down to ``element``."""
    steps = []
    for node in (element, *element.iterancestors()):
        tag = node.tag.lower() if isinstance(node.tag, str) else ""
        steps.append(".".join((tag, *stable_class(node).split())))
    return "/".join(reversed(steps))


def _navigates(link: lxml.html.HtmlElement) -> bool:
    """True for a link to another page by its words; not for an address to write to or
    call (``mailto:``, ``tel:``), nor for a link that shows an address, which are part of
    the text they stand in."""
    if (link.get("href") or "").strip().lower().startswith(_CONTACT):
        return False
    shown = (link.text or "").lstrip() or link.text_content().lstrip()
    return not shown[:8].lower().startswith(_ADDRESSES)


class _Reader:
    """Collects text into paragraphs, ending one at every block boundary."""

    def __init__(self, root: lxml.html.HtmlElement) -> None:
        self.paragraphs: list[Paragraph] = []
        self._parts: list[str] = []
        self._link_parts: list[str] = []
        self._targets: set[str] = set()
        self._blocks: list[lxml.html.HtmlElement] = [root]

    def open_block(self, element: lxml.html.HtmlElement) -> None:
        self.flush()
        self._blocks.append(element)

    def close_block(self) -> None:
        self.flush()
        self._blocks.pop()

    def add(self, text: str, *, linked: str | None) -> None:
        self._parts.append(text)
        if linked is not None:
            self._link_parts.append(text)
            if text.strip():
                self._targets.add(linked)

    def flush(self) -> None:
        text = normalise_text("".join(self._parts))
        if text:
            link = normalise_text("".join(self._link_parts))
            self.paragraphs.append(
                Paragraph(text, len(link), self._blocks[-1], frozenset(self._targets))
            )
        self._parts.clear()
        self._link_parts.clear()
        self._targets.clear()
