"""Notify's mark events applied a batch at a time leave what each event's own handler leaves (C1, J6, O1).

The same stream — the roster, then marks created, changed (the value, the
weight alone), deleted, one of an unknown student, alerts of a failing
average and of falling marks, redelivered events — goes through the
consumer twice, on PostgreSQL and on SQLite: one event per transaction with
the handlers, and in batches of seven with the mark batch handler.  The two
read models, inboxes, e-mail deliveries and alerts must be the same.
"""
from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from ezh.auth.v1 import events_pb2 as auth_events
from ezh.journal.v1 import events_pb2 as journal_events
from kombu import Connection
from sqlalchemy import select

from services.common import events as envelope
from services.common.bus import Topology
from services.common.database import Database
from services.common.migrations import upgrade
from services.notify import store
from services.notify.events import EventContext, event_handlers
from services.notify.inbox import Channels
from services.notify.mark_batches import mark_batch_handlers

from .consumer_fakes import FakeMessage, RecordingConsumer

pytestmark = pytest.mark.integration

NOW = dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC)
SCHOOL, CLASS, TEACHER, CLASS_TEACHER = "school-1", "class-5a", "teacher-1", "class-teacher-1"
MATHS, READING = "subject-maths", "subject-reading"
PERIOD = "period-q2"
ANNA, BORIS, UNKNOWN = "student-anna", "student-boris", "student-unknown"


def _event(event_type: str, data, subject: str = "x") -> envelope.Event:
    return envelope.new_event(event_type, "journal", subject, SCHOOL, data)


def _roster() -> list[envelope.Event]:
    def guardian(person: str, email: str, access: bool = True):
        return journal_events.GuardianData(guardian_id=person, full_name=f"Родитель {person}", relation="mother",
                                           email=email, electronic_access=access)

    return [
        envelope.new_event("ezh.auth.school.created.v1", "auth", "schools/1", SCHOOL,
                           auth_events.SchoolCreated(school_id=SCHOOL, name="Школа № 1", short_name="Школа № 1")),
        _event("ezh.journal.class.created.v1", journal_events.ClassCreated(
            class_id=CLASS, school_id=SCHOOL, name="5А", grade=5, class_teacher_id=CLASS_TEACHER)),
        _event("ezh.journal.student.changed.v1", journal_events.StudentChanged(
            student_id=ANNA, school_id=SCHOOL, class_id=CLASS, class_name="5А", last_name="Иванова",
            first_name="Анна", status="enrolled", version=1, email="anna@example.org",
            guardians=[guardian("parent-anna", "anna.mother@example.org"),
                       guardian("paper-parent", "paper@example.org", access=False)])),
        _event("ezh.journal.student.changed.v1", journal_events.StudentChanged(
            student_id=BORIS, school_id=SCHOOL, class_id=CLASS, class_name="5А", last_name="Петров",
            first_name="Борис", status="enrolled", version=1, guardians=[guardian("parent-boris", "")])),
    ]


def _mark(student: str, subject: str, value: str, day: int, mark_id: str | None = None, weight: str = "1",
          work_type: str = "oral"):
    return journal_events.MarkData(
        mark_id=mark_id or str(uuid.uuid4()), school_id=SCHOOL, class_id=CLASS, subject_id=subject,
        lesson_id=f"lesson-{subject}-{day}", lesson_date=f"2026-11-{day:02d}", student_id=student, value=value,
        work_type=work_type, weight=weight, subject_name="Математика" if subject == MATHS else "Литература",
        teacher_id=TEACHER, period_id=PERIOD)


def _marks() -> list[envelope.Event]:
    created, updated, deleted = (f"ezh.journal.mark.{verb}.v1" for verb in ("created", "updated", "deleted"))
    events = []
    anna = [_mark(ANNA, MATHS, value, day) for value, day in (("5", 16), ("5", 17), ("4", 18))]
    events += [_event(created, journal_events.MarkCreated(mark=mark)) for mark in anna]
    falling = [_mark(ANNA, MATHS, value, day) for value, day in (("2", 19), ("3", 20), ("2", 23))]
    events += [_event(created, journal_events.MarkCreated(mark=mark)) for mark in falling]  # J6: marks falling
    boris = [_mark(BORIS, READING, "3", 20), _mark(BORIS, READING, "2", 23, work_type="test", weight="2")]
    events += [_event(created, journal_events.MarkCreated(mark=mark)) for mark in boris]  # J6: average of 2
    changed = _mark(BORIS, READING, "4", 20, mark_id=boris[0].mark_id)
    events.append(_event(updated, journal_events.MarkUpdated(mark=changed, previous=boris[0])))
    heavier = _mark(ANNA, MATHS, "4", 18, mark_id=anna[2].mark_id, weight="2")
    events.append(_event(updated, journal_events.MarkUpdated(mark=heavier, previous=anna[2])))  # not news
    events.append(_event(deleted, journal_events.MarkDeleted(mark=falling[0])))
    events.append(_event(created, journal_events.MarkCreated(mark=_mark(UNKNOWN, MATHS, "5", 23))))
    events += [_event(created, journal_events.MarkCreated(mark=_mark(ANNA, READING, str(value), 24)))
               for value in (5, 4, 5, 3)]
    events.append(_event("ezh.journal.class.created.v1", journal_events.ClassCreated(
        class_id="class-6b", school_id=SCHOOL, name="6Б", grade=6)))  # another kind of event between marks
    events.append(_event(created, journal_events.MarkCreated(mark=_mark(BORIS, MATHS, "5", 26))))
    events.append(events[4])  # redelivered: once in the next batch …
    events.insert(9, events[8])  # … and twice within one batch
    return events


