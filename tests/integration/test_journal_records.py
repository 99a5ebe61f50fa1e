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

from services.auth.seed import seed_demo as seed_auth
from services.common import events as envelope
from services.common.database import Database
from services.common.demo import build_district, demo_id
from services.common.errors import read_rpc_error
from services.common.identity import bearer_metadata
from services.journal import store
from services.journal.definition import journal_definition
from services.journal.entries import SCHOOL_TIMEZONE
from services.journal.seed import seed_demo as seed_journal

from .conftest import FixedClock

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
QUARTER_3 = demo_id("period", SCHOOL.id, 2026, "quarter", 3)
MATH_TODAY = demo_id("lesson", CLASS_5A.id, dt.date(2026, 11, 27), 1)
MATH_WEDNESDAY = demo_id("lesson", CLASS_5A.id, dt.date(2026, 11, 25), 2)
MATH_9B_TODAY = demo_id("lesson", CLASS_9B.id, dt.date(2026, 11, 27), 2)
MATH_7V_TODAY = demo_id("lesson", CLASS_7V.id, dt.date(2026, 11, 27), 1)
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


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
    stack.seed("auth", lambda db: seed_auth(db, DISTRICT, PASSWORD))
    stack.seed("journal", lambda db: seed_journal(db, DISTRICT, today=SEEDED_ON))
    auth = stack.start("auth")
    stack.with_settings(auth_grpc_address=f"127.0.0.1:{auth.port}")
    clock = FixedClock(dt.datetime(2026, 11, 27, 13, 0, tzinfo=SCHOOL_TIMEZONE).astimezone(dt.UTC))
    journal = stack.start("journal", journal_definition(clock))
    gateway = stack.gateway(PASSWORD, journal_grpc_address=f"127.0.0.1:{journal.port}")
    database = Database(stack.settings.database_url("journal"))
    yield Records(gateway.client, journal, gateway.token, database, clock)
    database.dispose()


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
    # J8: a day later the homework changes only with a reason, which the history keeps.
    r.clock.set(dt.date(2026, 11, 28), 14)
    late = r.error("teacher", "SetHomework", records_pb2.SetHomeworkRequest(lesson_id=MATH_TODAY, text="№ 520"))
    assert (late.code, late.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "CHANGE_REASON_REQUIRED")
    r.rpc("teacher", "SetHomework", records_pb2.SetHomeworkRequest(
        lesson_id=MATH_TODAY, text="№ 520", due_date="2026-12-01", reason="Опечатка в номере"))
    with r.database.session() as session:
        reasons = list(session.scalars(select(history.reason).where(
            history.entity == "homework", history.entity_id == MATH_TODAY).order_by(history.sequence)))
    assert reasons == ["", "Опечатка в номере"]
    r.clock.set(dt.date(2026, 11, 27))

    # The lesson's teacher removes a file: gone from the lesson, the storage and downloads; kept in the history.
    assert r.client.delete(f"/api/v1/journal/homework/attachments/{ninth.id}",
                           headers=r.headers("teacher2")).status_code == 403  # not their lesson
    assert r.client.delete(f"/api/v1/journal/homework/attachments/{ninth.id}",
                           headers=r.headers("teacher")).status_code == 204
    assert r.client.get(f"/api/v1/journal/homework/attachments/{ninth.id}",
                        headers=r.headers("teacher")).status_code == 404
    assert not list((r.runtime.settings.data_dir / "attachments" / SCHOOL.id).glob(ninth.id))
    assert r.count(store.change_log, history.entity == "homework", history.entity_id == ninth.id) == 2

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
    through_gateway = r.client.post(
        f"/api/v1/journal/classes/{CLASS_5A.id}/subjects/{MATH}/lesson-plan/complete", headers=r.headers("teacher"))
    assert through_gateway.status_code == 422 and "170 ч" in through_gateway.get_json()["detail"]
    xlsx_refused = r.client.post(f"/api/v1/journal/classes/{CLASS_5A.id}/subjects/{MATH}/lesson-plan/import",
                                 data={"file": (io.BytesIO(b"not a workbook"), "ktp.xlsx")},
                                 headers=r.headers("teacher"), content_type="multipart/form-data")
    assert xlsx_refused.status_code == 400 and xlsx_refused.get_json()["field"] == "file"
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


