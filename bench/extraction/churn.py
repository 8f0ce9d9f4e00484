"""Churn: changes a page goes through between two fetches while its article stays the same.

Each mutation edits a parsed page in place, touches nothing a reader sees as the article
(text inside the region stays as it is; only elements are added between its paragraphs,
and markup attributes change), and returns a one-line description of what it did ("" when
the page gave it nothing to change).
"""

from __future__ import annotations

import re
import string
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

import lxml.html

from bench.extraction.fillers import AD_COPY, HEADLINES, LINK_LABELS
from bench.extraction.region import (
    GAP_TAGS,
    body_of,
    in_phrasing,
    iter_elements,
    normalise,
    text_slots,
    visible_text,
)

if TYPE_CHECKING:
    import random
    from collections.abc import Callable

    from lxml.html import HtmlElement

    from bench.extraction.region import Region, Slot

    Mutation = Callable[[HtmlElement, Region, random.Random], str]

_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip


def _month_pattern() -> str:
    forms = {f for m in _MONTHS for f in (m, m[:3], m.upper(), m[:3].upper())} | {"Sept", "SEPT"}
    return "(?:" + "|".join(sorted(forms, key=len, reverse=True)) + ")"


_MONTH = _month_pattern()
# Dates and times as pages print them; one pass, so nothing is shifted twice.
_DATES = re.compile(
    r"(?P<iso>\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?)"
    rf"|(?P<mdy>\b(?P<m1>{_MONTH})\.?\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<y1>\d{{4}}))?\b)"
    rf"|(?P<dmy>\b(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<m2>{_MONTH})\.?(?:,?\s+(?P<y2>\d{{4}}))?\b)"
    r"|(?P<slash>\b\d{1,2}/\d{1,2}/(?:\d{4}|\d{2})\b)"
    r"|(?P<clock>\b\d{1,2}:\d{2}(?::\d{2})?(?:\s*(?i:[ap]\.?m\b\.?))?)"
    r"|(?P<ago>\b(?P<n>\d+|(?i:an?|one))\s+(?P<unit>(?i:sec(?:ond)?s?|min(?:ute)?s?|hours?|hrs?"
    r"|days?|weeks?|months?|years?))\s+(?i:ago)\b)"
)
_ISO_PART = re.compile(r"(\d{4}-\d{2}-\d{2})(?:([T ])(\d{2}):(\d{2})(:\d{2}(?:\.\d+)?)?)?(.*)")
# Words in the name of a ``<meta>`` element that holds a date.
_DATE_META = ("date", "time", "modified", "published", "updated")
# Numbers that count something: comments, shares, views, reading time.
_COUNTER = re.compile(
    r"(?P<num>\d[\d,]*(?:\.\d+)?)(?P<suffix>[kKmM]?)(?P<gap>\s*)(?P<word>(?i:comments?|repl(?:y|ies)"
    r"|shares?|views?|likes?|reactions?|retweets?|followers?|votes?|responses?|reads?"
    r"|min(?:ute)?s?\.?\s+read))\b"
    r"|(?P<word2>(?i:comments?|replies|shares?|views?|likes?))(?P<gap2>\s*)\((?P<num2>\d[\d,]*)\)"
)
_BARE_NUMBER = re.compile(r"(\s*)(\d[\d,]*(?:\.\d+)?)([kKmM]?\s*)")
# A bare number that is a year counts nothing.
_YEAR = re.compile(r"(?:19|20)\d\d")
# Alphanumeric runs with a digit in them: the generated part of ids and class names.
_GENERATED = re.compile(r"(?<![A-Za-z0-9])(?=[A-Za-z]*\d)[A-Za-z0-9]+(?![A-Za-z0-9])")
# Containers of link lists, and how many items with links make one a list.
_LIST_TAGS = ("ul", "ol", "div")
_MIN_LIST_ITEMS = 3
# A link text of at least this many words is a headline that a site may swap for another.
_HEADLINE_WORDS = 4


