"""Notifications: what a message says, the [notify.NAME] channels, and delivery through
apprise to real receivers on 127.0.0.1 (an SMTP server and a JSON webhook), with a real
redis-server holding each channel's position in the events stream."""

from __future__ import annotations

import logging
import os
import re
import signal
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from crawler.domain.diff import diff_articles
from crawler.domain.models import Article, ChangeEvent
from crawler.store.articles import StoredEvent
from crawler.store.connection import connect
from crawler.store.health import CHANNEL_MARK, channel_problems
from crawler.store.keys import Keys
from crawler.store.notices import Notices
from crawler.store.stores import Stores
from crawler.web.feed import entry_title, render_health_feed
from crawler.web.message import digest, message
from crawler.web.metrics import RedlineCollector, metrics_text
from scheduler.config import load_settings
from scheduler.embedded import EmbeddedRedis
from scheduler.notify import Notifier
from scheduler.report import channel_text
from scheduler.values import ConfigError
from tests.conftest import wait_for
from tests.receivers import Mailbox, Webhook
from tests.recording import record, track

if TYPE_CHECKING:
    from pathlib import Path

    import redis

    from crawler.store.articles import ArticleStore

BASE = "http://redline.example"
URL_A = "https://news.example/a"
URL_B = "https://news.example/b"
STORY = ("The harbour wall gave way at dawn.", "Twelve homes were flooded.")


def settings_with(tmp_path: Path, channels: str) -> Path:
    path = tmp_path / "redline.toml"
    path.write_text(f'public_url = "{BASE}"\n{channels}')
    return path


def notifier(
    path: Path, redis_conn: redis.Redis, env: dict[str, str] | None = None, **kw: float
) -> Notifier:
    return Notifier(load_settings(path, env or {}), redis_conn, str(path), env or {}, **kw)


def drain(sender: Notifier, now: float) -> int:
    """Delivers until nothing is left to handle at ``now``; returns the events handled."""
    handled = total = -1
    while handled:
        handled = sum(sender.deliver(made, now) for made in sender.targets if made.service)
        total += handled
    return total + 1


def edits(store: ArticleStore) -> list[str]:
    """Two articles, their first versions, then three changes: a headline, a paragraph
    edit and a correction; returns what the feed calls each change, in order."""
    track(store, URL_A, URL_B)
    record(store, URL_A, 10.0, "Sea wall breached", *STORY)
    record(store, URL_B, 10.0, "Council meets", "The council met on Monday.")
    record(store, URL_A, 20.0, "Sea wall breached, homes flooded", *STORY)
    record(store, URL_B, 30.0, "Council meets", "The council met on Tuesday.")
    record(
        store,
        URL_A,
        40.0,
        "Sea wall breached, homes flooded",
        *STORY,
        "Correction: an earlier version said eleven homes.",
    )
    return [entry_title(stored.event) for stored in reversed(store.recent_events(10))]


def test_a_message_says_what_changed_carries_the_diff_and_names_its_event() -> None:
    old = Article("Sea wall breached", "", STORY)
    new = Article("Sea wall breached", "", (STORY[0], "Fourteen homes were flooded."))
    event = ChangeEvent(
        article_id="a1",
        url=URL_A,
        source="news",
        version=1,
        detected_at=100.0,
        headline="Sea wall breached",
        diff=diff_articles(old, new),
        kinds=("body",),
        sequence=1,
    )
    sent = message(StoredEvent("1700000000000-0", event), BASE)
    assert sent.title == entry_title(event) == "1 paragraph edited: Sea wall breached"
    assert "[-Twelve-]{+Fourteen+}" in sent.text
    assert "~~Twelve~~**Fourteen**" in sent.markdown
    assert "<del>Twelve</del><ins>Fourteen</ins>" in sent.html
    for body in (sent.text, sent.markdown, sent.html):
        assert "1700000000000-0" in body
        assert f"{BASE}/articles/a1?to=1" in body
        assert URL_A in body
    assert sent.event_ids == ("1700000000000-0",)
    two = digest([StoredEvent("1-0", event), StoredEvent("2-0", event)], BASE)
    assert two.title == "2 changes in 1 article"
    assert two.text.count(entry_title(event)) == 2
    assert two.event_ids == ("1-0", "2-0")


