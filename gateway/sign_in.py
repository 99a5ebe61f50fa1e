"""Sign-in, refresh, sign-out and activation: `/api/v1/auth/...`.

These routes need no access token (an expired one must not stand in the
way of signing in again). API clients get the tokens in the body; the web
client sends `"cookie": true` and gets them as cookies instead
(`gateway.web_session`). Refresh and logout take the refresh token from the
body or, for the web client, from the `ezh_refresh` cookie, which then needs
the CSRF header. The address and browser of the request go to auth in
`ClientInfo`, for its throttling, session list and audit log.
"""
from __future__ import annotations

from ezh.auth.v1 import auth_pb2
from flask import Response, jsonify, request
from flask_openapi3 import APIBlueprint, Tag
from pydantic import Field

from gateway.access import allow_anonymous, client_address, client_user_agent
from gateway.auth_models import (
    LOGIN_MAX_LENGTH, OTP_MAX_LENGTH, PASSWORD_MAX_LENGTH, TOKEN_MAX_LENGTH, ActivatedOut, EmptyAllowed,
    RequestModel, TokensOut, TotpEnrollmentOut, call_auth,
)
from gateway.openapi import problem_response
from gateway.problems import FieldProblem, ProblemError
from gateway.web_session import (
    REFRESH_COOKIE, check_csrf, clear_session_cookies, current_csrf_token, new_csrf_token, set_session_cookies,
)

sign_in = APIBlueprint(
    "sign_in", __name__, url_prefix="/auth",
    abp_tags=[Tag(name="auth", description="Sign-in, refresh, sign-out and activation of an account")],
)

COOKIE_FIELD_DESCRIPTION = (
    "true for the web client: the tokens are set as HttpOnly cookies (ezh_access, ezh_refresh) "
    "with a CSRF cookie (ezh_csrf) and left out of the body"
)
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class LoginIn(RequestModel):
    login: str = Field(min_length=1, max_length=LOGIN_MAX_LENGTH, examples=["teacher"])
    password: str = Field(min_length=1, max_length=PASSWORD_MAX_LENGTH)
    otp: str | None = Field(
        default=None, max_length=OTP_MAX_LENGTH, description="The authenticator's code, when enrolled"
    )
    cookie: bool = Field(default=False, description=COOKIE_FIELD_DESCRIPTION)


class ActivateIn(RequestModel):
    code: str = Field(min_length=1, max_length=64, description="The code from the activation slip")
    login: str = Field(min_length=1, max_length=LOGIN_MAX_LENGTH, description="The login to choose")
    password: str = Field(min_length=1, max_length=PASSWORD_MAX_LENGTH, description="The password to choose")
    cookie: bool = Field(default=False, description=COOKIE_FIELD_DESCRIPTION)


class TotpBeforeSignIn(RequestModel):
    login: str = Field(min_length=1, max_length=LOGIN_MAX_LENGTH)
    password: str = Field(min_length=1, max_length=PASSWORD_MAX_LENGTH)


class TotpConfirmBeforeSignIn(TotpBeforeSignIn):
    otp: str = Field(min_length=1, max_length=OTP_MAX_LENGTH, description="The code the authenticator app shows now")
    cookie: bool = Field(default=False, description=COOKIE_FIELD_DESCRIPTION)


class RefreshIn(EmptyAllowed):
    refresh_token: str | None = Field(
        default=None, min_length=1, max_length=TOKEN_MAX_LENGTH,
        description="Left out by the web client, which has it in the ezh_refresh cookie",
    )
    cookie: bool = Field(default=False, description=COOKIE_FIELD_DESCRIPTION)


class LogoutIn(EmptyAllowed):
    refresh_token: str | None = Field(
        default=None, min_length=1, max_length=TOKEN_MAX_LENGTH,
        description="The session to end; left out by the web client, which has it in the ezh_refresh cookie",
    )


def client_info() -> auth_pb2.ClientInfo:
    return auth_pb2.ClientInfo(address=client_address(), user_agent=client_user_agent())


@sign_in.post(
    "/login",
    responses={200: TokensOut, 401: problem_response("Wrong login, password or code"),
               429: problem_response("Too many attempts: try again later")},
)
@allow_anonymous
def login(body: LoginIn):
    """Sign in with login and password (and the second factor's code, where enrolled)."""
    reply = call_auth("Login", auth_pb2.LoginRequest(
        login=body.login, password=body.password, otp=body.otp or "", client=client_info(),
    ))
    return tokens_response(reply.tokens, cookie=body.cookie)


