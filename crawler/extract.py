"""Extraction: an HTML page in, the article (headline, byline, paragraphs) out.

A pure function with no state kept between calls, so the same page always gives the same
article. Two layers, in order:

1. structured data in the page: a JSON-LD ``NewsArticle`` (or ``Article``) with an
   ``articleBody``;
2. otherwise the general extractor (trafilatura, tuned for precision, without comments and
   without its cross-call de-duplication cache).

Every piece of text is normalised (:mod:`crawler.normalize`) and lines that are page
furniture rather than article ("Advertisement", "Read more", "Updated 5 minutes ago") are
dropped, so boilerplate churn never reaches the fingerprint.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

import lxml.etree
import lxml.html
import trafilatura

from crawler.models import Article
from crawler.normalize import normalise_text

if TYPE_CHECKING:
    from collections.abc import Iterator

EXTRACTOR_VERSION = f"redline-1+trafilatura-{trafilatura.__version__}"

# JSON-LD types that describe an article's text.
_ARTICLE_TYPES = {
    "article",
    "newsarticle",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "backgroundnewsarticle",
    "reviewnewsarticle",
    "blogposting",
    "liveblogposting",
}
# JSON-LD bodies shorter than this are teasers, not the article.
_MIN_STRUCTURED_BODY = 200

# A JSON-LD body shorter than this share of the page's paragraph text is truncated.
_MIN_STRUCTURED_SHARE = 0.6
# Paragraphs inside these elements are not candidates for the article's text.
_NOT_ARTICLE = {"header", "footer", "nav", "aside", "form", "noscript"}

# Whole lines that are page furniture wherever they appear.
_FURNITURE = re.compile(
    r"""^(?:
        advertisement|advertising|sponsored(?:\ content)?|ad|
        (?:continue\ )?reading(?:\ the\ main\ story)?|read\ more.{0,80}|read\ next.{0,80}|
        related(?:\ articles?|\ stories|\ content)?:?.{0,120}|see\ also:?.{0,120}|
        (?:share|share\ this(?:\ article|\ story)?|tweet|email|print|comments?)|
        (?:sign\ up|subscribe)\b.{0,120}|
        (?:updated|published|last\ updated|posted)\b.{0,60}\b(?:ago|am|pm|gmt|utc|et|bst)\.?|
        (?:copyright|\(c\)|©).{0,160}|all\ rights\ reserved\.?|
        \d+\ (?:comments?|shares?|views?)
    )$""",
    re.IGNORECASE | re.VERBOSE,
)


class ExtractionError(ValueError):
    """Raised by :func:`extract_page` when a page holds no article; says why."""


@dataclass(frozen=True)
class ExtractedPage:
    """What redline reads from a page.

    Attributes:
        article: The normalised article.
        canonical: The page's ``rel=canonical`` URL, absolute ("" if it names none).
    """

    article: Article
    canonical: str


def extract_page(html: str, url: str = "") -> ExtractedPage:
    """Extracts the article, and the URL the page says is its own, from a page.

    Args:
        html: The page, decoded.
        url: Where it came from (resolves relative links; helps the general extractor).

    Returns:
        The article and the canonical URL.

    Raises:
        ExtractionError: the page is empty, not HTML, or has no article text.
    """
    if not html.strip():
        raise ExtractionError("the page is empty")
    try:
        tree = lxml.html.document_fromstring(html.replace("\x00", ""))
    except (lxml.etree.ParserError, ValueError) as exc:
        raise ExtractionError(f"not parsable as HTML: {exc}") from exc

    structured = _structured_article(tree)
    headline, byline, body = structured or ("", "", "")
    if body and len(body) < _MIN_STRUCTURED_SHARE * _paragraph_text_length(tree):
        body = ""  # a teaser or a truncated body: the page shows more than it
    if body:
        paragraphs = _clean_paragraphs(body.splitlines())
    else:
        document = trafilatura.bare_extraction(
            tree,
            url=url or None,
            favor_precision=True,
            include_comments=False,
            include_tables=True,
            include_links=False,
            deduplicate=False,
            with_metadata=True,
        )
        if document is None:
            raise ExtractionError("no article text found")
        paragraphs = _clean_paragraphs((getattr(document, "text", "") or "").splitlines())
        headline = headline or (getattr(document, "title", "") or "")
        byline = byline or (getattr(document, "author", "") or "")
    headline = normalise_text(headline)
    if paragraphs and paragraphs[0] == headline:
        paragraphs = paragraphs[1:]  # the headline is not part of the body
    if not paragraphs:
        raise ExtractionError("no article text found")
    article = Article(
        headline=headline, byline=normalise_text(byline), paragraphs=tuple(paragraphs)
    )
    return ExtractedPage(article, _canonical(tree, url))


def _canonical(tree: lxml.html.HtmlElement, url: str) -> str:
    """The absolute http(s) URL of the page's first ``<link rel=canonical>`` ("" if none)."""
    for link in tree.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split():
            href = (link.get("href") or "").strip()
            absolute = urljoin(url, href) if href else ""
            return absolute if absolute.startswith(("http://", "https://")) else ""
    return ""


def _clean_paragraphs(lines: list[str]) -> list[str]:
    paragraphs = []
    for line in lines:
        text = normalise_text(line)
        if text and not _FURNITURE.match(text):
            paragraphs.append(text)
    return paragraphs


def _structured_article(tree: lxml.html.HtmlElement) -> tuple[str, str, str] | None:
    """Returns (headline, byline, body) from the page's JSON-LD article, if it has one."""
    best: tuple[str, str, str] | None = None
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        for node in _json_ld_nodes(data):
            types = node.get("@type")
            names = types if isinstance(types, list) else [types]
            if not any(isinstance(t, str) and t.lower() in _ARTICLE_TYPES for t in names):
                continue
            body = node.get("articleBody")
            headline = node.get("headline") or node.get("name") or ""
            found = (
                headline if isinstance(headline, str) else "",
                _authors(node.get("author")),
                body if isinstance(body, str) else "",
            )
            if best is None or len(found[2]) > len(best[2]):
                best = found
    if best is not None and len(best[2]) < _MIN_STRUCTURED_BODY:
        best = (best[0], best[1], "")
    return best


def _paragraph_text_length(tree: lxml.html.HtmlElement) -> int:
    """Characters of text in the page's ``<p>`` elements outside headers, footers, asides."""
    total = 0
    for paragraph in tree.iter("p"):
        if any(a.tag in _NOT_ARTICLE for a in paragraph.iterancestors()):
            continue
        total += len(" ".join(paragraph.text_content().split()))
    return total


def _json_ld_nodes(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _json_ld_nodes(item)
    elif isinstance(data, dict):
        yield data
        if "@graph" in data:
            yield from _json_ld_nodes(data["@graph"])


def _authors(value: Any) -> str:
    items = value if isinstance(value, list) else [value]
    names = []
    for item in items:
        name = item.get("name") if isinstance(item, dict) else item
        if isinstance(name, str) and name.strip():
            names.append(name.strip())
    return ", ".join(names)
