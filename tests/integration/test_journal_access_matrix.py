"""A5, the authorisation matrix of the journal: every journal route × every demo login × own / another /
the other school's object, through the gateway, on one system started once.

The expected answers come from the rules as the code documents them: who holds a role the route admits
(the README route table, checked here against the gateway's own declarations, `gateway/access.py`), and
what the journal decides by object (`services/journal/access.py`, `services/journal/record_access.py`):

- a login holding none of the route's roles: 403 ROLE_REQUIRED from the gateway;
- an object of another school (or a student who is not the caller's, a lesson of another class for a
  parent or student): 404, exactly as a missing one;
- staff of the object's school without the right to it: 403.

Writes are exercised only where they are refused: a refused write must change nothing. Where the
owner's write can be refused by a rule checked after the object check (a bad value, a plan whose hours
differ, a subgroup move in mid-period), the owner is sent that request, which proves the object check
admitted them without writing. Owners whose write would succeed are marked `ADMITTED` and not sent.

Every 200 answer is also searched for ids the login must never see (another school's, another family's).

The demo district as of Thursday 26 November 2026; the journal's clock stands at Friday 27 November,
13:00 in Moscow (2nd quarter). Runs on PostgreSQL + RabbitMQ and on SQLite + the embedded bus.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from gateway.access import access_of
from services.common.demo import build_district, demo_id
from services.common.roles import Role
from services.journal import store

from .test_journal_marks import journal_stack  # noqa: F401 - auth and the demo journal behind a gateway

pytestmark = pytest.mark.integration

DISTRICT = build_district()
SCHOOL_1, SCHOOL_2 = DISTRICT.schools
CLASS_5A, CLASS_9B = SCHOOL_1.classes
CLASS_7V = SCHOOL_2.classes[0]
FRIDAY = dt.date(2026, 11, 27)

MATH = demo_id("subject", SCHOOL_1.id, "Математика")
RUSSIAN = demo_id("subject", SCHOOL_1.id, "Русский язык")
ENGLISH = demo_id("subject", SCHOOL_1.id, "Английский язык")
MATH_2 = demo_id("subject", SCHOOL_2.id, "Математика")
QUARTER_1 = demo_id("period", SCHOOL_1.id, 2026, "quarter", 1)
QUARTER_2 = demo_id("period", SCHOOL_1.id, 2026, "quarter", 2)
QUARTER_1_2 = demo_id("period", SCHOOL_2.id, 2026, "quarter", 1)
QUARTER_2_2 = demo_id("period", SCHOOL_2.id, 2026, "quarter", 2)
# Friday's lessons (services/journal/seed.py WEEKS, ASSIGNMENTS).
MATH_5A = demo_id("lesson", CLASS_5A.id, FRIDAY, 1)  # teacher's
RUSSIAN_9B = demo_id("lesson", CLASS_9B.id, FRIDAY, 3)  # teacher2's (who leads 9Б)
MATH_7V = demo_id("lesson", CLASS_7V.id, FRIDAY, 1)  # teacher7's, school 2

FAMILY_CHILD = CLASS_5A.students[0]  # the demo student; the demo parent's child in 5А
FAMILY_SIBLING = CLASS_9B.students[0]  # the demo parent's child in 9Б
CLASSMATE = CLASS_5A.students[1]  # another family's child in 5А
NINTH = CLASS_9B.students[1]  # another family's child in 9Б
SEVENTH = CLASS_7V.students[0]  # school 2

LOGINS = ("teacher", "classteacher", "teacher2", "parent", "student", "admin", "director", "deputy", "district",
          "teacher7", "admin2")
ROLES_OF = {login: frozenset(role for role, _ in DISTRICT.account(login).roles) for login in LOGINS}

ADMITTED = "admitted"  # the owner's write would succeed: not sent
ROLE_REFUSED = (403, "ROLE_REQUIRED")
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"

A, D, DD = Role.ADMINISTRATOR, Role.DIRECTOR, Role.DEPUTY_DIRECTOR
ST, CT, P, S, DO = Role.SUBJECT_TEACHER, Role.CLASS_TEACHER, Role.PARENT, Role.STUDENT, Role.DISTRICT_OPERATOR
ADMINISTRATION = frozenset({A, D, DD})
STAFF = ADMINISTRATION | {ST, CT}
LESSON_READERS = STAFF | {P, S}
STUDENT_READERS = ADMINISTRATION | {CT, P, S}
CLASS_READERS = ADMINISTRATION | {CT}
CLASS_KEEPERS = frozenset({A, CT})

S1_ADMINISTRATION = "admin director deputy"
S1_STAFF = f"teacher classteacher teacher2 {S1_ADMINISTRATION}"
S2_STAFF = "teacher7 admin2"


@dataclass(frozen=True)
class Upload:
    """A multipart/form-data body with one file in the field `file`."""

    file_name: str
    content: bytes


@dataclass(frozen=True)
class Case:
    """One object of a route and what each login that holds a route role gets for it."""

    name: str
    params: dict
    expected: dict  # status (or ADMITTED) -> space-separated logins

    def expectation(self, login: str):
        found = [status for status, logins in self.expected.items() if login in logins.split()]
        return found[0] if len(found) == 1 else ("TABLE: no expectation" if not found else "TABLE: twice")


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # with {placeholders} filled from a case's params
    roles: frozenset  # the README route table
    cases: tuple[Case, ...]
    body: Callable[[dict], object] | None = None

    @property
    def reads(self) -> bool:
        return self.method == "GET"

    @property
    def template(self) -> str:
        return re.sub(r"\{[^}]+\}", "{}", self.path.split("?")[0].replace("{query}", ""))


def page_cases(make: Callable[[str, str, str, str], dict]) -> tuple[Case, ...]:
    """Objects of a class and subject: 5А maths (teacher's; classteacher leads 5А), 9Б Russian (teacher2's),
    7В maths (school 2). Staff of the school without the class or subject: 403; the other school: 404."""
    return (
        Case("5А maths", make(CLASS_5A.id, MATH, QUARTER_2, "5a"),
             {200: f"teacher classteacher {S1_ADMINISTRATION}", 403: "teacher2", 404: S2_STAFF}),
        Case("9Б Russian", make(CLASS_9B.id, RUSSIAN, QUARTER_2, "9b"),
             {200: f"teacher2 {S1_ADMINISTRATION}", 403: "teacher classteacher", 404: S2_STAFF}),
        Case("7В maths (school 2)", make(CLASS_7V.id, MATH_2, QUARTER_2_2, "7v"),
             {200: S2_STAFF, 404: S1_STAFF}),
    )


def lesson_cases(make: Callable[[str, str, str], dict], own: object = 200) -> tuple[Case, ...]:
    """A lesson's readers: its teacher, the class teacher, the administration, the class's students and parents."""
    return (
        Case("5А maths lesson", make(MATH_5A, CLASS_5A.students[2].id, "5a"),
             {own: f"teacher classteacher {S1_ADMINISTRATION} parent student", 403: "teacher2",
              404: S2_STAFF}),
        Case("9Б Russian lesson", make(RUSSIAN_9B, CLASS_9B.students[2].id, "9b"),
             {own: f"teacher2 {S1_ADMINISTRATION} parent", 403: "teacher classteacher",
              404: f"student {S2_STAFF}"}),
        Case("7В maths lesson (school 2)", make(MATH_7V, CLASS_7V.students[2].id, "7v"),
             {own: S2_STAFF, 404: f"{S1_STAFF} parent student"}),
    )


def lesson_write_cases(make: Callable[[str, str, str], dict], own: object) -> tuple[Case, ...]:
    """A lesson's writer: the subject teacher assigned to its class and subject."""
    return (
        Case("5А maths lesson", make(MATH_5A, CLASS_5A.students[2].id, "5a"),
             {own: "teacher", 403: "classteacher teacher2", 404: "teacher7"}),
        Case("9Б Russian lesson", make(RUSSIAN_9B, CLASS_9B.students[2].id, "9b"),
             {own: "teacher2", 403: "teacher classteacher", 404: "teacher7"}),
        Case("7В maths lesson (school 2)", make(MATH_7V, CLASS_7V.students[2].id, "7v"),
             {own: "teacher7", 404: "teacher classteacher teacher2"}),
    )


