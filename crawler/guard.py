"""Who may be fetched: only ``http``/``https``, and by default only public addresses.

A page redline fetches is chosen by whoever writes the URLs file, the sources' feeds and
every redirect on the way: none of them may make a worker read a file, an internal
service or the cloud metadata endpoint. Two checks, both on every request, so on every
redirect hop too:

- :class:`NetworkGuard`, a downloader middleware, refuses any other scheme and a host
  written as a refused address;
- :class:`GuardedResolver`, the reactor's DNS resolver, refuses a name that resolves to a
  refused address. The address it returns is the one connected to, so a name that
  resolves to a public address when checked and to a private one later (DNS rebinding)
  cannot get past it.

Loopback, private, link-local, shared (CGNAT), multicast, reserved and unspecified
addresses are refused unless the setting ``allow_private_networks`` is on (the tests and
``redline demo`` fetch from 127.0.0.1 with it).
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy.exceptions import CannotResolveHostError, IgnoreRequest
from scrapy.resolver import CachingThreadedResolver
from scrapy.utils.datatypes import LocalCache
from twisted.internet.error import DNSLookupError

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Self

    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from twisted.internet.base import ReactorBase
    from twisted.internet.defer import Deferred

# The Scrapy setting that carries redline's allow_private_networks.
ALLOW_SETTING = "REDLINE_ALLOW_PRIVATE_NETWORKS"
SCHEMES = ("http", "https")
_HINT = "set allow_private_networks = true to fetch it"
# Why the resolver refused each host name lately, for NetworkGuard's error.
_refused: LocalCache[str, str] = LocalCache(10_000)


class RefusedRequest(IgnoreRequest):
    """A request redline will not make (see :mod:`crawler.guard`)."""


def address_refusal(address: str) -> str:
    """Why the IP ``address`` must not be fetched from ("" when it may: a public address,
    or not an IP address at all)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for refused, kind in (
        (ip.is_loopback, "a loopback address"),
        (ip.is_link_local, "a link-local address"),
        (ip.is_multicast, "a multicast address"),
        (ip.is_unspecified, "the unspecified address"),
        (ip.is_reserved, "a reserved address"),
        (ip.is_private, "a private address"),
        (not ip.is_global, "not a public address"),
    ):
        if refused:
            return kind
    return ""


def url_refusal(url: str, *, allow_private: bool) -> str:
    """Why ``url`` must not be fetched, judged on its text ("" when it may be; a host name
    is judged when it is resolved, by :class:`GuardedResolver`)."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in SCHEMES:
        scheme = f"{parts.scheme}:" if parts.scheme else "a URL without a scheme"
        return f"refused {url[:200]}: only http and https URLs are fetched, not {scheme}"
    host = parts.hostname or ""
    if not allow_private and (kind := address_refusal(host)):
        return f"refused {url[:200]}: {host} is {kind}; {_HINT}"
    return ""


class NetworkGuard:
    """A downloader middleware that refuses what :func:`url_refusal` refuses, and names
    the reason when :class:`GuardedResolver` refused the request's host (Twisted reports
    a refused name as one that does not resolve)."""

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.settings.getbool(ALLOW_SETTING))

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        """Raises :class:`RefusedRequest` for a refused URL; lets the others through."""
        if reason := url_refusal(request.url, allow_private=self.allow_private):
            raise RefusedRequest(reason)

    def process_exception(
        self, request: Request, exception: Exception, spider: Spider | None = None
    ) -> None:
        """Raises :class:`RefusedRequest` with the resolver's reason for a host it refused;
        leaves other failures alone."""
        host = urlsplit(request.url).hostname or ""
        if isinstance(exception, CannotResolveHostError) and host in _refused:
            raise RefusedRequest(f"refused {request.url[:200]}: {_refused[host]}") from exception


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's caching resolver, refusing names that resolve to refused addresses."""

    allow_private = False

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: ReactorBase) -> Self:
        resolver = super().from_crawler(crawler, reactor)
        resolver.allow_private = crawler.settings.getbool(ALLOW_SETTING)
        return resolver

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:
        resolved = super().getHostByName(name, timeout)
        resolved.addCallback(self._checked, name)
        return resolved

    def _checked(self, address: Any, name: str) -> Any:
        if not self.allow_private and (kind := address_refusal(str(address))):
            _refused[name] = f"{name}: it resolves to {address}, {kind}; {_HINT}"
            raise DNSLookupError(f"refused {_refused[name]}")
        return address
