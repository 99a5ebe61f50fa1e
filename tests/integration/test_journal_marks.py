"""The journal lesson by lesson: the page, saving a lesson, a student's marks, the change history
(J2, J8, M3, A5), through gRPC and through the gateway, also from the attacker's side.

The demo district is seeded as of Thursday 26 November 2026 (2nd quarter); the
journal's clock stands at Friday 27 November 2026, 13:00 in Moscow. Each test
runs on PostgreSQL + RabbitMQ and on SQLite + the embedded bus.
"""
from __future__ import annotations

import datetime as dt
import json

import grpc
import pytest
from ezh.journal.v1 import journal_pb2, journal_pb2_grpc
from sqlalchemy import func, select, text

from services.auth.seed import seed_demo as seed_auth
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
RUSSIAN = demo_id("subject", SCHOOL.id, "Русский язык")
QUARTER_1 = demo_id("period", SCHOOL.id, 2026, "quarter", 1)
QUARTER_2 = demo_id("period", SCHOOL.id, 2026, "quarter", 2)
# 5А, Friday 27 November: 1st lesson Математика (teacher), 2nd Русский язык (classteacher).
MATH_TODAY = demo_id("lesson", CLASS_5A.id, dt.date(2026, 11, 27), 1)
RUSSIAN_TODAY = demo_id("lesson", CLASS_5A.id, dt.date(2026, 11, 27), 2)
# 5А, Wednesday 25 November, 2nd lesson: Математика, marked two days ago by the seed.
MATH_WEDNESDAY = demo_id("lesson", CLASS_5A.id, dt.date(2026, 11, 25), 2)
OWN_CHILD = CLASS_5A.students[0]  # the demo parent's child, the demo student
OTHER_CHILD = CLASS_5A.students[1]


@pytest.fixture
def journal_stack(stack):
    """Auth and a journal holding the demo district, a gateway in front; (app, journal runtime, tokens)."""
    stack.migrate("auth", "journal")
    stack.seed("auth", lambda db: seed_auth(db, DISTRICT, PASSWORD))
    stack.seed("journal", lambda db: seed_journal(db, DISTRICT, today=SEEDED_ON))
    auth = stack.start("auth")
    stack.with_settings(auth_grpc_address=f"127.0.0.1:{auth.port}")
    clock = FixedClock(dt.datetime(2026, 11, 27, 13, 0, tzinfo=SCHOOL_TIMEZONE).astimezone(dt.UTC))
    journal = stack.start("journal", journal_definition(clock))
    gateway = stack.gateway(PASSWORD, journal_grpc_address=f"127.0.0.1:{journal.port}")
    database = Database(stack.settings.database_url("journal"))
    yield Journal(gateway.client, journal, gateway.token, database, clock)
    database.dispose()


class Journal:
    def __init__(self, client, runtime, token, database, clock) -> None:
        self.client, self.runtime, self.token, self.database, self.clock = client, runtime, token, database, clock

    def headers(self, login: str) -> dict:
        return {"Authorization": f"Bearer {self.token(login)}"}

    def rpc(self, login: str | None, method: str, request):
        with grpc.insecure_channel(f"127.0.0.1:{self.runtime.port}") as channel:
            stub = journal_pb2_grpc.JournalServiceStub(channel)
            metadata = bearer_metadata(self.token(login)) if login else ()
            return getattr(stub, method)(request, timeout=5, metadata=metadata)

    def rpc_error(self, login: str | None, method: str, request):
        with pytest.raises(grpc.RpcError) as raised:
            self.rpc(login, method, request)
        return read_rpc_error(raised.value)

    def page(self, login: str, class_id=CLASS_5A.id, subject_id=MATH, period_id=QUARTER_2):
        return self.client.get(f"/api/v1/journal/classes/{class_id}/subjects/{subject_id}/periods/{period_id}",
                               headers=self.headers(login))

    def save(self, login: str, lesson_id: str, body: dict):
        return self.client.put(f"/api/v1/journal/lessons/{lesson_id}/entries", json=body, headers=self.headers(login))

    def count(self, table, *where) -> int:
        with self.database.session() as session:
            return session.scalar(select(func.count()).select_from(table).where(*where))

    def outbox_types(self) -> list[str]:
        with self.database.session() as session:
            return list(session.scalars(
                select(store.outbox.c.event_type).where(store.outbox.c.event_type.like("ezh.journal.%"))
                .where(store.outbox.c.event_type != "ezh.journal.class.created.v1").order_by(store.outbox.c.seq)
            ))

    def outbox_events(self) -> list[dict]:
        with self.database.session() as session:
            return [json.loads(payload) for payload in session.scalars(
                select(store.outbox.c.payload).order_by(store.outbox.c.seq))]

    def state(self) -> tuple[int, int, int, int]:
        """Marks, absences, history records, outbox rows: what a refused request must not change."""
        return (self.count(store.mark), self.count(store.absence), self.count(store.change_log),
                self.count(store.outbox))