def plan_write_cases(own) -> tuple[Case, ...]:
    """A class's КТП of a subject is written by the subject's teacher in the class."""
    return (
        Case("5А maths", dict(class_id=CLASS_5A.id, subject=MATH),
             {own: "teacher", 403: "classteacher teacher2", 404: "teacher7"}),
        Case("9Б Russian", dict(class_id=CLASS_9B.id, subject=RUSSIAN),
             {own: "teacher2", 403: "teacher classteacher", 404: "teacher7"}),
        Case("7В maths (school 2)", dict(class_id=CLASS_7V.id, subject=MATH_2),
             {own: "teacher7", 404: "teacher classteacher teacher2"}),
    )


def student_cases(period: bool, staff_without_class: int) -> tuple[Case, ...]:
    """One student's data: themself, their parents, their class teacher, the administration. Staff of the
    school who do not lead the class get `staff_without_class` (the records say 403, the diary 404)."""
    def make(student, school_period):
        return dict(student=student.id, period=school_period) if period else dict(student=student.id)

    def expected(own: str, without_class: str, not_seen: str) -> dict:
        found = {200: own, 404: not_seen}
        found[staff_without_class] = f"{found.get(staff_without_class, '')} {without_class}".strip()
        return found

    return (
        Case("5А: the demo family's child", make(FAMILY_CHILD, QUARTER_2),
             expected(f"classteacher parent student {S1_ADMINISTRATION}", "teacher2", S2_STAFF)),
        Case("5А: another family's child", make(CLASSMATE, QUARTER_2),
             expected(f"classteacher {S1_ADMINISTRATION}", "teacher2", f"parent student {S2_STAFF}")),
        Case("9Б: the demo parent's other child", make(FAMILY_SIBLING, QUARTER_2),
             expected(f"teacher2 parent {S1_ADMINISTRATION}", "classteacher", f"student {S2_STAFF}")),
        Case("7В (school 2)", make(SEVENTH, QUARTER_2_2),
             {200: S2_STAFF, 404: f"classteacher teacher2 parent student {S1_ADMINISTRATION}"}),
    )


