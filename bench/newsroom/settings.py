"""redline's settings file for watching a newsroom: the sources and rules of its sites, and
whatever else the caller sets."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from bench.newsroom.layouts import RULES

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence


def redline_toml(
    hosts: Sequence[str], layouts: Sequence[str], settings: Mapping[str, object]
) -> str:
    """The text of a ``redline.toml`` with ``settings`` (name to value) and a source, with
    the rules of :data:`bench.newsroom.layouts.RULES`, for the newsroom's ``ruled`` sites.

    Args:
        hosts: The newsroom's sites (``address:port``), in order.
        layouts: Each site's layout.
        settings: Top-level settings, written as TOML values.
    """
    # The newsroom is on 127.0.0.x, which redline only fetches from when allowed to.
    settings = {"allow_private_networks": True, **settings}
    text = "".join(f"{name} = {json.dumps(value)}\n" for name, value in settings.items())
    ruled = [
        host.rsplit(":", 1)[0]
        for host, layout in zip(hosts, layouts, strict=True)
        if layout == "ruled"
    ]
    if ruled:
        text += f"\n[sources.courier-ruled]\ndomains = {json.dumps(ruled)}\n"
        text += "".join(f"{key} = {json.dumps(value)}\n" for key, value in RULES.items())
    return text
