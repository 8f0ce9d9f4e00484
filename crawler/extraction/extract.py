"""Extraction: an HTML page in, the article (headline, byline, dateline, paragraphs) out.

A pure function with no state kept between calls, so the same page always gives the same
article. Three layers, in order:

1. the source's rules (:mod:`crawler.extraction.rules`), when it has a ``body`` selector
   that matches;
2. structured data in the page (:mod:`crawler.extraction.structured`): a JSON-LD
   ``NewsArticle`` whose ``articleBody`` is the whole article, not a teaser, locates it:
   the paragraphs are read from the element of the page whose visible text matches that
   body, when it holds nearly all of it and little else. The body's own text is never the
   article: it may lag behind an edit readers see, or run the paragraphs together;
3. the general extractor (:mod:`crawler.extraction.general`).

Whatever the layer, the paragraphs are those the page shows, one per block.

The headline comes from the first layer that has one (rules, JSON-LD, the general
extractor, then the page's ``og:title`` or ``<h1>``); the byline from the rules, JSON-LD or
the page's ``<meta name="author">``. Before any layer reads the page, the source's ``drop``
selectors remove what they name; the rules and JSON-LD layers also apply the default
clutter rules (:mod:`crawler.extraction.clutter`), the general extractor its own
(:mod:`crawler.extraction.general`).
After it, every paragraph is normalised (:mod:`crawler.domain.normalize`) and furniture
paragraphs and the source's ``drop_text`` patterns are removed. A leading dateline
("WASHINGTON (AP) -") is kept apart from the first paragraph.
"""

from __future__ import annotations

import copy
import enum
import html
import itertools
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING
from urllib.parse import urljoin

import lxml.etree
import lxml.html

from crawler.domain.models import Article
from crawler.domain.normalize import likeness, normalise_text
from crawler.extraction import general
from crawler.extraction.clutter import is_furniture, strip_clutter
from crawler.extraction.paragraphs import paragraphs_of, path_of, place_of
from crawler.extraction.rules import compile_rules, rules_digest, select
from crawler.extraction.structured import coverage, shown_element, structured_article

if TYPE_CHECKING:
    from collections.abc import Iterable

    from lxml.cssselect import CSSSelector

    from crawler.extraction.general import Line
    from crawler.extraction.paragraphs import Paragraph
    from crawler.extraction.rules import CompiledRules, ExtractionRules
    from crawler.extraction.structured import StructuredArticle

# Names the code that turns pages into articles; stored with every version, so texts
# extracted by different code are never mistaken for edits.
EXTRACTOR_VERSION = f"redline-8+{general.VERSION}"

# A heading at least this alike (word by word) to the headline the metadata names is that
# headline as the page shows it.
_SHOWN_HEADLINE = 0.5
# How many of a page's first <h1> and <h2> headings are looked at for its headline.
_HEADINGS = 8
# A JSON-LD body shorter than this is a teaser, not the article.
_MIN_STRUCTURED_BODY = 200
# A JSON-LD body shorter than this share of the page's paragraph text is truncated.
_MIN_STRUCTURED_SHARE = 0.6
# Control characters lxml refuses in text it is given (and that normalisation turns into
# spaces anyway): one in a page would make an element's text unsettable.
_CONTROLS = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f]")
# An HTML tag in a JSON-LD body.
_MARKUP = re.compile(
    r"</?(?:p|div|br|span|a|em|strong|b|i|h[1-6]|img|ul|ol|li|figure|iframe)\b", re.IGNORECASE
)
# Paragraphs inside these elements are not candidates for the article's text.
_NOT_ARTICLE = frozenset({"header", "footer", "nav", "aside", "form", "noscript"})
# "WASHINGTON (AP) -", "LONDON, Nov 22 (Reuters) -", "(Reuters) -" at the start of the text.
_DATELINE = re.compile(
    r"""^(?P<dateline>
        (?:[A-Z][A-Z.'\ ]{1,40}[A-Z.](?:,\ [A-Z][A-Za-z.]{1,12}(?:\ \d{1,2})?)?\ ?)?
        (?:\((?:[A-Z][A-Za-z.&\ ]{0,30})\))?
    )\ ?-{1,2}\ (?=\S)""",
    re.VERBOSE,
)


class Layer(enum.StrEnum):
    """Which layer of extraction found the article."""

    RULES = "rules"
    """The source's ``body`` rule."""
    STRUCTURED = "structured"
    """The element of the page that shows the JSON-LD ``articleBody``."""
    GENERAL = "general"
    """The general extractor."""


