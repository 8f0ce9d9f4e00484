"""Text normalisation: the same words always give the same string.

Applied to every piece of extracted text before it is stored, hashed or diffed, so that
Unicode forms, typographic quotes and dashes, invisible characters and whitespace never
look like an edit.
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher

# Characters that render as nothing: zero-width spaces and joiners, word joiner, soft
# hyphen, byte-order mark, bidirectional marks and other format controls.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]"
)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# A run of digits: what :func:`masked` leaves out of a text.
_NUMBER = re.compile(r"\d+")
_TYPOGRAPHY = str.maketrans(
    {
        "\u2018": "'",  # left single quote
        "\u2019": "'",  # right single quote / apostrophe
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",  # prime
        "\u00b4": "'",  # acute accent used as apostrophe
        "\u0060": "'",  # grave accent used as apostrophe
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',  # guillemets
        "\u00bb": '"',
        "\u2010": "-",  # hyphen
        "\u2011": "-",  # non-breaking hyphen
        "\u2012": "-",  # figure dash
        "\u2013": "-",  # en dash
        "\u2014": "-",  # em dash
        "\u2015": "-",  # horizontal bar
        "\u2212": "-",  # minus sign
    }
)


def normalise_text(text: str) -> str:
    """Returns ``text`` in redline's canonical form.

    NFKC-normalised (which also folds compatibility forms such as no-break spaces and
    ligatures), invisible and control characters removed, typographic quotes and dashes
    folded to ASCII, runs of whitespace collapsed to one space, ends stripped.
    """
    text = unicodedata.normalize("NFKC", text)
    text = _CONTROL.sub(" ", text)
    if text.isascii():  # the other forms are all outside ASCII but the grave accent
        text = text.replace("`", "'")
    else:
        text = _INVISIBLE.sub("", text).translate(_TYPOGRAPHY)
    # str.split() splits on exactly the characters ``\s`` matches, in a fraction of the time.
    return " ".join(text.split())


def masked(text: str) -> str:
    """``text`` whatever its numbers and case: the same for "Updated 5 minutes ago" and
    "updated 17 minutes ago"."""
    return _NUMBER.sub("#", " ".join(text.lower().split()))


def likeness(a: str, b: str) -> float:
    """How alike two texts are, word by word (0 to 1)."""
    return SequenceMatcher(None, a.split(), b.split(), autojunk=False).ratio()
