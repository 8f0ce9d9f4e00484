"""The article fingerprint: equal exactly when two extractions say the same thing."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from crawler.codec import to_json

if TYPE_CHECKING:
    from crawler.models import Article

FINGERPRINT_VERSION = "2"


def fingerprint(article: Article) -> str:
    """Returns a hex SHA-256 over the article's headline, byline, dateline and
    paragraphs.

    The article's text is already normalised (see :mod:`crawler.normalize`), so the
    fingerprint only changes when the words or their order do.
    """
    payload = f"{FINGERPRINT_VERSION}\n{to_json(article)}".encode()
    return hashlib.sha256(payload).hexdigest()
