"""Redline's downloader middlewares (Scrapy's own are enabled in :mod:`crawler.settings`).

Following redirects without a Referer: a check is not a visit from another page.

Scrapy's ``RedirectMiddleware`` hands the Referer header of a redirected request to the
``RefererMiddleware``, which redline leaves out (it sets a Referer no check needs, and
costs time on every response); without it, Scrapy warns at every start. This subclass says
what redline does instead: a redirected request never carries a Referer. (Meta refresh
redirects are not followed at all.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.redirect import RedirectMiddleware

if TYPE_CHECKING:
    from scrapy.http import Request, Response


class RedirectWithoutReferer(RedirectMiddleware):
    """``RedirectMiddleware`` whose redirected requests carry no Referer header."""

    def handle_referer(self, request: Request, response: Response) -> None:
        """Drops the Referer header of ``request`` (a redirect of a check)."""
        request.headers.pop("Referer", None)

    def _engine_started(self) -> None:
        """Nothing to look for: the Referer is dropped, not handed to a middleware."""