# ------------------------------------------------------------------ J1 personal data, 4.3.6 roster, J4 subgroups

def test_j1_personal_data_roster_changes_and_j4_subgroups(records):
    r = records
    student = CLASS_5A.students[2]
    guardian = DISTRICT.guardian_of(student.id)
    record = r.rpc("classteacher", "GetStudentRecord", records_pb2.GetStudentRecordRequest(student_id=student.id)).record
    assert record.class_name == "5А" and record.last_verified and record.guardians[0].email

    update = records_pb2.UpdateStudentRecordRequest(
        student_id=student.id, last_name=student.last_name, first_name=student.first_name,
        middle_name=student.middle_name, birth_date=student.birth_date.isoformat(), phone="+7 912 000-11-22",
        email="pupil@example.ru", address="ул. Школьная, д. 1", guardians=[records_pb2.GuardianRecord(
            guardian_id=guardian.id, last_name=guardian.last_name, first_name=guardian.first_name,
            middle_name=guardian.middle_name, relation="mother", email="mama@example.ru", electronic_access=False)])
    changed = r.rpc("classteacher", "UpdateStudentRecord", update).record
    assert (changed.phone, changed.guardians[0].email, changed.guardians[0].electronic_access) == (
        "+7 912 000-11-22", "mama@example.ru", False)
    event = r.events("ezh.journal.student.changed.v1")[-1]
    assert event["student_id"] == student.id and event["guardians"][0]["email"] == "mama@example.ru"
    assert event["email"] == "pupil@example.ru"  # the student's own address, for notify's e-mail (C1)
    assert not event["guardians"][0].get("electronic_access", False)

    events = len(r.events("ezh.journal.student.changed.v1"))
    bad = records_pb2.UpdateStudentRecordRequest()
    bad.CopyFrom(update)
    bad.guardians[0].email = "not-an-address"
    assert r.error("classteacher", "UpdateStudentRecord", bad).metadata["field"] == "guardians[0].email"
    assert r.error("teacher", "UpdateStudentRecord", update).code == grpc.StatusCode.PERMISSION_DENIED
    assert r.error("teacher2", "UpdateStudentRecord", update).code == grpc.StatusCode.PERMISSION_DENIED  # leads 9Б
    assert r.error("teacher7", "UpdateStudentRecord", update).code == grpc.StatusCode.NOT_FOUND
    url = f"/api/v1/journal/students/{student.id}/record"
    body = {"last_name": student.last_name, "first_name": student.first_name, "email": "нет"}
    assert r.client.put(url, json=body, headers=r.headers("classteacher")).get_json()["field"] == "email"
    assert r.client.put(url, json={**body, "email": ""}, headers=r.headers("teacher2")).status_code == 403
    assert r.client.get(url, headers=r.headers("parent")).status_code == 404  # not the demo parent's child
    assert r.error("parent", "GetStudentRecord", records_pb2.GetStudentRecordRequest(
        student_id=CLASS_5A.students[1].id)).code == grpc.StatusCode.NOT_FOUND
    assert len(r.events("ezh.journal.student.changed.v1")) == events

    # J1: every fourth demo record is overdue; checking one takes it off the list.
    due = r.rpc("classteacher", "ListRecordsDue", records_pb2.ListRecordsDueRequest(class_id=CLASS_5A.id))
    assert len(due.records) == len(CLASS_5A.students) // 4 and all(item.verification_due for item in due.records)
    checked = r.rpc("classteacher", "VerifyStudentRecord", records_pb2.VerifyStudentRecordRequest(
        student_id=due.records[0].student_id)).record
    assert (checked.last_verified, checked.verification_due_date, checked.verification_due) == (
        "2026-11-27", "2026-12-27", False)
    assert len(r.rpc("classteacher", "ListRecordsDue", records_pb2.ListRecordsDueRequest(
        class_id=CLASS_5A.id)).records) == len(due.records) - 1

    # 4.3.6: the class teacher asks, only the administrator carries out; past records stay.
    leaving = CLASS_5A.students[5]
    asked = r.rpc("classteacher", "RequestRosterChange", records_pb2.RequestRosterChangeRequest(
        class_id=CLASS_5A.id, kind="departure", student_id=leaving.id, date="2026-12-01", note="Переезд")).change
    refused = r.error("classteacher", "CarryOutRosterChange", records_pb2.CarryOutRosterChangeRequest(
        change_id=asked.id))
    assert refused.code == grpc.StatusCode.PERMISSION_DENIED
    carry_out = f"/api/v1/journal/roster-changes/{asked.id}/carry-out"
    assert r.client.post(carry_out, json={}, headers=r.headers("classteacher")).status_code == 403
    assert r.client.post(carry_out, json={}, headers=r.headers("admin2")).status_code == 404  # another school
    assert r.error("teacher2", "RequestRosterChange", records_pb2.RequestRosterChangeRequest(
        class_id=CLASS_5A.id, kind="departure", student_id=leaving.id, date="2026-12-01",
    )).code == grpc.StatusCode.PERMISSION_DENIED
    marks_before = r.count(store.mark, store.mark.c.student_id == leaving.id)
    done = r.rpc("admin", "CarryOutRosterChange", records_pb2.CarryOutRosterChangeRequest(change_id=asked.id)).change
    assert done.status == "done"
    again = r.error("admin", "CarryOutRosterChange", records_pb2.CarryOutRosterChangeRequest(change_id=asked.id))
    assert again.code == grpc.StatusCode.FAILED_PRECONDITION
    listed = r.client.get(f"/api/v1/journal/schools/{SCHOOL.id}/roster-changes?status=done",
                          headers=r.headers("classteacher")).get_json()["changes"]
    assert [(item["id"], item["kind"], item["date"]) for item in listed] == [(asked.id, "departure", "2026-12-01")]
    assert r.client.get(f"/api/v1/journal/schools/{SCHOOL.id}/roster-changes",
                        headers=r.headers("teacher2")).get_json()["changes"] == []  # leads 9Б: none of theirs
    assert r.count(store.mark, store.mark.c.student_id == leaving.id) == marks_before > 0
    left = r.events("ezh.journal.student.changed.v1")[-1]
    assert (left["student_id"], left["status"]) == (leaving.id, "departed")
    members = r.rpc("classteacher", "ListClassMembers", journal_pb2.ListClassMembersRequest(class_id=CLASS_5A.id),
                    stub=journal_pb2_grpc.JournalServiceStub)
    assert leaving.id not in {item.id for item in members.students}

    def page_students(period_id: str) -> set[str]:
        page = r.rpc("classteacher", "GetJournalPage", journal_pb2.GetJournalPageRequest(
            class_id=CLASS_5A.id, subject_id=MATH, period_id=period_id), stub=journal_pb2_grpc.JournalServiceStub)
        return {item.id for item in page.students}

    assert leaving.id in page_students(QUARTER_2) and leaving.id not in page_students(QUARTER_3)
    arrival = r.rpc("classteacher", "RequestRosterChange", records_pb2.RequestRosterChangeRequest(
        class_id=CLASS_5A.id, kind="arrival", date="2026-11-30", new_student=records_pb2.NewStudent(
            last_name="Новикова", first_name="Алиса", birth_date="2015-03-14"))).change
    arrived = r.rpc("admin", "CarryOutRosterChange", records_pb2.CarryOutRosterChangeRequest(
        change_id=arrival.id)).change
    members = r.rpc("classteacher", "ListClassMembers", journal_pb2.ListClassMembersRequest(class_id=CLASS_5A.id),
                    stub=journal_pb2_grpc.JournalServiceStub)
    assert arrived.student_id in {item.id for item in members.students}

    # J4: the class teacher divides 5А for English (those in the class today); only the administrator moves,
    # only at a period's end; the student arriving on Monday joins a subgroup at once.
    current = [item.id for item in CLASS_5A.students]
    groups = r.rpc("classteacher", "SetSubgroups", records_pb2.SetSubgroupsRequest(
        class_id=CLASS_5A.id, subject_id=ENGLISH, subgroups=[
            records_pb2.SubgroupInput(name="1 группа", student_ids=current[:12]),
            records_pb2.SubgroupInput(name="2 группа", student_ids=current[12:])])).subgroups
    assert [len(group.student_ids) for group in groups] == [12, len(current) - 12]
    missing_one = r.error("admin", "SetSubgroups", records_pb2.SetSubgroupsRequest(
        class_id=CLASS_9B.id, subject_id=ENGLISH, subgroups=[
            records_pb2.SubgroupInput(name="А", student_ids=[CLASS_9B.students[0].id]),
            records_pb2.SubgroupInput(name="Б", student_ids=[CLASS_9B.students[1].id])]))
    assert missing_one.metadata["field"] == "subgroups" and "Не распределено" in missing_one.message
    joined = r.rpc("classteacher", "MoveStudentToSubgroup", records_pb2.MoveStudentToSubgroupRequest(
        student_id=arrived.student_id, subgroup_id=groups[0].id))
    assert joined.effective_date == "2026-11-30"
    mover = next(item for item in groups[0].student_ids if item != leaving.id)
    move = records_pb2.MoveStudentToSubgroupRequest(student_id=mover, subgroup_id=groups[1].id)
    mid_period = r.error("admin", "MoveStudentToSubgroup", move)
    assert (mid_period.code, mid_period.reason) == (grpc.StatusCode.FAILED_PRECONDITION,
                                                    "SUBGROUP_MOVE_OUTSIDE_PERIOD_END")
    assert r.error("classteacher", "MoveStudentToSubgroup", move).code == grpc.StatusCode.PERMISSION_DENIED
    moved_early = r.client.post(f"/api/v1/journal/students/{mover}/subgroup", json={"subgroup_id": groups[1].id},
                                headers=r.headers("admin"))
    assert moved_early.status_code == 422 and "по окончании учебного периода" in moved_early.get_json()["detail"]
    r.clock.set(dt.date(2026, 12, 29))  # the 2nd quarter ended on the 28th; the 3rd starts on 12 January
    moved = r.rpc("admin", "MoveStudentToSubgroup", move)
    assert moved.effective_date == "2027-01-12"
    target = next(group for group in moved.subgroups if group.id == groups[1].id)
    source = next(group for group in moved.subgroups if group.id == groups[0].id)
    assert mover in target.student_ids and mover not in source.student_ids
    assert [(item.start_date, item.end_date) for item in source.history if item.student_id == mover] == [
        ("2026-11-27", "2027-01-11")]
    # notify learns each subgroup's whole history from ezh.journal.subgroup.changed.v1 (homework to a subgroup).
    with r.database.session() as session:
        payloads = session.scalars(select(store.outbox.c.payload).where(
            store.outbox.c.event_type == "ezh.journal.subgroup.changed.v1").order_by(store.outbox.c.seq)).all()
    latest = {}
    for payload in payloads:
        data = envelope.from_json(payload.encode()).data
        latest[data["subgroup_id"]] = data
    assert set(latest) == {groups[0].id, groups[1].id}
    assert {(m["student_id"], m["start_date"], m.get("end_date", "")) for m in latest[groups[0].id]["members"]
            if m["student_id"] == mover} == {(mover, "2026-11-27", "2027-01-11")}
    assert (mover, "2027-01-12") in {(m["student_id"], m["start_date"]) for m in latest[groups[1].id]["members"]}
    assert arrived.student_id in {m["student_id"] for m in latest[groups[0].id]["members"]}