def _body(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json(force=True)


# ------------------------------------------------------------------ J2: saving a lesson

def test_j2_teacher_saves_a_lesson_in_one_request(journal_stack):
    j = journal_stack
    first, second, third = CLASS_5A.students[:3]
    before = j.count(store.outbox)

    saved = _body(j.save("teacher", MATH_TODAY, {"entries": [
        {"student_id": first.id, "marks": [{"value": 5, "work_type": "oral"},
                                           {"value": "4", "work_type": "test"}]},
        {"student_id": second.id, "marks": [], "absence": "ill"},
        {"student_id": third.id, "marks": [{"value": 3, "work_type": "homework", "weight": "0.5"}],
         "absence": "late"},
    ]}), 200)

    assert saved["change_count"] == 5
    assert sorted((m["student_id"], m["value"], m["work_type"], m["weight"]) for m in saved["marks"]) == sorted([
        (first.id, "5", "oral", "1"), (first.id, "4", "test", "2"), (third.id, "3", "homework", "0.5"),
    ])
    assert {(a["student_id"], a["kind"]) for a in saved["absences"]} == {(second.id, "ill"), (third.id, "late")}
    # One event per change, and the lesson's snapshot: its attendance is now taken.
    assert j.count(store.outbox) - before == 6
    assert j.outbox_types()[-6:].count("ezh.journal.mark.created.v1") == 3
    assert j.outbox_types()[-6:].count("ezh.journal.absence.recorded.v1") == 2
    assert j.outbox_types()[-1] == "ezh.journal.lesson.changed.v1"
    events = j.outbox_events()[-6:]
    for event in events[:5]:
        data = event["data"].get("mark", event["data"])
        assert (data["subject_name"], data["teacher_id"], data["period_id"]) == (
            "Математика", DISTRICT.account("teacher").person.id, QUARTER_2)
    assert events[-1]["data"]["attendance_taken"] is True and events[-1]["data"]["lesson_id"] == MATH_TODAY
    assert j.count(store.change_log, store.change_log.c.lesson_id == MATH_TODAY) == 5

    page = _body(j.page("teacher"), 200)
    row = next(student for student in page["students"] if student["id"] == first.id)
    lesson = next(lesson for lesson in page["lessons"] if lesson["id"] == MATH_TODAY)
    assert page["school_class"]["name"] == "5А" and page["subject"]["name"] == "Математика"
    assert page["period"]["title"] == "2 четверть"
    assert lesson["homework"] and not lesson["topic"]  # seeded the day before: homework set, topic not yet
    assert {(m["value"], m["work_type"]) for m in page["marks"] if m["lesson_id"] == MATH_TODAY
            and m["student_id"] == first.id} == {("5", "oral"), ("4", "test")}
    assert row["average"] is not None and row["mark_count"] >= 2
    assert len(page["students"]) == len(CLASS_5A.students)


def test_j2_saving_again_replaces_the_entries_with_one_event_per_change_and_replays(journal_stack):
    j = journal_stack
    student = CLASS_5A.students[4]
    request = journal_pb2.SaveLessonEntriesRequest(lesson_id=MATH_TODAY, entries=[journal_pb2.LessonEntry(
        student_id=student.id, marks=[journal_pb2.MarkInput(value="5", work_type="oral"),
                                      journal_pb2.MarkInput(value="2", work_type="homework")],
    )])
    saved = j.rpc("teacher", "SaveLessonEntries", request)
    oral = next(mark for mark in saved.marks if mark.work_type == "oral")
    types_before = len(j.outbox_types())

    changed = j.rpc("teacher", "SaveLessonEntries", journal_pb2.SaveLessonEntriesRequest(
        request_id="lesson-save-1", lesson_id=MATH_TODAY, entries=[journal_pb2.LessonEntry(
            student_id=student.id, marks=[journal_pb2.MarkInput(id=oral.id, value="4", work_type="oral")],
            absence="late",
        )],
    ))
    replayed = j.rpc("teacher", "SaveLessonEntries", journal_pb2.SaveLessonEntriesRequest(
        request_id="lesson-save-1", lesson_id=MATH_TODAY, entries=[journal_pb2.LessonEntry(
            student_id=student.id, marks=[journal_pb2.MarkInput(id=oral.id, value="4", work_type="oral")],
            absence="late",
        )],
    ))

    assert changed.change_count == 3
    assert [(mark.id, mark.value) for mark in changed.marks if mark.student_id == student.id] == [(oral.id, "4")]
    assert replayed == changed
    assert sorted(j.outbox_types()[types_before:]) == [
        "ezh.journal.absence.recorded.v1", "ezh.journal.mark.deleted.v1", "ezh.journal.mark.updated.v1",
    ]
    with j.database.session() as session:
        history = session.execute(
            select(store.change_log.c.entity, store.change_log.c.action, store.change_log.c.old_value,
                   store.change_log.c.new_value, store.change_log.c.actor_id)
            .where(store.change_log.c.entity_id == oral.id).order_by(store.change_log.c.sequence)
        ).all()
    assert [(row.entity, row.action) for row in history] == [("mark", "created"), ("mark", "updated")]
    assert '"value": "5"' in history[1].old_value and '"value": "4"' in history[1].new_value
    teacher = next(account.person.id for account in DISTRICT.accounts if account.login == "teacher")
    assert {row.actor_id for row in history} == {teacher}


def test_j2_bad_input_is_400_naming_the_field_and_changes_nothing(journal_stack):
    j = journal_stack
    good = {"student_id": CLASS_5A.students[0].id, "marks": [{"value": 5, "work_type": "oral"}]}
    before = j.state()

    six = _body(j.save("teacher", MATH_TODAY, {"entries": [
        good, {"student_id": CLASS_5A.students[1].id, "marks": [{"value": 6, "work_type": "oral"}]}]}), 400)
    unknown_work = _body(j.save("teacher", MATH_TODAY, {"entries": [
        good, {"student_id": CLASS_5A.students[1].id, "marks": [{"value": 4, "work_type": "гадание"}]}]}), 400)
    stranger = _body(j.save("teacher", MATH_TODAY, {"entries": [
        good, {"student_id": CLASS_9B.students[1].id, "marks": [{"value": 4, "work_type": "oral"}]}]}), 400)
    pass_fail = _body(j.save("teacher", MATH_TODAY, {"entries": [
        {"student_id": CLASS_5A.students[1].id, "marks": [{"value": "pass", "work_type": "oral"}]}]}), 400)
    bad_absence = _body(j.save("teacher", MATH_TODAY, {"entries": [
        {"student_id": CLASS_5A.students[1].id, "absence": "прогулял"}]}), 400)

    assert six["field"] == "entries[1].marks[0].value" and "от 1 до 5" in six["detail"]
    assert unknown_work["field"] == "entries[1].marks[0].work_type"
    assert stranger["field"] == "entries[1].student_id" and "не числится" in stranger["detail"]
    assert pass_fail["field"] == "entries[0].marks[0].value"
    assert bad_absence["field"] == "entries[0].absence"
    assert j.state() == before


# ------------------------------------------------------------------ A5: who may see and write what

def test_a5_teacher_cannot_write_another_teachers_lesson_or_another_schools(journal_stack):
    j = journal_stack
    entry = {"entries": [{"student_id": CLASS_5A.students[0].id, "marks": [{"value": 5, "work_type": "oral"}]}]}
    before = j.state()

    others = j.save("teacher", RUSSIAN_TODAY, entry)
    class_teacher_on_math = j.save("classteacher", MATH_TODAY, entry)
    other_school = j.save("teacher7", MATH_TODAY, entry)
    missing = j.save("teacher", demo_id("lesson", "nowhere"), entry)
    parent = j.save("parent", MATH_TODAY, entry)

    assert _body(others, 403)["reason"] == "NOT_ASSIGNED"
    assert _body(class_teacher_on_math, 403)["reason"] == "NOT_ASSIGNED"
    assert _body(other_school, 404)["reason"] == _body(missing, 404)["reason"] == "LESSON_NOT_FOUND"
    assert _body(parent, 403)["reason"] == "ROLE_REQUIRED"
    assert j.state() == before


def test_a5_journal_page_by_assignment_class_and_school(journal_stack):
    j = journal_stack

    assert _body(j.page("teacher"), 200)["subject"]["name"] == "Математика"
    assert _body(j.page("classteacher"), 200)["school_class"]["name"] == "5А"  # leads 5А: every subject
    assert _body(j.page("deputy", CLASS_9B.id), 200)["school_class"]["name"] == "9Б"
    assert _body(j.page("teacher", subject_id=RUSSIAN), 403)["reason"] == "NOT_ASSIGNED"
    assert _body(j.page("classteacher", CLASS_9B.id), 403)["reason"] == "NOT_ASSIGNED"
    assert _body(j.page("teacher7"), 404)["reason"] == "CLASS_NOT_FOUND"
    assert _body(j.page("admin2"), 404)["reason"] == "CLASS_NOT_FOUND"
    assert _body(j.page("teacher", CLASS_7V.id), 404)["reason"] == "CLASS_NOT_FOUND"
    assert _body(j.page("parent"), 403)["reason"] == "ROLE_REQUIRED"


def test_a5_parent_cannot_read_another_childs_marks(journal_stack):
    j = journal_stack

    def marks(login: str, student_id: str):
        return j.client.get(f"/api/v1/students/{student_id}/marks?period_id={QUARTER_2}", headers=j.headers(login))

    own = _body(marks("parent", OWN_CHILD.id), 200)
    other = marks("parent", OTHER_CHILD.id)
    other_school = marks("parent", CLASS_7V.students[0].id)
    missing = marks("parent", demo_id("person", "nobody"))
    themself = _body(marks("student", OWN_CHILD.id), 200)
    classmate = marks("student", OTHER_CHILD.id)
    class_teacher = _body(marks("classteacher", OTHER_CHILD.id), 200)
    subject_teacher = marks("teacher", OTHER_CHILD.id)

    assert own["period"]["title"] == "2 четверть"
    names = [item["subject"]["name"] for item in own["subjects"]]
    assert "Математика" in names and "Физика" not in names
    assert any(item["marks"] for item in own["subjects"])
    assert all(mark["student_id"] == OWN_CHILD.id for item in own["subjects"] for mark in item["marks"])
    assert themself == own
    assert class_teacher["student_id"] == OTHER_CHILD.id
    for refused in (other, other_school, missing, classmate):
        assert _body(refused, 404)["reason"] == "STUDENT_NOT_FOUND"
    assert _body(subject_teacher, 403)["reason"] == "ROLE_REQUIRED"


def test_a5_create_and_list_classes_need_the_schools_staff(journal_stack):
    j = journal_stack
    request = journal_pb2.CreateClassRequest(school_id=SCHOOL.id, grade=6, letter="В")

    created = j.rpc("admin", "CreateClass", request)
    listed = j.rpc("teacher", "ListClasses", journal_pb2.ListClassesRequest(school_id=SCHOOL.id))
    by_teacher = j.rpc_error("teacher", "CreateClass", request)
    other_school = j.rpc_error("admin2", "CreateClass", request)
    other_list = j.rpc_error("teacher7", "ListClasses", journal_pb2.ListClassesRequest(school_id=SCHOOL.id))
    anonymous = j.rpc_error(None, "CreateClass", request)

    assert created.school_class.name == "6В"
    assert "6В" in {school_class.name for school_class in listed.classes}
    assert (by_teacher.code, by_teacher.reason) == (grpc.StatusCode.PERMISSION_DENIED, "ROLE_REQUIRED")
    assert (other_school.code, other_school.reason) == (grpc.StatusCode.NOT_FOUND, "SCHOOL_NOT_FOUND")
    assert (other_list.code, other_list.reason) == (grpc.StatusCode.NOT_FOUND, "SCHOOL_NOT_FOUND")
    assert anonymous.code == grpc.StatusCode.UNAUTHENTICATED


# ------------------------------------------------------------------ J8, M3: rules of changing

def test_j8_change_after_24h_needs_reason(journal_stack):
    j = journal_stack
    page = _body(j.page("teacher"), 200)
    seeded = next(mark for mark in page["marks"] if mark["lesson_id"] == MATH_WEDNESDAY)
    changed_value = "3" if seeded["value"] != "3" else "4"
    entry = {"student_id": seeded["student_id"],
             "marks": [{"id": seeded["id"], "value": changed_value, "work_type": seeded["work_type"]}]}
    before = j.state()

    refused = j.save("teacher", MATH_WEDNESDAY, {"entries": [entry]})
    assert _body(refused, 422)["reason"] == "CHANGE_REASON_REQUIRED"
    assert j.state() == before

    saved = _body(j.save("teacher", MATH_WEDNESDAY, {"entries": [entry], "reason": "Ошибка при вводе"}), 200)
    assert [mark["value"] for mark in saved["marks"] if mark["id"] == seeded["id"]] == [changed_value]
    with j.database.session() as session:
        reason = session.scalar(select(store.change_log.c.reason).where(
            store.change_log.c.entity_id == seeded["id"], store.change_log.c.action == "updated"))
    assert reason == "Ошибка при вводе"


def test_m3_locked_period_refuses_marks(journal_stack):
    j = journal_stack
    teacher = next(account.person.id for account in DISTRICT.accounts if account.login == "teacher")
    lesson = j.rpc("admin", "CreateLesson", journal_pb2.CreateLessonRequest(
        class_id=CLASS_5A.id, subject_id=MATH, teacher_id=teacher, date="2026-10-20", number=6,
        topic="Повторение",
    )).lesson
    future = j.rpc("teacher", "CreateLesson", journal_pb2.CreateLessonRequest(
        class_id=CLASS_5A.id, subject_id=MATH, date="2026-12-01", number=6)).lesson
    created = j.outbox_events()[-1]
    assert created["type"] == "ezh.journal.lesson.changed.v1"
    assert (created["data"]["lesson_id"], created["data"]["period_id"], created["data"]["subject_name"]) == (
        future.id, QUARTER_2, "Математика")
    before = j.state()

    refused = j.save("teacher", lesson.id, {"entries": [
        {"student_id": CLASS_5A.students[0].id, "marks": [{"value": 5, "work_type": "oral"}]}]})
    too_early = j.save("teacher", future.id, {"entries": [{"student_id": CLASS_5A.students[0].id, "absence": "ill"}]})

    assert lesson.period_id == QUARTER_1
    problem = _body(refused, 422)
    assert problem["reason"] == "PERIOD_LOCKED" and "1 четверть" in problem["detail"]
    assert _body(too_early, 422)["reason"] == "LESSON_IN_FUTURE"
    assert j.state() == before


def test_j8_history_is_hash_chained_and_tampering_is_detected(journal_stack):
    j = journal_stack
    j.rpc("teacher", "SaveLessonEntries", journal_pb2.SaveLessonEntriesRequest(
        lesson_id=MATH_TODAY, entries=[journal_pb2.LessonEntry(
            student_id=CLASS_5A.students[2].id, marks=[journal_pb2.MarkInput(value="2", work_type="test")],
        )],
    ))
    verify = journal_pb2.VerifyChangeLogRequest(school_id=SCHOOL.id)

    intact = j.rpc("deputy", "VerifyChangeLog", verify)
    assert intact.intact and intact.checked_count == j.count(store.change_log, store.change_log.c.school_id == SCHOOL.id)
    assert j.rpc_error("teacher", "VerifyChangeLog", verify).code == grpc.StatusCode.PERMISSION_DENIED
    assert j.rpc_error("admin2", "VerifyChangeLog", verify).code == grpc.StatusCode.NOT_FOUND

    with j.database.transaction() as session:
        newest = session.scalar(select(func.max(store.change_log.c.sequence))
                                .where(store.change_log.c.school_id == SCHOOL.id))
        session.execute(text(
            "UPDATE change_log SET new_value = :value WHERE school_id = :school AND sequence = :sequence"
        ), {"value": '{"value": "5", "work_type": "test", "weight": null}', "school": SCHOOL.id, "sequence": newest})
    altered = j.rpc("admin", "VerifyChangeLog", verify)
    assert not altered.intact and altered.first_broken_sequence == newest

    with j.database.transaction() as session:
        session.execute(text("DELETE FROM change_log WHERE school_id = :school AND sequence = :sequence"),
                        {"school": SCHOOL.id, "sequence": newest})
    removed = j.rpc("admin", "VerifyChangeLog", verify)
    assert not removed.intact and removed.first_broken_sequence == newest

    with j.database.transaction() as session:
        session.execute(text("UPDATE change_log SET reason = 'подчищено' WHERE school_id = :school AND sequence = 3"),
                        {"school": SCHOOL.id})
    assert j.rpc("admin", "VerifyChangeLog", verify).first_broken_sequence == 3


