"""The page spider: fetches one URL once, with a worker's settings, for ``redline check``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import scrapy
from scrapy.http import Request

from crawler.spiders.article import HANDLED_STATUSES, describe_failure, header

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from scrapy.http import Response
    from twisted.python.failure import Failure


@dataclass
class FetchedPage:
    """The one response (or failure) a :class:`PageSpider` got.

    Attributes:
        url: The URL of the response, after redirects.
        status: Its HTTP status (0 when none came).
        content_type: Its ``Content-Type`` header.
        body: Its body, uncompressed.
        error: Why no response came ("" if one did).
    """

    url: str = ""
    status: int = 0
    content_type: str = ""
    body: bytes = b""
    error: str = ""


class PageSpider(scrapy.Spider):
    """Fetches ``url`` and fills ``sink`` with what came back."""

    name = "page"
    handle_httpstatus_list = HANDLED_STATUSES

    def __init__(self, url: str, sink: FetchedPage, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.url = url
        self.sink = sink

    async def start(self) -> AsyncIterator[Any]:
        """Yields the one request."""
        yield Request(self.url, callback=self.parse, errback=self.failed, dont_filter=True)

    def parse(self, response: Response, **kwargs: Any) -> None:
        """Keeps the response."""
        self.sink.url = response.url
        self.sink.status = response.status
        self.sink.content_type = header(response, b"Content-Type")
        self.sink.body = response.body

    def failed(self, failure: Failure) -> None:
        """Keeps why the request failed (timeout, refused, too large, robots.txt)."""
        self.sink.error = describe_failure(failure)
