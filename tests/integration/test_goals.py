"""The goals of section 2 from the user's side, across the services (G1, G5, G6).

G1 and G5 run a whole system: auth, the journal with the demo district (seeded as of Thursday
26 November 2026, its clock at Friday 27 November 13:00 in Moscow), notify and reports, with the
gateway in front. The seed's history is applied to the reports read model straight from the
journal's outbox (as in test_reports_demo: ~1,900 events through the bus would take a minute);
everything the tests do themselves travels over the bus. G6 uses notify's own system
(test_notify_flows). Each test runs on PostgreSQL + RabbitMQ and on SQLite + the embedded bus.
"""
from __future__ import annotations

import datetime as dt

import pytest
from ezh.journal.v1 import journal_pb2
from sqlalchemy import select, update

from services.auth.seed import seed_demo as seed_auth
from services.common import events as envelope
from services.common import outbox
from services.common.database import Database
from services.journal import snapshots
from services.journal import store as journal_store
from services.journal.definition import journal_definition
from services.journal.entries import SCHOOL_TIMEZONE
from services.journal.seed import seed_demo as seed_journal
from services.notify import store as notify_store
from services.notify.definition import notify_definition
from services.reports.definition import reports_definition
from services.reports.events import HANDLERS as REPORTS_HANDLERS
from services.reports.events import apply_events

from .conftest import Clock as MovingClock
from .conftest import FixedClock, wait_for
from .test_journal_marks import (
    CLASS_5A, CLASS_9B, DISTRICT, MATH, MATH_TODAY, OTHER_CHILD, OWN_CHILD, PASSWORD, QUARTER_1, QUARTER_2, RUSSIAN,
    RUSSIAN_TODAY, SEEDED_ON, Journal, _body,
)
from .test_notify_flows import (  # noqa: F401 - the `notify_stack` fixture and the one it uses
    Notify, _ok, mailbox, notify_stack, person,
)

pytestmark = pytest.mark.integration

CHILD = OWN_CHILD  # the demo parent's child, the demo student
TODAY = dt.date(2026, 11, 27)
MOMENT = dt.datetime.combine(TODAY, dt.time(13), SCHOOL_TIMEZONE).astimezone(dt.UTC)
EARLIER_DAY = dt.date(2026, 10, 20)  # a Tuesday of the 1st quarter


class System:
    """The whole system: the journal's and notify's helpers over one gateway."""

    def __init__(self, journal: Journal, notify: Notify, client) -> None:
        self.journal, self.notify, self.client = journal, notify, client

    def headers(self, login: str) -> dict:
        return self.journal.headers(login)

    def get(self, login: str, path: str, **query):
        return self.client.get(f"/api/v1{path}", query_string=query, headers=self.headers(login))


@pytest.fixture
def system(stack):
    stack.migrate("auth", "journal", "notify", "reports")
    stack.seed("auth", lambda db: seed_auth(db, DISTRICT, PASSWORD))
    journal_db = Database(stack.settings.database_url("journal"))
    seed_journal(journal_db, DISTRICT, today=SEEDED_ON)
    with journal_db.session() as session:
        payloads = list(session.scalars(select(journal_store.outbox.c.payload).order_by(journal_store.outbox.c.seq)))
    history = [event for event in map(envelope.from_json, payloads) if event.type in REPORTS_HANDLERS]

    def apply_history(reports_db: Database) -> None:
        for begin in range(0, len(history), 1000):
            with reports_db.transaction() as session:
                apply_events(session, history[begin:begin + 1000])

    stack.seed("reports", apply_history)
    with journal_db.transaction() as session:
        # The seed's history went out before notify and reports listened; notify learns the child anew.
        session.execute(update(journal_store.outbox).values(sent_time=MOMENT))
        outbox.record(session, journal_store.outbox, snapshots.student_changed_event(session, CHILD.id))

    auth = stack.start("auth")
    stack.with_settings(auth_grpc_address=f"127.0.0.1:{auth.port}")
    journal_clock = FixedClock(MOMENT)
    journal = stack.start("journal", journal_definition(journal_clock))
    notify_clock = MovingClock()
    notify_clock.advance(seconds=(MOMENT - notify_clock()).total_seconds())
    notify = stack.start("notify", notify_definition(notify_clock, delivery_interval=0.1))
    reports = stack.start("reports", reports_definition(lambda: MOMENT, archive_interval=0))
    gateway = stack.gateway(
        PASSWORD, journal_grpc_address=f"127.0.0.1:{journal.port}", notify_grpc_address=f"127.0.0.1:{notify.port}",
        reports_grpc_address=f"127.0.0.1:{reports.port}",
    )
    notify_db = Database(stack.settings.database_url("notify"))
    wait_for(lambda: notify_db_has_student(notify_db, CHILD.id), what="notify to learn the child")
    yield System(Journal(gateway.client, journal, gateway.token, journal_db, journal_clock),
                 Notify(stack, gateway.client, notify, notify_clock, notify_db, gateway.token), gateway.client)
    notify_db.dispose()
    journal_db.dispose()


