"""Accounts a school manages: staff, roles, blocking, sign-ins (A4, 4.1).

The journal administrator enters staff and gives and withdraws their roles,
blocks an account at once, and sees who signed in when; the director and
deputy director may see the staff list. The district operator names each
school's administrators, so it may use the account routes too; the auth
service decides which people and roles each may touch.
"""
from __future__ import annotations

import datetime as dt
import uuid

from ezh.auth.v1 import auth_pb2
from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, Field

from gateway.access import allow, caller
from gateway.auth_models import (
    NAME_MAX_LENGTH, PAGE_TOKEN_MAX_LENGTH, REQUEST_ID_MAX_LENGTH, PeoplePage, PersonOut, PersonPath,
    RequestModel, RoleGrantIn, call_auth, role_to_proto, time_from_proto,
)
from gateway.openapi import problem_response
from services.common.roles import Role

staff = APIBlueprint(
    "staff", __name__,
    abp_tags=[Tag(name="staff", description="Staff accounts, roles, blocking and the sign-in log")],
)

# The district operator manages the administrators it names (and nobody else of a school).
ACCOUNT_MANAGERS = (Role.ADMINISTRATOR, Role.DISTRICT_OPERATOR)
# The school's administration may see who is on staff; the district operator may not.
STAFF_READERS = (Role.ADMINISTRATOR, Role.DIRECTOR, Role.DEPUTY_DIRECTOR)


class NewStaffMember(RequestModel):
    school_id: uuid.UUID | None = Field(default=None, description="Defaults to the caller's school")
    last_name: str = Field(min_length=1, max_length=NAME_MAX_LENGTH, examples=["Петрова"])
    first_name: str = Field(min_length=1, max_length=NAME_MAX_LENGTH, examples=["Ольга"])
    middle_name: str = Field(default="", max_length=NAME_MAX_LENGTH, examples=["Ивановна"])
    roles: list[RoleGrantIn] = Field(min_length=1, max_length=10)
    request_id: str = Field(
        default="", max_length=REQUEST_ID_MAX_LENGTH,
        description="Any unique string: a retried request with the same one returns the first answer",
    )


class StaffQuery(RequestModel):
    school_id: uuid.UUID | None = Field(default=None, description="Defaults to the caller's school")
    page_size: int = Field(default=50, ge=1, le=500)
    page_token: str = Field(default="", max_length=PAGE_TOKEN_MAX_LENGTH)


class RolePath(RequestModel):
    person_id: uuid.UUID
    role: Role


class RoleQuery(RequestModel):
    class_id: uuid.UUID | None = Field(default=None, description="The class, for `class_teacher`")


class Blocking(RequestModel):
    reason: str = Field(default="", max_length=500, examples=["Уволен"])


class SignInOut(BaseModel):
    person_id: str | None
    login: str
    full_name: str
    succeeded: bool
    address: str
    user_agent: str
    time: dt.datetime | None


class SignInsPage(BaseModel):
    sign_ins: list[SignInOut]
    next_page_token: str | None


def _school_of_request(school_id: uuid.UUID | None) -> str:
    return str(school_id) if school_id else (caller().school_id or "")


@staff.post("/staff", responses={201: PersonOut, 403: problem_response("Not allowed for this school or role")})
@allow(*ACCOUNT_MANAGERS)
def create_staff_member(body: NewStaffMember):
    """Enter a staff member with their roles; then issue them an activation code."""
    school_id = _school_of_request(body.school_id)
    reply = call_auth("CreateStaffMember", auth_pb2.CreateStaffMemberRequest(
        request_id=body.request_id, school_id=school_id, last_name=body.last_name, first_name=body.first_name,
        middle_name=body.middle_name, roles=[grant.to_proto(school_id) for grant in body.roles],
    ))
    return PersonOut.from_proto(reply.person).model_dump(mode="json"), 201


@staff.get("/staff", responses={200: PeoplePage})
@allow(*STAFF_READERS)
def list_staff(query: StaffQuery):
    """A school's staff with their roles and account state."""
    reply = call_auth("ListStaff", auth_pb2.ListStaffRequest(
        school_id=_school_of_request(query.school_id), page_size=query.page_size, page_token=query.page_token,
    ))
    page = PeoplePage(people=[PersonOut.from_proto(person) for person in reply.people],
                      next_page_token=reply.next_page_token or None)
    return page.model_dump(mode="json")


@staff.post("/people/<person_id>/roles", responses={200: PersonOut, 404: problem_response("No such person")})
@allow(*ACCOUNT_MANAGERS)
def grant_role(path: PersonPath, body: RoleGrantIn):
    """Give a person one more role (in their school)."""
    reply = call_auth("GrantRole", auth_pb2.GrantRoleRequest(person_id=str(path.person_id), grant=body.to_proto()))
    return PersonOut.from_proto(reply.person).model_dump(mode="json")


@staff.delete("/people/<person_id>/roles/<role>", responses={200: PersonOut, 404: problem_response("No such person")})
@allow(*ACCOUNT_MANAGERS)
def withdraw_role(path: RolePath, query: RoleQuery):
    """Withdraw a role at once: tokens that carry it are refused from now on."""
    grant = auth_pb2.RoleGrant(role=role_to_proto(path.role), class_id=str(query.class_id) if query.class_id else "")
    reply = call_auth("WithdrawRole", auth_pb2.WithdrawRoleRequest(person_id=str(path.person_id), grant=grant))
    return PersonOut.from_proto(reply.person).model_dump(mode="json")


@staff.post("/people/<person_id>/block", responses={200: PersonOut, 404: problem_response("No such person")})
@allow(*ACCOUNT_MANAGERS)
def block_account(path: PersonPath, body: Blocking):
    """Block an account at once: its sessions end and its tokens are refused."""
    reply = call_auth("BlockAccount", auth_pb2.BlockAccountRequest(person_id=str(path.person_id), reason=body.reason))
    return PersonOut.from_proto(reply.person).model_dump(mode="json")


@staff.post("/people/<person_id>/unblock", responses={200: PersonOut, 404: problem_response("No such person")})
@allow(*ACCOUNT_MANAGERS)
def unblock_account(path: PersonPath):
    """Let a blocked account sign in again."""
    reply = call_auth("UnblockAccount", auth_pb2.UnblockAccountRequest(person_id=str(path.person_id)))
    return PersonOut.from_proto(reply.person).model_dump(mode="json")


@staff.get("/sign-ins", responses={200: SignInsPage})
@allow(Role.ADMINISTRATOR)
def list_sign_ins(query: StaffQuery):
    """Who signed in (or failed to) when and from where, in the school; newest first."""
    reply = call_auth("ListSignIns", auth_pb2.ListSignInsRequest(
        school_id=_school_of_request(query.school_id), page_size=query.page_size, page_token=query.page_token,
    ))
    page = SignInsPage(
        sign_ins=[
            SignInOut(
                person_id=item.person_id or None, login=item.login, full_name=item.full_name,
                succeeded=item.succeeded, address=item.address, user_agent=item.user_agent,
                time=time_from_proto(item.time),
            )
            for item in reply.sign_ins
        ],
        next_page_token=reply.next_page_token or None,
    )
    return page.model_dump(mode="json")
