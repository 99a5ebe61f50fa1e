"""The schedule through the gateway (S1, S2, 3.6): roles per route from the attacker's side,
bad input named before any call, the service's conflicts as 422 in Russian, the anonymous
ICS feed with its headers.

A stand-in ScheduleService (a real in-process gRPC server) answers behind the gateway and
records what it was asked and with which token.
"""
from __future__ import annotations

import uuid
from concurrent import futures

import grpc
import pytest
from ezh.schedule.v1 import schedule_pb2, schedule_pb2_grpc
from gateway_fakes import SCHOOL_ID, assert_problem, bearer, local_verifier, mint
from grpc_status import rpc_status

from services.common.errors import FailedPrecondition, NotFound, to_rpc_status
from services.common.roles import Role
from services.common.tokens import RoleGrant, issue_access_token

TIMETABLE = str(uuid.uuid5(uuid.NAMESPACE_URL, "ezh-test:TIMETABLE"))
LESSON = str(uuid.uuid5(uuid.NAMESPACE_URL, "ezh-test:LESSON"))
ENTRY = dict(class_id=str(uuid.uuid4()), subject_id=str(uuid.uuid4()), teacher_id=str(uuid.uuid4()),
             room_id=str(uuid.uuid4()), weekday=1, slot=1)
ICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//ezh//RU\r\nEND:VCALENDAR\r\n"


def _abort(context, error) -> None:
    context.abort_with_status(rpc_status.to_status(to_rpc_status(error, "schedule")))


class FakeSchedule(schedule_pb2_grpc.ScheduleServiceServicer):
    def __init__(self) -> None:
        self.calls: list[tuple[str, object, dict]] = []

    def _record(self, name, request, context) -> None:
        self.calls.append((name, request, dict(context.invocation_metadata())))

    def AddTimetableEntries(self, request, context):
        self._record("AddTimetableEntries", request, context)
        _abort(context, FailedPrecondition(
            "Расписание не сохранено, конфликты: Учитель Иванова в одно время ведёт два урока",
            reason="SCHEDULE_CONFLICT"))

    def ListAcademicYears(self, request, context):
        self._record("ListAcademicYears", request, context)
        return schedule_pb2.ListAcademicYearsResponse(academic_years=[schedule_pb2.AcademicYear(
            id=TIMETABLE, school_id=request.school_id, name="2026/2027", start_date="2026-09-01",
            end_date="2027-05-31", periods=[schedule_pb2.Period(kind="quarter", number=1)])])

    def GetMyWeek(self, request, context):
        self._record("GetMyWeek", request, context)
        if request.student_id:
            _abort(context, NotFound("Ученик не найден", reason="STUDENT_NOT_FOUND", field="student_id"))
        return schedule_pb2.GetMyWeekResponse(week_start="2026-11-23", lessons=[schedule_pb2.WeekLesson(
            lesson_id=LESSON, subject_name="Математика", date="2026-11-27", slot=1, start_time="08:30",
            end_time="09:15", status="substituted", substituted=True)])

    def GenerateTimetable(self, request, context):
        self._record("GenerateTimetable", request, context)
        self.time_remaining = context.time_remaining()
        return schedule_pb2.GenerateTimetableResponse(quality=schedule_pb2.TimetableQuality(solver_status="optimal"))

    def GetCalendarFeed(self, request, context):
        self._record("GetCalendarFeed", request, context)
        if request.token != "a-live-token-1234":
            _abort(context, NotFound("Ссылка на календарь недействительна", reason="FEED_NOT_FOUND"))
        return schedule_pb2.GetCalendarFeedResponse(ics=ICS)