def notify_db_has_student(database: Database, student_id: str) -> bool:
    with database.session() as session:
        return session.scalar(select(notify_store.student.c.id).where(notify_store.student.c.id == student_id)) \
            is not None


def record_rows(report: dict) -> list[list[str]]:
    """The rows of the student record's table, as texts: year, period, subject, marks, average, final mark."""
    found = next(table for table in report["tables"] if table["key"] == "record")
    return [[cell["text"] for cell in row] for row in found["rows"]]


# ------------------------------------------------------------------ G1: every mark, every subject, every period

def test_g1_parent_sees_every_subject_over_every_period_and_no_other_family(system):
    s, j = system, system.journal
    # The 1st quarter, 20 October: the maths and the Russian teachers hold a lesson and give marks.
    j.clock.set(EARLIER_DAY)
    for login, subject, number, value in (("teacher", MATH, 1, 4), ("classteacher", RUSSIAN, 2, 3)):
        lesson = j.rpc(login, "CreateLesson", journal_pb2.CreateLessonRequest(
            class_id=CLASS_5A.id, subject_id=subject, date=EARLIER_DAY.isoformat(), number=number,
            topic="Входная контрольная работа")).lesson
        assert lesson.period_id == QUARTER_1
        _body(j.save(login, lesson.id, {"entries": [
            {"student_id": CHILD.id, "marks": [{"value": value, "work_type": "test"}]},
            {"student_id": OTHER_CHILD.id, "marks": [{"value": 5, "work_type": "test"}]}]}), 200)
    j.clock.set(TODAY)

    # What the journal holds of the child's 2nd quarter: the seed's marks, by subject.
    with j.database.session() as session:
        rows = session.execute(
            select(journal_store.subject.c.name, journal_store.mark.c.value)
            .join(journal_store.lesson, journal_store.lesson.c.id == journal_store.mark.c.lesson_id)
            .join(journal_store.subject, journal_store.subject.c.id == journal_store.lesson.c.subject_id)
            .where(journal_store.mark.c.student_id == CHILD.id, journal_store.lesson.c.date >= dt.date(2026, 11, 1))
        ).all()
    held: dict[str, list[str]] = {}
    for name, value in rows:
        held.setdefault(name, []).append(value)
    assert len(held) >= 5  # many subjects, so "every subject" means something

    # The journal's diary: both periods, every subject, every mark.
    def diary(login: str, student_id: str, period_id: str):
        return s.get(login, f"/students/{student_id}/marks", period_id=period_id)

    earlier = _body(diary("parent", CHILD.id, QUARTER_1), 200)
    assert earlier["period"]["title"] == "1 четверть"
    earlier_marks = {item["subject"]["name"]: sorted(m["value"] for m in item["marks"])
                     for item in earlier["subjects"] if item["marks"]}
    assert earlier_marks == {"Математика": ["4"], "Русский язык": ["3"]}
    current = _body(diary("parent", CHILD.id, QUARTER_2), 200)
    current_marks = {item["subject"]["name"]: sorted(m["value"] for m in item["marks"])
                     for item in current["subjects"] if item["marks"]}
    assert current_marks == {name: sorted(values) for name, values in held.items()}
    assert all(mark["student_id"] == CHILD.id for item in current["subjects"] for mark in item["marks"])
    assert _body(diary("student", CHILD.id, QUARTER_1), 200) == earlier  # the student sees the same

    # The reports service's record of the whole time the journal has been kept: the 1st quarter's marks
    # arrived over the bus, the 2nd quarter's from the seed.
    def record():
        response = s.get("parent", f"/students/{CHILD.id}/record")
        assert response.status_code == 200, response.get_data(as_text=True)
        rows = record_rows(response.get_json())
        return rows if any(row[1] == "1 четверть" and row[2] == "Русский язык" for row in rows) else None

    rows = wait_for(record, what="the 1st quarter's marks in the reports read model")
    by_period: dict[str, dict[str, list[str]]] = {}
    for row in rows:
        by_period.setdefault(row[1], {})[row[2]] = row
    assert set(by_period["1 четверть"]) == {"Математика", "Русский язык"}
    assert by_period["1 четверть"]["Математика"][3] == "4" and by_period["1 четверть"]["Русский язык"][3] == "3"
    assert set(by_period["2 четверть"]) == set(held)
    for name, values in held.items():
        assert sorted(by_period["2 четверть"][name][3].replace(",", " ").split()) == sorted(values), name
    assert all(row[0] == "2026/2027" for row in rows)

    # Another family's child: refused, the same way as a child who does not exist.
    for period_id in (QUARTER_1, QUARTER_2):
        assert _body(diary("parent", OTHER_CHILD.id, period_id), 404)["reason"] == "STUDENT_NOT_FOUND"
        assert _body(diary("student", OTHER_CHILD.id, period_id), 404)["reason"] == "STUDENT_NOT_FOUND"
    assert s.get("parent", f"/students/{OTHER_CHILD.id}/record").status_code == 404
    assert s.get("student", f"/students/{OTHER_CHILD.id}/record").status_code == 404
    # Within the role: the class teacher sees the other child's whole record.
    other = s.get("classteacher", f"/students/{OTHER_CHILD.id}/record")
    assert other.status_code == 200 and any(row[1] == "1 четверть" for row in record_rows(other.get_json()))


