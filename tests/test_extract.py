"""Extraction on real news pages (../shared/data/aeb) and on the local test site."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import lxml.html
import pytest

from bench.extraction.pages import Page, load_pages, page_ids
from bench.extraction.score import word_scores
from bench.extraction.variants import Variant, churn_variants, edit_variants, identity
from crawler.domain.hashing import fingerprint
from crawler.domain.normalize import normalise_text
from crawler.extraction.extract import ExtractionError, Layer, extract_page
from crawler.extraction.paragraphs import paragraphs_of
from crawler.extraction.rules import ExtractionRules, RulesError
from scheduler.newsroom.generated import drawn
from scheduler.newsroom.layouts import Churn
from scheduler.newsroom.story import story_version
from tests.conftest import SHARED_DATA
from tests.sites import render_page, sample_story

if TYPE_CHECKING:
    from collections.abc import Callable

AEB = SHARED_DATA / "aeb"


needs_aeb = pytest.mark.skipif(not AEB.exists(), reason="needs ../shared/data/aeb")


@pytest.fixture(scope="module")
def aeb_pages() -> list[Page]:
    return load_pages(AEB, page_ids(AEB))


@needs_aeb
def test_real_pages_are_extracted_with_high_word_f1(aeb_pages: list[Page]) -> None:
    scores = []
    for page in aeb_pages:
        article = extract_page(page.html, page.url).article
        assert article.headline, page.id
        body = "\n".join([article.dateline, *article.paragraphs])
        scores.append(word_scores(body, page.truth).f1)
    assert len(scores) >= 100
    assert sum(scores) / len(scores) >= 0.965
    assert sorted(scores)[len(scores) // 2] >= 0.99  # median page


def _variants_that(
    pages: list[Page],
    variants_of: Callable[[str, str, str], list[Variant]],
    *,
    change: bool,
) -> tuple[int, list[str]]:
    """How many variants the pages give, and those whose fingerprint does (``change``) or
    does not change, each described."""
    found, total = [], 0
    for page in pages:
        original = fingerprint(extract_page(identity(page.html), page.url).article)
        for variant in variants_of(page.html, page.truth, page.id):
            total += 1
            changed = fingerprint(extract_page(variant.html, page.url).article) != original
            if changed == change:
                found.append(f"{page.id[:12]} {variant.kind}: {variant.description}")
    return total, found


@needs_aeb
def test_churn_around_the_article_never_changes_the_fingerprint(aeb_pages: list[Page]) -> None:
    variants, changed = _variants_that(aeb_pages, churn_variants, change=True)
    assert variants > 800
    assert changed == []


@needs_aeb
def test_edits_inside_the_article_change_the_fingerprint(aeb_pages: list[Page]) -> None:
    variants, unseen = _variants_that(aeb_pages, edit_variants, change=False)
    assert variants > 350
    # Every miss is an edit to text the extractor does not return (bench/RESULTS.md).
    assert len(unseen) <= 0.01 * variants, "\n".join(unseen)


def _aeb_page(pages: list[Page], prefix: str) -> Page:
    return next(page for page in pages if page.id.startswith(prefix))


@needs_aeb
def test_a_notice_read_instead_of_the_article_gives_way_to_the_main_prose(
    aeb_pages: list[Page],
) -> None:
    # trafilatura reads this page's reprints notice; the article is the page's main prose.
    page = _aeb_page(aeb_pages, "f8ff621a0b9b")
    paragraphs = extract_page(page.html, page.url).article.paragraphs
    assert paragraphs[0].startswith("Shares of construction goods giant Home Depot")
    assert not any("presentation-ready copies" in p for p in paragraphs)
    assert word_scores("\n".join(paragraphs), page.truth).f1 > 0.95


@needs_aeb
def test_an_article_cut_into_chunks_is_read_whole(aeb_pages: list[Page]) -> None:
    # The article is cut into several containers of the same class, with ads between them.
    page = _aeb_page(aeb_pages, "2f42ef1d3ea0")
    paragraphs = extract_page(page.html, page.url).article.paragraphs
    assert paragraphs[-1].startswith("A second problem is more serious.")
    assert word_scores("\n".join(paragraphs), page.truth).f1 > 0.95


def test_a_table_row_read_as_one_line_is_split_whatever_the_lists_beside_it_show() -> None:
    """A generated layout (seed 55) whose article sits in a table cell: the general
    extractor reads the whole row as one line, which is split back into the page's
    paragraphs even when a headline of a "Most read" list before the article is also read
    inside it (it once hid every paragraph before it, on one request in two)."""
    layout, churn = drawn(55), Churn(True, 55)
    story = story_version(7, 5500, 0)
    for _ in range(6):
        page = extract_page(layout.render(story, "http://site55.example/0", churn))
        assert page.article.paragraphs[0] == story.byline
        assert all(normalise_text(p) in page.article.paragraphs for p in story.paragraphs)


def test_a_row_of_cells_that_show_the_same_text_is_split_into_its_cells() -> None:
    """A generated layout (seed 411) whose first view shows one sponsored line in two
    cells side by side: the general extractor reads the row as one line, which is split
    into the page's paragraphs, the same text twice included."""
    layout, churn = drawn(411), Churn(True, 411)
    story = story_version(7, 41100, 0)
    page = extract_page(layout.render(story, "http://site411.example/0", churn))
    assert not any("|" in p for p in page.article.paragraphs)
    assert all(normalise_text(p) in page.article.paragraphs for p in story.paragraphs)


