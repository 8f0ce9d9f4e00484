"""A site's template learned from evidence: the pure judgement, the evidence kept in a real
Redis, and a fixed sample of generated layouts checked as a worker checks them."""

from __future__ import annotations

import json
import tempfile
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from bench.layouts.__main__ import Tally, run
from crawler.detection.preview import Known, preview_page
from crawler.detection.template import (
    BlockSeen,
    Doubt,
    Evidence,
    Lesson,
    PlaceSeen,
    Role,
    Shown,
    Verdict,
    doubtful,
    judge,
    kept,
    kept_before,
    lesson,
    mark,
    outline,
    verdicts,
)
from crawler.domain.models import Article
from crawler.extraction.extract import Flow
from crawler.extraction.rules import ExtractionRules
from crawler.store.connection import connect
from crawler.store.keys import Keys
from crawler.store.sitetemplate import MAX_BLOCKS, SiteTemplates
from scheduler.embedded import EmbeddedRedis

if TYPE_CHECKING:
    import redis

SPONSORED = "Sponsored: the bank that listens to you."
OTHER_SPONSOR = "Sponsored: new electric cars, book a test drive."
THIRD_SPONSOR = "Partner content: a weekend by the sea, for less."
CLOCK = "Last update 06:02:46"
BACKGROUND = "The storm last week closed the harbour for three days and cut power to 4,000 homes."
BODY = (
    "The council voted on Tuesday to rebuild the harbour wall before next winter.",
    "Engineers said the old wall could fail in a storm like the one last year.",
    "The work will cost 14 million pounds and take three years, officials said.",
)


def article(*paragraphs: str) -> Article:
    return Article("Council votes to rebuild harbour wall", "Jane Reporter", tuple(paragraphs))


def doubts(
    evidence: Evidence,
    latest: Article,
    confirmed: Article,
    page: Article,
    places: tuple[str, ...] = (),
) -> tuple[str, ...]:
    """The paragraphs :func:`doubtful` doubts, the page judged by ``evidence``."""
    shown = Shown(page, places, verdicts(evidence, "a", Flow(page, places)))
    return doubtful(evidence, "a", latest, confirmed, shown).paragraphs


def test_a_mark_names_a_block_whatever_its_numbers() -> None:
    assert mark("Updated 5 minutes ago") == mark("Updated  17 minutes ago")
    assert mark("Updated 5 minutes ago") != mark("Updated 5 hours ago")


def test_a_block_that_comes_and_goes_on_several_articles_is_template() -> None:
    evidence = Evidence({mark(SPONSORED): BlockSeen(("a", "b"), flickers=1)}, {}, pages=3)
    verdict = judge(evidence, "a", SPONSORED)
    assert verdict.role is Role.TEMPLATE
    assert "1 other article" in verdict.why
    # the same evidence, seen on this article only: it may be the article's own text
    alone = Evidence({mark(SPONSORED): BlockSeen(("a",), flickers=3)}, {}, pages=3)
    assert judge(alone, "a", SPONSORED).role is Role.ARTICLE


def test_a_paragraph_shared_by_articles_that_never_changes_stays_article_text() -> None:
    shared = BlockSeen(("a", "b", "c"), flickers=0)
    evidence = Evidence({mark(BACKGROUND): shared}, {}, pages=10)
    assert judge(evidence, "a", BACKGROUND).role is Role.ARTICLE


def test_a_correction_appended_to_every_article_of_a_site_stays_article_text() -> None:
    correction = "Correction: an earlier version of this story misstated the wall's length."
    everywhere = BlockSeen(tuple(f"a{n}" for n in range(8)))
    evidence = Evidence({mark(correction): everywhere}, {}, pages=8)
    assert judge(evidence, "a0", correction).role is Role.ARTICLE


def test_a_place_that_flickers_and_never_holds_is_volatile_whatever_stands_there() -> None:
    evidence = Evidence({}, {"p1": PlaceSeen(flickers=3, steady=1), "p2": PlaceSeen(3, 20)}, 1)
    assert judge(evidence, "a", "Words never seen before", "p1").role is Role.VOLATILE
    assert judge(evidence, "a", "Words never seen before", "p2").role is Role.ARTICLE
    page = article(BODY[0], "Words never seen before", BODY[1])
    judged = verdicts(evidence, "a", Flow(page, ("p2", "p1", "p2")))
    assert kept(page, judged).paragraphs == (BODY[0], BODY[1])


