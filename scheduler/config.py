"""Redline settings: one TOML file, overridable setting by setting from the environment.

Every setting has a default here and a commented entry in ``config/redline.toml``. The file
is chosen by ``redline --config PATH`` or ``REDLINE_CONFIG`` (default
``config/redline.toml``; a missing default file means "all defaults"). Each setting can be
overridden by the environment variable ``REDLINE_`` + its name in capitals
(``REDLINE_WEB_PORT=9000``); the Redis URL is also read from ``REDIS_URL``.

Durations are written ``500ms``, ``90s``, ``15m``, ``6h``, ``40d`` or combined (``1h30m``);
sizes ``512KB``, ``10MB``, ``1GB``; a bare number is seconds or bytes.
"""

from __future__ import annotations

import difflib
import json
import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler.domain.policy import RecheckPolicy
from scheduler.tables import Channel, Source, parse_channels, parse_sources
from scheduler.values import (
    ConfigError,
    above_zero,
    choice,
    duration_text,
    parse_bool,
    parse_duration,
    parse_factor,
    parse_int,
    parse_path,
    parse_port,
    parse_size,
    parse_str,
    size_text,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

DEFAULT_CONFIG_PATH = Path("config/redline.toml")
_POLICY = RecheckPolicy()
ENV_PREFIX = "REDLINE_"


SERVICE_PID_ENV = "REDLINE_SERVICE_PID"
"""The environment variable in which ``redline run`` gives the roles it starts its pid."""


@dataclass(frozen=True)
class FileStamp:
    """What tells that a file changed on disk: its path, modification time, size and inode
    (all -1 while it does not exist)."""

    path: str
    mtime_ns: int
    size: int
    inode: int

    @classmethod
    def of(cls, path: Path | None) -> FileStamp | None:
        """The stamp of the file at ``path`` now (None for no path)."""
        if path is None:
            return None
        try:
            st = path.stat()
        except OSError:
            return cls(str(path), -1, -1, -1)
        return cls(str(path), st.st_mtime_ns, st.st_size, st.st_ino)


def _setting(
    default: Any,
    parse: Callable[[Any], Any],
    doc: str = "",
    *,
    section: str = "",
    show: Callable[[Any], str] | None = None,
) -> Any:
    """Declares a setting: its default, how a value of the file or the environment is read,
    what the settings file says of it (``doc``, "" to share the comment of the one before),
    the heading of the part of the file it opens, and how its default is written there
    (a TOML value; by default the JSON of it, which TOML reads the same)."""
    return field(
        default=default,
        metadata={
            "parse": parse,
            "doc": doc,
            "section": section,
            "show": show
            or (lambda value: json.dumps(str(value) if isinstance(value, Path) else value)),
        },
    )


def _duration(default: float, doc: str = "", *, positive: bool = True, section: str = "") -> Any:
    parse = above_zero(parse_duration) if positive else parse_duration
    return _setting(default, parse, doc, section=section, show=lambda v: f'"{duration_text(v)}"')


@dataclass(frozen=True)
class Settings:
    """All of redline's settings, resolved and typed (durations in seconds, sizes in bytes).

    Each setting is declared once, here: its default, how it is read, and what the
    settings file says of it (:func:`scheduler.settingsfile.settings_file` writes the file
    from these declarations). Relative paths are relative to the working directory the
    process was started in. ``config_path`` is the settings file they were read from (it
    may not exist: then every setting is a default or an environment override).
    """

    redis_url: str = _setting(
        "",
        parse_str,
        "Where all state lives. Empty: redline runs its own embedded redis-server under"
        " state_dir. Otherwise redis://[:password@]host:6379/0, rediss:// for TLS, or"
        " unix:///path/redis.sock.",
        section="Redis",
    )
    redis_prefix: str = _setting(
        "redline:",
        parse_str,
        "Prefix of every key redline writes, so several installations can share one Redis.",
    )
    redis_fsync: str = _setting(
        "everysec",
        choice("always", "everysec", "no"),
        'How the embedded Redis syncs its append-only file: "always" (every write on disk'
        ' before it is acknowledged), "everysec" (at most one second lost on a power cut),'
        ' or "no".',
    )
    redis_connect_timeout: float = _duration(
        30.0, "How long a process waits for Redis to answer at start before giving up."
    )
    state_dir: Path = _setting(
        Path("var"), parse_path, "Where the embedded Redis keeps its data, socket and log."
    )
    urls_file: Path = _setting(
        Path("config/urls.txt"),
        parse_path,
        "The tracked article URLs, one per line (# comments allowed). Edits are picked up live.",
        section="What to track",
    )
    user_agent: str = _setting(
        "redline/0.1 (+https://github.com/redline-news/redline)",
        parse_str,
        "Sent with every request. Say who you are and how to reach you.",
        section="Fetching",
    )
    concurrency: int = _setting(16, above_zero(parse_int), "Requests in flight per worker, in all.")
    per_domain_concurrency: int = _setting(
        2,
        above_zero(parse_int),
        "Requests in flight to one site (host and port), from all workers sharing the Redis"
        " together.",
    )
    download_timeout: float = _duration(30.0, "Give up on a request after this long.")
    max_page_size: int = _setting(
        10 * 1000**2,
        above_zero(parse_size),
        "Refuse pages larger than this.",
        show=lambda v: f'"{size_text(v)}"',
    )
    retries: int = _setting(
        2,
        parse_int,
        "Retries of a request that timed out or got a 500/502/504, within one check. (429"
        " and 503 are not retried at once: the next check honours their Retry-After.)",
    )
    obey_robots_txt: bool = _setting(True, parse_bool, "Obey each site's robots.txt.")
    autothrottle: bool = _setting(
        True,
        parse_bool,
        "Adapt the request rate to each site's response times (Scrapy AutoThrottle).",
    )
    allow_private_networks: bool = _setting(
        False,
        parse_bool,
        "Fetch loopback, private, link-local and other non-public addresses. Off, a URL,"
        " redirect or DNS answer that leads to one is refused (only http and https are ever"
        " fetched).",
    )
    verify_tls: bool = _setting(True, parse_bool, "Verify the certificates of https sites.")
    initial_interval: float = _duration(
        _POLICY.initial_interval,
        "First interval between checks, and the interval again after every change.",
        section="Recheck schedule",
    )
    backoff_factor: float = _setting(
        _POLICY.backoff_factor,
        parse_factor,
        "After each check that finds no change, the interval is multiplied by this...",
    )
    max_interval: float = _duration(_POLICY.max_interval, "...up to this.")
    stability_window: float = _duration(
        _POLICY.stability_window,
        "An article unchanged for this long is stable and never checked again.",
    )
    retry_interval: float = _duration(
        _POLICY.retry_interval,
        "Errors (timeouts, refused connections, 5xx, 429, pages without an article) never"
        " create a version. A failed check is retried after retry_interval, doubling with"
        " every failure in a row, and never sooner than the site's Retry-After...",
        section="Errors",
    )
    failing_after: int = _setting(
        _POLICY.failing_after,
        above_zero(parse_int),
        '...until this many failures in a row make the article "failing": it is then'
        " retried every failing_interval, and is active again after its next good check.",
    )
    failing_interval: float = _duration(_POLICY.failing_interval)
    site_failure_limit: int = _setting(
        _POLICY.site_failure_limit,
        above_zero(parse_int),
        "A site whose checks fail this many times in a row, whatever the article, is left"
        " alone as a whole for site_backoff, doubling with every further failure (up to"
        " failing_interval).",
    )
    site_backoff: float = _duration(_POLICY.site_backoff)
    confirm_delay: float = _duration(
        _POLICY.confirm_delay,
        "A page that reads differently from the latest version is fetched again after"
        " confirm_delay before anything is recorded: only what changed the same way in both"
        " fetches is a change; a change the second fetch does not confirm at all counts as"
        " an extraction failure. The first version's page is fetched again after"
        " confirm_delay too: what that fetch does not show is left out of it, as a new"
        " baseline. (A page that reads like a wall or an error page is never recorded as a"
        " version.)",
        positive=False,
    )
    clock_tick: float = _duration(
        1.0, "How often the clock looks for due checks and for edits to the config files."
    )
    lease: float = _duration(
        600.0,
        "The longest a worker may hold a claim on a check; the check then goes to another"
        " worker. (A worker renews its claims every 2s while it works on them: those of a"
        " worker that died go to another one within 10s.)",
    )
    health_after: float = _duration(
        6 * 3600.0,
        "A source whose discovery (every endpoint) or extraction (a fifth of its pages or"
        " more) has been failing this long is logged as failing and gets an entry in"
        " /health.atom.",
    )
    web_host: str = _setting(
        "127.0.0.1",
        parse_str,
        "The web server's address. 127.0.0.1 keeps it private to this machine.",
        section="Web and feed",
    )
    web_port: int = _setting(8080, parse_port)
    public_url: str = _setting(
        "",
        parse_str,
        "The address readers reach the web view at, for the links in notifications."
        " Empty: http://web_host:web_port.",
    )
    feed_title: str = _setting(
        "redline: article changes",
        parse_str,
        "The Atom feed's title and how many entries (newest changes) it holds.",
    )
    feed_size: int = _setting(100, above_zero(parse_int))
    log_level: str = _setting(
        "INFO", choice("DEBUG", "INFO", "WARNING", "ERROR"), "DEBUG, INFO, WARNING or ERROR."
    )
    archive_dir: str = _setting(
        "",
        parse_str,
        "Where the response that recorded each version is kept, as fetched, in WARC files"
        " (each worker writes its own, a new one per day and past archive_file_size)."
        " Empty: state_dir/archive.",
        section="Archive",
    )
    archive_file_size: int = _setting(
        100 * 1000**2,
        above_zero(parse_size),
        "",
        show=lambda v: f'"{size_text(v)}"',
    )
    sources: tuple[Source, ...] = field(default=())
    channels: tuple[Channel, ...] = field(default=())
    config_path: Path | None = None

    @property
    def archive_path(self) -> Path:
        """The directory of the WARC files: ``archive_dir``, else ``state_dir/archive``."""
        return Path(self.archive_dir) if self.archive_dir else self.state_dir / "archive"

    @property
    def web_url(self) -> str:
        """The address of the web view in links: ``public_url``, else the server's own."""
        return self.public_url.rstrip("/") or f"http://{self.web_host}:{self.web_port}"


_PARSERS: dict[str, Callable[[Any], Any]] = {
    f.name: f.metadata["parse"] for f in fields(Settings) if "parse" in f.metadata
}


def config_path_from(cli_path: str | Path | None, env: Mapping[str, str]) -> tuple[Path, bool]:
    """Chooses the settings file: ``--config``, else ``REDLINE_CONFIG``, else the default.

    Returns:
        The path and whether the user named it explicitly (an explicit file must exist).
    """
    if cli_path:
        return Path(cli_path), True
    if env.get("REDLINE_CONFIG"):
        return Path(env["REDLINE_CONFIG"]), True
    return DEFAULT_CONFIG_PATH, False


def load_settings(
    cli_path: str | Path | None = None, env: Mapping[str, str] | None = None
) -> Settings:
    """Loads the settings file, then applies environment overrides.

    Args:
        cli_path: The ``--config`` argument, if given.
        env: The environment (defaults to ``os.environ``).

    Raises:
        ConfigError: naming the file and key (or line) of the first bad setting.
    """
    env = os.environ if env is None else env
    path, explicit = config_path_from(cli_path, env)
    raw: dict[str, Any] = {}
    if path.exists():
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read: {exc}") from exc
    elif explicit:
        raise ConfigError(f"{path}: settings file not found")

    values: dict[str, Any] = {"config_path": path}
    sources_raw = raw.pop("sources", {})
    channels_raw = raw.pop("notify", {})
    for key, value in raw.items():
        values[key] = _parse_setting(key, value, f"{path}: setting {key!r}")
    values["sources"] = parse_sources(sources_raw, path)
    values["channels"] = channels = parse_channels(channels_raw, path)
    for key in _PARSERS:
        env_name = ENV_PREFIX + key.upper()
        if env_name in env:
            values[key] = _parse_setting(key, env[env_name], f"environment {env_name}")
    _check_environment(env, {channel.url_env for channel in channels})
    if env.get("REDIS_URL"):
        values["redis_url"] = env["REDIS_URL"]
    return Settings(**values)


def _check_environment(env: Mapping[str, str], named: set[str]) -> None:
    """Refuses an environment variable named like a setting that does not exist (and not
    ``named`` by a channel's ``url_env``).

    Raises:
        ConfigError: naming it, with the setting it probably means.
    """
    known = {"REDLINE_CONFIG", SERVICE_PID_ENV, *named}
    known |= {ENV_PREFIX + key.upper() for key in _PARSERS}
    for name in sorted(env):
        if name.startswith(ENV_PREFIX) and name not in known:
            close = difflib.get_close_matches(name, sorted(known), n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise ConfigError(f"environment {name}: no such setting{hint}")


def _parse_setting(key: str, value: Any, where: str) -> Any:
    parse = _PARSERS.get(key)
    if parse is None:
        close = difflib.get_close_matches(key, sorted(_PARSERS), n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(sorted(_PARSERS))}"
        raise ConfigError(f"{where}: unknown setting ({hint})")
    try:
        return parse(value)
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from exc