def test_cells_the_extractor_reads_with_bars_around_them_are_the_pages_paragraphs() -> None:
    """A generated layout (seed 5397) whose paragraphs are the cells of a table nested in a
    cell of another: the general extractor reads each with the bars it writes around a
    cell ("| ... |"), and, on some requests, the headline, byline and sponsored line of the
    outer row too. Each cell is matched to its paragraph on the page, so every request
    reads the same article."""
    layout, churn = drawn(5397), Churn(True, 5397)
    story = story_version(7, 539701, 0)
    pages = [
        extract_page(layout.render(story, "http://site5397.example/1", churn)) for _ in range(6)
    ]
    assert len({page.article for page in pages}) == 1
    assert not any("|" in p for p in pages[0].article.paragraphs)
    assert all(normalise_text(p) in pages[0].article.paragraphs for p in story.paragraphs[1:])


def test_list_items_the_extractor_reads_with_a_bullet_are_the_pages_items() -> None:
    """A generated layout (seed 912) whose paragraphs are list items, which the general
    extractor reads with a bullet ("- ") before each: each is matched to its item on the
    page, so it is read whole, with its place, and checked against the article region."""
    layout, churn = drawn(912), Churn(True, 912)
    story = story_version(7, 91201, 0)
    page = extract_page(layout.render(story, "http://site912.example/1", churn))
    assert not any(p.startswith("- ") for p in page.article.paragraphs)
    assert all(page.places)
    assert all(normalise_text(p) in page.article.paragraphs for p in story.paragraphs[1:])


def test_the_blocks_left_out_between_the_articles_paragraphs_stand_in_its_flow() -> None:
    """A generated layout (seed 534) with a sponsored line between two paragraphs, in an
    element of its own: a short one is left out of the article, and stands in its flow
    where the page shows it, with its place."""
    layout, churn = drawn(534), Churn(True, 534)
    story = story_version(7, 53400, 0)
    pages = [
        extract_page(layout.render(story, "http://site534.example/0", churn)) for _ in range(3)
    ]
    short = pages[2]
    assert [(at, text) for at, text, _ in short.left_out] == [
        (2, "Sponsored: try the new harbour tours today.")
    ]
    flow = short.flow
    assert flow.article.paragraphs[2] == "Sponsored: try the new harbour tours today."
    assert flow.left_out == (False, False, True, *[False] * (len(flow.left_out) - 3))
    assert flow.places[2] == pages[0].places[2]  # where the first view read its item
    assert pages[0].left_out == ()


def test_a_block_the_page_shows_twice_stands_in_the_flow_each_time() -> None:
    """Two slots of one sponsored pool between the paragraphs show the same item: the
    extractor reads one of them. The other is a block the page shows too, left out in the
    flow where it stands, so that its slot is known when its item rotates."""
    line = "Promoted: learn a language in ten minutes a day."
    story = [
        f"Paragraph {n} of the story tells how the harbour wall was rebuilt after the winter"
        " storm, and what the council said about the cost and the time it took."
        for n in range(6)
    ]
    body = "".join(
        f"<p>{text}</p>" + (f'<div class="k1">{line}</div>' if n in (1, 3) else "")
        for n, text in enumerate(story)
    )
    html = (
        "<html><head><title>Wall rebuilt</title></head><body><article><h1>Wall rebuilt</h1>"
        f"{body}</article><footer>Copyright</footer></body></html>"
    )
    flow = extract_page(html, "http://x.example/a").flow
    paragraphs = flow.article.paragraphs
    shown = [n for n, text in enumerate(paragraphs) if text == line]
    assert shown == [paragraphs.index(story[2]) - 1, paragraphs.index(story[4]) - 1]
    assert sorted(flow.left_out[n] for n in shown) == [False, True]  # one read, one left out


