"""An image of a change, for sharing: a PNG a phone shows whole, drawn without a browser.

The card holds the source and the time, the headline, what changed in the feed's words,
then the changed parts (at most :data:`MAX_PARTS`), with removed words struck through in
red and added ones marked in green; unchanged text between them is cut to a few words
around each change. It is drawn with Pillow and the font Pillow ships, so it renders the
same bytes for the same event wherever the same Pillow runs (no clock, no system font).
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw, ImageFont

from crawler.domain.diff import DELETE, EQUAL, INSERT
from crawler.web.feed import diff_parts, what_changed

if TYPE_CHECKING:
    from collections.abc import Sequence

    from crawler.domain.diff import Segment
    from crawler.store.articles import StoredEvent

WIDTH = 1080
"""The card's width in pixels (a phone's screen, at 3 pixels a point)."""
MAX_HEIGHT = 2400
MAX_PARTS = 6
# Unchanged words kept on each side of a change.
CONTEXT = 8
_MARGIN = 60
_Colour = tuple[int, int, int]
_INK, _GREY, _PAPER = (26, 26, 26), (110, 110, 110), (255, 255, 255)
_REMOVED, _ADDED, _ADDED_BACK = (190, 30, 30), (20, 110, 40), (214, 240, 218)


@dataclass(frozen=True)
class _Word:
    text: str
    op: str


def card(stored: StoredEvent) -> bytes:
    """The PNG of the change an event tells of."""
    event = stored.event
    small, body, large = _font(30), _font(36), _font(50)
    width = WIDTH - 2 * _MARGIN
    when = time.strftime("%d %b %Y %H:%M UTC", time.gmtime(event.detected_at)).lstrip("0")
    blocks: list[_Block] = []

    def add(words: list[_Word], font: ImageFont.FreeTypeFont, colour: _Colour, gap: int) -> None:
        blocks.append(_Block(_wrap(words, font, width), font, colour, gap))

    add(_plain(f"{event.source} · {when}"), small, _GREY, 24)
    add(_plain(event.headline or event.url), large, _INK, 28)
    add(_plain(what_changed(event)), body, _INK, 36)
    parts = diff_parts(event)
    for label, segments in parts[:MAX_PARTS]:
        add(_plain(label), small, _GREY, 8)
        add(_trimmed(segments), body, _INK, 32)
    if len(parts) > MAX_PARTS:
        add(_plain(f"… and {len(parts) - MAX_PARTS} more changes on redline"), small, _GREY, 32)
    add(_plain(f"redline · event {stored.event_id}"), small, _GREY, 0)
    height = _MARGIN * 2 + sum(len(b.lines) * _line_height(b.font) + b.gap for b in blocks)
    image = Image.new("RGB", (WIDTH, min(height, MAX_HEIGHT)), _PAPER)
    draw = ImageDraw.Draw(image)
    y = _MARGIN
    for block in blocks:
        for line in block.lines:
            _draw_line(draw, line, block.font, block.colour, (_MARGIN, y))
            y += _line_height(block.font)
        y += block.gap
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@dataclass(frozen=True)
class _Block:
    """Lines of words in one font and colour, and the space after them."""

    lines: list[list[_Word]]
    font: ImageFont.FreeTypeFont
    colour: _Colour
    gap: int


def _font(size: int) -> ImageFont.FreeTypeFont:
    """The font Pillow ships, at ``size`` pixels."""
    font = ImageFont.load_default(size=size)
    if not isinstance(font, ImageFont.FreeTypeFont):
        raise RuntimeError("this Pillow has no FreeType support: it cannot draw a card")
    return font


def _plain(text: str) -> list[_Word]:
    return [_Word(word, EQUAL) for word in text.split()]


def _trimmed(segments: Sequence[Segment]) -> list[_Word]:
    """The words of a part, unchanged runs cut to :data:`CONTEXT` words each side."""
    words = [_Word(word, s.op) for s in segments for word in s.text.split()]
    changed = [i for i, word in enumerate(words) if word.op != EQUAL]
    if not changed:
        return words
    keep = {j for i in changed for j in range(i - CONTEXT, i + CONTEXT + 1)}
    out: list[_Word] = []
    for i, word in enumerate(words):
        if i in keep:
            out.append(word)
        elif not out or out[-1].text != "…":
            out.append(_Word("…", EQUAL))
    return out


def _wrap(words: list[_Word], font: ImageFont.FreeTypeFont, width: int) -> list[list[_Word]]:
    lines: list[list[_Word]] = [[]]
    used = 0.0
    space = font.getlength(" ")
    for word in words:
        size = font.getlength(word.text)
        if lines[-1] and used + space + size > width:
            lines.append([])
            used = 0.0
        used += (space if lines[-1] else 0.0) + size
        lines[-1].append(word)
    return lines


def _line_height(font: ImageFont.FreeTypeFont) -> int:
    return int(font.size * 1.4)


def _draw_line(
    draw: ImageDraw.ImageDraw,
    line: list[_Word],
    font: ImageFont.FreeTypeFont,
    colour: _Colour,
    at: tuple[int, int],
) -> None:
    x, y = float(at[0]), at[1]
    space = font.getlength(" ")
    for word in line:
        size = font.getlength(word.text)
        if word.op == INSERT:
            draw.rectangle((x - 2, y, x + size + 2, y + font.size * 1.2), fill=_ADDED_BACK)
            draw.text((x, y), word.text, font=font, fill=_ADDED)
        elif word.op == DELETE:
            draw.text((x, y), word.text, font=font, fill=_REMOVED)
            middle = y + font.size * 0.65
            draw.line((x, middle, x + size, middle), fill=_REMOVED, width=3)
        else:
            draw.text((x, y), word.text, font=font, fill=colour)
        x += size + space
