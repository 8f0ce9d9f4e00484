"""What redline would store for one page: the record ``redline check`` prints.

Runs the very code a worker runs on a fetched page (decoding, the layers of extraction,
normalisation, the fingerprint), so a user can write or fix a source's rules against it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from crawler.detection.quality import wall_reason
from crawler.detection.template import Evidence, Role, Verdict, marks_of, token, verdicts
from crawler.domain.hashing import fingerprint
from crawler.domain.identity import article_id
from crawler.domain.models import Article
from crawler.extraction.clutter import is_clutter, is_furniture
from crawler.extraction.decode import decode_html, non_html_type
from crawler.extraction.extract import EXTRACTOR_VERSION, ExtractionError, extract_page, parse_page
from crawler.extraction.paragraphs import paragraphs_of
from crawler.extraction.rules import ExtractionRules, RulesError

if TYPE_CHECKING:
    import lxml.html


# How many of the blocks the extraction left out the text record lists (JSON lists all).
_UNREAD_SHOWN = 30
# What the site's evidence and the article's outline leave out.
_LEARNED = frozenset({Role.TEMPLATE, Role.VOLATILE, Role.ROTATING})
# How much of a left-out block the text record shows.
_SHORT = 100


@dataclass(frozen=True)
class Preview:
    """What one page gives.

    Attributes:
        url: Where the page came from ("" for a saved page given without a URL).
        source: The source the URL maps to.
        layer: The extraction layer that read it ("" when none did).
        fell_back: The source's body rule matched nothing on this page.
        article: The article (None when there is none).
        digest: Its fingerprint ("" when there is no article).
        canonical: The page's canonical URL ("" if it names none).
        not_html: The media type of a document that is not HTML ("" for a page).
        problem: Why there is no article, or what is suspicious about it ("" if nothing).
        blocks: Every block of text of the page: each paragraph the extraction read, with
            how its site's template evidence judged it (the article's paragraphs are those
            judged article text), then each one it did not read, as clutter, with why.
        evidence: Where that evidence came from, or why there was none.
    """

    url: str
    source: str
    layer: str = ""
    fell_back: bool = False
    article: Article | None = None
    digest: str = ""
    canonical: str = ""
    not_html: str = ""
    problem: str = ""
    blocks: tuple[tuple[str, Verdict], ...] = ()
    evidence: str = ""

    def to_json(self) -> str:
        """The record as one JSON object (``paragraphs`` a list of strings)."""
        article = self.article or Article("", "", ())
        return json.dumps(
            {
                "url": self.url,
                "source": self.source,
                "layer": self.layer,
                "fell_back": self.fell_back,
                "headline": article.headline,
                "byline": article.byline,
                "dateline": article.dateline,
                "paragraphs": list(article.paragraphs),
                "hash": self.digest,
                "extractor": EXTRACTOR_VERSION,
                "canonical": self.canonical,
                "not_html": self.not_html,
                "problem": self.problem,
                "blocks": [
                    {"text": text, "role": str(verdict.role), "why": verdict.why}
                    for text, verdict in self.blocks
                ],
                "evidence": self.evidence,
            },
            ensure_ascii=False,
        )

    def to_text(self) -> str:
        """The record for a person to read."""
        lines = [f"url:       {self.url or '-'}", f"source:    {self.source or '-'}"]
        if self.not_html:
            lines.append(f"not HTML:  {self.not_html} (recorded as such, never extracted)")
        if self.layer:
            note = " (the source's body rule matched nothing)" if self.fell_back else ""
            lines.append(f"layer:     {self.layer}{note}")
        if self.article is not None:
            article = self.article
            lines += [
                f"headline:  {article.headline or '-'}",
                f"byline:    {article.byline or '-'}",
                f"dateline:  {article.dateline or '-'}",
                f"canonical: {self.canonical or '-'}",
                f"hash:      {self.digest}",
                f"extractor: {EXTRACTOR_VERSION}",
                f"paragraphs ({len(article.paragraphs)}):",
            ]
            width = len(str(len(article.paragraphs)))
            lines += [f"  {n:>{width}}. {p}" for n, p in enumerate(article.paragraphs, 1)]
        learned = [(t, v) for t, v in self.blocks if v.role in _LEARNED]
        unread = [(t, v) for t, v in self.blocks if v.role is Role.CLUTTER]
        if self.evidence:
            lines.append(f"template:  {self.evidence}")
        if learned:
            lines.append(f"left out as the site's template ({len(learned)}):")
            lines += [f"  [{v.role}: {v.why}] {text}" for text, v in learned]
        if unread:
            lines.append(f"left out by the extraction ({len(unread)}):")
            lines += [f"  [{v.why}] {_short(text)}" for text, v in unread[:_UNREAD_SHOWN]]
            if len(unread) > _UNREAD_SHOWN:
                lines.append(f"  ... and {len(unread) - _UNREAD_SHOWN} more (all in --json)")
        if self.problem:
            lines.append(f"problem:   {self.problem}")
        return "\n".join(lines)


def _short(text: str) -> str:
    return text if len(text) <= _SHORT else text[: _SHORT - 1] + "…"


def _unread(html: str, article: Article) -> list[tuple[str, Verdict]]:
    """The page's blocks of text that are not in ``article`` (what the extraction read),
    each with why: inside an element that is never article text, page furniture, or
    outside the article."""
    read = (article.headline, article.byline, article.dateline, *article.paragraphs)
    unread: list[tuple[str, Verdict]] = []
    body = parse_page(html).find("body")
    for paragraph in paragraphs_of(body) if body is not None else []:
        text = paragraph.text
        if any(text in line for line in read):
            continue
        element = paragraph.element
        holder = next((e for e in (element, *element.iterancestors()) if is_clutter(e)), None)
        if holder is not None:
            why = f"inside {_named(holder)}, an element that is never article text"
        elif is_furniture(text):
            why = "page furniture"
        else:
            why = "outside the article the extraction read"
        unread.append((text, Verdict(Role.CLUTTER, why)))
    return unread


def _named(element: lxml.html.HtmlElement) -> str:
    """An element as a person reads it in a page's source: ``<div class="ad">``."""
    attributes = "".join(
        f' {name}="{element.get(name)}"' for name in ("class", "id") if element.get(name)
    )
    return f"<{str(element.tag).lower()}{attributes}>"


