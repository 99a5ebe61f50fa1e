"""The gateway verifies access tokens and roles itself, before any view or service call (A3, A5).

Each test plays the attacker: a token that must not be trusted is answered
401 problem+json, a role that does not fit 403, and the auth service never
hears of the request.
"""
from __future__ import annotations

import base64
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from gateway_fakes import CLASS_5A, PEOPLE, assert_problem, bearer, forge, mint

from services.common.tokens import SigningKey

ME = "/api/v1/me"


def assert_refused(response, reason: str = "INVALID_TOKEN") -> dict:
    body = assert_problem(response, 401, reason)
    assert response.headers["WWW-Authenticate"].startswith('Bearer realm="ezh"')
    return body


def test_a_genuine_token_is_accepted_and_passed_on_with_the_client_address(api, signing_key, fake_services):
    token = mint(signing_key, "teacher")

    response = api.get(ME, headers={**bearer(token), "User-Agent": "Браузер/1.0"},
                       environ_base={"REMOTE_ADDR": "203.0.113.7"})

    assert response.status_code == 200
    assert response.get_json()["person"]["login"] == "teacher"
    [(_, metadata)] = fake_services.auth.called("GetMe")
    assert metadata["authorization"] == f"Bearer {token}"
    assert metadata["x-client-address"] == "203.0.113.7"
    assert metadata["x-client-user-agent"] == "???????/1.0"  # gRPC metadata is ASCII


def _public_key_bytes(key: SigningKey) -> bytes:
    return key.public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _tampered_roles(key: SigningKey) -> str:
    """A parent's genuine token with the payload edited to say administrator."""
    header, payload, signature = mint(key, "parent").split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["roles"] = [{"role": "administrator", "school": claims["school"]}]
    edited = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{edited}.{signature}"


def _hs256_with_public_key(key: SigningKey) -> str:
    """Algorithm confusion: an HMAC 'signed' with the published public key."""
    now = time.time()
    claims = {"iss": "ezh-auth", "aud": "ezh", "sub": PEOPLE["admin"].id, "iat": now, "exp": now + 600, "jti": "x",
              "roles": [{"role": "administrator"}]}
    return jwt.encode(claims, _public_key_bytes(key), algorithm="HS256", headers={"kid": key.kid, "typ": "at+jwt"})


FORGERIES = {
    "alg none": lambda key: forge(None),
    "signed by another key": lambda key: forge(SigningKey.generate()),
    "another key claiming our key id": lambda key: forge(SigningKey.generate(), header={"kid": key.kid}),
    "HS256 with the public key": _hs256_with_public_key,
    "wrong audience": lambda key: forge(key, aud="another-system"),
    "wrong issuer": lambda key: forge(key, iss="https://evil.example"),
    "wrong typ (an ID token)": lambda key: forge(key, header={"typ": "JWT"}),
    "no typ": lambda key: forge(key, header={"typ": None}),
    "expired": lambda key: forge(key, iat=time.time() - 3600, exp=int(time.time()) - 60),
    "no expiry": lambda key: forge(key, exp=None),
    "roles edited after signing": _tampered_roles,
    "not a JWT": lambda key: "not.a.jwt",
}


@pytest.mark.parametrize("forgery", list(FORGERIES), ids=list(FORGERIES))
def test_an_untrustworthy_bearer_token_is_401(api, signing_key, fake_services, forgery):
    response = api.get(ME, headers=bearer(FORGERIES[forgery](signing_key)))

    body = assert_refused(response)
    assert body["detail"] == "Сеанс недействителен или истёк. Войдите снова."
    assert fake_services.auth.called("GetMe") == []


@pytest.mark.parametrize("forgery", ["alg none", "signed by another key", "expired"])
def test_an_untrustworthy_cookie_token_is_401(api, signing_key, fake_services, forgery):
    api.set_cookie("ezh_access", FORGERIES[forgery](signing_key))

    assert_refused(api.get(ME))
    assert fake_services.auth.called("GetMe") == []


