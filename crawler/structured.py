"""Structured data in a page: the JSON-LD ``NewsArticle`` a publisher embeds for search
engines, often the cleanest statement of the article's headline, authors and text."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator

    import lxml.html

# JSON-LD types that describe an article's text.
ARTICLE_TYPES = frozenset(
    {
        "article",
        "newsarticle",
        "reportagenewsarticle",
        "analysisnewsarticle",
        "opinionnewsarticle",
        "backgroundnewsarticle",
        "reviewnewsarticle",
        "blogposting",
        "liveblogposting",
        "report",
    }
)


@dataclass(frozen=True)
class StructuredArticle:
    """What a page's JSON-LD says about its article (each field may be empty).

    Attributes:
        headline: The ``headline`` (or ``name``).
        byline: The authors' names, comma-separated.
        body: The ``articleBody``, as given.
    """

    headline: str = ""
    byline: str = ""
    body: str = ""


def structured_article(tree: lxml.html.HtmlElement) -> StructuredArticle | None:
    """The page's JSON-LD article with the longest body (None if the page has none)."""
    best: StructuredArticle | None = None
    for _, data in json_ld(tree):
        for node in _nodes(data):
            types = node.get("@type")
            names = types if isinstance(types, list) else [types]
            if not any(isinstance(t, str) and t.lower() in ARTICLE_TYPES for t in names):
                continue
            headline = node.get("headline") or node.get("name") or ""
            body = node.get("articleBody")
            found = StructuredArticle(
                headline=headline if isinstance(headline, str) else "",
                byline=_authors(node.get("author")),
                body=body if isinstance(body, str) else "",
            )
            if best is None or len(found.body) > len(best.body):
                best = found
    return best


def json_ld(tree: lxml.html.HtmlElement) -> Iterator[tuple[lxml.html.HtmlElement, Any]]:
    """Each JSON-LD script of the page with its parsed document (unparsable ones are
    skipped: they are the publisher's bug, not the article's)."""
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            yield script, json.loads(script.text or "")
        except ValueError:
            continue


def _nodes(data: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object of a JSON-LD document that may describe a thing (iterative)."""
    pending = [data]
    while pending:
        item = pending.pop()
        if isinstance(item, list):
            pending.extend(reversed(item))
        elif isinstance(item, dict):
            yield item
            if "@graph" in item:
                pending.append(item["@graph"])


def _authors(value: Any) -> str:
    items = value if isinstance(value, list) else [value]
    names = []
    for item in items:
        name = item.get("name") if isinstance(item, dict) else item
        if isinstance(name, str) and name.strip():
            names.append(name.strip())
    return ", ".join(names)
