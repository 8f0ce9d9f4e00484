"""The ``/metrics`` endpoint: redline's figures, per source, in the Prometheus text format.

Every figure is read from Redis when the endpoint is scraped (:class:`RedlineCollector`),
so any web process on any machine reports the whole service. Metrics (all labelled with
``source``):

- ``redline_articles{status}``: articles tracked, by status;
- ``redline_discovered_articles``: articles its discovery endpoints found;
- ``redline_checks_total``, ``redline_changes_total``, ``redline_errors_total``,
  ``redline_extraction_failures_total``: since the source was first checked;
- ``redline_due_backlog``: checks due and not started; ``redline_due_lag_seconds``: how
  long the oldest of them has waited;
- ``redline_discovery_endpoints{status}``: its endpoints, active or failing;
  ``redline_last_discovery_timestamp_seconds``: when one was last read without error;
- ``redline_source_failing``: 1 while the source is reported failing (see
  :mod:`crawler.store.health`), else 0.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from crawler.domain.models import Status

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from prometheus_client.metrics_core import Metric

    from crawler.domain.models import EndpointState
    from crawler.store.stores import Stores

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
"""The media type of the Prometheus text format."""

_COUNTERS = {
    "checks": "Checks of the source's articles",
    "changes": "Changes published",
    "errors": "Checks that failed",
    "extraction_failures": "Pages that held no trustworthy article",
}


class RedlineCollector:
    """Collects the metrics of the module docstring from Redis at each scrape.

    Args:
        stores: The stores.
        clock: Returns the current time (epoch seconds).
    """

    def __init__(self, stores: Stores, clock: Callable[[], float] = time.time) -> None:
        self.store = stores.articles
        self.endpoints = stores.endpoints
        self.queue = stores.queue
        self.health = stores.health
        self.notices = stores.notices
        self.clock = clock

    def collect(self) -> Iterator[Metric]:
        """Yields every metric, read now."""
        now = self.clock()
        endpoints = self.endpoints.all()
        sources = sorted(set(self.store.source_names()) | {e.source for e in endpoints})
        articles = GaugeMetricFamily(
            "redline_articles", "Articles tracked, by status", labels=["source", "status"]
        )
        discovered = GaugeMetricFamily(
            "redline_discovered_articles", "Articles found by discovery", labels=["source"]
        )
        counters = {
            name: CounterMetricFamily(f"redline_{name}", text, labels=["source"])
            for name, text in _COUNTERS.items()
        }
        for source in sources:
            for status, count in self.store.source_statuses(source).items():
                if status is not Status.UNTRACKED:
                    articles.add_metric([source, status.value], count)
            found = sum(e.found for e in endpoints if e.source == source)
            discovered.add_metric([source], found)
            totals = self.store.counters.source_totals(source)
            for name, family in counters.items():
                family.add_metric([source], totals.get(name, 0))
        yield articles
        yield discovered
        yield from counters.values()
        yield from self._backlog(sources, now)
        yield from self._discovery(sources, endpoints)
        failing = GaugeMetricFamily(
            "redline_source_failing", "1 while the source is reported failing", labels=["source"]
        )
        current = self.health.current()
        for source in sources:
            failing.add_metric([source], int(source in current))
        yield failing
        yield from self._notifications()

    def _notifications(self) -> Iterator[Metric]:
        """Each notification channel's deliveries: messages and events sent, failures,
        events waiting, and whether it is failing now."""
        families: dict[str, CounterMetricFamily | GaugeMetricFamily] = {
            "sent": CounterMetricFamily(
                "redline_notify_messages", "Messages a channel accepted", labels=["channel"]
            ),
            "events": CounterMetricFamily(
                "redline_notify_events", "Events told of in accepted messages", labels=["channel"]
            ),
            "failures": CounterMetricFamily(
                "redline_notify_failures", "Sends that failed", labels=["channel"]
            ),
            "pending": GaugeMetricFamily(
                "redline_notify_pending", "Events read but not yet sent", labels=["channel"]
            ),
            "failing": GaugeMetricFamily(
                "redline_notify_failing",
                "1 while the channel's last send failed",
                labels=["channel"],
            ),
        }
        for name in self.notices.channels():
            health = self.notices.health(name)
            values = {
                "sent": health.sent,
                "events": health.events,
                "failures": health.failures,
                "pending": health.pending,
                "failing": int(health.consecutive > 0),
            }
            for key, family in families.items():
                family.add_metric([name], values[key])
        yield from families.values()

    def _backlog(self, sources: list[str], now: float) -> Iterator[Metric]:
        backlog = GaugeMetricFamily(
            "redline_due_backlog", "Checks due and not started", labels=["source"]
        )
        lag = GaugeMetricFamily(
            "redline_due_lag_seconds",
            "How long the oldest due check has waited",
            labels=["source"],
        )
        waiting = self.queue.backlog(now)
        for source in sources:
            count, oldest = waiting.get(source, (0, now))
            backlog.add_metric([source], count)
            lag.add_metric([source], max(0.0, now - oldest))
        yield backlog
        yield lag

    def _discovery(self, sources: list[str], endpoints: list[EndpointState]) -> Iterator[Metric]:
        states = GaugeMetricFamily(
            "redline_discovery_endpoints",
            "Discovery endpoints, by status",
            labels=["source", "status"],
        )
        last = GaugeMetricFamily(
            "redline_last_discovery_timestamp_seconds",
            "When a discovery endpoint was last read without error",
            labels=["source"],
        )
        for source in sources:
            own = [e for e in endpoints if e.source == source]
            if not own:
                continue
            for status in (Status.ACTIVE, Status.FAILING):
                states.add_metric([source, status.value], sum(e.status is status for e in own))
            successes = [e.last_success for e in own if e.last_success]
            if successes:
                last.add_metric([source], max(successes))
        yield states
        yield last


def metrics_text(collector: RedlineCollector) -> bytes:
    """The collector's metrics in the Prometheus text format."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    return generate_latest(registry)
