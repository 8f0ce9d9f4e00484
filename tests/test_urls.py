from __future__ import annotations

from pathlib import Path

import pytest

from crawler.domain.identity import domain_of, normalise_url
from scheduler.tables import Source
from scheduler.urls import URLS_HEADER, append_urls, parse_urls, read_urls, source_for


def test_good_lines_load_and_bad_lines_are_reported_with_line_and_reason() -> None:
    text = "\n".join(
        [
            "# tracked articles",
            "https://www.nytimes.com/2026/a.html",
            "",
            "ftp://files.example.com/story",
            "not a url",
            "http://[::1",
            "HTTPS://WWW.NYTIMES.COM/2026/a.html#comments",
            "https://news.bbc.co.uk/1/hi/world.stm",
        ]
    )
    good, problems = parse_urls(text, "urls.txt")
    assert [(t.url, t.line) for t in good] == [
        ("https://www.nytimes.com/2026/a.html", 2),
        ("https://news.bbc.co.uk/1/hi/world.stm", 8),
    ]
    reasons = {p.line: p.reason for p in problems}
    assert set(reasons) == {4, 5, 6, 7}
    assert "only http and https" in reasons[4]
    assert "spaces" in reasons[5]
    assert "unparsable" in reasons[6]
    assert reasons[7] == "duplicate of line 2"
    assert str(problems[0]).startswith("urls.txt:4: only http and https")


def test_invalid_utf8_is_reported_on_its_line(tmp_path: Path) -> None:
    path = tmp_path / "urls.txt"
    path.write_bytes(b"https://ok.example/a\nhttps://bad.example/\xff\xfe\n")
    good, problems = read_urls(path)
    assert [t.url for t in good] == ["https://ok.example/a"]
    assert [(p.line, p.reason) for p in problems] == [(2, "not valid UTF-8")]


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("HTTP://Example.COM", "http://example.com/"),
        ("https://example.com:443/a?b=1#frag", "https://example.com/a?b=1"),
        ("http://example.com:8080/x", "http://example.com:8080/x"),
        ("https://example.com/a?utm_source=rss&utm_medium=feed", "https://example.com/a"),
        ("https://example.com/a?id=7&fbclid=xyz&gclid=1", "https://example.com/a?id=7"),
        ("https://example.com/a?page=2&ref_src=x", "https://example.com/a?page=2&ref_src=x"),
    ],
)
def test_urls_are_normalised(raw: str, normal: str) -> None:
    assert normalise_url(raw) == normal


@pytest.mark.parametrize(
    ("url", "source"),
    [
        ("https://www.nytimes.com/x", "nytimes"),
        ("https://news.bbc.co.uk/x", "bbc"),
        ("https://edition.cnn.com/x", "cnn"),
        ("https://theguardian.com/x", "theguardian"),
        ("https://www.abc.net.au/news/x", "abc"),
        ("http://127.0.0.1:8000/x", "127.0.0.1"),
        ("http://[::1]:8000/x", "--1"),
        ("https://www.interieur.gouv.fr/x", "interieur"),
    ],
)
def test_a_source_is_named_after_its_site(url: str, source: str) -> None:
    assert source_for(url) == source


@pytest.mark.parametrize(
    ("url", "domain"),
    [
        ("https://www.ign.com/articles/x", "ign.com"),
        ("https://R.ZDBB.NET/u/bdjr", "zdbb.net"),
        ("http://news.bbc.co.uk/1/hi/world.stm", "bbc.co.uk"),
        ("https://www.abc.net.au./news/x", "abc.net.au"),
        ("http://127.0.0.1:8000/x", "127.0.0.1"),
        ("http://localhost/x", "localhost"),
        ("https://sponsor3.example/offer", "sponsor3.example"),
        ("/relative/path", ""),
    ],
)
def test_a_url_belongs_to_its_registrable_domain(url: str, domain: str) -> None:
    assert domain_of(url) == domain


def test_source_rules_win_for_their_domains() -> None:
    rules = [Source("guardian", ("theguardian.com",))]
    assert source_for("https://www.theguardian.com/world/x", rules) == "guardian"
    assert source_for("https://www.nytimes.com/x", rules) == "nytimes"


def test_add_appends_valid_new_urls_and_refuses_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "urls.txt"
    path.write_text("# mine\nhttps://a.example/1")  # no trailing newline
    added, refused = append_urls(
        path, ["https://b.example/2", "https://A.example/1", "gopher://x", "https://b.example/2"]
    )
    assert added == ["https://b.example/2"]
    assert len(refused) == 3
    assert "already tracked" in refused[0]
    assert "only http and https" in refused[1]
    good, problems = read_urls(path)
    assert [t.url for t in good] == ["https://a.example/1", "https://b.example/2"]
    assert problems == []


def test_add_creates_the_file_saying_what_it_is_and_suggests_a_scheme(tmp_path: Path) -> None:
    path = tmp_path / "config" / "urls.txt"
    added, refused = append_urls(path, ["https://a.example/1", "www.example.com/story"])
    assert added == ["https://a.example/1"]
    assert refused == [
        "www.example.com/story: only http and https URLs can be tracked, not a relative URL;"
        " did you mean https://www.example.com/story?"
    ]
    assert path.read_text() == URLS_HEADER + "https://a.example/1\n"
    example = Path(__file__).resolve().parents[1] / "config" / "urls.example.txt"
    assert URLS_HEADER in example.read_text()
