"""What redline would store for one page: the record ``redline check`` prints.

Runs the very code a worker runs on a fetched page (decoding, the layers of extraction,
normalisation, the fingerprint), so a user can write or fix a source's rules against it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from crawler.decode import decode_html, non_html_type
from crawler.extract import EXTRACTOR_VERSION, ExtractionError, extract_page
from crawler.hashing import fingerprint
from crawler.models import Article
from crawler.quality import wall_reason
from crawler.rules import ExtractionRules, RulesError


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
        if self.problem:
            lines.append(f"problem:   {self.problem}")
        return "\n".join(lines)


def preview_page(
    body: bytes, content_type: str, url: str, source: str, rules: ExtractionRules
) -> Preview:
    """Reads a response's body the way a worker does.

    Args:
        body: The response body (already uncompressed).
        content_type: Its ``Content-Type`` header ("" if unknown).
        url: Where it came from ("" if unknown).
        source: The source the URL belongs to.
        rules: That source's extraction rules.
    """
    kind = non_html_type(content_type, body)
    if kind:
        return Preview(url, source, not_html=kind)
    try:
        page = extract_page(decode_html(body, content_type), url, rules)
    except (ExtractionError, RulesError) as exc:
        return Preview(url, source, problem=f"extraction failed: {exc}")
    return Preview(
        url,
        source,
        layer=str(page.layer),
        fell_back=page.fell_back,
        article=page.article,
        digest=fingerprint(page.article),
        canonical=page.canonical,
        problem=wall_reason(page.article),
    )