def test_an_article_written_as_a_list_is_read_from_its_items() -> None:
    """A generated layout (seed 418) whose paragraphs are the items of a list, which the
    general extractor skips: the items are the article, not the boilerplate around it."""
    layout, churn = drawn(418), Churn(True, 418)
    story = story_version(7, 41800, 0)
    page = extract_page(layout.render(story, "http://site418.example/0", churn))
    assert all(normalise_text(p) in page.article.paragraphs for p in story.paragraphs)


@needs_aeb
def test_a_list_beside_the_articles_prose_is_not_read_as_its_text(aeb_pages: list[Page]) -> None:
    """An article in paragraphs, with a list of key points above them that the general
    extractor skips (the ground truth leaves it out too): the list is not added to it."""
    page = _aeb_page(aeb_pages, "374ac9a59a85")
    paragraphs = extract_page(page.html, page.url).article.paragraphs
    assert not any(p.startswith("Dubai's flagship carrier Emirates Airline") for p in paragraphs)
    assert word_scores("\n".join(paragraphs), page.truth).f1 > 0.99


def test_links_to_write_or_call_are_text_not_links() -> None:
    tree = lxml.html.fromstring(
        "<div><p>By Ann Author <a href='mailto:ann@ledger.example'>ann@ledger.example</a></p>"
        "<p>Call <a href=' TEL:+15550100'>555-0100</a></p>"
        "<p>See <a href='/other-story'>the other story about the harbour</a></p></div>"
    )
    shares = [round(p.link_share, 2) for p in paragraphs_of(tree)]
    assert shares[:2] == [0.0, 0.0]
    assert shares[2] > 0.5


def test_a_link_that_shows_its_address_is_text_not_a_link() -> None:
    tree = lxml.html.fromstring(
        "<div><p><a href='http://amzn.to/2A6mxCW'>http://amzn.to/2A6mxCW</a></p>"
        "<p><a href='https://results.example/state'> www.results.example/state</a></p>"
        "<p><a href='https://results.example/state'>Full state results</a></p></div>"
    )
    assert [p.is_link for p in paragraphs_of(tree)] == [False, False, True]


def test_a_link_to_another_site_is_text_and_a_link_to_the_sites_own_story_is_not() -> None:
    tree = lxml.html.fromstring(
        "<div><p><a href='https://r.shop.example/u/1'>Get it at the shop for $20</a></p>"
        "<p><a href='/2019/other-story'>Another story</a></p>"
        "<p><a href='https://news.ledger.co.uk/x'>A story on a host of the site</a></p>"
        "<p><a href='https://shop.example/a'>Two shops</a> <a href='/b'>and ours</a></p>"
        "<p><a href='#top'>Back to the top</a></p></div>"
    )
    cited = [p.cites("https://www.ledger.co.uk/a") for p in paragraphs_of(tree)]
    assert cited == [True, False, False, False, False]


def _linked_page(inline: str) -> str:
    story = [
        f"Paragraph {n} of the story tells how the harbour wall was rebuilt after the winter"
        " storm, and what the council said about the cost and the time it took."
        for n in range(6)
    ]
    body = "".join(f"<p>{text}</p>" + (inline if n == 2 else "") for n, text in enumerate(story))
    return (
        "<html><head><title>Wall rebuilt</title></head><body><article><h1>Wall rebuilt</h1>"
        f"{body}</article><footer>Copyright</footer></body></html>"
    )


def _shown(fragment: str) -> str:
    """The text a fragment of markup shows."""
    return normalise_text(
        lxml.html.fragment_fromstring(fragment, create_parent="div").text_content()
    )


