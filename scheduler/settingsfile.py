"""The settings file, written from the settings' declarations (:class:`scheduler.config.Settings`).

``config/redline.toml`` is this text, and ``redline init`` writes it: every setting, with
what it does and its default, so a user changes a value where it is explained.
"""

from __future__ import annotations

import textwrap
from dataclasses import fields

from scheduler.config import ENV_PREFIX, Settings

WIDTH = 92
"""The settings file's line width."""

_HEADER = f"""\
redline settings. Every setting can be overridden by an environment variable named \
{ENV_PREFIX} + the setting's name in capitals ({ENV_PREFIX}WEB_PORT=9000); the Redis URL also \
by REDIS_URL. Durations: 500ms, 90s, 15m, 6h, 40d, 1h30m. Sizes: 512KB, 10MB. Relative \
paths are relative to the directory redline is started from."""

_SOURCES = """\
# A URL belongs to a source named after its site (www.nytimes.com -> nytimes) unless a
# [sources.NAME] table claims its domain. A source may also say how to read its pages.
# Without rules, redline reads the page's structured data (JSON-LD NewsArticle) when it
# holds the whole article, and otherwise its general extractor; with a body rule, the rule
# comes first and the others are the fallback (counted as such in `redline status`).
# Write and test rules with `redline check URL` (or `redline check URL --html saved.html`).
# Changing a source's rules re-reads its articles as a new baseline, never as edits.
#
# [sources.guardian]
# domains = ["theguardian.com", "guardian.co.uk"]
# headline = "h1"                              # CSS selectors; the first that matches wins
# byline = ["a[rel=author]", ".byline"]
# body = "div.article-body"                    # the container(s) of the article's text
# drop = [".inline-promo", "aside"]            # elements removed before reading
# drop_text = ['^Updated \\d+ minutes ago$']    # paragraphs removed (regular expressions)
#
# A source may also discover its articles: every new article its feeds, sitemaps and
# section pages list is tracked (see the README, "Discovering articles").
# discover = [
#     "https://www.theguardian.com/uk/rss",                    # RSS or Atom
#     "https://www.theguardian.com/sitemaps/news.xml",         # a (news) sitemap or an index
#     "https://www.theguardian.com/uk-news",                   # a section page, whose
# ]                                                            # article links match:
# link_pattern = '^https://www\\.theguardian\\.com/[a-z-]+/\\d{4}/[a-z]{3}/\\d{2}/'
# discover_interval = "15m"                                  # each endpoint, at least 1m
"""

_NOTIFY = """\
# `redline notify` (run by `redline run`) pushes every change, with its diff, to each
# [notify.NAME] channel: an apprise URL for email, Slack, Matrix, Mastodon, Telegram,
# Discord, ntfy, a JSON webhook and many more (see the README, "Notifications").
#
# [notify.desk]
# url = "mailtos://user:password@mail.example.com?to=desk@example.com"
# url_env = "DESK_NOTIFY_URL"          # instead of url: the variable that holds it
# sources = ["guardian"]               # only these sources' changes (default: all)
# kinds = ["headline", "correction"]   # only these kinds of change (default: all)
# format = "html"                      # text, html or markdown (default: the channel's)
# limit = 10                           # messages a minute; beyond, one digest of the rest
"""


def settings_file() -> str:
    """The text of a settings file that sets every setting to its default, each explained
    by a comment, in parts with headings, then how to write a source and a notification
    channel."""
    lines = _comment(_HEADER)
    defaults = Settings()
    for setting in fields(Settings):
        if "parse" not in setting.metadata:
            continue  # sources and channels, which are tables, and where they were read from
        if heading := setting.metadata["section"]:
            lines += _heading(heading)
        lines += _comment(setting.metadata["doc"])
        value = setting.metadata["show"](getattr(defaults, setting.name))
        lines.append(f"{setting.name} = {value}")
    parts = [_SOURCES.rstrip("\n"), *_heading("Notifications"), _NOTIFY]
    return "\n".join([*lines, *_heading("Sources"), *parts])


def _heading(text: str) -> list[str]:
    return ["", f"# --- {text} ".ljust(WIDTH, "-")]


def _comment(text: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent="# ", subsequent_indent="# ")
