"""The gateway under gunicorn: workers' metrics summed by the master on EZH_METRICS_ADDRESS."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, timeout: float = 30.0) -> requests.Response:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return requests.get(url, timeout=2)
        except requests.RequestException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def test_o1_gunicorn_gateway_serves_metrics_of_all_workers_off_the_public_port():
    http, metrics = _free_port(), _free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("EZH_", "PROMETHEUS_"))}
    env.update(EZH_GATEWAY_BIND=f"127.0.0.1:{http}", EZH_METRICS_ADDRESS=f"127.0.0.1:{metrics}",
               EZH_GATEWAY_WORKERS="2")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gateway/gunicorn.conf.py", "gateway.app:create_app()"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    def healthz_count() -> float:
        exposed = _wait_for(f"http://127.0.0.1:{metrics}/metrics").text
        line = next(line for line in exposed.splitlines()
                    if line.startswith("ezh_http_requests_total") and 'route="/healthz"' in line)
        return float(line.rsplit(" ", 1)[1])

    try:
        assert _wait_for(f"http://127.0.0.1:{http}/healthz").status_code == 200
        before = healthz_count()
        for _ in range(6):  # two workers: the requests spread over both
            requests.get(f"http://127.0.0.1:{http}/healthz", timeout=5)

        after = healthz_count()
        public = requests.get(f"http://127.0.0.1:{http}/metrics", timeout=5)

        assert after - before == 6.0
        assert public.status_code == 404
    finally:
        process.terminate()
        process.wait(timeout=30)
