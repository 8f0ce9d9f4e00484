from __future__ import annotations

from dataclasses import fields, replace
from pathlib import Path

import pytest

from crawler.extraction.rules import ExtractionRules
from scheduler.config import Settings, load_settings
from scheduler.settingsfile import settings_file
from scheduler.values import ConfigError, parse_duration, parse_size


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90),
        ("15m", 900),
        ("6h", 21600),
        ("40d", 3456000),
        ("1h30m", 5400),
        ("500ms", 0.5),
        ("2w", 1209600),
        ("45", 45),
        (12, 12.0),
    ],
)
def test_durations_are_read_in_seconds(text: str | int, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "15 minutes", "m15", "-5s", "1y", "abc"])
def test_bad_durations_are_refused_with_the_text_quoted(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("text", "size"), [("512KB", 512000), ("10MB", 10_000_000), ("1MiB", 1048576), ("77", 77)]
)
def test_sizes_are_read_in_bytes(text: str, size: int) -> None:
    assert parse_size(text) == size


def test_defaults_apply_without_a_config_file(tmp_path: Path) -> None:
    settings = load_settings(None, {"REDLINE_CONFIG": ""})
    assert settings.initial_interval == 900
    assert settings.backoff_factor == 1.5
    assert settings.max_interval == 86400
    assert settings.stability_window == 40 * 86400
    assert settings.web_host == "127.0.0.1"
    assert settings.obey_robots_txt is True
    assert settings.redis_url == ""


def test_the_shipped_settings_file_is_written_from_the_declarations_and_holds_the_defaults(
    tmp_path: Path,
) -> None:
    shipped = Path(__file__).resolve().parents[1] / "config" / "redline.toml"
    assert shipped.read_text() == settings_file(), (
        "regenerate it: redline init --stdout > config/redline.toml"
    )
    assert replace(load_settings(shipped, {}), config_path=None) == Settings()
    # Every setting is in it, explained.
    text = settings_file()
    for setting in fields(Settings):
        if setting.name not in ("sources", "channels", "config_path"):
            assert f"\n{setting.name} = " in text


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    config = tmp_path / "redline.toml"
    config.write_text('web_port = 9000\ninitial_interval = "5m"\nfeed_size = 10\n')
    env = {
        "REDLINE_WEB_PORT": "9100",
        "REDLINE_URLS_FILE": "/srv/urls.txt",
        "REDLINE_STATE_DIR": "/srv/state",
        "REDLINE_BACKOFF_FACTOR": "2",
        "REDLINE_MAX_INTERVAL": "2h",
        "REDLINE_STABILITY_WINDOW": "7d",
        "REDLINE_FEED_SIZE": "25",
        "REDIS_URL": "redis://db.example:6379/2",
    }
    settings = load_settings(config, env)
    assert settings.web_port == 9100
    assert settings.initial_interval == 300
    assert settings.feed_size == 25
    assert settings.urls_file == Path("/srv/urls.txt")
    assert settings.state_dir == Path("/srv/state")
    assert settings.backoff_factor == 2.0
    assert settings.max_interval == 7200
    assert settings.stability_window == 7 * 86400
    assert settings.redis_url == "redis://db.example:6379/2"


def test_config_is_chosen_by_redline_config(tmp_path: Path) -> None:
    config = tmp_path / "other.toml"
    config.write_text("feed_size = 7\n")
    assert load_settings(None, {"REDLINE_CONFIG": str(config)}).feed_size == 7


def test_an_unknown_setting_names_the_file_and_key(tmp_path: Path) -> None:
    config = tmp_path / "redline.toml"
    config.write_text("web_prot = 80\n")
    with pytest.raises(
        ConfigError,
        match=r"redline\.toml: setting 'web_prot': unknown setting \(did you mean 'web_port'",
    ):
        load_settings(config, {})


def test_a_bad_value_names_the_file_and_key(tmp_path: Path) -> None:
    config = tmp_path / "redline.toml"
    config.write_text('max_interval = "forever"\n')
    with pytest.raises(ConfigError, match=r"redline\.toml: setting 'max_interval'.*forever"):
        load_settings(config, {})


def test_a_bad_environment_value_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="REDLINE_FEED_SIZE"):
        load_settings(None, {"REDLINE_FEED_SIZE": "-3"})


