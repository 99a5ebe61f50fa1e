"""Process settings, read once from `EZH_*` environment variables.

The same code runs embedded (SQLite files, kombu's SQLAlchemy transport) and
district-wide (PostgreSQL, RabbitMQ); only the URLs differ.  A bad value stops
the process at start with a message naming the variable.
"""
from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICES = ("auth", "journal", "schedule", "notify", "reports")

DEFAULT_GRPC_PORTS = {"auth": 50061, "journal": 50062, "schedule": 50063, "notify": 50064, "reports": 50065}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="EZH_", extra="ignore", frozen=True)

    environment: Literal["embedded", "district"] = "embedded"
    data_dir: Path = Path("data")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "text"] = "json"
    # OTLP/gRPC collector for traces (e.g. http://otel-collector:4317); tracing exports nothing when unset.
    otlp_endpoint: str | None = None

    auth_database_url: str | None = None
    journal_database_url: str | None = None
    schedule_database_url: str | None = None
    notify_database_url: str | None = None
    reports_database_url: str | None = None

    auth_grpc_address: str | None = None
    journal_grpc_address: str | None = None
    schedule_grpc_address: str | None = None
    notify_grpc_address: str | None = None
    reports_grpc_address: str | None = None

    broker_url: str | None = None
    broker_queue_type: Literal["classic", "quorum"] = "classic"
    bus_namespace: str = Field(default="ezh", pattern=r"^[a-z][a-z0-9_-]{0,40}$")
    consumer_max_attempts: int = Field(default=5, ge=1, le=100)
    # Events a consumer applies in one database transaction (and its prefetch). Each is a savepoint:
    # beyond 64 in one transaction PostgreSQL's subtransaction cache overflows and slows other sessions.
    consumer_batch_size: int = Field(default=50, ge=1, le=1000)
    bus_visibility_timeout_seconds: float = Field(default=60.0, gt=0)
    bus_polling_interval_seconds: float = Field(default=0.2, gt=0)
    relay_interval_seconds: float = Field(default=0.5, gt=0)
    relay_batch_size: int = Field(default=100, ge=1)

    grpc_deadline_seconds: float = Field(default=5.0, gt=0)
    grpc_max_workers: int = Field(default=16, ge=1)
    health_check_interval_seconds: float = Field(default=2.0, gt=0)
    shutdown_grace_seconds: float = Field(default=5.0, ge=0)
    # NOT_SERVING is shown this long before the server stops taking calls,
    # so that load balancers and probes see it first.
    shutdown_drain_seconds: float = Field(default=0.0, ge=0)

    # Where a service exposes Prometheus /metrics (host:port; port 0 = any free port); off when unset.
    metrics_address: str | None = None

    gateway_bind: str = "127.0.0.1:8080"
    gateway_workers: int = Field(default=2, ge=1)
    # How many reverse proxies in front of the gateway to trust for X-Forwarded-For/-Proto (0: none).
    gateway_trusted_proxies: int = Field(default=0, ge=0, le=5)
    demo_password: SecretStr | None = None
    # notify's e-mail channel (C1): off while no SMTP host is set.
    smtp_host: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_sender: str = "ezh <noreply@ezh.local>"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)
    # Where links in notifications point (the web client's address).
    notify_web_url: str = "http://127.0.0.1:8080"
    # Encrypts auth's private signing keys in its database (from a Secret in the district).
    auth_key_passphrase: SecretStr | None = None

    @field_validator(
        "auth_grpc_address", "journal_grpc_address", "schedule_grpc_address",
        "notify_grpc_address", "reports_grpc_address", "gateway_bind", "metrics_address",
    )
    @classmethod
    def _host_and_port(cls, value: str | None) -> str | None:
        if value is None:
            return value
        host, sep, port = value.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 <= int(port) < 65536:
            raise ValueError(f"expected host:port, got {value!r}")
        return value

    def database_url(self, service: str) -> str:
        url = getattr(self, f"{_known(service)}_database_url")
        return url or f"sqlite:///{(self.data_dir / f'{service}.sqlite').resolve()}"

    def grpc_address(self, service: str) -> str:
        address = getattr(self, f"{_known(service)}_grpc_address")
        return address or f"127.0.0.1:{DEFAULT_GRPC_PORTS[service]}"

    @property
    def bus_url(self) -> str:
        return self.broker_url or f"sqla+sqlite:///{(self.data_dir / 'bus.sqlite').resolve()}"

    @property
    def embedded(self) -> bool:
        return self.environment == "embedded"


def _known(service: str) -> str:
    if service not in SERVICES:
        raise ValueError(f"unknown service {service!r}; expected one of {', '.join(SERVICES)}")
    return service


def describe_errors(error: ValidationError) -> str:
    lines = ["ezh: invalid configuration:"]
    for item in error.errors():
        name = "EZH_" + "_".join(str(part) for part in item["loc"]).upper()
        lines.append(f"  {name}: {item['msg']}")
    return "\n".join(lines)


@functools.cache
def get_settings() -> Settings:
    """The process's settings; exits with a message naming the bad variable."""
    try:
        return Settings()
    except ValidationError as error:
        print(describe_errors(error), file=sys.stderr)
        raise SystemExit(2) from None