def test_channels_come_from_the_settings_file_and_a_bad_one_is_named(tmp_path: Path) -> None:
    path = settings_with(
        tmp_path,
        '[notify.desk]\nurl = "json://user:s3cret@127.0.0.1:1/hook"\nkinds = ["headline"]\n'
        '[notify.chat]\nurl_env = "CHAT_URL"\nformat = "markdown"\nlimit = 3\n',
    )
    settings = load_settings(path, {"CHAT_URL": "json://127.0.0.1:2/"})
    desk, chat = settings.channels
    assert (desk.name, desk.kinds, desk.limit) == ("desk", ("headline",), 10)
    assert (chat.url_env, chat.format, chat.limit) == ("CHAT_URL", "markdown", 3)
    assert "s3cret" not in repr(settings)
    assert settings.web_url == BASE
    for table, said in (
        ('url = "json://x"\nurl_env = "X"', "give url (an apprise URL) or url_env"),
        ('url = "json://x"\nkinds = ["headlines"]', "[notify.bad]: kinds: no kind 'headlines'"),
        ('url = "json://x"\nformat = "pdf"', "format: one of text, html, markdown"),
        ('url = "json://x"\nlimit = 0', "limit: a whole number of messages a minute"),
        ('url = "json://x"\nsend_to = "me"', "unknown key(s) send_to"),
    ):
        path.write_text(f"[notify.bad]\n{table}\n")
        with pytest.raises(ConfigError, match=re.escape(said)):
            load_settings(path, {})


def test_every_change_reaches_email_and_a_webhook_once_with_its_diff(
    tmp_path: Path, redis_conn: redis.Redis, store: ArticleStore
) -> None:
    with Mailbox() as mailbox, Webhook() as hook:
        # (One email: apprise waits 5 seconds between two emails to one server.)
        path = settings_with(
            tmp_path,
            f'[notify.desk]\nurl = "{mailbox.url()}"\nformat = "html"\nkinds = ["correction"]\n'
            f'[notify.hook]\nurl = "{hook.url()}"\n'
            f'[notify.headlines]\nurl = "{hook.url()}"\nkinds = ["headline"]\n',
        )
        sender = notifier(path, redis_conn)
        sender.reload(0.0)  # the channels join before the changes
        titles = edits(store)
        assert len(titles) == 3
        assert drain(sender, 100.0) == 9
        assert drain(sender, 100.0) == 0  # nothing is sent twice

    (mail,) = mailbox.messages
    assert mail["Subject"] == titles[2]
    assert mail["Subject"].startswith("Correction appended, 1 paragraph added:")
    html, text = mail.get_body(("html",)), mail.get_body(("plain",))
    assert html is not None
    assert text is not None
    assert "<ins>Correction: an earlier version said eleven homes.</ins>" in html.get_content()
    assert "Correction: an earlier version said eleven homes." in text.get_content()
    assert re.search(r"redline event \d+-\d+", text.get_content())
    posted = [(p["title"], p["message"]) for p in hook.received]
    assert [title for title, _ in posted] == [*titles, titles[0]]  # and the headline channel
    assert "{+, homes flooded+}" in posted[0][1]
    assert "Correction appended" in posted[2][0]
    health = Notices(redis_conn, Keys("redline:")).health("hook")
    assert (health.sent, health.events, health.pending, health.consecutive) == (3, 3, 0, 0)


