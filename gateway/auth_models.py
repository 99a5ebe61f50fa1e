"""JSON shapes of the auth routes, their conversion from and to auth's protos,
and `call_auth`, the one way those routes call the auth service.

Roles travel as the lowercase names of `services.common.roles.Role`
(`class_teacher`) with their Russian title; times as ISO 8601 in UTC, or
null when unset. Every string a client sends has a maximum length.
"""
from __future__ import annotations

import datetime as dt
import uuid

from ezh.auth.v1 import auth_pb2, auth_pb2_grpc
from google.protobuf.timestamp_pb2 import Timestamp
from pydantic import BaseModel, ConfigDict, Field, model_validator

from gateway.services import call
from services.common.roles import ROLE_TITLES, Role

LOGIN_MAX_LENGTH = 64
PASSWORD_MAX_LENGTH = 256
OTP_MAX_LENGTH = 10
NAME_MAX_LENGTH = 100
TOKEN_MAX_LENGTH = 2048
PAGE_TOKEN_MAX_LENGTH = 200
REQUEST_ID_MAX_LENGTH = 100


def call_auth(method: str, message):
    """Call AuthService's `method` on behalf of the current request."""
    return call("auth", auth_pb2_grpc.AuthServiceStub, method, message)


class RequestModel(BaseModel):
    """A request body or query: unknown fields are refused, naming them."""

    model_config = ConfigDict(extra="forbid")


class EmptyAllowed(RequestModel):
    """A body that may be left out: no body is the same as `{}`."""

    @model_validator(mode="before")
    @classmethod
    def _no_body(cls, data):
        return {} if data is None else data


# ------------------------------------------------------------------- roles

def role_to_proto(role: Role) -> int:
    return auth_pb2.Role.Value(f"ROLE_{role.value.upper()}")


def role_from_proto(value: int) -> Role | None:
    name = auth_pb2.Role.Name(value) if value in auth_pb2.Role.values() else "ROLE_UNSPECIFIED"
    try:
        return Role(name.removeprefix("ROLE_").lower())
    except ValueError:
        return None


class RoleGrantIn(RequestModel):
    role: Role = Field(description="The role")
    class_id: uuid.UUID | None = Field(default=None, description="The class, for `class_teacher`")

    def to_proto(self, school_id: str = "") -> auth_pb2.RoleGrant:
        return auth_pb2.RoleGrant(
            role=role_to_proto(self.role), school_id=school_id, class_id=str(self.class_id) if self.class_id else ""
        )


class RoleGrantOut(BaseModel):
    role: Role
    title: str = Field(description="The role's name in Russian", examples=["Классный руководитель"])
    school_id: str | None = None
    class_id: str | None = None

    @classmethod
    def from_proto(cls, grant: auth_pb2.RoleGrant) -> RoleGrantOut | None:
        role = role_from_proto(grant.role)
        if role is None:
            return None
        return cls(role=role, title=ROLE_TITLES[role], school_id=grant.school_id or None,
                   class_id=grant.class_id or None)


def grants_from_proto(grants) -> list[RoleGrantOut]:
    return [out for out in (RoleGrantOut.from_proto(grant) for grant in grants) if out is not None]


def time_from_proto(stamp: Timestamp) -> dt.datetime | None:
    if stamp.seconds == 0 and stamp.nanos == 0:
        return None
    return stamp.ToDatetime(tzinfo=dt.UTC)


def full_name(last_name: str, first_name: str, middle_name: str) -> str:
    return " ".join(part for part in (last_name, first_name, middle_name) if part)


# ------------------------------------------------------------------ people

class PersonOut(BaseModel):
    id: str
    school_id: str | None
    last_name: str
    first_name: str
    middle_name: str
    full_name: str = Field(examples=["Иванова Анна Сергеевна"])
    roles: list[RoleGrantOut]
    login: str | None = Field(description="Null until the person activates a code")
    blocked: bool
    activate_time: dt.datetime | None
    last_sign_in_time: dt.datetime | None
    totp_enabled: bool

    @classmethod
    def from_proto(cls, person: auth_pb2.Person) -> PersonOut:
        return cls(
            id=person.id,
            school_id=person.school_id or None,
            last_name=person.last_name,
            first_name=person.first_name,
            middle_name=person.middle_name,
            full_name=full_name(person.last_name, person.first_name, person.middle_name),
            roles=grants_from_proto(person.roles),
            login=person.login or None,
            blocked=person.blocked,
            activate_time=time_from_proto(person.activate_time),
            last_sign_in_time=time_from_proto(person.last_sign_in_time),
            totp_enabled=person.totp_enabled,
        )


class PeoplePage(BaseModel):
    people: list[PersonOut]
    next_page_token: str | None = Field(description="Pass it as `page_token` for the next page; null on the last")


class PageQuery(RequestModel):
    page_size: int = Field(default=50, ge=1, le=500)
    page_token: str = Field(default="", max_length=PAGE_TOKEN_MAX_LENGTH)


class PersonPath(RequestModel):
    person_id: uuid.UUID


# ----------------------------------------------------------------- schools

class SchoolOut(BaseModel):
    id: str
    name: str = Field(examples=["МБОУ «Средняя общеобразовательная школа № 1»"])
    short_name: str = Field(examples=["СОШ № 1"])
    create_time: dt.datetime | None
    code_lifetime_days: int = Field(description="How long an activation code is valid")
    staff_totp_required: bool = Field(description="Staff must sign in with a second factor")

    @classmethod
    def from_proto(cls, school: auth_pb2.School) -> SchoolOut:
        return cls(
            id=school.id, name=school.name, short_name=school.short_name,
            create_time=time_from_proto(school.create_time),
            code_lifetime_days=school.code_lifetime_days, staff_totp_required=school.staff_totp_required,
        )


# ------------------------------------------------------------------ tokens

class TokensOut(BaseModel):
    """A successful sign-in.

    With `"cookie": true` the tokens are set as HttpOnly cookies and left
    out of the body (page scripts never see them); `csrf_token` is then the
    value to repeat in `X-CSRF-Token`.
    """

    access_token: str | None = Field(default=None, description="Send as `Authorization: Bearer <access_token>`")
    refresh_token: str | None = Field(default=None, description="Exchange at /api/v1/auth/refresh")
    expires_in: int = Field(description="Seconds the access token is valid", examples=[900])
    token_type: str = Field(default="Bearer", examples=["Bearer"])
    csrf_token: str | None = Field(default=None, description="Cookie sign-in only")


class ActivatedOut(BaseModel):
    """An activated account: signed in as by login, unless the school first
    requires a second factor (`totp_enrollment_required`: enroll at
    /api/v1/auth/totp with the new login and password, then sign in)."""

    access_token: str | None = None
    refresh_token: str | None = None
    expires_in: int | None = None
    token_type: str | None = None
    csrf_token: str | None = None
    totp_enrollment_required: bool | None = None


class TotpEnrollmentOut(BaseModel):
    secret: str = Field(description="The secret to type into an authenticator app")
    provisioning_uri: str = Field(description="otpauth:// URI, to show as a QR code")
