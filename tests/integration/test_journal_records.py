"""The records around the lessons: homework with attachments, КТП (J3), personal data with arrivals and
departures (J1), subgroups (J4), the class teacher's week and overview (J5, J6), also from the attacker's side.

The demo district is seeded as of Thursday 26 November 2026 (2nd quarter); the journal's clock stands at
Friday 27 November 2026, 13:00 in Moscow. Each test runs on PostgreSQL + RabbitMQ and on SQLite + the
embedded bus.
"""
from __future__ import annotations

import datetime as dt
import io
import json

import grpc
import pytest
from ezh.journal.v1 import journal_pb2, journal_pb2_grpc, records_pb2, records_pb2_grpc
from sqlalchemy import func, select

from gateway.app import create_app
from services.auth.seed import seed_demo as seed_auth
from services.common.database import Database
from services.common.demo import build_district, demo_id
from services.common.errors import read_rpc_error
from services.common.identity import bearer_metadata
from services.journal import store
from services.journal.definition import journal_definition
from services.journal.entries import SCHOOL_TIMEZONE
from services.journal.seed import seed_demo as seed_journal

pytestmark = pytest.mark.integration

PASSWORD = "some-password-123"
SEEDED_ON = dt.date(2026, 11, 26)
DISTRICT = build_district()
SCHOOL = DISTRICT.schools[0]
CLASS_5A, CLASS_9B = SCHOOL.classes
CLASS_7V = DISTRICT.schools[1].classes[0]
MATH = demo_id("subject", SCHOOL.id, "Математика")
ENGLISH = demo_id("subject", SCHOOL.id, "Английский язык")
QUARTER_2 = demo_id("period", SCHOOL.id, 2026, "quarter", 2)
MATH_TODAY = demo_id("lesson", CLASS_5A.id, dt.date(2026, 11, 27), 1)
MATH_WEDNESDAY = demo_id("lesson", CLASS_5A.id, dt.date(2026, 11, 25), 2)
MATH_9B_TODAY = demo_id("lesson", CLASS_9B.id, dt.date(2026, 11, 27), 1)
MATH_7V_TODAY = demo_id("lesson", CLASS_7V.id, dt.date(2026, 11, 27), 1)
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


class Clock:
    def __init__(self, moment: dt.datetime) -> None:
        self.now = moment

    def __call__(self) -> dt.datetime:
        return self.now

    def set(self, day: dt.date, hour: int = 13) -> None:
        self.now = dt.datetime.combine(day, dt.time(hour), SCHOOL_TIMEZONE).astimezone(dt.UTC)


class Records:
    def __init__(self, client, runtime, token, database, clock) -> None:
        self.client, self.runtime, self.token, self.database, self.clock = client, runtime, token, database, clock

    def headers(self, login: str) -> dict:
        return {"Authorization": f"Bearer {self.token(login)}"}

    def rpc(self, login: str, method: str, request, stub=records_pb2_grpc.JournalRecordsServiceStub):
        with grpc.insecure_channel(f"127.0.0.1:{self.runtime.port}") as channel:
            return getattr(stub(channel), method)(request, timeout=10, metadata=bearer_metadata(self.token(login)))

    def error(self, login: str, method: str, request):
        with pytest.raises(grpc.RpcError) as raised:
            self.rpc(login, method, request)
        return read_rpc_error(raised.value)

    def count(self, table, *where) -> int:
        with self.database.session() as session:
            return session.scalar(select(func.count()).select_from(table).where(*where))

    def events(self, event_type: str) -> list[dict]:
        with self.database.session() as session:
            rows = session.scalars(select(store.outbox.c.payload).where(store.outbox.c.event_type == event_type)
                                   .order_by(store.outbox.c.seq))
            return [json.loads(row)["data"] if isinstance(row, str) else row["data"] for row in rows]


@pytest.fixture
def records(stack):
    stack.migrate("auth", "journal")
    for service, seed in (("auth", lambda db: seed_auth(db, DISTRICT, PASSWORD)),
                          ("journal", lambda db: seed_journal(db, DISTRICT, today=SEEDED_ON))):
        database = Database(stack.settings.database_url(service))
        try:
            seed(database)
        finally:
            database.dispose()
    auth = stack.start("auth")
    stack.with_settings(auth_grpc_address=f"127.0.0.1:{auth.port}")
    clock = Clock(dt.datetime(2026, 11, 27, 13, 0, tzinfo=SCHOOL_TIMEZONE).astimezone(dt.UTC))
    journal = stack.start("journal", journal_definition(clock))
    app = create_app(stack.settings.model_copy(update={"journal_grpc_address": f"127.0.0.1:{journal.port}"}))
    app.testing = True
    client = app.test_client()
    tokens: dict[str, str] = {}

    def token(login: str) -> str:
        if login not in tokens:
            response = client.post("/api/v1/auth/login", json={"login": login, "password": PASSWORD})
            assert response.status_code == 200, response.get_data(as_text=True)
            tokens[login] = response.get_json()["access_token"]
        return tokens[login]

    database = Database(stack.settings.database_url("journal"))
    yield Records(client, journal, token, database, clock)
    database.dispose()
    app.extensions["ezh"].clients.close()


