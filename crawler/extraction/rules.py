"""Per-source extraction rules: CSS selectors and text patterns a user writes for one source.

A source's rules come from its ``[sources.NAME]`` table in ``config/redline.toml``::

    [sources.ledger]
    domains = ["ledger.example"]
    headline = "h1.story-title"          # CSS selectors; a list is tried in order
    byline = ".story-byline"
    body = "div.story-body"              # the article's container(s)
    drop = [".inline-promo", "figure"]   # elements removed before extraction
    drop_text = ['^Updated \\d+ minutes ago$']   # paragraphs removed (regex, searched)

The clock publishes every source's rules to Redis; workers read them there, so one config
file steers every worker. Rules are compiled once per process and cached.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass, fields

import lxml.html
from cssselect import SelectorError
from lxml.cssselect import CSSSelector

from crawler.domain.codec import to_json


class RulesError(ValueError):
    """Raised by :func:`compile_rules` for a selector or pattern that does not compile; the
    message names the key and quotes the bad value."""


@dataclass(frozen=True)
class ExtractionRules:
    """How to read one source's pages (every field may be empty).

    Attributes:
        headline: CSS selectors of the headline; the first that matches wins.
        byline: CSS selectors of the byline; the first that matches wins.
        body: CSS selectors of the article's body container(s); the first that matches
            wins, and all of its matches are read in document order.
        drop: CSS selectors of elements to remove before anything is read.
        drop_text: Regular expressions; a paragraph any of them matches (``re.search``) is
            removed. Write ``(?i)`` for case-insensitive matching.
    """

    headline: tuple[str, ...] = ()
    byline: tuple[str, ...] = ()
    body: tuple[str, ...] = ()
    drop: tuple[str, ...] = ()
    drop_text: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))


# The keys of a source's table that are extraction rules.
RULE_KEYS = tuple(f.name for f in fields(ExtractionRules))


@dataclass(frozen=True)
class CompiledRules:
    """:class:`ExtractionRules` ready to apply."""

    headline: tuple[CSSSelector, ...]
    byline: tuple[CSSSelector, ...]
    body: tuple[CSSSelector, ...]
    drop: tuple[CSSSelector, ...]
    drop_text: tuple[re.Pattern[str], ...]


@functools.lru_cache(maxsize=256)
def compile_rules(rules: ExtractionRules) -> CompiledRules:
    """Compiles a source's rules (cached: the same rules compile once per process).

    Raises:
        RulesError: naming the key and the selector or pattern that does not compile.
    """
    return CompiledRules(
        headline=_selectors("headline", rules.headline),
        byline=_selectors("byline", rules.byline),
        body=_selectors("body", rules.body),
        drop=_selectors("drop", rules.drop),
        drop_text=tuple(_pattern(text) for text in rules.drop_text),
    )


def select(selector: CSSSelector, root: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    """The elements under ``root`` that ``selector`` matches, in document order."""
    found = selector(root)
    return (
        [e for e in found if isinstance(e, lxml.html.HtmlElement)]
        if isinstance(found, list)
        else []
    )


def rules_digest(rules: ExtractionRules) -> str:
    """A short name for a set of rules: equal rules, equal names."""
    return hashlib.sha256(to_json(rules).encode()).hexdigest()[:12]


def _selectors(key: str, selectors: tuple[str, ...]) -> tuple[CSSSelector, ...]:
    compiled = []
    for selector in selectors:
        try:
            compiled.append(CSSSelector(selector, translator="html"))
        except SelectorError as exc:
            raise RulesError(f"{key}: not a CSS selector: {selector!r} ({exc})") from exc
    return tuple(compiled)


def _pattern(text: str) -> re.Pattern[str]:
    try:
        return re.compile(text)
    except re.error as exc:
        raise RulesError(f"drop_text: not a regular expression: {text!r} ({exc})") from exc
