"""Extraction on real news pages (../shared/data/aeb) and on the local test site."""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter

import pytest

from crawler.extract import ExtractionError, extract_page
from crawler.hashing import fingerprint
from crawler.normalize import normalise_text
from tests.conftest import SHARED_DATA
from tests.sites import render_page, sample_story

AEB = SHARED_DATA / "aeb"


def _words(text: str) -> Counter[str]:
    return Counter(re.findall(r"\w+", normalise_text(text).lower()))


def _f1(found: str, truth: str) -> float:
    got, want = _words(found), _words(truth)
    common = sum((got & want).values())
    if not common:
        return 0.0
    precision, recall = common / sum(got.values()), common / sum(want.values())
    return 2 * precision * recall / (precision + recall)


@pytest.mark.skipif(not AEB.exists(), reason="needs ../shared/data/aeb")
def test_real_pages_are_extracted_with_high_word_f1() -> None:
    truth = json.loads((AEB / "ground-truth.json").read_text())
    scores = []
    for page_id, expected in truth.items():
        html = gzip.decompress((AEB / "html" / f"{page_id}.html.gz").read_bytes())
        article = extract_page(html.decode("utf-8", "replace"), expected["url"]).article
        assert article.headline, page_id
        scores.append(_f1("\n".join(article.paragraphs), expected["articleBody"]))
    assert len(scores) == len(truth) >= 100
    assert sum(scores) / len(scores) >= 0.94
    assert sorted(scores)[len(scores) // 2] >= 0.97  # median page


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


def test_json_ld_article_body_is_used_when_the_page_shows_it() -> None:
    body = "The full text of the story as the publisher describes it. " * 8
    page = f"""<html><head><script type="application/ld+json">
    {
        json.dumps(
            {
                "@context": "https://schema.org",
                "@type": "NewsArticle",
                "headline": "Structured headline",
                "author": [{"name": "Ann Author"}],
                "articleBody": body,
            }
        )
    }</script></head>
    <body><article><h1>Visible headline</h1><p>{body}</p></article></body></html>"""
    article = extract_page(page).article
    assert article.headline == "Structured headline"
    assert article.byline == "Ann Author"
    assert article.paragraphs == (normalise_text(body),)


@pytest.mark.parametrize("page", ["", "   ", "<html><body></body></html>", "\x00\x00"])
def test_pages_without_an_article_raise_a_clear_error(page: str) -> None:
    with pytest.raises(ExtractionError, match=r"empty|no article"):
        extract_page(page)
