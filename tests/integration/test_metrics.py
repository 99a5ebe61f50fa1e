"""Every service exposes Prometheus metrics; they show a request after it is made."""
from __future__ import annotations

import grpc
import pytest
import requests
from grpc_health.v1 import health_pb2, health_pb2_grpc
from prometheus_client.parser import text_string_to_metric_families

from .conftest import wait_for

pytestmark = pytest.mark.integration


def _samples(port: int) -> dict[tuple[str, tuple], float]:
    text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_o1_metrics_show_calls_outbox_and_queues(stack):
    stack.migrate("auth", "reports")
    stack.with_settings(metrics_address="127.0.0.1:0")
    auth = stack.start("auth")
    reports = stack.start("reports")
    method = "/grpc.health.v1.Health/Check"
    key = ("ezh_grpc_requests_total", (("code", "OK"), ("method", method), ("service", "auth")))
    before = _samples(auth.metrics_port).get(key, 0)

    with grpc.insecure_channel(f"127.0.0.1:{auth.port}") as channel:
        health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)

    after = _samples(auth.metrics_port)
    assert after[key] == before + 1
    assert ("ezh_outbox_pending_events", (("service", "auth"),)) in after
    assert ("ezh_outbox_oldest_pending_seconds", (("service", "auth"),)) in after
    wait_for(reports.check_readiness, what="reports to declare its queues")
    report_samples = _samples(reports.metrics_port)
    queue = stack.topology().dead_queue_name("reports")
    assert report_samples[("ezh_queue_messages", (("queue", queue), ("service", "reports")))] == 0