def school_cases(school_1: dict, school_2: dict) -> tuple[Case, ...]:
    return (Case("school 1", dict(school=SCHOOL_1.id), school_1), Case("school 2", dict(school=SCHOOL_2.id), school_2))


def class_cases(own, *, keepers: str = "", readers: str = "", params=lambda class_, period: {}) -> tuple:
    """A class's own data: its class teacher, and the school's `keepers` and `readers`; 403 for other staff of
    the school holding a route role; 404 for the other school."""
    side = f" {keepers} {readers}".rstrip()
    admin2 = " admin2" if "admin" in side.split() else ""
    return (
        Case("5А", dict(class_id=CLASS_5A.id, **params(CLASS_5A, QUARTER_2)),
             {own: "classteacher" + side, 403: "teacher2", 404: "teacher7" + admin2}),
        Case("9Б", dict(class_id=CLASS_9B.id, **params(CLASS_9B, QUARTER_2)),
             {own: "teacher2" + side, 403: "classteacher", 404: "teacher7" + admin2}),
        Case("7В (school 2)", dict(class_id=CLASS_7V.id, **params(CLASS_7V, QUARTER_2_2)),
             {own: "teacher7" + admin2, 404: "classteacher teacher2" + side}),
    )


def drop(expected: dict, *logins: str) -> dict:
    """`expected` without `logins` (who hold no role of the route)."""
    return {status: " ".join(login for login in names.split() if login not in logins)
            for status, names in expected.items()}


