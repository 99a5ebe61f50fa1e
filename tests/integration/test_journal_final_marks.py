"""Final marks through the gateway: the suggestion and its basis (G2, M4), the requirements (M2), the
deadline, the period lock and the deputy director's exception (M3), the history of a cell (J8), and
who may do it (A5), also from the attacker's side.

The demo district as of Thursday 26 November 2026; the journal's clock stands at Friday 27 November,
13:00 in Moscow: the 2nd quarter is open, the 1st is locked (its deadline was 24 October).
"""
from __future__ import annotations

import datetime as dt

import pytest
from ezh.journal.v1 import journal_pb2
from sqlalchemy import delete, select

from services.common.demo import demo_id
from services.journal import store
from tests.integration import test_journal_marks
from tests.integration.test_journal_marks import (
    CLASS_5A, CLASS_7V, DISTRICT, MATH, MATH_TODAY, MATH_WEDNESDAY, PASSWORD, QUARTER_1, QUARTER_2, RUSSIAN, SCHOOL,
    _body,
)

pytestmark = pytest.mark.integration
journal_stack = test_journal_marks.journal_stack  # auth and the demo journal behind a gateway

STUDENT = CLASS_5A.students[4]


def final_mark_url(student_id: str, period_id: str = QUARTER_2, kind: str = "quarter", subject_id: str = MATH):
    return f"/api/v1/journal/students/{student_id}/subjects/{subject_id}/periods/{period_id}/final-marks/{kind}"


def suggestions_url(period_id: str = QUARTER_2, class_id: str = CLASS_5A.id, subject_id: str = MATH) -> str:
    return f"/api/v1/journal/classes/{class_id}/subjects/{subject_id}/periods/{period_id}/final-marks"


def put_mark(j, login: str, value, student_id: str = STUDENT.id, **kwargs):
    reason = kwargs.pop("reason", "")
    return j.client.put(final_mark_url(student_id, **kwargs), json={"value": value, "reason": reason},
                        headers=j.headers(login))


def forget_marks(j, student_id: str, subject_id: str, period_start: dt.date, period_end: dt.date) -> None:
    """Test setup: the student starts the period with no marks and absences in the subject."""
    lessons = select(store.lesson.c.id).where(store.lesson.c.subject_id == subject_id,
                                              store.lesson.c.date.between(period_start, period_end))
    with j.database.transaction() as session:
        for table in (store.mark, store.absence):
            session.execute(delete(table).where(table.c.student_id == student_id, table.c.lesson_id.in_(lessons)))


def outbox_of(j, event_type: str) -> list[dict]:
    return [event for event in j.outbox_events() if event["type"] == event_type]


