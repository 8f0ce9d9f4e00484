"""How one value of the settings file or the environment is read, and how a default is
written back: durations (``500ms``, ``90s``, ``15m``, ``6h``, ``40d``, ``1h30m``), sizes
(``512KB``, ``10MB``), numbers, flags, ports, paths and choices. Each parser takes what TOML
or the environment holds and raises :class:`ValueError` quoting a value it cannot read.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

# The highest TCP port.
_MAX_PORT = 65535


class ConfigError(ValueError):
    """A setting or a config file is wrong; the message names the file and the key or line."""


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


def parse_bool(value: str | bool) -> bool:
    if isinstance(value, bool):
        return value
    text = value.strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"not a boolean: {value!r} (write true or false)")


def parse_int(value: str | int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"not a whole number: {value!r}")
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"not a whole number: {value!r}") from None


def parse_float(value: str | float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"not a number: {value!r}")
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"not a number: {value!r}") from None


def parse_port(value: str | int) -> int:
    port = parse_int(value)
    if not 0 <= port <= _MAX_PORT:
        raise ValueError(f"not a port (0 to {_MAX_PORT}, 0 for any free one): {value!r}")
    return port


def parse_str(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"not a string: {value!r}")
    return value


def parse_path(value: Any) -> Path:
    return Path(parse_str(value)).expanduser()


def above_zero(parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        parsed = parse(value)
        if parsed <= 0:
            raise ValueError(f"must be greater than zero: {value!r}")
        return parsed

    return check


def choice(*allowed: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        text = parse_str(value)
        if text not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}: {value!r}")
        return text

    return check


def parse_factor(value: Any) -> float:
    factor = parse_float(value)
    if factor < 1:
        raise ValueError(f"must be at least 1: {value!r}")
    return factor


def duration_text(seconds: float) -> str:
    """A duration as the settings file writes it: "1d", "15m", "90s", "500ms"."""
    for unit in ("w", "d", "h", "m", "s"):
        if seconds >= _DURATION_UNITS[unit] and seconds % _DURATION_UNITS[unit] == 0:
            return f"{int(seconds // _DURATION_UNITS[unit])}{unit}"
    return f"{round(seconds * 1000)}ms"


def size_text(size: int) -> str:
    """A size as the settings file writes it: "10MB", "512KB", "100"."""
    for unit in ("gb", "mb", "kb"):
        if size >= _SIZE_UNITS[unit] and size % _SIZE_UNITS[unit] == 0:
            return f"{size // _SIZE_UNITS[unit]}{unit.upper()}"
    return str(size)