def shift_dates(tree: HtmlElement, region: Region, rng: random.Random) -> str:
    """Rewrites dates and times outside the article, in text and in time/meta attributes.

    Text such as "Nov. 3, 2019", "2019-11-03", "10:42 AM" and "3 hours ago" is shifted by
    one random interval per page, keeping its format; so are ``datetime`` attributes of
    ``<time>`` elements and the ``content`` of ``<meta>`` elements named for a date
    ("article:published_time", "dateModified", …).
    """
    delta = timedelta(days=rng.randint(1, 400), minutes=rng.randint(1, 24 * 60 - 1))
    bump = rng.randint(1, 9)

    def shift(match: re.Match[str]) -> str:
        return _shift_date(match, delta, bump)

    changed = _rewrite_outside(tree, region, _DATES, shift)
    attributes = 0
    for element in iter_elements(tree):
        if region.contains(element):
            continue
        name = " ".join(element.get(a, "") for a in ("name", "property", "itemprop")).lower()
        if element.tag == "time":
            attribute = "datetime"
        elif element.tag == "meta" and any(word in name for word in _DATE_META):
            attribute = "content"
        else:
            continue
        value = element.get(attribute)
        if value and (new := _DATES.sub(shift, value)) != value:
            element.set(attribute, new)
            attributes += 1
    if not changed and not attributes:
        return ""
    return (
        f"{changed} dates/times in text and {attributes} time/meta attributes outside the "
        f"article shifted by {delta}"
    )


def bump_counters(tree: HtmlElement, region: Region, rng: random.Random) -> str:
    """Changes counts outside the article: "1,234 comments", "5 min read", share badges.

    Numbers followed (or preceded, "Comments (12)") by a counting word change, and so do
    text runs that are a bare number other than a year (the badges of share and comment
    buttons).
    """

    def counter(match: re.Match[str]) -> str:
        if match["word2"]:
            return f"{match['word2']}{match['gap2']}({_bump(match['num2'], rng)})"
        return f"{_bump(match['num'], rng)}{match['suffix']}{match['gap']}{match['word']}"

    changed = _rewrite_outside(tree, region, _COUNTER, counter)
    for slot in _outside_slots(tree, region):
        bare = _BARE_NUMBER.fullmatch(slot.value)
        if bare and not _YEAR.fullmatch(bare[2]):
            slot.replace(f"{bare[1]}{_bump(bare[2], rng)}{bare[3]}")
            changed += 1
    return f"{changed} counters outside the article changed" if changed else ""


