"""Generated news layouts: as many page templates as there are seeds, none written by hand.

A layout is drawn from a seed (:meth:`Layout.draw`), independently of every other:

- **markup** of the article's paragraphs (the layout's *family*): ``<p>``; ``<div>``\\ s
  with no ``<p>``; text separated by ``<br><br>`` inside one element; ``<font>`` blocks;
  table cells; list items; or the article cut into chunks with other elements between them;
- **nesting**: the article sits one to four containers deep, in ``<div>``, ``<section>``,
  ``<main>``, ``<article>`` or a table cell;
- **names**: the containers' class names are words a site might use, obfuscated hashes, or
  absent;
- **headline and byline** forms, and **JSON-LD**: none, the metadata, or the whole body;
- **the site's template**: static blocks (masthead, navigation, footer) and churning ones
  (a clock, "Updated N minutes ago", a comment counter, a sponsored line from a rotating
  pool, a "Most read" list, a "Page served" stamp, headlines of other stories), each placed
  before, after, beside or inside the article, and sometimes in exactly the markup of the
  article's paragraphs with no telling class name. On some sites each sponsored line is a
  link to its sponsor's site.

The text is the newsroom's (:mod:`scheduler.newsroom.story`), so edits and the ground truth are
the same as for the hand-written layouts.
"""

from __future__ import annotations

import html
import json
import random
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scheduler.newsroom.layouts import Churn
    from scheduler.newsroom.story import Story

PREFIX = "generated-"
"""A generated layout's name is this prefix and its seed."""

FAMILIES = ("p", "div", "br", "font", "td", "li", "chunks")
"""How a layout marks up the article's paragraphs."""

_NAMING = ("none", "words", "hashed")
_JSONLD = ("none", "meta", "body")
_WHERE = ("before", "after", "beside", "inside")
_CHURNING = ("clock", "updated", "comments", "sponsored", "most_read", "served", "teaser")
_WORDS = (
    "content", "story", "article", "entry", "post", "main", "body", "text", "copy", "wrap",
    "inner", "col", "primary", "page", "block", "item", "module", "region", "box", "panel",
)  # fmt: skip
_SITE_WORDS = ("Courier", "Gazette", "Herald", "Ledger", "Tribune", "Post", "Chronicle")
_SPONSORED = (
    "Sponsored: save on ferry tickets this winter.",
    "Sponsored: try the new harbour tours today.",
    "Partner content: a weekend by the sea, for less.",
    "Sponsored: the bank that listens to you.",
    "Promoted: learn a language in ten minutes a day.",
    "Sponsored: new electric cars, book a test drive.",
)
_STORIES = (
    "Council approves new budget after late-night session",
    "Museum reopens with expanded modern art wing",
    "Harbour dredging to begin after years of delay",
    "Library hours extended in three neighbourhoods",
    "Fishing fleet returns early as storm approaches",
    "Transit authority announces fare changes for spring",
    "Hospital opens new maternity ward",
    "Scientists map ancient riverbed beneath the city",
)


@dataclass(frozen=True)
class Block:
    """One block of the site's template.

    Attributes:
        kind: What it shows (see :data:`_CHURNING`, and "masthead", "nav", "footer").
        where: Before, after, beside or inside the article.
        at: For a block inside the article: after this share of its paragraphs (0 to 1).
        bare: Rendered in exactly the markup of the article's paragraphs, with no class.
    """

    kind: str
    where: str
    at: float = 0.0
    bare: bool = False