def test_another_item_of_a_rotating_block_stands_in_its_place_and_is_left_out() -> None:
    evidence = Evidence(
        {
            mark(SPONSORED): BlockSeen(("a", "b"), flickers=2),
            mark(OTHER_SPONSOR): BlockSeen(("b",)),
        },
        {},
        pages=2,
    )
    latest = article(BODY[0], SPONSORED, BODY[1])
    page = article(BODY[0], OTHER_SPONSOR, BODY[1])
    judged = verdicts(evidence, "a", Flow(page), latest)
    assert kept(page, judged).paragraphs == (BODY[0], BODY[1])
    assert judged[1].role is Role.ROTATING
    # the block's place, not its words: an item never seen anywhere is another item too
    novel = article(BODY[0], "Promoted: a cruise to the islands.", BODY[1])
    judged_novel = verdicts(evidence, "a", Flow(novel), latest)
    assert kept(novel, judged_novel).paragraphs == (BODY[0], BODY[1])
    # a paragraph that stood there already is judged by its own evidence
    assert kept(latest, verdicts(Evidence(), "a", Flow(latest), latest)) == latest


def test_what_stands_where_the_last_page_showed_a_block_left_out_rotates_with_it() -> None:
    last_page = article(BODY[0], SPONSORED, BODY[1], BODY[2])
    judged = [Verdict(Role.ARTICLE), Verdict(Role.TEMPLATE), *[Verdict(Role.ARTICLE)] * 2]
    last = outline(Shown(last_page, (), judged))
    assert last.split()[1] == "~" + mark(SPONSORED)
    page = article(BODY[0], "Promoted: a cruise to the islands.", BODY[1], BODY[2])
    now = verdicts(Evidence(), "a", Flow(page), last=last)
    assert [v.role for v in now] == [Role.ARTICLE, Role.ROTATING, Role.ARTICLE, Role.ARTICLE]
    # a paragraph added beside the block, or the same block again, is judged on its own
    added = article(BODY[0], SPONSORED, "A paragraph the reporter added.", BODY[1], BODY[2])
    assert all(v.role is Role.ARTICLE for v in verdicts(Evidence(), "a", Flow(added), last=last))
    # the latest version's paragraph that stood in the block's place on the page it was
    # read from, where the page now shows a block left out, was an item of it
    first_page = article(BODY[0], "Promoted: a cruise to the islands.", BODY[1], BODY[2])
    first = outline(Shown(first_page, (), [Verdict(Role.ARTICLE)] * 4))
    now_page = article(BODY[0], SPONSORED, BODY[1], BODY[2])
    now_judged = [Verdict(Role.ARTICLE), Verdict(Role.TEMPLATE), *[Verdict(Role.ARTICLE)] * 2]
    before = kept_before(Evidence(), "a", first_page, Shown(now_page, (), now_judged), first)
    assert before.paragraphs == BODY
    # a paragraph cut beside the block on that page is a cut
    outlined = outline(Shown(last_page, (), judged))
    cut = article(BODY[0], OTHER_SPONSOR, BODY[2])
    cut_judged = [Verdict(Role.ARTICLE), Verdict(Role.TEMPLATE), Verdict(Role.ARTICLE)]
    latest = article(*BODY)
    assert kept_before(Evidence(), "a", latest, Shown(cut, (), cut_judged), outlined) == latest


def test_a_slot_whose_item_the_extraction_reads_one_time_and_not_the_next_is_no_cut() -> None:
    """A sponsored line between two paragraphs, in an element of its own: the extraction
    read the first page's item as a paragraph and leaves the next page's out (too short).
    The latest version's item stood where the page now shows a block left out, at the same
    place: it was an item of the slot, not a paragraph the newsroom cut."""
    places = ("body", "slot", "body", "body")
    first_page = article(BODY[0], "Promoted: learn a language in ten minutes a day.", *BODY[1:])
    first = outline(Shown(first_page, places, [Verdict(Role.ARTICLE)] * 4))
    assert first.split()[1] == f"{mark(first_page.paragraphs[1])}@slot"
    flow = Flow(
        article(BODY[0], "Sponsored: tours today.", *BODY[1:]), places, (False, True, False, False)
    )
    judged = verdicts(Evidence(), "a", flow, last=first)
    assert [v.role for v in judged] == [Role.ARTICLE, Role.CLUTTER, Role.ARTICLE, Role.ARTICLE]
    assert kept(flow.article, judged).paragraphs == BODY
    assert kept_before(Evidence(), "a", first_page, Shown(flow.article, places, judged), first) == (
        article(*BODY)
    )
    # the next page reads another item there: it rotates in
    later = Flow(
        article(BODY[0], "Partner content: a weekend by the sea, for less.", *BODY[1:]), places
    )
    now = verdicts(Evidence(), "a", later, last=outline(Shown(flow.article, places, judged)))
    assert now[1].role is Role.ROTATING
    # a block left out elsewhere on the page is no slot of the paragraph cut: a cut
    elsewhere = Flow(
        article(BODY[0], "Sponsored: tours today.", *BODY[1:]),
        ("body", "aside", "body", "body"),
        (False, True, False, False),
    )
    judged = verdicts(Evidence(), "a", elsewhere, last=first)
    shown = Shown(elsewhere.article, elsewhere.places, judged)
    assert kept_before(Evidence(), "a", first_page, shown, first) == first_page


