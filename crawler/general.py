"""The general extractor: the article of any page, with no rules and no structured data.

trafilatura, tuned for precision, without comments, and without its de-duplication cache
(which carries state from one call to the next and would make the same page extract
differently later).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import trafilatura

if TYPE_CHECKING:
    import lxml.html

VERSION = f"trafilatura-{trafilatura.__version__}"


@dataclass(frozen=True)
class GeneralArticle:
    """What the general extractor found (paragraph lines not yet normalised)."""

    headline: str
    byline: str
    lines: tuple[str, ...]


def general_article(tree: lxml.html.HtmlElement, url: str) -> GeneralArticle | None:
    """The article of a page, or None when the extractor finds no main text."""
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
        return None
    return GeneralArticle(
        headline=getattr(document, "title", "") or "",
        byline=getattr(document, "author", "") or "",
        lines=tuple((getattr(document, "text", "") or "").splitlines()),
    )
