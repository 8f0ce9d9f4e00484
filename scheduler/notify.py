"""The notify role: pushes every change event to the configured channels through apprise.

Each ``[notify.NAME]`` table of the settings file is a channel: an apprise URL (email,
Slack, Matrix, Mastodon, Telegram, Discord, ntfy, JSON webhooks and many more), the sources
and kinds of change it wants, the form of its messages and its limit a minute. Any number
of ``redline notify`` processes share the work: each channel reads the events stream from
its own position in Redis (:mod:`crawler.store.notices`), an event is acknowledged only
once the channel accepted its message, and a channel that fails is tried again with a
back-off that doubles, without holding up the others. A channel whose URL apprise cannot
use is reported (by name, its secrets hidden) and the others keep working. The settings
file is read again when it changes, as the clock does.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import apprise
import redis

from crawler.store.connection import Outage
from crawler.store.keys import Keys
from crawler.store.notices import CLAIM_IDLE, Notices
from crawler.web.message import Message, digest, message
from scheduler.config import FileStamp, load_settings
from scheduler.tables import Channel
from scheduler.values import ConfigError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from crawler.domain.models import ChangeEvent
    from scheduler.config import Settings

logger = logging.getLogger(__name__)

# Events read for a channel at a time.
BATCH = 50
# Seconds between two looks at the stream when nothing was to be sent.
POLL = 1.0
# A failing channel is tried again after RETRY_MIN seconds, doubling up to RETRY_MAX.
RETRY_MIN = 5.0
RETRY_MAX = 900.0


@dataclass(frozen=True)
class Target:
    """A channel as the role sends to it.

    Attributes:
        channel: Its settings.
        shown: Its URL with every secret hidden, for logs and reports.
        service: The apprise object that sends to it (None when its URL cannot be used).
        problem: Why its URL cannot be used ("" when it can).
    """

    channel: Channel
    shown: str
    service: apprise.Apprise | None = None
    problem: str = ""

    def wants(self, event: ChangeEvent) -> bool:
        """Whether the channel is to be told of ``event`` (its sources and kinds)."""
        channel = self.channel
        if channel.sources and event.source not in channel.sources:
            return False
        return not channel.kinds or any(kind in channel.kinds for kind in event.kinds)

    def form(self) -> str:
        """The form its messages are written in: its ``format``, else what it prefers."""
        if self.channel.format or self.service is None:
            return self.channel.format or "text"
        preferred = next(iter(self.service)).notify_format  # one, or several (first best)
        if isinstance(preferred, tuple | list):
            preferred = preferred[0]
        return str(getattr(preferred, "value", preferred))


def target(channel: Channel, env: Mapping[str, str]) -> Target:
    """The channel's target: its apprise URL (from ``url``, or the variable ``url_env``
    names) checked by apprise, or why it cannot be used."""
    url = channel.url or env.get(channel.url_env, "")
    if not url:
        return Target(channel, "", problem=f"the environment variable {channel.url_env} is not set")
    service = apprise.Apprise()
    scheme = url.split("://", 1)[0] if "://" in url else ""
    if not service.add(url):
        hint = f"unknown scheme {scheme}://" if scheme else "not an apprise URL (scheme://...)"
        return Target(channel, f"{scheme}://…", problem=f"apprise cannot use its url: {hint}")
    return Target(channel, next(iter(service)).url(privacy=True), service)


class Notifier:
    """Delivers change events to the channels of the settings.

    Args:
        settings: The settings in force at start.
        redis: The client.
        config_arg: The ``--config`` argument, to read the same file again.
        env: The environment (the URLs ``url_env`` names, the overrides).
        claim_idle: Seconds an event stays with a sender that does not send it before
            another one takes it over (see :class:`crawler.store.notices.Notices`).
    """

    def __init__(
        self,
        settings: Settings,
        redis: redis.Redis,
        config_arg: str | None = None,
        env: Mapping[str, str] | None = None,
        claim_idle: float = CLAIM_IDLE,
    ) -> None:
        self.settings = settings
        self.config_arg = config_arg
        self.env = dict(os.environ if env is None else env)
        self.notices = Notices(redis, Keys(settings.redis_prefix), claim_idle)
        self.consumer = f"{os.uname().nodename}:{os.getpid()}"
        self.targets: list[Target] = []
        self._stamp: FileStamp | None = None
        self._loaded = False
        self._outage = Outage(logger, "send notifications")

    def reload(self, now: float) -> bool:
        """Reads the settings file again if it changed (or never was), and makes each of its
        channels a target; a file that no longer parses keeps the channels there were.

        Returns:
            True if the channels were (re)made.
        """
        stamp = FileStamp.of(self.settings.config_path)
        if self._loaded and stamp == self._stamp:
            return False
        if self._loaded:
            try:
                self.settings = load_settings(self.config_arg, self.env)
            except ConfigError as exc:
                logger.error("settings not reloaded, keeping the channels there were: %s", exc)
                self._stamp = stamp
                return False
        self.targets = [target(channel, self.env) for channel in self.settings.channels]
        for made in self.targets:
            name = made.channel.name
            if made.problem:
                logger.error("notify channel %s (%s): %s", name, made.shown, made.problem)
                self.notices.failed(name, made.problem, now, now + RETRY_MAX)
            else:
                self.notices.join(name)
                logger.info("notify channel %s: %s", name, made.shown)
        self._stamp, self._loaded = stamp, True
        return True

    def run(self, stop: threading.Event) -> None:
        """Delivers until ``stop`` is set: each channel in a thread of its own, so a slow or
        failing one holds up no other; the settings file is looked at every :data:`POLL`
        seconds, and the channels it no longer names stop."""
        logger.info("notify running (%d channels)", len(self.settings.channels))
        senders: dict[str, threading.Thread] = {}
        while not stop.is_set():
            try:
                self.reload(time.time())
            except redis.RedisError as exc:
                self._outage.failed(exc, time.monotonic())
            for made in self.targets:
                name = made.channel.name
                if made.service and not (name in senders and senders[name].is_alive()):
                    senders[name] = threading.Thread(
                        target=self._send_while_named,
                        args=(made, stop),
                        name=f"notify-{name}",
                        daemon=True,
                    )
                    senders[name].start()
            stop.wait(POLL)
        for sender in senders.values():
            sender.join()
        logger.info("notify stopped")

    def _send_while_named(self, made: Target, stop: threading.Event) -> None:
        """Delivers to one channel until ``stop`` is set or the settings no longer name it
        as it was, looking again every :data:`POLL` seconds when nothing was waiting."""
        while not stop.is_set() and any(t is made for t in self.targets):
            handled = 0
            try:
                handled = self.deliver(made, time.time())
            except redis.RedisError as exc:
                self._outage.failed(exc, time.monotonic())
            else:
                self._outage.succeeded(time.monotonic())
            if not handled:
                stop.wait(POLL)

    def deliver(self, made: Target, now: float) -> int:
        """Sends what one channel has waiting (unless it is backing off): each event it
        wants in a message of its own, or all in one digest beyond its limit; stops at the
        first message the channel does not accept. Returns how many events were handled
        (sent, or not wanted)."""
        name = made.channel.name
        retry_at, failures = self.notices.backoff(name)
        if retry_at is not None and retry_at > now:
            return 0
        events = self.notices.take(name, self.consumer, BATCH)
        if not events:
            return 0
        wanted = [stored for stored in events if made.wants(stored.event)]
        self.notices.ack(name, [s.event_id for s in events if not made.wants(s.event)])
        base = self.settings.web_url
        if not wanted:
            messages = []
        elif self.notices.allowance(name, len(wanted), made.channel.limit, now):
            messages = [message(stored, base) for stored in wanted]
        else:
            messages = [digest(wanted, base)]
        for number, sent in enumerate(messages):
            error = _send(made, sent)
            if error:
                self.notices.give_back(name, len(messages) - number)
                delay = min(RETRY_MIN * 2**failures, RETRY_MAX)  # doubling with each failure
                consecutive = self.notices.failed(name, error, now, now + delay)
                logger.warning(
                    "notify channel %s (%s): not sent (%d in a row), trying again in %gs: %s",
                    name,
                    made.shown,
                    consecutive,
                    delay,
                    error,
                )
                return len(events)
            self.notices.ack(name, list(sent.event_ids))
            self.notices.delivered(name, len(sent.event_ids), now)
        return len(events)


def _send(made: Target, sent: Message) -> str:
    """Sends one message; returns why it was not accepted ("" when it was)."""
    assert made.service is not None
    form = made.form()
    try:
        with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as captured:
            accepted = made.service.notify(
                title=sent.title, body=sent.body(form), body_format=apprise.NotifyFormat(form)
            )
    except Exception:  # a channel's plugin must never take the role down
        logger.exception("notify channel %s: apprise failed", made.channel.name)
        return "apprise failed (see the log)"
    if accepted:
        return ""
    said = [line.strip() for line in captured.getvalue().splitlines() if line.strip()]
    return said[-1] if said else "the channel did not accept the message"
