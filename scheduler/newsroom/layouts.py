"""The newsroom's page layouts, and the boilerplate that churns on every request.

Four layouts, as different as real sites are:

- ``classic``: an ``<article>`` with the body in ``<p>`` tags, an inline "Related" list and
  an ad inside it, JSON-LD metadata without the body (read by the general extractor);
- ``structured``: a modern page whose JSON-LD carries the whole ``articleBody``;
- ``ruled``: ``<div>`` soup with BEM class names, read with a source's CSS rules (see
  :data:`RULES`);
- ``legacy``: a table layout in windows-1252, with ``<font>`` tags.

Churn (a clock, a view counter, rotating ads, a shuffled "Most read" list, a script nonce)
changes on every request unless ``churn`` is off, when the same version is the same bytes.
"""

from __future__ import annotations

import html
import json
import random
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from scheduler.newsroom.story import Story

LAYOUTS = ("classic", "structured", "ruled", "legacy")

RULES = {
    "headline": ".c-entry__title",
    "byline": ".c-entry__author",
    "body": ".c-entry__text",
    "drop": [".c-inline-promo", ".c-entry__share"],
}
"""The extraction rules of the ``ruled`` layout's source (``[sources.NAME]`` keys)."""

_SECTIONS = [
    "News",
    "World",
    "Politics",
    "Business",
    "Money",
    "Science",
    "Health",
    "Education",
    "Sport",
    "Football",
    "Cricket",
    "Culture",
    "Books",
    "Music",
    "Film",
    "Television",
    "Travel",
    "Food",
    "Opinion",
    "Letters",
    "Obituaries",
    "Weather",
    "Puzzles",
    "Crosswords",
    "Podcasts",
    "Video",
    "Photos",
    "Newsletters",
    "Subscribe",
]
TEASERS = (
    "Council approves new budget after late-night session",
    "Local team wins championship in overtime thriller",
    "Weather service warns of heavy rain this weekend",
    "Museum reopens with expanded modern art wing",
    "Transit authority announces fare changes for spring",
    "Scientists map ancient riverbed beneath the city",
    "Harbour dredging to begin after years of delay",
    "Library hours extended in three neighbourhoods",
    "Hospital opens new maternity ward",
    "Fishing fleet returns early as storm approaches",
)
"""Headlines of other stories, for the "Most read" and "Related" lists."""
_ADS = (
    "Refinance today: rates from 3.9% APR",
    "Summer sale: 40% off garden furniture",
    "Try our newsletter free for 30 days",
    "Hearing aids that nobody will notice",
    "New electric SUV: book a test drive",
)


class Churn:
    """What changes from request to request: ``None`` of it when built with ``on=False``.

    With a ``seed``, the same requests churn the same way in every run: the counters and
    lists are drawn from it, and the clock starts at 06:00:00 and moves on by a few
    seconds at each reading instead of telling the time.
    """

    def __init__(self, on: bool, seed: int | None = None) -> None:
        self.on = on
        self._rng = random.Random(seed)
        self._seeded = seed is not None
        self._ticks = 6 * 3600

    def clock(self) -> str:
        """The time the page says it was rendered."""
        if not self.on:
            return "06:00:00"
        if self._seeded:
            self._ticks += self._rng.randint(1, 30)
            return time.strftime("%H:%M:%S", time.gmtime(self._ticks))
        return time.strftime("%H:%M:%S", time.gmtime())

    def number(self, low: int, high: int) -> int:
        """A counter's value."""
        return self._rng.randint(low, high) if self.on else low

    def nonce(self) -> str:
        """A script nonce or cache-buster."""
        return f"{self._rng.getrandbits(64):016x}" if self.on else "0" * 16

    def ad(self) -> str:
        """An ad's text."""
        return self._rng.choice(_ADS) if self.on else _ADS[0]

    def teasers(self, count: int) -> list[str]:
        """A "Most read" list."""
        return self._rng.sample(TEASERS, count) if self.on else list(TEASERS[:count])


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _nav() -> str:
    links = "".join(f'<li><a href="/section/{s.lower()}">{s}</a></li>' for s in _SECTIONS)
    return f'<nav class="site-nav"><ul>{links}</ul></nav>'