@pytest.mark.parametrize(
    ("env", "says"),
    [
        (
            {"REDLINE_INTIAL_INTERVAL": "5m"},
            "environment REDLINE_INTIAL_INTERVAL: no such setting;"
            " did you mean REDLINE_INITIAL_INTERVAL?",
        ),
        ({"REDLINE_WEB_PORT": "99999"}, "REDLINE_WEB_PORT: not a port (0 to 65535"),
        ({"REDLINE_CONCURRENCY": "lots"}, "REDLINE_CONCURRENCY: not a whole number: 'lots'"),
        ({"REDLINE_BACKOFF_FACTOR": "x2"}, "REDLINE_BACKOFF_FACTOR: not a number: 'x2'"),
    ],
)
def test_environment_mistakes_are_refused_in_redlines_words(env: dict[str, str], says: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(None, env)
    assert says in str(raised.value)
    assert "invalid literal" not in str(raised.value)


def test_broken_toml_is_reported_with_its_line(tmp_path: Path) -> None:
    config = tmp_path / "redline.toml"
    config.write_text('feed_size = 3\nfeed_title = "unterminated\n')
    with pytest.raises(ConfigError, match=r"redline\.toml: not valid TOML.*line 2"):
        load_settings(config, {})


def test_a_named_config_file_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "missing.toml", {})


def test_sources_map_domains_to_names(tmp_path: Path) -> None:
    config = tmp_path / "redline.toml"
    config.write_text('[sources.guardian]\ndomains = ["theguardian.com", "Guardian.co.uk"]\n')
    (source,) = load_settings(config, {}).sources
    assert source.name == "guardian"
    assert source.domains == ("theguardian.com", "guardian.co.uk")
    assert not source.rules


def test_sources_carry_their_extraction_rules(tmp_path: Path) -> None:
    config = tmp_path / "redline.toml"
    config.write_text(
        "[sources.ledger]\n"
        'domains = ["ledger.example"]\n'
        'headline = "h1.story-title"\n'
        'body = ["div.story-body", "article"]\n'
        'drop = [".puzzle-box", "figure"]\n'
        "drop_text = ['^Updated \\d+ minutes ago$']\n"
    )
    (source,) = load_settings(config, {}).sources
    assert source.rules == ExtractionRules(
        headline=("h1.story-title",),
        body=("div.story-body", "article"),
        drop=(".puzzle-box", "figure"),
        drop_text=(r"^Updated \d+ minutes ago$",),
    )


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('body = "div["', r"\[sources\.ledger\]: body: not a CSS selector: 'div\['"),
        ("drop_text = ['(']", r"\[sources\.ledger\]: drop_text: not a regular expression"),
        ("drop = [1]", r"\[sources\.ledger\]: drop must be a string or a list"),
        ('bodies = "div"', r"\[sources\.ledger\]: unknown key\(s\) bodies"),
    ],
)
def test_bad_source_rules_are_named_with_their_source_and_key(
    tmp_path: Path, table: str, message: str
) -> None:
    config = tmp_path / "redline.toml"
    config.write_text(f"[sources.ledger]\n{table}\n")
    with pytest.raises(ConfigError, match=message):
        load_settings(config, {})


def test_a_source_lists_discovery_endpoints_with_a_link_pattern_and_an_interval(
    tmp_path: Path,
) -> None:
    config = tmp_path / "redline.toml"
    config.write_text(
        "[sources.tribune]\n"
        'domains = ["tribune.example"]\n'
        'discover = ["HTTPS://www.Tribune.example/world/rss?utm_source=x",'
        ' "https://www.tribune.example/sitemap-news.xml", "https://www.tribune.example/world/"]\n'
        "link_pattern = '/world/\\d{4}/\\d\\d/\\d\\d/'\n"
        'discover_interval = "5m"\n'
    )
    (source,) = load_settings(config, {}).sources
    assert source.discover == (
        "https://www.tribune.example/world/rss",
        "https://www.tribune.example/sitemap-news.xml",
        "https://www.tribune.example/world/",
    )
    assert source.link_pattern == r"/world/\d{4}/\d\d/\d\d/"
    assert source.discover_interval == 300.0
    config.write_text('[sources.tribune]\ndomains = ["tribune.example"]\n')
    (plain,) = load_settings(config, {}).sources
    assert (plain.discover, plain.link_pattern, plain.discover_interval) == ((), "", 900.0)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('discover = "ftp://x.example/feed"', r"discover: only http and https .*'ftp://"),
        ("discover = [1]", r"discover must be a string or a list"),
        ("link_pattern = '(unclosed'", r"link_pattern: not a regular expression"),
        ("link_pattern = 3", r"link_pattern must be a regular expression"),
        ('discover_interval = "10s"', r"discover_interval: at least 60s, to be polite"),
        ('discover_interval = "soon"', r"discover_interval: not a duration"),
    ],
)
def test_bad_discovery_settings_are_named_with_their_source_and_key(
    tmp_path: Path, table: str, message: str
) -> None:
    config = tmp_path / "redline.toml"
    config.write_text(f"[sources.tribune]\n{table}\n")
    with pytest.raises(ConfigError, match=r"\[sources\.tribune\]: " + message):
        load_settings(config, {})