def routes(objects: dict) -> list[Route]:
    """The matrix: every route served by the journal (gateway/journal.py, gateway/journal_records.py)."""
    page = page_cases(lambda class_id, subject, period, key: dict(class_id=class_id, subject=subject, period=period))
    lesson_reads = lesson_cases(lambda lesson, student, key: dict(lesson=lesson, student=student))
    student_records = student_cases(period=False, staff_without_class=403)
    final_marks = (
        Case("5А maths final mark", dict(final_mark=objects["final_mark/5a"]), page[0].expected),
        Case("9Б Russian final mark", dict(final_mark=objects["final_mark/9b"]), page[1].expected),
        Case("7В maths final mark (school 2)", dict(final_mark=objects["final_mark/7v"]), page[2].expected),
    )
    attachments = lesson_cases(lambda lesson, student, key: dict(attachment=objects[f"attachment/{key}"]))
    s1_staff_reads = school_cases({200: S1_STAFF, 404: S2_STAFF}, {200: S2_STAFF, 404: S1_STAFF})

    def final_mark_target(student, subject, period):
        return dict(student=student.id, subject=subject, period=period, kind="quarter")

    return [
        # ---------------------------------------------------------------- gateway/journal.py
        Route("GET", "/api/v1/journal/classes/{class_id}/subjects/{subject}/periods/{period}", STAFF, page),
        Route("GET", "/api/v1/journal/classes/{class_id}/subjects/{subject}/periods/{period}/final-marks", STAFF,
              page),
        Route("PUT", "/api/v1/journal/lessons/{lesson}/entries", frozenset({ST}),
              lesson_write_cases(lambda lesson, student, key: dict(lesson=lesson, student=student), own=400),
              body=lambda p: {"entries": [{"student_id": p["student"], "marks": [{"value": 6, "work_type": "oral"}]}]}),
        Route("GET", "/api/v1/students/{student}/marks?period_id={period}", STUDENT_READERS,
              student_cases(period=True, staff_without_class=404)),
        Route("GET", "/api/v1/journal/periods{query}", frozenset(Role), (
            Case("school 1", dict(query=f"?school_id={SCHOOL_1.id}"),
                 {200: f"{S1_STAFF} parent student district", 404: S2_STAFF}),
            Case("school 2", dict(query=f"?school_id={SCHOOL_2.id}"),
                 {200: f"{S2_STAFF} district", 404: f"{S1_STAFF} parent student"}),
            Case("own school", dict(query=""), {200: f"{S1_STAFF} parent student {S2_STAFF}", 400: "district"}),
        )),
        Route("PUT", "/api/v1/journal/students/{student}/subjects/{subject}/periods/{period}/final-marks/{kind}",
              frozenset({ST}), (
                  Case("5А maths", final_mark_target(CLASSMATE, MATH, QUARTER_2),
                       {400: "teacher", 403: "classteacher teacher2", 404: "teacher7"}),
                  Case("9Б Russian", final_mark_target(NINTH, RUSSIAN, QUARTER_2),
                       {400: "teacher2", 403: "teacher classteacher", 404: "teacher7"}),
                  Case("7В maths (school 2)", final_mark_target(SEVENTH, MATH_2, QUARTER_2_2),
                       {400: "teacher7", 404: "teacher classteacher teacher2"}),
              ), body=lambda p: {"value": 6}),
        Route("POST", "/api/v1/journal/periods/{period}/exceptions", frozenset({D, DD}), (
            Case("school 1's 1st quarter", dict(period=QUARTER_1), {ADMITTED: "director deputy"}),
            Case("school 2's 1st quarter", dict(period=QUARTER_1_2), {404: "director deputy"}),
        ), body=lambda p: {"valid_until": "2026-11-30", "reason": "Приказ № 1"}),
        Route("POST", "/api/v1/journal/exceptions/{exception}/close", frozenset({D, DD}), (
            Case("school 1's exception", dict(exception=objects["exception/1"]), {ADMITTED: "director deputy"}),
            Case("school 2's exception", dict(exception=objects["exception/2"]), {404: "director deputy"}),
        )),
        Route("GET", "/api/v1/journal/schools/{school}/exceptions", STAFF, s1_staff_reads),
        Route("GET", "/api/v1/journal/lessons/{lesson}/students/{student}/history", STAFF,
              tuple(Case(case.name, case.params, drop(case.expected, "parent", "student")) for case in lesson_reads)),
        Route("GET", "/api/v1/journal/lessons/{lesson}/history", STAFF,
              tuple(Case(case.name, case.params, drop(case.expected, "parent", "student")) for case in lesson_reads)),
        Route("GET", "/api/v1/journal/final-marks/{final_mark}/history", STAFF, final_marks),
        Route("GET", "/api/v1/journal/schools/{school}/change-log/verification", ADMINISTRATION,
              school_cases({200: S1_ADMINISTRATION, 404: "admin2"}, {200: "admin2", 404: S1_ADMINISTRATION})),
        Route("GET", "/api/v1/journal/schools/{school}/work-type-weights", STAFF, s1_staff_reads),
        Route("PUT", "/api/v1/journal/schools/{school}/work-type-weights", ADMINISTRATION,
              school_cases({400: S1_ADMINISTRATION, 404: "admin2"}, {400: "admin2", 404: S1_ADMINISTRATION}),
              body=lambda p: {"weights": [{"work_type": "test", "weight": "11"}]}),
        # ---------------------------------------------------------------- gateway/journal_records.py
        Route("GET", "/api/v1/journal/lessons/{lesson}/homework", LESSON_READERS, lesson_reads),
        Route("PUT", "/api/v1/journal/lessons/{lesson}/homework", frozenset({ST}),
              lesson_write_cases(lambda lesson, student, key: dict(lesson=lesson), own=400),
              body=lambda p: {"text": "", "due_date": "2026-12-01"}),
        Route("POST", "/api/v1/journal/lessons/{lesson}/homework/attachments", frozenset({ST}),
              lesson_write_cases(lambda lesson, student, key: dict(lesson=lesson), own=ADMITTED),
              body=lambda p: Upload("task.pdf", PDF)),
        Route("GET", "/api/v1/journal/homework/attachments/{attachment}", LESSON_READERS, attachments),
        Route("DELETE", "/api/v1/journal/homework/attachments/{attachment}", frozenset({ST}),
              lesson_write_cases(lambda lesson, student, key: dict(attachment=objects[f"attachment/{key}"]),
                                 own=ADMITTED)),
        Route("GET", "/api/v1/journal/classes/{class_id}/subjects/{subject}/lesson-plan", LESSON_READERS,
              tuple(Case(case.name, dict(class_id=case.params["class_id"], subject=case.params["subject"]),
                         lesson_reads[index].expected) for index, case in enumerate(page))),
        *(Route(method, "/api/v1/journal/classes/{class_id}/subjects/{subject}/lesson-plan" + suffix, frozenset({ST}),
                plan_write_cases(own), body=body)
          for method, suffix, own, body in (
              ("PUT", "", ADMITTED, lambda p: {"items": [{"topic": "Повторение", "hours": 1}]}),
              ("POST", "/import", ADMITTED, lambda p: Upload("ktp.csv", "Повторение;1\n".encode())),
              ("POST", "/complete", 422, None))),  # no plan yet: its hours differ from the curriculum's
        Route("PUT", "/api/v1/journal/classes/{class_id}/subjects/{subject}/curriculum", ADMINISTRATION, (
            Case("5А maths", dict(class_id=CLASS_5A.id, subject=MATH), {ADMITTED: S1_ADMINISTRATION, 404: "admin2"}),
            Case("7В maths (school 2)", dict(class_id=CLASS_7V.id, subject=MATH_2),
                 {ADMITTED: "admin2", 404: S1_ADMINISTRATION}),
        ), body=lambda p: {"hours": 100}),
        Route("GET", "/api/v1/journal/students/{student}/record", STUDENT_READERS, student_records),
        *(Route(method, "/api/v1/journal/students/{student}/record" + suffix, CLASS_KEEPERS, (
            Case("5А: another family's child", dict(student=CLASSMATE.id),
                 {ADMITTED: "classteacher admin", 403: "teacher2", 404: "teacher7 admin2"}),
            Case("9Б: another family's child", dict(student=NINTH.id),
                 {ADMITTED: "teacher2 admin", 403: "classteacher", 404: "teacher7 admin2"}),
            Case("7В (school 2)", dict(student=SEVENTH.id), {ADMITTED: "teacher7 admin2",
                                                            404: "classteacher teacher2 admin"}),
        ), body=body) for method, suffix, body in (
            ("PUT", "", lambda p: {"last_name": "Иванов", "first_name": "Иван"}), ("POST", "/verified", None))),
        Route("GET", "/api/v1/journal/classes/{class_id}/records-due", CLASS_KEEPERS, class_cases(200, keepers="admin")),
        Route("POST", "/api/v1/journal/classes/{class_id}/roster-changes", frozenset({CT}),
              class_cases(400), body=lambda p: {"kind": "departure", "date": "2026-12-01"}),
        Route("GET", "/api/v1/journal/schools/{school}/roster-changes", CLASS_READERS,
              school_cases({200: f"classteacher teacher2 {S1_ADMINISTRATION}", 404: S2_STAFF},
                           {200: S2_STAFF, 404: f"classteacher teacher2 {S1_ADMINISTRATION}"})),
        Route("POST", "/api/v1/journal/roster-changes/{change}/carry-out", frozenset({A}), (
            Case("school 1's arrival to 5А", dict(change=objects["roster_change/5a"]),
                 {ADMITTED: "admin", 404: "admin2"}),
            Case("school 2's arrival to 7В", dict(change=objects["roster_change/7v"]),
                 {ADMITTED: "admin2", 404: "admin"}),
        ), body=lambda p: {}),
        Route("GET", "/api/v1/journal/classes/{class_id}/subjects/{subject}/subgroups", STAFF, (
            Case("5А English", dict(class_id=CLASS_5A.id, subject=ENGLISH), {200: S1_STAFF, 404: S2_STAFF}),
            Case("7В maths (school 2)", dict(class_id=CLASS_7V.id, subject=MATH_2), {200: S2_STAFF, 404: S1_STAFF}),
        )),
        Route("PUT", "/api/v1/journal/classes/{class_id}/subjects/{subject}/subgroups", CLASS_KEEPERS, (
            # 5А English and 7В maths are divided already: their keepers are refused by that rule (422).
            Case("5А English (divided)", dict(class_id=CLASS_5A.id, subject=ENGLISH, students=CLASS_5A.students),
                 {422: "classteacher admin", 403: "teacher2", 404: "teacher7 admin2"}),
            Case("9Б English", dict(class_id=CLASS_9B.id, subject=ENGLISH, students=CLASS_9B.students),
                 {ADMITTED: "teacher2 admin", 403: "classteacher", 404: "teacher7 admin2"}),
            Case("7В maths (school 2, divided)", dict(class_id=CLASS_7V.id, subject=MATH_2,
                                                      students=CLASS_7V.students),
                 {422: "teacher7 admin2", 404: "classteacher teacher2 admin"}),
        ), body=lambda p: {"subgroups": [{"name": "1", "student_ids": [p["students"][0].id]},
                                         {"name": "2", "student_ids": [p["students"][1].id]}]}),
        # Moving between subgroups in mid-period: the administrator of the school is refused by that rule (422).
        Route("POST", "/api/v1/journal/students/{student}/subgroup", frozenset({A}), (
            Case("5А English subgroup", dict(student=FAMILY_CHILD.id, group=objects["subgroup/5a"]),
                 {422: "admin", 404: "admin2"}),
            Case("7В maths subgroup (school 2)", dict(student=SEVENTH.id, group=objects["subgroup/7v"]),
                 {422: "admin2", 404: "admin"}),
        ), body=lambda p: {"subgroup_id": p["group"]}),
        Route("POST", "/api/v1/journal/classes/{class_id}/absence-notes", frozenset({CT}),
              class_cases(400, params=lambda class_, period: dict(student=class_.students[3].id)),
              body=lambda p: {"student_id": p["student"], "first_date": "2026-11-24", "kind": "ill",
                              "document": ""}),
        Route("GET", "/api/v1/journal/classes/{class_id}/attendance/week?week=2026-11-23", CLASS_READERS,
              class_cases(200, readers=S1_ADMINISTRATION)),
        Route("POST", "/api/v1/journal/classes/{class_id}/attendance/reconciliations", frozenset({CT}),
              class_cases(400), body=lambda p: {"week": "2026-11-30"}),
        Route("GET", "/api/v1/journal/classes/{class_id}/marks-overview?period_id={period}", CLASS_READERS,
              class_cases(200, readers=S1_ADMINISTRATION,
                          params=lambda class_, period: dict(period=period))),
    ]