class ExtractionError(ValueError):
    """Raised by :func:`extract_page` when a page holds no article; says why."""


@dataclass(frozen=True)
class Flow:
    """An article's flow as its page shows it (:attr:`ExtractedPage.flow`).

    Attributes:
        article: The article, with the blocks the extraction left out among its paragraphs.
        places: Where each of those paragraphs stands on the page ("" where not known;
            none at all when unknown).
        left_out: For each, whether the extraction left it out (none at all: none was).
    """

    article: Article
    places: tuple[str, ...] = ()
    left_out: tuple[bool, ...] = ()


@dataclass(frozen=True)
class ExtractedPage:
    """What redline reads from a page.

    Attributes:
        article: The normalised article.
        canonical: The page's ``rel=canonical`` URL, absolute ("" if it names none).
        layer: Which layer read the body.
        fell_back: The source has a body rule, but it matched nothing on this page.
        rules_digest: Names the source's rules that applied ("" for none).
        places: Where each paragraph of the article stands on the page
            (:func:`crawler.extraction.paragraphs.place_of`; "" where it is not known), one per
            paragraph, or none at all.
        left_out: The blocks the page shows in the article's flow that were not read as
            its text (a short sponsored line between two paragraphs, furniture, a link):
            those between its paragraphs, and the nearest one before the first and after
            the last; each with how many of the article's paragraphs come before it, its
            text and its place.
    """

    article: Article
    canonical: str
    layer: Layer = Layer.GENERAL
    fell_back: bool = False
    rules_digest: str = ""
    places: tuple[str, ...] = ()
    left_out: tuple[tuple[int, str, str], ...] = ()

    @property
    def flow(self) -> Flow:
        """The article's paragraphs with the blocks left out between them
        (:attr:`left_out`), as the page shows them."""
        paragraphs = self.article.paragraphs
        known = self.places if len(self.places) == len(paragraphs) else ("",) * len(paragraphs)
        flow: list[tuple[str, str, bool]] = []
        for at in range(len(paragraphs) + 1):
            flow.extend((text, place, True) for n, text, place in self.left_out if n == at)
            if at < len(paragraphs):
                flow.append((paragraphs[at], known[at], False))
        texts, places, left = zip(*flow, strict=True) if flow else ((), (), ())
        return Flow(replace(self.article, paragraphs=tuple(texts)), tuple(places), tuple(left))

    @property
    def extractor(self) -> str:
        """Names what read the text: the code, the layer and the source's rules. Texts read
        by different extractors may differ without any edit to the page."""
        name = f"{EXTRACTOR_VERSION}:{self.layer}"
        return f"{name}:{self.rules_digest}" if self.rules_digest else name


def reader_of(rules: ExtractionRules | None) -> str:
    """Names what reads a source's pages: the extraction code and the source's rules (the
    layer that reads a page depends on the page, so it is not part of the name)."""
    return f"{EXTRACTOR_VERSION}:{rules_digest(rules)}" if rules else EXTRACTOR_VERSION


def parse_page(html: str) -> lxml.html.HtmlElement:
    """The document tree of a decoded page (control characters read as spaces).

    Raises:
        ExtractionError: the page is empty or not parsable as HTML.
    """
    if not html.strip():
        raise ExtractionError("the page is empty")
    try:
        return lxml.html.document_fromstring(_CONTROLS.sub(" ", html.replace("\x00", "")))
    except (lxml.etree.ParserError, ValueError) as exc:
        raise ExtractionError(f"not parsable as HTML: {exc}") from exc


