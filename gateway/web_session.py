"""Sign-in by cookies for the web client, and its CSRF protection.

API clients keep the tokens themselves and send `Authorization: Bearer`.
The web client asks for cookies instead (`"cookie": true` in the body of
login, activate or refresh), so that page scripts never hold a token:

| cookie        | holds               | HttpOnly | SameSite | Path           | lifetime            |
|---------------|---------------------|----------|----------|----------------|---------------------|
| `ezh_access`  | the access token    | yes      | Lax      | `/`            | the token's         |
| `ezh_refresh` | the refresh token   | yes      | Lax      | `/api/v1/auth` | browser session     |
| `ezh_csrf`    | a random CSRF token | no       | Lax      | `/`            | browser session     |

All three are `Secure` when the request came over HTTPS. The refresh
token's cookie goes only to the sign-in routes; its real lifetime is the
session's, which auth enforces (idle and absolute limits), so the cookie
itself lasts until the browser closes.

CSRF (double submit): every unsafe request (POST, PUT, PATCH, DELETE)
authenticated by a cookie, and every refresh or logout that uses the
refresh cookie, must repeat the `ezh_csrf` cookie's value in the
`X-CSRF-Token` header; they are compared in constant time. A page of
another site can make the browser send the cookies but can neither read
`ezh_csrf` nor set a custom header without a CORS preflight, which the
gateway does not allow. SameSite=Lax already keeps the cookies off
cross-site POSTs in current browsers; the token also covers older ones and
same-site pages on other ports. Requests with a Bearer header carry no
ambient credentials and need no CSRF token. The CSRF token is made at
sign-in and kept across refreshes, so tabs already open keep working.
"""
from __future__ import annotations

import hmac
import secrets

from flask import Response, request

from gateway.problems import ProblemError

ACCESS_COOKIE = "ezh_access"
REFRESH_COOKIE = "ezh_refresh"
CSRF_COOKIE = "ezh_csrf"
CSRF_HEADER = "X-CSRF-Token"

SIGN_IN_PATH = "/api/v1/auth"
CSRF_TOKEN_BYTES = 32
CSRF_TOKEN_MAX_LENGTH = 128


def new_csrf_token() -> str:
    return secrets.token_urlsafe(CSRF_TOKEN_BYTES)


def current_csrf_token() -> str | None:
    """The request's CSRF cookie, if it looks like one the gateway made."""
    token = request.cookies.get(CSRF_COOKIE, "")
    return token if 0 < len(token) <= CSRF_TOKEN_MAX_LENGTH else None


def check_csrf() -> None:
    """403 unless `X-CSRF-Token` repeats the `ezh_csrf` cookie."""
    expected = current_csrf_token()
    presented = request.headers.get(CSRF_HEADER, "")
    if not expected or not presented or not hmac.compare_digest(
        presented.encode("utf-8", "surrogateescape"), expected.encode("utf-8", "surrogateescape")
    ):
        raise ProblemError(
            403,
            f"Запрос отклонён: нет заголовка {CSRF_HEADER} или он не совпадает с cookie {CSRF_COOKIE}. "
            "Обновите страницу и повторите действие.",
            reason="CSRF_TOKEN_INVALID",
        )


def set_session_cookies(response: Response, *, access_token: str, refresh_token: str, expires_in: int,
                        csrf_token: str) -> None:
    secure = request.is_secure
    set_access_cookie(response, access_token, expires_in)
    response.set_cookie(
        REFRESH_COOKIE, refresh_token, path=SIGN_IN_PATH, secure=secure, httponly=True, samesite="Lax",
    )
    response.set_cookie(CSRF_COOKIE, csrf_token, path="/", secure=secure, httponly=False, samesite="Lax")


def set_access_cookie(response: Response, access_token: str, expires_in: int) -> None:
    """A new access token for the same session (after a password change, say)."""
    response.set_cookie(
        ACCESS_COOKIE, access_token, max_age=max(int(expires_in), 0), path="/",
        secure=request.is_secure, httponly=True, samesite="Lax",
    )


def clear_session_cookies(response: Response) -> None:
    secure = request.is_secure
    response.delete_cookie(ACCESS_COOKIE, path="/", secure=secure, httponly=True, samesite="Lax")
    response.delete_cookie(REFRESH_COOKIE, path=SIGN_IN_PATH, secure=secure, httponly=True, samesite="Lax")
    response.delete_cookie(CSRF_COOKIE, path="/", secure=secure, httponly=False, samesite="Lax")
