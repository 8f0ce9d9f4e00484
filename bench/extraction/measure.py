"""Running extractors: quality and speed on the pages, stability on their variants."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from bench.extraction.others import COMPETITORS
from bench.extraction.region import find_region, parse
from bench.extraction.score import Scores, first_difference, paragraph_count, word_scores
from bench.extraction.variants import (
    CHURN_KINDS,
    EDIT_KINDS,
    churn_variants,
    edit_variants,
    identity,
)
from bench.history import Watched
from crawler.domain.hashing import fingerprint
from crawler.domain.policy import RecheckPolicy
from crawler.extraction.extract import EXTRACTOR_VERSION, ExtractionError, extract_page
from crawler.store.connection import connect
from crawler.store.keys import Keys
from crawler.store.sitetemplate import SiteTemplates

if TYPE_CHECKING:
    from redis import Redis

    from bench.extraction.pages import Page
    from bench.extraction.variants import Variant
    from crawler.domain.models import Article

R = TypeVar("R")

CHECKED = "redline, checked"
"""The name under which the variants as redline's checks decide them are reported."""
CHECKED_FETCHES = 5
"""Fetches of a variant after the page: the variant, its confirmation, and the regular
checks a doubted change waits for."""
POLICY = RecheckPolicy()
"""The schedule of the checks: the default settings."""

NO_REGION = "no ground-truth sentence found on the page: no article region"
"""Why a page has no variants at all."""
NOT_GENERATED = {
    "churn": "nothing of this kind to change on the page",
    "edit": "no place for this edit in the article",
}
"""Why a page has no variant of some kind, by family."""


@dataclass(frozen=True)
class Output:
    """What an extractor made of a page.

    Attributes:
        text: The article body, one paragraph per line ("" when nothing was found).
        identity: What decides whether two outputs are the same article: redline's
            fingerprint, the text itself for other extractors.
        lines: The output line by line (for redline, headline and byline first), to say
            what changed.
        paragraphs: How many paragraphs the body has (for redline, the dateline is not
            one).
    """

    text: str
    identity: str
    lines: tuple[str, ...]
    paragraphs: int


@dataclass(frozen=True)
class Subject(Generic[R]):
    """An extractor under measurement.

    Attributes:
        name: Its name in reports.
        version: The version of the code that extracts.
        settings: How it is called, in words.
        call: The extraction call (the only part that is timed).
        read: Turns the call's result into an :class:`Output`.
    """

    name: str
    version: str
    settings: str
    call: Callable[[str, str], R]
    read: Callable[[R], Output]

    def output(self, html: str, url: str) -> Output:
        """Extracts from ``html``."""
        return self.read(self.call(html, url))

    def timed(self, html: str, url: str, repeats: int) -> tuple[Output, float]:
        """Extracts ``repeats`` times; returns the output and the fastest call in ms."""
        seconds = []
        for _ in range(repeats):
            start = time.perf_counter()
            result = self.call(html, url)
            seconds.append(time.perf_counter() - start)
        return self.read(result), min(seconds) * 1000


@dataclass(frozen=True)
class Measurement:
    """One extractor on one page: quality and time.

    Attributes:
        extractor: The extractor's name.
        page: The page id.
        scores: Its output against the ground truth.
        empty: Whether it extracted nothing.
        run_together: Whether it read an article of several paragraphs as one.
        ms: The fastest of the timed calls, in milliseconds.
    """

    extractor: str
    page: str
    scores: Scores
    empty: bool
    run_together: bool
    ms: float


@dataclass(frozen=True)
class Outcome:
    """One extractor on one variant.

    Attributes:
        extractor: The extractor's name.
        page: The page id.
        url: The page's URL.
        kind: The variant's kind.
        family: ``"churn"`` or ``"edit"``.
        passed: Churn: the output is the same as the page's. Edit: it differs.
        variant: What the variant changed.
        change: When it did not pass, what happened to the output ("" when it passed).
    """

    extractor: str
    page: str
    url: str
    kind: str
    family: str
    passed: bool
    variant: str
    change: str


@dataclass(frozen=True)
class Missing:
    """A variant that could not be generated.

    Attributes:
        page: The page id.
        url: The page's URL.
        kind: The variant's kind (``"*"``: all of them).
        reason: Why.
    """

    page: str
    url: str
    kind: str
    reason: str


def subjects() -> tuple[list[Subject[Any]], list[str]]:
    """Redline and every installed competitor, and the pip packages of missing ones."""
    found: list[Subject[Any]] = [
        Subject(
            "redline",
            EXTRACTOR_VERSION,
            "crawler.extraction.extract.extract_page",
            _redline,
            _article,
        )
    ]
    missing = []
    for competitor in COMPETITORS:
        if competitor.installed:
            found.append(
                Subject(
                    competitor.name,
                    competitor.version,
                    competitor.settings,
                    competitor.extract,
                    _text,
                )
            )
        else:
            missing.append(competitor.package)
    return found, missing


def select(names: list[str] | None) -> list[Subject[Any]]:
    """The subjects named (a name also selects ``name-*``, so "trafilatura" picks both).

    Raises:
        ValueError: a name matches no installed extractor.
    """
    available, _ = subjects()
    if names is None:
        return available
    chosen: list[Subject[Any]] = []
    for name in names:
        matches = [s for s in available if s.name == name or s.name.startswith(name + "-")]
        if not matches:
            known = ", ".join(s.name for s in available)
            raise ValueError(f"unknown or uninstalled extractor {name!r} (have: {known})")
        chosen.extend(s for s in matches if s not in chosen)
    return chosen