def test_a_block_alike_to_a_slots_item_that_the_page_shows_as_it_was_is_kept() -> None:
    """Two lines alike but for their numbers (a tweet's author and date, quoted twice): the
    page shows another block, left out, where the first stood, and the second as it was.
    The first was an item of a slot; the second is still the article's."""
    first, second = "Posted by Ann Author at 10:15", "Posted by Ann Author at 11:20"
    assert mark(first) == mark(second)
    places = ("body", "line", "body", "line", "body")
    latest = article(BODY[0], first, BODY[1], second, BODY[2])
    last = outline(Shown(latest, places, [Verdict(Role.ARTICLE)] * 5))
    flow = Flow(
        article(BODY[0], "Sponsored: tours today.", BODY[1], second, BODY[2]),
        places,
        (False, True, False, False, False),
    )
    judged = verdicts(Evidence(), "a", flow, last=last)
    shown = Shown(flow.article, places, judged)
    before = kept_before(Evidence(), "a", latest, shown, last)
    assert before.paragraphs == (BODY[0], BODY[1], second, BODY[2])


def test_a_block_moved_to_another_place_is_not_the_same_block() -> None:
    """Two rotating slots, one left out by the extraction and one in the markup of the
    article's paragraphs: an item that moves from the first to the second is another item
    of the second slot, not the block the outline showed."""
    teaser, other = "Council approves new budget after late-night session", "Library hours extended"
    places = ("body", "body", "teaser", "body")
    last_page = article(BODY[0], other, teaser, BODY[1])
    judged = [
        Verdict(Role.ARTICLE),
        Verdict(Role.TEMPLATE),
        Verdict(Role.CLUTTER),
        Verdict(Role.ARTICLE),
    ]
    last = outline(Shown(last_page, places, judged))
    page = Flow(
        article(BODY[0], teaser, "Museum reopens", BODY[1]), places, (False, False, True, False)
    )
    assert verdicts(Evidence(), "a", page, last=last)[1].role is Role.ROTATING


def test_an_item_stands_in_its_slot_though_a_list_beside_it_shows_more_items() -> None:
    """A list of other stories (left out) and, after it, a slot whose item is in the markup
    of the article's paragraphs (seed 7392). The last page showed the slot's item in the
    list too; the page now shows one more item in the list than the outline knows. The
    slot's new item stands where the last page showed the slot's item left out: the only
    block of the stretch at that place on each side."""
    teaser, listed = "Council approves new budget after late-night session", "Library hours"
    last_page = article(BODY[0], "Most read", teaser, listed, teaser, BODY[1])
    places = ("body", "head", "list", "list", "body", "body")
    judged = [Verdict(Role.ARTICLE), Verdict(Role.ARTICLE), *[Verdict(Role.CLUTTER)] * 3]
    last = outline(Shown(last_page, places, [*judged, Verdict(Role.ARTICLE)]))
    page = Flow(
        article(BODY[0], "Most read", listed, "Fishing fleet", teaser, "Museum reopens", BODY[1]),
        ("body", "head", "list", "list", "list", "body", "body"),
        (False, False, True, True, True, False, False),
    )
    assert verdicts(Evidence(), "a", page, last=last)[5].role is Role.ROTATING
    # a paragraph added where the slot's place stands twice in the stretch is judged on its
    # own: which of the two stands in the slot is not known
    added = Flow(
        article(
            BODY[0], "Most read", listed, "Fishing fleet", "A new paragraph.", "Museum", BODY[1]
        ),
        ("body", "head", "list", "list", "body", "body", "body"),
        (False, False, True, True, False, False, False),
    )
    assert verdicts(Evidence(), "a", added, last=last)[4].role is Role.ARTICLE


