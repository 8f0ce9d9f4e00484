"""The evidence of each version: the HTTP exchange that recorded it, kept as fetched in WARC
files (ISO 28500, the format web archives keep and replay), and in Redis where each
version's records are.

Every worker process writes its own files (its host and pid in the name), so workers on
many machines never write the same file. A file is closed and a new one begun when it
would pass its size limit or when the day (UTC) changes; each record is gzip-compressed on
its own, so a record is read back from its offset alone, and the files can be concatenated,
copied or shipped as they are. A version's record is written before Redis notes where it is,
so a crash between the two leaves a record no version names, never a version whose record
is missing.

The response is kept as Scrapy handed it to the worker: its status, its headers and its
body, with any content encoding (gzip, br) undone; the encoding's headers are then left
out, so a replay serves the body it describes.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import threading
import time
from base64 import b32encode
from dataclasses import asdict
from typing import TYPE_CHECKING

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.domain.codec import as_text
from crawler.domain.models import Archived, Exchange

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from redis import Redis

    from crawler.store.keys import Keys

FILE_SIZE = 100 * 1000**2
"""Bytes a WARC file holds at most, by default."""
# Headers that describe an encoding of the body undone before it was kept.
_UNDONE = {"content-encoding", "transfer-encoding", "content-length"}


class ArchiveError(RuntimeError):
    """An archived record cannot be read back as it was written (says why)."""


class WarcFiles:
    """This process's WARC files in a directory.

    Args:
        directory: Where the files go (made if missing).
        file_size: Bytes a file holds at most before the next one is begun.
        worker: Who writes them (``host:pid``; part of each file's name).
    """

    def __init__(self, directory: Path, file_size: int = FILE_SIZE, worker: str = "") -> None:
        self.directory = directory
        self.file_size = file_size
        self.worker = worker or f"{os.uname().nodename}:{os.getpid()}"
        self._lock = threading.Lock()
        self._path: Path | None = None
        self._day = ""
        self._serial = 0

    def write(self, exchange: Exchange, now: float) -> Archived:
        """Appends the request and the response of ``exchange`` as two WARC records;
        returns where the response record is (the request's is just before it)."""
        request, response = _records(exchange, now)
        with self._lock:
            path = self._file_for(len(request) + len(response), now)
            with path.open("ab") as out:
                offset = out.seek(0, io.SEEK_END)
                out.write(request + response)
                out.flush()
                os.fsync(out.fileno())
        record_id, digest = _identity(response)
        return Archived(
            file=path.name,
            offset=offset + len(request),
            length=len(response),
            record_id=record_id,
            digest=digest,
        )

    def _file_for(self, size: int, now: float) -> Path:
        day = time.strftime("%Y%m%d", time.gmtime(now))
        path = self._path
        if path is None or day != self._day or path.stat().st_size + size > self.file_size:
            self.directory.mkdir(parents=True, exist_ok=True)
            name = self.worker.replace(":", "-").replace("/", "-")
            while True:
                self._serial += 1
                path = self.directory / f"redline-{day}-{name}-{self._serial:05d}.warc.gz"
                if not path.exists():
                    break
            self._path, self._day = path, day
        return path


def read(directory: Path, archived: Archived) -> tuple[StatusAndHeaders, bytes]:
    """The archived response: its status and headers, and its body.

    Raises:
        ArchiveError: the file is missing, or the record at the offset is not the one
            written (another id, or a body whose digest differs).
    """
    path = directory / archived.file
    try:
        with path.open("rb") as source:
            source.seek(archived.offset)
            chunk = io.BytesIO(source.read(archived.length))
    except FileNotFoundError as exc:
        raise ArchiveError(f"{path}: no such file") from exc
    try:
        record = next(iter(ArchiveIterator(chunk)))
        body = record.content_stream().read()
    except Exception as exc:  # warcio raises many kinds on a damaged record
        raise ArchiveError(f"{path} at {archived.offset}: not a WARC record ({exc})") from exc
    found = record.rec_headers.get_header("WARC-Record-ID")
    if found != archived.record_id:
        raise ArchiveError(f"{path} at {archived.offset}: record {found}, not {archived.record_id}")
    if _digest(body) != archived.digest:
        raise ArchiveError(f"{path} at {archived.offset}: the body's digest differs")
    assert record.http_headers is not None
    return record.http_headers, body


class ArchiveIndex:
    """Where each version's evidence is (the one writer of the ``archived:`` keys).

    Args:
        redis: The connection (``decode_responses=False``).
        keys: The key names.
    """

    def __init__(self, redis: Redis, keys: Keys) -> None:
        self.redis = redis
        self.keys = keys

    def note(self, article_id: str, version: int, archived: Archived) -> None:
        """Notes where version ``version`` of the article was archived."""
        self.redis.hset(self.keys.archived(article_id), str(version), json.dumps(asdict(archived)))

    def at(self, article_id: str, version: int) -> Archived | None:
        """Where version ``version`` of the article was archived (None: it was not)."""
        raw = self.redis.hget(self.keys.archived(article_id), str(version))
        return Archived(**json.loads(as_text(raw))) if raw else None

    def of(self, article_id: str) -> dict[int, Archived]:
        """Where each archived version of the article is, by version number."""
        raw = self.redis.hgetall(self.keys.archived(article_id))
        return {int(as_text(k)): Archived(**json.loads(as_text(v))) for k, v in raw.items()}

    def every(self) -> Iterator[tuple[str, int, Archived]]:
        """Every archived version: the article's id, the version number, where it is."""
        prefix = self.keys.archived("")
        for key in self.redis.scan_iter(match=prefix + "*", count=1000):
            article_id = as_text(key).removeprefix(prefix)
            for number, archived in sorted(self.of(article_id).items()):
                yield article_id, number, archived


def _records(exchange: Exchange, now: float) -> tuple[bytes, bytes]:
    """The request and response of ``exchange``, fetched at ``now``, as two gzip-compressed
    WARC records."""
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    when = {"WARC-Date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))}
    request = writer.create_warc_record(
        exchange.url,
        "request",
        payload=io.BytesIO(b""),
        length=0,
        warc_headers_dict=when,
        http_headers=StatusAndHeaders(
            f"GET {_path_of(exchange.url)} HTTP/1.1",
            list(exchange.request_headers),
            is_http_request=True,
        ),
    )
    headers = [(k, v) for k, v in exchange.headers if k.lower() not in _UNDONE]
    headers.append(("Content-Length", str(len(exchange.body))))
    response = writer.create_warc_record(
        exchange.url,
        "response",
        payload=io.BytesIO(exchange.body),
        length=len(exchange.body),
        warc_headers_dict=when,
        http_headers=StatusAndHeaders(f"{exchange.status} {exchange.reason}", headers, "HTTP/1.1"),
    )
    response.rec_headers.add_header(
        "WARC-Concurrent-To", request.rec_headers.get_header("WARC-Record-ID")
    )
    writer.write_record(request)
    first = buffer.tell()
    writer.write_record(response)
    data = buffer.getvalue()
    return data[:first], data[first:]


def _identity(response: bytes) -> tuple[str, str]:
    """The record id and payload digest of a written response record."""
    record = next(iter(ArchiveIterator(io.BytesIO(response))))
    headers = record.rec_headers
    return headers.get_header("WARC-Record-ID"), headers.get_header("WARC-Payload-Digest")


def _digest(body: bytes) -> str:
    """A body's digest as WARC writes it (``sha1:`` and base 32)."""
    return "sha1:" + b32encode(hashlib.sha1(body).digest()).decode()


def _path_of(url: str) -> str:
    rest = url.split("://", 1)[-1]
    return "/" + rest.split("/", 1)[1] if "/" in rest else "/"
