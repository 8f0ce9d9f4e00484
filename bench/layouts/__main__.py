"""``python -m bench.layouts``: redline's checks on generated layouts, site by site.

    python -m bench.layouts [--layouts 500] [--first 0] [--checks 8] [--quiet 3]

Each generated layout (:mod:`scheduler.newsroom.generated`, seeds ``--first`` onwards) is a site
with ``--quiet`` articles that are never edited and one that is edited three times, all checked in
turn, as a worker would (:func:`crawler.detection.check.plan_update`, the code path of every check,
with each page extracted as a worker extracts it and the site's template learned in Redis as the
store learns it), the boilerplate churning on every request:

- **quiet**: ``--checks`` checks of each quiet article (the first version and each
  candidate change fetched again after ``confirm_delay`` to confirm it, a doubted one only
  at the next regular check, as the schedule would): every published change is false. Two
  of the quiet articles are follow-ups of one story and share a paragraph of background,
  which must stay article text;
- **edited**: three edits (of every kind the newsroom makes), each followed by two checks:
  how many of the edits were published, and how many events came on top.

An embedded Redis holds the sites' template evidence; no network. ``bench.accuracy
--generated`` measures the same end to end, with the schedule. Exits 0 always: the figures
are the result.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from bench.history import Watched
from crawler.domain.policy import RecheckPolicy
from crawler.store.connection import connect
from crawler.store.keys import Keys
from crawler.store.sitetemplate import SiteTemplates
from scheduler.embedded import EmbeddedRedis
from scheduler.newsroom.generated import drawn
from scheduler.newsroom.layouts import Churn
from scheduler.newsroom.story import Story, story_version

POLICY = RecheckPolicy(initial_interval=60, max_interval=600, stability_window=10**6)
# The text of every generated article: the newsroom's, from this seed.
TEXT_SEED = 7


@dataclass
class Tally:
    """One family's figures."""

    layouts: int = 0
    checks: int = 0
    confirming: int = 0
    quiet: int = 0
    quiet_false: int = 0
    quiet_noisy: int = 0
    shared_kept: int = 0
    shared: int = 0
    edits: int = 0
    found: int = 0
    edited_extra: int = 0


def run(seed: int, checks: int, quiet_count: int, templates: SiteTemplates, tally: Tally) -> None:
    """Runs layout ``seed``'s site, adding to ``tally``."""
    layout = drawn(seed)
    churn = Churn(True, seed)
    tally.layouts += 1
    site = f"http://site{seed}.example"

    def text(index: int, version: int) -> Story:
        story = story_version(TEXT_SEED, seed * 100 + index, version)
        if index == 1 and quiet_count > 1:  # a follow-up of article 0: its background
            background = story_version(TEXT_SEED, seed * 100, 0).paragraphs[-2]
            paragraphs = list(story.paragraphs)
            paragraphs.insert(len(paragraphs) - 1, background)
            story = replace(story, paragraphs=tuple(paragraphs))
        return story

    def fetches(article: Watched, index: int, version: int, now: float) -> None:
        """A check of ``version`` of the text, and the one that confirms a candidate."""
        article.check(now, layout.render(text(index, version), article.url, churn))
        tally.checks += 1
        due = article.state.next_check
        if article.state.candidate and due is not None and due <= now + POLICY.confirm_delay:
            page = layout.render(text(index, version), article.url, churn)
            article.check(now + POLICY.confirm_delay, page)
            tally.checks += 1
            tally.confirming += 1

    quiet = [Watched(f"{site}/news/{i}", templates, POLICY) for i in range(quiet_count)]
    edited = Watched(f"{site}/news/{quiet_count}", templates, POLICY)
    now = 0.0
    for n in range(max(checks, 7)):
        for index, article in enumerate(quiet):
            if n < checks:
                fetches(article, index, 0, now)
        if n < 7:  # versions 0, 1, 1, 2, 2, 3, 3
            fetches(edited, quiet_count, (n + 1) // 2, now)
        now += 1000.0
    for article in quiet:
        tally.quiet += 1
        tally.quiet_false += article.events
        tally.quiet_noisy += article.events > 0
    if quiet_count > 1:
        background = story_version(TEXT_SEED, seed * 100, 0).paragraphs[-2]
        for article in quiet[:2]:
            tally.shared += 1
            latest = article.latest()
            tally.shared_kept += latest is not None and any(
                background in p for p in latest.article.paragraphs
            )
    tally.edits += 3
    tally.found += min(edited.events, 3)
    tally.edited_extra += max(edited.events - 3, 0)


def main(argv: list[str] | None = None) -> int:
    """Runs the layouts and prints a table per family."""
    cli = argparse.ArgumentParser(prog="python -m bench.layouts", description=__doc__)
    cli.add_argument("--layouts", type=int, default=500)
    cli.add_argument("--first", type=int, default=0, help="the first layout's seed")
    cli.add_argument("--checks", type=int, default=8, help="of each quiet article")
    cli.add_argument("--quiet", type=int, default=3, help="quiet articles per site")
    args = cli.parse_args(argv)
    tallies: dict[str, Tally] = {}
    with tempfile.TemporaryDirectory() as tmp, EmbeddedRedis(Path(tmp)) as server:
        templates = SiteTemplates(connect(server.url), Keys("bench:"))
        for seed in range(args.first, args.first + args.layouts):
            family = tallies.setdefault(drawn(seed).family, Tally())
            run(seed, args.checks, args.quiet, templates, family)
    total = Tally()
    for tally in tallies.values():
        for name, value in vars(tally).items():
            setattr(total, name, getattr(total, name) + value)
    print(
        f"layouts {args.first}..{args.first + args.layouts - 1}, each a site with"
        f" {args.quiet} quiet articles checked {args.checks} times and one edited 3 times",
        flush=True,
    )
    print(
        "| family | layouts | false events (quiet) | quiet articles with any | edits found"
        " | extra events (edited) | shared background kept | confirming fetches / checks |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, tally in [*sorted(tallies.items()), ("all", total)]:
        share = tally.confirming / tally.checks if tally.checks else 0.0
        print(
            f"| {name} | {tally.layouts} | {tally.quiet_false} |"
            f" {tally.quiet_noisy}/{tally.quiet} |"
            f" {tally.found}/{tally.edits} ({tally.found / max(tally.edits, 1):.1%}) |"
            f" {tally.edited_extra} | {tally.shared_kept}/{tally.shared} |"
            f" {tally.confirming}/{tally.checks} ({share:.0%}) |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
