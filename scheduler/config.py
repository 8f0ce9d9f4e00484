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
import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler.domain.diff import ChangeKind
from crawler.domain.identity import BadUrlError, normalise_url
from crawler.domain.policy import RecheckPolicy
from crawler.extraction.rules import RULE_KEYS, ExtractionRules, RulesError, compile_rules

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

DEFAULT_CONFIG_PATH = Path("config/redline.toml")
_POLICY = RecheckPolicy()
ENV_PREFIX = "REDLINE_"
# The highest TCP port.
_MAX_PORT = 65535


class ConfigError(ValueError):
    """A setting or a config file is wrong; the message names the file and the key or line."""


SERVICE_PID_ENV = "REDLINE_SERVICE_PID"
"""The environment variable in which ``redline run`` gives the roles it starts its pid."""
DISCOVER_INTERVAL = 900.0
"""Seconds between two reads of a discovery endpoint, by default."""
MIN_DISCOVER_INTERVAL = 60.0
"""The shortest interval a discovery endpoint may be read at, in seconds."""
# The keys of a [sources.NAME] table besides the extraction rules.
_SOURCE_KEYS = ("domains", "discover", "link_pattern", "discover_interval")


@dataclass(frozen=True)
class Source:
    """A named source: the sites (domains) whose articles belong to it, and how to read them.

    Attributes:
        name: The source's name, as used in feeds and the web view.
        domains: Host names; a URL belongs to the source when its host is one of them or a
            subdomain of one.
        rules: How to extract its articles (empty: structured data and the general
            extractor only).
        discover: Discovery endpoints (normalised URLs): RSS and Atom feeds, sitemaps,
            sitemap indexes and section pages; every new article they list is tracked.
        link_pattern: A regular expression that the URL of every article link on a
            section page matches (searched); "" when the source lists no section page.
        discover_interval: Seconds between two reads of each endpoint.
    """

    name: str
    domains: tuple[str, ...]
    rules: ExtractionRules = field(default_factory=ExtractionRules)
    discover: tuple[str, ...] = ()
    link_pattern: str = ""
    discover_interval: float = DISCOVER_INTERVAL


NOTIFY_FORMATS = ("text", "html", "markdown")
"""The forms a notification channel's messages may be written in."""
NOTIFY_LIMIT = 10
"""Messages a minute a channel gets at most, by default; beyond, one digest."""
# The keys of a [notify.NAME] table.
_CHANNEL_KEYS = ("url", "url_env", "sources", "kinds", "format", "limit")
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")


@dataclass(frozen=True)
class Channel:
    """A notification channel (a ``[notify.NAME]`` table): where every change of its sources
    and kinds is pushed, through apprise.

    Attributes:
        name: The channel's name.
        url: Its apprise URL ("" when ``url_env`` names it). It holds secrets: it is never
            printed (not even by ``repr``).
        url_env: The environment variable holding its URL ("" when ``url`` is given).
        sources: Only these sources' changes (empty: every source's).
        kinds: Only changes of these kinds (empty: every kind).
        format: ``text``, ``html`` or ``markdown`` ("": the form the channel prefers).
        limit: Messages a minute at most; beyond, one digest tells of the rest.
    """

    name: str
    url: str = field(default="", repr=False)
    url_env: str = ""
    sources: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    format: str = ""
    limit: int = NOTIFY_LIMIT


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


_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")
_DURATION_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|kib|mib|gib)?", re.IGNORECASE)
_SIZE_UNITS = {
    "b": 1,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
}


def parse_duration(value: str | float) -> float:
    """Parses a duration such as ``90s``, ``15m``, ``6h``, ``40d`` or ``1h30m`` into seconds.

    Raises:
        ValueError: if the text is not a duration; the message quotes it.
    """
    if isinstance(value, bool):
        raise ValueError(f"not a duration: {value!r}")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        text = value.strip().lower().replace(" ", "")
        if re.fullmatch(r"\d+(\.\d+)?", text):
            seconds = float(text)
        elif text and re.fullmatch(f"(?:{_DURATION_PART.pattern})+", text):
            seconds = sum(
                float(n) * _DURATION_UNITS[unit] for n, unit in _DURATION_PART.findall(text)
            )
        else:
            raise ValueError(f"not a duration: {value!r} (write e.g. 90s, 15m, 6h, 40d)")
    if seconds < 0:
        raise ValueError(f"a duration cannot be negative: {value!r}")
    return seconds


