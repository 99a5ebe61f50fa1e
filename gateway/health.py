"""Liveness and readiness of the gateway.

`/healthz` says the process answers and calls nothing. `/readyz` asks every
service's `grpc.health.v1.Health/Check`, all at once, each with a short
deadline, so one slow service cannot hold the probe past that deadline.
"""
from __future__ import annotations

import contextvars
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Literal

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from pydantic import BaseModel, Field

from services.common.grpc_client import ServiceClients
from services.common.settings import SERVICES

log = logging.getLogger(__name__)

READINESS_DEADLINE_SECONDS = 1.0

GRPC_SERVICE_NAMES: dict[str, str] = {
    "auth": "ezh.auth.v1.AuthService",
    "journal": "ezh.journal.v1.JournalService",
    "schedule": "ezh.schedule.v1.ScheduleService",
    "notify": "ezh.notify.v1.NotifyService",
    "reports": "ezh.reports.v1.ReportsService",
}

SERVING = "SERVING"
UNREACHABLE = "UNREACHABLE"


class Liveness(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    status: Literal["ready", "not_ready"]
    services: dict[str, str] = Field(
        description=(
            "Per service: a grpc.health.v1 serving status (SERVING, NOT_SERVING, SERVICE_UNKNOWN, UNKNOWN), "
            "UNREACHABLE when it does not answer in time, or ERROR when the check itself failed"
        ),
        examples=[{"auth": "SERVING", "journal": "NOT_SERVING", "schedule": "UNREACHABLE"}],
    )

    @property
    def ready(self) -> bool:
        return self.status == "ready"


def probe(clients: ServiceClients, service: str, timeout: float) -> str:
    """One service's serving status, as a name."""
    stub = health_pb2_grpc.HealthStub(clients.channel(service))
    try:
        reply = stub.Check(health_pb2.HealthCheckRequest(service=GRPC_SERVICE_NAMES[service]), timeout=timeout)
    except grpc.RpcError as error:
        code = error.code()
        if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
            return UNREACHABLE
        if code == grpc.StatusCode.NOT_FOUND:
            return "SERVICE_UNKNOWN"
        log.warning("health check of %s failed: %s %s", service, code.name, error.details())
        return "ERROR"
    return health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)


def check_readiness(clients: ServiceClients, timeout: float = READINESS_DEADLINE_SECONDS) -> Readiness:
    with ThreadPoolExecutor(max_workers=len(SERVICES), thread_name_prefix="readyz") as pool:
        # Each probe runs in a copy of this context, so it carries the request id.
        futures = {
            service: pool.submit(contextvars.copy_context().run, probe, clients, service, timeout)
            for service in SERVICES
        }
        statuses = {service: future.result() for service, future in futures.items()}
    ready = all(status == SERVING for status in statuses.values())
    if not ready:
        log.warning("not ready: %s", ", ".join(f"{name}={status}" for name, status in statuses.items()))
    return Readiness(status="ready" if ready else "not_ready", services=statuses)