def forbidden_ids() -> dict[str, set[str]]:
    """Ids each login must never find in an answer: the other school's, other families' children."""
    def ids(school) -> set[str]:
        return {school.id} | {c.id for c in school.classes} | {s.id for c in school.classes for s in c.students}

    school_1, school_2 = ids(SCHOOL_1), ids(SCHOOL_2)
    school_1_students = {s.id for c in SCHOOL_1.classes for s in c.students}
    found = {login: set(school_2) for login in LOGINS}
    found["teacher7"] = found["admin2"] = set(school_1)
    found["parent"] |= school_1_students - {FAMILY_CHILD.id, FAMILY_SIBLING.id}
    found["student"] |= school_1_students - {FAMILY_CHILD.id}
    found["district"] = set()
    return found


# ------------------------------------------------------------------ the system's state

QUIET = {"processed_event", "revoked_account"}  # written by the bus consumers, not by requests
COUNTED = {"outbox_event"}  # the relay stamps sent rows: compared by rows, not contents


def counts(j) -> tuple:
    tables = [table for table in store.metadata.sorted_tables if table.name not in QUIET]
    with j.database.session() as session:
        return tuple(session.execute(select(*[
            select(func.count()).select_from(table).scalar_subquery().label(table.name) for table in tables])).one())