@pytest.mark.parametrize(
    "inline",
    [
        "<ul><li><a href='https://r.shop.example/u/1'>Get it at the shop for $20</a></li></ul>",
        "<p><a href='https://results.example/state'>CLICK FOR FULL RESULTS for $20</a></p>",
    ],
)
def test_a_link_to_another_site_in_the_articles_flow_is_its_text(inline: str) -> None:
    """An article points its readers to a product or a document on another site: the
    line is the article's, and an edit of it is an edit of the article."""
    url = "https://www.ledger.co.uk/2019/wall"
    page = extract_page(_linked_page(inline), url)
    line = _shown(inline)
    assert line in page.article.paragraphs
    edited = extract_page(_linked_page(inline.replace("$20", "$18")), url)
    assert line.replace("$20", "$18") in edited.article.paragraphs
    assert fingerprint(edited.article) != fingerprint(page.article)


@pytest.mark.parametrize(
    "inline",
    [
        "<p>Related: <a href='/2019/other-story'>Council names new harbour master</a></p>",
        "<ul><li><a href='https://www.ledger.co.uk/2019/x'>Council names new master</a></li></ul>",
        "<div class='ad-slot'><a href='https://ads.example/c?1'>Cheap ferry tickets</a></div>",
    ],
)
def test_links_to_the_sites_own_stories_and_ads_are_not_the_articles_text(inline: str) -> None:
    page = extract_page(_linked_page(inline), "https://www.ledger.co.uk/2019/wall")
    line = _shown(inline)
    assert len(page.article.paragraphs) == 6
    assert line not in page.article.paragraphs


@needs_aeb
@pytest.mark.parametrize(
    ("prefix", "line"),
    [
        ("287e4d9f4af3", "Get it at Walmart for $238.99"),
        ("3ce1c8fdf6ad", "CLICK FOR FULL STATE SWIM RESULTS"),
    ],
)
def test_the_articles_links_to_other_sites_are_read_on_real_pages(
    aeb_pages: list[Page], prefix: str, line: str
) -> None:
    """A deals article's "Get it at ..." lines and a results story's link to the full
    results: the ground truth holds them, and an edit of one is an edit of the article."""
    page = _aeb_page(aeb_pages, prefix)
    assert line in extract_page(page.html, page.url).article.paragraphs
    edited = page.html.replace(f">{line}<", f">{line} (updated)<", 1)
    assert f"{line} (updated)" in extract_page(edited, page.url).article.paragraphs


@needs_aeb
def test_an_edit_of_an_address_the_article_lists_is_seen(aeb_pages: list[Page]) -> None:
    """A list of products, each with the address it is sold at: the addresses are the
    article's text, and an edit of one is an edit of the article."""
    page = _aeb_page(aeb_pages, "20b2b64916b0")
    before = extract_page(page.html, page.url).article.paragraphs
    assert "http://amzn.to/2A6mxCW" in before
    edited = page.html.replace(">http://amzn.to/2A6mxCW<", ">http://amzn.to/2A6mxCX<")
    after = extract_page(edited, page.url).article.paragraphs
    assert "http://amzn.to/2A6mxCX" in after
    assert "http://amzn.to/2A6mxCW" not in after


@needs_aeb
def test_an_e_mail_address_is_text_not_a_link(aeb_pages: list[Page]) -> None:
    page = _aeb_page(aeb_pages, "9da36ae4714b")
    paragraphs = extract_page(page.html, page.url).article.paragraphs
    assert "칼럼니스트 박생강 pillgoo9@gmail.com" in paragraphs


def test_boilerplate_churn_does_not_change_the_fingerprint() -> None:
    story = sample_story()
    pages = [render_page(story, views) for views in (1001, 2002, 3003, 4004)]
    assert len(set(pages)) == 4  # the pages really differ
    articles = [extract_page(page).article for page in pages]
    assert len({fingerprint(a) for a in articles}) == 1
    assert articles[0].headline == story.headline
    assert articles[0].paragraphs == tuple(story.paragraphs)


def test_an_edited_word_changes_the_fingerprint() -> None:
    story = sample_story()
    before = extract_page(render_page(story, 1)).article
    story.paragraphs[1] = story.paragraphs[1].replace("three years", "four years")
    after = extract_page(render_page(story, 2)).article
    assert fingerprint(before) != fingerprint(after)


STORY = (
    "The city council voted on Tuesday to approve a new harbour plan after three years of"
    " debate over the cost of dredging the old channel.",
    "Opponents said the plan would raise fees for the small fishing boats that still use"
    " the inner basin every morning of the year.",
    "The plan will be reviewed again in the autumn, when the first contracts are signed and"
    " the dredging schedule is made public by the port authority.",
)


