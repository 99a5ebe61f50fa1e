"""deploy/healthcheck.py, the Compose health check, against real servers."""
from __future__ import annotations

import http.server
import socket
import subprocess
import sys
import threading
from concurrent import futures

import grpc
import pytest
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from tests.deploy.layout import DEPLOY

SCRIPT = str(DEPLOY / "healthcheck.py")
NAME = "ezh.test.v1.TestService"


def check(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True, timeout=30)


@pytest.fixture(scope="module")
def grpc_health_server():
    servicer = health.HealthServicer()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield servicer, f"127.0.0.1:{port}"
    server.stop(0)


def test_grpc_serving_is_healthy(grpc_health_server):
    servicer, address = grpc_health_server
    servicer.set("", health_pb2.HealthCheckResponse.SERVING)
    servicer.set(NAME, health_pb2.HealthCheckResponse.SERVING)
    assert check("grpc", address).returncode == 0
    assert check("grpc", address, NAME).returncode == 0


def test_grpc_not_serving_or_unknown_is_unhealthy(grpc_health_server):
    servicer, address = grpc_health_server
    servicer.set(NAME, health_pb2.HealthCheckResponse.NOT_SERVING)
    result = check("grpc", address, NAME)
    assert result.returncode == 1 and "NOT_SERVING" in result.stderr
    result = check("grpc", address, "ezh.nothing.v1.NothingService")
    assert result.returncode == 1 and "NOT_FOUND" in result.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_grpc_nobody_listening_is_unhealthy():
    assert check("grpc", f"127.0.0.1:{_free_port()}").returncode == 1


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the stdlib's name
        self.send_response(200 if self.path == "/healthz" else 503)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_http_answers_by_status():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        assert check("http", f"{base}/healthz").returncode == 0
        assert check("http", f"{base}/readyz").returncode == 1
    finally:
        server.shutdown()
    assert check("http", f"http://127.0.0.1:{_free_port()}/healthz").returncode == 1


def test_bad_arguments_print_the_usage():
    result = check("tcp", "127.0.0.1:1")
    assert result.returncode == 2 and "healthcheck.py grpc" in result.stderr
