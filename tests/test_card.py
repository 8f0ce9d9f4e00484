"""The image of a change: drawn without a browser, the same bytes for the same event,
served by the web view and written by `redline card`."""

from __future__ import annotations

import dataclasses
import io
from typing import TYPE_CHECKING

from PIL import Image

from crawler.domain.diff import NO_DIFF, diff_articles
from crawler.domain.models import Article, ChangeEvent
from crawler.store.articles import StoredEvent
from crawler.store.stores import Stores
from crawler.web.app import WebApp
from crawler.web.card import WIDTH, card
from scheduler.cli import main
from tests.recording import record, track

if TYPE_CHECKING:
    from pathlib import Path

    import pytest

    from crawler.store.articles import ArticleStore
    from crawler.store.keys import Keys

OLD = Article("Sea wall breached", "", ("The wall gave way at dawn.", "Twelve homes flooded."))
NEW = Article(
    "Sea wall breached, homes flooded",
    "",
    ("The wall gave way at dawn.", "Fourteen homes flooded.", "Correction: it was Tuesday."),
)


def event() -> StoredEvent:
    changed = ChangeEvent(
        article_id="a1",
        url="https://news.example/a",
        source="herald",
        version=1,
        detected_at=1_765_000_000.0,
        headline=NEW.headline,
        diff=diff_articles(OLD, NEW),
        kinds=("headline", "body", "correction"),
        sequence=1,
    )
    return StoredEvent("1765000000000-0", changed)


def near(colour: tuple[int, int, int], pixels: list[tuple[int, int, int]]) -> int:
    return sum(all(abs(a - b) <= 8 for a, b in zip(p, colour, strict=True)) for p in pixels)


def test_a_card_is_a_phone_wide_png_marking_removed_and_added_words_the_same_each_time() -> None:
    drawn = card(event())
    assert drawn == card(event())
    image = Image.open(io.BytesIO(drawn))
    assert image.format == "PNG"
    assert image.width == WIDTH
    assert 600 < image.height < 2400
    raw = image.convert("RGB").tobytes()
    pixels = [(raw[i], raw[i + 1], raw[i + 2]) for i in range(0, len(raw), 3)]
    assert near((190, 30, 30), pixels) > 100  # words struck through
    assert near((214, 240, 218), pixels) > 1000  # added words' ground
    gone = dataclasses.replace(
        event().event, diff=NO_DIFF, kinds=("gone",), sequence=2, detail="the page answers 410"
    )
    assert Image.open(io.BytesIO(card(StoredEvent("2-0", gone)))).width == WIDTH


def test_the_web_view_serves_it_and_links_to_it_and_redline_card_writes_it(
    store: ArticleStore,
    keys: Keys,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    redis_url: str,
) -> None:
    (article,) = track(store, "https://news.example/a")
    record(store, "https://news.example/a", 10.0, OLD.headline, *OLD.paragraphs)
    record(store, "https://news.example/a", 20.0, NEW.headline, *NEW.paragraphs)
    (stored,) = store.recent_events(5)
    app = WebApp(Stores.of(store), "changes", 10)

    def get(path: str) -> tuple[str, dict[str, str], bytes]:
        got: list[object] = []
        body = b"".join(
            app(
                {"REQUEST_METHOD": "GET", "PATH_INFO": path},
                lambda status, headers: got.extend([status, dict(headers)]),
            )
        )
        return str(got[0]), dict(got[1]), body  # type: ignore[call-overload]

    status, headers, body = get(f"/events/{stored.event_id}/card.png")
    assert (status, headers["Content-Type"]) == ("200 OK", "image/png")
    assert body == card(stored)
    assert get("/events/1-0/card.png")[0] == "404 Not Found"
    page = get(f"/articles/{article}")[2].decode()
    assert f'href="/events/{stored.event_id}/card.png"' in page

    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("REDLINE_REDIS_PREFIX", keys.prefix)
    monkeypatch.setenv("REDLINE_CONFIG", "")
    out = tmp_path / "change.png"
    assert main(["card", stored.event_id, "--output", str(out)]) == 0
    assert out.read_bytes() == body
    assert f"wrote {out}" in capsys.readouterr().out
    assert main(["card", "12-0"]) == 1
    assert "no change event '12-0'" in capsys.readouterr().err
