"""The typical article the memory figures are made of: generated text, its edits, its page.

The text is generated from a fixed seed (the same on every run), about 800 words in 12 paragraphs of
local news prose: sentence templates filled with random picks from word lists, grammatical but not
meaningful. Its vocabulary is smaller than a real article's, so it compresses somewhat better than
real news text does (zstd: about 2.4:1 against 2.1:1); :mod:`bench.redis.compression` therefore
measures real articles too. The page is an ordinary news page around the text (navigation, a "most
read" list, an advertisement, a footer), so the article goes through
:func:`crawler.extraction.extract.extract_page` as a fetched page would.
"""

from __future__ import annotations

import html
import random
import re
from dataclasses import replace
from typing import TYPE_CHECKING

from crawler.domain.models import Article

if TYPE_CHECKING:
    from collections.abc import Iterable

# The article's size: words in all, paragraphs.
WORDS = 800
PARAGRAPHS = 12
# The seed of the generated text.
SEED = 20240514
# The word the edits change.
_THE = re.compile(r"\bthe\b")


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_ADJECTIVES = _words(
    "cautious costly ambitious controversial delayed modest urgent temporary permanent "
    "expensive cheaper larger smaller coastal northern southern eastern western local "
    "regional national independent detailed confidential revised final preliminary "
    "unexpected familiar difficult reluctant angry hopeful sceptical frustrated determined "
    "elderly younger wealthier poorer busy quiet crowded flooded damaged historic modern "
    "wooden concrete narrow wide public private bitter lengthy brief fragile robust generous "
    "vague precise routine unusual rival neighbouring former current annual monthly weekly "
    "overdue unfinished ageing rising falling steep gradual sudden"
)
_GROUPS = _words(
    "council board engineers residents campaigners contractors officials inspectors auditors "
    "landlords tenants shopkeepers fishermen commuters teachers parents students nurses "
    "drivers volunteers architects surveyors lawyers ministers councillors planners "
    "economists developers investors farmers trustees governors cyclists pensioners "
    "homeowners builders electricians plumbers dockworkers lifeguards wardens magistrates "
    "journalists historians geologists ecologists firefighters paramedics"
)
_PAPERS = _words(
    "proposal budget report survey plan contract grant loan tender review inquiry petition "
    "design timetable estimate forecast assessment consultation agreement deadline decision "
    "motion amendment scheme strategy warning complaint appeal licence permit audit study "
    "ballot levy subsidy tariff bond lease mortgage settlement claim ruling verdict memo "
    "briefing"
)
_PLACES = (
    "sea wall",
    "flood barrier",
    "bus depot",
    "footbridge",
    "library",
    "swimming pool",
    "tram line",
    "sewer network",
    "harbour crane",
    "marina",
    "car park",
    "ring road",
    "cycle lane",
    "sports hall",
    "fish market",
    "lighthouse",
    "ferry pier",
    "water tower",
    "tunnel",
    "primary school",
    "hospital wing",
    "clinic",
    "playground",
    "allotments",
    "cemetery",
    "roundabout",
)
_VERBS = _words(
    "rejected approved delayed questioned revised welcomed criticised examined postponed "
    "endorsed challenged published withdrew defended doubled halved signed leaked ignored "
    "disputed extended cancelled reopened submitted blocked praised condemned funded audited "
    "redrafted shelved accelerated overturned backed resisted"
)
_TOWNS = _words(
    "Millbrook Riverside Castlegate Kingsmead Ashford Thornbury Westcliff Eastgate "
    "Harbourside Northwick Stonebridge Elmstead Oakhurst Fairhaven Lowtown Hillcrest "
    "Marshfield Brookvale Seabrook Redhill Ferndale Gorsey Sandholm Wickham Pennard Caldbeck "
    "Ormsby Tilsworth Hatherleigh Brackley"
)
_FIRST_NAMES = _words(
    "Maria Anne David Sarah James Priya Tomasz Aisha Robert Elena Kwame Laura Hiroshi Fatima "
    "Daniel Ingrid Carlos Mei Samuel Olivia Rahul Grace Mehmet Claire Ibrahim Nora Peter "
    "Lucia Ahmed Sophie Gareth Bronwen Niamh Oskar Yusuf Hannah"
)
_SURNAMES = _words(
    "Okafor Lindqvist Harrington Mendes Kowalski Nakamura Brennan Castillo Whitfield Haddad "
    "Osei Delacroix Petrov Abernathy Sandoval Fitzgerald Yilmaz Romero Achterberg Mwangi "
    "Gallagher Novak Thornton Bianchi Pryce Llewellyn Dubois Varga Szabo Quinn Moreau"
)
_ADVERBS = _words(
    "quietly publicly narrowly unanimously reluctantly abruptly formally eventually again "
    "already finally repeatedly privately openly briefly"
)
_DAYS = _words("Monday Tuesday Wednesday Thursday Friday Saturday Sunday")
_MONTHS = _words(
    "January February March April May June July August September October November December"
)
_SAID = _words("said added argued warned insisted admitted claimed noted explained conceded")
_WILL = _words("accept oppose discuss fund support delay")

