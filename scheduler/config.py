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
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler.rules import RULE_KEYS, ExtractionRules, RulesError, compile_rules
from scheduler.policy import RecheckPolicy
from scheduler.urls import BadUrlError, normalise_url

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

DEFAULT_CONFIG_PATH = Path("config/redline.toml")
_POLICY = RecheckPolicy()
ENV_PREFIX = "REDLINE_"
# The highest TCP port.
_MAX_PORT = 65535


class ConfigError(ValueError):
    """A setting or a config file is wrong; the message names the file and the key or line."""


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


@dataclass(frozen=True)
class Settings:
    """All of redline's settings, resolved and typed (durations in seconds, sizes in bytes).

    Relative paths are relative to the working directory the process was started in.
    ``config_path`` is the settings file they were read from (it may not exist: then every
    setting is a default or an environment override).
    """

    redis_url: str = ""
    redis_prefix: str = "redline:"
    redis_fsync: str = "everysec"
    redis_connect_timeout: float = 30.0
    state_dir: Path = Path("var")
    urls_file: Path = Path("config/urls.txt")
    user_agent: str = "redline/0.1 (+https://github.com/redline-news/redline)"
    concurrency: int = 16
    per_domain_concurrency: int = 2
    download_timeout: float = 30.0
    max_page_size: int = 10 * 1024 * 1024
    retries: int = 2
    obey_robots_txt: bool = True
    autothrottle: bool = True
    allow_private_networks: bool = False
    verify_tls: bool = True
    # The recheck policy's settings (see scheduler.policy.RecheckPolicy for each).
    initial_interval: float = _POLICY.initial_interval
    backoff_factor: float = _POLICY.backoff_factor
    max_interval: float = _POLICY.max_interval
    stability_window: float = _POLICY.stability_window
    retry_interval: float = _POLICY.retry_interval
    failing_after: int = _POLICY.failing_after
    failing_interval: float = _POLICY.failing_interval
    confirm_delay: float = _POLICY.confirm_delay
    site_failure_limit: int = _POLICY.site_failure_limit
    site_backoff: float = _POLICY.site_backoff
    clock_tick: float = 1.0
    lease: float = 600.0
    health_after: float = 6 * 3600.0
    web_host: str = "127.0.0.1"
    web_port: int = 8080
    feed_title: str = "redline: article changes"
    feed_size: int = 100
    log_level: str = "INFO"
    sources: tuple[Source, ...] = field(default=())
    config_path: Path | None = None


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


_PARSERS: dict[str, Callable[[Any], Any]] = {
    "redis_url": _parse_str,
    "redis_prefix": _parse_str,
    "redis_fsync": _choice("always", "everysec", "no"),
    "redis_connect_timeout": parse_duration,
    "state_dir": _parse_path,
    "urls_file": _parse_path,
    "user_agent": _parse_str,
    "concurrency": _positive(_parse_int),
    "per_domain_concurrency": _positive(_parse_int),
    "download_timeout": _positive(parse_duration),
    "max_page_size": _positive(parse_size),
    "retries": _parse_int,
    "obey_robots_txt": _parse_bool,
    "allow_private_networks": _parse_bool,
    "verify_tls": _parse_bool,
    "autothrottle": _parse_bool,
    "initial_interval": _positive(parse_duration),
    "backoff_factor": _backoff,
    "max_interval": _positive(parse_duration),
    "stability_window": _positive(parse_duration),
    "retry_interval": _positive(parse_duration),
    "failing_after": _positive(_parse_int),
    "failing_interval": _positive(parse_duration),
    "confirm_delay": parse_duration,
    "site_failure_limit": _positive(_parse_int),
    "site_backoff": _positive(parse_duration),
    "clock_tick": _positive(parse_duration),
    "lease": _positive(parse_duration),
    "health_after": _positive(parse_duration),
    "web_host": _parse_str,
    "web_port": _port,
    "feed_title": _parse_str,
    "feed_size": _positive(_parse_int),
    "log_level": _choice("DEBUG", "INFO", "WARNING", "ERROR"),
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
    for key, value in raw.items():
        values[key] = _parse_setting(key, value, f"{path}: setting {key!r}")
    values["sources"] = _parse_sources(sources_raw, path)
    for key in _PARSERS:
        env_name = ENV_PREFIX + key.upper()
        if env_name in env:
            values[key] = _parse_setting(key, env[env_name], f"environment {env_name}")
    _check_environment(env)
    if env.get("REDIS_URL"):
        values["redis_url"] = env["REDIS_URL"]
    return Settings(**values)


def _check_environment(env: Mapping[str, str]) -> None:
    """Refuses an environment variable named like a setting that does not exist.

    Raises:
        ConfigError: naming it, with the setting it probably means.
    """
    known = {"REDLINE_CONFIG", *(ENV_PREFIX + key.upper() for key in _PARSERS)}
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


def _parse_sources(raw: Any, path: Path) -> tuple[Source, ...]:
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: [sources] must be a table of [sources.NAME] tables")
    sources = []
    for name, table in raw.items():
        where = f"{path}: [sources.{name}]"
        if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", name):
            raise ConfigError(f"{where}: a source name is lower-case letters, digits, - and _")
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: must be a table")
        unknown = set(table) - {*_SOURCE_KEYS, *RULE_KEYS}
        if unknown:
            raise ConfigError(
                f"{where}: unknown key(s) {', '.join(sorted(unknown))} "
                f"(known: {', '.join(_SOURCE_KEYS)}, {', '.join(RULE_KEYS)})"
            )
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