_NAV = _nav()
# What a real page carries besides the article: a stylesheet and a script bundle, inline.
_ASSETS = (
    "<style>"
    + "".join(
        f".c{i}{{margin:{i % 7}px {i % 5}px;padding:{i % 3}em;"
        f"color:#{i * 2654435761 % 0xFFFFFF:06x}}}"
        for i in range(300)
    )
    + "</style><script>window.__BUNDLE__=function(){var m={};"
    + "".join(f'm["mod{i}"]=function(e,t){{return e+t*{i}}};' for i in range(400))
    + "return m}();</script>"
)
_FOOTER = (
    '<footer class="site-footer"><p>© 2026 The Local Courier. All rights reserved.</p>'
    + "".join(
        f'<a href="/about/{s.lower()}">{s}</a> '
        for s in ("About", "Contact", "Careers", "Privacy", "Terms", "Cookies", "Advertise")
    )
    + "<p>The Local Courier is published by Courier Media Group, 1 Quay Street.</p></footer>"
)


def _most_read(churn: Churn) -> str:
    items = "".join(
        f'<li><a href="/news/{abs(hash(t)) % 99999}">{_e(t)}</a> <span>{churn.number(100, 9999)}'
        " reads</span></li>"
        for t in churn.teasers(6)
    )
    return f'<aside class="most-read"><h2>Most read</h2><ol>{items}</ol></aside>'


def _ad(churn: Churn, cls: str = "ad") -> str:
    return (
        f'<div class="{cls}" id="ad-{churn.nonce()}"><span>Advertisement</span>'
        f"<p>{_e(churn.ad())}</p></div>"
    )


def _script(churn: Churn) -> str:
    return (
        f'<script nonce="{churn.nonce()}">window.__PAGE__={{"rendered":"{churn.clock()}",'
        f'"views":{churn.number(1000, 99999)},"ab":"{churn.nonce()[:6]}"}};</script>'
    )


def _head(story: Story, url: str, extra: str = "", charset: str = "utf-8") -> str:
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="{charset}">'
        f"<title>{_e(story.headline)} | The Local Courier</title>"
        f'<link rel="canonical" href="{_e(url)}">'
        f'<meta property="og:title" content="{_e(story.headline)}">'
        f'<meta name="author" content="{_e(story.byline.removeprefix("By "))}">'
        f"{extra}{_ASSETS}</head>"
    )


def _related(churn: Churn) -> str:
    links = "".join(
        f'<li><a href="/news/r{i}">{_e(t)}</a></li>' for i, t in enumerate(churn.teasers(3))
    )
    return f'<aside class="related"><h3>Related</h3><ul>{links}</ul></aside>'


def classic(story: Story, url: str, churn: Churn) -> str:
    """The ``classic`` layout (see the module docstring)."""
    meta = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": story.headline,
        "author": {"@type": "Person", "name": story.byline.removeprefix("By ")},
    }
    body = [f"<p>{_e(p)}</p>" for p in story.paragraphs]
    body.insert(min(3, len(body)), _related(churn) + _ad(churn))
    return (
        _head(story, url, f'<script type="application/ld+json">{json.dumps(meta)}</script>')
        + f'<body><header class="masthead"><a href="/">The Local Courier</a>'
        f'<span class="clock">Updated {churn.clock()}</span></header>{_NAV}{_ad(churn)}'
        f'<main><article class="story"><h1>{_e(story.headline)}</h1>'
        f'<p class="byline">{_e(story.byline)}</p>'
        f'<div class="story-body">{"".join(body)}</div>'
        f'<p class="views">{churn.number(100, 99999)} views</p></article>'
        f"{_most_read(churn)}</main>{_FOOTER}{_script(churn)}</body></html>"
    )


