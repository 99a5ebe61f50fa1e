"""The signed-in person's own account: `/api/v1/me...` (A2, A3).

Who they are, their password, their sessions (device, address, last use;
end one or all) and, for staff, the second factor (TOTP).

Changing the password or ending sessions refuses every access token issued
before it, the caller's own included; auth answers with a fresh access token
for the caller's session while it lives on. An API client gets it in the
body; the web client gets it as a new `ezh_access` cookie. When the caller's
own session ended, the web client's cookies are cleared.
"""
from __future__ import annotations

import datetime as dt

from ezh.auth.v1 import auth_pb2
from ezh.journal.v1 import journal_pb2, journal_pb2_grpc
from flask import Response, g
from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, Field

from gateway.access import allow, allow_signed_in, caller
from gateway.auth_models import (
    OTP_MAX_LENGTH, PASSWORD_MAX_LENGTH, PersonOut, RequestModel, RoleGrantOut, TotpEnrollmentOut, call_auth,
    grants_from_proto, time_from_proto,
)
from gateway.openapi import problem_response
from gateway.services import call
from gateway.web_session import clear_session_cookies, set_access_cookie
from services.common.roles import STAFF_ROLES, Role

account = APIBlueprint(
    "account", __name__, url_prefix="/me",
    abp_tags=[Tag(name="account", description="The signed-in person: profile, password, sessions, second factor")],
)

# Staff (and the district operator) may protect their account with a second factor.
SECOND_FACTOR_ROLES = (*sorted(STAFF_ROLES, key=list(Role).index), Role.DISTRICT_OPERATOR)


class SchoolRef(BaseModel):
    id: str
    name: str = Field(examples=["МБОУ «Средняя общеобразовательная школа № 1»"])


class Child(BaseModel):
    id: str
    full_name: str
    class_id: str | None = None
    class_name: str | None = Field(default=None, examples=["5А"])
    school_id: str | None = Field(default=None, description="The child's school (its study periods)")


class MeOut(BaseModel):
    person: PersonOut
    school: SchoolRef | None = Field(description="Null for the district operator")
    roles: list[RoleGrantOut] = Field(description="Every role the person holds; the web client lets them switch view")
    children: list[Child] = Field(description="A parent's children; empty for everyone else")


class PasswordChange(RequestModel):
    current_password: str = Field(min_length=1, max_length=PASSWORD_MAX_LENGTH)
    new_password: str = Field(min_length=1, max_length=PASSWORD_MAX_LENGTH)


class SessionOut(BaseModel):
    id: str
    user_agent: str = Field(description="The browser or program that signed in")
    address: str = Field(description="The address it signed in from")
    create_time: dt.datetime | None
    last_use_time: dt.datetime | None
    expire_time: dt.datetime | None
    current: bool = Field(description="This is the session of the request")


class SessionsOut(BaseModel):
    sessions: list[SessionOut]


class SessionPath(RequestModel):
    session_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")


class RenewedOut(BaseModel):
    access_token: str | None = Field(
        default=None, description="The new access token of this session (API clients; the web client gets a cookie)"
    )
    expires_in: int | None = Field(default=None, description="Seconds the new access token is valid")
    token_type: str | None = Field(default=None, examples=["Bearer"])


class EndedOut(RenewedOut):
    ended: int = Field(description="How many sessions ended")


class TotpStart(RequestModel):
    password: str = Field(min_length=1, max_length=PASSWORD_MAX_LENGTH,
                          description="The current password: a stolen session alone cannot add a second factor")


class TotpConfirmation(RequestModel):
    otp: str = Field(min_length=1, max_length=OTP_MAX_LENGTH, description="The code the authenticator app shows now")