def parse_size(value: str | int) -> int:
    """Parses a size such as ``512KB``, ``10MB`` or ``1048576`` into bytes.

    Raises:
        ValueError: if the text is not a size; the message quotes it.
    """
    if isinstance(value, bool):
        raise ValueError(f"not a size: {value!r}")
    if isinstance(value, int):
        size = value
    else:
        match = _SIZE.fullmatch(value.strip())
        if not match:
            raise ValueError(f"not a size: {value!r} (write e.g. 512KB, 10MB)")
        size = int(float(match.group(1)) * _SIZE_UNITS[(match.group(2) or "b").lower()])
    if size < 0:
        raise ValueError(f"a size cannot be negative: {value!r}")
    return size


def _parse_bool(value: str | bool) -> bool:
    if isinstance(value, bool):
        return value
    text = value.strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"not a boolean: {value!r} (write true or false)")


def _parse_int(value: str | int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"not a whole number: {value!r}")
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"not a whole number: {value!r}") from None


def _parse_float(value: str | float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"not a number: {value!r}")
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"not a number: {value!r}") from None


def _port(value: str | int) -> int:
    port = _parse_int(value)
    if not 0 <= port <= _MAX_PORT:
        raise ValueError(f"not a port (0 to {_MAX_PORT}, 0 for any free one): {value!r}")
    return port


def _parse_str(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"not a string: {value!r}")
    return value


def _parse_path(value: Any) -> Path:
    return Path(_parse_str(value)).expanduser()


