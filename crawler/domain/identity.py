"""URL identity: the form of a URL redline stores, the article's id, the site it is
fetched from and the domain it belongs to. Every part of redline derives these here, so
two processes (and the queue's scripts, which read the site from the article's hash) never
disagree about them.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import tldextract

_DEFAULT_PORTS = {"http": 80, "https": 443}
# Query parameters that say how a reader arrived, not which article: dropped from URLs.
_TRACKING_PREFIXES = ("utm_", "at_", "ns_", "mc_", "pk_", "hsa_")
_TRACKING_PARAMS = {
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "igshid", "twclid",
    "_ga", "_gl", "ocid", "cmpid", "cmp", "smid", "smtyp", "ito", "mbid", "rss", "share",
    "sh", "_hsenc", "_hsmi", "mkt_tok", "vero_id", "guccounter", "guce_referrer",
}  # fmt: skip
# Registrable domains, from the public suffix list tldextract ships (never fetched).
_SUFFIXES = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


class BadUrlError(ValueError):
    """Raised by :func:`normalise_url` for a URL redline will not track; says why."""


def normalise_url(text: str) -> str:
    """Returns the URL in the form redline stores: lower-case scheme and host, no default
    port, no fragment, no tracking parameters (``utm_*``, ``fbclid``, ...), ``/`` for an
    empty path.

    Raises:
        BadUrlError: the text is not an absolute ``http``/``https`` URL with a host.
    """
    text = text.strip()
    if not text:
        raise BadUrlError("empty URL")
    if any(ch.isspace() for ch in text):
        raise BadUrlError("a URL cannot contain spaces")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise BadUrlError(f"unparsable URL ({exc})") from exc
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        hint = ""
        if "://" not in text and "." in text.split("/", 1)[0]:  # www.example.com/story
            hint = f"; did you mean https://{text}?"
        raise BadUrlError(
            f"only http and https URLs can be tracked, not {scheme or 'a relative URL'}{hint}"
        )
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise BadUrlError("the URL has no host")
    if parts.username or parts.password:
        raise BadUrlError("URLs with a user name or password are not tracked")
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    return urlunsplit((scheme, netloc, parts.path or "/", _without_tracking(parts.query), ""))


def _without_tracking(query: str) -> str:
    if not query:
        return ""
    pairs = parse_qsl(query, keep_blank_values=True)
    kept = [
        (name, value)
        for name, value in pairs
        if name.lower() not in _TRACKING_PARAMS and not name.lower().startswith(_TRACKING_PREFIXES)
    ]
    return query if len(kept) == len(pairs) else urlencode(kept)


def site_of(url: str) -> str:
    """The site a URL is fetched from: its host and port (politeness and site health are
    kept per site)."""
    return urlsplit(url).netloc.lower()


def domain_of(url: str) -> str:
    """The domain an absolute URL belongs to, whoever runs its hosts: the registrable
    domain ("bbc.co.uk" for ``https://news.bbc.co.uk/...``), or the host when it has none
    (an address, "localhost"); "" for a URL with no host."""
    return _domain((urlsplit(url).hostname or "").rstrip("."))


@lru_cache(maxsize=4096)
def _domain(host: str) -> str:
    return _SUFFIXES.extract_str(host).top_domain_under_public_suffix or host


def article_id(url: str) -> str:
    """Returns the short, stable id of the article at a (normalised) URL."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:20]