# ------------------------------------------------------------------ J5 weekly attendance, J6 overview

def test_j5_weekly_attendance_reconciled_with_a_note_and_j6_overview(records):
    r = records
    student = CLASS_5A.students[3]
    # The maths teacher marked the student н on Wednesday; the class teacher holds an illness note for Mon–Wed.
    r.rpc("teacher", "SaveLessonEntries", journal_pb2.SaveLessonEntriesRequest(
        lesson_id=MATH_WEDNESDAY, entries=[journal_pb2.LessonEntry(student_id=student.id, absence="unexcused")]),
        stub=journal_pb2_grpc.JournalServiceStub)
    note = r.rpc("classteacher", "RecordAbsenceNote", records_pb2.RecordAbsenceNoteRequest(
        class_id=CLASS_5A.id, student_id=student.id, first_date="2026-11-23", last_date="2026-11-25", kind="б",
        document="Справка № 17 из поликлиники")).note
    assert note.kind == "ill"
    bad = r.error("classteacher", "RecordAbsenceNote", records_pb2.RecordAbsenceNoteRequest(
        class_id=CLASS_5A.id, student_id=student.id, first_date="2026-11-25", last_date="2026-11-23", kind="ill",
        document="Справка"))
    assert bad.metadata["field"] == "last_date"
    assert r.error("teacher", "RecordAbsenceNote", records_pb2.RecordAbsenceNoteRequest(
        class_id=CLASS_5A.id, student_id=student.id, first_date="2026-11-23", kind="ill", document="x",
    )).code == grpc.StatusCode.PERMISSION_DENIED

    week = r.rpc("classteacher", "GetWeeklyAttendance", records_pb2.GetWeeklyAttendanceRequest(
        class_id=CLASS_5A.id, week="2026-11-23"))
    shown = r.client.get(f"/api/v1/journal/classes/{CLASS_5A.id}/attendance/week?week=2026-11-23",
                         headers=r.headers("classteacher")).get_json()
    assert len(shown["differences"]) == len(week.differences) and len(shown["students"]) == len(week.students)
    row = next(item for item in week.students if item.student_id == student.id)
    assert row.unexcused >= 1 and row.missed >= 1
    wednesday = next(item for item in week.differences
                     if item.student_id == student.id and item.lesson_id == MATH_WEDNESDAY)
    assert (wednesday.class_teacher_kind, wednesday.subject_teacher_kind, wednesday.resolvable) == (
        "ill", "unexcused", True)
    resolvable = [item for item in week.differences if item.resolvable]
    assert r.error("classteacher", "GetWeeklyAttendance", records_pb2.GetWeeklyAttendanceRequest(
        class_id=CLASS_5A.id, week="2026-11-24")).metadata["field"] == "week"
    assert r.error("parent", "GetWeeklyAttendance", records_pb2.GetWeeklyAttendanceRequest(
        class_id=CLASS_5A.id, week="2026-11-23")).code == grpc.StatusCode.NOT_FOUND
    assert r.error("deputy", "ReconcileWeek", records_pb2.ReconcileWeekRequest(
        class_id=CLASS_5A.id, week="2026-11-23")).code == grpc.StatusCode.PERMISSION_DENIED

    done = r.rpc("classteacher", "ReconcileWeek", records_pb2.ReconcileWeekRequest(
        class_id=CLASS_5A.id, week="2026-11-23"))
    assert done.reconciliation.changed_count == len(resolvable) >= 1
    assert done.reconciliation.unresolved_count == len(done.unresolved) == len(week.differences) - len(resolvable)
    with r.database.session() as session:
        kind = session.scalar(select(store.absence.c.kind).where(
            store.absence.c.lesson_id == MATH_WEDNESDAY, store.absence.c.student_id == student.id))
        reason = session.scalar(select(store.change_log.c.reason).where(
            store.change_log.c.lesson_id == MATH_WEDNESDAY, store.change_log.c.student_id == student.id)
            .order_by(store.change_log.c.sequence.desc()).limit(1))
    assert kind == "ill" and "Справка № 17" in reason
    assert r.events("ezh.journal.absence.recorded.v1")[-1]["previous_kind"] in {"unexcused", "excused"}
    after = r.rpc("classteacher", "GetWeeklyAttendance", records_pb2.GetWeeklyAttendanceRequest(
        class_id=CLASS_5A.id, week="2026-11-23"))
    assert not any(item.resolvable for item in after.differences)
    assert [item.changed_count for item in after.reconciliations] == [len(resolvable)]

    # M3: after the quarter is locked the reconciliation changes nothing there.
    other = CLASS_5A.students[4]
    r.rpc("teacher", "SaveLessonEntries", journal_pb2.SaveLessonEntriesRequest(
        lesson_id=MATH_WEDNESDAY, entries=[journal_pb2.LessonEntry(student_id=other.id, absence="unexcused")]),
        stub=journal_pb2_grpc.JournalServiceStub)
    r.rpc("classteacher", "RecordAbsenceNote", records_pb2.RecordAbsenceNoteRequest(
        class_id=CLASS_5A.id, student_id=other.id, first_date="2026-11-25", kind="excused",
        document="Заявление родителей"))
    r.clock.set(dt.date(2027, 1, 20))
    before = (r.count(store.change_log), r.count(store.attendance_reconciliation))
    locked = r.error("classteacher", "ReconcileWeek", records_pb2.ReconcileWeekRequest(
        class_id=CLASS_5A.id, week="2026-11-23"))
    assert locked.code == grpc.StatusCode.FAILED_PRECONDITION
    assert (r.count(store.change_log), r.count(store.attendance_reconciliation)) == before
    r.clock.set(dt.date(2026, 11, 27))

    # J6: the class teacher sees every subject's marks of the class; a subject teacher does not.
    overview = r.rpc("classteacher", "GetClassMarksOverview", records_pb2.GetClassMarksOverviewRequest(
        class_id=CLASS_5A.id, period_id=QUARTER_2))
    assert len(overview.subjects) >= 7 and len(overview.students) == len(CLASS_5A.students)
    maths = next(item for item in overview.subjects if item.subject_name == "Математика")
    assert sum(len(item.marks) for item in maths.students) == r.count(
        store.mark, store.mark.c.lesson_id.in_(select(store.lesson.c.id).where(
            store.lesson.c.class_id == CLASS_5A.id, store.lesson.c.subject_id == MATH)))
    assert r.error("teacher", "GetClassMarksOverview", records_pb2.GetClassMarksOverviewRequest(
        class_id=CLASS_5A.id, period_id=QUARTER_2)).code == grpc.StatusCode.PERMISSION_DENIED
    assert r.error("teacher7", "GetClassMarksOverview", records_pb2.GetClassMarksOverviewRequest(
        class_id=CLASS_5A.id, period_id=QUARTER_2)).code == grpc.StatusCode.NOT_FOUND