@account.get("", responses={200: MeOut})
@allow_signed_in
def me():
    """The signed-in person: who they are, their school, their roles and (for a parent) the children.

    Person, school and roles come from the auth service (`GetMe`). A
    parent's children are the students the journal service records them as
    guardian of (it keeps class lists and guardianships, J1): `ListMyChildren`.
    """
    reply = call_auth("GetMe", auth_pb2.GetMeRequest())
    person = PersonOut.from_proto(reply.person)
    school = SchoolRef(id=reply.person.school_id, name=reply.school_name) if reply.person.school_id else None
    children = []
    if caller().has_role(Role.PARENT):
        listed = call("journal", journal_pb2_grpc.JournalServiceStub, "ListMyChildren", journal_pb2.ListMyChildrenRequest())
        children = [
            Child(
                id=child.student_id,
                full_name=" ".join(part for part in (child.last_name, child.first_name, child.middle_name) if part),
                class_id=child.class_id or None,
                class_name=child.class_name or None,
                school_id=child.school_id or None,
            )
            for child in listed.children
        ]
    out = MeOut(person=person, school=school, roles=grants_from_proto(reply.person.roles), children=children)
    return out.model_dump(mode="json"), 200, {"Cache-Control": "no-store"}


@account.post("/password", responses={200: RenewedOut, 400: problem_response("Wrong current password or weak new one")})
@allow_signed_in
def change_password(body: PasswordChange):
    """Change the password; every other session of the person ends, this one gets a new access token."""
    reply = call_auth("ChangePassword", auth_pb2.ChangePasswordRequest(
        current_password=body.current_password, new_password=body.new_password,
    ))
    return _renewed(RenewedOut(), reply.access_token, reply.expires_in)


@account.get("/sessions", responses={200: SessionsOut})
@allow_signed_in
def list_sessions():
    """The person's live sessions: device, address, last use."""
    reply = call_auth("ListSessions", auth_pb2.ListSessionsRequest())
    out = SessionsOut(sessions=[
        SessionOut(
            id=session.id, user_agent=session.user_agent, address=session.address,
            create_time=time_from_proto(session.create_time), last_use_time=time_from_proto(session.last_use_time),
            expire_time=time_from_proto(session.expire_time), current=session.current,
        )
        for session in reply.sessions
    ])
    return out.model_dump(mode="json"), 200, {"Cache-Control": "no-store"}


@account.delete("/sessions/<session_id>", responses={200: EndedOut, 404: problem_response("No such session")})
@allow_signed_in
def end_session(path: SessionPath):
    """End one session (on another device, or this one)."""
    reply = call_auth("EndSessions", auth_pb2.EndSessionsRequest(session_id=path.session_id))
    return _renewed(EndedOut(ended=reply.ended), reply.access_token, reply.expires_in)


@account.delete("/sessions", responses={200: EndedOut})
@allow_signed_in
def end_all_sessions():
    """Sign out everywhere: end every session of the person, this one included."""
    reply = call_auth("EndSessions", auth_pb2.EndSessionsRequest(all=True))
    return _renewed(EndedOut(ended=reply.ended), reply.access_token, reply.expires_in)


def _renewed(out: RenewedOut, access_token: str, expires_in: int) -> Response:
    """The answer with the session's new access token, or with the cookies cleared if it ended."""
    by_cookie = bool(g.get("authenticated_by_cookie"))
    if access_token:
        out.expires_in, out.token_type = expires_in, "Bearer"
        if not by_cookie:
            out.access_token = access_token
    response = Response(out.model_dump_json(exclude_none=True), status=200, mimetype="application/json",
                        headers={"Cache-Control": "no-store"})
    if by_cookie:
        if access_token:
            set_access_cookie(response, access_token, expires_in)
        else:
            clear_session_cookies(response)
    return response


@account.post("/totp", responses={200: TotpEnrollmentOut})
@allow(*SECOND_FACTOR_ROLES)
def begin_totp(body: TotpStart):
    """Start turning on the second factor (the current password is asked again): a secret for an authenticator app.

    A staff member whose school requires the second factor before they ever
    signed in uses `/api/v1/auth/totp` with login and password instead.
    """
    reply = call_auth("BeginTotpEnrollment", auth_pb2.BeginTotpEnrollmentRequest(password=body.password))
    out = TotpEnrollmentOut(secret=reply.secret, provisioning_uri=reply.provisioning_uri)
    return out.model_dump(mode="json"), 200, {"Cache-Control": "no-store"}


@account.post("/totp/confirm", responses={204: None, 400: problem_response("Wrong code")})
@allow(*SECOND_FACTOR_ROLES)
def confirm_totp(body: TotpConfirmation):
    """Turn the second factor on with the first code the app shows."""
    call_auth("ConfirmTotpEnrollment", auth_pb2.ConfirmTotpEnrollmentRequest(otp=body.otp))
    return Response(status=204)
