"""General-purpose article extractors that redline is compared with.

Each adapter takes a decoded page and its URL and returns the article body as plain text,
one paragraph per line, or "" when the extractor finds nothing or fails: adapters never
raise. An extractor whose package is not installed is left out of the comparison.
"""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
import logging
from collections.abc import Callable
from dataclasses import dataclass

import lxml.html
import trafilatura

from crawler.extraction.paragraphs import paragraphs_of

logger = logging.getLogger(__name__)

Adapter = Callable[[str, str], str]
"""An extractor's adapter: (decoded page, URL) -> article body text, "" on failure."""

# Tags that start a new line when readability's HTML output is turned into text.


@dataclass(frozen=True)
class Competitor:
    """An extractor to compare with.

    Attributes:
        name: Its name in reports and in ``--extractors``.
        package: The PyPI distribution that provides it.
        module: The module it is imported from.
        settings: How it is called, in words.
        extract: The adapter.
    """

    name: str
    package: str
    module: str
    settings: str
    extract: Adapter

    @property
    def installed(self) -> bool:
        """Whether its module can be imported."""
        return importlib.util.find_spec(self.module) is not None

    @property
    def version(self) -> str:
        """Its package's installed version."""
        return importlib.metadata.version(self.package)


def _never_raises(adapter: Adapter) -> Adapter:
    @functools.wraps(adapter)
    def safe(html: str, url: str) -> str:
        try:
            return adapter(html, url)
        except Exception:  # any failure of a third-party extractor is an empty output
            logger.debug("%s failed on %s", adapter.__name__, url, exc_info=True)
            return ""

    return safe


@_never_raises
def trafilatura_precision(html: str, url: str) -> str:
    """trafilatura tuned for precision: no comments, tables kept."""
    text = trafilatura.extract(
        html,
        url=url or None,
        favor_precision=True,
        include_comments=False,
        include_tables=True,
        deduplicate=False,
    )
    return text or ""


@_never_raises
def trafilatura_default(html: str, url: str) -> str:
    """trafilatura with its default settings (its cross-call de-duplication off)."""
    return trafilatura.extract(html, url=url or None, deduplicate=False) or ""


@_never_raises
def readability(html: str, url: str) -> str:
    """readability-lxml's summary, its HTML turned into text one block per line."""
    # Optional packages are imported on use, so the others run without them.
    from readability import Document

    summary = Document(html, url=url or None).summary(html_partial=True)
    return _html_text(summary)


@_never_raises
def resiliparse(html: str, url: str) -> str:
    """Resiliparse's main-content plain-text extraction."""
    del url
    from resiliparse.extract.html2text import extract_plain_text

    return str(
        extract_plain_text(
            html,
            preserve_formatting=True,
            main_content=True,
            list_bullets=False,
            alt_texts=False,
            comments=False,
        )
    )


COMPETITORS = (
    Competitor(
        "trafilatura-precision",
        "trafilatura",
        "trafilatura",
        "favor_precision=True, include_comments=False, include_tables=True, deduplicate=False",
        trafilatura_precision,
    ),
    Competitor(
        "trafilatura-default",
        "trafilatura",
        "trafilatura",
        "deduplicate=False",
        trafilatura_default,
    ),
    Competitor(
        "readability",
        "readability-lxml",
        "readability",
        "Document(html, url).summary(html_partial=True)",
        readability,
    ),
    Competitor(
        "resiliparse",
        "resiliparse",
        "resiliparse",
        "main_content=True, preserve_formatting=True, list_bullets=False, alt_texts=False, "
        "comments=False",
        resiliparse,
    ),
)
"""Every extractor redline is compared with, installed or not."""


def _html_text(fragment: str) -> str:
    """The text of an HTML fragment, one line per block, read as redline reads blocks."""
    if not fragment.strip():
        return ""
    return "\n".join(
        p.text for p in paragraphs_of(lxml.html.fragment_fromstring(fragment, create_parent="div"))
    )
