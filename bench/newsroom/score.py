"""Scores redline's change events against the newsroom's ground truth.

- **recall**: true edits that an event reported, of those a check could report. Edits that
  fell between the same two checks can only be reported together, as one event: the latest
  of them counts as found, the others as *merged* (not missed). Two kinds of edit are left
  out, and counted apart: an edit made before the request that gave its article's first
  version is part of that version's text (a first version is a baseline, never a change),
  and an edit later than the end of the scored window may not have been checked yet. An
  article with no version at all leaves none of its edits out: they are all missed.
- **false events**: text events (headline, byline, body, correction, reverted) with no true
  edit to report, such as boilerplate read as a change, or one edit reported twice.
- **latency**: from a true edit to the event that reported it.
- **requests after the stability window**: checks of an article later than the window after
  its last change, beyond the one check that finds it stable.
- **lifecycle**: "gone" events for articles that went away, "moved" for redirected ones.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterable, Sequence

    from crawler.domain.models import ChangeEvent
    from scheduler.newsroom.server import NewsroomConfig

TEXT_KINDS = frozenset({"headline", "byline", "body", "correction", "reverted"})


@dataclass
class Score:
    """How redline's events compare with the truth (see the module docstring)."""

    edits: int = 0
    found: int = 0
    merged: int = 0
    false_events: int = 0
    latencies: list[float] = field(default_factory=list)
    extra_requests: int = 0
    removed_expected: int = 0
    removed_found: int = 0
    moved_expected: int = 0
    moved_found: int = 0
    in_baseline: int = 0
    after_window: int = 0
    until: float = 0.0
    unrecorded: int = 0
    last_baseline: float | None = None
    missed: list[tuple[int, float]] = field(default_factory=list)
    left_out: list[tuple[int, float]] = field(default_factory=list)
    false: list[tuple[int, float]] = field(default_factory=list)

    @property
    def recall(self) -> float:
        """Found edits over the edits that could be reported on their own."""
        reportable = self.edits - self.merged
        return self.found / reportable if reportable else 1.0

    def lines(self) -> list[str]:
        """The score, in words."""
        latency = "n/a"
        if self.latencies:
            ordered = sorted(self.latencies)
            p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
            latency = f"median {statistics.median(ordered):.1f}s, p95 {p95:.1f}s"
        last = "none" if self.last_baseline is None else f"the last at {self.last_baseline:.1f}s"
        return [
            f"true edits: {self.edits} ({self.merged} merged with a later edit)",
            f"left out: {self.in_baseline} made before their article's first version (part"
            f" of its baseline), {self.after_window} after the scored window ({self.until:.0f}s)",
            f"articles with no version: {self.unrecorded}; first versions: {last}",
            f"recall: {self.recall:.1%} ({self.found} found)",
            f"false events: {self.false_events}",
            f"detection latency: {latency}",
            f"requests after the stability window: {self.extra_requests}",
            f"removed: {self.removed_found}/{self.removed_expected},"
            f" moved: {self.moved_found}/{self.moved_expected}",
        ]


def article_index(url: str) -> int | None:
    """The newsroom article a URL names (None for another URL)."""
    parts = urlsplit(url).path.strip("/").split("/")
    if len(parts) == 2 and parts[0] in ("news", "moved") and parts[1].isdigit():
        return int(parts[1])
    return None


def baseline(requests: Sequence[float], recorded: float | None) -> float | None:
    """When the page of an article's first version was served: the last request of the
    article answered at or before the version was recorded (None: no version).

    Args:
        requests: When the article was requested (offsets from the start, in order).
        recorded: When its first version was recorded (offset), None if it has none.
    """
    if recorded is None:
        return None
    served = [at for at in requests if at <= recorded]
    return served[-1] if served else recorded


