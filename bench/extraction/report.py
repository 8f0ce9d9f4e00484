"""The benchmark's report: Markdown tables for reading, a JSON document with every figure."""

from __future__ import annotations

import dataclasses
import statistics
from dataclasses import dataclass
from typing import Any

from bench.extraction.measure import CHECKED, Measurement, Missing, Outcome
from bench.extraction.score import mean, percentile
from bench.extraction.variants import CHURN_KINDS, EDIT_KINDS

# Characters of a variant's description shown in the table of misses.
_VARIANT_SHOWN = 90
_P95 = 0.95


@dataclass(frozen=True)
class Extractor:
    """An extractor as the report names it.

    Attributes:
        name: Its name.
        version: Its version.
        settings: How it was called.
    """

    name: str
    version: str
    settings: str


@dataclass(frozen=True)
class Run:
    """Everything one benchmark run found.

    Attributes:
        data: The data directory.
        pages: How many pages were measured.
        extractors: The extractors measured, redline first.
        uninstalled: pip packages of competitors left out because they are not installed.
        repeats: How many times each page was extracted for timing.
        measurements: Quality and time, per extractor and page.
        outcomes: Results on variants, per extractor and variant (None: not measured).
        missing: Variants that could not be generated.
        seconds: How long the run took.
    """

    data: str
    pages: int
    extractors: tuple[Extractor, ...]
    uninstalled: tuple[str, ...]
    repeats: int
    measurements: tuple[Measurement, ...]
    outcomes: tuple[Outcome, ...] | None
    missing: tuple[Missing, ...]
    seconds: float


def quality(run: Run) -> dict[str, dict[str, float]]:
    """Per extractor: mean precision, recall and F1 over pages, median F1, empty outputs,
    articles of several paragraphs read as one, and median and 95th-percentile milliseconds
    per page."""
    table = {}
    for extractor in run.extractors:
        rows = [m for m in run.measurements if m.extractor == extractor.name]
        times = [m.ms for m in rows]
        table[extractor.name] = {
            "precision": mean([m.scores.precision for m in rows]),
            "recall": mean([m.scores.recall for m in rows]),
            "f1": mean([m.scores.f1 for m in rows]),
            "f1_median": statistics.median([m.scores.f1 for m in rows]) if rows else 0.0,
            "empty": sum(m.empty for m in rows),
            "run_together": sum(m.run_together for m in rows),
            "ms_median": percentile(times, 0.5),
            "ms_p95": percentile(times, _P95),
        }
    return table


def stability(run: Run) -> dict[str, dict[str, dict[str, int]]]:
    """Per extractor (and :data:`bench.extraction.measure.CHECKED`, redline's checks) and
    kind (and ``"churn"``, ``"edit"`` overall): variants and passes."""
    table: dict[str, dict[str, dict[str, int]]] = {}
    names = [e.name for e in run.extractors] + [o.extractor for o in run.outcomes or ()]
    for name in dict.fromkeys(names):
        rows = [o for o in run.outcomes or () if o.extractor == name]
        cells = {}
        for kind in (*CHURN_KINDS, "churn", *EDIT_KINDS, "edit"):
            chosen = [o for o in rows if kind in (o.kind, o.family)]
            cells[kind] = {"variants": len(chosen), "passed": sum(o.passed for o in chosen)}
        table[name] = cells
    return table


def as_json(run: Run) -> dict[str, Any]:
    """Every figure of the run, the misses of every extractor and the variants not made."""
    return {
        "data": run.data,
        "pages": run.pages,
        "seconds": round(run.seconds, 1),
        "timing_repeats": run.repeats,
        "extractors": [dataclasses.asdict(e) for e in run.extractors],
        "uninstalled": list(run.uninstalled),
        "quality": quality(run),
        "per_page": [dataclasses.asdict(m) for m in run.measurements],
        "stability": stability(run) if run.outcomes is not None else None,
        "misses": [dataclasses.asdict(o) for o in run.outcomes or () if not o.passed],
        "not_generated": [dataclasses.asdict(m) for m in run.missing],
    }


def markdown(run: Run) -> str:
    """The report for reading: headline, quality, stability, and the misses of the first
    extractor (redline as its checks decide, unless it was left out)."""
    lead = run.extractors[0].name if run.extractors else "redline"
    if any(o.extractor == CHECKED for o in run.outcomes or ()):
        lead = CHECKED
    lines = [
        "# Extraction benchmark",
        "",
        f"{run.pages} pages from `{run.data}`; the run took {run.seconds:.0f} s.",
        "",
    ]
    if run.outcomes is not None:
        cells = stability(run)[lead]
        lines += [f"**{lead}: {_headline(cells)}**", ""]
    lines += _table(
        ["extractor", "version", "settings"],
        [[e.name, e.version, e.settings] for e in run.extractors],
    )
    if run.uninstalled:
        lines += ["", f"Not installed, left out: {', '.join(run.uninstalled)}."]
    lines += ["", *_quality_section(run)]
    if run.outcomes is not None:
        lines += ["", *_stability_section(run), "", *_missing_section(run)]
        lines += ["", *_misses_section(run, lead)]
    return "\n".join(lines) + "\n"


