"""The newsroom's articles and their true edits: pure, deterministic functions of a seed.

Article ``i`` of a newsroom always has the same base text, and its edits happen at the same
offsets from the newsroom's start, so the ground truth can be recomputed anywhere (by the
server, by the scorer, in another process) from the seed and the settings alone.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

_BODIES = (
    "the city council",
    "the harbour authority",
    "the county health board",
    "the regional transport agency",
    "the education department",
    "the water company",
    "the housing association",
    "the fire service",
    "the port commission",
    "the parks trust",
)
_PROJECTS = (
    "new tram line",
    "harbour wall repairs",
    "flood defences along the river",
    "library refurbishment",
    "extension to the secondary school",
    "new bridge over the estuary",
    "redevelopment of the old market",
    "upgrade of the water mains",
    "plan for 400 new homes",
    "closure of the night bus routes",
    "new maternity ward",
    "cycle lanes on the ring road",
)
_DISTRICTS = (
    "the eastern district",
    "the old town",
    "the harbour quarter",
    "Northfield",
    "the river valley",
    "St Anne's ward",
    "the industrial estate",
    "Westgate",
    "the university quarter",
    "Millbrook",
)
_PEOPLE = (
    "the deputy mayor",
    "a local shopkeeper",
    "the leader of the opposition group",
    "a retired engineer",
    "the chair of the residents' association",
    "a union representative",
    "a teacher at the primary school",
    "the owner of a café on the high street",
    "a nurse who works night shifts",
)
_QUOTES = (
    "We have waited long enough for this",
    "Nobody asked the people who actually live here",
    "The figures simply do not add up",
    "This is the best news the area has had in years",
    "We will be watching every step of the work",
    "It is a question of fairness",
    "The money has to come from somewhere",
    "Families here deserve better",
    "I want to see it finished before my children leave school",
    "Nobody has explained what happens if it goes wrong",
)
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_SENTENCES = (
    "{Body} said on {day} that the {project} would cost an estimated {n} million pounds.",
    "Work on the {project} is expected to begin in {month} and to last {k} months.",
    "The decision follows {k} months of consultation with residents of {district}.",
    '"{quote}," said {person}, who has lived in {district} for {years} years.',
    '{Person} said the timetable was "ambitious but achievable".',
    "Critics say the {project} has already run {p} percent over budget.",
    "A report published in {month} found that {many} households in {district} would be affected.",
    "Opponents have collected more than {many} signatures on a petition against the plan.",
    "{Body} has promised to publish the full figures before the end of {month}.",
    "Councillors voted {votes} in favour of the {project} on {day} evening.",
    "Traffic in {district} is expected to be disrupted while the work goes on.",
    "It is the {nth} time in {years} years that the {project} has been delayed.",
    "Officials declined to say whether the cost of the {project} would rise further.",
    "The money will come partly from a national fund and partly from local taxes.",
    "Residents of {district} can comment on the plans at a public meeting in {month}.",
    '{Person} said {body} had "listened carefully" to the concerns raised in {district}.',
    "An independent review of the {project} is due to report in {month}.",
    "Shops in {district} say trade fell by {p} percent during the last round of works.",
)
_HEADLINES = (
    "{Body} approves £{n}m plan for the {project}",
    "Residents of {district} protest over the {project}",
    "Questions over the cost of the {project} as {body} votes",
    "The {project} delayed until {month}",
    "{Body} defends the {project} after a {p} percent overspend",
    "Petition against the {project} passes {many} signatures",
)
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


@dataclass(frozen=True)
class _Topic:
    """What one article is about: who decides, on what, and where."""

    body: str
    project: str
    district: str

    @classmethod
    def of(cls, seed: int, index: int) -> _Topic:
        rng = _rng(seed, "topic", index)
        return cls(rng.choice(_BODIES), rng.choice(_PROJECTS), rng.choice(_DISTRICTS))

    def fill(self, rng: random.Random, template: str) -> str:
        """``template`` with this topic's words and fresh figures, names and times."""
        person = rng.choice(_PEOPLE)
        ayes = rng.randint(12, 40)
        words = {
            "body": self.body,
            "project": self.project,
            "district": self.district,
            "person": person,
            "quote": rng.choice(_QUOTES),
            "day": rng.choice(_DAYS),
            "month": rng.choice(_MONTHS),
            "n": rng.randint(3, 480),
            "k": rng.randint(2, 30),
            "p": rng.randint(4, 60),
            "years": rng.randint(3, 45),
            "many": f"{rng.randint(1, 40) * 250:,}",
            "votes": f"{ayes} to {rng.randint(1, ayes - 1)}",
            "nth": rng.choice(("second", "third", "fourth", "fifth")),
        }
        words |= {"Body": _capital(self.body), "Person": _capital(person)}
        return _capital(template.format(**words))


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _sentence(rng: random.Random, topic: _Topic) -> str:
    return topic.fill(rng, rng.choice(_SENTENCES))


def _paragraph(rng: random.Random, topic: _Topic, deck: Iterator[str] | None = None) -> str:
    """Two to four sentences; from ``deck`` if given (so that an article does not say the
    same thing twice before it has said everything once)."""
    templates = deck or iter(rng.sample(_SENTENCES, 4))
    return " ".join(topic.fill(rng, next(templates)) for _ in range(rng.randint(2, 4)))


def _deck(rng: random.Random) -> Iterator[str]:
    """The sentence templates, shuffled, dealt again and again."""
    while True:
        yield from rng.sample(_SENTENCES, len(_SENTENCES))


def base_story(seed: int, index: int) -> Story:
    """Article ``index``'s first version: news prose about one topic."""
    rng = _rng(seed, "story", index)
    topic = _Topic.of(seed, index)
    headline = topic.fill(rng, rng.choice(_HEADLINES))
    deck = _deck(rng)
    paragraphs = [_paragraph(rng, topic, deck) for _ in range(rng.randint(6, 12))]
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
    topic = _Topic.of(seed, story.index)
    kind = edit_kind(seed, story.index, number)
    paragraphs = list(story.paragraphs)
    if kind == "headline":
        headline = story.headline
        while headline == story.headline:
            headline = topic.fill(rng, rng.choice(_HEADLINES))
        return replace(story, headline=headline)
    if kind == "added":
        paragraphs.insert(rng.randint(1, len(paragraphs)), _paragraph(rng, topic))
    elif kind == "removed" and len(paragraphs) > 3:
        del paragraphs[rng.randint(1, len(paragraphs) - 1)]
    elif kind == "correction":
        paragraphs.append(
            f"Correction: an earlier version of this article misstated the cost of the"
            f" {topic.project}. It is {rng.randint(2, 99)} million pounds, not"
            f" {rng.randint(100, 999)} million."
        )
    else:  # a paragraph updated (also the fallback for a cut of a short story)
        at = rng.randrange(len(paragraphs))
        figures = _FIGURE.findall(paragraphs[at])
        text = paragraphs[at]
        if figures:  # a figure revised
            old = rng.choice(figures)
            text = text.replace(old, str(int(old.replace(",", "")) + rng.randint(1, 9)), 1)
        paragraphs[at] = f"{text} {_sentence(rng, topic)}"
    return replace(story, paragraphs=tuple(paragraphs))


_FIGURE = re.compile(r"\b\d[\d,]*\b")


@lru_cache(maxsize=65536)
def story_version(seed: int, index: int, number: int) -> Story:
    """Article ``index`` after its first ``number`` edits (0: the base story)."""
    if number <= 0:
        return base_story(seed, index)
    return revise(story_version(seed, index, number - 1), seed, number)
