"""The journal's dated lessons from the schedule's events (ezh.schedule.*).

A lesson of the timetable becomes the journal lesson with the same id. Each
change carries the lesson's `version`; the journal keeps the newest and
ignores older ones, so events arriving late or twice change nothing. A
published timetable is the whole truth for its class and days: a lesson of
those days it no longer lists is cancelled. Lessons are never deleted: a
cancelled one stays, flagged, with whatever marks it has (the journal page
shows it only when it has some), and its version keeps older events out.
"""
from __future__ import annotations

import datetime as dt
import logging

from ezh.schedule.v1 import events_pb2 as schedule_events
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common import outbox
from services.common.events import Event
from services.journal import snapshots, store

log = logging.getLogger(__name__)

PUBLISHED = "ezh.schedule.timetable.published.v1"
SUBSTITUTED = "ezh.schedule.lesson.substituted.v1"
CANCELLED = "ezh.schedule.lesson.cancelled.v1"
MOVED = "ezh.schedule.lesson.moved.v1"


def _known(session: Session, school_id: str, class_id: str, subject_id: str) -> bool:
    """The journal knows the lesson's class and subject in that school (else it cannot hold the lesson)."""
    found = session.scalar(select(store.school_class.c.id).where(
        store.school_class.c.id == class_id, store.school_class.c.school_id == school_id))
    return found is not None and session.scalar(select(store.subject.c.id).where(
        store.subject.c.id == subject_id, store.subject.c.school_id == school_id)) is not None


def _values(lesson: schedule_events.DatedLesson) -> dict:
    """The journal lesson's columns the timetable decides."""
    return dict(
        school_id=lesson.school_id, class_id=lesson.class_id, subject_id=lesson.subject_id,
        teacher_id=lesson.teacher_id, planned_teacher_id=lesson.planned_teacher_id or lesson.teacher_id,
        date=dt.date.fromisoformat(lesson.date), number=lesson.slot, cancelled=lesson.status == "cancelled",
        version=lesson.version, subgroup_id=lesson.subgroup_id or None,
    )


def apply_lesson(session: Session, lesson: schedule_events.DatedLesson, now: dt.datetime, *,
                 same_version_applies: bool = False) -> bool:
    """Create or update the journal lesson from the timetable's; True when something changed.

    An event older than what the journal holds is ignored; one of the same
    version applies only from a published timetable (re-adding a lesson a
    later publication had dropped), and then only if it differs.
    """
    table = store.lesson
    if not _known(session, lesson.school_id, lesson.class_id, lesson.subject_id):
        log.warning("timetable lesson %s: class %s or subject %s unknown to the journal; skipped",
                    lesson.lesson_id, lesson.class_id, lesson.subject_id)
        return False
    values = _values(lesson)
    row = session.execute(select(table).where(table.c.id == lesson.lesson_id)).first()
    if row is None:
        session.execute(table.insert().values(id=lesson.lesson_id, **values))
    else:
        if row.school_id != lesson.school_id:
            log.warning("timetable lesson %s belongs to another school; skipped", lesson.lesson_id)
            return False
        newer = lesson.version > row.version or (same_version_applies and lesson.version == row.version)
        if not newer or all(getattr(row, key) == value for key, value in values.items()):
            return False
        session.execute(table.update().where(table.c.id == row.id).values(**values))
    outbox.record(session, store.outbox, snapshots.lesson_changed_event(session, lesson.lesson_id, now))
    return True


def cancel_lesson(session: Session, row, now: dt.datetime) -> None:
    """Flag a lesson cancelled, keeping its version and anything entered at it."""
    session.execute(store.lesson.update().where(store.lesson.c.id == row.id).values(cancelled=True))
    outbox.record(session, store.outbox, snapshots.lesson_changed_event(session, row.id, now))


def on_timetable_published(session: Session, event: Event) -> None:
    data = event.data_as(schedule_events.TimetablePublished)
    now = event.time
    listed = set()
    for lesson in data.lessons:
        listed.add(lesson.lesson_id)
        apply_lesson(session, lesson, now, same_version_applies=True)
    first, last = dt.date.fromisoformat(data.from_date), dt.date.fromisoformat(data.to_date)
    table = store.lesson
    for row in session.execute(select(table).where(
        table.c.school_id == data.school_id, table.c.class_id == data.class_id, table.c.date >= first,
        table.c.date <= last, table.c.cancelled.is_(False),
    )).all():
        if row.id not in listed:
            cancel_lesson(session, row, now)


def on_lesson_changed(session: Session, event: Event) -> None:
    """A substitution, cancellation or move of one lesson."""
    data = event.data_as(schedule_events.LessonChanged)
    apply_lesson(session, data.lesson, event.time)


HANDLERS = {PUBLISHED: on_timetable_published, SUBSTITUTED: on_lesson_changed, CANCELLED: on_lesson_changed,
            MOVED: on_lesson_changed}
