"""redline's settings file for watching a newsroom: the sources and rules of its sites, and
whatever else the caller sets."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from scheduler.newsroom.layouts import RULES

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence


SITE_NAMES = (
    "local-courier",
    "harbour-herald",
    "valley-gazette",
    "coast-chronicle",
    "city-ledger",
    "evening-post",
)
"""The names of the newsroom's sites, as sources: site ``k`` is ``SITE_NAMES[k]`` (with a
number after it from the seventh site on)."""


def site_name(site: int) -> str:
    """Site ``site``'s name as a source ("harbour-herald", "local-courier-2")."""
    name = SITE_NAMES[site % len(SITE_NAMES)]
    return f"{name}-{site // len(SITE_NAMES) + 1}" if site >= len(SITE_NAMES) else name


def redline_toml(
    hosts: Sequence[str], layouts: Sequence[str], settings: Mapping[str, object]
) -> str:
    """The text of a ``redline.toml`` with ``settings`` (name to value) and one source per
    site of the newsroom, named by :func:`site_name`; the ``ruled`` sites' sources have the
    rules of :data:`scheduler.newsroom.layouts.RULES`.

    Args:
        hosts: The newsroom's sites (``address:port``), in order.
        layouts: Each site's layout.
        settings: Top-level settings, written as TOML values.
    """
    # The newsroom is on 127.0.0.x, which redline only fetches from when allowed to.
    settings = {"allow_private_networks": True, **settings}
    text = "".join(f"{name} = {json.dumps(value)}\n" for name, value in settings.items())
    for site, (host, layout) in enumerate(zip(hosts, layouts, strict=True)):
        text += f"\n[sources.{site_name(site)}]\ndomains = {json.dumps([host.rsplit(':', 1)[0]])}\n"
        if layout == "ruled":
            text += "".join(f"{key} = {json.dumps(value)}\n" for key, value in RULES.items())
    return text
