"""The benchmark's figures: plain-text tables for reading, a dictionary for ``--json``."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from bench.redis.compression import MAX_WORDS, MIN_WORDS, REAL, Ratio
from bench.redis.layouts import LayoutFigure
from bench.redis.memory import Kind, Part, Snapshot
from bench.redis.tick import StepFigure

# The targets: bytes of a stable article's metadata, at most; compression ratio, at least.
METADATA_TARGET = 1024
RATIO_TARGET = 3.0

_METADATA_KINDS = (Kind.ARTICLE, Kind.TRACKED, Kind.STATUS, Kind.SOURCE, Kind.SCHEDULE)
_BOOKKEEPING_KINDS = (Kind.CANONICAL, Kind.SEEN)


@dataclass(frozen=True)
class MemoryRun:
    """The memory figures.

    Attributes:
        articles: Articles in the population.
        sources: Sources (and sites) they belong to.
        jobs: Processes that recorded the checks.
        words: Words in the typical article.
        paragraphs: Paragraphs in it.
        snapshots: The population at each stage (active with one version, active with
            three, stable with three).
        value_setting: The compact-hash value limit's name and value.
        long_fields: Fields of an article hash longer than that limit, with their lengths.
        layouts: Other layouts of the article hash.
        ratios: Ways of storing versions, per set of texts.
        data: Where the real news pages come from.
        data_missing: Why the real texts were not measured ("" if they were).
    """

    articles: int
    sources: int
    jobs: int
    words: int
    paragraphs: int
    snapshots: tuple[Snapshot, ...]
    value_setting: tuple[str, int]
    long_fields: dict[str, int]
    layouts: tuple[LayoutFigure, ...]
    ratios: tuple[Ratio, ...]
    data: str
    data_missing: str


@dataclass(frozen=True)
class Run:
    """Everything one run measured.

    Attributes:
        server: The redis-server's version line.
        seconds: How long the run took.
        memory: The memory figures (None when not measured).
        steps: The clock step's timings (empty when not measured).
        repetitions: Timed repetitions per step configuration.
    """

    server: str
    seconds: float
    memory: MemoryRun | None
    steps: tuple[StepFigure, ...]
    repetitions: int


def text(run: Run) -> str:
    """The report for reading."""
    lines = [
        "redline: Redis memory per article and cost of the clock's step",
        f"server: {run.server}, as redline embeds it; took {run.seconds:.0f} s",
        "",
    ]
    if run.memory is not None:
        lines += _memory(run.memory)
    if run.steps:
        lines += _steps(run.steps, run.repetitions)
    return "\n".join(lines) + "\n"


def verdicts(memory: MemoryRun) -> dict[str, dict[str, Any]]:
    """Whether each target is met, with the figure it was judged on."""
    stable = memory.snapshots[-1]
    metadata = stable.per_article(*_METADATA_KINDS)
    wider = stable.per_article(*_METADATA_KINDS, *_BOOKKEEPING_KINDS)
    judged = _judged_ratio(memory.ratios)
    return {
        "metadata": {
            "target_bytes": METADATA_TARGET,
            "bytes": round(metadata),
            "met": metadata <= METADATA_TARGET,
            "bytes_with_bookkeeping_keys": round(wider),
            "met_with_bookkeeping_keys": wider <= METADATA_TARGET,
        },
        "compression": {
            "target_ratio": RATIO_TARGET,
            "texts": judged.texts if judged else None,
            "ratio": round(judged.ratio, 2) if judged else None,
            "met": judged is not None and judged.ratio >= RATIO_TARGET,
        },
    }


def as_json(run: Run) -> dict[str, Any]:
    """Every figure of the run (timings with every repetition)."""
    memory = None
    if run.memory is not None:
        m = run.memory
        memory = {
            "articles": m.articles,
            "sources": m.sources,
            "jobs": m.jobs,
            "typical_article": {"words": m.words, "paragraphs": m.paragraphs},
            "snapshots": [_snapshot_json(s) for s in m.snapshots],
            "hash_value_setting": {"name": m.value_setting[0], "value": m.value_setting[1]},
            "article_hash_long_fields": m.long_fields,
            "hash_layouts": [dataclasses.asdict(f) for f in m.layouts],
            "version_storage": [
                {**dataclasses.asdict(r), "ratio": round(r.ratio, 3)} for r in m.ratios
            ],
            "real_texts": {"data": m.data, "missing": m.data_missing or None},
            "verdicts": verdicts(m),
        }
    return {
        "server": run.server,
        "seconds": round(run.seconds, 1),
        "memory": memory,
        "clock_step": {
            "repetitions": run.repetitions,
            "configurations": [
                {
                    **dataclasses.asdict(s.case),
                    "tick_median_ms": round(s.tick_median, 4),
                    "tick_p95_ms": round(s.tick_p95, 4),
                    "tick_server_median_ms": round(s.tick_server, 4),
                    "promote_median_ms": round(s.promote_median, 4),
                    "promote_p95_ms": round(s.promote_p95, 4),
                    "promote_server_median_ms": round(s.promote_server, 4),
                    "tick_ms": s.tick_ms,
                    "promote_ms": s.promote_ms,
                    "tick_server_ms": s.tick_server_ms,
                    "promote_server_ms": s.promote_server_ms,
                }
                for s in run.steps
            ],
        },
    }


def table(header: list[str], rows: list[list[str]], indent: str = "  ") -> list[str]:
    """Rows under a header, the first column left-aligned and the others right-aligned."""
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = (c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))
        return indent + "  ".join((first, *rest)).rstrip()

    rule = indent + "  ".join("-" * w for w in widths)
    return [line(header), rule, *map(line, rows)]


def _memory(m: MemoryRun) -> list[str]:
    active, versioned, stable = m.snapshots
    lines = [
        f"1. Redis memory per tracked article ({m.articles:,} articles, {m.sources} sources;",
        f"   typical article {m.words} words in {m.paragraphs} paragraphs; checks recorded by",
        f"   ArticleStore.record in {m.jobs} processes). Bytes per article: MEMORY USAGE of",
        "   every key (SAMPLES 0), a shared collection divided by the number of articles.",
        "",
        "(a) Metadata",
        "",
    ]
    header = ["key", f"active: {active.name}", f"stable: {stable.name}"]
    rows = [
        [k.label, _b(active.per_article(k)), _b(stable.per_article(k))] for k in _METADATA_KINDS
    ]
    rows.append(
        [
            "= metadata: hash + memberships",
            _b(active.per_article(*_METADATA_KINDS)),
            _b(stable.per_article(*_METADATA_KINDS)),
        ]
    )
    rows += [
        [k.label, _b(active.per_article(k)), _b(stable.per_article(k))] for k in _BOOKKEEPING_KINDS
    ]
    rows.append(
        [
            "= with the per-article bookkeeping keys",
            _b(active.per_article(*_METADATA_KINDS, *_BOOKKEEPING_KINDS)),
            _b(stable.per_article(*_METADATA_KINDS, *_BOOKKEEPING_KINDS)),
        ]
    )
    lines += table(header, rows)
    verdict = verdicts(m)
    meta = verdict["metadata"]
    name, limit = m.value_setting
    encodings = ", ".join(f"{e} {n:,}" for e, n in stable.usage[Kind.ARTICLE].encodings.items())
    longest = ", ".join(f"{f} ({n} B)" for f, n in sorted(m.long_fields.items())) or "none"
    lines += [
        "",
        f"  Target: metadata (hash + memberships) of a stable article <= {METADATA_TARGET:,} B: "
        f"{'MET' if meta['met'] else 'MISSED'} ({meta['bytes']:,} B;",
        f"  {meta['bytes_with_bookkeeping_keys']:,} B with its canonical and seen keys: "
        f"{'met' if meta['met_with_bookkeeping_keys'] else 'missed'}).",
        f"  Article hashes by encoding: {encodings}. Values longer than {name} ({limit}):",
        f"  {longest}; one such value makes the whole hash a hash table.",
        "",
        "  Other layouts of the stable articles' hashes (each rewritten in a scratch database),",
        "  bytes per article:",
        "",
    ]
    memberships = stable.per_article(*_METADATA_KINDS) - stable.per_article(Kind.ARTICLE)
    lines += table(
        ["layout", name, "hash", "compact hashes", "metadata", f"<= {METADATA_TARGET:,}"],
        [
            [
                f.name,
                str(f.value_limit),
                _b(f.bytes_per_article),
                f"{f.compact:.0%}",
                _b(f.bytes_per_article + memberships),
                "yes" if f.bytes_per_article + memberships <= METADATA_TARGET else "no",
            ]
            for f in m.layouts
        ],
    )
    lines += [
        "",
        f"  (metadata: the hash plus the stable article's memberships, {_b(memberships)} B.)",
    ]
    lines += ["", f"(b) With 3 versions (active: {versioned.name})", ""]
    lines += table(
        ["key", "bytes/article", "keys", "encodings"],
        [
            [
                k.label,
                _b(versioned.per_article(k)),
                f"{versioned.usage[k].keys:,}",
                ", ".join(sorted(versioned.usage[k].encodings)),
            ]
            for k in Kind
        ],
    )
    lines += [
        "",
        f"  Total: {_b(versioned.total)} B per article by MEMORY USAGE; used_memory grew "
        f"{_b(versioned.used_per_article)} B per article.",
        f"  Of which versions: {_b(versioned.part(Part.VERSIONS))} B; change events (2 per "
        f"article): {_b(versioned.part(Part.EVENTS))} B.",
        f"  Stable with 3 versions: {_b(stable.total)} B per article by MEMORY USAGE; "
        f"used_memory {_b(stable.used_per_article)} B.",
        f"  Active with 1 version: {_b(active.total)} B per article by MEMORY USAGE; "
        f"used_memory {_b(active.used_per_article)} B.",
    ]
    real = _judged_ratio(m.ratios)
    if real is not None and real.texts == REAL:
        with_real = versioned.total - versioned.part(Part.VERSIONS) + real.list_bytes
        lines.append(
            f"  With the versions lists of real texts (list B in (c)): {_b(with_real)} B per "
            "article."
        )
    lines += [
        "",
        "(c) Stored versions: JSON (crawler.domain.codec.to_json) against stored blobs",
        "",
    ]
    lines += table(
        ["texts", "storage", "JSON B", "stored B", "ratio", "list B"],
        [
            [
                f"{r.texts} ({r.articles})",
                r.method,
                _b(r.raw / r.articles),
                _b(r.stored / r.articles),
                f"{r.ratio:.2f}:1",
                _b(r.list_bytes),
            ]
            for r in m.ratios
        ],
    )
    comp = verdict["compression"]
    lines += [
        "",
        "  (texts (articles); JSON B and stored B: per article, 3 versions together; list B:",
        "  MEMORY USAGE of an article's versions list holding those blobs.)",
    ]
    if m.data_missing:
        lines += [
            f"  Real texts not measured: {m.data_missing}.",
            "  Generated text compresses better than real news text: the ratio below flatters.",
        ]
    else:
        lines += [
            f"  real: the news pages of {m.data} of {MIN_WORDS:,} to {MAX_WORDS:,} words, read by",
            "  extract_page; generated: the typical article the population stores.",
        ]
    lines += [
        f"  Target: stored versions compressed >= {RATIO_TARGET:g}:1, judged on "
        f"{comp['texts']}: {'MET' if comp['met'] else 'MISSED'} ({comp['ratio']}:1).",
        "",
    ]
    return lines


def _steps(steps: tuple[StepFigure, ...], repetitions: int) -> list[str]:
    lines = [
        "2. The clock's step: lock renewal + Clock.tick (config files stat, index check,",
        f"   DueQueue.promote), and DueQueue.promote alone. Milliseconds over {repetitions}",
        "   repetitions, interleaved across configurations: wall time (median, p95) and the",
        "   server's time in the step's own commands (median, from INFO commandstats).",
        "",
    ]
    lines += table(
        [
            "scheduled",
            "due",
            "expired leases",
            "tick median",
            "p95",
            "server",
            "promote median",
            "p95",
            "server",
        ],
        [
            [
                f"{s.case.scheduled:,}",
                f"{s.case.due:,}",
                f"{s.case.expired:,}",
                f"{s.tick_median:.3f}",
                f"{s.tick_p95:.3f}",
                f"{s.tick_server:.3f}",
                f"{s.promote_median:.3f}",
                f"{s.promote_p95:.3f}",
                f"{s.promote_server:.3f}",
            ]
            for s in steps
        ],
    )
    plain = [s for s in steps if not s.case.expired]
    sizes = sorted({s.case.scheduled for s in plain})
    lines.append("")
    if len(sizes) > 1:
        low, high = sizes[0], sizes[-1]
        for due in sorted({s.case.due for s in plain}):
            pair = {s.case.scheduled: s for s in plain if s.case.due == due}
            if low in pair and high in pair:
                small, large = pair[low], pair[high]
                lines.append(
                    f"  {due:,} due, {high:,} / {low:,} scheduled: tick median "
                    f"{large.tick_median / small.tick_median:.2f}x, server "
                    f"{large.tick_server / small.tick_server:.2f}x; promote median "
                    f"{large.promote_median / small.promote_median:.2f}x, server "
                    f"{large.promote_server / small.promote_server:.2f}x"
                )
    for size in sizes:
        row = sorted((s for s in plain if s.case.scheduled == size), key=lambda s: s.case.due)
        if len(row) > 2:
            lines.append(f"  Growth with the number due, at {size:,} scheduled (tick median):")
            lines += [
                f"    {s.case.due:>7,} due: {s.tick_median:8.3f} ms, "
                f"{s.tick_median / s.case.due * 1000:6.1f} us per due id"
                for s in row
            ]
    return [*lines, ""]


def _judged_ratio(ratios: tuple[Ratio, ...]) -> Ratio | None:
    """The "as stored" ratio the target is judged on: real texts if measured."""
    stored = [r for r in ratios if "as stored" in r.method]
    real = [r for r in stored if r.texts == REAL]
    chosen = real or stored
    return chosen[0] if chosen else None


def _snapshot_json(s: Snapshot) -> dict[str, Any]:
    return {
        "name": s.name,
        "articles": s.articles,
        "used_memory_growth": s.used_memory,
        "used_memory_per_article": round(s.used_per_article, 1),
        "memory_usage_per_article": round(s.total, 1),
        "kinds": {
            k.label: {
                "part": k.part.value,
                "keys": u.keys,
                "bytes": u.bytes,
                "bytes_per_article": round(u.bytes / s.articles, 1),
                "encodings": dict(u.encodings),
            }
            for k, u in s.usage.items()
        },
    }


def _b(value: float) -> str:
    return f"{value:,.0f}"
