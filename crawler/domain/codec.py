"""Serialising the frozen dataclasses that cross processes: JSON, compressed with zstd.

Nothing is ever pickled: a blob read from Redis can only become one of redline's own
dataclasses, built field by field from JSON. zstd contexts are not thread-safe, so each
thread (the pipeline records checks in worker threads) has its own.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import types
import typing
from functools import cache
from typing import Any, TypeVar

import zstandard

T = TypeVar("T")

_COMPRESSION_LEVEL = 6
_contexts = threading.local()
# A decompressed blob larger than this is refused (a corrupt or hostile value in Redis).
MAX_BLOB_SIZE = 256 * 1024 * 1024
# What a blob compressed against a base starts with (a zstd frame starts with 28 b5 2f fd).
DELTA_MARK = b"\x01"


class CodecError(ValueError):
    """Raised by :func:`unpack` when a blob is not a valid encoding of the expected class."""


def to_json(obj: Any) -> str:
    """Returns a dataclass (or plain JSON data) as compact, key-sorted JSON."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        obj = dataclasses.asdict(obj)
    return json.dumps(obj, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def from_json(cls: type[T], text: str | bytes) -> T:
    """Builds a ``cls`` dataclass from :func:`to_json` output.

    Raises:
        CodecError: the JSON does not describe a ``cls``.
    """
    try:
        built: T = _build(cls, json.loads(text))
    except (ValueError, TypeError, KeyError) as exc:
        raise CodecError(f"not a valid {cls.__name__}: {exc}") from exc
    return built


def as_text(value: object) -> str:
    """Returns a value read from Redis (bytes, or str) as text; invalid UTF-8 is replaced."""
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", "replace")
    return str(value)


def pack(obj: Any) -> bytes:
    """Returns a dataclass as zstd-compressed JSON."""
    return compress(to_json(obj).encode("utf-8"))


def unpack(cls: type[T], blob: object) -> T:
    """Inverse of :func:`pack`.

    Raises:
        CodecError: the blob is not a compressed ``cls``.
    """
    return from_json(cls, decompress(blob, what=cls.__name__))


def compress(raw: bytes, base: bytes = b"") -> bytes:
    """Compresses ``raw`` with zstd; with ``base`` (bytes much like ``raw``, such as an
    earlier version of the same text) as a dictionary, so that only what differs from it
    is stored: the blob, marked as such, then needs the same ``base`` to decompress."""
    if not base:
        return bytes(_compressor().compress(raw))
    dictionary = zstandard.ZstdCompressionDict(base, dict_type=zstandard.DICT_TYPE_RAWCONTENT)
    compressor = zstandard.ZstdCompressor(level=_COMPRESSION_LEVEL, dict_data=dictionary)
    return DELTA_MARK + bytes(compressor.compress(raw))


def decompress(blob: object, base: bytes = b"", *, what: str = "blob") -> bytes:
    """Inverse of :func:`compress`; ``base`` is only used (and then needed) by a blob
    compressed against one (see :func:`is_delta`).

    Raises:
        CodecError: the blob is not valid (``what`` names what it should have been), or
            is a delta and ``base`` is empty or not the one it was compressed against.
    """
    if not isinstance(blob, bytes):
        raise CodecError(f"not a valid {what} blob: {type(blob).__name__}")
    try:
        if not is_delta(blob):
            return bytes(_decompressor().decompress(blob, max_output_size=MAX_BLOB_SIZE))
        if not base:
            raise CodecError(f"a {what} stored as a delta, without the blob it is a delta from")
        dictionary = zstandard.ZstdCompressionDict(base, dict_type=zstandard.DICT_TYPE_RAWCONTENT)
        decompressor = zstandard.ZstdDecompressor(dict_data=dictionary)
        return bytes(
            decompressor.decompress(blob[len(DELTA_MARK) :], max_output_size=MAX_BLOB_SIZE)
        )
    except zstandard.ZstdError as exc:
        raise CodecError(f"not a valid {what} blob: {exc}") from exc


def is_delta(blob: bytes) -> bool:
    """True if ``blob`` was compressed against a base (see :func:`compress`)."""
    return blob.startswith(DELTA_MARK)


def _compressor() -> zstandard.ZstdCompressor:
    """This thread's compressor."""
    if not hasattr(_contexts, "compressor"):
        _contexts.compressor = zstandard.ZstdCompressor(level=_COMPRESSION_LEVEL)
    compressor: zstandard.ZstdCompressor = _contexts.compressor
    return compressor


def _decompressor() -> zstandard.ZstdDecompressor:
    """This thread's decompressor."""
    if not hasattr(_contexts, "decompressor"):
        _contexts.decompressor = zstandard.ZstdDecompressor()
    decompressor: zstandard.ZstdDecompressor = _contexts.decompressor
    return decompressor


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _build(tp: Any, value: Any) -> Any:
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        if not isinstance(value, dict):
            raise TypeError(f"expected an object for {tp.__name__}")
        hints = _hints(tp)
        kwargs = {
            f.name: _build(hints[f.name], value[f.name])
            for f in dataclasses.fields(tp)
            if f.name in value
        }
        return tp(**kwargs)
    if origin is tuple:
        args = typing.get_args(tp)
        if not isinstance(value, list):
            raise TypeError("expected a list")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_build(args[0], v) for v in value)
        return tuple(_build(a, v) for a, v in zip(args, value, strict=True))
    if origin in (typing.Union, types.UnionType):
        if value is None:
            return None
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        return _build(options[0], value)
    if tp is float and isinstance(value, int):
        return float(value)
    if isinstance(tp, type) and not isinstance(value, tp):
        raise TypeError(f"expected {tp.__name__}, got {type(value).__name__}")
    return value