def test_a_slot_that_showed_three_items_in_turn_is_no_cut() -> None:
    """The first version read a headline of another story as text. The confirmation kept it
    (the two fetches showed other items there), so the last page showed another item in
    its place; the page now shows a third one, which the evidence leaves out. The first
    version's item stood in that slot: reading it as cut would publish boilerplate."""
    places = ("body",) * 4
    museum, hospital = "Museum reopens with expanded modern art wing", "Hospital opens new ward"
    transit = "Transit authority announces fare changes for spring"
    evidence = Evidence({mark(transit): BlockSeen(("b", "c"), flickers=1)}, {}, pages=3)
    latest = article(BODY[0], museum, *BODY[1:])
    last = outline(
        Shown(article(BODY[0], hospital, *BODY[1:]), places, [Verdict(Role.ARTICLE)] * 4)
    )
    page = Flow(article(BODY[0], transit, *BODY[1:]), places)
    judged = verdicts(evidence, "a", page, last=last)
    assert judged[1].role is Role.TEMPLATE
    shown = Shown(page.article, places, judged)
    assert kept_before(evidence, "a", latest, shown, last) == article(*BODY)
    # the last page showed two blocks there, a counter and an item: so does the page
    counter = "Reader comments (143)"
    last = outline(
        Shown(
            article(BODY[0], counter, hospital, *BODY[1:]),
            ("body",) * 5,
            [Verdict(Role.ARTICLE), Verdict(Role.TEMPLATE), *[Verdict(Role.ARTICLE)] * 3],
        )
    )
    page = Flow(article(BODY[0], "Reader comments (150)", transit, *BODY[1:]), ("body",) * 5)
    judged = verdicts(evidence, "a", page, last=last)
    shown = Shown(page.article, page.places, judged)
    assert kept_before(evidence, "a", latest, shown, last) == article(*BODY)
    # a paragraph the page shows nothing in place of is a cut
    cut = Flow(article(BODY[0], *BODY[1:]), places[1:])
    judged = verdicts(evidence, "a", cut, last=last)
    assert (
        kept_before(evidence, "a", latest, Shown(cut.article, places[1:], judged), last) == latest
    )


def test_an_item_in_place_of_a_template_block_and_a_cut_paragraph_rotates_in() -> None:
    """The latest version holds a sponsored line (now known as template) and, after it, a
    paragraph the newsroom cut; the page shows one new block in their place. It is the
    slot's next item, not the cut paragraph's new wording: the cut is seen, the item is not
    published."""
    evidence = Evidence({mark(SPONSORED): BlockSeen(("b", "c"), flickers=1)}, {}, pages=3)
    latest = article(BODY[0], SPONSORED, *BODY[1:])
    item = "Fishing fleet returns early as storm approaches"
    page = Flow(article(BODY[0], item, *BODY[2:]))
    judged = verdicts(evidence, "a", page, latest)
    assert [v.role for v in judged] == [Role.ARTICLE, Role.ROTATING, Role.ARTICLE]
    assert kept(page.article, judged) == article(BODY[0], *BODY[2:])
    assert kept_before(evidence, "a", latest, Shown(page.article, (), judged)) == article(*BODY)
    # the cut paragraph's new wording in their place is an edit
    reworded = Flow(article(BODY[0], BODY[1].replace("old wall", "ageing wall"), *BODY[2:]))
    assert all(v.role is Role.ARTICLE for v in verdicts(evidence, "a", reworded, latest))