def test_m2_m4_suggestion_with_basis_and_quarter_mark_needs_three_marks_and_written_work(journal_stack):
    j = journal_stack
    forget_marks(j, STUDENT.id, MATH, dt.date(2026, 11, 5), dt.date(2026, 12, 28))

    one = _body(j.client.get(suggestions_url() + f"?student_id={STUDENT.id}", headers=j.headers("teacher")), 200)
    assert one["kind"] == "quarter" and "Округление" in one["rounding_rule"] and not one["deadline_passed"]
    [empty] = one["suggestions"]
    assert empty["suggested_value"] is None and empty["can_set_mark"] is False and empty["marks"] == []
    assert [item["code"] for item in empty["unmet"]] == ["TOO_FEW_MARKS", "NO_CONTROL_WORK_MARK"]

    before = j.state()
    refused = _body(put_mark(j, "teacher", 4), 422)
    assert refused["reason"] == "TOO_FEW_MARKS" and "не меньше 3 отметок" in refused["detail"]
    assert j.state() == before

    _body(j.save("teacher", MATH_TODAY, {"entries": [{"student_id": STUDENT.id, "marks": [
        {"value": 5, "work_type": "oral"}, {"value": 4, "work_type": "oral"}, {"value": 4, "work_type": "homework"},
    ]}]}), 200)
    no_written = _body(put_mark(j, "teacher", 4), 422)
    assert no_written["reason"] == "NO_CONTROL_WORK_MARK" and "письменную" in no_written["detail"]

    _body(j.save("teacher", MATH_TODAY, {"entries": [{"student_id": STUDENT.id, "marks": [
        {"value": 5, "work_type": "oral"}, {"value": 4, "work_type": "oral"}, {"value": 3, "work_type": "test"},
    ]}]}), 200)
    whole = _body(j.client.get(suggestions_url(), headers=j.headers("teacher")), 200)
    assert len(whole["suggestions"]) == len(CLASS_5A.students)
    mine = next(row for row in whole["suggestions"] if row["student_id"] == STUDENT.id)
    # (5·1 + 4·1 + 3·2) / 4 = 3,75 → «4»
    assert (mine["weighted_average"], mine["weighted_sum"], mine["weight_total"]) == ("3.75", "15", "4")
    assert mine["suggested_value"] == "4" and "3,75" in mine["explanation"] and mine["can_set_mark"]
    assert sorted((m["value"], m["work_type"], m["weight"]) for m in mine["marks"]) == [
        ("3", "test", "2"), ("4", "oral", "1"), ("5", "oral", "1")]
    assert mine["attendance"]["lessons_held"] > 10 and mine["unmet"] == []

    not_attested = _body(put_mark(j, "teacher", "н/а"), 422)
    assert not_attested["reason"] == "NOT_ATTESTED_BUT_REQUIREMENTS_MET"
    assert _body(put_mark(j, "teacher", 6), 400)["field"] == "value"

    set_ = _body(put_mark(j, "teacher", 4), 200)
    assert set_["changed"] and set_["final_mark"]["value"] == "4" and set_["final_mark"]["exception_id"] is None
    assert _body(put_mark(j, "teacher", "4"), 200)["changed"] is False
    [event] = outbox_of(j, "ezh.journal.final_mark.set.v1")
    assert event["data"]["final_mark"]["subject_name"] == "Математика"
    assert event["data"]["final_mark"]["period_id"] == QUARTER_2 and event["data"]["final_mark"]["value"] == "4"

    # J8: a change more than 24 hours later needs a reason; every change is in the cell's history.
    j.clock.now += dt.timedelta(hours=25)
    assert _body(put_mark(j, "teacher", 5), 422)["reason"] == "CHANGE_REASON_REQUIRED"
    changed = _body(put_mark(j, "teacher", 5, reason="Пересдача контрольной"), 200)["final_mark"]
    history = _body(j.client.get(f"/api/v1/journal/final-marks/{changed['id']}/history",
                                 headers=j.headers("classteacher")), 200)["entries"]
    assert [(row["action"], row["old_value"] and row["old_value"]["value"], row["new_value"]["value"],
             row["reason"]) for row in history] == [
        ("created", None, "4", ""), ("updated", "4", "5", "Пересдача контрольной")]
    assert history[-1]["actor_id"] == DISTRICT.account("teacher").person.id
    assert outbox_of(j, "ezh.journal.final_mark.set.v1")[-1]["data"]["previous_value"] == "4"

    listed = _body(j.client.get(suggestions_url() + f"?student_id={STUDENT.id}", headers=j.headers("deputy")), 200)
    assert listed["suggestions"][0]["current"]["value"] == "5"
    diary = _body(j.client.get(f"/api/v1/students/{STUDENT.id}/marks?period_id={QUARTER_2}",
                               headers=j.headers("classteacher")), 200)
    math = next(item for item in diary["subjects"] if item["subject"]["id"] == MATH)
    assert [(mark["kind"], mark["value_title"]) for mark in math["final_marks"]] == [("quarter", "5")]

    # M1: the year mark is suggested from the quarters' marks; three are still missing.
    year = demo_id("period", SCHOOL.id, 2026, "year")
    [yearly] = _body(j.client.get(suggestions_url(year) + f"?student_id={STUDENT.id}&kind=year",
                                  headers=j.headers("teacher")), 200)["suggestions"]
    assert [item["code"] for item in yearly["unmet"]] == ["PERIOD_MARK_MISSING"] * 3
    assert "1 четверть" in yearly["unmet"][0]["message"] and yearly["suggested_value"] is None
    assert _body(put_mark(j, "teacher", 5, period_id=year, kind="year"), 422)["reason"] == "PERIOD_MARK_MISSING"
    assert _body(j.client.get(suggestions_url(year) + "?kind=quarter", headers=j.headers("teacher")),
                 400)["field"] == "kind"


