"""Who may be fetched and what a worker survives: schemes and addresses (pure), and a real
worker refusing them and outliving hostile answers."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from crawler.domain.models import Status
from crawler.guard import address_refusal, url_refusal
from tests.hostile import BOMB_SIZE, HostileSite
from tests.sites import NewsSite, render_page, sample_story, self_signed_tls
from tests.workers import Harness, one_worker

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("fd00::1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("100.64.0.1", "not a public"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "reserved"),
    ],
)
def test_non_public_addresses_are_refused_and_say_why(address: str, kind: str) -> None:
    assert kind in address_refusal(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:4700::1111", "news.example"])
def test_public_addresses_and_names_are_not_refused_on_their_text(address: str) -> None:
    assert address_refusal(address) == ""


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://news.example/story",
        "data:text/html,<p>hi</p>",
        "javascript:alert(1)",
        "gopher://news.example/",
        "//news.example/story",
    ],
)
def test_only_http_and_https_are_fetched_even_when_private_networks_are_allowed(url: str) -> None:
    assert "only http and https" in url_refusal(url, allow_private=True)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/story",
        "https://[::1]/story",
        "http://user:pw@10.0.0.1/story",
        "http://169.254.169.254/latest/meta-data/",
    ],
)
def test_urls_naming_private_addresses_are_refused_unless_allowed(url: str) -> None:
    assert "allow_private_networks" in url_refusal(url, allow_private=False)
    assert url_refusal(url, allow_private=True) == ""
    assert url_refusal("https://news.example/2026/story", allow_private=False) == ""


@pytest.fixture
def guarded(redis_url: str, tmp_path: Path) -> Iterator[Harness]:
    """A worker with redline's defaults: private networks refused."""
    with one_worker(redis_url, tmp_path, REDLINE_ALLOW_PRIVATE_NETWORKS="false") as harness:
        yield harness


def test_by_default_a_worker_never_connects_to_a_private_address(
    guarded: Harness, site: NewsSite
) -> None:
    literal = site.add("/story", sample_story())
    by_name = literal.replace("127.0.0.1", "localhost")
    states = guarded.check(literal, by_name)
    for state in states:
        assert state.versions == 0
        assert state.failures == 1
        assert "allow_private_networks" in state.last_error
    assert "127.0.0.1 is a loopback address" in states[0].last_error
    assert "localhost: it resolves to 127.0.0.1" in states[1].last_error
    assert site.count("/story") == 0  # refused before connecting, robots.txt included
    assert site.count("/robots.txt") == 0


@pytest.fixture
def allowed(redis_url: str, tmp_path: Path) -> Iterator[Harness]:
    with one_worker(redis_url, tmp_path) as harness:  # private networks allowed (conftest)
        yield harness


@pytest.mark.parametrize("target", ["file:///etc/passwd", "ftp://127.0.0.1/x", "data:,secret"])
def test_a_redirect_to_another_scheme_is_refused_with_a_clear_error(
    allowed: Harness, site: NewsSite, target: str
) -> None:
    url = site.add("/story", replace(sample_story(), redirect=target))
    (state,) = allowed.check(url)
    assert state.versions == 0
    assert state.status is not Status.ACTIVE
    assert "only http and https URLs are fetched" in state.last_error
    assert site.count("/story") == 1


@pytest.fixture
def untrusted_site(tmp_path: Path) -> Iterator[NewsSite]:
    """A news site on https with a self-signed certificate."""
    site = NewsSite(tls=self_signed_tls(tmp_path)).start()
    yield site
    site.stop()


@pytest.mark.parametrize(("verify", "recorded"), [("", False), ("false", True)])
def test_tls_certificates_are_verified_unless_turned_off(
    redis_url: str, tmp_path: Path, untrusted_site: NewsSite, verify: str, recorded: bool
) -> None:
    env = {"REDLINE_VERIFY_TLS": verify} if verify else {}
    with one_worker(redis_url, tmp_path, **env) as harness:
        url = untrusted_site.add("/story", sample_story())
        assert url.startswith("https://")
        (state,) = harness.check(url)
    assert state.versions == int(recorded)
    if not recorded:
        assert "certificate" in state.last_error.lower()


@pytest.fixture
def hostile() -> Iterator[HostileSite]:
    site = HostileSite(render_page(sample_story(), views=1)).start()
    yield site
    site.stop()


def test_hostile_answers_end_within_limits_and_the_worker_carries_on(
    redis_url: str, tmp_path: Path, hostile: HostileSite
) -> None:
    paths = ("/bomb", "/endless", "/stall", "/loop", "/good")
    # The limit is above the bomb's compressed size, far below its expanded size.
    limits = {"REDLINE_DOWNLOAD_TIMEOUT": "2s", "REDLINE_MAX_PAGE_SIZE": "1MB"}
    with one_worker(redis_url, tmp_path, **limits) as harness:
        states = dict(zip(paths, harness.check(*(hostile.url(p) for p in paths)), strict=True))
        assert harness.process.poll() is None  # still up
        rss = worker_rss_bytes(harness.process.pid)
        good = hostile.url("/good")
        (again,) = harness.check(good)  # and still checking
    assert "exceeded DOWNLOAD_MAXSIZE" in states["/bomb"].last_error
    assert "past the size limit" in states["/endless"].last_error
    assert "took longer than 2.0 seconds" in states["/stall"].last_error
    assert "max redirections reached" in states["/loop"].last_error.lower()
    assert all(states[p].versions == 0 for p in paths[:-1])
    assert (states["/good"].versions, again.checks) == (1, 3)  # its first version confirmed
    assert rss < BOMB_SIZE // 2  # the bomb was never expanded in memory


def worker_rss_bytes(pid: int) -> int:
    """A process's resident memory, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for {pid}")


def test_nothing_is_ever_deserialised_with_pickle_or_evaluated() -> None:
    """Whoever can write to Redis must not be able to run code in redline: no module of
    redline imports a deserialiser that can (pickle, marshal, shelve, dill, yaml's full
    loader) or evaluates text (eval, exec)."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    dangerous_modules = {"pickle", "cPickle", "marshal", "shelve", "dill", "cloudpickle", "yaml"}
    dangerous_calls = {"eval", "exec", "compile", "__import__"}
    found = []
    for path in sorted([*root.glob("crawler/**/*.py"), *root.glob("scheduler/**/*.py")]):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [(node.module or "").split(".")[0]]
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                names = [node.func.id] if node.func.id in dangerous_calls else []
            else:
                continue
            found += [
                f"{path.relative_to(root)}:{node.lineno}: {name}"
                for name in names
                if name in dangerous_modules | dangerous_calls
            ]
    assert len(list(root.glob("crawler/**/*.py"))) > 20, "the modules were read"
    assert found == []