def test_what_the_latest_version_left_out_stands_in_none_of_its_places() -> None:
    """The confirmation of the first version left a clock out of it (the two fetches showed
    other times) and kept the sponsored line beside it (both fetches drew the same item).
    The page shows the clock again and the slot's next item: the clock stands where the
    last page showed a block left out that the latest version does not hold, so it takes
    none of the latest version's places, and the item, where the latest version showed a
    template block, rotates in."""
    evidence = Evidence(
        {
            mark(SPONSORED): BlockSeen(("b", "c"), flickers=1),
            mark(THIRD_SPONSOR): BlockSeen(("b", "c"), flickers=1),
            mark(CLOCK): BlockSeen(("a", "b", "c"), flickers=2),
        },
        {},
        pages=3,
    )
    out = [Verdict(Role.ARTICLE), Verdict(Role.VOLATILE), *[Verdict(Role.ARTICLE)] * 3]
    last = outline(Shown(article(BODY[0], CLOCK, SPONSORED, *BODY[1:]), (), out))
    latest = article(BODY[0], SPONSORED, *BODY[1:])
    later = CLOCK.replace("06:02", "06:05")
    page = Flow(article(BODY[0], later, OTHER_SPONSOR, *BODY[1:]))
    roles = [v.role for v in verdicts(evidence, "a", page, latest, last)]
    assert roles == [Role.ARTICLE, Role.TEMPLATE, Role.ROTATING, Role.ARTICLE, Role.ARTICLE]
    # a paragraph the reporter added beside the clock is judged on its own
    added = Flow(article(BODY[0], later, "A paragraph the reporter added.", SPONSORED, *BODY[1:]))
    roles = [v.role for v in verdicts(evidence, "a", added, latest, last)]
    assert roles == [Role.ARTICLE, Role.TEMPLATE, Role.ARTICLE, Role.TEMPLATE, *[Role.ARTICLE] * 2]
    # two slots of one pool: the last page showed the latest version's item in one and
    # left another out in the other; the page shows an item in each
    out = [Verdict(Role.ARTICLE)] * 2 + [Verdict(Role.VOLATILE)] + [Verdict(Role.ARTICLE)] * 2
    last = outline(Shown(article(BODY[0], SPONSORED, OTHER_SPONSOR, *BODY[1:]), (), out))
    page = Flow(article(BODY[0], "Promoted: a cruise to the islands.", THIRD_SPONSOR, *BODY[1:]))
    roles = [v.role for v in verdicts(evidence, "a", page, latest, last)]
    assert roles == [Role.ARTICLE, Role.ROTATING, Role.TEMPLATE, Role.ARTICLE, Role.ARTICLE]
    # where the latest version holds the block the last page left out, a paragraph added
    # beside the slot's next item is judged on its own
    out = [Verdict(Role.ARTICLE), Verdict(Role.TEMPLATE), Verdict(Role.ARTICLE)]
    last = outline(Shown(latest, (), [*out, Verdict(Role.ARTICLE)]))
    added = Flow(article(BODY[0], THIRD_SPONSOR, "A paragraph the reporter added.", *BODY[1:]))
    roles = [v.role for v in verdicts(evidence, "a", added, latest, last)]
    assert roles == [Role.ARTICLE, Role.TEMPLATE, *[Role.ARTICLE] * 3]


def test_a_paragraph_the_page_shows_again_where_blocks_flicker_is_read_as_now() -> None:
    """The first version read a sponsored line as text before its place was known to
    flicker. The page shows the same line there again, now left out: the earlier version
    is read the same way, so no cut is published."""
    evidence = Evidence({}, {"slot": PlaceSeen(flickers=3, steady=0)}, pages=3)
    latest = article(BODY[0], SPONSORED, *BODY[1:])
    page = Flow(latest, ("body", "slot", "body", "body"))
    judged = verdicts(evidence, "a", page)
    assert judged[1].role is Role.VOLATILE
    shown = Shown(latest, page.places, judged)
    assert kept_before(evidence, "a", latest, shown) == article(*BODY)


def test_an_earlier_version_is_read_with_what_is_known_now() -> None:
    evidence = Evidence(
        {
            mark(SPONSORED): BlockSeen(("b",)),
            mark(OTHER_SPONSOR): BlockSeen(("a", "b"), flickers=1),
        },
        {},
        pages=2,
    )
    before = article(BODY[0], SPONSORED, BODY[1], BODY[2])
    page = article(BODY[0], OTHER_SPONSOR, BODY[1], BODY[2])
    judged = verdicts(evidence, "a", Flow(page))
    assert kept_before(evidence, "a", before, Shown(page, (), judged)).paragraphs == BODY
    # an article paragraph cut where a template block stands stays in the earlier text
    cut = article(BODY[0], OTHER_SPONSOR, BODY[2])
    cut_judged = verdicts(evidence, "a", Flow(cut))
    assert BODY[1] in kept_before(evidence, "a", before, Shown(cut, (), cut_judged)).paragraphs


