"""Generated and adversarial HTML through extraction, normalisation, hashing and diffing
(pure: no Redis, no network). Whatever the page, the answer is an article or an
:class:`ExtractionError` saying why, in bounded time: never another exception, never a
hang."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.domain.diff import diff_articles
from crawler.domain.hashing import fingerprint
from crawler.domain.models import Article
from crawler.domain.normalize import normalise_text
from crawler.extraction.decode import decode_html
from crawler.extraction.extract import ExtractionError, extract_page

URL = "https://news.example/2026/story"
TAGS = (
    "p",
    "div",
    "article",
    "main",
    "h1",
    "h2",
    "span",
    "a",
    "li",
    "ul",
    "table",
    "td",
    "section",
    "figure",
    "blockquote",
    "script",
    "style",
    "noscript",
    "template",
    "svg",
)
ATTRIBUTES = st.sampled_from(
    [
        "",
        ' class="story-body"',
        ' id="main"',
        ' itemprop="articleBody"',
        ' href="javascript:x()"',
        ' onload="alert(1)"',
        ' style="display:none"',
        " hidden",
        ' lang="ar" dir="rtl"',
        ' property="og:title" content="A title"',
        ' class="ad related"',
    ]
)
# Text with what pages really carry and what breaks parsers: entities, NUL and other
# control characters, bidi marks, non-BMP characters, CDATA and comment openers.
TEXT = st.one_of(
    st.text(max_size=120),
    st.sampled_from(
        [
            "The minister said on Monday that the budget would be cut. ",
            "&amp; &#0; &#xD800; &#x110000; &nosuch; &",
            "\x00\x01\x0b\x1f",
            "\u202e\u200b\ufeff",
            "<![CDATA[ ]]>",
            "<!-- ",
            "-->",
            "</",
            "<",
            "\U0001f600 \u0000",
            "\r\n\r",
        ]
    ),
)


@st.composite
def elements(draw: st.DrawFn, depth: int = 0) -> str:
    """An element with generated children, often left unclosed or closed wrongly."""
    tag = draw(st.sampled_from(TAGS))
    children = draw(
        st.lists(
            TEXT if depth > 4 else st.one_of(TEXT, elements(depth + 1)),
            max_size=6 if depth < 2 else 3,
        )
    )
    close = draw(st.sampled_from([f"</{tag}>", "", "</p>", f"</{tag}"]))
    return f"<{tag}{draw(ATTRIBUTES)}>{''.join(children)}{close}"


@st.composite
def pages(draw: st.DrawFn) -> str:
    """A whole page: a head (title, meta, JSON-LD that may be broken) and a body."""
    title = draw(TEXT)
    json_ld = draw(
        st.sampled_from(
            [
                "",
                '{"@type":"NewsArticle","headline":"H","articleBody":"Body text."}',
                '{"@type":"NewsArticle","articleBody":',
                '[{"@graph":[null,1,"x",{"@type":[]}]}]',
            ]
        )
    )
    head = f"<title>{title}</title>"
    if json_ld:
        head += f'<script type="application/ld+json">{json_ld}</script>'
    body = "".join(draw(st.lists(elements(), min_size=1, max_size=6)))
    return f"<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>"


def check_page(html: str) -> None:
    """The properties every page must have."""
    try:
        page = extract_page(html, URL)
    except ExtractionError as exc:
        reason = str(exc)
        page = None
    if page is None:
        assert reason  # says why
        return
    article = page.article
    digest = fingerprint(article)
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert fingerprint(extract_page(html, URL).article) == digest  # deterministic
    for paragraph in article.paragraphs:
        assert normalise_text(paragraph) == paragraph  # already normal: idempotent
    assert not diff_articles(article, article).kinds
    assert diff_articles(Article("", "", ()), article).kinds


@settings(max_examples=300, deadline=5000, suppress_health_check=[HealthCheck.too_slow])
@given(pages())
def test_generated_pages_give_an_article_or_a_reason_and_never_crash(html: str) -> None:
    check_page(html)


@settings(max_examples=300, deadline=2000)
@given(
    st.binary(max_size=4000),
    st.sampled_from(
        [
            "",
            "text/html",
            "text/html; charset=utf-8",
            "text/html; charset=x-nonsense",
            "text/html; charset=utf-16",
        ]
    ),
)
def test_any_bytes_decode_to_text(body: bytes, content_type: str) -> None:
    assert isinstance(decode_html(body, content_type), str)


@settings(max_examples=200, deadline=2000)
@given(
    st.lists(TEXT, max_size=8).map(tuple),
    st.lists(TEXT, max_size=8).map(tuple),
    TEXT,
    TEXT,
)
def test_any_two_texts_diff_and_hash(
    old: tuple[str, ...], new: tuple[str, ...], headline: str, byline: str
) -> None:
    a, b = Article(headline, byline, old), Article(headline, byline, new)
    diff = diff_articles(a, b)
    assert (old == new) <= (not diff.kinds)
    assert (fingerprint(a) == fingerprint(b)) <= (normalised(old) == normalised(new))


def normalised(paragraphs: tuple[str, ...]) -> list[str]:
    return [n for p in paragraphs if (n := normalise_text(p))]


ARTICLE = "<p>" + "Words of the story go on for a while here. " * 30 + "</p>"


@pytest.mark.parametrize(
    "html",
    [
        "<html><body>" + "<div>" * 10_000 + ARTICLE + "</div>" * 10_000 + "</body></html>",
        "<html><body>" + "<div><span>" * 10_000 + "text " * 100,
        "<table><tr><td>" * 3_000 + ARTICLE,
        "<html><body><p>" + "word" * 1_000_000 + "</p></body></html>",
        "<html><body><h1>Ti\x00tle</h1>" + ARTICLE.replace(" go ", " go\x00 ") + "</body></html>",
        '<html><head><meta charset="utf-16"></head><body>' + ARTICLE + "</body></html>",
        "<html><body>" + "<p>" + "&#0;&#xD800;" * 10_000 + "</p>" + ARTICLE + "</body></html>",
        "<" * 100_000,
        "\x00" * 100_000,
    ],
    ids=[
        "nesting-10000",
        "unclosed-10000",
        "tables-3000",
        "one-line-4MB",
        "nul-bytes",
        "lying-charset",
        "bad-entities",
        "angle-brackets",
        "only-nul",
    ],
)
def test_adversarial_pages_give_an_article_or_a_reason(html: str) -> None:
    check_page(html)