def _consumer(database: Database, batched: bool) -> RecordingConsumer:
    context = EventContext(Channels(email=True), lambda: NOW)
    return RecordingConsumer(
        "notify", database, store.processed, Topology("test"), lambda: Connection("memory://"), event_handlers(context),
        batch_handlers=mark_batch_handlers(context) if batched else None,
    )


def _state(database: Database) -> dict:
    """Everything the two ways must agree on, without generated ids and times."""
    n, d, a = store.notification, store.delivery, store.alert
    with database.transaction() as session:
        def rows(query):  # an alert's link names its generated id
            return sorted(tuple(re.sub(r"^/alerts/.*", "/alerts/…", str(value)) for value in row)
                          for row in session.execute(query))

        return {
            "marks": rows(select(store.mark_fact)),
            "teaching": rows(select(store.class_teaching)),
            "inbox": rows(select(n.c.recipient_id, n.c.kind, n.c.title, n.c.body, n.c.link, n.c.student_id,
                                 n.c.shown, n.c.source_key.like("alert:%"))),
            "e-mail": rows(select(d.c.recipient_id, d.c.address, d.c.status, d.c.due_time, n.c.kind)
                           .join(n, n.c.id == d.c.notification_id)),
            "alerts": rows(select(a.c.student_id, a.c.kind, a.c.subject_name, a.c.details,
                                  a.c.occurrence_key.like("average:%"))),
            "processed": rows(select(store.processed.c.event_id, store.processed.c.event_type)),
        }


@pytest.fixture(params=["postgresql", "sqlite"])
def databases(request, postgres_database, tmp_path):
    urls = ([postgres_database("notify_alone"), postgres_database("notify_together")]
            if request.param == "postgresql"
            else [f"sqlite:///{tmp_path / 'alone.sqlite'}", f"sqlite:///{tmp_path / 'together.sqlite'}"])
    made = []
    for url in urls:
        upgrade("notify", url)
        made.append(Database(url))
    yield made
    for database in made:
        database.dispose()


def test_c1_mark_batches_leave_what_single_events_leave(databases):
    alone_db, together_db = databases
    stream = _roster() + _marks()
    alone = _consumer(alone_db, batched=False)
    for event in stream:
        alone.handle_batch([FakeMessage(event)])
    together = _consumer(together_db, batched=True)
    messages = [FakeMessage(event) for event in stream]
    for begin in range(0, len(messages), 7):
        together.handle_batch(messages[begin:begin + 7])

    assert alone.failed == [] and together.failed == []
    assert all(message.acked for message in messages)
    expected, got = _state(alone_db), _state(together_db)
    assert got == expected
    # The stream did what it was built to do: the alerts, the e-mail, the news left out.
    kinds = sorted(row[1] for row in expected["alerts"])
    assert kinds == ["failing_average", "marks_falling"], kinds
    assert any(row[0] == "parent-anna" for row in expected["e-mail"])
    assert any(row[0] == ANNA and row[1] == "anna@example.org" for row in expected["e-mail"])  # the student's own
    assert not any(row[0] == "paper-parent" for row in expected["inbox"])
    mark_news = [row for row in expected["inbox"] if row[1] == "mark"]
    distinct_mark_events = len({event.id for event in _marks() if ".mark." in event.type})
    # Each mark event is news for the student and one parent, except the weight alone and the unknown student.
    assert len(mark_news) == 2 * (distinct_mark_events - 2)


def test_o1_a_failing_mark_batch_is_applied_event_by_event(databases):
    _, database = databases
    consumer = _consumer(database, batched=True)
    consumer.handle_batch([FakeMessage(event) for event in _roster()])
    good = [_event("ezh.journal.mark.created.v1", journal_events.MarkCreated(mark=_mark(ANNA, MATHS, "5", day)))
            for day in (16, 17)]
    poison = envelope.Event(type="ezh.journal.mark.created.v1", source="/ezh/journal", subject="x",
                            school_id=SCHOOL, data={"mark": {"student_id": ANNA, "value": ["not", "a", "mark"]}})
    consumer.handle_batch([FakeMessage(good[0]), FakeMessage(poison), FakeMessage(good[1])])

    assert consumer.failed == [poison.id]
    state = _state(database)
    assert len(state["marks"]) == 2
    assert {row[0] for row in state["processed"]} >= {good[0].id, good[1].id}
    assert poison.id not in {row[0] for row in state["processed"]}
