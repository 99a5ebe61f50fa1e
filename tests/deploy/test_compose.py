"""deploy/compose.yaml: the Compose specification's schema, the house rules, and
the PostgreSQL init script run against a real server."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
import yaml

from services.common.settings import SERVICES
from tests.deploy.layout import COMPOSE_FILE, DEPLOY, GRPC_PORT, grpc_service_names, tool, validate_settings

INIT_SCRIPT = DEPLOY / "postgres-init" / "10-ezh-databases.sh"
EZH_PROCESSES = (*SERVICES, "gateway")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def _services(compose) -> dict:
    return compose["services"]


def _durations(text: str) -> float:
    return sum(float(n) * {"h": 3600, "m": 60, "s": 1}[unit] for n, unit in re.findall(r"(\d+(?:\.\d+)?)(h|m|s)", text))


def test_matches_the_compose_specification_schema():
    result = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(COMPOSE_FILE)],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_service_runs_by_its_command_after_its_migration(compose):
    services = _services(compose)
    for name in SERVICES:
        service, migration = services[name], services[f"migrate-{name}"]
        assert service["command"] == ["python", "-m", f"services.{name}"]
        assert migration["command"] == ["python", "-m", "services.common.migrate", name]
        assert migration["restart"] == "no"
        assert migration["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert service["depends_on"][f"migrate-{name}"]["condition"] == "service_completed_successfully"
        assert service["depends_on"]["rabbitmq"]["condition"] == "service_healthy"
    assert services["gateway"]["command"] == ["gunicorn", "-c", "gateway/gunicorn.conf.py", "gateway.app:create_app()"]
    assert {f"migrate-{name}" for name in SERVICES} | set(EZH_PROCESSES) <= set(services)


def test_health_checks_use_grpc_health_and_the_gateway_liveness(compose):
    services = _services(compose)
    names = grpc_service_names()
    for name in SERVICES:
        test = services[name]["healthcheck"]["test"]
        assert test == ["CMD", "python", "deploy/healthcheck.py", "grpc", f"127.0.0.1:{GRPC_PORT}", names[name]]
    assert services["gateway"]["healthcheck"]["test"][-2:] == ["http", "http://127.0.0.1:8080/healthz"]
    for name in SERVICES:
        assert services["gateway"]["depends_on"][name]["condition"] == "service_healthy"
    assert "healthcheck" in services["postgres"] and "healthcheck" in services["rabbitmq"]
    assert "management" in services["rabbitmq"]["image"]


def _ezh_containers(compose) -> dict:
    return {name: spec for name, spec in _services(compose).items() if spec.get("image") == "ezh:local"}


def test_every_ezh_container_is_locked_down(compose):
    containers = _ezh_containers(compose)
    assert set(EZH_PROCESSES) <= set(containers)
    for name, spec in containers.items():
        assert spec["read_only"] is True, name
        assert spec["tmpfs"] == ["/tmp"], name
        assert spec["user"].split(":")[0] not in ("0", "root"), name
        assert spec["cap_drop"] == ["ALL"], name
        assert "no-new-privileges:true" in spec["security_opt"], name
        assert spec["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}, name


def test_environment_is_the_district_one_and_least_privilege(compose):
    for name, spec in _ezh_containers(compose).items():
        env = {key: str(value) for key, value in spec["environment"].items()}
        settings = validate_settings(env)
        assert settings.environment == "district" and settings.broker_queue_type == "quorum", name
        assert settings.broker_url.startswith("amqp://"), name
        own = name.removeprefix("migrate-")
        own_url = own.split("-")[0]  # auth-rotate-keys uses auth's database
        databases = {key for key in env if key.endswith("_DATABASE_URL")}
        if own in ("gateway",):
            assert not databases, f"the gateway has no database: {databases}"
        else:
            assert databases == {f"EZH_{own_url.upper()}_DATABASE_URL"}, f"{name} sees only its own database"
            url = urlsplit(env[f"EZH_{own_url.upper()}_DATABASE_URL"])
            assert url.scheme == "postgresql+psycopg" and url.path == f"/{own_url}" and url.username == own_url
        for service in SERVICES:
            expected = f"0.0.0.0:{GRPC_PORT}" if service == name else f"{service}:{GRPC_PORT}"
            assert env[f"EZH_{service.upper()}_GRPC_ADDRESS"] == expected, name
        if name in SERVICES:
            drain_and_grace = settings.shutdown_drain_seconds + settings.shutdown_grace_seconds
            assert settings.shutdown_drain_seconds >= 1
            assert _durations(spec["stop_grace_period"]) > drain_and_grace, name
    gateway = _services(compose)["gateway"]
    assert gateway["environment"]["EZH_GATEWAY_BIND"] == "0.0.0.0:8080"


def test_key_rotation_runs_only_on_demand(compose):
    rotation = _services(compose)["auth-rotate-keys"]
    assert rotation["command"] == ["python", "-m", "services.auth", "rotate-keys"]
    assert rotation["profiles"] == ["ops"]


def test_postgres_gets_one_database_per_service_with_the_urls_password(compose):
    postgres = _services(compose)["postgres"]
    assert "./postgres-init:/docker-entrypoint-initdb.d:ro" in postgres["volumes"]
    default = re.search(r'EZH_DATABASES:=([^}]*)}', INIT_SCRIPT.read_text()).group(1).split()
    assert default == list(SERVICES)
    password = postgres["environment"]["EZH_DB_PASSWORD"]
    for name, spec in _ezh_containers(compose).items():
        for key, value in spec["environment"].items():
            if key.endswith("_DATABASE_URL"):
                url = urlsplit(value)
                assert url.password == password and url.hostname == "postgres", name
    assert os.access(INIT_SCRIPT, os.X_OK), "the postgres image runs executable scripts, sources the rest"


@pytest.mark.integration
def test_init_script_creates_isolated_databases_on_real_postgres(postgres_server_url):
    """The script as the postgres image runs it, under other database names."""
    if not shutil.which("psql"):
        pytest.skip("psql is not installed")
    server = sa.make_url(postgres_server_url)
    names = [f"ezh_deploy_{uuid.uuid4().hex[:8]}_{suffix}" for suffix in ("a", "b")]
    env = {
        **os.environ,
        "PGHOST": server.host or "127.0.0.1",
        "PGPORT": str(server.port or 5432),
        "PGPASSWORD": server.password or "",
        "POSTGRES_USER": server.username or "postgres",
        "POSTGRES_DB": server.database or "postgres",
        "EZH_DATABASES": " ".join(names),
        "EZH_DB_PASSWORD": "local-only",
    }
    admin = sa.create_engine(server.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    try:
        for _ in range(2):  # a second run changes nothing and does not fail
            result = subprocess.run(["sh", str(INIT_SCRIPT)], env=env, capture_output=True, text=True, timeout=60)
            assert result.returncode == 0, result.stdout + result.stderr
        with admin.connect() as connection:
            owners = dict(connection.execute(sa.text(
                "SELECT datname, pg_get_userbyid(datdba) FROM pg_database WHERE datname = ANY(:names)"
            ), {"names": names}).all())
            assert owners == {name: name for name in names}
            for name in names:
                for database in names:
                    allowed = connection.execute(
                        sa.text("SELECT has_database_privilege(:role, :db, 'CONNECT')"), {"role": name, "db": database}
                    ).scalar()
                    assert allowed == (name == database), f"{name} on {database}"
    finally:
        with admin.connect() as connection:
            for name in names:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                connection.execute(sa.text(f'DROP ROLE IF EXISTS "{name}"'))
        admin.dispose()


def test_attachments_are_kept_on_named_volumes(compose):
    """The journal's and notify's attachments outlive their containers (the root filesystem is read-only)."""
    for name in ("journal", "notify"):
        service = _services(compose)[name]
        data_dir = service["environment"]["EZH_DATA_DIR"]
        volumes = dict(volume.split(":", 1) for volume in service["volumes"])
        assert volumes.get(f"{name}-files") == data_dir and f"{name}-files" in compose["volumes"]