def measure_quality(chosen: list[Subject[Any]], page: Page, repeats: int) -> list[Measurement]:
    """Each subject on the page as recorded: scores against the truth and fastest time."""
    measurements = []
    for subject in chosen:
        output, ms = subject.timed(page.html, page.url, repeats)
        scores = word_scores(output.text, page.truth)
        run_together = output.paragraphs == 1 and paragraph_count(page.truth) > 1
        measurements.append(
            Measurement(subject.name, page.id, scores, not output.text, run_together, ms)
        )
    return measurements


def measure_stability(
    names: list[str], redis_url: str, page: Page
) -> tuple[list[Outcome], list[Missing]]:
    """Each named subject on the page's variants, against its output on the identity page;
    and, when redline is named, the variants as redline's checks decide them
    (:func:`checked_outcomes`, under the name :data:`CHECKED`), with the site's evidence in
    the Redis at ``redis_url``."""
    if find_region(parse(page.html), page.truth) is None:
        return [], [Missing(page.id, page.url, "*", NO_REGION)]
    families = {
        "churn": churn_variants(page.html, page.truth, page.id),
        "edit": edit_variants(page.html, page.truth, page.id),
    }
    missing = [
        Missing(page.id, page.url, kind, NOT_GENERATED[family])
        for family, kinds in (("churn", CHURN_KINDS), ("edit", EDIT_KINDS))
        for kind in kinds
        if kind not in {v.kind for v in families[family]}
    ]
    original = identity(page.html)
    outcomes = []
    for subject in select(names):
        base = subject.output(original, page.url)
        for family, variants in families.items():
            for variant in variants:
                output = subject.output(variant.html, page.url)
                if family == "churn":
                    passed = output.text == base.text and output.identity == base.identity
                    change = first_difference(base.lines, output.lines)
                else:
                    passed = output.identity != base.identity
                    change = "unchanged" if base.text else "unchanged: no article extracted"
                outcomes.append(_outcome(subject.name, page, family, variant, passed, change))
    if "redline" in names:
        outcomes += checked_outcomes(page, original, families, connect(redis_url))
    return outcomes, missing


def checked_outcomes(
    page: Page, original: str, families: dict[str, list[Variant]], redis: Redis
) -> list[Outcome]:
    """Each variant as redline's checks decide it, as users get it: the page is checked
    (and fetched again, as it was, to confirm its first version), then the variant; a change
    it reads is confirmed by the next fetch, another draw of the same churn (the same edit),
    and so on while the change waits, up to :data:`CHECKED_FETCHES` fetches after the page.
    A churn variant passes when no change event was published, an edit when one was. Each
    variant's checks are an article of a site of their own (its evidence in ``redis`` under
    keys of its own), so that no variant teaches another.
    """
    draws: dict[int, dict[str, Variant]] = {
        0: {variant.kind: variant for variant in families["churn"]}
    }

    def churn(kind: str, draw: int) -> str:
        if draw not in draws:
            found = churn_variants(page.html, page.truth, page.id, draw)
            draws[draw] = {variant.kind: variant for variant in found}
        variant = draws[draw].get(kind)
        return variant.html if variant is not None else original

    outcomes = []
    for family, variants in families.items():
        for variant in variants:
            keys = Keys(f"bench:{page.id}:{variant.kind}:")
            article = Watched(page.url, SiteTemplates(redis, keys), POLICY)
            article.check(0.0, original)
            if article.state.candidate:  # the first version's confirming fetch: the same page
                article.check(article.state.next_check or POLICY.confirm_delay, original)
            recorded = article.events
            for draw in range(CHECKED_FETCHES):
                due = article.state.next_check
                html = churn(variant.kind, draw) if family == "churn" else variant.html
                article.check(due if due is not None else float(draw + 1), html)
                if not article.state.candidate:
                    break
            published = article.events - recorded
            passed = not published if family == "churn" else bool(published)
            waiting = " (a change still waits)" if article.state.candidate else ""
            missed = f"{published} change event(s)" if published else f"unchanged{waiting}"
            outcomes.append(_outcome(CHECKED, page, family, variant, passed, missed))
    return outcomes


def _outcome(
    extractor: str, page: Page, family: str, variant: Variant, passed: bool, change: str
) -> Outcome:
    """The outcome of a variant; ``change`` says what happened when it did not pass."""
    return Outcome(
        extractor,
        page.id,
        page.url,
        variant.kind,
        family,
        passed,
        variant.description,
        "" if passed else change,
    )


def _redline(html: str, url: str) -> Article | None:
    try:
        return extract_page(html, url).article
    except ExtractionError:
        return None


def _article(article: Article | None) -> Output:
    """Redline's output: body = dateline (when there is one) and paragraphs."""
    if article is None:
        return Output("", "", (), 0)
    body = ([article.dateline] if article.dateline else []) + list(article.paragraphs)
    return Output(
        "\n".join(body),
        fingerprint(article),
        (f"headline: {article.headline}", f"byline: {article.byline}", *body),
        len(article.paragraphs),
    )


def _text(text: str) -> Output:
    return Output(text, text, tuple(text.splitlines()), paragraph_count(text))