def _headline(cells: dict[str, dict[str, int]]) -> str:
    churn, edit = cells["churn"], cells["edit"]
    return (
        f"churn stability {_share(churn)} ({churn['passed']}/{churn['variants']} churn "
        f"variants); edit sensitivity {_share(edit)} ({edit['passed']}/{edit['variants']} "
        "edit variants)"
    )


def _quality_section(run: Run) -> list[str]:
    figures = quality(run)
    rows = [
        [
            name,
            f"{q['precision']:.3f}",
            f"{q['recall']:.3f}",
            f"{q['f1']:.3f}",
            f"{q['f1_median']:.3f}",
            str(int(q["empty"])),
            str(int(q["run_together"])),
            f"{q['ms_median']:.1f}",
            f"{q['ms_p95']:.1f}",
        ]
        for name, q in figures.items()
    ]
    return [
        "## Quality",
        "",
        "Bag-of-words scores of the extracted body against the ground-truth `articleBody`"
        " (lower-cased `\\w+` tokens after NFKC): precision, recall and F1 per page, then the"
        " mean over pages; median F1 over pages; empty = pages with no output (scored 0);"
        " run together = pages whose article of several paragraphs came out as one."
        " Time: the extraction call alone on the decoded page, in one process; each page"
        f" extracted {run.repeats} times and its fastest run kept (less noise), then the"
        " median and 95th percentile over pages.",
        "",
        *_table(
            [
                "extractor",
                "precision",
                "recall",
                "F1",
                "median F1",
                "empty",
                "run together",
                "median ms",
                "p95 ms",
            ],
            rows,
        ),
    ]


def _stability_section(run: Run) -> list[str]:
    table = stability(run)
    first = next(iter(table.values()), {})
    lines = [
        "## Stability",
        "",
        "Churn variants change only what is not the article (dates, counters, link lists,"
        " scripts, ads, generated ids, inline related-links paragraphs; `all` = all at once):"
        " the share whose output equals the output on the page itself, parsed and serialised"
        " unchanged (redline: body text and fingerprint). Edit variants change one word or"
        " sentence of the article: the share whose output changed (redline: fingerprint;"
        " others: text). Column"
        " headers give the number of variants.",
        "",
        f"`{CHECKED}` is redline as users get it: each variant decided by the code path of"
        " a check (`crawler.detection.check.plan_update`), after a check of the page itself;"
        " a change it reads is confirmed by the next fetch, another draw of the same churn"
        " (the same edit), and so on while the change waits. Churn passes when no change"
        " event is published, an edit when one is. The other rows compare single"
        " extractions.",
        "",
    ]
    for kinds, total in ((CHURN_KINDS, "churn"), (EDIT_KINDS, "edit")):
        columns = [*kinds, total]
        header = ["extractor"] + [
            f"{'**' + k + '**' if k == total else k} ({first.get(k, {}).get('variants', 0)})"
            for k in columns
        ]
        rows = [[name, *(_share(cells[k]) for k in columns)] for name, cells in table.items()]
        lines += [*_table(header, rows), ""]
    return lines[:-1]


def _missing_section(run: Run) -> list[str]:
    no_region = [m for m in run.missing if m.kind == "*"]
    lines = ["### Variants not generated", ""]
    if no_region:
        lines += ["Pages skipped:", ""]
        lines += [f"- `{m.page[:12]}` {m.url}: {m.reason}" for m in no_region] + [""]
    else:
        lines += ["No page was skipped: every page's article region was found.", ""]
    rows = []
    for kind in (*CHURN_KINDS, *EDIT_KINDS):
        pages = [m for m in run.missing if m.kind == kind]
        if pages:
            rows.append([kind, str(len(pages)), pages[0].reason])
    if rows:
        lines += _table(["kind", "pages without it", "why"], rows)
    else:
        lines.append("Every kind of variant was generated on every page.")
    return lines


def _misses_section(run: Run, lead: str) -> list[str]:
    misses = [o for o in run.outcomes or () if o.extractor == lead and not o.passed]
    lines = [f"## {lead} misses ({len(misses)})", ""]
    if not misses:
        return [*lines, "None."]
    lines.append(
        "Churn that changed the output, and edits that did not; `page` is the start of the"
        " page id (`--only` takes it)."
    )
    lines.append("")
    rows = [
        [f"`{o.page[:12]}`", o.url, o.kind, _cut(o.variant, _VARIANT_SHOWN), o.change]
        for o in sorted(misses, key=lambda o: (_kind_order(o.kind), o.page))
    ]
    return lines + _table(["page", "URL", "kind", "variant", f"{lead}'s output"], rows)


def _kind_order(kind: str) -> int:
    kinds = (*CHURN_KINDS, *EDIT_KINDS)
    return kinds.index(kind) if kind in kinds else len(kinds)


def _share(cell: dict[str, int]) -> str:
    if not cell["variants"]:
        return "-"
    return f"{100 * cell['passed'] / cell['variants']:.1f}%"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |"

    return [line(header), "|" + "|".join("---" for _ in header) + "|", *map(line, rows)]
