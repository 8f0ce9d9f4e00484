"""The benchmark's pages: recorded news pages with their ground-truth article bodies."""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path

from crawler.extraction.decode import decode_html

DEFAULT_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "aeb"
"""Where the pages are unless told otherwise: ``html/<id>.html.gz`` and
``ground-truth.json`` (``<id>`` -> ``{"url", "articleBody"}``)."""


@dataclass(frozen=True)
class Page:
    """One recorded page.

    Attributes:
        id: Its id in the data set.
        url: Where it was fetched from.
        truth: The ground-truth article body, paragraphs separated by newlines.
        html: The page, decoded.
    """

    id: str
    url: str
    truth: str
    html: str


def page_ids(data: Path) -> list[str]:
    """The ids of the pages in ``data`` that have ground truth, sorted."""
    return sorted(_truth(data))


def load_pages(data: Path, ids: list[str]) -> list[Page]:
    """Reads and decodes the pages with the given ids (in that order).

    Raises:
        FileNotFoundError: ``data`` lacks the ground truth or a page.
    """
    truth = _truth(data)
    pages = []
    for page_id in ids:
        raw = gzip.decompress((data / "html" / f"{page_id}.html.gz").read_bytes())
        html = decode_html(raw)
        entry = truth[page_id]
        pages.append(Page(page_id, entry["url"], entry["articleBody"], html))
    return pages


def _truth(data: Path) -> dict[str, dict[str, str]]:
    with (data / "ground-truth.json").open(encoding="utf-8") as file:
        loaded: dict[str, dict[str, str]] = json.load(file)
    return loaded
