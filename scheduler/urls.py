"""The tracked-URLs file: one article URL per line, ``#`` comments and blank lines allowed.

Parsing never stops at a bad line: each bad line becomes a :class:`UrlProblem` naming the
file, the line number and the reason, and every good line still loads.
"""

from __future__ import annotations

import fcntl
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from crawler.domain.identity import BadUrlError, domain_of, normalise_url

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    from scheduler.tables import Source

URLS_HEADER = """\
# Article URLs redline tracks, one per line. Blank lines and lines starting with # are
# ignored. Add URLs here or with `redline add URL`; a running redline picks up changes to
# this file within one clock tick. Removing a line stops polling; the history is kept.
"""
"""What a URLs file redline creates starts with (``config/urls.example.txt`` too)."""


@dataclass(frozen=True)
class TrackedUrl:
    """One good line of the URLs file.

    Attributes:
        url: The URL, normalised (see :func:`normalise_url`); it is the article's identity.
        line: The line number it was read from (1-based).
    """

    url: str
    line: int


@dataclass(frozen=True)
class UrlProblem:
    """A line of the URLs file that was not loaded, and why."""

    path: str
    line: int
    text: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}: {self.text!r}"


def source_for(url: str, rules: Iterable[Source] = ()) -> str:
    """Names the source a URL belongs to.

    A ``[sources.NAME]`` rule whose domains include the URL's host (or a parent domain of
    it) wins; otherwise the source is named after the site: ``www.nytimes.com`` ->
    ``nytimes``, ``news.bbc.co.uk`` -> ``bbc``.
    """
    host = (urlsplit(url).hostname or "").lower()
    for rule in rules:
        if any(host == d or host.endswith("." + d) for d in rule.domains):
            return rule.name
    domain = domain_of(url)
    if not domain:
        return "unknown"
    if ":" in domain or all(label.isdigit() for label in domain.split(".")):
        return domain.replace(":", "-")  # an address
    return domain.split(".")[0]


def parse_urls(text: str, path: str) -> tuple[list[TrackedUrl], list[UrlProblem]]:
    """Parses the URLs file's text.

    Returns:
        The good lines (first occurrence of each URL) and the problems, both in file order.
    """
    good: list[TrackedUrl] = []
    problems: list[UrlProblem] = []
    first_seen: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            url = normalise_url(line)
        except BadUrlError as exc:
            problems.append(UrlProblem(path, number, line, str(exc)))
            continue
        if url in first_seen:
            problems.append(UrlProblem(path, number, line, f"duplicate of line {first_seen[url]}"))
            continue
        first_seen[url] = number
        good.append(TrackedUrl(url, number))
    return good, problems


def read_urls(path: Path) -> tuple[list[TrackedUrl], list[UrlProblem]]:
    """Reads and parses the URLs file; a missing file is an empty list.

    Bytes that are not UTF-8 are reported on their line rather than failing the file.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return [], []
    good, problems = parse_urls(data.decode("utf-8", errors="replace"), str(path))
    bad = [p for p in good if "\ufffd" in p.url]
    problems += [UrlProblem(str(path), p.line, p.url, "not valid UTF-8") for p in bad]
    good = [p for p in good if p not in bad]
    problems.sort(key=lambda p: p.line)
    return good, problems


def append_urls(path: Path, texts: Iterable[str]) -> tuple[list[str], list[str]]:
    """Validates URLs and appends the new ones to the URLs file, under a file lock.

    Returns:
        The URLs added, and one message per URL refused (invalid or already tracked).
    """
    added: list[str] = []
    refused: list[str] = []
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        existing_text = handle.read()
        existing, _ = parse_urls(existing_text, str(path))
        known = {t.url: t.line for t in existing}
        for text in texts:
            try:
                url = normalise_url(text)
            except BadUrlError as exc:
                refused.append(f"{text}: {exc}")
                continue
            if url in known:
                where = f"line {known[url]}" if known[url] else "this command"
                refused.append(f"{text}: already tracked ({path} {where})")
                continue
            known[url] = 0
            added.append(url)
        if added:
            prefix = "" if not existing_text or existing_text.endswith("\n") else "\n"
            if not existing_text.strip():  # a file redline creates says what it is
                prefix = URLS_HEADER
            handle.write(prefix + "".join(f"{url}\n" for url in added))
            handle.flush()
    return added, refused
