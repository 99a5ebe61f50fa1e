"""Cookie sign-in for the web client and its CSRF protection (double submit)."""
from __future__ import annotations

from gateway_fakes import PASSWORD, PEOPLE, assert_problem, bearer, mint

LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
PASSWORD_CHANGE = {"current_password": PASSWORD, "new_password": "a much longer password"}


def set_cookies(response) -> dict[str, dict[str, str | bool]]:
    """Each Set-Cookie of the response: name → {"value": …, attribute (lowercase) → value or True}."""
    cookies = {}
    for header in response.headers.getlist("Set-Cookie"):
        first, *attributes = [part.strip() for part in header.split(";")]
        name, _, value = first.partition("=")
        parsed: dict[str, str | bool] = {"value": value}
        for attribute in attributes:
            key, sep, val = attribute.partition("=")
            parsed[key.lower()] = val if sep else True
        cookies[name] = parsed
    return cookies


def sign_in_with_cookies(client, login: str = "teacher", **kwargs):
    response = client.post(LOGIN, json={"login": login, "password": PASSWORD, "cookie": True}, **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def csrf_of(client) -> str:
    return client.get_cookie("ezh_csrf").value


def test_cookie_sign_in_sets_httponly_lax_cookies_and_keeps_the_tokens_out_of_the_body(api):
    response = sign_in_with_cookies(api)

    body = response.get_json()
    assert "access_token" not in body and "refresh_token" not in body
    assert body["expires_in"] == 900 and body["token_type"] == "Bearer"
    cookies = set_cookies(response)
    access, refresh, csrf = cookies["ezh_access"], cookies["ezh_refresh"], cookies["ezh_csrf"]
    assert access["httponly"] is True and access["samesite"] == "Lax" and access["path"] == "/"
    assert access["max-age"] == "900"
    assert refresh["httponly"] is True and refresh["samesite"] == "Lax" and refresh["path"] == "/api/v1/auth"
    assert "httponly" not in csrf and csrf["samesite"] == "Lax" and csrf["path"] == "/"
    assert body["csrf_token"] == csrf["value"] and len(csrf["value"]) >= 32
    assert not any("secure" in cookie for cookie in cookies.values())  # plain HTTP here
    assert response.headers["Cache-Control"] == "no-store"


def test_cookies_are_secure_over_https(api):
    response = sign_in_with_cookies(api, base_url="https://ezh.example")

    assert all(cookie.get("secure") is True for cookie in set_cookies(response).values())


def test_an_api_client_gets_the_tokens_in_the_body_and_no_cookies(api):
    response = api.post(LOGIN, json={"login": "teacher", "password": PASSWORD})

    body = response.get_json()
    assert body["access_token"] and body["refresh_token"] and body["token_type"] == "Bearer"
    assert "csrf_token" not in body
    assert response.headers.getlist("Set-Cookie") == []


def test_a_cookie_signed_in_browser_reads_without_a_csrf_header(api, fake_services):
    sign_in_with_cookies(api)

    response = api.get("/api/v1/me")

    assert response.status_code == 200
    [(_, metadata)] = fake_services.auth.called("GetMe")
    assert metadata["authorization"] == f"Bearer {api.get_cookie('ezh_access').value}"


def test_a_cookie_authenticated_post_without_the_csrf_header_is_403(api, fake_services):
    sign_in_with_cookies(api)

    response = api.post("/api/v1/me/password", json=PASSWORD_CHANGE)

    body = assert_problem(response, 403, "CSRF_TOKEN_INVALID")
    assert "X-CSRF-Token" in body["detail"]
    assert fake_services.auth.called("ChangePassword") == []


def test_a_cookie_authenticated_post_with_a_wrong_csrf_header_is_403(api, fake_services):
    sign_in_with_cookies(api)
    right = csrf_of(api)

    for wrong in (right[:-1], right + "x", "x" * len(right), "я" * 8):
        response = api.post("/api/v1/me/password", json=PASSWORD_CHANGE, headers={"X-CSRF-Token": wrong})
        assert_problem(response, 403, "CSRF_TOKEN_INVALID")
    assert fake_services.auth.called("ChangePassword") == []


def test_a_csrf_header_without_the_csrf_cookie_is_403(api, fake_services):
    """The header alone proves nothing: it must repeat the cookie."""
    sign_in_with_cookies(api)
    token = csrf_of(api)
    api.delete_cookie("ezh_csrf")

    response = api.post("/api/v1/me/password", json=PASSWORD_CHANGE, headers={"X-CSRF-Token": token})

    assert_problem(response, 403, "CSRF_TOKEN_INVALID")


def test_a_cookie_authenticated_post_with_the_right_csrf_header_passes(api, fake_services):
    sign_in_with_cookies(api)

    old_access = api.get_cookie("ezh_access").value

    response = api.post("/api/v1/me/password", json=PASSWORD_CHANGE, headers={"X-CSRF-Token": csrf_of(api)})

    assert response.status_code == 200
    [(request, _)] = fake_services.auth.called("ChangePassword")
    assert request.new_password == PASSWORD_CHANGE["new_password"]
    # Tokens from before the change are refused now: the browser gets the new one as its cookie.
    assert "access_token" not in response.get_json()
    renewed = set_cookies(response)["ezh_access"]
    assert renewed["value"] != old_access and renewed["httponly"] is True and renewed["max-age"] == "900"
    assert set(set_cookies(response)) == {"ezh_access"}


def test_a_cookie_authenticated_delete_needs_the_csrf_header_too(api, fake_services):
    sign_in_with_cookies(api)

    assert_problem(api.delete("/api/v1/me/sessions"), 403, "CSRF_TOKEN_INVALID")
    assert fake_services.auth.called("EndSessions") == []


def test_a_bearer_post_needs_no_csrf_token(api, signing_key, fake_services):
    response = api.post("/api/v1/me/password", json=PASSWORD_CHANGE, headers=bearer(mint(signing_key, "teacher")))

    assert response.status_code == 200
    assert len(fake_services.auth.called("ChangePassword")) == 1
    body = response.get_json()
    assert body["access_token"] and body["expires_in"] == 900  # the API client's new token
    assert response.headers.getlist("Set-Cookie") == []


def test_refresh_by_cookie_needs_the_csrf_header(api, fake_services):
    sign_in_with_cookies(api)

    assert_problem(api.post(REFRESH, json={}), 403, "CSRF_TOKEN_INVALID")
    assert fake_services.auth.called("Refresh") == []


def test_refresh_by_cookie_rotates_the_cookies_and_keeps_the_csrf_token(api, fake_services):
    sign_in_with_cookies(api)
    csrf = csrf_of(api)
    old_refresh = api.get_cookie("ezh_refresh", path="/api/v1/auth").value

    response = api.post(REFRESH, headers={"X-CSRF-Token": csrf})  # no body at all

    assert response.status_code == 200
    cookies = set_cookies(response)
    assert cookies["ezh_refresh"]["value"] != old_refresh
    assert cookies["ezh_csrf"]["value"] == csrf
    [(request, _)] = fake_services.auth.called("Refresh")
    assert request.refresh_token == old_refresh
    assert api.get("/api/v1/me").status_code == 200


def test_a_spent_refresh_cookie_is_401_and_the_cookies_are_cleared(api, fake_services):
    sign_in_with_cookies(api)
    fake_services.auth.live_refresh_tokens.clear()

    response = api.post(REFRESH, headers={"X-CSRF-Token": csrf_of(api)})

    assert_problem(response, 401, "SESSION_ENDED")
    assert {name: cookie["max-age"] for name, cookie in set_cookies(response).items()} == {
        "ezh_access": "0", "ezh_refresh": "0", "ezh_csrf": "0",
    }


def test_logout_by_cookie_needs_the_csrf_header(api, fake_services):
    sign_in_with_cookies(api)

    assert_problem(api.post(LOGOUT), 403, "CSRF_TOKEN_INVALID")
    assert fake_services.auth.called("Logout") == []
    assert api.get("/api/v1/me").status_code == 200


def test_logout_ends_the_session_and_clears_the_cookies(api, fake_services):
    sign_in_with_cookies(api)
    refresh_token = api.get_cookie("ezh_refresh", path="/api/v1/auth").value

    response = api.post(LOGOUT, headers={"X-CSRF-Token": csrf_of(api)})

    assert response.status_code == 204
    [(request, _)] = fake_services.auth.called("Logout")
    assert request.refresh_token == refresh_token
    cookies = set_cookies(response)
    assert set(cookies) == {"ezh_access", "ezh_refresh", "ezh_csrf"}
    assert all(cookie["max-age"] == "0" for cookie in cookies.values())
    assert cookies["ezh_refresh"]["path"] == "/api/v1/auth"
    assert api.get_cookie("ezh_access") is None
    assert_problem(api.get("/api/v1/me"), 401, "NO_CREDENTIALS")


def test_an_api_client_logs_out_with_its_refresh_token(api, fake_services):
    tokens = api.post(LOGIN, json={"login": "parent", "password": PASSWORD}).get_json()

    response = api.post(LOGOUT, json={"refresh_token": tokens["refresh_token"]})

    assert response.status_code == 204
    assert fake_services.auth.called("Logout")[0][0].refresh_token == tokens["refresh_token"]
    assert_problem(api.post(REFRESH, json={"refresh_token": tokens["refresh_token"]}), 401, "SESSION_ENDED")


def test_logout_without_any_refresh_token_is_400_naming_it(api):
    body = assert_problem(api.post(LOGOUT, json={}), 400, "INVALID_ARGUMENT")

    assert body["field"] == "refresh_token"


def test_ending_every_session_by_cookie_clears_the_cookies(api, fake_services):
    sign_in_with_cookies(api)

    response = api.delete("/api/v1/me/sessions", headers={"X-CSRF-Token": csrf_of(api)})

    assert response.get_json() == {"ended": 3}
    assert fake_services.auth.called("EndSessions")[0][0].all is True
    assert {name: cookie["max-age"] for name, cookie in set_cookies(response).items()} == {
        "ezh_access": "0", "ezh_refresh": "0", "ezh_csrf": "0",
    }


def test_ending_another_session_by_cookie_renews_this_ones_access_cookie(api, fake_services):
    sign_in_with_cookies(api)

    response = api.delete("/api/v1/me/sessions/other-device", headers={"X-CSRF-Token": csrf_of(api)})

    assert response.get_json() == {"ended": 1, "expires_in": 900, "token_type": "Bearer"}
    assert fake_services.auth.called("EndSessions")[0][0].session_id == "other-device"
    assert set(set_cookies(response)) == {"ezh_access"}
    assert api.get("/api/v1/me").status_code == 200


def test_activation_can_sign_the_browser_in_with_cookies(api, fake_services):
    response = api.post("/api/v1/auth/activate", json={
        "code": "GOOD-CODE", "login": "volkova", "password": "a long enough password", "cookie": True,
    }, environ_base={"REMOTE_ADDR": "198.51.100.4"})

    assert response.status_code == 200
    assert {"ezh_access", "ezh_refresh", "ezh_csrf"} <= set(set_cookies(response))
    [(request, _)] = fake_services.auth.called("Activate")
    assert (request.code, request.login, request.client.address) == ("GOOD-CODE", "volkova", "198.51.100.4")
    assert api.get("/api/v1/me").get_json()["person"]["id"] == PEOPLE["parent"].id
