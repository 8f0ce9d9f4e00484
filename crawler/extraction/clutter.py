"""What is never article text, on any site: the default rules every extraction applies.

Two levels:

- elements (:func:`strip_clutter`): scripts, styles, forms, navigation, embedded media,
  hidden elements, and blocks whose class or id names them as ads, promotions, related or
  recommended links, newsletter sign-ups, sharing buttons or comments;
- paragraphs (:func:`is_furniture`): lines such as "Advertisement", "Read more: ...",
  "Related: ...", "Sign up for our newsletter", "Updated 5 minutes ago", copyright lines,
  image credits, counters ("12 comments"), and short lines that open with a date or a time
  ("Monday November 18, 2019 7:45 am PST by ...").

These rules hold across sites; a source's own quirks go in its rules
(:mod:`crawler.extraction.rules`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from crawler.extraction.paragraphs import SILENT

if TYPE_CHECKING:
    import lxml.html

# Elements whose content is never article text: code and markup (what is never read as text
# at all), then embedded media, forms and page navigation.
NEVER_TEXT = SILENT | frozenset(
    {
        "iframe",
        "frame",
        "object",
        "embed",
        "canvas",
        "video",
        "audio",
        "picture",
        "img",
        "map",
        "button",
        "form",
        "input",
        "select",
        "label",
        "dialog",
        "nav",
        "aside",
        "footer",
        "figcaption",
    }
)

# Words in a class or id that name page furniture (matched as whole words of the name).
_CLUTTER_NAME = re.compile(
    r"""(?:^|[\s_-])(?:
        ads?|adslot|adunit|advert\w*|dfp|gpt|banner|sponsor\w*|promo\w*|
        related|recirc\w*|recommend\w*|outbrain|taboola|trending|most-?read|most-?popular|
        newsletter\w*|signup|sign-?up|subscribe|subscription|optin|
        share|sharing|social|follow|
        comments?|disqus|
        breadcrumbs?|pagination|
        sr-only|visually-?hidden|screen-?reader\w*|hidden|offscreen
    )(?:$|[\s_-])""",
    re.IGNORECASE | re.VERBOSE,
)
# An element with this much paragraph text is never removed for its class or id alone: it
# is more likely a wrapper of the article than furniture.
_WRAPPER_TEXT = 600

# Whole paragraphs that are page furniture wherever they appear.
_FURNITURE = re.compile(
    r"""^(?:
        advertisement|advertising|sponsored(?:\ content)?|ad|
        (?:continue|keep)\ reading.{0,80}|read\ more.{0,160}|read\ next.{0,160}|
        read\ the\ (?:full\ )?(?:story|article).{0,120}|
        (?:related|recommended|more\ on\ this|more\ from|see\ also|also\ read|read|more|
            most\ read|trending|watch|listen)(?:\ \w+){0,2}\ ?:.{0,200}|
        related(?:\ articles?|\ stories|\ content|\ coverage)?|
        (?:share|share\ this(?:\ article|\ story)?|tweet|email|print|comments?|save)|
        (?:sign\ up|subscribe)\b.{0,160}|
        .{0,60}\bnewsletter\b.{0,60}\b(?:sign\ up|subscribe|inbox)\b.{0,60}|
        (?:updated|published|last\ updated|posted|modified)\b.{0,60}|
        (?:copyright|\(c\)|©).{0,200}|all\ rights\ reserved\.?|
        (?:photo|image|picture|video|illustration|graphic)s?(?:\ credit)?\ ?[:/].{0,120}|
        [\w.'\ -]{0,60}/(?:getty|afp|ap|reuters|epa|shutterstock|alamy|pa)\b.{0,60}|
        \d[\d,.]*\ ?[km]?\ (?:comments?|shares?|views?|reads?|likes?)|
        (?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\ )?
            (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\ \d{1,2},?\ \d{4}\b.{0,60}|
        \d{1,2}\ (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?,?\ \d{4}\b.{0,60}|
        \d{1,2}:\d{2}\ ?(?:am|pm|a\.m\.|p\.m\.)?\b.{0,60}|
        \d{1,2}/\d{1,2}/\d{2,4}\b.{0,60}|
        \d+\ min(?:ute)?s?\ read
    )$""",
    re.IGNORECASE | re.VERBOSE,
)


def strip_clutter(root: lxml.html.HtmlElement) -> None:
    """Removes, in place, every element under ``root`` that is never article text (see the
    module docstring); their tails (text after them) are kept."""
    doomed = [
        element for element in root.iter() if isinstance(element.tag, str) and is_clutter(element)
    ]
    for element in doomed:
        if element.getparent() is not None:
            element.drop_tree()


def is_clutter(element: lxml.html.HtmlElement) -> bool:
    """True for an element that is never article text (see the module docstring)."""
    tag = element.tag.lower()
    if tag in NEVER_TEXT:
        return True
    if element.get("hidden") is not None or element.get("aria-hidden") == "true":
        return True
    style = (element.get("style") or "").replace(" ", "").lower()
    if "display:none" in style or "visibility:hidden" in style:
        return True
    if tag in {"html", "body", "main", "article"} or not is_clutter_name(element):
        return False
    return _paragraph_text(element) < _WRAPPER_TEXT


def is_clutter_name(element: lxml.html.HtmlElement) -> bool:
    """True when an element's class or id names it as furniture (an ad, a promotion, related
    links, a sign-up, sharing buttons, comments ...)."""
    name = f"{element.get('class') or ''} {element.get('id') or ''}"
    return _CLUTTER_NAME.search(name) is not None


def _paragraph_text(element: lxml.html.HtmlElement) -> int:
    return sum(len(p.text_content().strip()) for p in element.iter("p"))


def is_furniture(paragraph: str) -> bool:
    """True for a normalised paragraph that is page furniture rather than article."""
    return _FURNITURE.match(paragraph) is not None
