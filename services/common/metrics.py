"""Prometheus metrics of a service process (prometheus-client).

Counted as they happen: gRPC calls per method and code, their latency, and
events handled by the consumer per type and outcome.  Read at scrape time:
the outbox backlog and the age of its oldest unsent event, the depth of the
service's queue (consumer lag) and of its dead-letter queue, and the
database connection pool.
"""
from __future__ import annotations

import datetime as dt
import logging
import time

from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

log = logging.getLogger(__name__)

LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class ServiceMetrics:
    def __init__(self, service: str, registry: CollectorRegistry | None = None) -> None:
        self.service = service
        self.registry = registry or CollectorRegistry()
        self.rpc_requests = Counter(
            "ezh_grpc_requests", "gRPC calls served", ("service", "method", "code"), registry=self.registry
        )
        self.rpc_latency = Histogram(
            "ezh_grpc_request_seconds", "gRPC call latency", ("service", "method"),
            buckets=LATENCY_BUCKETS, registry=self.registry,
        )
        self.events_consumed = Counter(
            "ezh_events_consumed", "Bus messages handled by the consumer", ("service", "type", "outcome"),
            registry=self.registry,
        )

    def observe_rpc(self, method: str, code: str, seconds: float) -> None:
        self.rpc_requests.labels(self.service, method, code).inc()
        self.rpc_latency.labels(self.service, method).observe(seconds)

    def observe_event(self, event_type: str, outcome: str) -> None:
        self.events_consumed.labels(self.service, event_type, outcome).inc()

    def serve(self, address: str) -> int:
        """Expose /metrics over HTTP; returns the port (0 picks a free one)."""
        host, _, port = address.rpartition(":")
        server, _thread = start_http_server(int(port), addr=host or "0.0.0.0", registry=self.registry)
        self._server = server
        return server.server_address[1]

    def close(self) -> None:
        server = getattr(self, "_server", None)
        if server is not None:
            server.shutdown()
            server.server_close()


class RuntimeCollector:
    """Gauges read from the database and the bus when Prometheus scrapes."""

    def __init__(self, runtime) -> None:
        self.runtime = runtime

    def describe(self):
        return []

    def collect(self):
        runtime = self.runtime
        service = runtime.name
        backlog = GaugeMetricFamily("ezh_outbox_pending_events", "Outbox rows not yet published", labels=["service"])
        oldest = GaugeMetricFamily(
            "ezh_outbox_oldest_pending_seconds", "Age of the oldest unpublished outbox row", labels=["service"]
        )
        table = runtime.definition.outbox
        try:
            with runtime.database.session() as session:
                count, first = session.execute(
                    select(func.count(), func.min(table.c.create_time)).where(table.c.sent_time.is_(None))
                ).one()
            backlog.add_metric([service], count)
            age = 0.0
            if first is not None:
                first = first if first.tzinfo else first.replace(tzinfo=dt.UTC)  # SQLite keeps naive UTC
                age = max(0.0, time.time() - first.timestamp())
            oldest.add_metric([service], age)
        except Exception as error:  # noqa: BLE001 - a scrape must not fail the service
            log.warning("metrics: outbox unavailable: %s", error)
        yield backlog
        yield oldest

        pool = runtime.database.engine.pool
        checked_out = GaugeMetricFamily("ezh_db_pool_checked_out", "Database connections in use", labels=["service"])
        checked_out.add_metric([service], getattr(pool, "checkedout", lambda: 0)())
        yield checked_out

        if runtime.consumer is not None:
            depth = GaugeMetricFamily("ezh_queue_messages", "Messages waiting in a queue", labels=["service", "queue"])
            for name in (runtime.topology.queue_name(service), runtime.topology.dead_queue_name(service)):
                count = runtime.queue_depth(name)
                if count is not None:
                    depth.add_metric([service, name], count)
            yield depth
