"""A local news site for tests: real HTTP on 127.0.0.1, articles editable while it runs.

Every page carries boilerplate that changes on every request (clock, view counter, a
shuffled "Most read" list, a rotating ad, a nonce in a script), so a test can tell real
edits from page churn. The site counts requests per path and the most requests it ever had
in flight at once, and a story can be slow, redirect elsewhere or name a canonical URL.
"""

from __future__ import annotations

import html
import ipaddress
import itertools
import random
import ssl
import threading
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from scheduler.newsroom.layouts import TEASERS

if TYPE_CHECKING:
    from pathlib import Path


@dataclass
class Story:
    """One article the site serves."""

    headline: str
    byline: str
    paragraphs: list[str]
    status: int = 200
    extra_headers: dict[str, str] = field(default_factory=dict)
    etag: str = ""
    content_type: str = "text/html; charset=utf-8"
    delay: float = 0.0
    """Seconds the server waits before answering."""
    redirect: str = ""
    """Answer 301 to this location instead of the page."""
    canonical: str = ""
    """The page's ``<link rel=canonical>``."""
    body: bytes | None = None
    """Serve these bytes instead of the rendered page."""


class NewsSite:
    """A threaded HTTP server serving :class:`Story` pages at their paths."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.stories: dict[str, Story] = {}
        self.requests: Counter[str] = Counter()
        self.not_modified: Counter[str] = Counter()
        self.robots = "User-agent: *\nAllow: /\n"
        self.lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0
        self._views = itertools.count(1000)
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site._serve(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.scheme = "http"
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
            self.scheme = "https"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"{self.scheme}://{host!s}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def start(self) -> NewsSite:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def add(self, path: str, story: Story) -> str:
        with self.lock:
            self.stories[path] = story
        return self.url(path)

    def edit(self, path: str, **changes: Any) -> None:
        with self.lock:
            for name, value in changes.items():
                setattr(self.stories[path], name, value)

    def count(self, path: str) -> int:
        with self.lock:
            return self.requests[path]

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            self._answer(handler)
        finally:
            with self.lock:
                self.in_flight -= 1

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path.split("?")[0]
        with self.lock:
            self.requests[path] += 1
            story = self.stories.get(path)
            if story is not None:
                story = replace(story, paragraphs=list(story.paragraphs))
            if story and story.etag and handler.headers.get("If-None-Match") == story.etag:
                self.not_modified[path] += 1
                story = replace(story, status=304)
        if path == "/robots.txt":
            self._send(handler, 200, self.robots.encode(), "text/plain")
            return
        if story is None:
            self._send(handler, 404, b"<html><body>Not found</body></html>", "text/html")
            return
        if story.delay:
            time.sleep(story.delay)
        if story.redirect:
            self._send(handler, 301, b"", "text/html", {"Location": story.redirect})
            return
        headers = dict(story.extra_headers)
        if story.etag:
            headers["ETag"] = story.etag
        if story.status == 304:
            body = b""
        elif story.body is not None:
            body = story.body
        else:
            body = render_page(story, next(self._views)).encode()
        self._send(handler, story.status, body, story.content_type, headers)

    @staticmethod
    def _send(
        handler: BaseHTTPRequestHandler,
        status: int,
        body: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(body)


def render_page(story: Story, views: int) -> str:
    """A realistic article page whose boilerplate differs on every call."""
    teasers = random.sample(TEASERS, k=4)
    now = time.strftime("%H:%M:%S", time.gmtime())
    nonce = random.getrandbits(64)
    related = "".join(f'<li><a href="/news/{abs(hash(t)) % 9999}">{t}</a></li>' for t in teasers)
    paragraphs = "\n".join(f"<p>{html.escape(p)}</p>" for p in story.paragraphs)
    canonical = (
        f'<link rel="canonical" href="{html.escape(story.canonical)}">' if story.canonical else ""
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{html.escape(story.headline)} | The Local Ledger</title>{canonical}
<script nonce="{nonce}">window.__state = {{"views": {views}, "t": "{now}"}};</script>
</head><body>
<header><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a>
<span class="clock">Last updated {now} GMT</span></nav></header>
<main>
<article>
<h1>{html.escape(story.headline)}</h1>
<p class="byline">By {html.escape(story.byline)}</p>
{paragraphs}
</article>
<aside><h2>Most read</h2><ol>{related}</ol>
<div class="ad">Advertisement: Offer #{views} - save {views % 50}% today only!</div>
<p class="views">{views} people are reading this now</p></aside>
</main>
<footer><p>Page generated at {now} in {views % 97} ms. &copy; The Local Ledger</p></footer>
</body></html>"""


def sample_story(topic: str = "harbour") -> Story:
    """A plausible article with enough text to be extracted as one."""
    return Story(
        headline=f"City council votes to rebuild the old {topic} wall",
        byline="Jane Reporter",
        paragraphs=[
            f"The city council voted on Tuesday to rebuild the old {topic} wall, ending a "
            "debate that has divided residents for more than a decade.",
            "The project, estimated to cost 14 million pounds, will begin next spring and "
            "is expected to take three years to complete, officials said.",
            "Opponents argued that the money would be better spent on schools and housing, "
            "but supporters said the wall protects hundreds of homes from flooding.",
            "The mayor said the decision was difficult but necessary, and promised regular "
            "public updates on the work and its budget.",
        ],
    )


def self_signed_tls(directory: Path) -> ssl.SSLContext:
    """A server TLS context with a new self-signed certificate for 127.0.0.1 (which no
    client trusts), its files written in ``directory``."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context
