"""Servers for the integration tests.

Real PostgreSQL and RabbitMQ: from testcontainers when a Docker engine
answers, otherwise the servers named by EZH_TEST_POSTGRES_URL and
EZH_TEST_AMQP_URL (defaulting to the local ones).
"""
from __future__ import annotations

import os
import queue
import threading
import uuid

import pytest
import sqlalchemy as sa

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DEFAULT_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672//"


def _docker_answers() -> bool:
    try:
        import docker

        docker.from_env(timeout=2).ping()
        return True
    except Exception:  # noqa: BLE001 - no engine, no containers
        return False


@pytest.fixture(scope="session")
def docker_available() -> bool:
    return _docker_answers()


@pytest.fixture(scope="session")
def postgres_server_url(docker_available):
    if docker_available and "EZH_TEST_POSTGRES_URL" not in os.environ:
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:16-alpine", driver="psycopg") as container:
            yield container.get_connection_url()
        return
    yield os.environ.get("EZH_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


@pytest.fixture(scope="session")
def amqp_url(docker_available):
    if docker_available and "EZH_TEST_AMQP_URL" not in os.environ:
        from testcontainers.rabbitmq import RabbitMqContainer

        with RabbitMqContainer("rabbitmq:4-management-alpine") as container:
            params = container.get_connection_params()
            yield f"amqp://guest:guest@{params.host}:{params.port}//"
        return
    yield os.environ.get("EZH_TEST_AMQP_URL", DEFAULT_AMQP_URL)


class DatabasePool:
    """Empty PostgreSQL databases made ahead of need, and dropped after use, by a background thread.

    CREATE DATABASE takes a fifth of a second or more and a test of the
    whole system wants five: made while the previous tests wait on the bus,
    they are ready when a test starts.  Each database is used by one test
    only and dropped after it (WITH FORCE: its connections are closed).
    """

    AHEAD = 10

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url
        self.admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
        self.ready: queue.Queue[str] = queue.Queue()
        self.to_drop: queue.Queue[str] = queue.Queue()
        self.wanted = threading.Event()
        self.stopping = threading.Event()
        self.worker = threading.Thread(target=self._work, name="database-pool", daemon=True)
        self.worker.start()

    def take(self) -> str:
        """A fresh database's URL (made at once when none is ready)."""
        self.wanted.set()
        try:
            name = self.ready.get_nowait()
        except queue.Empty:
            name = self._create()
        return sa.make_url(self.server_url).set(database=name).render_as_string(hide_password=False)

    def give_back(self, url: str) -> None:
        self.to_drop.put(sa.make_url(url).database)
        self.wanted.set()

    def close(self) -> None:
        self.stopping.set()
        self.wanted.set()
        self.worker.join(timeout=60)
        names = []
        for waiting in (self.ready, self.to_drop):
            while not waiting.empty():
                names.append(waiting.get_nowait())
        for name in names:
            self._drop(name)
        self.admin.dispose()

    def _work(self) -> None:
        while not self.stopping.is_set():
            try:
                self._drop(self.to_drop.get_nowait())
                continue
            except queue.Empty:
                pass
            if self.ready.qsize() < self.AHEAD:
                self.ready.put(self._create())
                continue
            self.wanted.wait(timeout=1)
            self.wanted.clear()

    def _create(self) -> str:
        name = f"ezh_test_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        return name

    def _drop(self, name: str) -> None:
        with self.admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def postgres_pool(postgres_server_url):
    pool = DatabasePool(postgres_server_url)
    yield pool
    pool.close()


@pytest.fixture
def postgres_database(postgres_pool):
    """Makes fresh, empty PostgreSQL databases (`make(label)`, the label for the reader); drops them after the test."""
    taken: list[str] = []

    def make(label: str) -> str:
        url = postgres_pool.take()
        taken.append(url)
        return url

    yield make
    for url in taken:
        postgres_pool.give_back(url)