# ------------------------------------------------------------------ every route answers through the gateway

def test_a5_records_routes_answer_their_documented_shapes_through_the_gateway(records):
    r = records
    student = CLASS_5A.students[6]

    def ok(response, status: int = 200) -> dict:
        assert response.status_code == status, response.get_data(as_text=True)
        return response.get_json()

    get, put, post = r.client.get, r.client.put, r.client.post
    teacher, keeper, admin = r.headers("teacher"), r.headers("classteacher"), r.headers("admin")
    lesson_url = f"/api/v1/journal/lessons/{MATH_TODAY}/homework"
    assert ok(put(lesson_url, json={"text": "§ 12", "due_date": "2026-12-02"}, headers=teacher))["due_date"] == \
        "2026-12-02"
    assert ok(get(lesson_url, headers=r.headers("student")))["text"] == "§ 12"

    plan_url = f"/api/v1/journal/classes/{CLASS_5A.id}/subjects/{MATH}/lesson-plan"
    entered = ok(put(plan_url, json={"items": [{"topic": "Дроби", "hours": 3, "work_type": "practical"}]},
                     headers=teacher))
    assert entered["plan"]["planned_hours"] == 3 and entered["plan"]["status"] == "draft"
    assert ok(get(plan_url, headers=r.headers("deputy")))["items"][0]["work_type"] == "practical"
    imported = ok(post(f"{plan_url}/import", data={"file": (io.BytesIO("Дроби,2\n".encode()), "ktp.csv")},
                       headers=teacher, content_type="multipart/form-data"))
    assert imported["plan"]["planned_hours"] == 2
    assert ok(put(f"/api/v1/journal/classes/{CLASS_5A.id}/subjects/{MATH}/curriculum", json={"hours": 160},
                  headers=admin))["hours"] == 160

    record_url = f"/api/v1/journal/students/{student.id}/record"
    record = ok(get(record_url, headers=keeper))
    changed = ok(put(record_url, json={"last_name": record["last_name"], "first_name": record["first_name"],
                                       "middle_name": record["middle_name"], "phone": "+7 900 000-00-00"},
                     headers=keeper))
    assert changed["phone"] == "+7 900 000-00-00" and changed["guardians"] == record["guardians"]
    assert ok(post(f"{record_url}/verified", headers=keeper))["verification_due"] is False
    assert ok(get(f"/api/v1/journal/classes/{CLASS_5A.id}/records-due", headers=keeper))["checked_count"] > 0

    asked = ok(post(f"/api/v1/journal/classes/{CLASS_5A.id}/roster-changes", headers=keeper, json={
        "kind": "arrival", "date": "2026-12-07",
        "new_student": {"last_name": "Зайцев", "first_name": "Илья", "birth_date": "2015-05-05"}}), 201)
    assert asked["new_student"]["last_name"] == "Зайцев"
    assert ok(post(f"/api/v1/journal/roster-changes/{asked['id']}/carry-out", json={}, headers=admin))["status"] == \
        "done"

    groups_url = f"/api/v1/journal/classes/{CLASS_9B.id}/subjects/{ENGLISH}/subgroups"
    ids = [item.id for item in CLASS_9B.students]
    divided = ok(put(groups_url, headers=r.headers("teacher2"), json={"subgroups": [
        {"name": "1 группа", "student_ids": ids[:10]}, {"name": "2 группа", "student_ids": ids[10:]}]}))
    assert [len(group["student_ids"]) for group in divided["subgroups"]] == [10, len(ids) - 10]
    assert ok(get(groups_url, headers=r.headers("teacher4")))["subgroups"][0]["history"]

    note = ok(post(f"/api/v1/journal/classes/{CLASS_5A.id}/absence-notes", headers=keeper, json={
        "student_id": student.id, "first_date": "2026-11-24", "kind": "ill", "document": "Справка № 3"}), 201)
    assert note["last_date"] == "2026-11-24"
    reconciled = ok(post(f"/api/v1/journal/classes/{CLASS_5A.id}/attendance/reconciliations", headers=keeper,
                         json={"week": "2026-11-23"}), 201)
    assert reconciled["reconciliation"]["week"] == "2026-11-23"
    overview = ok(get(f"/api/v1/journal/classes/{CLASS_5A.id}/marks-overview?period_id={QUARTER_2}",
                      headers=r.headers("director")))
    assert {item["subject_name"] for item in overview["subjects"]} >= {"Математика", "Русский язык"}
