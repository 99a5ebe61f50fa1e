"""Servers for the integration tests.

Real PostgreSQL and RabbitMQ: from testcontainers when a Docker engine
answers, otherwise the servers named by EZH_TEST_POSTGRES_URL and
EZH_TEST_AMQP_URL (defaulting to the local ones).
"""
from __future__ import annotations

import os
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


@pytest.fixture
def postgres_database(postgres_server_url):
    """Makes fresh, empty PostgreSQL databases; drops them after the test."""
    admin = sa.create_engine(postgres_server_url, isolation_level="AUTOCOMMIT")
    created: list[str] = []

    def make(label: str) -> str:
        name = f"ezh_test_{label}_{uuid.uuid4().hex[:10]}"
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return sa.make_url(postgres_server_url).set(database=name).render_as_string(hide_password=False)

    yield make
    with admin.connect() as connection:
        for name in created:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()