def _structured_page(article_body: str, shown: tuple[str, ...]) -> str:
    """A page whose JSON-LD says ``article_body`` and whose article shows ``shown``, with a
    sidebar of other stories beside it."""
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": "Council backs harbour plan",
        "author": [{"name": "Ann Author"}],
        "articleBody": article_body,
    }
    paragraphs = "".join(f"<p>{text}</p>" for text in shown)
    return f"""<html><head><script type="application/ld+json">{json.dumps(data)}</script>
    </head><body><article><h1>Council backs harbour plan</h1>
    <div class="story">{paragraphs}</div></article>
    <div class="sidebar"><p>Most popular stories of the week, chosen by our readers and
    sorted by how many of them read each story in the last seven days.</p></div>
    </body></html>"""


def test_json_ld_names_the_headline_and_byline_and_locates_the_article() -> None:
    page = extract_page(_structured_page("\n".join(STORY), STORY))
    assert page.layer is Layer.STRUCTURED
    assert page.article.headline == "Council backs harbour plan"
    assert page.article.byline == "Ann Author"
    assert page.article.paragraphs == STORY


def test_an_edit_shown_on_the_page_is_read_though_the_json_ld_body_lags_behind() -> None:
    edited = (STORY[0].replace("three years", "four years"), *STORY[1:])
    page = extract_page(_structured_page("\n".join(STORY), edited))
    assert page.layer is Layer.STRUCTURED
    assert page.article.paragraphs == edited
    before = extract_page(_structured_page("\n".join(STORY), STORY)).article
    assert fingerprint(page.article) != fingerprint(before)


def test_a_headline_edited_on_the_page_is_read_though_the_json_ld_lags_behind() -> None:
    html = _structured_page("\n".join(STORY), STORY).replace(
        "<h1>Council backs harbour plan</h1>", "<h1>Council backs harbour plan after vote</h1>"
    )
    assert extract_page(html).article.headline == "Council backs harbour plan after vote"
    # a heading that is not the story's (a site's name) never stands for its headline
    logo = html.replace("<h1>Council backs harbour plan after vote</h1>", "<h1>The Herald</h1>")
    assert extract_page(logo).article.headline == "Council backs harbour plan"


def test_a_run_on_json_ld_body_keeps_the_paragraphs_the_page_shows() -> None:
    page = extract_page(_structured_page(" ".join(STORY), STORY))
    assert page.layer is Layer.STRUCTURED
    assert page.article.paragraphs == STORY


def test_a_json_ld_body_the_page_does_not_show_is_never_the_text() -> None:
    other = (
        "Rail services between the two northern towns will stop for a month while the old"
        " bridge over the river is strengthened, the operator said on Monday.",
        "Buses will replace the trains, and the journey will take about twenty minutes"
        " longer than usual, with extra services at the busiest times of the day.",
    )
    page = extract_page(_structured_page(" ".join(other) * 2, STORY))
    assert page.layer is Layer.GENERAL
    assert page.article.paragraphs == STORY


@pytest.mark.parametrize("page", ["", "   ", "<html><body></body></html>", "\x00\x00"])
def test_pages_without_an_article_raise_a_clear_error(page: str) -> None:
    with pytest.raises(ExtractionError, match=r"empty|no article"):
        extract_page(page)


RULED_PAGE = """<html><head><title>Ledger</title>
<meta property="og:title" content="Council backs harbour plan | Ledger"></head><body>
<div class="masthead"><h1 class="story-title">Council backs harbour plan</h1>
<span class="story-byline">Ann Author</span>
<span class="stamp">Updated 12 minutes ago</span></div>
<div class="story-body">
<p>The city council voted on Tuesday to approve a new harbour plan after three years of
debate over the cost of dredging the old channel.</p>
<div class="puzzle-box"><p>Try our puzzles: a new crossword every single morning!</p></div>
<p>Related: <a href="/x">Harbour fees to rise next spring</a></p>
<p>The plan will be reviewed again in the autumn, when the first contracts are signed
and the dredging schedule is made public by the port authority.</p>
<figure><img src="a.jpg"><figcaption>Photo: Jo Smith/Getty Images</figcaption></figure>
<div class="newsletter-signup"><p>Get the morning briefing in your inbox.</p></div>
<p>Read more: <a href="/y">What the plan means for fishermen</a></p>
<p>Published 5 minutes ago</p>
</div>
<div class="sidebar"><p>Most popular stories of the week, chosen by our readers.</p></div>
</body></html>"""
RULES = ExtractionRules(
    headline=("h1.story-title",),
    byline=(".story-byline",),
    body=("div.story-body",),
    drop=(".puzzle-box",),
    drop_text=(r"^Published \d+ minutes ago$",),
)
RULED_BODY = (
    "The city council voted on Tuesday to approve a new harbour plan after three years of "
    "debate over the cost of dredging the old channel.",
    "The plan will be reviewed again in the autumn, when the first contracts are signed and "
    "the dredging schedule is made public by the port authority.",
)