_VOCABULARY = {
    "adjective": _ADJECTIVES,
    "group": _GROUPS,
    "paper": _PAPERS,
    "place": _PLACES,
    "verb": _VERBS,
    "town": _TOWNS,
    "adverb": _ADVERBS,
    "day": _DAYS,
    "month": _MONTHS,
    "said": _SAID,
    "will": _WILL,
}
# Placeholders filled with a number, from this range.
_NUMBERS = {
    "number": (2, 950),
    "digit": (1, 9),
    "age": (24, 81),
    "date": (1, 28),
    "past": (1960, 2024),
    "future": (2025, 2031),
}
_TEMPLATES = (
    "The {adjective} {group} in {town} {adverb} {verb} the {adjective} {paper} for the "
    "{place} on {day}.",
    "{person}, who represents {town}, {said} the {paper} was {adjective} and {adjective}.",
    '"The {group} here have waited {number} days for a {adjective} {paper}," {said} {person}.',
    "About {number} {group} {verb} a {paper} on the {place} near {town} in {month}.",
    "According to the {paper}, {number} homes in {town} and {town} could lose their {place} "
    "by {month} {future}.",
    "The {place} will cost {number}.{digit} million pounds, {number} more than the {paper} "
    "{verb} in {past}.",
    "{person} and {person} {verb} the {paper} after {group} from {town} {verb} it.",
    "It is not clear whether the {group} will {will} the {adjective} {paper} before {day}.",
    "{person}, {age}, has lived beside the {place} in {town} since {past}.",
    '"We were promised a {adjective} {place} and got a {adjective} {paper} instead," {said} '
    "{person} of {town}.",
    "A spokesperson for the {group} {said} that {number} {paper}s had been {verb} since {month}.",
    "The {paper} on the {place} is due to be {verb} at a meeting in {town} on {date} {month}.",
)
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def typical_article(seed: int = SEED) -> Article:
    """The typical article: about :data:`WORDS` words in :data:`PARAGRAPHS` paragraphs
    (another ``seed`` gives another article of the same kind)."""
    rng = random.Random(seed)
    paragraphs: list[str] = []
    for index in range(PARAGRAPHS):
        sentences: list[str] = []
        goal = WORDS * (index + 1) // PARAGRAPHS - words(paragraphs)
        while words(sentences) < goal - 8:
            sentences.append(_sentence(rng))
        paragraphs.append(" ".join(sentences))
    return Article(
        headline="City council votes to rebuild the harbour sea wall after a decade of debate",
        byline="Jane Okafor and Tomasz Lindqvist",
        paragraphs=tuple(paragraphs),
    )


def words(paragraphs: Iterable[str]) -> int:
    """Words in ``paragraphs``."""
    return sum(len(p.split()) for p in paragraphs)


def edited(article: Article, step: int) -> Article:
    """The article after ``step`` rounds of small edits (0: as first published).

    Each round, as a newsroom updates a developing story, changes a word in one paragraph
    and adds a sentence to another; the second round also adds to the headline.
    """
    paragraphs = list(article.paragraphs)
    headline = article.headline
    for round_ in range(1, step + 1):
        fixed = (3 * round_) % len(paragraphs)
        paragraphs[fixed] = _THE.sub("this", paragraphs[fixed], count=1)
        grown = (7 * round_ + 1) % len(paragraphs)
        paragraphs[grown] += (
            f" Update {round_}: officials confirmed on Wednesday that the figures quoted"
            " earlier had been revised."
        )
        if round_ == 2:
            headline += ", officials say"
    return replace(article, headline=headline, paragraphs=tuple(paragraphs))


def render_page(article: Article, url: str) -> str:
    """The article's page as its site serves it: the text inside a news page's furniture,
    with a ``rel=canonical`` link to ``url``."""
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in article.paragraphs)
    teasers = "".join(
        f'<li><a href="/news/{n}">{html.escape(place.capitalize())} plans {verb}</a></li>'
        for n, (place, verb) in enumerate(zip(_PLACES[:5], _VERBS, strict=False))
    )
    title = html.escape(article.headline)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{title} | The Harbour Ledger</title>
<link rel="canonical" href="{html.escape(url)}">
<meta property="og:title" content="{title}">
<meta name="author" content="{html.escape(article.byline)}">
</head><body>
<header><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a>
<a href="/opinion">Opinion</a></nav></header>
<main><article>
<h1>{title}</h1>
<p class="byline">By {html.escape(article.byline)}</p>
{body}
</article>
<aside><h2>Most read</h2><ol>{teasers}</ol>
<div class="ad">Advertisement: subscribe today and save 40%</div></aside>
</main>
<footer><p>&copy; The Harbour Ledger. All rights reserved.</p></footer>
</body></html>"""


def _sentence(rng: random.Random) -> str:
    """One sentence of the generated prose: a template with every placeholder filled by
    its own random pick."""

    def fill(match: re.Match[str]) -> str:
        name = match[1]
        if name in _NUMBERS:
            return str(rng.randint(*_NUMBERS[name]))
        if name == "person":
            return f"{rng.choice(_FIRST_NAMES)} {rng.choice(_SURNAMES)}"
        return rng.choice(_VOCABULARY[name])

    return _PLACEHOLDER.sub(fill, rng.choice(_TEMPLATES))
