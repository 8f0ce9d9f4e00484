"""Is an extraction trustworthy? Pure checks that flag an article to re-fetch before recording.

A page that suddenly holds a fraction of the text it had, or that reads like a paywall, a
consent wall or an error page, is more often a hiccup of the site (a cache serving a stub,
a consent interstitial, a half-rendered page) than an edit. :func:`suspicion` names the
reason; the check re-fetches such a page to confirm it before anything is recorded.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from crawler.diff import count_words

if TYPE_CHECKING:
    from crawler.models import Article

# A new version with less than this share of the previous version's words lost most of it.
MIN_KEPT_SHARE = 0.5
# ...counted only when the previous version had at least this many words.
MIN_WORDS_TO_SHRINK = 40
# Walls are short: a page with more words than this is an article, whatever it says.
MAX_WALL_WORDS = 150

_WALL = re.compile(
    r"""\b(?:
        subscribe\ (?:now\ )?to\ (?:continue|read|keep\ reading|unlock)|
        (?:already\ a\ subscriber|subscribers?\ only|exclusive\ to\ subscribers)|
        (?:this\ (?:article|content|story)\ is\ (?:only\ )?(?:for|available\ to)
            \ (?:subscribers|members|premium))|
        (?:create\ a\ free\ account|log\ ?in|sign\ in)\ to\ (?:continue|read|keep\ reading)|
        you\ have\ reached\ your\ (?:free\ )?(?:article\ )?limit|
        (?:accept|allow)\ (?:all\ )?cookies|we\ value\ your\ privacy|
        (?:manage|your)\ (?:cookie|privacy)\ (?:settings|preferences|choices)|
        page\ not\ found|(?:404|500|503)\ (?:error|not\ found)|
        (?:access|request)\ denied|are\ you\ a\ robot|verify\ you\ are\ (?:a\ )?human|
        enable\ javascript|(?:service|temporarily)\ unavailable|something\ went\ wrong
    )\b""",
    re.IGNORECASE | re.VERBOSE,
)


def article_words(article: Article) -> int:
    """How many words an article has, headline, byline and body together."""
    return sum(
        count_words(text) for text in (article.headline, article.byline, *article.paragraphs)
    )


def wall_reason(article: Article) -> str:
    """Names why the article reads like a paywall, consent wall or error page ("" if not)."""
    if article_words(article) > MAX_WALL_WORDS:
        return ""
    text = " ".join((article.headline, *article.paragraphs))
    match = _WALL.search(text)
    return f"looks like a wall or an error page ({match.group(0)!r})" if match else ""


def suspicion(article: Article, previous: Article | None) -> str:
    """Names why an extraction should be confirmed before it is recorded ("" if it need not).

    Args:
        article: The article just extracted.
        previous: The latest recorded version's article (None before the first).
    """
    wall = wall_reason(article)
    if wall:
        return wall
    if previous is not None:
        before, after = article_words(previous), article_words(article)
        if before >= MIN_WORDS_TO_SHRINK and after < MIN_KEPT_SHARE * before:
            return f"lost most of its text ({after} words, had {before})"
    return ""