@dataclass(frozen=True)
class Known:
    """What redline learned of a page's site and article, to judge its paragraphs by.

    Attributes:
        template: Reads the site's template evidence for marks and places.
        outline: The outline of the page the article's latest version was read from
            (:attr:`crawler.domain.models.ArticleState.outline`; "" for an article not
            tracked).
    """

    template: Callable[[Collection[str], Collection[str]], Evidence]
    outline: str = ""


def preview_page(
    body: bytes,
    content_type: str,
    url: str,
    source: str,
    rules: ExtractionRules,
    known: Known | None = None,
) -> Preview:
    """Reads a response's body the way a worker does.

    Args:
        body: The response body (already uncompressed).
        content_type: Its ``Content-Type`` header ("" if unknown).
        url: Where it came from ("" if unknown).
        source: The source the URL belongs to.
        rules: That source's extraction rules.
        known: What redline learned of the site and of the article at ``url`` (None:
            nothing, every paragraph read is article text).
    """
    kind = non_html_type(content_type, body)
    if kind:
        return Preview(url, source, not_html=kind)
    html = decode_html(body, content_type)
    try:
        page = extract_page(html, url, rules)
    except (ExtractionError, RulesError) as exc:
        return Preview(url, source, problem=f"extraction failed: {exc}")
    article = page.article
    blocks = tuple((text, Verdict(Role.ARTICLE)) for text in article.paragraphs)
    learned = ""
    if known is not None:
        flow = page.flow
        evidence = known.template(marks_of(flow.article), flow.places)
        tok = token(article_id(url))
        judged = verdicts(evidence, tok, flow, last=known.outline)
        blocks = tuple(
            (text, verdict)
            for text, verdict in zip(flow.article.paragraphs, judged, strict=True)
            if verdict.role is not Role.CLUTTER  # listed with what the extraction left out
        )
        learned = f"judged by what {evidence.pages} of the site's articles taught redline"
        article = replace(article, paragraphs=tuple(t for t, v in blocks if v.role is Role.ARTICLE))
    blocks += tuple(_unread(html, page.article))
    return Preview(
        url,
        source,
        layer=str(page.layer),
        fell_back=page.fell_back,
        article=article,
        digest=fingerprint(article),
        canonical=page.canonical,
        problem=wall_reason(article),
        blocks=blocks,
        evidence=learned,
    )
