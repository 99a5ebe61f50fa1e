"""The journal's lessons follow the schedule's events on the bus (ezh.schedule.*): a published timetable
creates and cancels dated lessons, a substitution hands the lesson to the substitute, a cancelled lesson
with marks is kept and flagged, a move changes the day and slot; older and repeated events change nothing.

The events are published on the bus as the schedule service would; the journal consumes them.
"""
from __future__ import annotations

import datetime as dt

import pytest
from ezh.schedule.v1 import events_pb2 as schedule_events
from kombu import Producer
from sqlalchemy import func, select

from services.common import events as envelope
from services.common.demo import demo_id
from services.journal import store
from tests.integration import test_journal_marks
from tests.integration.conftest import wait_for
from tests.integration.test_journal_marks import (
    CLASS_5A, DISTRICT, MATH, MATH_TODAY, MATH_WEDNESDAY, SCHOOL, _body,
)

pytestmark = pytest.mark.integration
journal_stack = test_journal_marks.journal_stack  # auth and the demo journal behind a gateway

MONDAY, FRIDAY = dt.date(2026, 11, 30), dt.date(2026, 12, 4)
TEACHER = DISTRICT.account("teacher").person.id
SUBSTITUTE = DISTRICT.account("teacher5").person.id


def dated(row, **changes) -> schedule_events.DatedLesson:
    """The schedule's view of a journal lesson row, with changes."""
    values = dict(lesson_id=row.id, school_id=row.school_id, class_id=row.class_id, subject_id=row.subject_id,
                  teacher_id=row.teacher_id, planned_teacher_id=row.teacher_id, date=row.date.isoformat(),
                  slot=row.number, start_time="08:30", end_time="09:15", status="scheduled", version=1)
    values.update(changes)
    return schedule_events.DatedLesson(**values)


def event(event_type: str, data, subject: str) -> envelope.Event:
    return envelope.new_event(event_type, "schedule", subject, SCHOOL.id, data)


def changed(kind: str, lesson: schedule_events.DatedLesson, previous=None) -> envelope.Event:
    return event(f"ezh.schedule.lesson.{kind}.v1", schedule_events.LessonChanged(
        lesson=lesson, previous=previous or lesson, actor_id=DISTRICT.account("admin").person.id),
        f"lessons/{lesson.lesson_id}")


def publish(stack, events) -> None:
    """Each event anew (a fresh id), as a redelivery after the consumer's memory would be."""
    with stack.connection() as connection:
        producer = Producer(connection.default_channel, exchange=stack.topology().events_exchange)
        for item in events:
            fresh = envelope.Event(type=item.type, source=item.source, subject=item.subject,
                                   school_id=item.school_id, data=item.data)
            producer.publish(envelope.to_json(fresh), routing_key=fresh.routing_key,
                             content_type=envelope.CONTENT_TYPE, content_encoding="utf-8", delivery_mode=2,
                             message_id=fresh.id, retry=False)


def lessons_state(j) -> list[tuple]:
    with j.database.session() as session:
        return [tuple(row) for row in session.execute(
            select(store.lesson.c.id, store.lesson.c.date, store.lesson.c.number, store.lesson.c.teacher_id,
                   store.lesson.c.planned_teacher_id, store.lesson.c.cancelled, store.lesson.c.version)
            .where(store.lesson.c.class_id == CLASS_5A.id).order_by(store.lesson.c.id))]


def lesson_row(j, lesson_id: str):
    with j.database.session() as session:
        return session.execute(select(store.lesson).where(store.lesson.c.id == lesson_id)).first()


