"""Is an extraction an article? Pure checks of what a page reads like.

A page that reads like a paywall, a consent wall or an error page is a hiccup of the site
(a consent interstitial, a half-rendered page), never a version of the article:
:func:`wall_reason` names why; the check confirms it with a second fetch, like every
change, and then records a failed check rather than a version.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from crawler.domain.diff import count_words

if TYPE_CHECKING:
    from crawler.domain.models import Article

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
