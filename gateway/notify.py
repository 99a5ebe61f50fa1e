"""Notifications (C1, G5), alerts (J6), school notification settings and weekly statements (J7).

The inbox and the preferences are always the caller's own; the notify
service decides by object which alerts, classes and students the caller may see.
"""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from ezh.notify.v1 import notify_pb2, notify_pb2_grpc
from flask import Response
from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, Field

from gateway.access import allow
from gateway.auth_models import PAGE_TOKEN_MAX_LENGTH, EmptyAllowed, RequestModel, time_from_proto
from gateway.openapi import Day, problem_response
from gateway.services import call
from services.common.roles import Role

notify = APIBlueprint(
    "notify", __name__,
    abp_tags=[Tag(name="notify", description="Notifications, preferences, alerts and weekly statements")],
)

SCHOOL_ROLES = (Role.ADMINISTRATOR, Role.DIRECTOR, Role.DEPUTY_DIRECTOR, Role.SUBJECT_TEACHER, Role.CLASS_TEACHER,
                Role.PARENT, Role.STUDENT)
ALERT_READERS = (Role.CLASS_TEACHER, Role.ADMINISTRATOR, Role.DIRECTOR, Role.DEPUTY_DIRECTOR)
STATEMENT_READERS = ALERT_READERS


def call_notify(method: str, message):
    return call("notify", notify_pb2_grpc.NotifyServiceStub, method, message)


# ----------------------------------------------------------------- shapes

class PageQuery(RequestModel):
    page_size: int = Field(default=0, ge=0, le=500)
    page_token: str = Field(default="", max_length=PAGE_TOKEN_MAX_LENGTH)


class InboxQuery(PageQuery):
    unread_only: bool = False


class NotificationOut(BaseModel):
    id: str
    kind: str = Field(examples=["mark"])
    title: str
    body: str
    link: str = Field(description="A path of the web client", examples=["/students/…/marks"])
    student_id: str | None
    create_time: dt.datetime | None
    read_time: dt.datetime | None

    @classmethod
    def from_proto(cls, item) -> NotificationOut:
        return cls(id=item.id, kind=item.kind, title=item.title, body=item.body, link=item.link,
                   student_id=item.student_id or None, create_time=time_from_proto(item.create_time),
                   read_time=time_from_proto(item.read_time) if item.HasField("read_time") else None)


class InboxOut(BaseModel):
    notifications: list[NotificationOut]
    next_page_token: str
    unread_count: int


class MarkReadIn(EmptyAllowed):
    notification_ids: list[uuid.UUID] = Field(default_factory=list, max_length=500)
    all: bool = False


class MarkReadOut(BaseModel):
    marked_count: int
    unread_count: int


class PreferenceIn(RequestModel):
    kind: Literal["mark", "absence", "homework", "final_mark", "schedule", "alert", "message", "school_event",
                  "statement"]
    channel: Literal["in_app", "email"]
    mode: Literal["immediate", "digest", "off"]


class PreferencesIn(RequestModel):
    preferences: list[PreferenceIn] = Field(default_factory=list, max_length=40)
    quiet_start: str = Field(default="", max_length=5, description="ЧЧ:ММ school time", examples=["22:00"])
    quiet_end: str = Field(default="", max_length=5, examples=["07:00"])
    clear_quiet_hours: bool = False


class PreferencesOut(BaseModel):
    preferences: list[dict]
    quiet_start: str
    quiet_end: str
    email: str

    @classmethod
    def from_proto(cls, reply) -> PreferencesOut:
        return cls(preferences=[{"kind": item.kind, "channel": item.channel, "mode": item.mode}
                                for item in reply.preferences],
                   quiet_start=reply.quiet_start, quiet_end=reply.quiet_end, email=reply.email)


class AlertsQuery(PageQuery):
    class_id: uuid.UUID | None = None
    open_only: bool = False


class AlertOut(BaseModel):
    id: str
    class_id: str
    student_id: str
    student_name: str
    kind: str = Field(examples=["unexcused_absences"])
    subject_name: str
    details: str
    create_time: dt.datetime | None
    action: str = Field(description="What the class teacher did; empty until recorded")
    action_time: dt.datetime | None

    @classmethod
    def from_proto(cls, item) -> AlertOut:
        return cls(id=item.id, class_id=item.class_id, student_id=item.student_id, student_name=item.student_name,
                   kind=item.kind, subject_name=item.subject_name, details=item.details,
                   create_time=time_from_proto(item.create_time), action=item.action,
                   action_time=time_from_proto(item.action_time) if item.HasField("action_time") else None)


class AlertsOut(BaseModel):
    alerts: list[AlertOut]
    next_page_token: str


class AlertPath(RequestModel):
    alert_id: uuid.UUID


class AlertActionIn(RequestModel):
    action: str = Field(min_length=1, max_length=2000, examples=["Беседа с родителями 02.12"])


class SchoolSettingsIn(RequestModel):
    unexcused_absence_threshold: int = Field(ge=1, le=50, examples=[3])
    parents_may_message_parents: bool = False
    students_may_message_anyone: bool = False


class SchoolSettingsOut(SchoolSettingsIn):
    pass


class ClassPath(RequestModel):
    class_id: uuid.UUID


class OfflineStudentOut(BaseModel):
    student_id: str
    student_name: str
    guardian_names: list[str]


class OfflineStudentsOut(BaseModel):
    students: list[OfflineStudentOut]


class StudentPath(RequestModel):
    student_id: uuid.UUID


class WeekQuery(RequestModel):
    week_start: Day | None = Field(default=None, description="Any day of the week; this week when left out")