def test_a_receiver_down_for_a_while_gets_every_message_once_when_it_is_back(
    tmp_path: Path, redis_conn: redis.Redis, store: ArticleStore
) -> None:
    with Webhook() as other, Webhook() as hook:
        path = settings_with(
            tmp_path,
            f'[notify.hook]\nurl = "{hook.url()}"\n[notify.other]\nurl = "{other.url()}"\n',
        )
        sender = notifier(path, redis_conn)
        sender.reload(0.0)
        hook.down = True
        titles = edits(store)
        drain(sender, 100.0)
        assert len(other.received) == 3  # a channel that is down holds up no other
        assert (hook.refused, hook.received) == (1, [])
        health = sender.notices.health("hook")
        assert (health.consecutive, health.pending, health.retry_at) == (1, 3, 105.0)
        assert "FAILING: 1 sends in a row" in channel_text(health, 101.0)
        assert drain(sender, 104.0) == 0  # backing off
        assert drain(sender, 105.0) == 3
        assert hook.refused == 2  # its back-off doubled
        assert sender.notices.health("hook").retry_at == 115.0
        hook.down = False
        drain(sender, 115.0)
        drain(sender, 200.0)

    assert [p["title"] for p in hook.received] == titles
    ids = [re.findall(r"redline event (\S+)", p["message"]) for p in hook.received]
    assert len({tuple(i) for i in ids}) == 3
    health = sender.notices.health("hook")
    assert (health.consecutive, health.pending, health.failures) == (0, 0, 2)


def test_a_failing_channel_is_reported_in_the_health_feed_and_the_metrics(
    tmp_path: Path, redis_conn: redis.Redis, store: ArticleStore, keys: Keys
) -> None:
    with Webhook() as hook:
        path = settings_with(tmp_path, f'[notify.hook]\nurl = "{hook.url()}"\n')
        sender = notifier(path, redis_conn)
        sender.reload(0.0)
        hook.down = True
        edits(store)
        drain(sender, 100.0)
    stores = Stores.open(redis_conn, keys)
    health = stores.notices.health("hook")
    assert channel_problems(health, 100.0 + 3599, 3600.0) == []  # not for long enough
    (problem,) = channel_problems(health, 100.0 + 3600, 3600.0)
    assert problem.startswith("every send failing for 1 hour (1 in a row, 3 changes waiting")
    assert stores.health.note(CHANNEL_MARK + "hook", [problem], 3700.0)
    feed = render_health_feed(stores.health.recent(5), BASE, now=3700.0)
    assert b"<title>notifications to hook are failing</title>" in feed
    metrics = metrics_text(RedlineCollector(stores)).decode()
    assert 'redline_notify_failing{channel="hook"} 1.0' in metrics
    assert 'redline_notify_pending{channel="hook"} 3.0' in metrics
    assert 'redline_notify_failures_total{channel="hook"} 1.0' in metrics


def test_what_a_killed_sender_read_and_never_sent_goes_to_another_one(
    tmp_path: Path, redis_conn: redis.Redis, store: ArticleStore
) -> None:
    with Webhook() as hook:
        path = settings_with(tmp_path, f'[notify.hook]\nurl = "{hook.url()}"\n')
        dead = notifier(path, redis_conn, claim_idle=0.2)
        dead.reload(0.0)
        titles = edits(store)
        # It read them, then died (kill -9) before sending: they stay pending with it.
        taken = dead.notices.take("hook", "dead-host:1", 10)
        assert len(taken) == 3
        other = notifier(path, redis_conn, claim_idle=0.2)
        other.reload(0.0)
        assert drain(other, 100.0) == 0  # not before they have been pending claim_idle
        wait_for(lambda: drain(other, 100.0) == 3, what="the pending events to be taken over")
        assert drain(other, 200.0) == 0
    assert [p["title"] for p in hook.received] == titles


def test_a_burst_beyond_a_channels_limit_is_sent_as_one_digest(
    tmp_path: Path, redis_conn: redis.Redis, store: ArticleStore
) -> None:
    with Webhook() as hook:
        path = settings_with(tmp_path, f'[notify.hook]\nurl = "{hook.url()}"\nlimit = 2\n')
        sender = notifier(path, redis_conn)
        sender.reload(0.0)
        titles = edits(store)
        drain(sender, 100.0)
    ((posted),) = hook.received
    assert posted["title"] == "3 changes in 2 articles"
    assert all(title in posted["message"] for title in titles)
    assert len(re.search(r"redline events (.+)", posted["message"])[1].split(", ")) == 3  # type: ignore[index]


