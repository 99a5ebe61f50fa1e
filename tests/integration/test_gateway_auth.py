"""Sign-in through the gateway against the real auth service and the demo district (A2, A3).

Each test runs on PostgreSQL + RabbitMQ and on SQLite + the embedded bus.
"""
from __future__ import annotations

import json

import jwt
import pytest

from gateway.app import create_app
from services.auth.seed import seed_demo
from services.journal.seed import seed_demo as seed_journal
from services.common.database import Database
from services.common.demo import build_district

pytestmark = pytest.mark.integration

PASSWORD = "some-password-123"


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    return response.get_json(force=True)


@pytest.fixture
def gateway(stack):
    """A gateway in front of a real auth service holding the demo district."""
    stack.migrate("auth", "journal")
    district = build_district()
    for service, seed in (("auth", lambda db: seed_demo(db, district, PASSWORD)),
                          ("journal", lambda db: seed_journal(db, district))):
        database = Database(stack.settings.database_url(service))
        try:
            seed(database)
        finally:
            database.dispose()
    auth = stack.start("auth")
    stack.with_settings(auth_grpc_address=f"127.0.0.1:{auth.port}")
    journal = stack.start("journal")
    app = create_app(stack.settings.model_copy(update={"journal_grpc_address": f"127.0.0.1:{journal.port}"}))
    app.testing = True
    yield app
    app.extensions["ezh"].clients.close()


def sign_in(client, login: str, **extra):
    response = client.post("/api/v1/auth/login", json={"login": login, "password": PASSWORD, **extra})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_a_demo_teacher_signs_in_and_reads_me_with_the_bearer_token(gateway):
    client = gateway.test_client()

    tokens = sign_in(client, "classteacher")
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})

    assert tokens["token_type"] == "Bearer" and 0 < tokens["expires_in"] <= 15 * 60
    assert response.status_code == 200, response.get_data(as_text=True)
    me = response.get_json()
    assert me["person"]["login"] == "classteacher"
    assert {role["role"] for role in me["roles"]} == {"subject_teacher", "class_teacher"}
    assert me["school"]["name"]
    assert me["children"] == []


def test_a_demo_parent_signs_in_with_cookies_and_the_browser_needs_the_csrf_header(gateway):
    browser = gateway.test_client()

    body = sign_in(browser, "parent", cookie=True)
    me = browser.get("/api/v1/me")
    forged = browser.delete("/api/v1/me/sessions")
    staff = browser.get("/api/v1/staff")

    assert "access_token" not in body
    assert me.status_code == 200, me.get_data(as_text=True)
    assert me.get_json()["person"]["login"] == "parent"
    assert _problem(forged, 403)["reason"] == "CSRF_TOKEN_INVALID"
    assert _problem(staff, 403)["reason"] == "ROLE_REQUIRED"
    sessions = browser.get("/api/v1/me/sessions").get_json()["sessions"]
    assert [session["current"] for session in sessions] == [True]


def test_a5_parent_sees_own_children_in_me(gateway):
    client = gateway.test_client()
    parent = {"Authorization": f"Bearer {sign_in(client, 'parent')['access_token']}"}
    student = {"Authorization": f"Bearer {sign_in(client, 'student')['access_token']}"}

    children = client.get("/api/v1/me", headers=parent).get_json()["children"]
    own = client.get("/api/v1/me", headers=student).get_json()

    assert sorted(child["class_name"] for child in children) == ["5А", "9Б"]
    assert own["person"]["id"] in {child["id"] for child in children}
    assert own["children"] == []


def test_refresh_rotates_the_tokens_and_reusing_the_old_one_is_refused(gateway):
    client = gateway.test_client()
    first = sign_in(client, "teacher")

    refreshed = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert refreshed.status_code == 200, refreshed.get_data(as_text=True)
    second = refreshed.get_json()
    assert second["refresh_token"] != first["refresh_token"]
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {second['access_token']}"}).status_code == 200

    reused = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert _problem(reused, 401)["status"] == 401
    # The reuse ended the whole session: the newer refresh token is spent too.
    _problem(client.post("/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]}), 401)


def test_the_browser_refreshes_by_cookie_and_logout_ends_the_session(gateway):
    browser = gateway.test_client()
    sign_in(browser, "admin", cookie=True)
    csrf = {"X-CSRF-Token": browser.get_cookie("ezh_csrf").value}

    refreshed = browser.post("/api/v1/auth/refresh", headers=csrf)
    assert refreshed.status_code == 200, refreshed.get_data(as_text=True)
    refresh_token = browser.get_cookie("ezh_refresh", path="/api/v1/auth").value
    assert browser.get("/api/v1/me").status_code == 200

    logged_out = browser.post("/api/v1/auth/logout", headers=csrf)

    assert logged_out.status_code == 204
    assert browser.get_cookie("ezh_access") is None
    _problem(browser.get("/api/v1/me"), 401)
    _problem(browser.post("/api/v1/auth/refresh", json={"refresh_token": refresh_token}), 401)


def test_a_wrong_password_is_401_in_russian(gateway):
    response = gateway.test_client().post("/api/v1/auth/login", json={"login": "teacher", "password": "not-it-1234"})

    problem = _problem(response, 401)
    assert any("а" <= char <= "я" for char in problem["detail"].lower())


def test_the_gateway_publishes_the_keys_that_verify_auths_tokens(gateway):
    client = gateway.test_client()
    tokens = sign_in(client, "director")

    jwks = json.loads(client.get("/.well-known/jwks.json").get_data(as_text=True))

    kid = jwt.get_unverified_header(tokens["access_token"])["kid"]
    assert kid in {key["kid"] for key in jwks["keys"]}


def test_an_account_the_administrator_blocks_is_refused_at_once(gateway):
    client = gateway.test_client()
    admin = {"Authorization": f"Bearer {sign_in(client, 'admin')['access_token']}"}
    teacher_tokens = sign_in(client, "teacher")
    teacher = {"Authorization": f"Bearer {teacher_tokens['access_token']}"}
    teacher_id = client.get("/api/v1/me", headers=teacher).get_json()["person"]["id"]

    blocked = client.post(f"/api/v1/people/{teacher_id}/block", headers=admin, json={"reason": "Уволена"})

    assert blocked.status_code == 200, blocked.get_data(as_text=True)
    assert blocked.get_json()["blocked"] is True
    _problem(client.get("/api/v1/me", headers=teacher), 401)
    _problem(client.post("/api/v1/auth/refresh", json={"refresh_token": teacher_tokens["refresh_token"]}), 401)
    refused = client.post("/api/v1/auth/login", json={"login": "teacher", "password": PASSWORD})
    assert refused.status_code in (401, 403), refused.get_data(as_text=True)
