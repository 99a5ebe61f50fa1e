"""`make up`'s embedded stack: five services and the gateway as processes on
SQLite files and kombu's SQLAlchemy transport, the demo district seeded (O2)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import grpc
import pytest
import requests
from ezh.reports.v1 import reports_pb2, reports_pb2_grpc
from sqlalchemy import create_engine, func, select

from services.auth import store as auth_store
from services.auth.passwords import verify_password
from services.common.settings import SERVICES

pytestmark = pytest.mark.embedded
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except (requests.RequestException, grpc.RpcError):
            value = None
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


class Launch:
    def __init__(self, data_dir: Path, ports: dict[str, int]) -> None:
        self.ports = ports
        env = {key: value for key, value in os.environ.items() if not key.startswith("EZH_")}
        env.update(
            EZH_DATA_DIR=str(data_dir),
            EZH_GATEWAY_BIND=f"127.0.0.1:{ports['gateway']}",
            EZH_BUS_POLLING_INTERVAL_SECONDS="0.1",
            EZH_SHUTDOWN_GRACE_SECONDS="1",
            **{f"EZH_{service.upper()}_GRPC_ADDRESS": f"127.0.0.1:{ports[service]}" for service in SERVICES},
        )
        self.log = open(data_dir.parent / f"launch-{time.monotonic_ns()}.log", "w+")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "services.embedded"], cwd=ROOT, env=env,
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    @property
    def gateway(self) -> str:
        return f"http://127.0.0.1:{self.ports['gateway']}"

    def output(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def interrupt(self) -> int:
        """Ctrl-C in the terminal: SIGINT to the whole process group."""
        os.killpg(self.process.pid, signal.SIGINT)
        return self.process.wait(timeout=30)

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def _port_closed(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def _summaries(port: int) -> dict[str, int]:
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        response = reports_pb2_grpc.ReportsServiceStub(channel).ListSchoolSummaries(
            reports_pb2.ListSchoolSummariesRequest(), timeout=3
        )
    return {school.name: school.class_count for school in response.schools}


@pytest.mark.timeout(600)
def test_o2_make_up_runs_everything_embedded_and_keeps_data(tmp_path):
    data_dir = tmp_path / "data"
    ports = {name: _free_port() for name in (*SERVICES, "gateway")}
    first = Launch(data_dir, ports)
    try:
        ready = _wait(lambda: requests.get(f"{first.gateway}/readyz", timeout=3), 120, "/readyz")
        assert ready.status_code == 200, first.output()
        assert ready.json()["services"] == {service: "SERVING" for service in SERVICES}
        # The demo events crossed the embedded bus between processes.
        def demo_read_model():
            summaries = _summaries(ports["reports"])
            return summaries if sorted(summaries.values()) == [1, 2] else None

        counts = _wait(demo_read_model, 180, "the reports read model of the demo district")
        assert len(counts) == 2
        password = (data_dir / "demo-password.txt").read_text().strip()
        assert f"Пароль для всех демо-входов: {password}" in first.output()
        for login in ("admin", "director", "deputy", "teacher", "classteacher", "parent", "student", "district"):
            assert f"    {login} " in first.output()
    finally:
        code = first.interrupt() if first.process.poll() is None else first.process.returncode
        first.kill()
    assert code is not None
    assert all(_port_closed(port) for port in ports.values()), first.output()

    engine = create_engine(f"sqlite:///{data_dir / 'auth.sqlite'}")
    with engine.connect() as connection:
        schools_before = connection.scalar(select(func.count()).select_from(auth_store.school))
        admin_hash = connection.scalar(
            select(auth_store.account.c.password_hash).where(auth_store.account.c.login == "admin")
        )
    assert schools_before == 2
    assert admin_hash.startswith("$argon2id$")
    assert verify_password(admin_hash, password)

    second = Launch(data_dir, ports)
    try:
        ready = _wait(lambda: requests.get(f"{second.gateway}/readyz", timeout=3), 120, "/readyz again")
        assert ready.status_code == 200, second.output()
        assert (data_dir / "demo-password.txt").read_text().strip() == password
        assert sorted(_summaries(ports["reports"]).values()) == [1, 2]  # nothing seeded twice
    finally:
        second.interrupt()
        second.kill()
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(auth_store.school)) == 2
    engine.dispose()
