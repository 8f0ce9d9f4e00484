"""A local server that answers like a hostile or broken site: raw HTTP written byte by
byte, so it can do what a well-behaved server library would not."""

from __future__ import annotations

import contextlib
import gzip
import io
import socketserver
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

# Bytes a gzip bomb expands to.
BOMB_SIZE = 512 * 1024 * 1024
# Seconds a stalling answer waits at most (it is released when the server stops).
STALL_LIMIT = 60.0


def _gzip_bomb(size: int) -> bytes:
    """``size`` zero bytes, gzip-compressed (about a thousandth of ``size``)."""
    out = io.BytesIO()
    block = bytes(1024 * 1024)
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as packed:
        for _ in range(size // len(block)):
            packed.write(block)
    return out.getvalue()


class HostileSite:
    """Serves, on 127.0.0.1, one hostile answer per path:

    - ``/bomb``: a gzip bomb (:data:`BOMB_SIZE` bytes once decompressed);
    - ``/endless``: a chunked body that never ends;
    - ``/stall``: the headers, then nothing;
    - ``/loop``: a redirect to itself;
    - ``/good``: a plain article page, to show the rest keeps being checked.
    """

    def __init__(self, good_page: str) -> None:
        self.stop_event = threading.Event()
        self.bomb = _gzip_bomb(BOMB_SIZE)
        self.good_page = good_page.encode()
        site = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                request = self.rfile.readline().decode("latin-1").split()
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                path = request[1] if len(request) > 1 else "/"
                answer = site.answers.get(path, site._not_found)
                with contextlib.suppress(OSError):  # the client gave up, as it should
                    answer(self.wfile.write)

        self.answers: dict[str, Callable[[Callable[[bytes], Any]], None]] = {
            "/bomb": self._bomb,
            "/endless": self._endless,
            "/stall": self._stall,
            "/loop": self._loop,
            "/good": self._good,
            "/robots.txt": self._not_found,
        }
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}{path}"

    def start(self) -> HostileSite:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stop_event.set()
        self.server.shutdown()
        self.server.server_close()

    def _head(self, write: Callable[[bytes], Any], status: str, *headers: str) -> None:
        write(f"HTTP/1.1 {status}\r\n".encode() + "".join(f"{h}\r\n" for h in headers).encode())
        write(b"\r\n")

    def _bomb(self, write: Callable[[bytes], Any]) -> None:
        self._head(
            write,
            "200 OK",
            "Content-Type: text/html",
            "Content-Encoding: gzip",
            f"Content-Length: {len(self.bomb)}",
        )
        write(self.bomb)

    def _endless(self, write: Callable[[bytes], Any]) -> None:
        self._head(write, "200 OK", "Content-Type: text/html", "Transfer-Encoding: chunked")
        chunk = b"<p>" + b"and on " * 2000 + b"</p>"
        while not self.stop_event.is_set():
            write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")

    def _stall(self, write: Callable[[bytes], Any]) -> None:
        self._head(write, "200 OK", "Content-Type: text/html", "Content-Length: 100000")
        write(b"<html><head><title>")
        self.stop_event.wait(STALL_LIMIT)

    def _loop(self, write: Callable[[bytes], Any]) -> None:
        self._head(
            write, "301 Moved Permanently", f"Location: {self.url('/loop')}", "Content-Length: 0"
        )

    def _good(self, write: Callable[[bytes], Any]) -> None:
        self._head(
            write,
            "200 OK",
            "Content-Type: text/html; charset=utf-8",
            f"Content-Length: {len(self.good_page)}",
        )
        write(self.good_page)

    def _not_found(self, write: Callable[[bytes], Any]) -> None:
        self._head(write, "404 Not Found", "Content-Length: 0")