# ------------------------------------------------------------------ G5: informed over the internet

def test_g5_mark_absence_and_homework_reach_parent_and_student_over_the_bus(system):
    s, j, n = system, system.journal, system.notify
    _body(j.save("teacher", MATH_TODAY, {"entries": [
        {"student_id": CHILD.id, "marks": [{"value": 5, "work_type": "test"}]}]}), 200)
    _body(j.save("classteacher", RUSSIAN_TODAY, {"entries": [{"student_id": CHILD.id, "absence": "ill"}]}), 200)
    homework = "№ 601, 603 на стр. 112"
    _body(s.client.put(f"/api/v1/journal/lessons/{MATH_TODAY}/homework", headers=s.headers("teacher"),
                       json={"text": homework, "due_date": "2026-12-01"}), 200)

    def news(login: str):
        items = n.inbox(login)["notifications"]
        mark = [x for x in items if x["kind"] == "mark"]
        missed = [x for x in items if x["kind"] == "absence"]
        task = [x for x in items if x["kind"] == "homework" and homework in x["body"]]
        return (mark, missed, task) if mark and missed and task else None

    for login in ("parent", "student"):
        (mark,), (missed,), (task,) = wait_for(lambda: news(login), what=f"the news in the {login}'s inbox")
        assert mark["title"] == "Новая отметка «5»: Математика" and mark["student_id"] == CHILD.id
        assert CHILD.first_name in mark["body"] and "27 ноября" in mark["body"]
        assert mark["link"] == f"/students/{CHILD.id}/marks"
        assert "«Русский язык»" in missed["body"] and "27 ноября" in missed["body"]
        assert "«Математика»" in task["body"]
    assert not [x for x in n.inbox("teacher2")["notifications"] if x["kind"] in ("mark", "absence")]

    # The parent follows the link: the diary shows the mark and the absence, the lesson its homework.
    diary = _body(s.get("parent", f"/students/{CHILD.id}/marks", period_id=QUARTER_2), 200)
    subjects = {item["subject"]["name"]: item for item in diary["subjects"]}
    assert any(m["lesson_id"] == MATH_TODAY and m["value"] == "5" and m["work_type"] == "test"
               for m in subjects["Математика"]["marks"])
    assert [a["kind"] for a in subjects["Русский язык"]["absences"] if a["lesson_id"] == RUSSIAN_TODAY] == ["ill"]
    for login in ("parent", "student"):
        shown = _body(s.get(login, f"/journal/lessons/{MATH_TODAY}/homework"), 200)
        assert (shown["text"], shown["due_date"], shown["lesson_date"]) == (homework, "2026-12-01", "2026-11-27")