def _deputy_of_school_2(j) -> str:
    """admin2 appoints a deputy director in the other school, who activates the account: their login."""
    admin2 = j.headers("admin2")
    person = _body(j.client.post("/api/v1/staff", headers=admin2, json={
        "last_name": "Орлова", "first_name": "Вера", "middle_name": "Ивановна",
        "roles": [{"role": "deputy_director"}]}), 201)
    slip = _body(j.client.post(f"/api/v1/people/{person['id']}/activation-codes", headers=admin2,
                               json={"role": "deputy_director"}), 201)
    tokens = _body(j.client.post("/api/v1/auth/activate", json={
        "code": slip["code"], "login": "deputy2", "password": PASSWORD}), 200)
    return tokens["access_token"]


def test_m3_deadline_lock_and_the_deputy_directors_exception(journal_stack):
    j = journal_stack
    teacher = DISTRICT.account("teacher").person.id
    old_lesson = j.rpc("admin", "CreateLesson", journal_pb2.CreateLessonRequest(
        class_id=CLASS_5A.id, subject_id=MATH, teacher_id=teacher, date="2026-10-20", number=6,
    )).lesson
    entry = {"entries": [{"student_id": STUDENT.id, "marks": [{"value": 5, "work_type": "test"}]}]}
    before = j.state()

    def locked(period_id: str, lesson_id: str) -> bool:
        page = _body(j.page("teacher", period_id=period_id), 200)
        return next(lesson for lesson in page["lessons"] if lesson["id"] == lesson_id)["locked"]

    assert locked(QUARTER_1, old_lesson.id) and not locked(QUARTER_2, MATH_TODAY)
    late = _body(put_mark(j, "teacher", "exempt", period_id=QUARTER_1), 422)
    assert late["reason"] == "FINAL_MARK_DEADLINE_PASSED" and "заместителя директора" in late["detail"]
    assert _body(j.save("teacher", old_lesson.id, entry), 422)["reason"] == "PERIOD_LOCKED"

    # Only the deputy director or the director of this school opens an exception.
    body = {"valid_until": "2026-11-30", "reason": "Приказ № 112 от 27.11.2026", "class_id": CLASS_5A.id,
            "subject_id": MATH}
    url = f"/api/v1/journal/periods/{QUARTER_1}/exceptions"
    assert j.client.post(url, json=body, headers=j.headers("teacher")).status_code == 403
    assert j.client.post(url, json=body, headers=j.headers("parent")).status_code == 403
    assert j.client.post(url, json=body, headers=j.headers("admin")).status_code == 403
    other_deputy = {"Authorization": f"Bearer {_deputy_of_school_2(j)}"}
    assert _body(j.client.post(url, json=body, headers=other_deputy), 404)["reason"] == "PERIOD_NOT_FOUND"
    assert _body(j.client.post(url, json={**body, "reason": ""}, headers=j.headers("deputy")), 400)["field"] == "reason"
    assert _body(j.client.post(url, json={**body, "valid_until": "2026-11-01"}, headers=j.headers("deputy")),
                 400)["field"] == "valid_until"
    assert j.state() == before

    opened = _body(j.client.post(url, json=body, headers=j.headers("deputy")), 201)
    assert opened["active"] and opened["granted_by"] == DISTRICT.account("deputy").person.id
    listed = _body(j.client.get(f"/api/v1/journal/schools/{SCHOOL.id}/exceptions", headers=j.headers("teacher")),
                   200)["exceptions"]
    assert [row["id"] for row in listed] == [opened["id"]]
    assert _body(j.client.get(f"/api/v1/journal/schools/{SCHOOL.id}/exceptions", headers=other_deputy), 404)

    # With the exception: the lock opens for this class and subject only, and late final marks are recorded as such.
    assert not locked(QUARTER_1, old_lesson.id)
    saved = _body(j.save("teacher", old_lesson.id, entry), 200)
    assert [mark["value"] for mark in saved["marks"]] == ["5"]
    [late_entry] = _body(j.client.get(f"/api/v1/journal/lessons/{old_lesson.id}/students/{STUDENT.id}/history",
                                      headers=j.headers("deputy")), 200)["entries"]
    assert late_entry["new_value"] == {"value": "5", "work_type": "test", "weight": None,
                                       "exception_id": opened["id"]}
    other_subject = j.rpc("admin", "CreateLesson", journal_pb2.CreateLessonRequest(
        class_id=CLASS_5A.id, subject_id=RUSSIAN, teacher_id=DISTRICT.account("classteacher").person.id,
        date="2026-10-20", number=7)).lesson
    assert _body(j.save("classteacher", other_subject.id, entry), 422)["reason"] == "PERIOD_LOCKED"
    page = _body(j.client.get(suggestions_url(QUARTER_1) + f"?student_id={STUDENT.id}",
                              headers=j.headers("teacher")), 200)
    assert page["deadline_passed"] and page["exception"]["id"] == opened["id"]
    assert _body(put_mark(j, "teacher", 5, period_id=QUARTER_1), 422)["reason"] == "TOO_FEW_MARKS"
    exempt = _body(put_mark(j, "teacher", "освобождён", period_id=QUARTER_1), 200)["final_mark"]
    assert exempt["value"] == "exempt" and exempt["value_title"] == "освобождён"
    assert exempt["exception_id"] == opened["id"]
    assert outbox_of(j, "ezh.journal.final_mark.set.v1")[-1]["data"]["exception_id"] == opened["id"]

    closed = _body(j.client.post(f"/api/v1/journal/exceptions/{opened['id']}/close", headers=j.headers("deputy")),
                   200)
    assert closed["closed"] and not closed["active"]
    # Opening and closing the exception are in the school's hash-chained change history (J8).
    with j.database.session() as session:
        logged = session.execute(select(store.change_log.c.action, store.change_log.c.reason, store.change_log.c.actor_id)
                                 .where(store.change_log.c.entity == "period_exception",
                                        store.change_log.c.entity_id == opened["id"])
                                 .order_by(store.change_log.c.sequence)).all()
    assert [row.action for row in logged] == ["created", "updated"]
    assert logged[0].reason == opened["reason"] and {row.actor_id for row in logged} == {DISTRICT.account("deputy").person.id}
    assert _body(j.client.get(f"/api/v1/journal/schools/{SCHOOL.id}/change-log/verification",
                              headers=j.headers("director")), 200)["intact"]
    assert _body(j.save("teacher", old_lesson.id, entry), 422)["reason"] == "PERIOD_LOCKED"
    assert locked(QUARTER_1, old_lesson.id)
    assert _body(put_mark(j, "teacher", "not_attested", period_id=QUARTER_1), 422)["reason"] == \
        "FINAL_MARK_DEADLINE_PASSED"