def extract_page(html: str, url: str = "", rules: ExtractionRules | None = None) -> ExtractedPage:
    """Extracts the article, and the URL the page says is its own, from a page.

    Args:
        html: The page, decoded.
        url: Where it came from (resolves relative links; helps the general extractor).
        rules: The rules of the page's source, if it has any.

    Returns:
        The article, the canonical URL, and which layer read it.

    Raises:
        ExtractionError: the page is empty, not HTML, or has no article text.
        crawler.extraction.rules.RulesError: a rule does not compile.
    """
    tree = parse_page(html)
    compiled = compile_rules(rules) if rules else None
    canonical = _canonical(tree, url)
    if compiled is not None:
        for selector in compiled.drop:
            for element in select(selector, tree):
                if element.getparent() is not None:
                    element.drop_tree()
    structured = structured_article(tree)
    headline = _first_text(tree, compiled.headline) if compiled else ""
    byline = _first_text(tree, compiled.byline) if compiled else ""
    if structured is not None:
        headline = headline or structured.headline
        byline = byline or structured.byline
    shown_headline = _shown_headline(tree)

    layer, lines, fell_back, found = _body(tree, compiled, structured, url)
    headline = headline or found

    headline = normalise_text(headline or shown_headline)
    if not (compiled and compiled.headline):
        headline = _as_shown(tree, headline)
    byline = byline or _meta_byline(tree)
    drop_text = compiled.drop_text if compiled else ()
    # (a line left out is a paragraph of the page, its text normalised already)
    normalised = (
        (normalise_text(line) if read else line, place, read) for line, place, read in lines
    )
    flow = [
        (text, place, read and not (is_furniture(text) or any(p.search(text) for p in drop_text)))
        for text, place, read in normalised
        if text
    ]
    first = next((i for i, (_, _, read) in enumerate(flow) if read), None)
    if first is not None and flow[first][0] == headline:
        del flow[first]  # the headline is not part of the body
    shown = [(text, place) for text, place, read in flow if read]
    dateline, paragraphs = _dateline([text for text, _ in shown])
    if not paragraphs:
        raise ExtractionError("no article text found")
    article = Article(
        headline=headline,
        byline=normalise_text(byline),
        dateline=dateline,
        paragraphs=paragraphs,
    )
    return ExtractedPage(
        article,
        canonical,
        layer,
        fell_back,
        rules_digest(rules) if rules else "",
        tuple(place for _, place in shown),
        _left_out(flow),
    )


def _left_out(flow: list[Line]) -> tuple[tuple[int, str, str], ...]:
    """The blocks of the article's flow that were not read (see
    :attr:`ExtractedPage.left_out`), each with how many read ones come before it."""
    read = [shown for _, _, shown in flow]
    return tuple((sum(read[:i]), flow[i][0], flow[i][1]) for i in general.in_flow(read))


def _body(
    tree: lxml.html.HtmlElement,
    compiled: CompiledRules | None,
    structured: StructuredArticle | None,
    url: str,
) -> tuple[Layer, list[Line], bool, str]:
    """The article's lines with their places, read by the first layer that reads them: the
    source's body rule, structured data locating the article, or the general extractor;
    with which layer read them, whether the body rule fell back (it matched nothing), and
    the headline the general extractor found ("" from the other layers).

    Raises:
        ExtractionError: no layer found article text.
    """
    body = _first_match(tree, compiled.body) if compiled else []
    fell_back = compiled is not None and bool(compiled.body) and not body
    if body:
        for element in body:
            strip_clutter(element)
        lines = [
            (p.text, place_of(p), True)
            for p in _prose((p for element in body for p in paragraphs_of(element)), url)
        ]
        return Layer.RULES, lines, fell_back, ""
    if (
        structured is not None
        and _complete(structured.body, tree)
        and (shown := _shown_lines(tree, structured.body, url))
    ):
        return Layer.STRUCTURED, [(text, place, True) for text, place in shown], fell_back, ""
    found = general.general_article(tree, url)
    if found is None:
        raise ExtractionError("no article text found")
    return Layer.GENERAL, list(found.lines), fell_back, found.headline


def _dateline(paragraphs: list[str]) -> tuple[str, tuple[str, ...]]:
    """A leading dateline ("LONDON (Reuters) -") taken off the first paragraph, and the
    paragraphs without it ("" and the paragraphs as they are when there is none)."""
    if paragraphs and (match := _DATELINE.match(paragraphs[0])) and match["dateline"].strip():
        return match["dateline"].strip(), (paragraphs[0][match.end() :], *paragraphs[1:])
    return "", tuple(paragraphs)


def _shown_lines(tree: lxml.html.HtmlElement, body: str, url: str) -> list[tuple[str, str]]:
    """The paragraphs of the article a JSON-LD body describes, as the page shows them, with
    their places: read from the element whose visible text matches the body best, without
    its clutter and its links to the page's own site ([] when that element does not hold
    nearly all of the body and little else). ``tree`` is not changed."""
    text = "\n".join(_body_lines(body, url))
    element = shown_element(tree, text)
    if element is None:
        return []
    region = copy.deepcopy(element)
    strip_clutter(region)
    parent = element.getparent()
    above = path_of(parent) if parent is not None else ""
    lines = [(p.text, place_of(p, above)) for p in _prose(paragraphs_of(region), url)]
    return lines if coverage([line for line, _ in lines], text).complete else []


