"""Prometheus metrics: one registry per app (never the global default registry)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST


class Metrics:
    """The spec's metric names, registered in a registry of their own."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.incidents_reported = Counter(
            "haven_incidents_reported", "Incidents reported", ["platform", "severity"], registry=r
        )
        self.alerts_delivered = Counter(
            "haven_alerts_delivered", "Supervisor alerts and pages delivered", ["platform"], registry=r
        )
        self.messages_sent = Counter(
            "haven_messages_sent", "Outbox messages delivered", ["platform", "kind"], registry=r
        )
        self.outbox_retries = Counter(
            "haven_outbox_retries", "Outbox sends retried after a transient failure", ["platform"], registry=r
        )
        self.outbox_dead_letters = Counter(
            "haven_outbox_dead_letters", "Outbox messages given up on", ["platform", "kind"], registry=r
        )
        self.refusals = Counter(
            "haven_refusals", "Actions refused (not a supervisor, not the reporter, ...)", ["reason"], registry=r
        )
        self.watchdog_rescued = Counter(
            "haven_watchdog_rescued", "Leased rows re-claimed after their lease expired", registry=r
        )
        self.open_incidents = Gauge("haven_open_incidents", "Incidents not yet resolved", registry=r)
        self.digests = Counter("haven_digests", "Digests posted instead of single alerts", registry=r)
        for counter in (self.outbox_retries,):
            counter.labels(platform="slack")
        self.refusals.labels(reason="not_supervisor")

    def render(self) -> bytes:
        return generate_latest(self.registry)
