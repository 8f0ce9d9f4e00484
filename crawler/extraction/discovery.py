"""Discovery: the article URLs that a feed, a sitemap or a section page lists.

Pure: a document's bytes in, absolute URLs (with the publication time, where the document
gives one) out. What it reads:

- RSS 2.0 (``<rss>``: each item's ``<link>``, or its ``<guid>`` when that is a permalink;
  ``<pubDate>``), RSS 1.0 (``<rdf:RDF>``: ``<link>``, ``<dc:date>``) and Atom (``<feed>``:
  each entry's alternate ``<link href>``; ``<published>``, else ``<updated>``);
- sitemaps (``<urlset>``: each ``<loc>``; the ``<news:publication_date>`` of a news sitemap,
  else ``<lastmod>``) and sitemap indexes (``<sitemapindex>``: the sitemaps it lists, for
  the caller to read in turn), also gzip-compressed;
- section pages (HTML): every link whose absolute URL matches the source's link pattern.

XML is parsed without resolving entities or fetching anything (no XXE, no entity bombs).
A document that cannot be read raises :class:`DiscoveryError` with the reason.
"""

from __future__ import annotations

import email.utils
import re
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

MAX_LINKS = 10_000
"""The most links read from one document; the rest are ignored."""
MAX_DOCUMENT = 50 * 1024 * 1024
"""The largest document read, in bytes, after decompression (a sitemap may hold 50 MB)."""

_GZIP_MAGIC = b"\x1f\x8b"
_XML_START = re.compile(
    rb"^\s*(?:<\?xml|<!--|<rss|<feed|<urlset|<sitemapindex|<rdf:RDF)", re.IGNORECASE
)


class DiscoveryError(ValueError):
    """Raised by :func:`read_listing` for a document it cannot read; says why."""


@dataclass(frozen=True)
class Link:
    """One URL a document lists.

    Attributes:
        url: The absolute URL, as listed (not normalised).
        published: When the document says the article was published (epoch seconds), if it
            does.
    """

    url: str
    published: float | None = None


@dataclass(frozen=True)
class Listing:
    """What a discovery document lists.

    Attributes:
        kind: ``rss``, ``atom``, ``sitemap``, ``sitemap index`` or ``section page``.
        articles: The article URLs, in document order, each once.
        sitemaps: The sitemaps a sitemap index lists (empty for every other kind).
    """

    kind: str
    articles: tuple[Link, ...]
    sitemaps: tuple[Link, ...] = ()


def read_listing(body: bytes, url: str, link_pattern: re.Pattern[str] | None) -> Listing:
    """Reads the URLs a feed, sitemap, sitemap index or section page lists.

    Args:
        body: The document, as fetched (gzip-compressed sitemaps are decompressed).
        url: Where it was fetched from: relative links are resolved against it.
        link_pattern: Which links of a section page are articles (searched in each absolute
            URL); None when the source has none, and then an HTML page is an error.

    Raises:
        DiscoveryError: the document is empty, too large, not well-formed, of another
            kind, or an HTML page with no link pattern to read it by.
    """
    body = _decompressed(body)
    if not body.strip():
        raise DiscoveryError("the document is empty")
    if _XML_START.match(body):
        return _read_xml(body, url)
    if link_pattern is None:
        raise DiscoveryError(
            "not a feed or a sitemap (an HTML page?); to read a section page, give the "
            "source a link_pattern"
        )
    return _read_section(body, url, link_pattern)


def _decompressed(body: bytes) -> bytes:
    if not body.startswith(_GZIP_MAGIC):
        return body
    reader = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = reader.decompress(body, MAX_DOCUMENT + 1)
    except zlib.error as exc:
        raise DiscoveryError(f"broken gzip data: {exc}") from exc
    if len(out) > MAX_DOCUMENT:
        raise DiscoveryError(f"the document expands past {MAX_DOCUMENT // 2**20} MB")
    if not reader.eof:
        raise DiscoveryError("broken gzip data: the stream ends early")
    return out