def _body_lines(body: str, url: str) -> list[str]:
    """The text of a JSON-LD body, by lines: the body is plain text, or HTML (some
    publishers put the article's markup there, escaped or not)."""
    text = html.unescape(body) if "&lt;" in body else body
    if not _MARKUP.search(text):
        return text.splitlines()
    fragment = lxml.html.fragment_fromstring(text, create_parent="div")
    strip_clutter(fragment)
    return [p.text for p in _prose(paragraphs_of(fragment), url)]


def _prose(paragraphs: Iterable[Paragraph], url: str) -> list[Paragraph]:
    """Paragraphs that are text: not links, unless to another site than the page's at
    ``url`` (:meth:`crawler.extraction.paragraphs.Paragraph.cites`)."""
    return [p for p in paragraphs if not p.is_link or p.cites(url)]


def _first_match(
    tree: lxml.html.HtmlElement, selectors: tuple[CSSSelector, ...]
) -> list[lxml.html.HtmlElement]:
    """The elements of the first selector that matches any, outermost only."""
    for selector in selectors:
        found = select(selector, tree)
        if found:
            inside = set[lxml.html.HtmlElement]()
            for element in found:
                inside.update(e for e in element.iterdescendants() if e in found)
            return [e for e in found if e not in inside]
    return []


def _first_text(tree: lxml.html.HtmlElement, selectors: tuple[CSSSelector, ...]) -> str:
    for element in _first_match(tree, selectors):
        text = normalise_text(element.text_content())
        if text:
            return text
    return ""


def _shown_headline(tree: lxml.html.HtmlElement) -> str:
    """The headline the page shows: its ``og:title``, else its first ``<h1>``."""
    for meta in tree.iter("meta"):
        if (meta.get("property") or meta.get("name") or "").lower() == "og:title":
            text = normalise_text(meta.get("content") or "")
            if text:
                return text
    for heading in tree.iter("h1"):
        text = normalise_text(heading.text_content())
        if text:
            return text
    return ""


def _as_shown(tree: lxml.html.HtmlElement, named: str) -> str:
    """The headline as readers see it: of the page's first ``<h1>`` and ``<h2>`` headings
    (:data:`_HEADINGS` of them, in document order), the one most like ``named`` (what
    JSON-LD, the title or ``og:title`` name), when they are at least
    :data:`_SHOWN_HEADLINE` alike word by word (a headline edited on the page but not in
    its metadata); else ``named``."""
    headings = [
        text
        for element in itertools.islice(tree.iter("h1", "h2"), _HEADINGS)
        if (text := normalise_text(element.text_content()))
    ]
    if not named or named in headings:
        return named
    alike, best = max(((likeness(text, named), text) for text in headings), default=(0.0, ""))
    return best if alike >= _SHOWN_HEADLINE else named


def _meta_byline(tree: lxml.html.HtmlElement) -> str:
    """The author the page names in ``<meta name="author">`` ("" if none). Bylines are not
    guessed from the page's text: a wrong guess (a name from a list of other stories) would
    change with the list."""
    for meta in tree.iter("meta"):
        if (meta.get("name") or "").lower() == "author":
            text = normalise_text(meta.get("content") or "")
            if text and not text.startswith(("http://", "https://")):
                return text
    return ""


def _complete(body: str, tree: lxml.html.HtmlElement) -> bool:
    """True for a JSON-LD body that is the article, not a teaser or a truncated text."""
    if len(body) < _MIN_STRUCTURED_BODY:
        return False
    return len(body) >= _MIN_STRUCTURED_SHARE * _paragraph_text_length(tree)


def _paragraph_text_length(tree: lxml.html.HtmlElement) -> int:
    """Characters of text in the page's ``<p>`` elements outside headers, footers, asides."""
    total = 0
    for paragraph in tree.iter("p"):
        if any(a.tag in _NOT_ARTICLE for a in paragraph.iterancestors()):
            continue
        total += len(" ".join(paragraph.text_content().split()))
    return total


def _canonical(tree: lxml.html.HtmlElement, url: str) -> str:
    """The absolute http(s) URL of the page's first ``<link rel=canonical>`` ("" if none)."""
    for link in tree.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split():
            href = (link.get("href") or "").strip()
            absolute = urljoin(url, href) if href else ""
            return absolute if absolute.startswith(("http://", "https://")) else ""
    return ""