@dataclass(frozen=True)
class Layout:
    """A generated layout (see the module docstring)."""

    seed: int
    family: str
    naming: str
    jsonld: str
    containers: tuple[str, ...]
    headline: str
    byline: str
    site: str
    blocks: tuple[Block, ...]
    names: tuple[str, ...]
    sponsor_links: bool

    @classmethod
    def draw(cls, seed: int) -> Layout:
        """The layout of ``seed``."""
        rng = random.Random(f"layout:{seed}")
        blocks = [Block("masthead", "before"), Block("nav", rng.choice(("before", "beside")))]
        for _ in range(rng.randint(2, 6)):
            where = rng.choice(_WHERE)
            blocks.append(
                Block(
                    rng.choice(_CHURNING),
                    where,
                    round(rng.uniform(0.15, 0.85), 2),
                    bare=where == "inside" and rng.random() < 0.5,
                )
            )
        blocks.append(Block("footer", "after"))
        naming = rng.choice(_NAMING)
        names = tuple(_name(rng, naming) for _ in range(12))  # containers, headline, byline, blocks
        return cls(
            seed=seed,
            family=rng.choice(FAMILIES),
            naming=naming,
            jsonld=rng.choice(_JSONLD),
            containers=tuple(
                rng.choice(("div", "section", "main", "article", "td", "div"))
                for _ in range(rng.randint(1, 4))
            ),
            headline=rng.choice(("h1", "h2", "div", "font", "span")),
            byline=rng.choice(("p", "div", "span", "i", "none")),
            site=f"The {rng.choice(('Daily', 'Evening', 'Local', 'Coast'))} "
            f"{rng.choice(_SITE_WORDS)}",
            blocks=tuple(blocks),
            names=names,
            sponsor_links=rng.random() < 0.5,  # drawn last: the draws above stay as they were
        )

    def render(self, story: Story, url: str, churn: Churn) -> str:
        """The page of ``story`` at ``url``, with this request's churn."""
        body = self._article(story, churn)
        for depth, tag in enumerate(reversed(self.containers)):
            attrs = self._cls(depth)
            body = (
                f"<table><tr><td{attrs}>{body}</td></tr></table>"
                if tag == "td"
                else f"<{tag}{attrs}>{body}</{tag}>"
            )
        before = "".join(self._block(b, churn) for b in self.blocks if b.where == "before")
        after = "".join(self._block(b, churn) for b in self.blocks if b.where == "after")
        beside = "".join(self._block(b, churn) for b in self.blocks if b.where == "beside")
        if beside:
            body = (
                f"<table><tr><td>{body}</td><td{self._cls(9)}>{beside}</td></tr></table>"
                if self.seed % 2
                else f"<div>{body}</div><div{self._cls(9)}>{beside}</div>"
            )
        return (
            f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f"<title>{_e(story.headline)} | {_e(self.site)}</title>"
            f'<link rel="canonical" href="{_e(url)}">{self._jsonld(story)}</head>'
            f"<body>{before}{body}{after}</body></html>"
        )

    # -- parts -----------------------------------------------------------------------------

    def _cls(self, n: int) -> str:
        name = self.names[n % len(self.names)]
        return f' class="{name}"' if name else ""

    def _jsonld(self, story: Story) -> str:
        if self.jsonld == "none":
            return ""
        meta: dict[str, object] = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": story.headline,
            "author": {"@type": "Person", "name": story.byline.removeprefix("By ")},
        }
        if self.jsonld == "body":
            meta["articleBody"] = "\n\n".join(story.paragraphs)
        return f'<script type="application/ld+json">{json.dumps(meta)}</script>'

    def _article(self, story: Story, churn: Churn) -> str:
        items = [_e(p) for p in story.paragraphs]
        inside = sorted(
            (b for b in self.blocks if b.where == "inside"), key=lambda b: b.at, reverse=True
        )
        marked: list[tuple[str, bool]] = [(item, True) for item in items]
        for block in inside:
            at = max(1, min(len(items) - 1, round(block.at * len(items))))
            text = self._text(block, churn)
            marked.insert(at, (text, True) if block.bare else (self._block(block, churn), False))
        head = self._headline(story) + self._byline(story)
        return head + self._paragraphs(marked)

    def _headline(self, story: Story) -> str:
        text, attrs = _e(story.headline), self._cls(4)
        if self.headline == "font":
            return f'<font size="5"><b{attrs}>{text}</b></font><br>'
        return f"<{self.headline}{attrs}>{text}</{self.headline}>"

    def _byline(self, story: Story) -> str:
        if self.byline == "none":
            return ""
        return f"<{self.byline}{self._cls(5)}>{_e(story.byline)}</{self.byline}>"

    def _paragraphs(self, marked: list[tuple[str, bool]]) -> str:
        """The article's paragraphs (and what stands between them), in the layout's
        markup; a pair is (text or element, whether it is marked up as a paragraph)."""
        family, cls = self.family, self._cls(6)

        def one(text: str, as_paragraph: bool) -> str:
            if not as_paragraph:
                return text
            match family:
                case "p" | "chunks":
                    return f"<p>{text}</p>"
                case "div":
                    return f"<div{cls}>{text}</div>"
                case "font":
                    return f'<font face="Georgia" size="2">{text}</font><br><br>'
                case "td":
                    return f"<tr><td>{text}</td></tr>"
                case "li":
                    return f"<li>{text}</li>"
                case _:  # "br"
                    return f"{text}<br><br>"

        parts = [one(text, as_paragraph) for text, as_paragraph in marked]
        if family == "td":  # an element between rows goes in a row of its own
            parts = [p if p.startswith("<tr>") else f"<tr><td>{p}</td></tr>" for p in parts]
            return f"<table{cls}>{''.join(parts)}</table>"
        if family == "li":
            parts = [p if p.startswith("<li>") else f"<li>{p}</li>" for p in parts]
            return f"<ul{cls}>{''.join(parts)}</ul>"
        if family == "chunks":  # cut in two or three, with something between
            third = max(1, len(parts) // 3)
            chunks = [parts[:third], parts[third : 2 * third], parts[2 * third :]]
            between = f"<div{self._cls(7)}><a href='/photos'>Photos</a></div>"
            return between.join(f"<div{cls}>{''.join(c)}</div>" for c in chunks if c)
        if family == "br":
            return f"<div{cls}>{''.join(parts)}</div>"
        return "".join(parts)

    def _block(self, block: Block, churn: Churn) -> str:
        """A template block as an element of its own."""
        attrs = self._cls(8 + len(block.kind) % 4)
        if block.kind == "nav":
            sections = random.Random(f"nav:{self.seed}").sample(_WORDS, 8)
            links = "".join(f'<li><a href="/{s}">{s.title()}</a></li>' for s in sections)
            return f"<ul{attrs}>{links}</ul>"
        if block.kind == "most_read":
            items = "".join(
                f'<li><a href="/news/m{i}">{_e(t)}</a></li>' for i, t in enumerate(churn.teasers(4))
            )
            return f"<div{attrs}><b>Most read</b><ol>{items}</ol></div>"
        if block.kind == "teaser":
            return f"<div{attrs}><a href='/news/t'>{_e(self._text(block, churn))}</a></div>"
        return f"<div{attrs}>{self._text(block, churn)}</div>"

    def _text(self, block: Block, churn: Churn) -> str:
        """A template block's words, as this request shows them."""
        match block.kind:
            case "masthead":
                return _e(f"{self.site}: news from the coast since 1887")
            case "footer":
                return _e(f"Copyright 2026 {self.site}. All rights reserved.")
            case "clock":
                return f"Last update {churn.clock()}"
            case "updated":
                return f"Updated {churn.number(1, 59)} minutes ago"
            case "comments":
                return f"Reader comments ({churn.number(0, 500)})"
            case "sponsored":
                n = churn.number(0, len(_SPONSORED) - 1)
                if not self.sponsor_links:
                    return _e(_SPONSORED[n])
                href = f"https://sponsor{n}.example/offer?ref={churn.number(1000, 9999)}"
                return f'<a href="{href}">{_e(_SPONSORED[n])}</a>'
            case "served":
                return f"Page served {churn.clock()} by node {churn.number(1, 40)}"
            case "teaser" | "most_read":
                return _e(_STORIES[churn.number(0, len(_STORIES) - 1)])
            case _:  # nav, read as text
                return _e(" | ".join(_WORDS[:6]))


@cache
def drawn(seed: int) -> Layout:
    """The layout of ``seed``, drawn once per process."""
    return Layout.draw(seed)


def _name(rng: random.Random, naming: str) -> str:
    if naming == "none":
        return ""
    if naming == "hashed":
        return f"{rng.choice('abcdefghjk')}{rng.getrandbits(24):06x}"
    return f"{rng.choice(_WORDS)}-{rng.choice(_WORDS)}"


def _e(text: str) -> str:
    return html.escape(text, quote=True)