def test_a5_final_marks_and_history_from_the_attackers_side(journal_stack):
    j = journal_stack
    seeded = next(mark for mark in _body(j.page("teacher"), 200)["marks"] if mark["lesson_id"] == MATH_WEDNESDAY)
    student = seeded["student_id"]
    before = j.state()

    # Another subject's teacher of the same class, another class's teacher, a parent, a student, another school.
    assert _body(put_mark(j, "classteacher", 4, student_id=student), 403)["reason"] == "NOT_ASSIGNED"
    assert _body(put_mark(j, "teacher2", 4, student_id=student), 403)["reason"] == "NOT_ASSIGNED"
    assert put_mark(j, "parent", 5, student_id=CLASS_5A.students[0].id).status_code == 403
    assert put_mark(j, "student", 5, student_id=CLASS_5A.students[0].id).status_code == 403
    assert _body(put_mark(j, "teacher7", 4, student_id=student), 404)["reason"] == "STUDENT_NOT_FOUND"
    assert _body(put_mark(j, "teacher7", 4, student_id=CLASS_7V.students[0].id), 404)["reason"] == \
        "SUBJECT_NOT_FOUND"
    assert j.client.get(suggestions_url(), headers=j.headers("teacher2")).status_code == 403
    assert j.client.get(suggestions_url(), headers=j.headers("teacher7")).status_code == 404
    assert j.client.get(suggestions_url(), headers=j.headers("parent")).status_code == 403
    # Bad input: 400 naming the field, nothing changed.
    extra = j.client.put(final_mark_url(student), json={"value": 4, "grade": 5}, headers=j.headers("teacher"))
    assert _body(extra, 400)["field"] == "grade"
    assert _body(put_mark(j, "teacher", 4, student_id=student, kind="semester"), 400)["field"] == "kind"
    assert _body(put_mark(j, "teacher", 4, student_id=student, kind="year"), 400)["field"] == "period_id"
    bad_class = j.client.post(f"/api/v1/journal/periods/{QUARTER_1}/exceptions", headers=j.headers("deputy"),
                              json={"valid_until": "2026-11-30", "reason": "Приказ", "class_id": "5А"})
    assert _body(bad_class, 400)["field"] == "class_id"
    bad_day = j.client.post(f"/api/v1/journal/periods/{QUARTER_1}/exceptions", headers=j.headers("deputy"),
                            json={"valid_until": "30.11.2026", "reason": "Приказ"})
    assert _body(bad_day, 400)["field"] == "valid_until"
    assert j.client.get("/api/v1/journal/final-marks/abc/history", headers=j.headers("teacher")).status_code == 400
    assert j.state() == before

    # The history of a cell: a change made two days later with its reason, for staff who may see the class.
    changed_value = "3" if seeded["value"] != "3" else "4"
    _body(j.save("teacher", MATH_WEDNESDAY, {"entries": [{"student_id": student, "marks": [
        {"id": seeded["id"], "value": changed_value, "work_type": seeded["work_type"]}]}],
        "reason": "Ошибка при вводе"}), 200)
    cell = f"/api/v1/journal/lessons/{MATH_WEDNESDAY}/students/{student}/history"
    for login in ("teacher", "classteacher", "deputy"):
        entries = _body(j.client.get(cell, headers=j.headers(login)), 200)["entries"]
        assert [(row["action"], row["reason"]) for row in entries if row["entity_id"] == seeded["id"]] == [
            ("created", ""), ("updated", "Ошибка при вводе")]
        assert entries[-1]["old_value"]["value"] == seeded["value"]
        assert entries[-1]["new_value"]["value"] == changed_value
    # The lesson's own cells: its homework's history, without the students' marks.
    _body(j.client.put(f"/api/v1/journal/lessons/{MATH_WEDNESDAY}/homework", headers=j.headers("teacher"),
                       json={"text": "№ 245, 247", "due_date": "2026-11-30"}), 200)
    lesson_history = _body(j.client.get(f"/api/v1/journal/lessons/{MATH_WEDNESDAY}/history",
                                        headers=j.headers("classteacher")), 200)["entries"]
    assert [row["entity"] for row in lesson_history] == ["homework"]
    assert lesson_history[0]["new_value"]["text"] == "№ 245, 247"
    assert j.client.get(f"/api/v1/journal/lessons/{MATH_WEDNESDAY}/history",
                        headers=j.headers("teacher7")).status_code == 404
    assert _body(j.client.get(cell, headers=j.headers("teacher2")), 403)["reason"] == "NOT_ASSIGNED"
    assert _body(j.client.get(cell, headers=j.headers("teacher7")), 404)["reason"] == "LESSON_NOT_FOUND"
    assert j.client.get(cell, headers=j.headers("parent")).status_code == 403

    # The tamper check through the gateway: the administration only, its own school only.
    verification = f"/api/v1/journal/schools/{SCHOOL.id}/change-log/verification"
    intact = _body(j.client.get(verification, headers=j.headers("director")), 200)
    assert intact["intact"] and intact["checked_count"] > 100 and intact["first_broken_sequence"] is None
    assert j.client.get(verification, headers=j.headers("teacher")).status_code == 403
    assert j.client.get(verification, headers=j.headers("admin2")).status_code == 404
    with j.database.transaction() as session:
        session.execute(store.change_log.update().where(store.change_log.c.entity_id == seeded["id"],
                                                        store.change_log.c.action == "updated")
                        .values(reason="Иная причина"))
    broken = _body(j.client.get(verification, headers=j.headers("admin")), 200)
    assert not broken["intact"] and broken["first_broken_sequence"] > 0


