"""The newsroom's HTTP server: every site on its own loopback address, on one asyncio loop.

Site ``k`` listens on ``127.0.0.{k + 2}`` (all of ``127.0.0.0/8`` is loopback on Linux), so
each site is a host of its own, as a source's domain is. Article ``i`` belongs to site
``i % sites`` and lives at ``/news/{i}``. The server speaks just enough HTTP/1.1 for
crawlers (GET and HEAD, keep-alive, conditional GET) and nothing else.

It logs when each article was requested (offsets from the start), which the scorer reads to
count requests after the stability window.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import json
import random
import threading
import time
from array import array
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from scheduler.newsroom.generated import PREFIX as GENERATED
from scheduler.newsroom.generated import drawn
from scheduler.newsroom.layouts import ENCODING, LAYOUTS, RENDER, Churn
from scheduler.newsroom.story import EditPlan, edit_times, story_version

if TYPE_CHECKING:
    from collections.abc import Callable

_REASONS = {
    200: "OK",
    301: "Moved Permanently",
    304: "Not Modified",
    400: "Bad Request",
    404: "Not Found",
    410: "Gone",
    503: "Service Unavailable",
}
_MAX_HEAD = 64 * 1024


@dataclass(frozen=True)
class Faults:
    """Faults the newsroom injects.

    Per request: ``unavailable`` (503 with ``Retry-After``), ``slow`` (the answer waits
    ``slow_delay`` seconds), ``reset`` (the connection is reset instead of answered). Per
    article: ``gone`` (answers 410 from ``gone_after`` seconds after the start on),
    ``redirect`` (always answers 301 to ``/moved/{i}``), ``huge`` (the page is padded to
    ``huge_size`` bytes). Each is a share between 0 and 1.
    """

    unavailable: float = 0.0
    slow: float = 0.0
    reset: float = 0.0
    gone: float = 0.0
    redirect: float = 0.0
    huge: float = 0.0
    slow_delay: float = 3.0
    gone_after: float = 60.0
    huge_size: int = 12_000_000

    @classmethod
    def parse(cls, text: str) -> Faults:
        """Reads ``name=value,...`` (for example ``unavailable=0.02,huge=0.01``).

        Raises:
            ValueError: a name is not a fault, or a value is not a number.
        """
        values: dict[str, float] = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            name, _, value = part.partition("=")
            if name not in cls.__dataclass_fields__:
                raise ValueError(f"unknown fault {name!r} in {text!r}")
            values[name] = float(value)
        return cls(**values)  # type: ignore[arg-type]


@dataclass(frozen=True)
class NewsroomConfig:
    """What a newsroom serves.

    Attributes:
        articles: How many articles.
        sites: Over how many sites (each its own host; layouts go round in turn).
        seed: Makes the text, the edits and the faults reproducible.
        edits: Which articles are edited, and when.
        churn: Boilerplate changes on every request (else a version is always the same
            bytes).
        etag: Answers with ``ETag``/``Last-Modified`` and honours conditional GETs.
        every_request: Every request of an article finds a new version (the article is
            edited between any two fetches); ``edits`` is then ignored.
        faults: The faults injected.
        generated: Each site has a layout of its own, generated from the seed and the
            site's number (:mod:`scheduler.newsroom.generated`), instead of the four written
            by hand.
    """

    articles: int = 100
    sites: int = 4
    seed: int = 1
    edits: EditPlan = field(default_factory=EditPlan)
    churn: bool = True
    etag: bool = False
    every_request: bool = False
    faults: Faults = field(default_factory=Faults)
    generated: bool = False

    def site(self, index: int) -> int:
        """The site article ``index`` belongs to."""
        return index % self.sites

    def layout(self, site: int) -> str:
        """Site ``site``'s layout."""
        if self.generated:
            return f"{GENERATED}{self.seed * 100_000 + site}"
        return LAYOUTS[site % len(LAYOUTS)]

    def edits_of(self, index: int) -> tuple[float, ...]:
        """Article ``index``'s true edits (offsets from the start)."""
        return edit_times(self.seed, index, self.edits)

    def fault_of(self, index: int) -> str:
        """The article's lasting fault: "gone", "redirect", "huge" or "" (none)."""
        draw = random.Random(f"{self.seed}:fault:{index}").random()
        for name in ("gone", "redirect", "huge"):
            share: float = getattr(self.faults, name)
            if draw < share:
                return name
            draw -= share
        return ""


