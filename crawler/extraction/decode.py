"""From response bytes to page text: is it HTML at all, and in which encoding.

Pure functions shared by the worker and ``redline check``, so a saved page and a fetched one
are read the same way.

The encoding is taken, in order, from a byte-order mark, the ``Content-Type`` header's
charset, the page's own ``<meta charset>`` or ``<meta http-equiv>`` declaration, and
finally the WHATWG defaults (UTF-8 if the bytes are valid UTF-8, else windows-1252). Labels
are resolved as browsers resolve them (``iso-8859-1`` is read as windows-1252, ``arabic``
as iso-8859-6, and so on), and bytes that do not decode become U+FFFD instead of failing.
"""

from __future__ import annotations

from w3lib.encoding import html_to_unicode

# Media types of pages that can hold an article.
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})

# How other documents begin (checked when the server declares nothing, or declares HTML).
_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"PK\x03\x04", "application/zip"),
    (b"\x1f\x8b", "application/gzip"),
    (b"OggS", "audio/ogg"),
    (b"ID3", "audio/mpeg"),
)
# Bytes of a body looked at to tell what it is.
_SNIFF = 512


def media_type(content_type: str) -> str:
    """The media type of a ``Content-Type`` header, lower-cased, without parameters."""
    return content_type.split(";", 1)[0].strip().lower()


def non_html_type(content_type: str, body: bytes) -> str:
    """Says what a response is when it is not an HTML page.

    Args:
        content_type: The response's ``Content-Type`` header ("" if it had none).
        body: The response body.

    Returns:
        "" for an HTML page; otherwise the type it is (the declared media type, or the one
        its first bytes show when it claims to be HTML or declares nothing).
    """
    declared = media_type(content_type)
    if declared and declared not in HTML_TYPES:
        return declared
    head = body[:_SNIFF].lstrip()
    for signature, kind in _SIGNATURES:
        if head.startswith(signature):
            return kind
    if not declared and head[:1] in (b"{", b"["):
        return "application/json"
    return ""


def decode_html(body: bytes, content_type: str = "") -> str:
    """Decodes an HTML page's bytes (see the module docstring for how the encoding is
    chosen). Never raises for bad bytes: they become U+FFFD."""
    _, text = html_to_unicode(content_type or None, body, auto_detect_fun=_undeclared)
    return text


def _undeclared(body: bytes) -> str:
    """The encoding of a page that declares none: UTF-8 if it is valid UTF-8, else the
    legacy default of browsers, windows-1252."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"
