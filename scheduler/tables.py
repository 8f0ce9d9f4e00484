"""The tables of the settings file: ``[sources.NAME]`` (which sites belong to a source, how
its pages are read, where its articles are discovered) and ``[notify.NAME]`` (where its
changes are pushed), each read into a record with errors naming the table and key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crawler.domain.diff import ChangeKind
from crawler.domain.identity import BadUrlError, normalise_url
from crawler.extraction.rules import RULE_KEYS, ExtractionRules, RulesError, compile_rules
from scheduler.values import ConfigError, parse_duration

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

DISCOVER_INTERVAL = 900.0
"""Seconds between two reads of a discovery endpoint, by default."""
MIN_DISCOVER_INTERVAL = 60.0
"""The shortest interval a discovery endpoint may be read at, in seconds."""
# The keys of a [sources.NAME] table besides the extraction rules.
_SOURCE_KEYS = ("domains", "discover", "link_pattern", "discover_interval")


@dataclass(frozen=True)
class Source:
    """A named source: the sites (domains) whose articles belong to it, and how to read them.

    Attributes:
        name: The source's name, as used in feeds and the web view.
        domains: Host names; a URL belongs to the source when its host is one of them or a
            subdomain of one.
        rules: How to extract its articles (empty: structured data and the general
            extractor only).
        discover: Discovery endpoints (normalised URLs): RSS and Atom feeds, sitemaps,
            sitemap indexes and section pages; every new article they list is tracked.
        link_pattern: A regular expression that the URL of every article link on a
            section page matches (searched); "" when the source lists no section page.
        discover_interval: Seconds between two reads of each endpoint.
    """

    name: str
    domains: tuple[str, ...]
    rules: ExtractionRules = field(default_factory=ExtractionRules)
    discover: tuple[str, ...] = ()
    link_pattern: str = ""
    discover_interval: float = DISCOVER_INTERVAL


NOTIFY_FORMATS = ("text", "html", "markdown")
"""The forms a notification channel's messages may be written in."""
NOTIFY_LIMIT = 10
"""Messages a minute a channel gets at most, by default; beyond, one digest."""
# The keys of a [notify.NAME] table.
_CHANNEL_KEYS = ("url", "url_env", "sources", "kinds", "format", "limit")
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")


@dataclass(frozen=True)
class Channel:
    """A notification channel (a ``[notify.NAME]`` table): where every change of its sources
    and kinds is pushed, through apprise.

    Attributes:
        name: The channel's name.
        url: Its apprise URL ("" when ``url_env`` names it). It holds secrets: it is never
            printed (not even by ``repr``).
        url_env: The environment variable holding its URL ("" when ``url`` is given).
        sources: Only these sources' changes (empty: every source's).
        kinds: Only changes of these kinds (empty: every kind).
        format: ``text``, ``html`` or ``markdown`` ("": the form the channel prefers).
        limit: Messages a minute at most; beyond, one digest tells of the rest.
    """

    name: str
    url: str = field(default="", repr=False)
    url_env: str = ""
    sources: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    format: str = ""
    limit: int = NOTIFY_LIMIT


def _tables(
    raw: Any, path: Path, part: str, what: str, known: tuple[str, ...]
) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """The ``[part.NAME]`` tables of the settings file: each name, where it is (for errors)
    and its table, whose keys are all ``known``.

    Raises:
        ConfigError: ``raw`` is not a table of tables, a name is not lower-case letters,
            digits, - and _, or a table has a key not ``known``.
    """
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: [{part}] must be a table of [{part}.NAME] tables")
    for name, table in raw.items():
        where = f"{path}: [{part}.{name}]"
        if not _NAME.fullmatch(name):
            raise ConfigError(f"{where}: a {what} name is lower-case letters, digits, - and _")
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: must be a table")
        unknown = set(table) - set(known)
        if unknown:
            raise ConfigError(
                f"{where}: unknown key(s) {', '.join(sorted(unknown))} (known: {', '.join(known)})"
            )
        yield name, where, table