def test_source_rules_read_the_article_and_drop_what_they_name() -> None:
    page = extract_page(RULED_PAGE, "https://ledger.example/a", RULES)
    assert page.layer is Layer.RULES
    assert not page.fell_back
    assert page.article.headline == "Council backs harbour plan"
    assert page.article.byline == "Ann Author"
    assert page.article.paragraphs == RULED_BODY


def test_inline_clutter_is_removed_by_default_rules_without_any_drop_rule() -> None:
    rules = ExtractionRules(body=("div.story-body",))
    paragraphs = extract_page(RULED_PAGE, "", rules).article.paragraphs
    # Only the puzzle box, which no default rule can know, is left.
    assert paragraphs == (
        RULED_BODY[0],
        "Try our puzzles: a new crossword every single morning!",
        RULED_BODY[1],
    )


def test_a_body_rule_that_matches_nothing_falls_back_and_says_so() -> None:
    rules = ExtractionRules(body=("div.article-text",), headline=("h1.story-title",))
    page = extract_page(RULED_PAGE, "", rules)
    assert page.fell_back
    assert page.layer is Layer.GENERAL
    assert page.article.headline == "Council backs harbour plan"
    assert RULED_BODY[0] in page.article.paragraphs


def test_the_first_body_selector_that_matches_wins() -> None:
    rules = ExtractionRules(body=("div.article-text", "div.story-body"))
    page = extract_page(RULED_PAGE, "", rules)
    assert (page.layer, page.fell_back) == (Layer.RULES, False)


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        (ExtractionRules(body=("div[",)), r"body: not a CSS selector: 'div\['"),
        (ExtractionRules(drop_text=("(unclosed",)), "drop_text: not a regular expression"),
    ],
)
def test_rules_that_do_not_compile_are_named(rules: ExtractionRules, message: str) -> None:
    with pytest.raises(RulesError, match=message):
        extract_page(RULED_PAGE, "", rules)


@pytest.mark.parametrize(
    ("first", "dateline", "rest"),
    [
        ("WASHINGTON (AP) - The Senate voted", "WASHINGTON (AP)", "The Senate voted"),
        ("LONDON, Nov 22 (Reuters) - Shares fell", "LONDON, Nov 22 (Reuters)", "Shares fell"),
        ("(Reuters) \u2014 The company said", "(Reuters)", "The company said"),
        ("NEW YORK -- Rents rose again", "NEW YORK", "Rents rose again"),
        ("The Senate voted - narrowly - on Monday", "", "The Senate voted - narrowly"),
        ("NASA said on Monday it would launch", "", "NASA said on Monday"),
    ],
)
def test_a_leading_dateline_is_kept_apart(first: str, dateline: str, rest: str) -> None:
    body = f"{first} after a long debate that lasted for most of the afternoon session."
    page = f"<html><body><article><h1>Title</h1><p>{body}</p></article></body></html>"
    article = extract_page(page, "", ExtractionRules(body=("article",))).article
    assert article.dateline == dateline
    assert article.paragraphs[0].startswith(rest)


def test_text_differences_that_are_not_edits_do_not_change_the_fingerprint() -> None:
    plain = "<p>\u201cIt\u2019s done,\u201d she said \u2014 at last.</p>"
    variants = [
        plain,
        '<p>"It\'s done," she said - at last.</p>',
        "<p>\u201cIt\u2019s\u200b done,\u201d  she\u00a0said \u2014\n at last.</p>",
        "<p>\u201cIt\u2019s done,\u201d she said \u2014 at last.\ufeff</p>",
    ]
    fingerprints = {
        fingerprint(
            extract_page(
                f"<html><body><article><h1>T</h1>{v}</article></body></html>",
                "",
                ExtractionRules(body=("article",)),
            ).article
        )
        for v in variants
    }
    assert len(fingerprints) == 1
