"""A site's template learned from evidence: the pure judgement, the evidence kept in a real
Redis, and a fixed sample of generated layouts checked as a worker checks them."""

from __future__ import annotations

import json
import tempfile
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from bench.layouts.__main__ import Tally, run
from crawler.detection.preview import preview_page
from crawler.detection.template import (
    BlockSeen,
    Evidence,
    Lesson,
    PlaceSeen,
    Role,
    doubtful,
    judge,
    kept,
    kept_before,
    lesson,
    mark,
)
from crawler.domain.models import Article
from crawler.extraction.rules import ExtractionRules
from crawler.store.connection import connect
from crawler.store.keys import Keys
from crawler.store.sitetemplate import MAX_BLOCKS, SiteTemplates
from scheduler.embedded import EmbeddedRedis

if TYPE_CHECKING:
    import redis

SPONSORED = "Sponsored: the bank that listens to you."
OTHER_SPONSOR = "Sponsored: new electric cars, book a test drive."
BACKGROUND = "The storm last week closed the harbour for three days and cut power to 4,000 homes."
BODY = (
    "The council voted on Tuesday to rebuild the harbour wall before next winter.",
    "Engineers said the old wall could fail in a storm like the one last year.",
    "The work will cost 14 million pounds and take three years, officials said.",
)


def article(*paragraphs: str) -> Article:
    return Article("Council votes to rebuild harbour wall", "Jane Reporter", tuple(paragraphs))


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
    assert kept(evidence, "a", page, ("p2", "p1", "p2")).paragraphs == (BODY[0], BODY[1])


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
    assert kept(evidence, "a", page, (), latest).paragraphs == (BODY[0], BODY[1])
    # a new paragraph of the article's own, in that place, is kept
    edited = article(BODY[0], "A new paragraph the reporter added.", BODY[1])
    assert kept(evidence, "a", edited, (), latest).paragraphs == edited.paragraphs


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
    assert kept_before(evidence, "a", before, page, ()).paragraphs == BODY
    # an article paragraph cut where a template block stands stays in the earlier text
    cut = article(BODY[0], OTHER_SPONSOR, BODY[2])
    assert BODY[1] in kept_before(evidence, "a", before, cut, ()).paragraphs


def test_a_change_of_blocks_the_site_shows_elsewhere_is_doubted() -> None:
    evidence = Evidence(
        {mark(SPONSORED): BlockSeen(("b",)), mark(OTHER_SPONSOR): BlockSeen(("a", "b"), 1)}
    )
    latest = article(*BODY)
    added = article(BODY[0], SPONSORED, *BODY[1:])
    assert doubtful(evidence, "a", latest, added, added, ()) == (SPONSORED,)
    own = article(*BODY, "The mayor resigned on Friday.")
    assert doubtful(evidence, "a", latest, own, own, ()) == ()
    # a paragraph cut where the page now shows a block left out: another item of it
    before = article(BODY[0], "Partner content: a weekend by the sea.", *BODY[1:])
    page = article(BODY[0], OTHER_SPONSOR, *BODY[1:])
    assert doubtful(evidence, "a", before, latest, page, ()) == (
        "Partner content: a weekend by the sea.",
    )
    # an article paragraph cut with nothing in its place is a plain cut
    cut = article(BODY[0], BODY[2])
    assert doubtful(evidence, "a", latest, cut, cut, ()) == ()
    # a paragraph in a place where blocks flickered more often than they held
    shaky = Evidence(places={"div.box": PlaceSeen(flickers=1), "p": PlaceSeen(1, steady=9)})
    promo = article(*BODY, "Partner content: a weekend by the sea.")
    assert doubtful(shaky, "a", latest, promo, promo, ("p", "p", "div.box", "div.box")) == (
        "Partner content: a weekend by the sea.",
    )
    assert doubtful(shaky, "a", latest, promo, promo, ("p",) * 4) == ()
    # a paragraph added where none of the article's unchanged paragraphs stands
    apart = ("p", "p", "p", "aside.box")
    assert doubtful(Evidence(), "a", latest, promo, promo, apart) == (
        "Partner content: a weekend by the sea.",
    )


def test_a_flickering_item_of_an_earlier_version_where_the_page_shows_template_is_not_text() -> (
    None
):
    evidence = Evidence(
        {mark(SPONSORED): BlockSeen(("a",), flickers=1), mark(OTHER_SPONSOR): BlockSeen(("b",), 2)}
    )
    before = article(*BODY, SPONSORED)
    page = article(*BODY, OTHER_SPONSOR, "Reader comments (4)")
    assert kept_before(evidence, "a", before, page, ()).paragraphs == BODY
    # a paragraph that never flickered, there, stays in the earlier text (it may be a cut)
    steady = Evidence(
        {mark(OTHER_SPONSOR): BlockSeen(("b",), 2), mark(BACKGROUND): BlockSeen(("b",))}
    )
    shared = article(*BODY, BACKGROUND)
    assert kept_before(steady, "a", shared, page, ()).paragraphs == shared.paragraphs


def test_a_confirmation_teaches_what_flickered_and_where() -> None:
    page = article(BODY[0], OTHER_SPONSOR, BODY[1])
    first = article(BODY[0], SPONSORED, BODY[1])
    taught = lesson("a", page, ("body", "top", "body"), (first, page))
    assert taught.flickered == tuple(sorted((mark(SPONSORED), mark(OTHER_SPONSOR))))
    assert taught.flickering == ("top",)
    assert taught.steady == ("body", "body")
    assert set(taught.blocks) == {mark(p) for p in page.paragraphs}


def test_a_paragraph_that_arrives_between_the_two_fetches_is_no_evidence() -> None:
    """An edit made between a change's two fetches (a correction appended to every
    article of a site at once) must never teach that the correction is template."""
    first = article(*BODY)
    page = article(*BODY, "Correction: an earlier version misstated the cost.")
    taught = lesson("a", page, ("body",) * 4, (first, page))
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
    every edit is published, the shared background stays article text, and the quiet
    articles publish few false changes (the rate ``bench.layouts`` reports, 4 of 60 here
    with the churn seeded, bounded well below what confirmation alone gives: about one in
    two quiet articles)."""
    tally = Tally()
    with tempfile.TemporaryDirectory() as tmp, EmbeddedRedis(Path(tmp)) as server:
        templates = SiteTemplates(connect(server.url), Keys("sample:"))
        for seed in range(20):
            run(seed, 8, 3, templates, tally)
    assert tally.found == tally.edits == 60
    assert tally.shared_kept == tally.shared == 40
    assert tally.quiet_false <= tally.quiet // 12, tally


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
        partial(templates.evidence, "herald.example"),
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