def test_a_change_of_blocks_the_site_shows_elsewhere_is_doubted() -> None:
    evidence = Evidence(
        {mark(SPONSORED): BlockSeen(("b",)), mark(OTHER_SPONSOR): BlockSeen(("a", "b"), 1)}
    )
    latest = article(*BODY)
    added = article(BODY[0], SPONSORED, *BODY[1:])
    assert doubts(evidence, latest, added, added, ()) == (SPONSORED,)
    own = article(*BODY, "The mayor resigned on Friday.")
    assert doubts(evidence, latest, own, own, ()) == ()
    # a paragraph cut where the page now shows a block left out: another item of it
    before = article(BODY[0], "Partner content: a weekend by the sea.", *BODY[1:])
    page = article(BODY[0], OTHER_SPONSOR, *BODY[1:])
    assert doubts(evidence, before, latest, page, ()) == ("Partner content: a weekend by the sea.",)
    # an article paragraph cut with nothing in its place is a plain cut
    cut = article(BODY[0], BODY[2])
    assert doubts(evidence, latest, cut, cut, ()) == ()
    # a paragraph in a place where blocks flickered more often than they held
    shaky = Evidence(places={"div.box": PlaceSeen(flickers=1), "p": PlaceSeen(1, steady=9)})
    promo = article(*BODY, "Partner content: a weekend by the sea.")
    assert doubts(shaky, latest, promo, promo, ("p", "p", "div.box", "div.box")) == (
        "Partner content: a weekend by the sea.",
    )
    assert doubts(shaky, latest, promo, promo, ("p",) * 4) == ()
    # a paragraph added where none of the article's unchanged paragraphs stands
    apart = ("p", "p", "p", "aside.box")
    assert doubts(Evidence(), latest, promo, promo, apart) == (
        "Partner content: a weekend by the sea.",
    )


def test_a_paragraph_the_last_page_showed_left_out_is_doubted_when_it_is_added() -> None:
    """The last check's two fetches did not agree on a sponsored line (one showed it, the
    other another item); the next two fetches both drew it again. Added, it waits for the
    regular checks, as an edit made between the last check's fetches would."""
    latest = article(*BODY)
    shown = article(BODY[0], SPONSORED, *BODY[1:])
    last = outline(
        Shown(
            shown, (), [Verdict(Role.ARTICLE), Verdict(Role.VOLATILE)] + [Verdict(Role.ARTICLE)] * 2
        )
    )
    page = Shown(shown, (), [Verdict(Role.ARTICLE)] * 4)
    assert doubtful(Evidence(), "a", latest, shown, page, last) == Doubt((SPONSORED,), 1)
    assert doubtful(Evidence(), "a", latest, shown, page) == Doubt()


def test_how_long_a_doubted_change_waits_depends_on_the_doubt() -> None:
    latest = article(*BODY)
    nothing = Evidence()
    assert (
        doubtful(
            nothing,
            "a",
            latest,
            latest,
            Shown(latest, (), [Verdict(Role.ARTICLE)] * len(latest.paragraphs)),
        ).checks
        == 0
    )
    # a paragraph replaced wholesale, in its place: both doubted, two regular checks
    swapped = article(BODY[0], "Promoted: a cruise to the islands.", BODY[2])
    judged = verdicts(nothing, "a", Flow(swapped))
    doubt = doubtful(nothing, "a", latest, swapped, Shown(swapped, (), judged))
    assert doubt.paragraphs == tuple(sorted((BODY[1], "Promoted: a cruise to the islands.")))
    assert doubt.checks == 2
    # a new headline read as a paragraph of the text replaces the old one whole: no doubt
    titled = article("Council votes to rebuild harbour wall", *BODY)
    retitled = replace(
        titled,
        headline="Harbour wall to be rebuilt",
        paragraphs=(
            "Harbour wall to be rebuilt",
            *BODY,
        ),
    )
    assert (
        doubtful(
            nothing,
            "a",
            titled,
            retitled,
            Shown(retitled, (), [Verdict(Role.ARTICLE)] * len(retitled.paragraphs)),
        ).checks
        == 0
    )
    # a block of the site's pages that changed only in its numbers: two regular checks
    stamp = "Page served 06:00:27 by node 17"
    before = article(*BODY, stamp)
    after = article(*BODY, "Page served 06:00:27 by node 14")
    for seen in (BlockSeen(("a",), flickers=1), BlockSeen(("a", "b"))):
        evidence = Evidence({mark(stamp): seen})
        judged = verdicts(evidence, "a", Flow(after))
        assert doubtful(evidence, "a", before, after, Shown(after, (), judged)).checks == 2
    # a paragraph added where none of the article's unchanged paragraphs stands: one
    promo = article(*BODY, "Partner content: a weekend by the sea.")
    apart = Shown(promo, ("p", "p", "p", "aside.box"), [Verdict(Role.ARTICLE)] * 4)
    assert doubtful(nothing, "a", latest, promo, apart).checks == 1
    # a correction of the article's own, with new numbers, is no doubt
    fixed = article(BODY[0], BODY[1], BODY[2].replace("14 million", "41 million"))
    assert (
        doubtful(
            nothing,
            "a",
            latest,
            fixed,
            Shown(fixed, (), [Verdict(Role.ARTICLE)] * len(fixed.paragraphs)),
        ).checks
        == 0
    )


