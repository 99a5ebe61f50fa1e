"""The district's schools: `/api/v1/schools...`.

The district operator registers schools and lists them; a school's journal
administrator sets its access policy (how long activation codes last,
whether staff must use a second factor).
"""
from __future__ import annotations

import uuid

from ezh.auth.v1 import auth_pb2
from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, Field

from gateway.access import allow
from gateway.auth_models import REQUEST_ID_MAX_LENGTH, PageQuery, RequestModel, SchoolOut, call_auth
from gateway.openapi import problem_response
from services.common.roles import Role

schools = APIBlueprint(
    "schools", __name__, url_prefix="/schools",
    abp_tags=[Tag(name="schools", description="The district's schools and their access policy")],
)


class NewSchool(RequestModel):
    name: str = Field(min_length=1, max_length=200, examples=["МБОУ «Средняя общеобразовательная школа № 2»"])
    short_name: str = Field(default="", max_length=60, description="Defaults to the name", examples=["СОШ № 2"])
    request_id: str = Field(
        default="", max_length=REQUEST_ID_MAX_LENGTH,
        description="Any unique string: a retried request with the same one returns the first answer",
    )


class SchoolsPage(BaseModel):
    schools: list[SchoolOut]
    next_page_token: str | None


class SchoolPath(RequestModel):
    school_id: uuid.UUID


class SchoolPolicy(RequestModel):
    code_lifetime_days: int = Field(ge=1, le=365, description="How many days an activation code is valid")
    staff_totp_required: bool = Field(description="Staff must sign in with a second factor")


@schools.get("", responses={200: SchoolsPage})
@allow(Role.DISTRICT_OPERATOR)
def list_schools(query: PageQuery):
    """The district's schools, by name."""
    reply = call_auth("ListSchools", auth_pb2.ListSchoolsRequest(page_size=query.page_size, page_token=query.page_token))
    page = SchoolsPage(
        schools=[SchoolOut.from_proto(school) for school in reply.schools],
        next_page_token=reply.next_page_token or None,
    )
    return page.model_dump(mode="json")


@schools.post("", responses={201: SchoolOut, 409: problem_response("A school of that name exists")})
@allow(Role.DISTRICT_OPERATOR)
def create_school(body: NewSchool):
    """Register a school in the district."""
    reply = call_auth("CreateSchool", auth_pb2.CreateSchoolRequest(
        request_id=body.request_id, name=body.name, short_name=body.short_name,
    ))
    return SchoolOut.from_proto(reply.school).model_dump(mode="json"), 201


@schools.put("/<school_id>/policy", responses={200: SchoolOut, 404: problem_response("No such school")})
@allow(Role.ADMINISTRATOR)
def update_school_policy(path: SchoolPath, body: SchoolPolicy):
    """Set the school's access policy (the administrator of that school)."""
    reply = call_auth("UpdateSchoolPolicy", auth_pb2.UpdateSchoolPolicyRequest(
        school_id=str(path.school_id), code_lifetime_days=body.code_lifetime_days,
        staff_totp_required=body.staff_totp_required,
    ))
    return SchoolOut.from_proto(reply.school).model_dump(mode="json")
