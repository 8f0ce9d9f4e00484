"""Scrapy's AutoThrottle, taught that a 304 is an answer like any other.

AutoThrottle lowers a site's delay only on 200 responses (it must not learn from fast
error pages). A site that answers conditional GETs with 304 (the usual answer for an
unchanged article) would then be fetched at its start delay, one request a second, for
ever. A 304 is a complete, normal answer, so here it counts as one.

Enabled in place of Scrapy's by :mod:`crawler.settings`; it reads the
same ``AUTOTHROTTLE_*`` settings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.extensions.throttle import AutoThrottle

if TYPE_CHECKING:
    from scrapy.core.downloader import Slot
    from scrapy.http import Response


class ConditionalAutoThrottle(AutoThrottle):
    """AutoThrottle that adjusts a site's delay on 304 answers as on 200s."""

    def _adjust_delay(self, slot: Slot, latency: float, response: Response) -> None:
        if response.status == 304:
            response = response.replace(status=200)
        super()._adjust_delay(slot, latency, response)