def structured(story: Story, url: str, churn: Churn) -> str:
    """The ``structured`` layout (see the module docstring)."""
    meta = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": story.headline,
        "author": [{"@type": "Person", "name": story.byline.removeprefix("By ")}],
        "articleBody": "\n".join(story.paragraphs),
        "dateModified": "2026-11-01T06:00:00Z",
    }
    paragraphs = "".join(f'<p class="para">{_e(p)}</p>' for p in story.paragraphs)
    return (
        _head(story, url, f'<script type="application/ld+json">{json.dumps(meta)}</script>')
        + f'<body><div id="app"><header><div class="logo">Courier</div>'
        f'<div class="ticker">Markets {churn.number(7000, 8000)} ▲ · {churn.clock()}</div>'
        f'</header>{_NAV}<main><section class="headline-block"><h1>{_e(story.headline)}</h1>'
        f'<div class="author">{_e(story.byline)}</div></section>'
        f'<section class="content">{paragraphs}</section>{_ad(churn, "promo")}</main>'
        f"{_most_read(churn)}{_FOOTER}</div>{_script(churn)}</body></html>"
    )


def ruled(story: Story, url: str, churn: Churn) -> str:
    """The ``ruled`` layout (see the module docstring and :data:`RULES`)."""
    body = [f'<div class="c-entry__para">{_e(p)}</div>' for p in story.paragraphs]
    promo = (
        f'<div class="c-inline-promo"><a href="/news/p{churn.number(1, 99)}">'
        f"{_e(churn.teasers(1)[0])}</a></div>"
    )
    body.insert(min(2, len(body)), promo)
    return (
        _head(story, url) + f'<body><div class="l-page"><div class="l-header">Courier '
        f'<span class="l-header__time">{churn.clock()}</span></div>{_NAV}'
        f'<div class="c-entry"><div class="c-entry__title">{_e(story.headline)}</div>'
        f'<div class="c-entry__author">{_e(story.byline)}</div>'
        f'<div class="c-entry__share">Shared {churn.number(10, 9999)} times</div>'
        f'<div class="c-entry__text">{"".join(body)}</div></div>'
        f"{_ad(churn)}{_most_read(churn)}</div>{_FOOTER}{_script(churn)}</body></html>"
    )


def legacy(story: Story, url: str, churn: Churn) -> str:
    """The ``legacy`` layout (see the module docstring; the server encodes it in
    windows-1252)."""
    body = "\n".join(
        f'<p><font face="Verdana" size="2">{_e(p)}</font></p>' for p in story.paragraphs
    )
    teasers = "".join(
        f'<tr><td><a href="/n/{i}">{_e(t)}</a></td></tr>' for i, t in enumerate(churn.teasers(5))
    )
    return (
        _head(story, url, charset="windows-1252")
        + f'<body bgcolor="#ffffff"><table width="980"><tr><td colspan="2">'
        f'<font size="5">Courier Online</font> <font size="1">{churn.clock()} · '
        f'Besucher: {churn.number(1, 999999)}</font></td></tr><tr><td width="200" valign="top">'
        f'{_NAV}<table>{teasers}</table></td><td valign="top">'
        f'<font size="4"><b class="headline">{_e(story.headline)}</b></font><br>'
        f"<i>{_e(story.byline)}</i><br><br>\n"
        f'<div class="text">{body}</div>'
        f"</td></tr></table>{_ad(churn)}{_FOOTER}</body></html>"
    )


RENDER: dict[str, Callable[[Story, str, Churn], str]] = {
    "classic": classic,
    "structured": structured,
    "ruled": ruled,
    "legacy": legacy,
}
"""Each layout's renderer: ``(story, url, churn) -> html``."""

ENCODING = {"legacy": "windows-1252"}
"""Layouts not served in UTF-8."""