def _settings(reply) -> dict:
    return SchoolSettingsOut(unexcused_absence_threshold=reply.unexcused_absence_threshold,
                             parents_may_message_parents=reply.parents_may_message_parents,
                             students_may_message_anyone=reply.students_may_message_anyone).model_dump()


# ----------------------------------------------------------------- routes

@notify.get("/notifications", responses={200: InboxOut})
@allow(*SCHOOL_ROLES)
def list_notifications(query: InboxQuery):
    """The caller's inbox, newest first, with the unread count."""
    reply = call_notify("ListNotifications", notify_pb2.ListNotificationsRequest(
        page_size=query.page_size, page_token=query.page_token, unread_only=query.unread_only))
    return InboxOut(notifications=[NotificationOut.from_proto(item) for item in reply.notifications],
                    next_page_token=reply.next_page_token, unread_count=reply.unread_count).model_dump(mode="json")


@notify.post("/notifications/read", responses={200: MarkReadOut,
                                               404: problem_response("A notification is not the caller's")})
@allow(*SCHOOL_ROLES)
def mark_notifications_read(body: MarkReadIn):
    """Mark the given notifications (or all) read."""
    reply = call_notify("MarkNotificationsRead", notify_pb2.MarkNotificationsReadRequest(
        notification_ids=[str(value) for value in body.notification_ids], all=body.all))
    return MarkReadOut(marked_count=reply.marked_count, unread_count=reply.unread_count).model_dump()


@notify.get("/notifications/preferences", responses={200: PreferencesOut})
@allow(*SCHOOL_ROLES)
def get_preferences():
    """How each kind of notification reaches the caller, and their quiet hours."""
    return PreferencesOut.from_proto(call_notify("GetPreferences", notify_pb2.GetPreferencesRequest())).model_dump()


@notify.put("/notifications/preferences", responses={200: PreferencesOut})
@allow(*SCHOOL_ROLES)
def update_preferences(body: PreferencesIn):
    """Change the listed choices (the rest stay) and the quiet hours."""
    reply = call_notify("UpdatePreferences", notify_pb2.UpdatePreferencesRequest(
        preferences=[notify_pb2.Preference(kind=item.kind, channel=item.channel, mode=item.mode)
                     for item in body.preferences],
        quiet_start=body.quiet_start, quiet_end=body.quiet_end, clear_quiet_hours=body.clear_quiet_hours))
    return PreferencesOut.from_proto(reply.preferences).model_dump()


@notify.get("/alerts", responses={200: AlertsOut, 404: problem_response("Not a class the caller leads")})
@allow(*ALERT_READERS)
def list_alerts(query: AlertsQuery):
    """J6 alerts of the classes the caller leads (administration: of the school)."""
    reply = call_notify("ListAlerts", notify_pb2.ListAlertsRequest(
        class_id=str(query.class_id) if query.class_id else "", page_size=query.page_size,
        page_token=query.page_token, open_only=query.open_only))
    return AlertsOut(alerts=[AlertOut.from_proto(item) for item in reply.alerts],
                     next_page_token=reply.next_page_token).model_dump(mode="json")


@notify.put("/alerts/<alert_id>/action", responses={200: AlertOut, 404: problem_response("No such alert")})
@allow(Role.CLASS_TEACHER)
def record_alert_action(path: AlertPath, body: AlertActionIn):
    """Record what the class teacher did about an alert."""
    reply = call_notify("RecordAlertAction", notify_pb2.RecordAlertActionRequest(
        alert_id=str(path.alert_id), action=body.action))
    return AlertOut.from_proto(reply.alert).model_dump(mode="json")


@notify.get("/notify/settings", responses={200: SchoolSettingsOut})
@allow(Role.ADMINISTRATOR, Role.DIRECTOR, Role.DEPUTY_DIRECTOR, Role.CLASS_TEACHER)
def get_school_settings():
    """The school's alert threshold and messaging permissions."""
    return _settings(call_notify("GetSchoolSettings", notify_pb2.GetSchoolSettingsRequest()).settings)


@notify.put("/notify/settings", responses={200: SchoolSettingsOut})
@allow(Role.ADMINISTRATOR, Role.DIRECTOR)
def update_school_settings(body: SchoolSettingsIn):
    """Set the school's alert threshold and messaging permissions."""
    reply = call_notify("UpdateSchoolSettings", notify_pb2.UpdateSchoolSettingsRequest(
        settings=notify_pb2.SchoolSettings(**body.model_dump())))
    return _settings(reply.settings)


@notify.get("/classes/<class_id>/offline-students",
            responses={200: OfflineStudentsOut, 404: problem_response("No such class in the caller's school")})
@allow(*STATEMENT_READERS)
def list_offline_students(path: ClassPath):
    """J7: the class's students whose parents are informed on paper."""
    reply = call_notify("ListOfflineStudents", notify_pb2.ListOfflineStudentsRequest(class_id=str(path.class_id)))
    return OfflineStudentsOut(students=[
        OfflineStudentOut(student_id=item.student_id, student_name=item.student_name,
                          guardian_names=list(item.guardian_names)) for item in reply.students
    ]).model_dump()


@notify.get("/students/<student_id>/weekly-statement",
            responses={200: {"description": "The statement as PDF", "content": {"application/pdf": {}}},
                       404: problem_response("No such student of a class the caller leads")})
@allow(*STATEMENT_READERS)
def get_weekly_statement(path: StudentPath, query: WeekQuery):
    """J7: a student's printable weekly statement (PDF)."""
    reply = call_notify("GetWeeklyStatement", notify_pb2.GetWeeklyStatementRequest(
        student_id=str(path.student_id), week_start=query.week_start.isoformat() if query.week_start else ""))
    return Response(reply.pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{reply.file_name}"'})