def parse_sources(raw: Any, path: Path) -> tuple[Source, ...]:
    sources = []
    for name, where, table in _tables(raw, path, "sources", "source", (*_SOURCE_KEYS, *RULE_KEYS)):
        domains = _strings(table, "domains", where)
        rules = ExtractionRules(**{key: _strings(table, key, where) for key in RULE_KEYS})
        try:
            compile_rules(rules)
        except RulesError as exc:
            raise ConfigError(f"{where}: {exc}") from exc
        sources.append(
            Source(
                name=name,
                domains=tuple(d.strip().lower().rstrip(".") for d in domains),
                rules=rules,
                **_discovery(table, where),
            )
        )
    return tuple(sources)


def parse_channels(raw: Any, path: Path) -> tuple[Channel, ...]:
    """The ``[notify.NAME]`` tables. Whether apprise can use a channel's URL is for the
    notify role to say (naming the channel; the others keep working).

    Raises:
        ConfigError: naming the channel and key of the first bad one.
    """
    channels = []
    known_kinds = [kind.value for kind in ChangeKind]
    for name, where, table in _tables(raw, path, "notify", "channel", _CHANNEL_KEYS):
        url, url_env = table.get("url", ""), table.get("url_env", "")
        if not isinstance(url, str) or not isinstance(url_env, str) or bool(url) == bool(url_env):
            raise ConfigError(
                f"{where}: give url (an apprise URL) or url_env (the environment variable"
                " that holds it), one of them"
            )
        kinds = _strings(table, "kinds", where)
        if strange := [kind for kind in kinds if kind not in known_kinds]:
            raise ConfigError(
                f"{where}: kinds: no kind {', '.join(map(repr, strange))}"
                f" (known: {', '.join(known_kinds)})"
            )
        form = table.get("format", "")
        if form and form not in NOTIFY_FORMATS:
            raise ConfigError(f"{where}: format: one of {', '.join(NOTIFY_FORMATS)}")
        limit = table.get("limit", NOTIFY_LIMIT)
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            raise ConfigError(f"{where}: limit: a whole number of messages a minute, at least 1")
        channels.append(
            Channel(
                name=name,
                url=url,
                url_env=url_env,
                sources=_strings(table, "sources", where),
                kinds=kinds,
                format=form,
                limit=limit,
            )
        )
    return tuple(channels)


def _discovery(table: dict[str, Any], where: str) -> dict[str, Any]:
    """The discovery settings of a source table: its endpoints, link pattern and interval.

    Raises:
        ConfigError: naming the source and key.
    """
    endpoints = []
    for url in _strings(table, "discover", where):
        try:
            endpoints.append(normalise_url(url))
        except BadUrlError as exc:
            raise ConfigError(f"{where}: discover: {exc}: {url!r}") from exc
    pattern = table.get("link_pattern", "")
    if not isinstance(pattern, str):
        raise ConfigError(f"{where}: link_pattern must be a regular expression (a string)")
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ConfigError(f"{where}: link_pattern: not a regular expression: {exc}") from exc
    try:
        interval = parse_duration(table.get("discover_interval", DISCOVER_INTERVAL))
    except ValueError as exc:
        raise ConfigError(f"{where}: discover_interval: {exc}") from exc
    if interval < MIN_DISCOVER_INTERVAL:
        raise ConfigError(
            f"{where}: discover_interval: at least {MIN_DISCOVER_INTERVAL:g}s, to be polite"
        )
    return {
        "discover": tuple(dict.fromkeys(endpoints)),
        "link_pattern": pattern,
        "discover_interval": interval,
    }


def _strings(table: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    """A key that holds one string or a list of strings, as a tuple (empty if absent)."""
    value = table.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{where}: {key} must be a string or a list of non-empty strings")
    return tuple(v.strip() for v in value)