def test_a_bad_channel_is_named_and_the_others_keep_working_and_secrets_are_never_shown(
    tmp_path: Path,
    redis_conn: redis.Redis,
    store: ArticleStore,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with Webhook() as hook:
        path = settings_with(
            tmp_path,
            '[notify.broken]\nurl = "nosuch://user:hunter2@example.com"\n'
            '[notify.unset]\nurl_env = "UNSET_NOTIFY_URL"\n'
            f'[notify.hook]\nurl = "{hook.url("s3cret")}"\n',
        )
        with caplog.at_level(logging.INFO):
            sender = notifier(path, redis_conn)
            sender.reload(0.0)
            edits(store)
            drain(sender, 100.0)
        hook.down = True
        with caplog.at_level(logging.INFO):
            record(store, URL_B, 50.0, "Council meets", "The council met on Wednesday.")
            drain(sender, 200.0)
    assert "notify channel broken (nosuch://…): apprise cannot use its url: unknown scheme" in (
        caplog.text
    )
    assert "notify channel unset (): the environment variable UNSET_NOTIFY_URL is not set" in (
        caplog.text
    )
    assert len(hook.received) == 3
    status = [channel_text(sender.notices.health(n), 201.0) for n in sender.notices.channels()]
    assert any(line.startswith("broken: 0 messages sent") and "FAILING" in line for line in status)
    for shown in (caplog.text, *status):
        assert "s3cret" not in shown
        assert "hunter2" not in shown


def test_no_acknowledged_message_is_sent_again_after_a_redis_restart(
    tmp_path: Path, store: ArticleStore
) -> None:
    with Webhook() as hook:
        path = settings_with(tmp_path, f'[notify.hook]\nurl = "{hook.url()}"\nlimit = 100\n')
        with EmbeddedRedis(tmp_path / "redis") as server:
            conn = connect(server.url)
            own = type(store)(conn, Keys("redline:"))
            sender = notifier(path, conn)
            sender.reload(0.0)
            titles = edits(own)
            assert drain(sender, 100.0) == 3
            record(own, URL_B, 50.0, "Council meets", "The council met on Wednesday.")
            conn.close()
        with EmbeddedRedis(tmp_path / "redis") as server:  # the same files, a new server
            conn = connect(server.url)
            own = type(store)(conn, Keys("redline:"))
            again = notifier(path, conn)
            again.reload(0.0)
            assert drain(again, 200.0) == 1
            last = entry_title(own.recent_events(1)[0].event)
            conn.close()
    assert [p["title"] for p in hook.received] == [*titles, last]


def test_the_notify_role_sends_each_change_and_stops_on_sigterm(
    tmp_path: Path, redis_conn: redis.Redis, store: ArticleStore, redis_url: str
) -> None:
    with Webhook() as hook:
        path = settings_with(tmp_path, f'[notify.hook]\nurl = "{hook.url()}"\n')
        env = {
            **os.environ,
            "REDIS_URL": redis_url,
            "REDLINE_REDIS_PREFIX": "redline:",
            "REDLINE_STATE_DIR": str(tmp_path / "var"),
        }
        log = (tmp_path / "notify.log").open("wb")
        role = subprocess.Popen(
            [sys.executable, "-m", "scheduler.cli", "--config", str(path), "notify"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            notices = Notices(redis_conn, Keys("redline:"))
            wait_for(lambda: "hook" in notices.channels(), what="the channel to join")
            titles = edits(store)
            wait_for(lambda: len(hook.received) == 3, what="the three changes to be sent")
        finally:
            role.send_signal(signal.SIGTERM)
            assert role.wait(timeout=30) == 0
            log.close()
    assert [p["title"] for p in hook.received] == titles
    assert "notify stopped" in (tmp_path / "notify.log").read_text()