def reorder_links(tree: HtmlElement, region: Region, rng: random.Random) -> str:
    """Shuffles link lists outside the article and swaps some link texts for other headlines.

    A link list is a ``ul``, ``ol`` or ``div`` (outside the region, not holding it) with
    at least three children that hold links; its children are put in a new order. About a
    third of the links outside the article with headline-like text get another headline
    (not links that name the article itself, as its ``<title>`` or an ``<h1>`` does).
    """
    top = body_of(tree)
    holding = set(region.element.iterancestors())
    lists = 0
    for container in list(iter_elements(top)):
        if container.tag not in _LIST_TAGS or container in holding or region.contains(container):
            continue
        children = list(container)
        items = [i for i, child in enumerate(children) if _has_link(child)]
        if len(items) < _MIN_LIST_ITEMS:
            continue
        moved = [children[i] for i in items]
        order = moved[:]
        rng.shuffle(order)
        if order == moved:
            order = order[1:] + order[:1]
        for i, child in zip(items, order, strict=True):
            children[i] = child
        container[:] = children
        lists += 1
    own = _own_titles(tree)
    candidates = []
    for link in top.iter("a"):
        if region.contains(link) or normalise(visible_text(link)) in own:
            continue
        slots = [s for s in text_slots(link) if len(s.value.split()) >= _HEADLINE_WORDS]
        if slots:
            candidates.append(max(slots, key=lambda s: len(s.value)))
    chosen = rng.sample(candidates, max(1, len(candidates) // 3)) if candidates else []
    for slot in chosen:
        old = slot.value
        new = rng.choice([h for h in HEADLINES if h != old.strip()])
        slot.replace(old[: len(old) - len(old.lstrip())] + new + old[len(old.rstrip()) :])
    if not lists and not chosen:
        return ""
    return f"{lists} link lists shuffled and {len(chosen)} link texts replaced outside the article"


def churn_scripts(tree: HtmlElement, region: Region, rng: random.Random) -> str:
    """Removes the page's scripts and adds others, as tag managers and A/B tests do.

    Every script that is not JSON-LD structured data (``application/ld+json``, which is
    data about the article rather than churn) is removed. New scripts, inline with random
    content and external with a random ``src``, go into the head, the start and end of the
    body, and between paragraphs of the article.
    """
    removed = 0
    for script in list(tree.iter("script")):
        if (script.get("type") or "").strip().lower() == "application/ld+json":
            continue
        script.drop_tree()
        removed += 1
    added = 0
    if tree.head is not None:
        tree.head.append(_inline_script(rng))
        tree.head.append(_external_script(rng))
        added += 2
    top = body_of(tree)
    top.insert(0, _inline_script(rng))
    top.append(_external_script(rng))
    top.append(_inline_script(rng))
    added += 3
    inside = _inside_points(region, rng, 2)
    for point in inside:
        point.addnext(_inline_script(rng))
    added += len(inside)
    return (
        f"{removed} scripts removed; {added} added (head, body, {len(inside)} between "
        f"article paragraphs)"
    )


def insert_ads(tree: HtmlElement, region: Region, rng: random.Random) -> str:
    """Inserts ad blocks around the article and between its paragraphs.

    An ad is ``<div class="ad-slot" id="ad-…"><span>Advertisement</span><a href="…">copy
    </a></div>`` with a random id and link and rotating copy. Outside the region they go
    at the start and end of the body, just before the region and after one other block;
    inside, after up to two of its paragraphs.
    """
    top = body_of(tree)
    outside = 0
    if top is not region.element and not region.contains(top):
        top.insert(0, _ad(rng))
        top.append(_ad(rng))
        outside += 2
        if region.element.getparent() is not None:
            region.element.addprevious(_ad(rng))
            outside += 1
        holding = set(region.element.iterancestors())
        blocks = [
            e
            for e in iter_elements(top)
            if e.tag in GAP_TAGS and e not in holding and not region.contains(e)
            and e is not top and not in_phrasing(e)
        ]  # fmt: skip
        if blocks:
            rng.choice(blocks).addnext(_ad(rng))
            outside += 1
    inside = _inside_points(region, rng, 2)
    for point in inside:
        point.addnext(_ad(rng))
    if not outside and not inside:
        return ""
    return f"{outside} ads inserted outside the article and {len(inside)} between its paragraphs"


def rotate_ids(tree: HtmlElement, region: Region, rng: random.Random) -> str:
    """Changes generated markup everywhere: ids, class-name tokens, ``data-*`` values, nonces.

    In ids and ``data-*`` values, alphanumeric runs holding a digit are replaced by random
    runs of the same shape (a value with none gets a random numeric suffix). In class
    names only such runs change ("css-1r7ky0e", "post-4521"). Nonces are replaced.
    """
    del region  # markup changes everywhere, inside the article too
    counts = {"ids": 0, "class tokens": 0, "data-* values": 0, "nonces": 0}
    for element in iter_elements(tree):
        for name, value in element.attrib.items():
            if name == "id" or (name.startswith("data-") and value):
                element.set(name, _rotate(value, rng, always=True))
                counts["ids" if name == "id" else "data-* values"] += 1
            elif name == "class":
                new = _rotate(value, rng, always=False)
                counts["class tokens"] += sum(
                    a != b for a, b in zip(value.split(), new.split(), strict=True)
                )
                element.set(name, new)
            elif name == "nonce":
                element.set(name, "".join(rng.choices(string.ascii_letters + string.digits, k=22)))
                counts["nonces"] += 1
    if not any(counts.values()):
        return ""
    return ", ".join(f"{n} {what}" for what, n in counts.items()) + " changed"


def insert_related(tree: HtmlElement, region: Region, rng: random.Random) -> str:
    """Puts two inline link paragraphs ("Related: <a>…</a>", "Don't miss: <a>…</a>", a bare
    link ...) into the article body, with labels drawn from :data:`LINK_LABELS`.

    News sites put such inline links between an article's paragraphs, to other stories of
    their own (the links are relative, on the page's own site); the headlines rotate from
    page view to page view.
    """
    del tree
    points = _inside_points(region, rng, 2)
    if not points:
        return ""
    first, second = rng.sample(HEADLINES, 2)
    label_one, label_two = rng.sample(LINK_LABELS, 2)
    points[0].addnext(_link_paragraph(label_one, first, rng))
    points[-1].addnext(_link_paragraph(label_two, second, rng))
    return f'"{label_one}{first}" and "{label_two}{second}" inserted between article paragraphs'


MUTATIONS: dict[str, Mutation] = {
    "dates": shift_dates,
    "counters": bump_counters,
    "links": reorder_links,
    "scripts": churn_scripts,
    "ads": insert_ads,
    "ids": rotate_ids,
    "related": insert_related,
}
"""The churn kinds and what makes each (``"all"`` applies them all in this order)."""


def _own_titles(tree: HtmlElement) -> str:
    """The page's own title and top headings, normalised, one after another."""
    titles = [visible_text(t) for t in tree.iter("h1")] + [t.text or "" for t in tree.iter("title")]
    return " | ".join(normalise(t) for t in titles)


def _outside_slots(tree: HtmlElement, region: Region) -> list[Slot]:
    """The visible text runs of the body that are outside the region."""
    top = body_of(tree)
    return [slot for slot in text_slots(top) if not region.contains(_holder(slot))]


def _holder(slot: Slot) -> HtmlElement:
    """The element whose content the slot's text is part of."""
    parent = slot.element.getparent()
    return slot.element if slot.attr == "text" or parent is None else parent


def _rewrite_outside(
    tree: HtmlElement,
    region: Region,
    pattern: re.Pattern[str],
    replace: Callable[[re.Match[str]], str],
) -> int:
    """Applies ``pattern.sub(replace)`` to text outside the region; returns how many changed."""
    changed = 0

    def counted(match: re.Match[str]) -> str:
        nonlocal changed
        new = replace(match)
        changed += new != match[0]
        return new

    for slot in _outside_slots(tree, region):
        new = pattern.sub(counted, slot.value)
        if new != slot.value:
            slot.replace(new)
    return changed


def _shift_date(match: re.Match[str], delta: timedelta, bump: int) -> str:
    """The matched date or time, moved by ``delta`` ("N … ago" by ``bump``), same format."""
    text = match[0]
    try:
        if match["iso"]:
            return _shift_iso(text, delta)
        if match["mdy"] or match["dmy"]:
            return _shift_named(match, delta)
        if match["slash"]:
            return _shift_slash(text, delta)
        if match["clock"]:
            return _shift_clock(text, delta)
    except ValueError:
        return text  # not a real date ("Feb 30"): leave it
    count = int(match["n"]) if match["n"].isdigit() else 1
    unit = match["unit"]
    return text.replace(match["n"], str(count + bump), 1).replace(
        unit, unit if unit.lower().endswith("s") else unit + "s", 1
    )


def _shift_iso(text: str, delta: timedelta) -> str:
    parts = _ISO_PART.fullmatch(text)
    assert parts is not None
    day, sep, hour, minute, rest, zone = parts.groups()
    moment = datetime.fromisoformat(day) + delta
    if hour is None:
        return moment.date().isoformat() + zone
    moment = datetime.fromisoformat(f"{day}T{hour}:{minute}") + delta
    return f"{moment:%Y-%m-%d}{sep}{moment:%H:%M}{rest or ''}{zone}"


def _shift_named(match: re.Match[str], delta: timedelta) -> str:
    month_text = match["m1"] or match["m2"]
    day_text = match["d1"] or match["d2"]
    year_text = match["y1"] or match["y2"]
    month = [m[:3].lower() for m in _MONTHS].index(month_text[:3].lower()) + 1
    moment = date(int(year_text or 2019), month, int(day_text)) + delta
    full = _MONTHS[moment.month - 1]
    name = full if month_text.lower() in (m.lower() for m in _MONTHS) else full[:3]
    name = name.upper() if month_text.isupper() else name
    text = match[0]
    text = text.replace(month_text, name, 1)
    text = re.sub(rf"\b{day_text}(?=\D|$)", str(moment.day), text, count=1)
    return text.replace(year_text, str(moment.year), 1) if year_text else text


def _shift_slash(text: str, delta: timedelta) -> str:
    first, second, year_text = text.split("/")
    year = int(year_text) + (2000 if len(year_text) == 2 else 0)
    try:
        moment = date(year, int(first), int(second)) + delta
        a, b = moment.month, moment.day
    except ValueError:
        moment = date(year, int(second), int(first)) + delta
        a, b = moment.day, moment.month
    width = 2 if first.startswith("0") else 1
    shown_year = str(moment.year)[-len(year_text) :]
    return f"{a:0{width}d}/{b:0{width}d}/{shown_year}"


def _shift_clock(text: str, delta: timedelta) -> str:
    clock = re.match(r"(\d{1,2}):(\d{2})(:\d{2})?(.*)", text, re.DOTALL)
    assert clock is not None
    hour, minute, seconds, rest = clock.groups()
    meridiem = rest.strip().lower().replace(".", "")
    hours = int(hour) % 12 + (12 if meridiem == "pm" else 0) if meridiem else int(hour)
    moment = datetime(2019, 1, 1, hours, int(minute)) + delta
    if meridiem:
        shown = moment.hour % 12 or 12
        am, pm = ("AM", "PM") if rest.strip()[:1].isupper() else ("am", "pm")
        if "." in rest:
            am, pm = f"{am[0]}.{am[1]}.", f"{pm[0]}.{pm[1]}."
        label = am if moment.hour < 12 else pm
        spacing = rest[: len(rest) - len(rest.lstrip())]
        width = 2 if hour.startswith("0") else 1
        return f"{shown:0{width}d}:{moment.minute:02d}{seconds or ''}{spacing}{label}"
    return f"{moment.hour:0{len(hour)}d}:{moment.minute:02d}{seconds or ''}"


def _bump(number: str, rng: random.Random) -> str:
    """A different number written the same way ("1,234" -> "1,391", "4.5" -> "5.1")."""
    plain = number.replace(",", "")
    if "." in plain:
        decimals = len(plain.split(".")[1])
        value = float(plain) + rng.randint(1, 9) / 10
        new = f"{value:,.{decimals}f}" if "," in number else f"{value:.{decimals}f}"
    else:
        value = int(plain)
        new_value = value + rng.randint(1, max(3, value // 5))
        new = f"{new_value:,}" if "," in number else str(new_value)
    return new if new != number else number + "1"


def _rotate(value: str, rng: random.Random, *, always: bool) -> str:
    """``value`` with its generated tokens replaced (or, if ``always``, a suffix added)."""

    def replace(match: re.Match[str]) -> str:
        token = match[0]
        while True:
            new = "".join(_same_class(c, rng) for c in token)
            if new != token:
                return new

    rotated = _GENERATED.sub(replace, value)
    if rotated == value and always:
        return f"{value}-{rng.randint(100, 99999)}"
    return rotated


def _same_class(char: str, rng: random.Random) -> str:
    if char.isdigit():
        return rng.choice(string.digits)
    if char.isupper():
        return rng.choice(string.ascii_uppercase)
    return rng.choice(string.ascii_lowercase)


def _has_link(element: HtmlElement) -> bool:
    if not isinstance(element.tag, str):
        return False
    return element.tag == "a" or element.find(".//a") is not None


def _inside_points(region: Region, rng: random.Random, count: int) -> list[HtmlElement]:
    """Up to ``count`` of the region's gaps (between paragraphs), in document order."""
    chosen = rng.sample(region.gaps, min(count, len(region.gaps)))
    return [gap for gap in region.gaps if gap in chosen]


def _inline_script(rng: random.Random) -> HtmlElement:
    script = lxml.html.Element("script")
    token = rng.getrandbits(64)
    script.text = (
        f'window.__pv=window.__pv||[];__pv.push({{"id":"{token:016x}",'
        f'"ts":{rng.randint(1_500_000_000, 1_800_000_000)},"ab":"{rng.choice("ABCD")}"}});'
    )
    return script


def _external_script(rng: random.Random) -> HtmlElement:
    return lxml.html.Element(
        "script", src=f"https://cdn.tags.example/t.js?v={rng.getrandbits(48):012x}", defer=""
    )


def _ad(rng: random.Random) -> HtmlElement:
    token = rng.getrandbits(32)
    ad: HtmlElement = lxml.html.fragment_fromstring(
        f'<div class="ad-slot" id="ad-{token:08x}"><span>Advertisement</span>'
        f'<a href="https://ads.example/click?c={token:08x}">{rng.choice(AD_COPY)}</a></div>'
    )
    return ad


def _link_paragraph(label: str, headline: str, rng: random.Random) -> HtmlElement:
    slug = "-".join(headline.lower().split()[:6])
    paragraph = lxml.html.Element("p")
    paragraph.text = label
    link = lxml.html.Element("a", href=f"/{rng.randint(10**5, 10**6)}/{slug}")
    link.text = headline
    paragraph.append(link)
    return paragraph