# ------------------------------------------------------------------ J2 homework, J3 КТП

def test_j2_homework_with_attachments_and_j3_lesson_plan(records):
    r = records
    history = store.change_log.c
    lesson_events = len(r.events("ezh.journal.lesson.changed.v1"))

    homework = r.rpc("teacher", "SetHomework", records_pb2.SetHomeworkRequest(
        lesson_id=MATH_TODAY, text="№ 512, 515", due_date="2026-12-01")).homework
    assert (homework.text, homework.due_date) == ("№ 512, 515", "2026-12-01")
    assert r.count(store.change_log, history.entity == "homework", history.entity_id == MATH_TODAY) == 1
    changed = r.events("ezh.journal.lesson.changed.v1")
    assert len(changed) == lesson_events + 1
    assert (changed[-1]["homework"], changed[-1]["homework_due_date"]) == ("№ 512, 515", "2026-12-01")

    before = r.count(store.change_log)
    early = r.error("teacher", "SetHomework", records_pb2.SetHomeworkRequest(
        lesson_id=MATH_TODAY, text="x", due_date="2026-11-27"))
    other_teacher = r.error("classteacher", "SetHomework", records_pb2.SetHomeworkRequest(
        lesson_id=MATH_TODAY, text="x"))
    other_school = r.error("teacher7", "SetHomework", records_pb2.SetHomeworkRequest(lesson_id=MATH_TODAY, text="x"))
    assert (early.code, early.metadata["field"]) == (grpc.StatusCode.INVALID_ARGUMENT, "due_date")
    assert "позже дня урока" in early.message
    assert other_teacher.code == grpc.StatusCode.PERMISSION_DENIED
    assert other_school.code == grpc.StatusCode.NOT_FOUND
    assert r.count(store.change_log) == before

    # Attachments: uploaded through the gateway as multipart, checked by type and content.
    uploaded = r.client.post(f"/api/v1/journal/lessons/{MATH_TODAY}/homework/attachments",
                             data={"file": (io.BytesIO(PDF), "задание.pdf")},
                             headers=r.headers("teacher"), content_type="multipart/form-data")
    assert uploaded.status_code == 201, uploaded.get_data(as_text=True)
    attachment = uploaded.get_json()
    assert (attachment["file_name"], attachment["content_type"], attachment["size"]) == (
        "задание.pdf", "application/pdf", len(PDF))
    disguised = r.client.post(f"/api/v1/journal/lessons/{MATH_TODAY}/homework/attachments",
                              data={"file": (io.BytesIO(b"MZ\x90\x00program"), "homework.pdf")},
                              headers=r.headers("teacher"), content_type="multipart/form-data")
    assert disguised.status_code == 400 and disguised.get_json()["field"] == "file"
    assert "не похоже" in disguised.get_json()["detail"]
    program = r.error("teacher", "AddHomeworkAttachment", records_pb2.AddHomeworkAttachmentRequest(
        lesson_id=MATH_TODAY, file_name="run.exe", content=b"MZ"))
    assert (program.code, program.metadata["field"]) == (grpc.StatusCode.INVALID_ARGUMENT, "file")

    url = f"/api/v1/journal/homework/attachments/{attachment['id']}"
    for login in ("parent", "student", "classteacher", "deputy", "teacher"):
        got = r.client.get(url, headers=r.headers(login))
        assert got.status_code == 200, (login, got.get_data(as_text=True))
        assert got.data == PDF and got.mimetype == "application/pdf"
    assert "attachment" in got.headers["Content-Disposition"]
    foreign = r.rpc("teacher7", "AddHomeworkAttachment", records_pb2.AddHomeworkAttachmentRequest(
        lesson_id=MATH_7V_TODAY, file_name="task.pdf", content=PDF)).attachment
    ninth = r.rpc("teacher", "AddHomeworkAttachment", records_pb2.AddHomeworkAttachmentRequest(
        lesson_id=MATH_9B_TODAY, file_name="task.txt", content="Задачи 1–5".encode())).attachment
    # A parent of other classes' children and a student of another class cannot download.
    assert r.client.get(f"/api/v1/journal/homework/attachments/{foreign.id}",
                        headers=r.headers("parent")).status_code == 404
    assert r.client.get(f"/api/v1/journal/homework/attachments/{ninth.id}",
                        headers=r.headers("student")).status_code == 404
    assert r.client.get(f"/api/v1/journal/homework/attachments/{ninth.id}",
                        headers=r.headers("parent")).status_code == 200  # the demo parent's other child is in 9Б
    assert r.client.get(f"/api/v1/journal/homework/attachments/{foreign.id}",
                        headers=r.headers("teacher")).status_code == 404
    listed = r.client.get(f"/api/v1/journal/lessons/{MATH_TODAY}/homework", headers=r.headers("parent"))
    assert [item["id"] for item in listed.get_json()["attachments"]] == [attachment["id"]]

    # КТП: a CSV file for 5А mathematics; the curriculum is 34 weeks × 5 lessons.
    csv_text = "Тема;Часы;Вид работы\nНатуральные числа;3;\nДроби;4;практическая\nКонтрольная работа;1;контрольная\n"
    imported = r.rpc("teacher", "ImportLessonPlan", records_pb2.ImportLessonPlanRequest(
        class_id=CLASS_5A.id, subject_id=MATH, file_name="ktp.csv", file_content=csv_text.encode("cp1251")))
    plan = imported.plan
    assert [(item.topic, item.hours, item.work_type) for item in plan.items] == [
        ("Натуральные числа", 3, ""), ("Дроби", 4, "practical"), ("Контрольная работа", 1, "test")]
    assert (plan.planned_hours, plan.curriculum_hours) == (8, 170)
    assert plan.lessons_scheduled > plan.lessons_held > 0
    assert {reason.code for reason in plan.reasons} == {"PLAN_HOURS_DIFFER_FROM_CURRICULUM", "LESSONS_DIFFER_FROM_PLAN"}
    placed = [lesson for lesson in plan.lessons if lesson.item_index >= 0]
    assert len(placed) == 8 and placed[-1].planned_topic == "Контрольная работа"
    # Held lessons keep their topics; none of the first 8 Q2 lessons had an empty one, so nothing was filled.
    assert imported.topics_filled == sum(1 for lesson in placed if not lesson.held) == 0
    refused = r.error("teacher", "CompleteLessonPlan", records_pb2.CompleteLessonPlanRequest(
        class_id=CLASS_5A.id, subject_id=MATH))
    assert refused.code == grpc.StatusCode.FAILED_PRECONDITION
    assert "8 ч" in refused.message and "170 ч" in refused.message
    assert f"уроков по расписанию {plan.lessons_scheduled}" in refused.message
    bad_row = r.error("teacher", "ImportLessonPlan", records_pb2.ImportLessonPlanRequest(
        class_id=CLASS_5A.id, subject_id=MATH, file_name="ktp.csv", file_content="Дроби;много\n".encode()))
    assert (bad_row.metadata["field"], "строка 1" in bad_row.message) == ("file", True)
    assert r.error("classteacher", "ImportLessonPlan", records_pb2.ImportLessonPlanRequest(
        class_id=CLASS_5A.id, subject_id=MATH, items=[records_pb2.PlanItem(topic="x", hours=1)],
    )).code == grpc.StatusCode.PERMISSION_DENIED

    # With the curriculum matching the timetable, a plan of as many hours can be completed; empty topics fill.
    scheduled = plan.lessons_scheduled
    assert r.error("teacher", "SetCurriculumHours", records_pb2.SetCurriculumHoursRequest(
        class_id=CLASS_5A.id, subject_id=MATH, hours=scheduled)).code == grpc.StatusCode.PERMISSION_DENIED
    r.rpc("admin", "SetCurriculumHours", records_pb2.SetCurriculumHoursRequest(
        class_id=CLASS_5A.id, subject_id=MATH, hours=scheduled))
    full = r.rpc("teacher", "ImportLessonPlan", records_pb2.ImportLessonPlanRequest(
        class_id=CLASS_5A.id, subject_id=MATH, items=[
            records_pb2.PlanItem(topic="Повторение", hours=scheduled - 1),
            records_pb2.PlanItem(topic="Итоговая контрольная работа", hours=1, work_type="test")]))
    # Lessons from today on had no topic yet (the seed stopped on the 26th).
    assert full.topics_filled == sum(1 for lesson in full.plan.lessons if lesson.date >= "2026-11-27") > 0
    page = r.rpc("teacher", "GetJournalPage", journal_pb2.GetJournalPageRequest(
        class_id=CLASS_5A.id, subject_id=MATH, period_id=QUARTER_2), stub=journal_pb2_grpc.JournalServiceStub)
    assert next(lesson for lesson in page.lessons if lesson.id == MATH_TODAY).topic == "Повторение"
    assert r.count(store.change_log, history.entity == "lesson_topic") == full.topics_filled
    done = r.rpc("teacher", "CompleteLessonPlan", records_pb2.CompleteLessonPlanRequest(
        class_id=CLASS_5A.id, subject_id=MATH)).plan
    assert (done.status, list(done.reasons)) == ("complete", [])
    seen = r.rpc("classteacher", "GetLessonPlan", records_pb2.GetLessonPlanRequest(
        class_id=CLASS_5A.id, subject_id=MATH)).plan
    assert seen.status == "complete" and seen.planned_hours == seen.curriculum_hours == scheduled
