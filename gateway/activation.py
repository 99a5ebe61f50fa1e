"""Activation codes and who in a class has access (A1, 4.3.9, 4.3.12).

The journal administrator issues codes to staff (the district operator to
the administrators it names); a class teacher issues codes to the students
and parents of their own class and sees who of them has activated and last
signed in (the school's administration may see that list too). Issuing again replaces the person's unused code (a parent who
lost access). The code is shown once, on the slip; the auth service checks
that the class is the caller's.
"""
from __future__ import annotations

import datetime as dt
import uuid

from ezh.auth.v1 import auth_pb2
from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, Field

from gateway.access import allow
from gateway.auth_models import PersonPath, RequestModel, call_auth, role_from_proto, role_to_proto, time_from_proto
from gateway.openapi import problem_response
from services.common.roles import ROLE_TITLES, Role

activation = APIBlueprint(
    "activation", __name__,
    abp_tags=[Tag(name="activation", description="Activation codes and the class's access list")],
)

CODE_ISSUERS = (Role.ADMINISTRATOR, Role.DISTRICT_OPERATOR, Role.CLASS_TEACHER)


class CodeRequest(RequestModel):
    role: Role = Field(description="The role the account will have: a staff role, `parent` or `student`")
    class_id: uuid.UUID | None = Field(default=None, description="The student's class (or the parent's child's)")


class SlipOut(BaseModel):
    """What is printed and handed over; the code is not shown again."""

    code: str = Field(examples=["K7QF-93XD-2MHP"])
    school_name: str
    person_name: str
    role: Role | None
    role_title: str | None = Field(examples=["Родитель"])
    class_name: str | None = Field(examples=["5А"])
    expire_time: dt.datetime | None
    activation_url: str | None


class ClassPath(RequestModel):
    class_id: uuid.UUID


class MemberAccess(BaseModel):
    person_id: str
    full_name: str
    role: Role | None
    role_title: str | None
    student_id: str | None = Field(description="For a parent: the child")
    code_issued: bool
    code_expire_time: dt.datetime | None
    activate_time: dt.datetime | None = Field(description="Null until the person activated their code")
    last_sign_in_time: dt.datetime | None


class ClassAccessOut(BaseModel):
    members: list[MemberAccess]


@activation.post(
    "/people/<person_id>/activation-codes",
    responses={201: SlipOut, 403: problem_response("Not your class, or a role you may not issue"),
               404: problem_response("No such person")},
)
@allow(*CODE_ISSUERS)
def issue_activation_code(path: PersonPath, body: CodeRequest):
    """Issue a single-use activation code and get its slip to print."""
    reply = call_auth("IssueActivationCode", auth_pb2.IssueActivationCodeRequest(
        person_id=str(path.person_id), role=role_to_proto(body.role),
        class_id=str(body.class_id) if body.class_id else "",
    ))
    slip = reply.slip
    role = role_from_proto(slip.role)
    out = SlipOut(
        code=slip.code, school_name=slip.school_name, person_name=slip.person_name, role=role,
        role_title=ROLE_TITLES[role] if role else None, class_name=slip.class_name or None,
        expire_time=time_from_proto(slip.expire_time), activation_url=slip.activation_url or None,
    )
    return out.model_dump(mode="json"), 201, {"Cache-Control": "no-store"}


@activation.get("/classes/<class_id>/access", responses={200: ClassAccessOut, 404: problem_response("No such class")})
@allow(Role.CLASS_TEACHER, Role.ADMINISTRATOR, Role.DIRECTOR, Role.DEPUTY_DIRECTOR)
def list_class_access(path: ClassPath):
    """The class's students and parents: who has a code, who activated, when each last signed in."""
    reply = call_auth("ListClassAccess", auth_pb2.ListClassAccessRequest(class_id=str(path.class_id)))
    members = []
    for member in reply.members:
        role = role_from_proto(member.role)
        members.append(MemberAccess(
            person_id=member.person_id, full_name=member.full_name, role=role,
            role_title=ROLE_TITLES[role] if role else None, student_id=member.student_id or None,
            code_issued=member.code_issued, code_expire_time=time_from_proto(member.code_expire_time),
            activate_time=time_from_proto(member.activate_time),
            last_sign_in_time=time_from_proto(member.last_sign_in_time),
        ))
    return ClassAccessOut(members=members).model_dump(mode="json")