def test_a_revoked_persons_token_is_401_and_a_later_one_is_accepted(api, signing_key, revocations):
    token = mint(signing_key, "teacher")
    assert api.get(ME, headers=bearer(token)).status_code == 200

    revocations.revoke(PEOPLE["teacher"].id, time.time())

    assert_refused(api.get(ME, headers=bearer(token)))
    signed_in_again = mint(signing_key, "teacher", now=time.time() + 1)
    assert api.get(ME, headers=bearer(signed_in_again)).status_code == 200


def test_no_token_is_401(api, fake_services):
    response = api.get(ME)

    body = assert_problem(response, 401, "NO_CREDENTIALS")
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="ezh"'
    assert body["detail"] == "Войдите в систему, чтобы продолжить."
    assert fake_services.auth.calls == []


@pytest.mark.parametrize("header", ["Basic dGVhY2hlcjpwYXNz", "Bearer", "Bearer ", "Token abc", "Bearer a b"])
def test_a_malformed_authorization_header_is_401(api, header):
    assert_refused(api.get(ME, headers={"Authorization": header}), "BAD_AUTHORIZATION")


def test_a_bad_bearer_header_is_not_rescued_by_a_good_cookie(api, signing_key):
    api.set_cookie("ezh_access", mint(signing_key, "teacher"))

    assert_refused(api.get(ME, headers=bearer(forge(None))))


def test_a_parent_calling_a_staff_route_is_403(api, signing_key, fake_services):
    parent = bearer(mint(signing_key, "parent"))

    listed = api.get("/api/v1/staff", headers=parent)
    created = api.post("/api/v1/staff", headers=parent, json={
        "last_name": "Иванов", "first_name": "Иван", "roles": [{"role": "administrator"}],
    })
    blocked = api.post(f"/api/v1/people/{PEOPLE['teacher'].id}/block", headers=parent, json={})

    for response in (listed, created, blocked):
        body = assert_problem(response, 403, "ROLE_REQUIRED")
        assert "Администратор журнала" in body["detail"]
    assert fake_services.auth.calls == []


def test_a_student_with_a_teachers_url_is_403(api, signing_key, fake_services):
    student = bearer(mint(signing_key, "student"))

    access_list = api.get(f"/api/v1/classes/{CLASS_5A}/access", headers=student)
    code = api.post(f"/api/v1/people/{PEOPLE['parent'].id}/activation-codes", headers=student,
                    json={"role": "parent", "class_id": CLASS_5A})
    second_factor = api.post("/api/v1/me/totp", headers=student, json={"password": "current-password-1"})

    for response in (access_list, code, second_factor):
        assert_problem(response, 403, "ROLE_REQUIRED")
    assert fake_services.auth.calls == []


def test_the_right_role_passes_the_same_route(api, signing_key, fake_services):
    response = api.get("/api/v1/staff", headers=bearer(mint(signing_key, "admin")))

    assert response.status_code == 200
    assert response.get_json()["people"][0]["login"] == "teacher"
    [(request, _)] = fake_services.auth.called("ListStaff")
    assert request.school_id == PEOPLE["admin"].school_id  # the caller's school by default


def test_roles_are_checked_before_the_input_is_read(api, signing_key):
    """A caller without the role learns nothing about the route's input rules."""
    response = api.post("/api/v1/staff", headers=bearer(mint(signing_key, "parent")), json={"roles": "x" * 10_000})

    assert_problem(response, 403, "ROLE_REQUIRED")


def test_credentials_are_checked_before_the_input_is_read(api):
    response = api.post("/api/v1/me/password", data="{not json", content_type="application/json")

    assert_problem(response, 401, "NO_CREDENTIALS")


def test_anonymous_routes_ignore_a_stale_token(api, fake_services):
    """Signing in again must work with an expired cookie still in the browser."""
    api.set_cookie("ezh_access", forge(None))

    response = api.post("/api/v1/auth/login", json={"login": "teacher", "password": "correct horse battery"})

    assert response.status_code == 200