@pytest.fixture
def schedule_api(app_for, fake_services, signing_key, revocations):
    fake = FakeSchedule()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    schedule_pb2_grpc.add_ScheduleServiceServicer_to_server(fake, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    app = app_for(fake_services.settings(schedule_grpc_address=f"127.0.0.1:{port}"),
                  verifier=local_verifier(signing_key, revocations))

    def auth(login: str) -> dict:
        if login == "deputy":
            token, _ = issue_access_token(signing_key, person_id=str(uuid.uuid4()), school_id=SCHOOL_ID,
                                          roles=(RoleGrant(Role.DEPUTY_DIRECTOR, SCHOOL_ID),), session_id="s-dep")
            return bearer(token)
        return bearer(mint(signing_key, login))

    yield app.test_client(), fake, auth
    server.stop(None)


def test_s1_only_the_deputy_or_director_edits_the_timetable(schedule_api):
    client, fake, auth = schedule_api
    url = f"/api/v1/schedule/timetables/{TIMETABLE}/entries"
    for login in ("teacher", "classteacher", "admin", "parent", "student"):
        assert_problem(client.post(url, headers=auth(login), json={"entries": [ENTRY]}), 403, "ROLE_REQUIRED")
    assert client.post(url, json={"entries": [ENTRY]}).status_code == 401
    assert fake.calls == []  # refused before any call
    deputy = auth("deputy")
    problem = assert_problem(client.post(url, headers=deputy, json={"entries": [ENTRY]}), 422, "SCHEDULE_CONFLICT")
    assert "Учитель Иванова в одно время ведёт два урока" in problem["detail"]
    name, request, metadata = fake.calls[-1]
    assert name == "AddTimetableEntries" and request.entries[0].weeks == "every"
    assert metadata["authorization"] == deputy["Authorization"]


def test_s2_staff_list_the_academic_years_others_may_not(schedule_api):
    client, fake, auth = schedule_api
    url = f"/api/v1/schedule/schools/{SCHOOL_ID}/years"
    for login in ("parent", "student"):
        assert_problem(client.get(url, headers=auth(login)), 403, "ROLE_REQUIRED")
    assert client.get(url).status_code == 401
    assert fake.calls == []
    reply = client.get(url, headers=auth("deputy"))
    assert reply.status_code == 200
    assert reply.get_json() == {"academic_years": [
        {"id": TIMETABLE, "name": "2026/2027", "start_date": "2026-09-01", "end_date": "2027-05-31"}]}
    assert fake.calls[-1][0] == "ListAcademicYears" and fake.calls[-1][1].school_id == SCHOOL_ID


def test_s1_bad_entries_are_named_before_any_call(schedule_api):
    client, fake, auth = schedule_api
    url = f"/api/v1/schedule/timetables/{TIMETABLE}/entries"
    bad = client.post(url, headers=auth("deputy"), json={"entries": [{**ENTRY, "weekday": 7}]})
    assert bad.status_code == 400 and bad.get_json()["field"] == "entries[0].weekday"
    assert "не больше 6" in bad.get_json()["detail"]
    bad = client.post(url, headers=auth("deputy"), json={"entries": [{**ENTRY, "weeks": "weekly"}]})
    assert bad.status_code == 400 and bad.get_json()["field"] == "entries[0].weeks"
    bad = client.post(f"/api/v1/schedule/lessons/{LESSON}/cancellation", headers=auth("deputy"), json={})
    assert bad.status_code == 400 and bad.get_json()["field"] == "reason"
    assert fake.calls == []


def test_s1_own_week_for_people_not_for_other_children(schedule_api):
    client, fake, auth = schedule_api
    week = client.get("/api/v1/schedule/my-week?date=2026-11-27", headers=auth("student")).get_json()
    assert week["lessons"][0]["substituted"] is True and week["week_start"] == "2026-11-23"
    assert_problem(client.get(f"/api/v1/schedule/my-week?date=2026-11-27&student_id={uuid.uuid4()}",
                              headers=auth("parent")), 404, "STUDENT_NOT_FOUND")
    assert_problem(client.get("/api/v1/schedule/my-week?date=2026-11-27", headers=auth("district")), 403,
                   "ROLE_REQUIRED")


def test_s1_ics_feed_is_anonymous_and_private(schedule_api):
    client, fake, _ = schedule_api
    response = client.get("/api/v1/schedule/feeds/a-live-token-1234")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert response.get_data(as_text=True) == ICS
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "authorization" not in fake.calls[-1][2]
    assert_problem(client.get("/api/v1/schedule/feeds/a-revoked-token-12"), 404, "FEED_NOT_FOUND")
    assert client.get("/api/v1/schedule/feeds/short").status_code == 400


def test_s1_generation_gets_its_time_limit_and_more_not_the_default_deadline(schedule_api):
    client, fake, auth = schedule_api
    url = f"/api/v1/schedule/schools/{SCHOOL_ID}/years/{TIMETABLE}/generate"
    reply = client.post(url, headers=auth("deputy"), json={"time_limit_seconds": 60})
    assert reply.status_code == 200, reply.get_json()
    assert fake.calls[-1][0] == "GenerateTimetable" and fake.calls[-1][1].time_limit_seconds == 60
    assert fake.time_remaining > 60  # the solver's minute and the model around it, not the usual 5 s
