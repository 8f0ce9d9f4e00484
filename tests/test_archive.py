"""Every version's response archived as fetched, in WARC: written by a real worker, read
back with warcio (and its own checker), served as a download, shown, and verified."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.domain.identity import article_id
from crawler.domain.models import Exchange
from crawler.store.archive import ArchiveError, WarcFiles, read
from crawler.store.stores import Stores
from crawler.web.app import WebApp
from scheduler.cli import main
from tests.sites import sample_story
from tests.workers import Harness, one_worker

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.sites import NewsSite

DAY = 86400.0
# pywb, where it installs, in a virtualenv of its own (.ci/run makes it): its dependencies
# are pinned apart from redline's.
PYWB = Path(__file__).resolve().parents[1] / ".pywb" / "bin"


@pytest.fixture
def worker(redis_url: str, tmp_path: Path) -> Iterator[Harness]:
    with one_worker(redis_url, tmp_path) as harness:
        yield harness


def exchange(body: bytes, url: str = "https://news.example/a") -> Exchange:
    return Exchange(
        url=url,
        request_headers=(("User-Agent", "redline"), ("Accept", "text/html")),
        status=200,
        reason="OK",
        headers=(("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip")),
        body=body,
    )


def test_each_recorded_version_is_archived_as_fetched_and_reads_back(
    worker: Harness,
    site: NewsSite,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = site.add("/story", sample_story())
    worker.check(url)
    site.edit("/story", headline="City council votes to rebuild the harbour wall by May")
    worker.check(url)  # the candidate change
    (state,) = worker.check(url)  # its confirmation records version 1
    assert state.versions == 2
    stores = Stores.open(worker.store.redis, worker.keys)
    archived = stores.archive.of(article_id(url))
    assert sorted(archived) == [0, 1]
    directory = tmp_path / "var" / "archive"

    # warcio reads every record back; each response is the page the site served.
    (warc,) = sorted(directory.glob("redline-*.warc.gz"))
    with warc.open("rb") as stream:
        records = [
            (r.rec_type, r.rec_headers.get_header("WARC-Target-URI"), r.content_stream().read())
            for r in ArchiveIterator(stream)
        ]
    assert [kind for kind, _, _ in records] == ["request", "response"] * 2
    assert all(target == url for _, target, _ in records)
    assert b"by May" in records[3][2]
    assert b"by May" not in records[1][2]
    checker = Path(sys.executable).parent / "warcio"
    assert subprocess.run([checker, "check", "-v", str(warc)], check=False).returncode == 0
    headers, body = read(directory, archived[1])
    assert headers.get_statuscode() == "200"
    assert body == records[3][2]

    # The web view offers it as a download, never as a page of its own origin.
    app = WebApp(stores, "changes", 10, directory)
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": f"/articles/{state.id}/archived/1"}
    got: list[object] = []
    served = b"".join(app(dict(environ), lambda status, headers: got.extend([status, headers])))
    status, response_headers = got
    assert status == "200 OK"
    assert dict(response_headers)["Content-Type"] == "text/plain"  # type: ignore[call-overload]
    assert dict(response_headers)["Content-Disposition"].startswith("attachment;")  # type: ignore[call-overload]
    assert served == body

    # `redline show` names it, and `redline archive verify` finds every record whole...
    monkeypatch.setenv("REDIS_URL", worker.redis_url)
    monkeypatch.setenv("REDLINE_REDIS_PREFIX", worker.keys.prefix)
    monkeypatch.setenv("REDLINE_STATE_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("REDLINE_CONFIG", "")
    assert main(["show", url]) == 0
    assert f"as fetched: {warc.name} at {archived[1].offset}" in capsys.readouterr().out
    assert main(["archive", "verify"]) == 0
    assert "2 archived versions" in capsys.readouterr().out
    # ... and reports a damaged record, then a missing file, naming the version.
    data = bytearray(warc.read_bytes())
    data[archived[1].offset + archived[1].length // 2] ^= 0xFF
    warc.write_bytes(bytes(data))
    assert main(["archive", "verify"]) == 1
    said = capsys.readouterr().out
    assert f"{url} version 1: " in said
    assert f"{url} version 0: " not in said
    warc.unlink()
    assert main(["archive", "verify"]) == 1
    assert f"{url} version 0: {warc}: no such file" in capsys.readouterr().out


def test_files_are_one_workers_each_and_begin_anew_past_their_size_and_each_day(
    tmp_path: Path,
) -> None:
    first = WarcFiles(tmp_path, file_size=3000, worker="host-a:11")
    other = WarcFiles(tmp_path, file_size=3000, worker="host-b:11")
    noise = random.Random(7)  # a body that does not compress: about 2 KB in its file
    body = b"<html><body><p>" + bytes(noise.randrange(256) for _ in range(2000)) + b"</p>"
    kept = [first.write(exchange(body), 1000.0) for _ in range(3)]
    kept.append(first.write(exchange(body), 1000.0 + DAY))
    kept.append(other.write(exchange(body), 1000.0))
    files = [k.file for k in kept]
    assert len(set(files)) == 5  # one record fits, two do not
    assert files[3].startswith("redline-19700102-host-a-11-")
    assert files[4].startswith("redline-19700101-host-b-11-")
    for archived in kept:
        headers, read_body = read(tmp_path, archived)
        assert read_body == body
        # The encoding was undone before the body was kept: its header is left out.
        assert headers.get_header("Content-Encoding") is None
        assert headers.get_header("Content-Length") == str(len(body))
    with pytest.raises(ArchiveError, match="record"):
        read(tmp_path, kept[1].__class__(**{**kept[1].__dict__, "offset": 0, "record_id": "x"}))


@pytest.mark.skipif(not (PYWB / "wb-manager").exists(), reason="pywb is not installed in .pywb")
def test_a_web_archive_client_replays_an_archived_version_as_fetched(tmp_path: Path) -> None:
    body = b"<html><body><p>The harbour wall gave way at dawn.</p></body></html>"
    archived = WarcFiles(tmp_path / "in", worker="host:1").write(exchange(body), 1_765_000_000)
    warc = tmp_path / "in" / archived.file
    for command in (["init", "coll"], ["add", "coll", str(warc)]):
        subprocess.run([PYWB / "wb-manager", *command], cwd=tmp_path, check=True)
    replay = Path(__file__).with_name("pywb_replay.py")
    path = "/coll/20251206id_/https://news.example/a"
    output = tmp_path / "replayed"
    subprocess.run([PYWB / "python", replay, tmp_path, path, output], check=True)
    status, _, replayed = output.read_bytes().partition(b"\n")
    assert status == b"200 OK"
    assert replayed == body