def test_an_item_that_rotates_in_is_taught_as_flickering() -> None:
    page = article(BODY[0], "Promoted: a cruise to the islands.", BODY[1])
    judged = [Verdict(Role.ARTICLE), Verdict(Role.ROTATING, "stands where"), Verdict(Role.ARTICLE)]
    taught = lesson("a", Shown(page, (), judged))
    assert taught.flickered == (mark("Promoted: a cruise to the islands."),)


def test_a_flickering_item_of_an_earlier_version_where_the_page_shows_template_is_not_text() -> (
    None
):
    evidence = Evidence(
        {mark(SPONSORED): BlockSeen(("a",), flickers=1), mark(OTHER_SPONSOR): BlockSeen(("b",), 2)}
    )
    before = article(*BODY, SPONSORED)
    page = article(*BODY, OTHER_SPONSOR, "Reader comments (4)")
    shown = Shown(page, (), verdicts(evidence, "a", Flow(page)))
    assert kept_before(evidence, "a", before, shown).paragraphs == BODY
    # a paragraph that never flickered, there, stays in the earlier text (it may be a cut)
    steady = Evidence(
        {mark(OTHER_SPONSOR): BlockSeen(("b",), 2), mark(BACKGROUND): BlockSeen(("b",))}
    )
    shared = article(*BODY, BACKGROUND)
    judged = verdicts(steady, "a", Flow(page))
    assert kept_before(steady, "a", shared, Shown(page, (), judged)).paragraphs == shared.paragraphs


def test_a_confirmation_teaches_what_flickered_and_where() -> None:
    page = article(BODY[0], OTHER_SPONSOR, BODY[1])
    first = article(BODY[0], SPONSORED, BODY[1])
    shown = Shown(page, ("body", "top", "body"), [Verdict(Role.ARTICLE)] * 3)
    taught = lesson("a", shown, (first, page))
    assert taught.flickered == tuple(sorted((mark(SPONSORED), mark(OTHER_SPONSOR))))
    assert taught.flickering == ("top",)
    assert taught.steady == ("body", "body")
    assert set(taught.blocks) == {mark(p) for p in page.paragraphs}


def test_a_paragraph_that_arrives_between_the_two_fetches_is_no_evidence() -> None:
    """An edit made between a change's two fetches (a correction appended to every
    article of a site at once) must never teach that the correction is template."""
    first = article(*BODY)
    page = article(*BODY, "Correction: an earlier version misstated the cost.")
    taught = lesson("a", Shown(page, ("body",) * 4, [Verdict(Role.ARTICLE)] * 4), (first, page))
    assert taught.flickered == ()
    assert taught.flickering == ()


def test_the_evidence_is_kept_in_redis_shared_and_bounded(
    redis_conn: redis.Redis, keys: Keys
) -> None:
    templates = SiteTemplates(redis_conn, keys)
    site = "herald.example"
    for token in ("a", "b", "c"):
        pipe = redis_conn.pipeline()
        templates.learn(site, Lesson(token, (mark(SPONSORED), mark(BODY[0]))), pipe)
        pipe.execute()
    pipe = redis_conn.pipeline()
    flicker = Lesson("a", (), flickered=(mark(SPONSORED),), flickering=("p",), steady=("q",))
    templates.learn(site, flicker, pipe)
    pipe.execute()
    evidence = templates.evidence(site, [mark(SPONSORED), mark("never seen")], ["p", "q"])
    assert evidence.blocks == {mark(SPONSORED): BlockSeen(("a", "b", "c"), flickers=1)}
    assert evidence.places == {"p": PlaceSeen(1, 0), "q": PlaceSeen(0, 1)}
    assert evidence.pages == 3
    assert judge(evidence, "a", SPONSORED).role is Role.TEMPLATE
    summary = templates.summary(site)
    assert (summary.articles, summary.blocks, summary.template) == (3, 2, 1)
    # bounded: a site with more blocks than the limit forgets some, never grows past it
    many = tuple(f"{n:016x}" for n in range(MAX_BLOCKS + 50))
    pipe = redis_conn.pipeline()
    templates.learn(site, Lesson("d", many), pipe)
    pipe.execute()
    assert redis_conn.hlen(keys.site_blocks(site)) <= MAX_BLOCKS


