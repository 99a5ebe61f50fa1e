"""A small ezh system per test, on RabbitMQ + PostgreSQL or on the embedded bus."""
from __future__ import annotations

import datetime as dt
import socket
import time
import uuid
from dataclasses import dataclass, field

import pytest
from kombu import Queue

from gateway.app import create_app
from services.common import bus
from services.common.database import Database
from services.common.grpc_server import ServiceRuntime
from services.common.migrations import upgrade
from services.common.settings import SERVICES, Settings
from services.journal.definition import DEFINITION as JOURNAL
from services.journal.entries import SCHOOL_TIMEZONE
from services.auth.definition import DEFINITION as AUTH
from services.notify.definition import DEFINITION as NOTIFY
from services.reports.definition import DEFINITION as REPORTS
from services.schedule.definition import DEFINITION as SCHEDULE

DEFINITIONS = {d.name: d for d in (AUTH, JOURNAL, SCHEDULE, NOTIFY, REPORTS)}
FAST = dict(
    relay_interval_seconds=0.05,
    health_check_interval_seconds=0.2,
    bus_polling_interval_seconds=0.05,
    bus_visibility_timeout_seconds=2,
    consumer_max_attempts=3,
    # Small batches, so that a stream of a few dozen events spans several
    # transactions and a test can stop a consumer in the middle of it.
    consumer_batch_size=5,
    shutdown_grace_seconds=0,
)


class Clock:
    """A service's clock in tests: real time plus an offset the test moves."""

    def __init__(self) -> None:
        self.offset = dt.timedelta()

    def __call__(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.offset

    def advance(self, **delta) -> None:
        self.offset += dt.timedelta(**delta)


class FixedClock:
    """A service's clock in tests that stands at `now` until the test moves it."""

    def __init__(self, moment: dt.datetime) -> None:
        self.now = moment

    def __call__(self) -> dt.datetime:
        return self.now

    def set(self, day: dt.date, hour: int = 13) -> None:
        """Stand at `hour` o'clock school time on `day`."""
        self.now = dt.datetime.combine(day, dt.time(hour), SCHOOL_TIMEZONE).astimezone(dt.UTC)


class TestGateway:
    """A gateway app's Flask test client, signing each login in once and keeping its access token."""

    __test__ = False  # not a test class

    def __init__(self, app, password: str) -> None:
        self.app = app
        self.app.testing = True
        self.client = app.test_client()
        self.password = password
        self.tokens: dict[str, str] = {}

    def token(self, login: str) -> str:
        if login not in self.tokens:
            response = self.client.post("/api/v1/auth/login", json={"login": login, "password": self.password})
            assert response.status_code == 200, response.get_data(as_text=True)
            self.tokens[login] = response.get_json()["access_token"]
        return self.tokens[login]

    def headers(self, login: str) -> dict:
        return {"Authorization": f"Bearer {self.token(login)}"}

    def close(self) -> None:
        self.app.extensions["ezh"].clients.close()


def free_address() -> str:
    """A loopback address nothing listens on yet."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{probe.getsockname()[1]}"


class DemoPeople:
    """Lookups in the demo district for a test system holding it as `district`."""

    district: object

    def person(self, login: str) -> str:
        return self.district.account(login).person.id

    @property
    def school1(self):
        return self.district.schools[0]

    @property
    def school2(self):
        return self.district.schools[1]

    @property
    def class_5a(self):
        return self.school1.classes[0]

    @property
    def class_9b(self):
        return self.school1.classes[1]


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.05, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def settings_env(settings: Settings) -> dict[str, str]:
    """The settings as EZH_* variables, for a child process."""
    env = {}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        if hasattr(value, "get_secret_value"):
            value = value.get_secret_value()
        env[f"EZH_{name.upper()}"] = str(value)
    return env


@dataclass
class Stack:
    bus_kind: str
    settings: Settings
    runtimes: list[ServiceRuntime] = field(default_factory=list)
    gateways: list[TestGateway] = field(default_factory=list)

    def with_settings(self, **changes) -> "Stack":
        self.settings = self.settings.model_copy(update=changes)
        return self

    def migrate(self, *services: str) -> None:
        for service in services:
            upgrade(service, self.settings.database_url(service))

    def seed(self, service: str, seed_function) -> None:
        """Run `seed_function(database)` on the service's database, then let the database go."""
        database = Database(self.settings.database_url(service))
        try:
            seed_function(database)
        finally:
            database.dispose()

    def gateway(self, password: str, **service_addresses) -> TestGateway:
        """A gateway over these settings changed by `service_addresses`; closed with the stack."""
        gateway = TestGateway(create_app(self.settings.model_copy(update=service_addresses)), password)
        self.gateways.append(gateway)
        return gateway

    def start(self, service: str, definition=None) -> ServiceRuntime:
        runtime = ServiceRuntime(definition or DEFINITIONS[service], self.settings, address="127.0.0.1:0")
        runtime.start()
        self.runtimes.append(runtime)
        return runtime

    def stop(self, runtime: ServiceRuntime) -> None:
        runtime.stop(grace=0)
        self.runtimes.remove(runtime)

    def connection(self):
        connection = bus.connect(self.settings)
        bus.topology_from(self.settings).declare(connection.default_channel)
        return connection

    def topology(self) -> bus.Topology:
        return bus.topology_from(self.settings)

    def close(self) -> None:
        try:
            for gateway in self.gateways:
                gateway.close()
        finally:
            self.gateways.clear()
            self._shut_down()

    def _shut_down(self) -> None:
        """Stop the services and, on RabbitMQ, delete this test's queues and exchanges."""
        for runtime in list(self.runtimes):
            runtime.stop(grace=0)
        self.runtimes.clear()
        if self.bus_kind == "rabbitmq":
            topology = self.topology()
            with bus.connect(self.settings) as connection:
                channel = connection.default_channel
                for service in bus.SUBSCRIPTIONS:
                    for name in (topology.queue_name(service), topology.dead_queue_name(service)):
                        Queue(name)(channel).delete()
                for exchange in (topology.events_exchange, topology.retry_exchange, topology.dead_exchange):
                    exchange(channel).delete()


@pytest.fixture(params=["rabbitmq", "embedded"])
def stack(request, tmp_path, amqp_url, postgres_database):
    namespace = f"t{uuid.uuid4().hex[:10]}"
    if request.param == "rabbitmq":
        urls = {f"{service}_database_url": postgres_database(service) for service in SERVICES}
        settings = Settings(data_dir=tmp_path, broker_url=amqp_url, bus_namespace=namespace, **urls, **FAST)
    else:
        settings = Settings(
            data_dir=tmp_path, broker_url=f"sqla+sqlite:///{tmp_path / 'bus.sqlite'}", bus_namespace=namespace, **FAST
        )
    built = Stack(request.param, settings)
    yield built
    built.close()
