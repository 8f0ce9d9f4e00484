"""Real clients of ``redline web``: HTTP with gzip and conditional requests, feedparser,
the newsboat feed reader and headless Chromium (the last two from Debian's packages,
installed by ``.ci/run``; skipped where they are missing)."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

import feedparser
import lxml.html
import pytest

from crawler.domain.identity import article_id
from tests.conftest import wait_for
from tests.recording import atom_problems, record, track
from tests.test_e2e import free_port

if TYPE_CHECKING:
    from collections.abc import Iterator

    from crawler.store.articles import ArticleStore

# Where screenshots are kept after the run.
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS", Path(__file__).parents[1] / ".artifacts"))
STORY = "https://daily.example/storm"


@pytest.fixture
def web(redis_url: str, store: ArticleStore, tmp_path: Path) -> Iterator[str]:
    """``redline web`` on a free port of 127.0.0.1, over the test Redis; its base URL."""
    track(store, STORY, source="daily")
    start = time.time() - 3 * 3600
    record(store, STORY, start, "Storm nears the coast", "Rain is coming tonight.", "Stay in.")
    record(store, STORY, start + 7200, "Storm hits the coast", "Rain is here now.", "Stay in.")
    port = free_port()
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "REDLINE_CONFIG": "",
        "REDLINE_STATE_DIR": str(tmp_path / "var"),
        "REDLINE_WEB_PORT": str(port),
    }
    log = (tmp_path / "web.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "scheduler.cli", "web"], env=env, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=5) as reply:
                return int(reply.status) == 200
        except (urllib.error.URLError, ConnectionError):
            return False

    try:
        wait_for(up, what="redline web")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, dict(reply.headers), reply.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_feeds_are_compressed_and_answer_conditional_requests(web: str) -> None:
    status, headers, body = get(f"{web}/feed.atom", **{"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    xml = gzip.decompress(body)
    assert atom_problems(xml) == []
    parsed = feedparser.parse(xml)
    assert parsed.bozo == 0
    assert parsed.entries[0].title == "Headline changed, 1 paragraph edited: Storm hits the coast"
    assert get(f"{web}/feed.atom", **{"If-None-Match": headers["ETag"]})[0] == 304
    since = headers["Last-Modified"]
    assert get(f"{web}/feed.atom", **{"If-Modified-Since": since})[0] == 304


@pytest.mark.skipif(shutil.which("newsboat") is None, reason="needs Debian's newsboat")
def test_newsboat_reads_the_entries(web: str, tmp_path: Path) -> None:
    urls = tmp_path / "urls"
    urls.write_text(f"{web}/feed.atom\n{web}/sources/daily/feed.atom\n")
    cache = tmp_path / "cache.db"
    config = tmp_path / "config"
    config.write_text("")
    done = subprocess.run(
        ["newsboat", "-u", str(urls), "-c", str(cache), "-C", str(config), "-x", "reload"],
        env={**os.environ, "HOME": str(tmp_path)},
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(cache) as db:
        feeds = db.execute("SELECT rssurl FROM rss_feed").fetchall()
        items = db.execute("SELECT feedurl, title, url FROM rss_item").fetchall()
    assert sorted(feeds) == [(f"{web}/feed.atom",), (f"{web}/sources/daily/feed.atom",)]
    # One entry, with one id in both feeds: newsboat keeps it once.
    ((feed, title, url),) = items
    assert feed in (f"{web}/feed.atom", f"{web}/sources/daily/feed.atom")
    assert title == "Headline changed, 1 paragraph edited: Storm hits the coast"
    assert url == STORY


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium")
def test_a_browser_shows_the_highlighted_words(web: str, tmp_path: Path) -> None:
    page = f"{web}/articles/{article_id(STORY)}"
    # lxml-stubs type the tree as an etree._Element; lxml.html gives an HtmlElement
    dom: lxml.html.HtmlElement = lxml.html.fromstring(chromium(tmp_path, "--dump-dom", page))
    assert [d.text_content() for d in dom.iter("del")] == ["nears", *["coming", "tonight"] * 2]
    assert [i.text_content() for i in dom.iter("ins")] == ["hits", *["here", "now"] * 2]
    (inline,) = dom.find_class("inline edited")  # the phone's column: both in one
    assert [e.text_content() for e in inline] == ["coming", "here", "tonight", "now"]
    assert "last changed" in dom.text_content()
    index: lxml.html.HtmlElement = lxml.html.fromstring(chromium(tmp_path, "--dump-dom", f"{web}/"))
    assert "Storm hits the coast" in index.text_content()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "article-page.png"
    shot.unlink(missing_ok=True)
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=412,900", page)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# Appended to a copy of a page: measures it as laid out and writes what it found into the
# DOM that --dump-dom prints. (redline's pages carry no script of their own.)
_MEASURE = """<script>
const shown = [...document.querySelectorAll("ins, del")].filter(e => e.getClientRects().length);
const found = {width: innerWidth, height: innerHeight, text: document.body.innerText,
  first: shown.length ? shown[0].getBoundingClientRect().bottom : null};
const out = document.createElement("pre"); out.id = "measured";
out.textContent = JSON.stringify(found); document.body.append(out);
</script>"""


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium")
@pytest.mark.parametrize(("width", "height"), [(390, 844), (1280, 800)])
def test_the_first_change_is_on_the_first_screen_and_a_phone_shows_each_paragraph_once(
    web: str, store: ArticleStore, tmp_path: Path, width: int, height: int
) -> None:
    url = "https://daily.example/council"
    track(store, url, source="daily")
    sentence = "The council met on Tuesday evening to discuss the budget for the coming year"
    body = [f"{sentence}, point {n}, and {n + 1} residents spoke at length." for n in range(12)]
    edited = [*body]
    edited[6] = edited[6].replace("Tuesday evening", "Wednesday morning")
    edited[9:10] = [edited[9], "A correction: the vote was postponed until next week."]
    start = time.time() - 3 * 3600
    record(store, url, start, "Council debates the budget late into the night", *body)
    record(store, url, start + 3600, "Council debates the budget late into the night", *edited)
    status, _, html = get(f"{web}/articles/{article_id(url)}")
    assert status == 200
    copy = tmp_path / "page.html"
    copy.write_text(html.decode().replace("</body>", f"{_MEASURE}</body>"))
    size = f"--window-size={width},{height}"
    dom: lxml.html.HtmlElement = lxml.html.fromstring(
        chromium(tmp_path, "--dump-dom", size, copy.as_uri())
    )
    found = json.loads(dom.get_element_by_id("measured").text_content())
    assert found["first"] is not None, "no change is shown"
    assert found["first"] <= found["height"], f"the first change is below the first screen: {found}"
    phone = width < 640
    assert (found["width"] <= 640) == phone, f"the window is not {width} px wide: {found}"
    if phone:  # one column
        repeated = [p for p in {*body, *edited} if found["text"].count(p) > 1]
        assert repeated == []
        assert "Wednesday" in found["text"], found["text"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"comparison-{width}.png"
    shot.unlink(missing_ok=True)
    chromium(tmp_path, f"--screenshot={shot}", size, f"{web}/articles/{article_id(url)}")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def chromium(profile: Path, *args: str) -> str:
    """Runs headless Chromium with a fresh profile and no background networking; returns
    what it printed."""
    done = subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile / 'chromium'}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout
