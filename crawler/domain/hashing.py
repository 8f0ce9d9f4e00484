"""The article fingerprint: equal exactly when two extractions say the same thing."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from crawler.domain.codec import to_json

if TYPE_CHECKING:
    from crawler.domain.models import Article

FINGERPRINT_VERSION = "2"


def page_digest(html: str, reader: str) -> str:
    """Returns a short hex digest of a page and of what reads it (see
    :attr:`crawler.extraction.extract.ExtractedPage.extractor`): pages with equal digests
    are the same text read the same way, so the second needs no extraction."""
    digest = hashlib.blake2b(reader.encode(), digest_size=16)
    digest.update(html.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def fingerprint(article: Article) -> str:
    """Returns a hex SHA-256 over the article's headline, byline, dateline and
    paragraphs.

    The article's text is already normalised (see :mod:`crawler.domain.normalize`), so the
    fingerprint only changes when the words or their order do.
    """
    payload = f"{FINGERPRINT_VERSION}\n{to_json(article)}".encode()
    return hashlib.sha256(payload).hexdigest()