def test_generated_layouts_fixed_sample() -> None:
    """Twenty generated sites, each with three quiet articles (two sharing a paragraph of
    background) and one edited three times, checked as a worker checks them with churn on:
    every edit is published, the shared background stays article text, no quiet article
    publishes a change, and no edit is published twice (confirmation alone published a
    false change on about one quiet article in two)."""
    tally = Tally()
    with tempfile.TemporaryDirectory() as tmp, EmbeddedRedis(Path(tmp)) as server:
        templates = SiteTemplates(connect(server.url), Keys("sample:"))
        for seed in range(20):
            run(seed, 8, 3, templates, tally)
    assert tally.found == tally.edits == 60
    assert tally.shared_kept == tally.shared == 40
    assert (tally.quiet_false, tally.edited_extra) == (0, 0), tally


def test_check_marks_each_paragraph_with_the_evidence_that_decided_it(
    redis_conn: redis.Redis, keys: Keys
) -> None:
    templates = SiteTemplates(redis_conn, keys)
    for token, flickered in (("b", ()), ("c", (mark(SPONSORED),))):
        pipe = redis_conn.pipeline()
        templates.learn("herald.example", Lesson(token, (mark(SPONSORED),), flickered), pipe)
        pipe.execute()
    body = "".join(f"<p>{text}</p>" for text in (BODY[0], SPONSORED, BODY[1], BODY[2]))
    page = (
        "<html><body><nav><ul><li><a href='/'>Home</a></li></ul></nav>"
        f"<article><h1>Harbour wall</h1>{body}</article>"
        "<div class='newsletter-signup'><p>Get the morning briefing by email.</p></div>"
        "<div><p>Thousands more stories from the coast every week in our archive.</p></div>"
        "</body></html>"
    )
    preview = preview_page(
        page.encode(),
        "text/html",
        "http://herald.example/a",
        "herald",
        ExtractionRules(),
        Known(partial(templates.evidence, "herald.example")),
    )
    assert preview.article is not None
    assert preview.article.paragraphs == BODY
    assert [(text, v.role) for text, v in preview.blocks if v.role is not Role.ARTICLE] == [
        (SPONSORED, Role.TEMPLATE),
        ("Home", Role.CLUTTER),
        ("Get the morning briefing by email.", Role.CLUTTER),
        ("Thousands more stories from the coast every week in our archive.", Role.CLUTTER),
    ]
    why = [v.why for _, v in preview.blocks if v.role is Role.CLUTTER]
    assert why[0] == "inside <nav>, an element that is never article text"
    assert why[1] == 'inside <div class="newsletter-signup">, an element that is never article text'
    assert why[2] == "outside the article the extraction read"
    assert "2 other articles" in preview.to_text()
    assert "left out by the extraction (3):" in preview.to_text()
    assert json.loads(preview.to_json())["blocks"][1]["role"] == "template"
    # a tracked article: what stands where its last page showed a block left out rotates
    novel = "Promoted: a cruise to the islands."
    last = outline(
        Shown(
            article(BODY[0], SPONSORED, BODY[1], BODY[2]),
            (),
            [
                Verdict(Role.ARTICLE),
                Verdict(Role.TEMPLATE),
                Verdict(Role.ARTICLE),
                Verdict(Role.ARTICLE),
            ],
        )
    )
    rotated = preview_page(
        page.replace(SPONSORED, novel).encode(),
        "text/html",
        "http://herald.example/a",
        "herald",
        ExtractionRules(),
        Known(partial(templates.evidence, "herald.example"), last),
    )
    assert rotated.article is not None
    assert rotated.article.paragraphs == BODY
    assert (novel, Role.ROTATING) in [(text, v.role) for text, v in rotated.blocks]
    assert "[rotating: stands where the article's last page showed another block" in (
        rotated.to_text()
    )
