"""Liveness, readiness, the OpenAPI document and the request id."""
from __future__ import annotations

import json
import threading

from flask_openapi3 import APIBlueprint, Tag
from gateway_fakes import NOT_SERVING, unused_address
from pydantic import BaseModel

import gateway.app
from gateway import health
from gateway.access import allow_anonymous
from services.common.grpc_client import ServiceClients
from services.common.settings import SERVICES


class CountingClients(ServiceClients):
    def __init__(self, settings) -> None:
        super().__init__(settings)
        self.opened: list[str] = []

    def channel(self, service: str):
        self.opened.append(service)
        return super().channel(service)


def test_healthz_answers_without_calling_services(app_for, fake_services):
    clients = CountingClients(fake_services.settings())
    app = app_for(clients.settings, clients)

    response = app.test_client().get("/healthz")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert clients.opened == []


def test_openapi_document_is_3_1_and_lists_the_routes(client):
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    document = json.loads(response.get_data(as_text=True))
    assert document["openapi"].startswith("3.1")
    assert {"/healthz", "/readyz", "/api/v1/probe/schools"} <= set(document["paths"])
    assert "/api/v1/openapi.json" not in document["paths"]


def test_openapi_describes_errors_as_problem_json(client):
    document = client.get("/api/v1/openapi.json").get_json()

    create = document["paths"]["/api/v1/probe/schools"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/SchoolIn")
    bad_request = create["responses"]["400"]["content"]
    assert bad_request == {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    assert "application/problem+json" in create["responses"]["default"]["content"]
    assert {"type", "title", "status", "detail", "reason"} <= set(document["components"]["schemas"]["Problem"]["required"])
    # Nothing to validate on /healthz: no validation error documented there.
    assert "400" not in document["paths"]["/healthz"]["get"]["responses"]


class MarkPath(BaseModel):
    mark_id: int


class MarkOut(BaseModel):
    id: int


def test_a_resource_listed_in_resources_is_served_under_api_v1_and_documented(app_for, fake_services, monkeypatch):
    marks = APIBlueprint("marks", __name__, url_prefix="/marks", abp_tags=[Tag(name="marks")])

    @marks.get("/<mark_id>", responses={200: MarkOut})
    @allow_anonymous
    def get_mark(path: MarkPath):
        """Read one mark."""
        return MarkOut(id=path.mark_id).model_dump()

    monkeypatch.setattr(gateway.app, "RESOURCES", (marks,))
    client = app_for(fake_services.settings()).test_client()

    assert client.get("/api/v1/marks/7").get_json() == {"id": 7}
    assert client.get("/api/v1/marks/x").get_json()["field"] == "mark_id"
    operation = client.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/marks/{mark_id}"]["get"]
    assert operation["tags"] == ["marks"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/MarkOut")


def test_readyz_is_200_when_every_service_is_serving(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ready", "services": {name: "SERVING" for name in SERVICES}}


def test_readyz_is_503_naming_the_service_that_is_not_serving(client, fake_services):
    fake_services.set_status("journal", NOT_SERVING)

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "not_ready"
    assert body["services"]["journal"] == "NOT_SERVING"
    assert all(body["services"][name] == "SERVING" for name in SERVICES if name != "journal")


def test_readyz_is_503_unreachable_when_a_service_has_no_server(app_for, fake_services):
    app = app_for(fake_services.settings(reports_grpc_address=unused_address()))

    response = app.test_client().get("/readyz")

    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "not_ready"
    assert body["services"]["reports"] == "UNREACHABLE"
    assert body["services"]["auth"] == "SERVING"


def test_readyz_checks_the_services_at_the_same_time(app_for, fake_services, monkeypatch):
    barrier = threading.Barrier(len(SERVICES), timeout=2)
    real_probe = health.probe

    def probe_waiting_for_the_others(*args):
        barrier.wait()  # breaks (and fails the test) unless all five run at once
        return real_probe(*args)

    monkeypatch.setattr(health, "probe", probe_waiting_for_the_others)
    app = app_for(fake_services.settings())

    assert app.test_client().get("/readyz").status_code == 200


def test_request_id_is_taken_from_the_request_and_echoed(client):
    response = client.get("/healthz", headers={"X-Request-ID": "req-42"})

    assert response.headers["X-Request-ID"] == "req-42"


def test_request_id_is_made_when_missing_or_unusable(client):
    made = client.get("/healthz").headers["X-Request-ID"]
    replaced = client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"}).headers["X-Request-ID"]

    assert len(made) >= 16 and made.isalnum()
    assert replaced != "bad id\twith spaces" and replaced.isalnum()


def test_request_id_is_passed_on_to_the_service(client, fake_services):
    client.post("/api/v1/probe/schools", json={"name": "ok", "short_name": "s"}, headers={"X-Request-ID": "trace-7"})

    assert fake_services.auth.seen_request_ids == ["trace-7"]


def test_o1_gateway_counts_requests_per_route_and_status(app):
    from prometheus_client import REGISTRY

    def served(status: str) -> float:
        return REGISTRY.get_sample_value(
            "ezh_http_requests_total", {"route": "/healthz", "method": "GET", "status": status}
        ) or 0.0

    before = served("200")

    app.test_client().get("/healthz")

    assert served("200") == before + 1
