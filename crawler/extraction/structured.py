"""Structured data in a page: the JSON-LD ``NewsArticle`` a publisher embeds for search
engines, often the cleanest statement of the article's headline, authors and text.

The JSON-LD body says which text is the article, but it is not what readers see: it may
lag behind an edit of the page, or run the paragraphs together. So it only *locates* the
article: :func:`shown_element` finds the element of the page whose visible text matches
the body best, and :func:`coverage` says whether what was read there is that article.
Texts are compared by their pairs of consecutive words, which common words alone rarely
share.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from crawler.domain.normalize import normalise_text
from crawler.extraction.paragraphs import paragraphs_of

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    import lxml.html

# A text read from the page is the article when it holds at least this share of the
# JSON-LD body's word pairs...
MIN_COVERED = 0.8
# ... and at least this share of its words are in one of them.
MIN_MATCHED = 0.5
_WORD = re.compile(r"\w+")

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


@dataclass(frozen=True)
class Coverage:
    """How well a text read from the page matches a JSON-LD body.

    Attributes:
        covered: The share of the body's word pairs the text holds (0 to 1).
        matched: The share of the text's words that are in one of the body's word pairs
            (0 to 1): how much of it is the article rather than something else.
    """

    covered: float
    matched: float

    @property
    def complete(self) -> bool:
        """True when the text is the body's article: it holds nearly all of the body and
        little else."""
        return self.covered >= MIN_COVERED and self.matched >= MIN_MATCHED


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


def shown_element(tree: lxml.html.HtmlElement, body: str) -> lxml.html.HtmlElement | None:
    """The element whose visible text matches ``body`` best (None if no text does).

    Each element is scored by the harmonic mean of two shares: of the body's words found
    in its paragraphs (capped at 1), and of its paragraphs' words that are in the body, a
    word counting as found when it is in one of the body's word pairs. Ties go to the
    element with the fewest words (the tightest), then to the outermost, then to the
    first in the page, so the same page always gives the same element. Pure: ``tree`` is
    not changed.

    Args:
        tree: The page.
        body: The JSON-LD body as plain text.
    """
    tokens = _tokens(body)
    pairs = frozenset(itertools.pairwise(tokens))
    if not pairs:
        return None
    words: dict[int, int] = {}
    matched: dict[int, int] = {}
    elements: dict[int, tuple[lxml.html.HtmlElement, int]] = {}  # with its depth
    for paragraph in paragraphs_of(tree):
        found = _WORD.findall(paragraph.text.lower())  # its text is normalised already
        hits = _matched_words(found, pairs)
        chain = (paragraph.element, *paragraph.element.iterancestors())
        for depth, element in enumerate(reversed(chain)):
            key = id(element)
            words[key] = words.get(key, 0) + len(found)
            matched[key] = matched.get(key, 0) + hits
            elements.setdefault(key, (element, depth))
    order = {key: index for index, key in enumerate(elements)}  # first seen, in page order
    best = max(
        (key for key in elements if matched[key]),
        key=lambda key: (
            _harmonic(matched[key] / words[key], min(matched[key] / len(tokens), 1.0)),
            -words[key],
            -elements[key][1],
            -order[key],
        ),
        default=None,
    )
    return None if best is None else elements[best][0]


def coverage(lines: Iterable[str], body: str) -> Coverage:
    """How well ``lines``, read from the page, match ``body``, the JSON-LD body as plain
    text (see :class:`Coverage`)."""
    pairs = _word_pairs(body)
    found: set[tuple[str, str]] = set()
    words = matched = 0
    for line in lines:
        tokens = _tokens(line)
        found.update(pair for pair in itertools.pairwise(tokens) if pair in pairs)
        words += len(tokens)
        matched += _matched_words(tokens, pairs)
    return Coverage(
        covered=len(found) / len(pairs) if pairs else 0.0,
        matched=matched / words if words else 0.0,
    )


def _word_pairs(text: str) -> frozenset[tuple[str, str]]:
    """The pairs of consecutive words of ``text``, normalised and lower-cased."""
    return frozenset(itertools.pairwise(_tokens(text)))


def _tokens(text: str) -> list[str]:
    """The words of ``text``, normalised and lower-cased."""
    return _WORD.findall(normalise_text(text).lower())


def _matched_words(tokens: list[str], pairs: frozenset[tuple[str, str]]) -> int:
    """How many of ``tokens`` are in a pair of consecutive tokens that is in ``pairs``."""
    inside = [False] * len(tokens)
    for index, pair in enumerate(itertools.pairwise(tokens)):
        if pair in pairs:
            inside[index] = inside[index + 1] = True
    return sum(inside)


def _harmonic(first: float, second: float) -> float:
    return 2 * first * second / (first + second) if first + second else 0.0