class Newsroom:
    """Serves a :class:`NewsroomConfig` until stopped.

    Args:
        config: What to serve.
        clock: Returns the current time (epoch seconds).
    """

    def __init__(self, config: NewsroomConfig, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.clock = clock
        self.started = clock()
        self.hosts: list[str] = []
        self.requests = [array("d") for _ in range(config.articles)]
        self._fetches = [0] * config.articles
        self._churn = Churn(config.churn)
        self._rng = random.Random(config.seed)
        self._servers: list[asyncio.Server] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    # -- where things are ------------------------------------------------------------------

    def url(self, index: int) -> str:
        """Article ``index``'s URL."""
        return f"http://{self.hosts[self.config.site(index)]}/news/{index}"

    def version_at(self, index: int, offset: float) -> int:
        """The number of article ``index``'s version at ``offset`` seconds after the start."""
        return sum(1 for at in self.config.edits_of(index) if at <= offset)

    # -- running ---------------------------------------------------------------------------

    async def serve(self) -> None:
        """Starts listening on every site's address (a free port each)."""
        for site in range(self.config.sites):
            server = await asyncio.start_server(
                self._connection, f"127.0.0.{site + 2}", 0, backlog=1024
            )
            port = server.sockets[0].getsockname()[1]
            self.hosts.append(f"127.0.0.{site + 2}:{port}")
            self._servers.append(server)

    def start(self) -> Newsroom:
        """Serves on an event loop in a thread of its own; returns once it listens."""
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            loop.run_until_complete(self.serve())
            ready.set()
            loop.run_forever()
            for server in self._servers:
                server.close()
            loop.run_until_complete(asyncio.sleep(0))
            loop.close()

        self._thread = threading.Thread(target=run, name="newsroom", daemon=True)
        self._thread.start()
        ready.wait()
        return self

    def stop(self) -> None:
        """Stops a newsroom started with :meth:`start`."""
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)

    def describe(self) -> dict[str, object]:
        """The newsroom's settings and addresses, as JSON data."""
        return {
            "config": asdict(self.config),
            "started": self.started,
            "hosts": self.hosts,
            "layouts": [self.config.layout(s) for s in range(self.config.sites)],
        }

    # -- HTTP ------------------------------------------------------------------------------

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError, ValueError):
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                if len(head) > _MAX_HEAD:
                    return
                lines = head.decode("latin-1").split("\r\n")
                method, target, version = [*lines[0].split(" "), "", "", ""][:3]
                headers = {}
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
                keep = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
                answer = await self._answer(method, target, headers)
                if answer is None:  # a reset
                    writer.transport.abort()
                    return
                status, extra, body = answer
                out = [f"HTTP/1.1 {status} {_REASONS.get(status, 'OK')}"]
                out += [f"{k}: {v}" for k, v in extra.items()]
                out.append(f"Content-Length: {len(body)}")
                out.append("Connection: keep-alive" if keep else "Connection: close")
                writer.write(("\r\n".join(out) + "\r\n\r\n").encode("latin-1"))
                if method != "HEAD":
                    writer.write(body)
                await writer.drain()
                if not keep:
                    break
        with contextlib.suppress(ConnectionError):
            writer.close()

    async def _answer(
        self, method: str, target: str, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes] | None:
        path = target.split("?", 1)[0]
        if method not in ("GET", "HEAD"):
            return 400, {}, b"GET or HEAD only\n"
        if path == "/robots.txt":
            return 200, {"Content-Type": "text/plain"}, b"User-agent: *\nAllow: /\n"
        if path == "/_newsroom":
            return 200, {"Content-Type": "application/json"}, self._log().encode()
        kind, _, number = path.strip("/").partition("/")
        if kind not in ("news", "moved") or not number.isdigit():
            return 404, {"Content-Type": "text/plain"}, b"no such page\n"
        index = int(number)
        if index >= self.config.articles:
            return 404, {"Content-Type": "text/plain"}, b"no such article\n"
        return await self._article(index, kind == "moved", headers)

    async def _article(
        self, index: int, moved: bool, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes] | None:
        config, faults = self.config, self.config.faults
        now = self.clock()
        offset = now - self.started
        self.requests[index].append(offset)
        draw = self._rng.random()
        if draw < faults.reset:
            return None
        if draw < faults.reset + faults.slow:
            await asyncio.sleep(faults.slow_delay)
        elif draw < faults.reset + faults.slow + faults.unavailable:
            return 503, {"Retry-After": "1", "Content-Type": "text/plain"}, b"busy\n"
        fault = config.fault_of(index)
        if fault == "gone" and offset >= faults.gone_after:
            return 410, {"Content-Type": "text/plain"}, b"gone\n"
        if fault == "redirect" and not moved:
            location = f"http://{self.hosts[config.site(index)]}/moved/{index}"
            return 301, {"Location": location, "Content-Type": "text/plain"}, b""
        if config.every_request:
            self._fetches[index] += 1
            number = self._fetches[index] - 1
        else:
            number = self.version_at(index, offset)
        validators = {}
        if config.etag:
            etag = f'"{index}-{number}"'
            edits = config.edits_of(index)
            changed = self.started + (edits[number - 1] if number else 0.0)
            validators = {
                "ETag": etag,
                "Last-Modified": email.utils.formatdate(changed, usegmt=True),
            }
            if headers.get("if-none-match") == etag:
                return 304, validators, b""
        site = config.site(index)
        layout = config.layout(site)
        story = story_version(config.seed, index, number)
        url = f"http://{self.hosts[site]}/{'moved' if moved else 'news'}/{index}"
        if layout.startswith(GENERATED):
            page = drawn(int(layout.removeprefix(GENERATED))).render(story, url, self._churn)
        else:
            page = RENDER[layout](story, url, self._churn)
        encoding = ENCODING.get(layout, "utf-8")
        body = page.encode(encoding, "xmlcharrefreplace")
        if fault == "huge":
            body += b"<!--" + b"x" * max(faults.huge_size - len(body), 0) + b"-->"
        content_type = f"text/html; charset={encoding}"
        return 200, {"Content-Type": content_type, **validators}, body

    def _log(self) -> str:
        return json.dumps(
            {"started": self.started, "requests": [list(times) for times in self.requests]}
        )


def run_forever(config: NewsroomConfig, on_ready: Callable[[Newsroom], None]) -> None:
    """Serves ``config`` on this thread's event loop until interrupted."""

    async def main() -> None:
        newsroom = Newsroom(config)
        await newsroom.serve()
        on_ready(newsroom)
        await asyncio.Event().wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