def test_g2_school_weights_of_work_types_count_in_averages_and_suggestions(journal_stack):
    j = journal_stack
    url = f"/api/v1/journal/schools/{SCHOOL.id}/work-type-weights"
    listed = {row["work_type"]: row for row in _body(j.client.get(url, headers=j.headers("teacher")), 200)["weights"]}
    assert (listed["test"]["weight"], listed["test"]["school_set"], listed["test"]["title"]) == (
        "2", False, "Контрольная работа")
    forget_marks(j, STUDENT.id, MATH, dt.date(2026, 11, 5), dt.date(2026, 12, 28))
    _body(j.save("teacher", MATH_TODAY, {"entries": [{"student_id": STUDENT.id, "marks": [
        {"value": 5, "work_type": "oral"}, {"value": 4, "work_type": "oral"}, {"value": 3, "work_type": "test"},
    ]}]}), 200)

    before = j.state()
    assert j.client.put(url, json={"weights": [{"work_type": "test", "weight": 3}]},
                        headers=j.headers("teacher")).status_code == 403
    assert j.client.put(url, json={"weights": [{"work_type": "test", "weight": 3}]},
                        headers=j.headers("admin2")).status_code == 404
    assert _body(j.client.put(url, json={"weights": [{"work_type": "test", "weight": 11}]},
                              headers=j.headers("deputy")), 400)["field"] == "weights[0].weight"
    assert _body(j.client.put(url, json={"weights": [{"work_type": "poetry", "weight": 2}]},
                              headers=j.headers("deputy")), 400)["field"] == "weights[0].work_type"
    assert j.state() == before

    changed = {row["work_type"]: row for row in _body(j.client.put(url, json={"weights": [
        {"work_type": "test", "weight": "3"}]}, headers=j.headers("deputy")), 200)["weights"]}
    assert (changed["test"]["weight"], changed["test"]["school_set"], changed["oral"]["weight"]) == ("3", True, "1")
    # (5·1 + 4·1 + 3·3) / 5 = 3,60
    [mine] = _body(j.client.get(suggestions_url() + f"?student_id={STUDENT.id}", headers=j.headers("teacher")),
                   200)["suggestions"]
    assert (mine["weighted_average"], mine["suggested_value"]) == ("3.60", "4")
    page = _body(j.page("teacher"), 200)
    assert next(row for row in page["students"] if row["id"] == STUDENT.id)["average"] == "3.60"
    assert {m["weight"] for m in page["marks"] if m["student_id"] == STUDENT.id and m["work_type"] == "test"} == {"3"}

    back = {row["work_type"]: row for row in _body(j.client.put(url, json={"weights": [
        {"work_type": "test", "weight": None}]}, headers=j.headers("admin")), 200)["weights"]}
    assert (back["test"]["weight"], back["test"]["school_set"]) == ("2", False)
