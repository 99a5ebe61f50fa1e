"""School and class events and announcements (C3, 3.6).

Administration posts for the whole school, a class teacher for their class;
parents and students see the school's and their own class's, and answer
(RSVP) where the event asks for it.
"""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from ezh.notify.v1 import notify_pb2
from flask_openapi3 import APIBlueprint, Tag
from google.protobuf.timestamp_pb2 import Timestamp
from pydantic import AwareDatetime, BaseModel, Field, WithJsonSchema

from gateway.access import allow
from gateway.auth_models import REQUEST_ID_MAX_LENGTH, RequestModel, time_from_proto
from gateway.notify import SCHOOL_ROLES, PageQuery, call_notify
from gateway.openapi import problem_response
from services.common.roles import Role

school_events = APIBlueprint(
    "school_events", __name__,
    abp_tags=[Tag(name="events", description="School and class events and announcements")],
)


class NewEventIn(RequestModel):
    title: str = Field(min_length=1, max_length=200, examples=["Родительское собрание"])
    description: str = Field(default="", max_length=5000)
    class_id: uuid.UUID | None = Field(default=None, description="The class; none for the whole school")
    # ISO 8601 with an offset is never longer than 40 characters; the schema says so.
    start_time: Annotated[AwareDatetime, WithJsonSchema(
        {"type": "string", "format": "date-time", "maxLength": 40})] | None = Field(
        default=None, description="When; none for an announcement")
    place: str = Field(default="", max_length=200, examples=["Кабинет 101"])
    audience: Literal["all", "parents", "students"] = "all"
    rsvp_enabled: bool = False
    request_id: str = Field(default="", max_length=REQUEST_ID_MAX_LENGTH)


class EventOut(BaseModel):
    id: str
    class_id: str | None
    title: str
    description: str
    start_time: dt.datetime | None
    place: str
    audience: str
    rsvp_enabled: bool
    author_id: str
    my_response: str | None
    yes_count: int
    no_count: int
    create_time: dt.datetime | None

    @classmethod
    def from_proto(cls, item) -> EventOut:
        return cls(id=item.id, class_id=item.class_id or None, title=item.title, description=item.description,
                   start_time=time_from_proto(item.start_time) if item.HasField("start_time") else None,
                   place=item.place, audience=item.audience, rsvp_enabled=item.rsvp_enabled,
                   author_id=item.author_id, my_response=item.my_response or None, yes_count=item.yes_count,
                   no_count=item.no_count, create_time=time_from_proto(item.create_time))


class EventsOut(BaseModel):
    events: list[EventOut]
    next_page_token: str


class EventPath(RequestModel):
    event_id: uuid.UUID


class ResponseIn(RequestModel):
    response: Literal["yes", "no", "maybe"]


@school_events.post("/events", responses={
    201: EventOut, 403: problem_response("Not administration, or not the class teacher of the class"),
    404: problem_response("No such class in the caller's school")})
@allow(Role.ADMINISTRATOR, Role.DIRECTOR, Role.DEPUTY_DIRECTOR, Role.CLASS_TEACHER)
def create_event(body: NewEventIn):
    """Post a school-wide event (administration) or a class event (its class teacher)."""
    start = None
    if body.start_time is not None:
        start = Timestamp()
        start.FromDatetime(body.start_time.astimezone(dt.UTC))
    reply = call_notify("CreateSchoolEvent", notify_pb2.CreateSchoolEventRequest(
        event=notify_pb2.SchoolEvent(
            title=body.title, description=body.description, class_id=str(body.class_id) if body.class_id else "",
            start_time=start, place=body.place, audience=body.audience, rsvp_enabled=body.rsvp_enabled),
        request_id=body.request_id))
    return EventOut.from_proto(reply.event).model_dump(mode="json"), 201


@school_events.get("/events", responses={200: EventsOut})
@allow(*SCHOOL_ROLES)
def list_events(query: PageQuery):
    """The events the caller may see: the school's and their own class's, newest first."""
    reply = call_notify("ListSchoolEvents", notify_pb2.ListSchoolEventsRequest(
        page_size=query.page_size, page_token=query.page_token))
    return EventsOut(events=[EventOut.from_proto(item) for item in reply.events],
                     next_page_token=reply.next_page_token).model_dump(mode="json")


@school_events.put("/events/<event_id>/response", responses={
    200: EventOut, 404: problem_response("No such event among those the caller sees"),
    422: problem_response("The event asks for no answers")})
@allow(*SCHOOL_ROLES)
def respond_to_event(path: EventPath, body: ResponseIn):
    """Answer an event that asks for it (will come / will not / maybe)."""
    reply = call_notify("RespondToSchoolEvent", notify_pb2.RespondToSchoolEventRequest(
        event_id=str(path.event_id), response=body.response))
    return EventOut.from_proto(reply.event).model_dump(mode="json")
