"""Every error is application/problem+json (RFC 9457) with Russian text."""
from __future__ import annotations

import logging

import grpc
import pytest
from gateway_fakes import assert_problem, unused_address

from gateway.problems import http_status_for



def test_unknown_route_is_404_problem(client):
    body = assert_problem(client.get("/api/v1/no-such-thing"), 404, "NOT_FOUND")

    assert body["title"] == "Не найдено"
    assert "/api/v1/no-such-thing" in body["detail"]


def test_wrong_method_is_405_problem_with_allow(client):
    response = client.delete("/healthz")

    body = assert_problem(response, 405, "METHOD_NOT_ALLOWED")
    assert "GET" in response.headers["Allow"]
    assert body["detail"].startswith("Метод DELETE не поддерживается")


def test_missing_body_field_is_400_naming_it(client):
    response = client.post("/api/v1/probe/schools", json={"short_name": "Гимназия"})

    body = assert_problem(response, 400, "INVALID_ARGUMENT")
    assert body["field"] == "name"
    assert body["errors"] == [{"field": "name", "detail": "обязательное поле"}]
    assert body["detail"] == "Поле «name»: обязательное поле"


def test_every_bad_field_is_named(client):
    response = client.post("/api/v1/probe/schools", json={"name": "", "grade": 12})

    body = assert_problem(response, 400, "INVALID_ARGUMENT")
    assert {error["field"] for error in body["errors"]} == {"name", "short_name", "grade"}
    assert "Поле «name»: минимальная длина — 1" in body["detail"]
    assert "Поле «grade»: значение должно быть не больше 11" in body["detail"]


def test_bad_query_parameter_is_400_naming_it(client):
    response = client.get("/api/v1/probe/schools?page_size=many")

    body = assert_problem(response, 400, "INVALID_ARGUMENT")
    assert body["detail"] == "Поле «page_size»: ожидается целое число"


def test_malformed_json_is_400_problem(client):
    response = client.post("/api/v1/probe/schools", data='{"name": ', content_type="application/json")

    body = assert_problem(response, 400, "MALFORMED_JSON")
    assert body["detail"] == "Тело запроса не является корректным JSON."


def test_json_that_is_not_an_object_is_400_problem(client):
    response = client.post("/api/v1/probe/schools", json=["name"])

    body = assert_problem(response, 400, "INVALID_ARGUMENT")
    assert "field" not in body
    assert body["detail"] == "Тело запроса должно быть JSON-объектом"


def test_unexpected_exception_is_500_problem_without_traceback(client, caplog):
    with caplog.at_level(logging.ERROR):
        response = client.get("/api/v1/probe/boom")

    body = assert_problem(response, 500, "INTERNAL")
    text = response.get_data(as_text=True)
    assert "secret internals" not in text and "Traceback" not in text and "RuntimeError" not in text
    assert response.headers["X-Request-ID"] in body["detail"]
    assert "secret internals" in caplog.text  # logged for the operator


# (gRPC status code, HTTP status) — the table in gateway/problems.py.
GRPC_TO_HTTP = [
    ("INVALID_ARGUMENT", 400),
    ("OUT_OF_RANGE", 400),
    ("FAILED_PRECONDITION", 422),
    ("UNAUTHENTICATED", 401),
    ("PERMISSION_DENIED", 403),
    ("NOT_FOUND", 404),
    ("ALREADY_EXISTS", 409),
    ("ABORTED", 409),
    ("RESOURCE_EXHAUSTED", 429),
    ("UNAVAILABLE", 503),
    ("DEADLINE_EXCEEDED", 504),
    ("INTERNAL", 500),
    ("UNKNOWN", 500),
    ("DATA_LOSS", 500),
    ("UNIMPLEMENTED", 500),
    ("CANCELLED", 500),
]


@pytest.mark.parametrize(("code", "status"), GRPC_TO_HTTP)
def test_grpc_status_code_maps_to_http_status(code, status):
    assert http_status_for(grpc.StatusCode[code]) == status


@pytest.mark.parametrize(("code", "status"), GRPC_TO_HTTP)
def test_service_error_through_a_real_call_becomes_a_problem(client, code, status):
    response = client.post("/api/v1/probe/schools", json={"name": code, "short_name": "s"})

    if status == 500:
        body = assert_problem(response, 500, "INTERNAL")
        assert "Ошибка сервиса" not in body["detail"]
        return
    body = assert_problem(response, status, f"SCHOOL_{code}")
    assert body["detail"] == f"Ошибка сервиса: {code}"
    if code == "INVALID_ARGUMENT":
        assert body["field"] == "short_name"
        assert body["errors"] == [{"field": "short_name", "detail": "Ошибка сервиса: INVALID_ARGUMENT"}]
    else:
        assert "field" not in body
    if status == 401:
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_bare_grpc_status_gets_a_russian_detail(client):
    response = client.post("/api/v1/probe/schools", json={"name": "plain:PERMISSION_DENIED", "short_name": "s"})

    body = assert_problem(response, 403, "PERMISSION_DENIED")
    assert body["detail"] == "Недостаточно прав для этого действия."
    assert "transport says no" not in response.get_data(as_text=True)


def test_unreachable_service_is_503_problem(app_for, fake_services):
    app = app_for(fake_services.settings(auth_grpc_address=unused_address()))

    response = app.test_client().post("/api/v1/probe/schools", json={"name": "ok", "short_name": "s"})

    body = assert_problem(response, 503, "UNAVAILABLE")
    assert body["detail"] == "Сервис временно недоступен. Повторите попытку позже."


def test_grpc_error_raised_in_a_view_is_mapped_too(client):
    response = client.post("/api/v1/probe/schools-direct", json={"name": "NOT_FOUND", "short_name": "s"})

    body = assert_problem(response, 404, "SCHOOL_NOT_FOUND")
    assert body["detail"] == "Ошибка сервиса: NOT_FOUND"


def test_successful_call_returns_the_reply(client):
    response = client.post("/api/v1/probe/schools", json={"name": "Лицей", "short_name": "Л"})

    assert response.status_code == 201
    assert response.get_json() == {"id": "s-1"}
