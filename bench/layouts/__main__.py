"""``python -m bench.layouts``: redline's checks on generated layouts, one page at a time.

    python -m bench.layouts [--layouts 500] [--first 0] [--checks 8]

For each generated layout (:mod:`bench.newsroom.generated`, seeds ``--first`` onwards), one
article goes through the decisions a worker makes (:func:`crawler.check.plan_update`, the
code path of every check, with each page extracted as a worker extracts it), with the
boilerplate churning on every request:

- **quiet**: ``--checks`` checks of an article that is never edited (each candidate change
  is fetched again to confirm it, as the schedule would): every published change is false;
- **edited**: three edits (of every kind the newsroom makes), each followed by two checks:
  how many of the edits were published, and how many events came on top.

No Redis, no network: this measures what the decisions make of the pages, per layout
family; ``bench.accuracy --generated`` measures the same end to end, with the schedule.
Exits 0 always: the figures are the result.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bench.newsroom.generated import drawn
from bench.newsroom.layouts import Churn
from bench.newsroom.story import story_version
from crawler.check import plan_update
from crawler.extract import extract_page
from crawler.models import Article, ArticleState, Fetch, Version
from scheduler.policy import RecheckPolicy

if TYPE_CHECKING:
    from crawler.check import Update

URL = "http://generated.example/news/1"
POLICY = RecheckPolicy(initial_interval=60, max_interval=600, stability_window=10**6)
# The text of every generated article: the newsroom's, from this seed.
TEXT_SEED = 7


@dataclass
class Watched:
    """One article's history, kept in memory as the store keeps it in Redis (see
    :class:`crawler.check.History`)."""

    state: ArticleState = field(default_factory=lambda: ArticleState("a", URL, "generated"))
    versions: list[Version] = field(default_factory=list)
    digests: dict[str, int] = field(default_factory=dict)
    pending: Article | None = None
    events: int = 0

    def latest(self) -> Version | None:
        return self.versions[-1] if self.versions else None

    def seen(self, digest: str) -> int | None:
        return self.digests.get(digest)

    def flip_published(self, pair: str) -> bool:
        return False

    def owner(self, canonical_id: str) -> str:
        return ""

    def site_failures(self) -> int:
        return 0

    def candidate(self) -> Article | None:
        return self.pending

    def check(self, now: float, html: str) -> Update:
        """Records one check at ``now`` that fetched ``html``."""
        page = extract_page(html, URL)
        fetch = Fetch("a", URL, URL, now, status=200, html=html)
        update = plan_update(self.state, self, fetch, page, "", POLICY)
        self.state = update.state
        if update.version is not None:
            self.versions.append(update.version)
        if update.seen:
            self.digests.setdefault(update.seen, len(self.versions) - 1)
        if update.candidate is not None:
            self.pending = update.candidate
        elif not update.state.candidate:
            self.pending = None
        self.events += update.event is not None
        return update


@dataclass
class Tally:
    """One family's figures."""

    layouts: int = 0
    checks: int = 0
    confirming: int = 0
    quiet_false: int = 0
    quiet_noisy: int = 0
    edits: int = 0
    found: int = 0
    edited_extra: int = 0


def run(seed: int, checks: int, tally: Tally) -> None:
    """Runs layout ``seed``'s quiet and edited article, adding to ``tally``."""
    layout = drawn(seed)
    churn = Churn(True)
    tally.layouts += 1

    def fetches(article: Watched, version: int, now: float) -> None:
        """A check of ``version`` of the text, and the one that confirms a candidate."""
        page = layout.render(story_version(TEXT_SEED, seed, version), URL, churn)
        article.check(now, page)
        tally.checks += 1
        if article.state.candidate:
            page = layout.render(story_version(TEXT_SEED, seed, version), URL, churn)
            article.check(now + POLICY.confirm_delay, page)
            tally.checks += 1
            tally.confirming += 1

    quiet = Watched()
    for n in range(checks):
        fetches(quiet, 0, n * 1000.0)
    tally.quiet_false += quiet.events
    tally.quiet_noisy += quiet.events > 0

    edited = Watched()
    now = 0.0
    for version in range(4):
        for _ in range(2 if version else 1):
            fetches(edited, version, now)
            now += 1000.0
    tally.edits += 3
    tally.found += min(edited.events, 3)
    tally.edited_extra += max(edited.events - 3, 0)


def main(argv: list[str] | None = None) -> int:
    """Runs the layouts and prints a table per family."""
    cli = argparse.ArgumentParser(prog="python -m bench.layouts", description=__doc__)
    cli.add_argument("--layouts", type=int, default=500)
    cli.add_argument("--first", type=int, default=0, help="the first layout's seed")
    cli.add_argument("--checks", type=int, default=8, help="of the quiet article")
    args = cli.parse_args(argv)
    tallies: dict[str, Tally] = {}
    for seed in range(args.first, args.first + args.layouts):
        run(seed, args.checks, tallies.setdefault(drawn(seed).family, Tally()))
    total = Tally()
    for tally in tallies.values():
        for name, value in vars(tally).items():
            setattr(total, name, getattr(total, name) + value)
    print(
        f"layouts {args.first}..{args.first + args.layouts - 1}, {args.checks} checks of a"
        " quiet article and 3 edits of another, each",
        flush=True,
    )
    print(
        "| family | layouts | false events (quiet) | quiet articles with any | edits found"
        " | extra events (edited) | confirming fetches / checks |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, tally in [*sorted(tallies.items()), ("all", total)]:
        share = tally.confirming / tally.checks if tally.checks else 0.0
        print(
            f"| {name} | {tally.layouts} | {tally.quiet_false} | {tally.quiet_noisy} |"
            f" {tally.found}/{tally.edits} ({tally.found / max(tally.edits, 1):.1%}) |"
            f" {tally.edited_extra} | {tally.confirming}/{tally.checks} ({share:.0%}) |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
