"""Variants of a page: churn that must not change the extracted article, edits that must.

A pure module: page HTML and ground truth in, variant pages out, the same ones on every
run (each kind draws from ``random.Random(f"{seed}:{kind}")``).

Every variant is the page parsed with ``lxml.html.document_fromstring``, changed, and
serialised with ``lxml.html.tostring``; compare it with :func:`identity` of the page (the
same parse and serialisation, unchanged), so the change itself is the only difference.

- Churn (:data:`CHURN_KINDS`, see :mod:`bench.extraction.churn`) changes only what is not
  the article: text and link lists outside the article region, scripts, ads and inline
  link paragraphs put between its paragraphs, markup attributes. A churn variant is kept
  only if its HTML differs from the identity page.
- Edits (:data:`EDIT_KINDS`, see :mod:`bench.extraction.edits`) change one word or
  sentence of the article, in its visible text and wherever else the page repeats it. An
  edit variant is kept only if the visible text of the page changed.

A kind with no variant (nothing of that kind on the page, or no change) is left out of
the returned list; so is every kind of a page whose article region cannot be found.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

import lxml.html

from bench.extraction.churn import MUTATIONS
from bench.extraction.edits import EDITS
from bench.extraction.region import (
    body_of,
    find_region,
    normalise,
    parse,
    visible_text,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from lxml.html import HtmlElement

    from bench.extraction.churn import Mutation
    from bench.extraction.edits import Edit
    from bench.extraction.region import Region

__all__ = [
    "CHURN_KINDS",
    "EDIT_KINDS",
    "Variant",
    "churn_variants",
    "edit_variants",
    "identity",
]

CHURN_KINDS = (*MUTATIONS, "all")
"""Kinds of churn variant, one variant each per page."""
EDIT_KINDS = tuple(EDITS)
"""Kinds of edit variant, one variant each per page."""


@dataclass(frozen=True)
class Variant:
    """A generated page.

    Attributes:
        kind: One of :data:`CHURN_KINDS` or :data:`EDIT_KINDS`.
        html: The page, serialised.
        description: What was changed, in one line.
    """

    kind: str
    html: str
    description: str


def identity(html: str) -> str:
    """The page parsed and serialised again, unchanged: what variants are compared with."""
    return _serialise(parse(html))


def churn_variants(html: str, truth: str, page_id: str, draw: int = 0) -> list[Variant]:
    """One variant per churn kind whose change reaches the page's HTML.

    Args:
        html: The page, decoded.
        truth: Its ground-truth article body (paragraphs separated by newlines).
        page_id: Its id (seeds the random choices).
        draw: Which draw of the churn: another draw changes the same kinds of things
            with other random choices (another fetch of the page).

    Returns:
        The variants, in the order of :data:`CHURN_KINDS` ([] when the article region
        cannot be found).
    """

    def mutate(kind: str) -> Mutation:
        mutations = MUTATIONS.values() if kind == "all" else [MUTATIONS[kind]]
        return lambda tree, region, rng: "; ".join(
            note for change in mutations if (note := change(tree, region, rng))
        )

    seed = f"{page_id}:{draw}" if draw else page_id
    return _variants(html, truth, seed, {kind: mutate(kind) for kind in CHURN_KINDS}, str)


def edit_variants(html: str, truth: str, page_id: str) -> list[Variant]:
    """One variant per edit kind whose change reaches the page's visible text.

    Args:
        html: The page, decoded.
        truth: Its ground-truth article body (paragraphs separated by newlines).
        page_id: Its id (seeds the random choices).

    Returns:
        The variants, in the order of :data:`EDIT_KINDS` ([] when the article region
        cannot be found).
    """
    makers: dict[str, Mutation] = {
        kind: functools.partial(_edit, edit, truth) for kind, edit in EDITS.items()
    }
    return _variants(html, truth, page_id, makers, _shown)


def _edit(edit: Edit, truth: str, tree: HtmlElement, region: Region, rng: random.Random) -> str:
    return edit(tree, region, truth, rng)


def _variants(
    html: str, truth: str, seed: str, makers: dict[str, Mutation], seen: Callable[[str], str]
) -> list[Variant]:
    """One variant per maker whose change shows in ``seen`` of the serialised page, each
    made on a fresh parse with a generator seeded by ``seed`` and the kind ([] when the
    article region cannot be found)."""
    original = seen(identity(html))
    variants = []
    for kind, make in makers.items():
        tree = parse(html)
        region = find_region(tree, truth)
        if region is None:
            return []
        note = make(tree, region, random.Random(f"{seed}:{kind}"))
        page = _serialise(tree)
        if note and seen(page) != original:
            variants.append(Variant(kind, page, note))
    return variants


def _serialise(tree: lxml.html.HtmlElement) -> str:
    page: str = lxml.html.tostring(tree, encoding="unicode")
    return page


def _shown(html: str) -> str:
    """The normalised visible text of a page's body."""
    return normalise(visible_text(body_of(parse(html))))
