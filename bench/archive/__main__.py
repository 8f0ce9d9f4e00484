"""What archiving costs: the bytes a version's evidence takes in the WARC files.

Each real page of ``../shared/data`` is archived as a worker archives the response that
records a version (:class:`crawler.store.archive.WarcFiles`: a request record and a
response record, each gzip-compressed), and the file's growth is measured against the
page's own size. Prints the figures per page and in all.

    .venv/bin/python -m bench.archive
"""

from __future__ import annotations

import gzip
import statistics
import sys
import tempfile
import time
from pathlib import Path

from crawler.domain.models import Exchange
from crawler.store.archive import WarcFiles

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "aeb" / "html"


def main() -> int:
    pages = sorted(DATA.glob("*.html.gz"))
    if not pages:
        print(f"no pages in {DATA}", file=sys.stderr)
        return 1
    sizes, costs = [], []
    with tempfile.TemporaryDirectory() as tmp:
        files = WarcFiles(Path(tmp), worker="bench:1")
        started = time.perf_counter()
        for page in pages:
            body = gzip.decompress(page.read_bytes())
            exchange = Exchange(
                url=f"https://news.example/{page.name.split('.')[0][:16]}",
                request_headers=(("User-Agent", "redline"), ("Accept", "text/html")),
                status=200,
                reason="OK",
                headers=(("Content-Type", "text/html; charset=utf-8"),),
                body=body,
            )
            before = sum(p.stat().st_size for p in Path(tmp).iterdir())
            files.write(exchange, 0.0)
            after = sum(p.stat().st_size for p in Path(tmp).iterdir())
            sizes.append(len(body))
            costs.append(after - before)
        elapsed = time.perf_counter() - started
    print(f"{len(pages)} real pages archived as a version's evidence (request + response)")
    for label, figures in (("page size:     ", sizes), ("bytes archived:", costs)):
        median, mean = statistics.median(figures), statistics.mean(figures)
        print(f"{label} median {median:,.0f} B, mean {mean:,.0f} B")
    print(f"ratio archived/page: {sum(costs) / sum(sizes):.2f}")
    print(f"time: {1000 * elapsed / len(pages):.1f} ms per version (fsync included)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