def score(
    config: NewsroomConfig,
    started: float,
    events: Iterable[ChangeEvent],
    requests: Sequence[Sequence[float]],
    *,
    until: float,
    stability_window: float,
    baselines: Sequence[float | None],
    only: Collection[int] | None = None,
    reports: Callable[[ChangeEvent], int | None] | None = None,
) -> Score:
    """Scores ``events`` against the truth of a newsroom started at ``started``.

    Args:
        config: The newsroom's settings.
        started: When it started (epoch seconds).
        events: redline's change events.
        requests: For each article, when it was requested (offsets from the start).
        until: The end of the run (offset from the start): later edits are not counted.
        stability_window: redline's stability window, in seconds.
        baselines: For each article, when the page of its first version was served
            (offset, see :func:`baseline`; None: it has no version). Earlier edits are
            part of that version and are not counted.
        only: Score these articles only (None: every article).
        reports: The true version an event's text is (the number of edits it shows), read
            from the text it recorded; None for each event, or no function, when unknown:
            an event then reports every edit made before it.
    """
    text: dict[int, list[tuple[float, int | None]]] = {}
    lifecycle: dict[int, set[str]] = {}
    result = Score(until=until)
    for event in events:
        index = article_index(event.url)
        if index is None:
            continue
        if TEXT_KINDS & set(event.kinds):
            version = reports(event) if reports is not None else None
            text.setdefault(index, []).append((event.detected_at - started, version))
        lifecycle.setdefault(index, set()).update(event.kinds)
    for index in range(config.articles):
        if only is not None and index not in only:
            continue
        edits = [at for at in config.edits_of(index) if at <= until]
        first = baselines[index]
        if first is None:
            result.unrecorded += 1
        else:
            last = result.last_baseline
            result.last_baseline = first if last is None else max(last, first)
        before = [at for at in edits if first is not None and at < first]
        result.in_baseline += len(before)
        result.after_window += sum(1 for at in config.edits_of(index) if at > until)
        result.left_out.extend((index, at) for at in before)
        scored = [
            (number, at)
            for number, at in enumerate(config.edits_of(index), start=1)
            if first is None or at >= first
        ]
        _match(index, scored, sorted(text.get(index, []), key=lambda e: e[0]), until, result)
        fault = config.fault_of(index)
        if fault == "gone" and requests[index] and max(requests[index]) >= config.faults.gone_after:
            result.removed_expected += 1
            result.removed_found += "gone" in lifecycle.get(index, set())
        if fault == "redirect" and requests[index]:
            result.moved_expected += 1
            result.moved_found += "moved" in lifecycle.get(index, set())
        changed = [*(edits or []), *(requests[index][:1])]
        quiet_since = max(changed, default=0.0)
        late = sum(1 for at in requests[index] if at > quiet_since + stability_window)
        result.extra_requests += max(late - 1, 0)
    return result


def _match(
    index: int,
    edits: list[tuple[int, float]],
    detected: list[tuple[float, int | None]],
    until: float,
    result: Score,
) -> None:
    """Pairs article ``index``'s true edits (number, time) with its text events (time, and
    the true version the event's text is, None if unknown), in time order. An event
    reports the edits not reported yet up to its version (or, unknown, every edit made
    before it): several are one found edit and the rest merged; none, a false event.
    Edits after ``until``, and the events that report them, are left out; edits no event
    reported are noted as missed."""
    result.edits += sum(1 for _, at in edits if at <= until)
    remaining = list(edits)
    for at, version in detected:
        upto = (
            version
            if version is not None
            else max((number for number, made in edits if made <= at), default=0)
        )
        reported = [edit for edit in remaining if edit[0] <= upto]
        if not reported:
            result.false_events += 1
            result.false.append((index, at))
            continue
        remaining = [edit for edit in remaining if edit[0] > upto]
        if reported[-1][1] > until:
            result.merged += sum(1 for _, made in reported if made <= until)
            continue
        result.found += 1
        result.merged += len(reported) - 1
        result.latencies.append(at - reported[-1][1])
    result.missed.extend((index, at) for _, at in remaining if at <= until)