def test_timetable_events_create_substitute_cancel_and_move_lessons_idempotently(stack, journal_stack):
    j = journal_stack
    with j.database.session() as session:
        week = session.execute(select(store.lesson).where(
            store.lesson.c.class_id == CLASS_5A.id, store.lesson.c.date.between(MONDAY, FRIDAY),
        ).order_by(store.lesson.c.date, store.lesson.c.number)).all()
    dropped, kept = week[-1], week[:-1]
    added = dated(kept[0], lesson_id=demo_id("lesson", CLASS_5A.id, MONDAY, 6), slot=6, subject_id=MATH,
                  teacher_id=TEACHER, planned_teacher_id=TEACHER)
    published = event("ezh.schedule.timetable.published.v1", schedule_events.TimetablePublished(
        school_id=SCHOOL.id, class_id=CLASS_5A.id, from_date=MONDAY.isoformat(), to_date=FRIDAY.isoformat(),
        lessons=[dated(row) for row in kept] + [added]), f"classes/{CLASS_5A.id}")
    math_today, math_wednesday = lesson_row(j, MATH_TODAY), lesson_row(j, MATH_WEDNESDAY)
    substituted = dated(math_today, teacher_id=SUBSTITUTE, planned_teacher_id=TEACHER, status="substituted",
                        version=2)
    cancelled = dated(math_wednesday, status="cancelled", version=2)
    moving = kept[1]
    moved = dated(moving, date=FRIDAY.isoformat(), slot=7, status="moved", version=2)
    stale = dated(math_today, version=1)  # older than the substitution: must not undo it
    marks_before = j.count(store.mark, store.mark.c.lesson_id == MATH_WEDNESDAY)
    assert marks_before > 0
    history = [published, changed("substituted", substituted), changed("cancelled", cancelled),
               changed("moved", moved, dated(moving)), changed("substituted", stale)]
    publish(stack, history)

    wait_for(lambda: (lesson_row(j, added.lesson_id) is not None and lesson_row(j, dropped.id).cancelled
                      and lesson_row(j, moving.id).number == 7 and lesson_row(j, MATH_WEDNESDAY).cancelled
                      and lesson_row(j, MATH_TODAY).teacher_id == SUBSTITUTE),
             what="the journal to apply the timetable")
    new = lesson_row(j, added.lesson_id)
    assert (new.subject_id, new.teacher_id, new.date, new.number, new.version) == (MATH, TEACHER, MONDAY, 6, 1)
    assert all(lesson_row(j, row.id).version == 1 for row in kept[2:])
    assert lesson_row(j, moving.id).date == FRIDAY
    today = lesson_row(j, MATH_TODAY)
    assert (today.teacher_id, today.planned_teacher_id, today.version, today.cancelled) == (
        SUBSTITUTE, TEACHER, 2, False)
    # A cancelled lesson with marks keeps them and stays on the page, flagged; one without marks leaves it.
    assert j.count(store.mark, store.mark.c.lesson_id == MATH_WEDNESDAY) == marks_before
    page = _body(j.page("teacher"), 200)
    assert next(lesson for lesson in page["lessons"] if lesson["id"] == MATH_WEDNESDAY)["cancelled"] is True
    assert added.lesson_id in {lesson["id"] for lesson in page["lessons"]}
    dropped_page = _body(j.page("deputy", subject_id=dropped.subject_id), 200)
    assert dropped.id not in {lesson["id"] for lesson in dropped_page["lessons"]}
    snapshots = [e for e in j.outbox_events() if e["type"] == "ezh.journal.lesson.changed.v1"
                 and e["data"]["lesson_id"] in (dropped.id, MATH_WEDNESDAY)]
    assert {e["data"]["lesson_id"] for e in snapshots if e["data"].get("cancelled")} == {dropped.id, MATH_WEDNESDAY}

    # The substitute fills the lesson; the absent planned teacher may not; a cancelled lesson takes nothing.
    entry = {"entries": [{"student_id": CLASS_5A.students[2].id, "marks": [{"value": 4, "work_type": "oral"}]}]}
    refused = _body(j.save("teacher", MATH_TODAY, entry), 403)
    assert refused["reason"] == "LESSON_SUBSTITUTED"
    saved = _body(j.save("teacher5", MATH_TODAY, entry), 200)
    assert saved["lesson"]["teacher_id"] == SUBSTITUTE
    assert _body(j.save("teacher", MATH_WEDNESDAY, entry), 422)["reason"] == "LESSON_CANCELLED"

    # Every event again, twice, in order: nothing changes, nothing new is told.
    state, outbox_rows = lessons_state(j), j.count(store.outbox)
    publish(stack, history + history)
    marker = changed("substituted", dated(math_today, teacher_id=SUBSTITUTE, planned_teacher_id=TEACHER,
                                          status="substituted", version=3))
    publish(stack, [marker])  # the last one in: once it is applied, the replays before it are too
    wait_for(lambda: lesson_row(j, MATH_TODAY).version == 3, what="the replayed events to be consumed")
    after = lessons_state(j)
    assert [row for row in after if row[0] != MATH_TODAY] == [row for row in state if row[0] != MATH_TODAY]
    assert j.count(store.outbox) == outbox_rows + 1  # only the marker's lesson snapshot
    with j.database.session() as session:
        assert session.scalar(select(func.count()).select_from(store.processed).where(
            store.processed.c.event_type.like("ezh.schedule.%"))) == 2 * len(history) + len(history) + 1
