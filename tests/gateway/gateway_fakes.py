"""Stand-ins for the five services (real in-process gRPC servers) and test-only routes."""
from __future__ import annotations

import socket
from concurrent import futures
from dataclasses import dataclass, field

import grpc
from flask_openapi3 import APIBlueprint
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_status import rpc_status
from pydantic import BaseModel, Field

from ezh.auth.v1 import auth_pb2, auth_pb2_grpc
from gateway.app import create_app
from gateway.services import backends, call
from services.common.errors import ServiceError, to_rpc_status
from services.common.grpc_client import ServiceClients
from services.common.request_context import REQUEST_ID_HEADER
from services.common.settings import SERVICES, Settings

GRPC_SERVICE_NAMES = {
    "auth": "ezh.auth.v1.AuthService",
    "journal": "ezh.journal.v1.JournalService",
    "schedule": "ezh.schedule.v1.ScheduleService",
    "notify": "ezh.notify.v1.NotifyService",
    "reports": "ezh.reports.v1.ReportsService",
}

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


class FailingAuth(auth_pb2_grpc.AuthServiceServicer):
    """CreateSchool fails as the request's `name` says.

    `name` = a status code name → the error a service raises (ErrorInfo with a
    reason, the domain, `field` for INVALID_ARGUMENT, a Russian message);
    `plain:<CODE>` → a bare status with an English message and no ErrorInfo;
    anything else → success.
    """

    def __init__(self) -> None:
        self.seen_request_ids: list[str | None] = []

    def CreateSchool(self, request, context):
        self.seen_request_ids.append(dict(context.invocation_metadata()).get(REQUEST_ID_HEADER))
        if request.name.startswith("plain:"):
            context.abort(grpc.StatusCode[request.name.removeprefix("plain:")], "transport says no")
        if request.name in grpc.StatusCode.__members__:
            code = grpc.StatusCode[request.name]
            error = ServiceError(f"Ошибка сервиса: {code.name}", reason=f"SCHOOL_{code.name}")
            error.code = code
            if code == grpc.StatusCode.INVALID_ARGUMENT:
                error.metadata["field"] = "short_name"
            context.abort_with_status(rpc_status.to_status(to_rpc_status(error, "auth")))
        return auth_pb2.CreateSchoolResponse(school=auth_pb2.School(id="s-1", name=request.name))


@dataclass
class FakeServices:
    servers: dict[str, grpc.Server] = field(default_factory=dict)
    health: dict[str, health.HealthServicer] = field(default_factory=dict)
    addresses: dict[str, str] = field(default_factory=dict)
    auth: FailingAuth = field(default_factory=FailingAuth)

    def set_status(self, service: str, status) -> None:
        self.health[service].set("", status)
        self.health[service].set(GRPC_SERVICE_NAMES[service], status)

    @classmethod
    def start(cls) -> FakeServices:
        fakes = cls()
        for name in SERVICES:
            server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
            servicer = health.HealthServicer()
            health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
            if name == "auth":
                auth_pb2_grpc.add_AuthServiceServicer_to_server(fakes.auth, server)
            port = server.add_insecure_port("127.0.0.1:0")
            server.start()
            fakes.servers[name], fakes.health[name] = server, servicer
            fakes.addresses[name] = f"127.0.0.1:{port}"
            fakes.set_status(name, SERVING)
        return fakes

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop(None)

    def settings(self, **overrides: str) -> Settings:
        addresses = {f"{name}_grpc_address": address for name, address in self.addresses.items()}
        addresses.update(overrides)
        return Settings(grpc_deadline_seconds=2.0, **addresses)


def unused_address() -> str:
    """A loopback address where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{probe.getsockname()[1]}"


class SchoolIn(BaseModel):
    name: str = Field(min_length=1)
    short_name: str
    grade: int = Field(default=5, ge=1, le=11)


class PageQuery(BaseModel):
    page_size: int = Field(default=20, ge=1, le=100)


def probe_blueprint() -> APIBlueprint:
    """Test-only routes under /api/v1/probe, built fresh for each app."""
    probe = APIBlueprint("probe", __name__, url_prefix="/api/v1/probe")

    @probe.post("/schools", responses={201: SchoolIn})
    def create_school(body: SchoolIn):
        """Create a school through the auth service."""
        reply = call(
            "auth",
            auth_pb2_grpc.AuthServiceStub,
            "CreateSchool",
            auth_pb2.CreateSchoolRequest(name=body.name, short_name=body.short_name),
        )
        return {"id": reply.school.id}, 201

    @probe.post("/schools-direct")
    def create_school_direct(body: SchoolIn):
        """Call the stub directly: a gRPC error reaches the app's handler."""
        stub = backends().stub("auth", auth_pb2_grpc.AuthServiceStub)
        reply = stub.CreateSchool(auth_pb2.CreateSchoolRequest(name=body.name))
        return {"id": reply.school.id}, 201

    @probe.get("/schools")
    def list_schools(query: PageQuery):
        """Page through schools."""
        return {"page_size": query.page_size}

    @probe.get("/boom")
    def boom():
        """Fail with an unexpected exception."""
        raise RuntimeError("secret internals")

    return probe


def make_app(settings: Settings, clients: ServiceClients | None = None):
    app = create_app(settings, clients)
    app.register_api(probe_blueprint())
    app.testing = True
    return app
