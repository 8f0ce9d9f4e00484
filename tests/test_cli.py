"""The `redline` command as a user types it."""

from __future__ import annotations

import gzip
import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.domain.identity import article_id
from crawler.store.articles import ArticleStore
from crawler.store.connection import connect, embedded_url
from crawler.store.keys import Keys
from scheduler.cli import main
from scheduler.config import load_settings
from scheduler.service import CANNOT_START, ROLES, Service
from scheduler.settingsfile import settings_file
from scheduler.urls import URLS_HEADER
from tests.conftest import SHARED_DATA, wait_for
from tests.sites import NewsSite, sample_story


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("REDLINE_CONFIG", "")
    monkeypatch.setenv("REDLINE_URLS_FILE", str(tmp_path / "urls.txt"))
    monkeypatch.setenv("REDLINE_STATE_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("REDIS_URL", raising=False)
    return tmp_path


def test_init_writes_the_explained_settings_and_an_urls_file_and_never_overwrites(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init"]) == 0
    out = capsys.readouterr().out
    settings, urls = workdir / "config" / "redline.toml", workdir / "urls.txt"
    assert f"wrote {Path('config/redline.toml')} (the settings" in out
    assert f"wrote {urls} (the article URLs" in out
    assert settings.read_text() == settings_file()
    assert urls.read_text() == URLS_HEADER
    assert "Next: `redline add URL`" in out
    # A file the user has is never overwritten.
    settings.write_text('web_port = 9000\nurls_file = "mine.txt"\n')
    urls.write_text("https://news.example/a\n")
    assert main(["init"]) == 0
    assert "config/redline.toml exists; kept as it is" in capsys.readouterr().out
    assert settings.read_text() == 'web_port = 9000\nurls_file = "mine.txt"\n'
    assert urls.read_text() == "https://news.example/a\n"
    # --stdout prints what it would write, and writes nothing.
    assert main(["--config", "other.toml", "init", "--stdout"]) == 0
    assert capsys.readouterr().out == settings_file()
    assert not (workdir / "other.toml").exists()


def test_add_validates_and_appends(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["add", "https://news.example/a", "https://news.example/b"]) == 0
    assert main(["add", "https://news.example/a", "mailto:editor@example.com"]) == 1
    err = capsys.readouterr().err
    assert "already tracked" in err
    assert "only http and https" in err
    lines = (workdir / "urls.txt").read_text().splitlines()
    urls = [line for line in lines if not line.startswith("#")]
    assert urls == ["https://news.example/a", "https://news.example/b"]


def test_list_shows_each_url_with_its_state(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "urls.txt").write_text("https://news.example/a\nftp://nope\n")
    assert main(["list"]) == 0  # starts the embedded Redis for the occasion, then stops it
    captured = capsys.readouterr()
    assert "pending" in captured.out
    assert "https://news.example/a" in captured.out
    assert "urls.txt:2: only http and https" in captured.err
    # `show` agrees: the article is pending, not untracked
    assert main(["show", "https://news.example/a"]) == 0
    shown = capsys.readouterr().out
    assert "https://news.example/a: pending" in shown
    assert "urls.txt line 1 lists it" in shown
    assert main(["show", "https://news.example/b"]) == 1
    assert "is not tracked" in capsys.readouterr().err


def test_list_shows_the_articles_discovery_found_after_the_files(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from crawler.domain.models import ListingFetch
    from crawler.extraction.discovery import Link, Listing
    from crawler.store.endpoints import EndpointStore, EndpointTarget, endpoint_id
    from scheduler.embedded import EmbeddedRedis

    (workdir / "urls.txt").write_text("https://news.example/a\n")
    feed = "https://news.example/feed.xml"
    with EmbeddedRedis(workdir / "var") as server:
        endpoints = EndpointStore(ArticleStore(connect(server.url), Keys()))
        endpoints.sync([EndpointTarget(feed, "news", 600.0)], 1.0)
        found = Listing("rss", (Link("https://news.example/b"), Link("https://news.example/a")))
        endpoints.record(
            ListingFetch(
                endpoint_id=endpoint_id(feed), url=feed, final_url=feed, fetched_at=2.0, status=200
            ),
            found,
            "",
            2.0,
        )
    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].endswith("https://news.example/a")
    assert lines[2] == "found by discovery (1, newest first):"
    assert lines[3].startswith("new ")
    assert lines[3].endswith("news           https://news.example/b")


def test_a_bad_setting_is_reported_and_nothing_starts(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDLINE_MAX_INTERVAL", "soon")
    assert main(["clock"]) == 2
    assert "REDLINE_MAX_INTERVAL" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["clock", "status", "web"])
def test_a_wrong_redis_url_fails_at_start_with_a_clear_message(
    workdir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: str,
) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://:hunter2@127.0.0.1:1/0")
    monkeypatch.setenv("REDLINE_REDIS_CONNECT_TIMEOUT", "300ms")
    assert main([command]) == 1
    out, err = capsys.readouterr()
    assert "cannot reach Redis at redis://:***@127.0.0.1:1/0" in err
    assert "hunter2" not in out + err


def test_a_taken_web_port_is_named_and_nothing_runs_headless(
    workdir: Path, redis_url: str, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        monkeypatch.setenv("REDLINE_WEB_HOST", "127.0.0.1")
        monkeypatch.setenv("REDLINE_WEB_PORT", str(port))
        with caplog.at_level(logging.ERROR):
            assert main(["run"]) == 1
        assert f"the web server cannot listen on 127.0.0.1:{port}" in caplog.text
        assert "REDLINE_WEB_PORT" in caplog.text
        assert not (workdir / "var").exists()  # nothing started, not even Redis
        # the web role on its own (as under honcho) exits so that `run` stops, not restarts
        monkeypatch.setenv("REDIS_URL", redis_url)
        web = _redline("web", cwd=workdir)
        assert web.returncode == CANNOT_START
        assert f"redline web: the web server cannot listen on 127.0.0.1:{port}" in web.stderr
        assert "Traceback" not in web.stderr


def test_run_stops_when_a_role_cannot_start_after_the_port_check(
    workdir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The port can be taken between ``run``'s check and the web role's start: the web
    role then exits with CANNOT_START, and ``run`` stops everything rather than running
    without it. (Real processes: each role a Python that sleeps, the web one exits 78.)"""
    role = (
        f"import sys, time\nsys.exit({CANNOT_START}) if sys.argv[-1] == 'web' else time.sleep(120)"
    )
    settings = load_settings(None)
    service = Service(settings, None, command=(sys.executable, "-c", role))
    with caplog.at_level(logging.INFO):
        assert service.run() == 1
    assert "web cannot start (see above); stopping redline" in caplog.text
    assert "redline stopped" in caplog.text
    assert "restarting" not in caplog.text


def test_a_killed_service_leaves_no_role_running(workdir: Path, redis_url: str) -> None:
    """``kill -9`` of ``redline run`` takes its roles with it: each asks, first thing, to
    be stopped when the service dies (real processes: the service, and each role a Python
    that notes its pid and sleeps)."""
    role = (
        "import os, sys, time\n"
        "from scheduler.service import die_with_parent\n"
        "die_with_parent(os.environ, sys.argv[-1])\n"
        "open(sys.argv[-1] + '.pid', 'w').write(str(os.getpid()))\n"
        "time.sleep(120)"
    )
    runner = (
        "import sys\n"
        "from scheduler.config import load_settings\n"
        "from scheduler.service import Service\n"
        f"Service(load_settings(None), None, command=(sys.executable, '-c', {role!r})).run()"
    )
    env = {**os.environ, "REDIS_URL": redis_url, "REDLINE_WEB_PORT": "0"}
    service = subprocess.Popen([sys.executable, "-c", runner], cwd=workdir, env=env)
    pidfiles = [workdir / f"{name}.pid" for name in ROLES]
    try:
        wait_for(lambda: all(p.exists() and p.read_text() for p in pidfiles), what="the roles")
    finally:
        service.kill()
        service.wait()
    pids = [int(p.read_text()) for p in pidfiles]
    wait_for(lambda: not any(_running(pid) for pid in pids), what="the roles to stop")


def _running(pid: int) -> bool:
    """Whether a process runs (a zombie no parent reaped yet has stopped)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def test_honcho_runs_the_service_from_the_procfile(workdir: Path, site: NewsSite) -> None:
    url = site.add("/story", sample_story())
    (workdir / "urls.txt").write_text("")
    procfile = Path(__file__).resolve().parents[1] / "Procfile"
    bindir = Path(sys.executable).parent
    # As the README says: `.venv/bin/honcho start` in a checkout whose .venv holds redline,
    # with nothing of the venv on the PATH.
    (workdir / ".venv").mkdir()
    (workdir / ".venv" / "bin").symlink_to(bindir)
    path = os.pathsep.join(
        d for d in os.environ["PATH"].split(os.pathsep) if d and Path(d) != bindir
    )
    env = {
        **os.environ,
        "PATH": path,
        "REDLINE_WEB_PORT": "0",
        "REDLINE_CLOCK_TICK": "100ms",
    }
    honcho = subprocess.Popen(
        [".venv/bin/honcho", "-f", str(procfile), "start"],
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        store = ArticleStore(connect(embedded_url(workdir / "var"), wait=30), Keys())
        # A URL added while the service runs is picked up without a restart.
        assert main(["add", url]) == 0
        wait_for(
            lambda: (s := store.load(article_id(url))) and s.versions == 1,
            what="the first version via honcho",
        )
    finally:
        honcho.send_signal(signal.SIGTERM)  # honcho passes it on to every process
        try:
            output = honcho.communicate(timeout=60)[0].decode(errors="replace")
        finally:
            if honcho.poll() is None:
                os.killpg(honcho.pid, signal.SIGKILL)
    assert honcho.returncode is not None
    assert "embedded Redis stopped" in output
    assert "Spider closed (shutdown)" in output
    # Scrapy's start-up report and its Referer warning are not on a user's console
    for noise in ("Enabled downloader middlewares", "Overridden settings", "RefererMiddleware"):
        assert noise not in output


def _redline(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Runs the ``redline`` command in a process of its own (Scrapy's reactor runs once per
    process)."""
    command = [sys.executable, "-c", "from scheduler.cli import main; raise SystemExit(main())"]
    return subprocess.run(
        [*command, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


AEB_PAGE = next(iter(sorted((SHARED_DATA / "aeb" / "html").glob("*.html.gz"))), None)


@pytest.mark.skipif(AEB_PAGE is None, reason="needs ../shared/data/aeb")
def test_check_reads_a_saved_gzipped_page_and_prints_the_record_as_json(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert AEB_PAGE is not None
    assert main(["check", "https://www.reuters.com/a", "--html", str(AEB_PAGE), "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert {"source", "layer", "headline", "byline", "paragraphs", "hash"} <= set(record)
    assert record["source"] == "reuters"
    assert record["layer"] == "general"
    assert record["headline"]
    assert len(record["paragraphs"]) > 5
    assert all(isinstance(p, str) and p for p in record["paragraphs"])
    assert re.fullmatch(r"[0-9a-f]{64}", record["hash"])
    # The same page as plain text, uncompressed this time: the same hash.
    plain = workdir / "page.html"
    plain.write_bytes(gzip.decompress(AEB_PAGE.read_bytes()))
    assert main(["check", "--html", str(plain)]) == 0
    assert f"hash:      {record['hash']}" in capsys.readouterr().out


def test_check_fetches_a_page_with_the_source_rules_of_the_settings(
    workdir: Path, site: NewsSite
) -> None:
    url = site.add("/story", sample_story())
    (workdir / "redline.toml").write_text(
        "[sources.ledger]\n"
        'domains = ["127.0.0.1"]\n'
        'body = "article"\n'
        'drop = ["p.byline"]\n'
        'headline = "h1"\n'
    )
    done = _redline("--config", "redline.toml", "check", url, cwd=workdir)
    assert done.returncode == 0, done.stderr
    assert "source:    ledger" in done.stdout
    assert "layer:     rules" in done.stdout
    assert f"headline:  {sample_story().headline}" in done.stdout
    assert f"  1. {sample_story().paragraphs[0]}" in done.stdout
    missing = _redline("--config", "redline.toml", "check", site.url("/missing"), cwd=workdir)
    assert missing.returncode == 1
    assert "could not fetch" in missing.stderr
    assert "HTTP 404" in missing.stderr


def test_check_says_when_a_document_is_not_html(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pdf = workdir / "report.pdf"
    pdf.write_bytes(b"%PDF-1.7\n1 0 obj\n")
    assert main(["check", "--html", str(pdf), "--json"]) == 1
    record = json.loads(capsys.readouterr().out)
    assert (record["not_html"], record["layer"], record["paragraphs"]) == (
        "application/pdf",
        "",
        [],
    )
