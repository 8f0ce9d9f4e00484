"""What ``redline status`` and ``redline show`` print: pure functions from state to text.

Everything is read from Redis by the command and passed in, with ``now``, so the wording
can be tested without a server. An article's versions and changes are the records the web
view lists (:mod:`crawler.web.views`), printed as text.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from crawler.domain.models import Status
from crawler.domain.wording import ago, ahead, describe, duration
from crawler.store.counters import HEALTH_HOURS, SiteHealth
from crawler.store.health import UNHEALTHY_SHARE, SourceHealth
from crawler.store.notices import ChannelHealth
from crawler.store.queue import Depth

if TYPE_CHECKING:
    from collections.abc import Sequence

    from crawler.domain.models import ArticleState
    from crawler.store.counters import ExtractionHealth
    from crawler.web.views import Change, VersionSummary


@dataclass(frozen=True)
class Overview:
    """Everything ``redline status`` reports.

    Attributes:
        counts: Articles per status.
        depth: The due queue's depth.
        last_hour: The counters (checks, changes, errors, extraction_failures) of the
            last hour.
        sites: Every site's health.
        clock: Where the clock runs ("running on HOST (pid PID)"; "" if no clock runs).
        problems: The URLs file's bad lines, as the clock last reported them.
        redis_disk: What keeps Redis from writing to its disk ("" if nothing does).
        sources: Every source's health, its extraction over ``health_hours`` hours.
        failing: The sources reported failing, with their problems.
        health_hours: The span of the sources' extraction health.
        channels: Every notification channel's deliveries.
    """

    counts: dict[Status, int]
    depth: Depth
    last_hour: dict[str, int]
    sites: list[SiteHealth]
    clock: str
    problems: list[str]
    redis_disk: str = ""
    sources: list[SourceHealth] = field(default_factory=list)
    failing: dict[str, tuple[str, ...]] = field(default_factory=dict)
    health_hours: int = HEALTH_HOURS
    channels: list[ChannelHealth] = field(default_factory=list)


def status_text(overview: Overview, now: float) -> str:
    """The summary ``redline status`` prints."""
    counts = overview.counts
    depth = overview.depth
    hour = overview.last_hour
    tracked = sum(n for status, n in counts.items() if status is not Status.UNTRACKED)
    lines = [
        f"redline status at {_when(now)}",
        f"articles: {tracked} tracked, {counts.get(Status.UNTRACKED, 0)} untracked",
        "  " + "  ".join(f"{status.value} {counts.get(status, 0)}" for status in Status),
    ]
    waiting = depth.overdue + depth.ready
    if waiting and depth.oldest_due is not None:
        lines.append(
            f"checks: {waiting} overdue (the oldest by {duration(now - depth.oldest_due)}), "
            f"{depth.leased} in progress, {depth.scheduled - depth.overdue} scheduled"
        )
    else:
        lines.append(
            f"checks: none overdue, {depth.leased} in progress, {depth.scheduled} scheduled"
        )
    lines.append(
        f"last hour: {hour['checks']} checks, {hour['changes']} changes, "
        f"{hour['errors']} errors, {hour['extraction_failures']} extraction failures"
    )
    lines.append(f"clock: {overview.clock or 'not running'}")
    if overview.redis_disk:
        lines.append(f"redis: {overview.redis_disk}: no check is recorded until it can write")
    if overview.sites:
        lines.append("sites:")
        width = max(len(site.site) for site in overview.sites)
        lines += [line for site in overview.sites for line in site_lines(site, width, now)]
    if overview.sources:
        lines.append("sources:")
        lines += [
            line
            for health in overview.sources
            for line in source_lines(
                health, overview.failing.get(health.name, ()), now, overview.health_hours
            )
        ]
    if overview.channels:
        lines.append("notifications:")
        lines += [f"  {channel_text(health, now)}" for health in overview.channels]
    for problem in overview.problems:
        lines.append(f"bad line: {problem}")
    return "\n".join(lines)


def channel_text(health: ChannelHealth, now: float) -> str:
    """A notification channel's deliveries in one line: what it was sent, what waits, and
    what is wrong with it if its last send failed."""
    said = f"{health.name}: {health.sent} messages sent ({health.events} changes)"
    said += f", {health.pending} waiting"
    if health.consecutive:
        since = health.failing_since if health.failing_since is not None else now
        said += (
            f"  <- FAILING: {health.consecutive} sends in a row for {duration(now - since)}"
            f", next try {ahead(health.retry_at, now)} (last error: {health.last_error})"
        )
    elif health.last_success is not None:
        said += f", last sent {ago(health.last_success, now)}"
    return said


def site_lines(site: SiteHealth, width: int, now: float) -> list[str]:
    """A site's health: its checks and failures, its back-off, its extraction and what was
    learned of its template (its name padded to ``width``)."""
    health = [f"{site.checks} checks", f"{site.failures} failures"]
    if site.consecutive:
        health.append(f"{site.consecutive} in a row")
    health.append(f"{site.extraction_failures} extraction failures")
    if site.backoff_until > now:
        health.append(f"backed off for {duration(site.backoff_until - now)}")
    if site.consecutive and site.last_error:
        health.append(f"last error: {site.last_error}")
    lines = [f"  {site.site:<{width}}  " + ", ".join(health)]
    if site.extraction.pages:
        lines.append(f"  {'':<{width}}  {extraction_text(site.extraction)}")
    if site.template.blocks:
        lines.append(f"  {'':<{width}}  {site.template.text}")
    return lines


def source_lines(
    health: SourceHealth, failing: tuple[str, ...], now: float, hours: int
) -> list[str]:
    """A source's health: its articles by status, its discovery, its extraction over the
    last ``hours`` hours, and what is wrong with it if it is reported failing."""
    counts = ", ".join(f"{status.value} {n}" for status, n in health.statuses.items() if n)
    lines = [f"  {health.name}: {health.tracked} tracked" + (f" ({counts})" if counts else "")]
    if health.endpoints:
        failing_endpoints = sum(e.status is Status.FAILING for e in health.endpoints)
        lines.append(
            f"    discovery: {len(health.endpoints)} endpoints ({failing_endpoints} failing), "
            f"{health.discovered} articles found, last read without error "
            f"{ago(health.last_discovery, now)}"
        )
    if health.extraction.pages:
        lines.append(f"    extraction: {extraction_text(health.extraction, hours)}")
    lines += [f"    FAILING: {problem}" for problem in failing]
    return lines


def extraction_text(health: ExtractionHealth, hours: int = HEALTH_HOURS) -> str:
    """A site's or a source's extraction health in one line: how its pages were read, in
    the last ``hours`` hours; flagged when at least :data:`UNHEALTHY_SHARE` of them fell
    back or failed."""
    parts = [f"last {hours}h: {health.pages} pages"]
    parts += [
        f"{layer} {health.share(count):.0%}" for layer, count in sorted(health.layers.items())
    ]
    for label, count in (
        ("fell back", health.fell_back),
        ("failed", health.failed),
        ("not HTML", health.not_html),
    ):
        if count:
            parts.append(f"{label} {health.share(count):.0%}")
    text = ", ".join(parts)
    if health.share(health.failed + health.fell_back) >= UNHEALTHY_SHARE:
        text += "  <- extraction is failing: has the layout changed? (redline check URL)"
    return text


def article_text(
    state: ArticleState,
    versions: Sequence[VersionSummary],
    changes: Sequence[Change],
    now: float,
) -> str:
    """One article's state and history, as ``redline show`` prints it: its ``versions``
    and ``changes`` as the web view lists them (:func:`crawler.web.views.versions_of`,
    :func:`crawler.web.views.change_of`)."""
    lines = [
        state.url,
        f"  state:        {describe(state, now)}",
        f"  source:       {state.source} (site {state.site or '-'})",
        f"  first seen:   {_when(state.created)}",
        f"  last check:   {ago(state.last_check, now)}",
        f"  last change:  {ago(state.last_change, now)}",
        f"  next check:   {ahead(state.next_check, now)}",
        f"  versions:     {state.versions} ({state.checks} checks)",
        f"  errors:       {state.errors} in a row, {state.failures} in all, "
        f"{state.extraction_failures} extraction failures",
    ]
    optional = [("last error", state.last_error), ("location", state.location)]
    if state.published is not None:
        optional.append(("published", f"{_when(state.published)} (as its source listed it)"))
    if state.via:
        optional.append(("found by", "discovery (see redline status, its source)"))
    if state.not_html:
        optional.append(("not HTML", f"the URL answers {state.not_html}: not extracted"))
    if state.duplicate_of:
        optional.append(("duplicate of", state.duplicate_of))
    if state.flips:
        optional.append(("flips", f"{state.flips} returns to earlier texts, not published"))
    if state.candidate:
        what = "the first version" if state.awaits_first else "a change"
        optional.append(("unconfirmed", f"{what} awaits the fetch that confirms it"))
    lines += [f"  {name + ':':<14}{value}" for name, value in optional if value]
    if versions:
        lines.append("versions:")
        for version in versions:
            same = "" if version.same_as is None else f", same text as version {version.same_as}"
            if version.reread:
                same += ", re-read by new extraction code (not an edit)"
            lines.append(
                f"  {version.number:>3}  {_when(version.recorded_at)}  ({version.later})  "
                f"{version.words} words{same}: {version.headline}"
            )
            if kept := version.archived:
                lines.append(
                    f"       as fetched: {kept.file} at {kept.offset} ({kept.length} bytes),"
                    f" record {kept.record_id}"
                )
    if changes:
        lines.append("changes:")
        lines += [
            f"  {change.sequence:>3}  {_when(change.detected_at)}  {change.summary}"
            for change in changes
        ]
    return "\n".join(lines)


def _when(epoch: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(epoch))