def fingerprint(j) -> dict[str, str]:
    """Every journal table's contents, hashed: what a refused request must not change."""
    found = {}
    with j.database.session() as session:
        for table in store.metadata.sorted_tables:
            if table.name in QUIET:
                continue
            if table.name in COUNTED:
                found[table.name] = str(session.scalar(select(func.count()).select_from(table)))
                continue
            rows = sorted(repr(tuple(row)) for row in session.execute(select(table)))
            found[table.name] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    return found


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(name for name in before if before[name] != after.get(name))


# ------------------------------------------------------------------ the objects beyond the seed

def _created(response, what: str) -> dict:
    assert response.status_code in (200, 201), f"setup: {what}: {response.status_code} {response.get_data(True)}"
    return response.get_json()


def create_objects(j) -> dict[str, str]:
    """Attachments, roster requests, subgroups by their owners through the gateway; an exception to the lock
    and final marks in each school straight into the journal's database (test setup)."""
    objects = {}
    for key, login, lesson in (("5a", "teacher", MATH_5A), ("9b", "teacher2", RUSSIAN_9B), ("7v", "teacher7", MATH_7V)):
        objects[f"attachment/{key}"] = _created(j.client.post(
            f"/api/v1/journal/lessons/{lesson}/homework/attachments", headers=j.headers(login),
            data={"file": (io.BytesIO(PDF), "setup.pdf")}, content_type="multipart/form-data"), "attachment")["id"]
    for key, login, school_class in (("5a", "classteacher", CLASS_5A), ("7v", "teacher7", CLASS_7V)):
        objects[f"roster_change/{key}"] = _created(j.client.post(
            f"/api/v1/journal/classes/{school_class.id}/roster-changes", headers=j.headers(login), json={
                "kind": "arrival", "date": "2026-12-07",
                "new_student": {"last_name": "Новиков", "first_name": "Илья", "birth_date": "2014-05-05"}}),
            "roster change")["id"]
    for key, login, school_class, subject in (("5a", "classteacher", CLASS_5A, ENGLISH),
                                              ("7v", "teacher7", CLASS_7V, MATH_2)):
        ids = [student.id for student in school_class.students]
        groups = _created(j.client.put(
            f"/api/v1/journal/classes/{school_class.id}/subjects/{subject}/subgroups", headers=j.headers(login),
            json={"subgroups": [{"name": "1 группа", "student_ids": ids[: len(ids) // 2]},
                                {"name": "2 группа", "student_ids": ids[len(ids) // 2:]}]}), "subgroups")["subgroups"]
        objects[f"subgroup/{key}"] = groups[1]["id"]  # the first student of the class is in the first
    now = dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC)
    with j.database.transaction() as session:
        for key, school, period, grantor in (("1", SCHOOL_1, QUARTER_1, "deputy"), ("2", SCHOOL_2, QUARTER_1_2,
                                                                                    "admin2")):
            objects[f"exception/{key}"] = str(uuid.uuid4())
            session.execute(store.period_exception.insert().values(
                id=objects[f"exception/{key}"], school_id=school.id, period_id=period, class_id=None, subject_id=None,
                valid_from=dt.date(2026, 11, 27), valid_until=dt.date(2026, 12, 4), reason="Приказ № 7",
                granted_by=DISTRICT.account(grantor).person.id, grant_time=now))
        for key, school, student, school_class, subject, period, teacher in (
                ("5a", SCHOOL_1, CLASSMATE, CLASS_5A, MATH, QUARTER_2, "teacher"),
                ("9b", SCHOOL_1, NINTH, CLASS_9B, RUSSIAN, QUARTER_2, "teacher2"),
                ("7v", SCHOOL_2, SEVENTH, CLASS_7V, MATH_2, QUARTER_2_2, "teacher7")):
            objects[f"final_mark/{key}"] = str(uuid.uuid4())
            session.execute(store.final_mark.insert().values(
                id=objects[f"final_mark/{key}"], school_id=school.id, student_id=student.id,
                class_id=school_class.id, subject_id=subject, period_id=period, kind="quarter", value="4",
                teacher_id=DISTRICT.account(teacher).person.id, exception_id=None, create_time=now, update_time=now))
    return objects


# ------------------------------------------------------------------ the matrix

def send(j, route: Route, case: Case, login: str):
    url = route.path.format(**case.params)
    body = route.body(case.params) if route.body else None
    kwargs: dict = {"headers": j.headers(login)}
    if isinstance(body, Upload):
        kwargs.update(data={"file": (io.BytesIO(body.content), body.file_name)}, content_type="multipart/form-data")
    elif body is not None:
        kwargs["json"] = body
    return j.client.open(url, method=route.method, **kwargs)


def check_declarations(app, table: list[Route]) -> list[str]:
    """The table holds every route the journal serves, with the roles the gateway declares."""
    problems = []
    served = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[-2:-1] not in (["journal"], ["journal_records"]):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            served[(method, re.sub(r"<[^>]+>", "{}", rule.rule))] = access_of(app.view_functions[rule.endpoint])
    listed = {(route.method, route.template): route for route in table}
    for key in sorted(set(served) - set(listed)):
        problems.append(f"{key[0]} {key[1]}: served by the journal, missing from the matrix")
    for key in sorted(set(listed) - set(served)):
        problems.append(f"{key[0]} {key[1]}: in the matrix, not served by the journal")
    for key in sorted(set(served) & set(listed)):
        if served[key].roles != listed[key].roles:
            problems.append(f"{key[0]} {key[1]}: the gateway admits {sorted(served[key].roles)}, the README table "
                            f"{sorted(listed[key].roles)}")
    return problems


def test_a5_journal_authorisation_matrix_every_route_role_and_object(journal_stack):  # noqa: F811
    j = journal_stack
    started = time.monotonic()
    objects = create_objects(j)
    table = routes(objects)
    mismatches = check_declarations(j.client.application, table)
    forbidden = forbidden_ids()
    tally = {"requests": 0, "admitted, not sent": 0}
    for login in LOGINS:
        j.headers(login)  # sign everyone in before the first snapshot (auth's own rows are not the journal's)

    def run(route: Route, case: Case, login: str) -> None:
        where = f"{route.method} {route.path} as {login} on {case.name}"
        if route.roles & ROLES_OF[login]:
            expected = case.expectation(login)
            if isinstance(expected, str) and expected.startswith("TABLE"):
                mismatches.append(f"{where}: {expected}")
                return
        else:
            expected = ROLE_REFUSED
            if case.expectation(login) != "TABLE: no expectation":
                mismatches.append(f"{where}: the table expects an answer from a login without the route's roles")
        if expected == ADMITTED:
            tally["admitted, not sent"] += 1
            return
        before = None if route.reads or expected == ROLE_REFUSED else counts(j)
        response = send(j, route, case, login)
        tally["requests"] += 1
        text = response.get_data(as_text=True)
        got = response.status_code
        reason = (response.get_json(silent=True) or {}).get("reason") if got >= 400 else None
        if expected == ROLE_REFUSED:
            if (got, reason) != ROLE_REFUSED:
                mismatches.append(f"{where}: expected 403 ROLE_REQUIRED, got {got} {reason}: {text[:200]}")
        elif got != expected:
            mismatches.append(f"{where}: expected {expected}, got {got}: {text[:200]}")
        if got == 200:
            leaked = sorted(item for item in forbidden[login] if item in text)
            if leaked:
                mismatches.append(f"{where}: the answer holds ids the login must not see: {leaked[:3]}")
        if before is not None and counts(j) != before:
            mismatches.append(f"{where}: a refused write changed the journal's rows")

    baseline = fingerprint(j)
    for route in (route for route in table if route.reads):
        for case in route.cases:
            for login in LOGINS:
                run(route, case, login)
    after_reads = fingerprint(j)
    if changed_tables(baseline, after_reads):
        mismatches.append(f"the reads changed the tables {changed_tables(baseline, after_reads)}")
    before = after_reads
    for route in (route for route in table if not route.reads):
        for case in route.cases:
            for login in LOGINS:
                run(route, case, login)
        after = fingerprint(j)
        if changed_tables(before, after):
            mismatches.append(f"{route.method} {route.path}: refused writes changed the tables "
                              f"{changed_tables(before, after)}")
        before = after

    cells = sum(len(route.cases) for route in table) * len(LOGINS)
    print(f"\nA5 matrix: {len(table)} routes, {len(LOGINS)} logins, {cells} cells "
          f"({tally['requests']} requests, {tally['admitted, not sent']} owners' writes not sent) "
          f"in {time.monotonic() - started:.1f} s")
    assert not mismatches, f"{len(mismatches)} of {cells} cells differ from the rules:\n" + "\n".join(mismatches)