def test_g5_parent_and_student_see_how_far_the_programme_has_progressed(system):
    s = system
    plan = s.get("teacher", f"/journal/classes/{CLASS_5A.id}/subjects/{MATH}/lesson-plan")
    assert plan.status_code == 200 and plan.get_json()["lessons_held"] > 0  # the teacher's view exists
    for login in ("parent", "student"):
        seen = s.get(login, f"/journal/classes/{CLASS_5A.id}/subjects/{MATH}/lesson-plan")
        assert seen.status_code == 200, seen.get_data(as_text=True)
        assert seen.get_json()["lessons_held"] == plan.get_json()["lessons_held"]
    # Read-only: a parent cannot change the plan; a student does not see another class's.
    assert s.client.put(f"/api/v1/journal/classes/{CLASS_5A.id}/subjects/{MATH}/lesson-plan",
                        json={"items": [{"topic": "Чужая тема", "hours": 1}]}, headers=s.headers("parent")).status_code == 403
    assert s.get("student", f"/journal/classes/{CLASS_9B.id}/subjects/{MATH}/lesson-plan").status_code == 404


# ------------------------------------------------------------------ G6: direct messages

def test_g6_teacher_administration_parent_and_student_talk_directly(notify_stack):  # noqa: F811 - imported
    n = notify_stack
    teacher, deputy, parent = (person(login) for login in ("teacher", "deputy", "parent"))

    def start(sender: str, recipient: str, text: str) -> str:
        started = _ok(n.send("post", sender, "/conversations", {"member_ids": [recipient], "text": text}), 201)
        assert started["message"]["text"] == text and started["message"]["sender_id"] == person(sender)
        return started["conversation"]["id"]

    def read_and_answer(reader: str, conversation: str, expected: str, answer: str) -> None:
        listed = _ok(n.get(reader, "/conversations"))
        assert conversation in {c["id"] for c in listed["conversations"]} and listed["unread_count"] >= 1
        texts = [m["text"] for m in _ok(n.get(reader, f"/conversations/{conversation}/messages"))["messages"]]
        assert texts == [expected]
        _ok(n.send("post", reader, f"/conversations/{conversation}/read"))
        _ok(n.send("post", reader, f"/conversations/{conversation}/messages", {"text": answer}), 201)

    def answer_of(login: str, conversation: str) -> list[tuple[str, str]]:
        messages = _ok(n.get(login, f"/conversations/{conversation}/messages"))["messages"]
        return [(m["sender_id"], m["text"]) for m in messages]

    # The administration writes to a parent; the parent answers.
    to_parent = start("deputy", parent, "Просим зайти в школу по поводу питания.")
    read_and_answer("parent", to_parent, "Просим зайти в школу по поводу питания.", "Зайду в среду в 17:00.")
    # The parent writes to their child's teacher; the teacher answers.
    to_teacher = start("parent", teacher, "Как подготовиться к контрольной?")
    read_and_answer("teacher", to_teacher, "Как подготовиться к контрольной?", "Повторить дроби, № 245–250.")
    # The student writes to their teacher; the teacher answers.
    from_student = start("student", teacher, "Можно пересдать работу?")
    read_and_answer("teacher", from_student, "Можно пересдать работу?", "Да, в четверг после уроков.")
    # The teacher writes to the administration; the deputy answers.
    to_deputy = start("teacher", deputy, "Прошу заменить урок 4 декабря.")
    read_and_answer("deputy", to_deputy, "Прошу заменить урок 4 декабря.", "Замену поставим.")

    # Everyone reads the answer to what they wrote.
    assert answer_of("deputy", to_parent)[-1] == (parent, "Зайду в среду в 17:00.")
    assert answer_of("parent", to_teacher)[-1] == (teacher, "Повторить дроби, № 245–250.")
    assert answer_of("student", from_student)[-1] == (teacher, "Да, в четверг после уроков.")
    assert answer_of("teacher", to_deputy)[-1] == (deputy, "Замену поставим.")
    # The answers are also news in the inbox.
    for login in ("deputy", "parent", "student", "teacher"):
        assert any(x["kind"] == "message" for x in n.inbox(login)["notifications"]), login

    # Within the matrix: a student may not write to the administration nor to a teacher of another class;
    # nobody outside a conversation reads it.
    for sender, recipient in (("student", deputy), ("student", person("teacher2"))):
        refused = n.send("post", sender, "/conversations", {"member_ids": [recipient], "text": "Здравствуйте"})
        assert refused.status_code == 403 and refused.get_json()["reason"] == "C2_NOT_ALLOWED"
    for outsider, conversation in (("student", to_teacher), ("parent", from_student), ("teacher2", to_deputy),
                                   ("classteacher", to_parent)):
        assert n.get(outsider, f"/conversations/{conversation}/messages").status_code == 404
