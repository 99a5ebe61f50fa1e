"""The gateway's own verifier: keys and revocations read from auth over gRPC,
lazily, and revocations at most every 5 seconds; the JWKS published at
/.well-known/jwks.json."""
from __future__ import annotations

import json
import time
import types

import pytest
from gateway_fakes import PASSWORD, PEOPLE, assert_problem, bearer, mint, unused_address

from gateway import tokens
from services.common.grpc_client import ServiceClients
from services.common.tokens import SigningKey


class CountingClients(ServiceClients):
    def __init__(self, settings) -> None:
        super().__init__(settings)
        self.opened: list[str] = []

    def channel(self, service: str):
        self.opened.append(service)
        return super().channel(service)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """The polling clock of gateway.tokens, moved by hand."""
    fake = Clock()
    monkeypatch.setattr(tokens, "time", types.SimpleNamespace(monotonic=fake.monotonic, time=time.time))
    return fake


@pytest.fixture
def gateway(app_for, fake_services):
    """The app as in production: no injected verifier."""
    return app_for(fake_services.settings()).test_client()


def test_building_the_app_opens_no_channel_and_the_first_signed_in_request_does(app_for, fake_services):
    clients = CountingClients(fake_services.settings())
    app = app_for(clients.settings, clients)
    assert clients.opened == []

    response = app.test_client().get("/api/v1/me", headers=bearer(mint(fake_services.auth.key, "teacher")))

    assert response.status_code == 200
    assert "auth" in clients.opened


def test_tokens_are_verified_with_the_keys_auth_publishes(gateway, fake_services):
    signed_in = gateway.post("/api/v1/auth/login", json={"login": "admin", "password": PASSWORD}).get_json()

    for _ in range(3):
        assert gateway.get("/api/v1/staff", headers=bearer(signed_in["access_token"])).status_code == 200
    assert fake_services.auth.jwks_reads == 1  # cached, not fetched per request
    assert_problem(gateway.get("/api/v1/me", headers=bearer(mint(SigningKey.generate(), "admin"))),
                   401, "INVALID_TOKEN")


def test_revocations_are_read_from_auth_at_most_every_five_seconds(gateway, fake_services, clock):
    token = bearer(mint(fake_services.auth.key, "teacher"))
    assert gateway.get("/api/v1/me", headers=token).status_code == 200
    assert fake_services.auth.revocation_reads == 1

    fake_services.auth.revoked[PEOPLE["teacher"].id] = time.time()  # auth blocked the account
    clock.now += 4.9
    assert gateway.get("/api/v1/me", headers=token).status_code == 200  # not asked again yet
    assert fake_services.auth.revocation_reads == 1

    clock.now += 0.2
    assert_problem(gateway.get("/api/v1/me", headers=token), 401, "INVALID_TOKEN")
    assert fake_services.auth.revocation_reads == 2
    # Somebody else is not affected.
    assert gateway.get("/api/v1/me", headers=bearer(mint(fake_services.auth.key, "parent"))).status_code == 200


def test_without_any_revocation_list_yet_a_signed_in_request_is_503(gateway, fake_services):
    fake_services.auth.fail_revocations = True

    response = gateway.get("/api/v1/me", headers=bearer(mint(fake_services.auth.key, "teacher")))

    body = assert_problem(response, 503, "AUTH_UNAVAILABLE")
    assert body["detail"] == "Проверка входа временно недоступна. Повторите попытку позже."
    assert fake_services.auth.called("GetMe") == []


def test_when_auth_stops_answering_the_last_revocation_list_is_kept(gateway, fake_services, clock):
    fake_services.auth.revoked[PEOPLE["parent"].id] = time.time() + 60
    teacher, parent = (bearer(mint(fake_services.auth.key, login)) for login in ("teacher", "parent"))
    assert gateway.get("/api/v1/me", headers=teacher).status_code == 200

    fake_services.auth.fail_revocations = True
    clock.now += 10

    assert gateway.get("/api/v1/me", headers=teacher).status_code == 200
    assert_problem(gateway.get("/api/v1/me", headers=parent), 401, "INVALID_TOKEN")


def test_without_auth_no_token_can_be_checked_and_the_answer_is_503(app_for, fake_services):
    app = app_for(fake_services.settings(auth_grpc_address=unused_address()))

    response = app.test_client().get("/api/v1/me", headers=bearer(mint(fake_services.auth.key, "teacher")))

    assert_problem(response, 503, "AUTH_UNAVAILABLE")


def test_the_jwks_is_published_from_auth_and_cached(gateway, fake_services):
    first = gateway.get("/.well-known/jwks.json")
    second = gateway.get("/.well-known/jwks.json")

    assert first.status_code == 200
    assert first.mimetype == "application/jwk-set+json"
    assert "max-age=60" in first.headers["Cache-Control"]
    [key] = json.loads(first.get_data(as_text=True))["keys"]
    assert key["kid"] == fake_services.auth.key.kid and key["alg"] == "EdDSA" and "d" not in key
    assert second.get_data() == first.get_data()
    assert fake_services.auth.jwks_reads == 1


def test_the_jwks_route_is_503_when_auth_never_answered(app_for, fake_services):
    app = app_for(fake_services.settings(auth_grpc_address=unused_address()))

    assert_problem(app.test_client().get("/.well-known/jwks.json"), 503, "UNAVAILABLE")


def test_an_api_client_signs_in_refreshes_and_the_old_refresh_token_is_spent(gateway, fake_services):
    signed_in = gateway.post("/api/v1/auth/login", json={"login": "teacher", "password": PASSWORD}).get_json()

    refreshed = gateway.post("/api/v1/auth/refresh", json={"refresh_token": signed_in["refresh_token"]})
    reused = gateway.post("/api/v1/auth/refresh", json={"refresh_token": signed_in["refresh_token"]})

    assert refreshed.status_code == 200
    body = refreshed.get_json()
    assert body["refresh_token"] != signed_in["refresh_token"]
    assert gateway.get("/api/v1/me", headers=bearer(body["access_token"])).status_code == 200
    assert_problem(reused, 401, "SESSION_ENDED")
    assert reused.headers.getlist("Set-Cookie") == []


def test_activation_when_the_school_first_requires_a_second_factor(gateway, fake_services):
    activated = gateway.post("/api/v1/auth/activate", json={
        "code": "STAFF-CODE-TOTP-REQUIRED", "login": "teacher", "password": PASSWORD,
    })
    assert activated.get_json() == {"totp_enrollment_required": True}

    begun = gateway.post("/api/v1/auth/totp", json={"login": "teacher", "password": PASSWORD})
    confirmed = gateway.post("/api/v1/auth/totp/confirm", json={
        "login": "teacher", "password": PASSWORD, "otp": "123456", "cookie": True,
    })

    assert begun.get_json()["provisioning_uri"].startswith("otpauth://")
    assert confirmed.status_code == 200 and "access_token" not in confirmed.get_json()
    assert gateway.get("/api/v1/me").get_json()["person"]["login"] == "teacher"
    [(request, _)] = fake_services.auth.called("ConfirmTotpEnrollment")
    assert (request.login, request.otp) == ("teacher", "123456")