def _read_xml(body: bytes, url: str) -> Listing:
    parser = lxml.etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True
    )
    try:
        root = lxml.etree.fromstring(body, parser)
    except lxml.etree.XMLSyntaxError as exc:
        raise DiscoveryError(f"not well-formed XML: {exc}") from exc
    name = lxml.etree.QName(root).localname
    if name == "rss":
        return Listing("rss", _unique(_rss_items(root, url)))
    if name == "RDF":
        return Listing("rss", _unique(_rss_items(root, url)))
    if name == "feed":
        return Listing("atom", _unique(_atom_entries(root, url)))
    if name == "urlset":
        return Listing("sitemap", _unique(_sitemap_entries(root, "url", url)))
    if name == "sitemapindex":
        return Listing("sitemap index", (), _unique(_sitemap_entries(root, "sitemap", url)))
    raise DiscoveryError(f"not a feed or a sitemap: the document is <{name}>")


def _children(element: lxml.etree._Element, name: str) -> Iterator[lxml.etree._Element]:
    """The child elements of ``element`` called ``name``, in any namespace."""
    for child in element:
        if isinstance(child.tag, str) and lxml.etree.QName(child).localname == name:
            yield child


def _text(element: lxml.etree._Element, name: str) -> str:
    """The text of the first child called ``name`` (any namespace), stripped, or ""."""
    for child in _children(element, name):
        return (child.text or "").strip()
    return ""


def _descendants(root: lxml.etree._Element, name: str) -> Iterator[lxml.etree._Element]:
    for element in root.iter():
        if isinstance(element.tag, str) and lxml.etree.QName(element).localname == name:
            yield element


def _rss_items(root: lxml.etree._Element, base: str) -> Iterator[Link]:
    for item in _descendants(root, "item"):
        link = _text(item, "link")
        if not link:
            for guid in _children(item, "guid"):
                if guid.get("isPermaLink", "true").lower() != "false":
                    link = (guid.text or "").strip()
        published = _rfc822(_text(item, "pubDate")) or _iso8601(_text(item, "date"))
        if link:
            yield Link(urljoin(base, link), published)


def _atom_entries(root: lxml.etree._Element, base: str) -> Iterator[Link]:
    for entry in _descendants(root, "entry"):
        links = [
            link
            for link in _children(entry, "link")
            if link.get("rel", "alternate") == "alternate" and link.get("href")
        ]
        if not links:
            continue
        html = [link for link in links if "html" in link.get("type", "text/html")]
        href = (html or links)[0].get("href", "").strip()
        published = _iso8601(_text(entry, "published")) or _iso8601(_text(entry, "updated"))
        yield Link(urljoin(base, href), published)


def _sitemap_entries(root: lxml.etree._Element, name: str, base: str) -> Iterator[Link]:
    for entry in _children(root, name):
        loc = _text(entry, "loc")
        if not loc:
            continue
        published = None
        for news in _children(entry, "news"):
            published = _iso8601(_text(news, "publication_date"))
        yield Link(urljoin(base, loc), published or _iso8601(_text(entry, "lastmod")))


def _read_section(body: bytes, url: str, pattern: re.Pattern[str]) -> Listing:
    try:
        page = lxml.html.document_fromstring(body)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise DiscoveryError(f"not a readable HTML page: {exc}") from exc
    base = url
    for element in page.iter("base"):
        base = urljoin(url, element.get("href", ""))
        break
    links = (urljoin(base, a.get("href", "").strip()) for a in page.iter("a"))
    return Listing(
        "section page",
        _unique(Link(link) for link in links if _is_web(link) and pattern.search(link)),
    )


def _is_web(url: str) -> bool:
    return urlsplit(url).scheme in ("http", "https")


def _unique(links: Iterable[Link]) -> tuple[Link, ...]:
    """The links, each URL once (the first), at most :data:`MAX_LINKS` of them."""
    seen: dict[str, Link] = {}
    for link in links:
        if link.url not in seen and _is_web(link.url):
            seen[link.url] = link
            if len(seen) >= MAX_LINKS:
                break
    return tuple(seen.values())


def _rfc822(text: str) -> float | None:
    if not text:
        return None
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()


def _iso8601(text: str) -> float | None:
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()
