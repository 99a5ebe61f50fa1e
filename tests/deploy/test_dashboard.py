"""The Grafana dashboard shows only metrics that ezh exports."""
from __future__ import annotations

import json
import re
from pathlib import Path

from gateway.metrics import HTTP_LATENCY, HTTP_REQUESTS
from services.common.metrics import ServiceMetrics

DASHBOARD = Path(__file__).resolve().parents[2] / "deploy" / "grafana" / "ezh-dashboard.json"
SUFFIXES = ("_total", "_bucket", "_count", "_sum", "_created")
# Read at scrape time by services.common.metrics.RuntimeCollector.
COLLECTED = {"ezh_outbox_pending_events", "ezh_outbox_oldest_pending_seconds", "ezh_db_pool_checked_out",
             "ezh_queue_messages"}


def _exported() -> set[str]:
    metrics = ServiceMetrics("probe")
    names = {family.name for family in metrics.registry.collect()}
    names |= {HTTP_REQUESTS._name, HTTP_LATENCY._name}
    return names | COLLECTED


def _base(name: str) -> str:
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def test_o1_dashboard_queries_name_exported_metrics():
    dashboard = json.loads(DASHBOARD.read_text())
    expressions = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]

    used = {_base(name) for expr in expressions for name in re.findall(r"\bezh_[a-z_]+", expr)}

    assert used, "the dashboard queries nothing"
    assert used <= _exported(), used - _exported()
    assert {"ezh_outbox_pending_events", "ezh_queue_messages", "ezh_grpc_request_seconds"} <= used
