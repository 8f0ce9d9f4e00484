"""The newsroom's articles and their true edits: pure, deterministic functions of a seed.

Article ``i`` of a newsroom always has the same base text, and its edits happen at the same
offsets from the newsroom's start, so the ground truth can be recomputed anywhere (by the
server, by the scorer, in another process) from the seed and the settings alone.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from functools import lru_cache

_WORDS = [
    "council",
    "budget",
    "minister",
    "police",
    "hospital",
    "river",
    "school",
    "station",
    "market",
    "mayor",
    "harbour",
    "court",
    "report",
    "plan",
    "vote",
    "election",
    "weather",
    "storm",
    "bridge",
    "village",
    "museum",
    "library",
    "festival",
    "union",
    "workers",
    "contract",
    "airport",
    "runway",
    "housing",
    "rent",
    "tenants",
    "landlord",
    "energy",
    "prices",
    "inflation",
    "interest",
    "bank",
    "lender",
    "fishing",
    "season",
    "harvest",
    "farmers",
    "drought",
    "water",
    "supply",
    "pipeline",
    "repair",
    "crews",
    "overnight",
    "residents",
    "neighbours",
    "officials",
    "spokesperson",
    "statement",
    "investigation",
    "inquiry",
    "evidence",
    "witness",
    "judge",
    "jury",
    "verdict",
    "appeal",
    "sentence",
    "prison",
    "charity",
    "donation",
    "volunteers",
    "shelter",
    "winter",
    "summer",
    "coast",
    "island",
    "ferry",
    "timetable",
    "delays",
    "passengers",
    "commuters",
    "tram",
    "line",
    "extension",
    "funding",
    "approved",
    "rejected",
    "delayed",
    "announced",
    "confirmed",
    "denied",
    "expected",
    "estimated",
    "million",
    "thousand",
    "percent",
    "quarter",
    "year",
]
_NAMES = [
    "Ada Brennan",
    "Tomas Okafor",
    "Mei Lindqvist",
    "Rafael Duarte",
    "Ingrid Haas",
    "Samir Qureshi",
    "Lucia Ferraro",
    "Jonah Whitfield",
    "Noor Haddad",
    "Pieter de Vries",
    "Aoife Kerrigan",
    "Kenji Mori",
]
_PLACES = ("BRISTOL", "LEEDS", "CORK", "HALIFAX", "DUNDEE", "GALWAY", "EXETER", "YORK")

EDIT_KINDS = ("paragraph", "added", "removed", "headline", "correction")
"""What a true edit does: reword a paragraph, add one, cut one, rewrite the headline, or
append a correction."""


@dataclass(frozen=True)
class Story:
    """One version of an article's text.

    Attributes:
        index: The article's number in the newsroom.
        headline: Its headline.
        byline: Its author, as the page shows it ("By ...").
        paragraphs: Its body.
    """

    index: int
    headline: str
    byline: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class EditPlan:
    """Which articles get true edits, and when (offsets in seconds from the start).

    Attributes:
        share: The share of articles that are edited at all (0 to 1).
        edits: The most edits one article gets (each edited article gets 1 to this many).
        first: Seconds after the start before an article's first edit (at the earliest).
        spacing: Seconds between two edits of one article (at the least).
        spread: Edits fall at random within this many seconds after their earliest time.
    """

    share: float = 0.0
    edits: int = 2
    first: float = 60.0
    spacing: float = 120.0
    spread: float = 60.0


def _rng(seed: int, *parts: object) -> random.Random:
    return random.Random(f"{seed}:{':'.join(str(p) for p in parts)}")


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(_WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng, rng.randint(9, 22)) for _ in range(rng.randint(2, 4)))


def base_story(seed: int, index: int) -> Story:
    """Article ``index``'s first version."""
    rng = _rng(seed, "story", index)
    headline = _sentence(rng, rng.randint(6, 11)).rstrip(".")
    paragraphs = [_paragraph(rng) for _ in range(rng.randint(6, 12))]
    paragraphs[0] = f"{rng.choice(_PLACES)} — {paragraphs[0]}"
    return Story(index, headline, f"By {rng.choice(_NAMES)}", tuple(paragraphs))


def edit_times(seed: int, index: int, plan: EditPlan) -> tuple[float, ...]:
    """The offsets (seconds from the start) of article ``index``'s true edits, in order."""
    rng = _rng(seed, "edits", index)
    if plan.share <= 0 or rng.random() >= plan.share:
        return ()
    times: list[float] = []
    earliest = plan.first
    for _ in range(rng.randint(1, max(plan.edits, 1))):
        at = earliest + rng.random() * plan.spread
        times.append(round(at, 3))
        earliest = at + plan.spacing
    return tuple(times)


def edit_kind(seed: int, index: int, number: int) -> str:
    """What article ``index``'s edit ``number`` (1 for the first) does."""
    return _rng(seed, "kind", index, number).choice(EDIT_KINDS)


def revise(story: Story, seed: int, number: int) -> Story:
    """The version after edit ``number`` of ``story`` (a real change of its text)."""
    rng = _rng(seed, "revise", story.index, number)
    kind = edit_kind(seed, story.index, number)
    paragraphs = list(story.paragraphs)
    if kind == "headline":
        return replace(story, headline=f"{story.headline}: {_sentence(rng, 4).rstrip('.')}")
    if kind == "added":
        paragraphs.insert(rng.randint(1, len(paragraphs)), _paragraph(rng))
    elif kind == "removed" and len(paragraphs) > 3:
        del paragraphs[rng.randint(1, len(paragraphs) - 1)]
    elif kind == "correction":
        paragraphs.append(
            f"Correction: an earlier version of this article misstated the {rng.choice(_WORDS)}"
            f" figure. It was {rng.randint(2, 99)} {rng.choice(_WORDS)}, not"
            f" {rng.randint(100, 999)}."
        )
    else:  # a paragraph reworded (also the fallback for a cut of a short story)
        at = rng.randrange(len(paragraphs))
        words = paragraphs[at].split()
        for _ in range(rng.randint(2, 5)):
            words[rng.randrange(len(words))] = rng.choice(_WORDS)
        words.append(_sentence(rng, rng.randint(5, 9)))
        paragraphs[at] = " ".join(words)
    return replace(story, paragraphs=tuple(paragraphs))


@lru_cache(maxsize=65536)
def story_version(seed: int, index: int, number: int) -> Story:
    """Article ``index`` after its first ``number`` edits (0: the base story)."""
    if number <= 0:
        return base_story(seed, index)
    return revise(story_version(seed, index, number - 1), seed, number)
