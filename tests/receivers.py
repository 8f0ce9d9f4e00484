"""Real receivers of notifications on 127.0.0.1: an SMTP server (aiosmtpd) and an HTTP
server taking JSON webhooks, each keeping what it received, and able to refuse for a while
as a receiver that is down does."""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Self

from aiosmtpd.smtp import SMTP, Envelope, Session

if TYPE_CHECKING:
    from email.message import EmailMessage
    from types import TracebackType


class Mailbox:
    """An SMTP server on 127.0.0.1 (a free port) that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        server = self._loop.run_until_complete(
            self._loop.create_server(lambda: SMTP(self, hostname="127.0.0.1"), "127.0.0.1", 0)
        )
        self._server = server
        self.port = int(server.sockets[0].getsockname()[1])

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        """Keeps the message (aiosmtpd's handler hook)."""
        content = envelope.content
        raw = content if isinstance(content, bytes) else str(content).encode()
        self.messages.append(email.message_from_bytes(raw, policy=email.policy.default))
        return "250 OK"

    def url(self) -> str:
        """The apprise URL that sends to this server, without TLS or a login."""
        return (
            f"mailto://127.0.0.1:{self.port}?from=redline@example.com&to=desk@example.com"
            "&mode=insecure"
        )

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._loop.call_soon_threadsafe(self._server.close)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.run_until_complete(self._server.wait_closed())
        self._loop.close()


class Webhook:
    """An HTTP server on 127.0.0.1 that keeps the JSON body of every POST it accepts, and
    answers 503 while it is ``down``."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.refused = 0
        self.down = False
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if hook.down:
                    hook.refused += 1
                    self.send_response(503)
                else:
                    hook.received.append(json.loads(body))
                    self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self.port = int(self._server.server_address[1])

    def url(self, secret: str = "") -> str:
        """The apprise URL that posts JSON to this server (with a login, if ``secret``)."""
        login = f"user:{secret}@" if secret else ""
        return f"json://{login}127.0.0.1:{self.port}/hook"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