@sign_in.post("/activate", responses={200: ActivatedOut, 404: problem_response("No such code, or it expired")})
@allow_anonymous
def activate(body: ActivateIn):
    """Use an activation code once: choose a login and password, and be signed in."""
    reply = call_auth("Activate", auth_pb2.ActivateRequest(
        code=body.code, login=body.login, password=body.password, client=client_info(),
    ))
    if reply.totp_enrollment_required:
        out = ActivatedOut(totp_enrollment_required=True)
        return out.model_dump(exclude_none=True), 200, NO_STORE
    return tokens_response(reply.tokens, cookie=body.cookie)


@sign_in.post("/totp", responses={200: TotpEnrollmentOut, 401: problem_response("Wrong login or password")})
@allow_anonymous
def begin_totp_before_sign_in(body: TotpBeforeSignIn):
    """Start the second factor before the first sign-in, where the school requires it for staff."""
    reply = call_auth("BeginTotpEnrollment", auth_pb2.BeginTotpEnrollmentRequest(
        login=body.login, password=body.password, client=client_info(),
    ))
    out = TotpEnrollmentOut(secret=reply.secret, provisioning_uri=reply.provisioning_uri)
    return out.model_dump(), 200, NO_STORE


@sign_in.post("/totp/confirm", responses={200: TokensOut, 401: problem_response("Wrong login, password or code")})
@allow_anonymous
def confirm_totp_before_sign_in(body: TotpConfirmBeforeSignIn):
    """Turn the second factor on with its first code, and be signed in."""
    reply = call_auth("ConfirmTotpEnrollment", auth_pb2.ConfirmTotpEnrollmentRequest(
        otp=body.otp, login=body.login, password=body.password, client=client_info(),
    ))
    return tokens_response(reply.tokens, cookie=body.cookie)


@sign_in.post("/refresh", responses={200: TokensOut, 401: problem_response("The session ended: sign in again")})
@allow_anonymous
def refresh(body: RefreshIn):
    """Exchange the refresh token for new tokens (the old refresh token is then spent)."""
    token, from_cookie = _refresh_token(body.refresh_token)
    try:
        reply = call_auth("Refresh", auth_pb2.RefreshRequest(refresh_token=token, client=client_info()))
    except ProblemError as problem:
        if not (from_cookie and problem.status == 401):
            raise
        response = problem.to_response()
        clear_session_cookies(response)  # the cookies are of no use any more
        return response
    keep_csrf = current_csrf_token() if from_cookie else None
    return tokens_response(reply.tokens, cookie=body.cookie or from_cookie, csrf_token=keep_csrf)


@sign_in.post("/logout", responses={204: None})
@allow_anonymous
def logout(body: LogoutIn):
    """Sign out: end the refresh token's session; the web client's cookies are cleared."""
    token, _ = _refresh_token(body.refresh_token)
    try:
        call_auth("Logout", auth_pb2.LogoutRequest(refresh_token=token))
    except ProblemError as problem:
        if problem.status != 401:
            raise  # an already ended session is signed out all the same
    response = Response(status=204, headers=NO_STORE)
    clear_session_cookies(response)
    return response


def _refresh_token(from_body: str | None) -> tuple[str, bool]:
    """The refresh token and whether it came from the cookie (then CSRF-checked)."""
    if from_body:
        return from_body, False
    cookie = request.cookies.get(REFRESH_COOKIE, "")
    if cookie:
        check_csrf()
        return cookie, True
    raise ProblemError(
        400,
        "Поле «refresh_token»: обязательное поле (или cookie ezh_refresh для веб-клиента)",
        reason="INVALID_ARGUMENT",
        errors=[FieldProblem(field="refresh_token", detail="обязательное поле")],
    )


def tokens_response(tokens: auth_pb2.Tokens, *, cookie: bool, csrf_token: str | None = None) -> Response:
    """The tokens in the body (API clients) or as cookies (the web client)."""
    if cookie:
        csrf_token = csrf_token or new_csrf_token()
        out = TokensOut(expires_in=tokens.expires_in, token_type=tokens.token_type or "Bearer", csrf_token=csrf_token)
    else:
        out = TokensOut(
            access_token=tokens.access_token, refresh_token=tokens.refresh_token,
            expires_in=tokens.expires_in, token_type=tokens.token_type or "Bearer",
        )
    response = jsonify(out.model_dump(exclude_none=True))
    response.headers.update(NO_STORE)
    if cookie:
        set_session_cookies(
            response, access_token=tokens.access_token, refresh_token=tokens.refresh_token,
            expires_in=tokens.expires_in, csrf_token=csrf_token,
        )
    return response
