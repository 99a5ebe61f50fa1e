"""Prometheus metrics of the gateway: requests per route, status and latency.

Under gunicorn every worker writes its samples to files in
`PROMETHEUS_MULTIPROC_DIR` (set by `gunicorn.conf.py` when
`EZH_METRICS_ADDRESS` is set) and the master serves their sum on that
address, away from the public port.  In a single process (tests) the
samples live in the default registry.
"""
from __future__ import annotations

import time

from flask import Flask, g, request
from prometheus_client import Counter, Histogram

from services.common.metrics import LATENCY_BUCKETS

HTTP_REQUESTS = Counter("ezh_http_requests", "HTTP requests served by the gateway", ("route", "method", "status"))
HTTP_LATENCY = Histogram(
    "ezh_http_request_seconds", "HTTP request latency at the gateway", ("route", "method"), buckets=LATENCY_BUCKETS
)


def install(app: Flask) -> None:
    @app.before_request
    def _start_timer():
        g.ezh_started = time.perf_counter()

    @app.after_request
    def _observe(response):
        started = g.pop("ezh_started", None)
        route = request.url_rule.rule if request.url_rule is not None else "unmatched"
        HTTP_REQUESTS.labels(route, request.method, str(response.status_code)).inc()
        if started is not None:
            HTTP_LATENCY.labels(route, request.method).observe(time.perf_counter() - started)
        return response