def _positive(parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        parsed = parse(value)
        if parsed <= 0:
            raise ValueError(f"must be greater than zero: {value!r}")
        return parsed

    return check


def _choice(*allowed: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        text = _parse_str(value)
        if text not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}: {value!r}")
        return text

    return check


def _backoff(value: Any) -> float:
    factor = _parse_float(value)
    if factor < 1:
        raise ValueError(f"must be at least 1: {value!r}")
    return factor


def _duration_text(seconds: float) -> str:
    """A duration as the settings file writes it: "1d", "15m", "90s", "500ms"."""
    for unit in ("w", "d", "h", "m", "s"):
        if seconds >= _DURATION_UNITS[unit] and seconds % _DURATION_UNITS[unit] == 0:
            return f"{int(seconds // _DURATION_UNITS[unit])}{unit}"
    return f"{round(seconds * 1000)}ms"


def _size_text(size: int) -> str:
    """A size as the settings file writes it: "10MB", "512KB", "100"."""
    for unit in ("gb", "mb", "kb"):
        if size >= _SIZE_UNITS[unit] and size % _SIZE_UNITS[unit] == 0:
            return f"{size // _SIZE_UNITS[unit]}{unit.upper()}"
    return str(size)


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
    parse = _positive(parse_duration) if positive else parse_duration
    return _setting(default, parse, doc, section=section, show=lambda v: f'"{_duration_text(v)}"')


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
        _parse_str,
        "Where all state lives. Empty: redline runs its own embedded redis-server under"
        " state_dir. Otherwise redis://[:password@]host:6379/0, rediss:// for TLS, or"
        " unix:///path/redis.sock.",
        section="Redis",
    )
    redis_prefix: str = _setting(
        "redline:",
        _parse_str,
        "Prefix of every key redline writes, so several installations can share one Redis.",
    )
    redis_fsync: str = _setting(
        "everysec",
        _choice("always", "everysec", "no"),
        'How the embedded Redis syncs its append-only file: "always" (every write on disk'
        ' before it is acknowledged), "everysec" (at most one second lost on a power cut),'
        ' or "no".',
    )
    redis_connect_timeout: float = _duration(
        30.0, "How long a process waits for Redis to answer at start before giving up."
    )
    state_dir: Path = _setting(
        Path("var"), _parse_path, "Where the embedded Redis keeps its data, socket and log."
    )
    urls_file: Path = _setting(
        Path("config/urls.txt"),
        _parse_path,
        "The tracked article URLs, one per line (# comments allowed). Edits are picked up live.",
        section="What to track",
    )
    user_agent: str = _setting(
        "redline/0.1 (+https://github.com/redline-news/redline)",
        _parse_str,
        "Sent with every request. Say who you are and how to reach you.",
        section="Fetching",
    )
    concurrency: int = _setting(16, _positive(_parse_int), "Requests in flight per worker, in all.")
    per_domain_concurrency: int = _setting(
        2,
        _positive(_parse_int),
        "Requests in flight to one site (host and port), from all workers sharing the Redis"
        " together.",
    )
    download_timeout: float = _duration(30.0, "Give up on a request after this long.")
    max_page_size: int = _setting(
        10 * 1000**2,
        _positive(parse_size),
        "Refuse pages larger than this.",
        show=lambda v: f'"{_size_text(v)}"',
    )
    retries: int = _setting(
        2,
        _parse_int,
        "Retries of a request that timed out or got a 500/502/504, within one check. (429"
        " and 503 are not retried at once: the next check honours their Retry-After.)",
    )
    obey_robots_txt: bool = _setting(True, _parse_bool, "Obey each site's robots.txt.")
    autothrottle: bool = _setting(
        True,
        _parse_bool,
        "Adapt the request rate to each site's response times (Scrapy AutoThrottle).",
    )
    allow_private_networks: bool = _setting(
        False,
        _parse_bool,
        "Fetch loopback, private, link-local and other non-public addresses. Off, a URL,"
        " redirect or DNS answer that leads to one is refused (only http and https are ever"
        " fetched).",
    )
    verify_tls: bool = _setting(True, _parse_bool, "Verify the certificates of https sites.")
    initial_interval: float = _duration(
        _POLICY.initial_interval,
        "First interval between checks, and the interval again after every change.",
        section="Recheck schedule",
    )
    backoff_factor: float = _setting(
        _POLICY.backoff_factor,
        _backoff,
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
        _positive(_parse_int),
        '...until this many failures in a row make the article "failing": it is then'
        " retried every failing_interval, and is active again after its next good check.",
    )
    failing_interval: float = _duration(_POLICY.failing_interval)
    site_failure_limit: int = _setting(
        _POLICY.site_failure_limit,
        _positive(_parse_int),
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
        " an extraction failure. (A page that reads like a wall or an error page is never"
        " recorded as a version.)",
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
        _parse_str,
        "The web server's address. 127.0.0.1 keeps it private to this machine.",
        section="Web and feed",
    )
    web_port: int = _setting(8080, _port)
    public_url: str = _setting(
        "",
        _parse_str,
        "The address readers reach the web view at, for the links in notifications."
        " Empty: http://web_host:web_port.",
    )
    feed_title: str = _setting(
        "redline: article changes",
        _parse_str,
        "The Atom feed's title and how many entries (newest changes) it holds.",
    )
    feed_size: int = _setting(100, _positive(_parse_int))
    log_level: str = _setting(
        "INFO", _choice("DEBUG", "INFO", "WARNING", "ERROR"), "DEBUG, INFO, WARNING or ERROR."
    )
    archive_dir: str = _setting(
        "",
        _parse_str,
        "Where the response that recorded each version is kept, as fetched, in WARC files"
        " (each worker writes its own, a new one per day and past archive_file_size)."
        " Empty: state_dir/archive.",
        section="Archive",
    )
    archive_file_size: int = _setting(
        100 * 1000**2,
        _positive(parse_size),
        "",
        show=lambda v: f'"{_size_text(v)}"',
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
    values["sources"] = _parse_sources(sources_raw, path)
    values["channels"] = channels = _parse_channels(channels_raw, path)
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


def _tables(
    raw: Any, path: Path, part: str, what: str, known: tuple[str, ...]
) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """The ``[part.NAME]`` tables of the settings file: each name, where it is (for errors)
    and its table, whose keys are all ``known``.

    Raises:
        ConfigError: ``raw`` is not a table of tables, a name is not lower-case letters,
            digits, - and _, or a table has a key not ``known``.
    """
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: [{part}] must be a table of [{part}.NAME] tables")
    for name, table in raw.items():
        where = f"{path}: [{part}.{name}]"
        if not _NAME.fullmatch(name):
            raise ConfigError(f"{where}: a {what} name is lower-case letters, digits, - and _")
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: must be a table")
        unknown = set(table) - set(known)
        if unknown:
            raise ConfigError(
                f"{where}: unknown key(s) {', '.join(sorted(unknown))} (known: {', '.join(known)})"
            )
        yield name, where, table


def _parse_sources(raw: Any, path: Path) -> tuple[Source, ...]:
    sources = []
    for name, where, table in _tables(raw, path, "sources", "source", (*_SOURCE_KEYS, *RULE_KEYS)):
        domains = _strings(table, "domains", where)
        rules = ExtractionRules(**{key: _strings(table, key, where) for key in RULE_KEYS})
        try:
            compile_rules(rules)
        except RulesError as exc:
            raise ConfigError(f"{where}: {exc}") from exc
        sources.append(
            Source(
                name=name,
                domains=tuple(d.strip().lower().rstrip(".") for d in domains),
                rules=rules,
                **_discovery(table, where),
            )
        )
    return tuple(sources)


def _parse_channels(raw: Any, path: Path) -> tuple[Channel, ...]:
    """The ``[notify.NAME]`` tables. Whether apprise can use a channel's URL is for the
    notify role to say (naming the channel; the others keep working).

    Raises:
        ConfigError: naming the channel and key of the first bad one.
    """
    channels = []
    known_kinds = [kind.value for kind in ChangeKind]
    for name, where, table in _tables(raw, path, "notify", "channel", _CHANNEL_KEYS):
        url, url_env = table.get("url", ""), table.get("url_env", "")
        if not isinstance(url, str) or not isinstance(url_env, str) or bool(url) == bool(url_env):
            raise ConfigError(
                f"{where}: give url (an apprise URL) or url_env (the environment variable"
                " that holds it), one of them"
            )
        kinds = _strings(table, "kinds", where)
        if strange := [kind for kind in kinds if kind not in known_kinds]:
            raise ConfigError(
                f"{where}: kinds: no kind {', '.join(map(repr, strange))}"
                f" (known: {', '.join(known_kinds)})"
            )
        form = table.get("format", "")
        if form and form not in NOTIFY_FORMATS:
            raise ConfigError(f"{where}: format: one of {', '.join(NOTIFY_FORMATS)}")
        limit = table.get("limit", NOTIFY_LIMIT)
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            raise ConfigError(f"{where}: limit: a whole number of messages a minute, at least 1")
        channels.append(
            Channel(
                name=name,
                url=url,
                url_env=url_env,
                sources=_strings(table, "sources", where),
                kinds=kinds,
                format=form,
                limit=limit,
            )
        )
    return tuple(channels)


def _discovery(table: dict[str, Any], where: str) -> dict[str, Any]:
    """The discovery settings of a source table: its endpoints, link pattern and interval.

    Raises:
        ConfigError: naming the source and key.
    """
    endpoints = []
    for url in _strings(table, "discover", where):
        try:
            endpoints.append(normalise_url(url))
        except BadUrlError as exc:
            raise ConfigError(f"{where}: discover: {exc}: {url!r}") from exc
    pattern = table.get("link_pattern", "")
    if not isinstance(pattern, str):
        raise ConfigError(f"{where}: link_pattern must be a regular expression (a string)")
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ConfigError(f"{where}: link_pattern: not a regular expression: {exc}") from exc
    try:
        interval = parse_duration(table.get("discover_interval", DISCOVER_INTERVAL))
    except ValueError as exc:
        raise ConfigError(f"{where}: discover_interval: {exc}") from exc
    if interval < MIN_DISCOVER_INTERVAL:
        raise ConfigError(
            f"{where}: discover_interval: at least {MIN_DISCOVER_INTERVAL:g}s, to be polite"
        )
    return {
        "discover": tuple(dict.fromkeys(endpoints)),
        "link_pattern": pattern,
        "discover_interval": interval,
    }


def _strings(table: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    """A key that holds one string or a list of strings, as a tuple (empty if absent)."""
    value = table.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{where}: {key} must be a string or a list of non-empty strings")
    return tuple(v.strip() for v in value)
