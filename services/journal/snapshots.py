"""Whole-state events for other services' read models: a student, a lesson, a study period.

Each builds the event from what the store holds now, inside the caller's
transaction, so whoever changes a student or a lesson records the snapshot
with the change (`outbox.record(session, store.outbox, event)`). Consumers
replace what they hold; the newest `version` wins. The version is the change's
time in microseconds, which grows with each change of the same object.
"""
from __future__ import annotations

import datetime as dt

from ezh.journal.v1 import events_pb2
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common import events as envelope
from services.common.clock import utc_now
from services.common.events import Event, new_event
from services.journal import rules, store

STUDENT_CHANGED = "ezh.journal.student.changed.v1"
LESSON_CHANGED = "ezh.journal.lesson.changed.v1"
PERIOD_CHANGED = "ezh.journal.period.changed.v1"
SUBGROUP_CHANGED = "ezh.journal.subgroup.changed.v1"


def record_events(session: Session, events: list[Event]) -> None:
    """Add many events to the outbox in one statement (outbox.record, in bulk)."""
    if events:
        session.execute(store.outbox.insert(), [
            dict(event_id=event.id, event_type=event.type, routing_key=event.routing_key,
                 payload=envelope.to_json(event).decode())
            for event in events
        ])


def version_at(moment: dt.datetime) -> int:
    """A snapshot's version: microseconds since the epoch of the change."""
    return int(moment.timestamp() * 1_000_000)


def guardian_data(session: Session, student_ids: list[str]) -> dict[str, list[events_pb2.GuardianData]]:
    """Each student's guardians, ordered by name."""
    guardian, link = store.guardian, store.guardianship
    rows = session.execute(
        select(guardian, link.c.student_id, link.c.relation).join(link, link.c.guardian_id == guardian.c.id)
        .where(link.c.student_id.in_(student_ids))
        .order_by(guardian.c.last_name, guardian.c.first_name, guardian.c.id)
    ).all()
    found: dict[str, list[events_pb2.GuardianData]] = {student_id: [] for student_id in student_ids}
    for row in rows:
        full_name = " ".join(part for part in (row.last_name, row.first_name, row.middle_name) if part)
        found[row.student_id].append(events_pb2.GuardianData(
            guardian_id=row.id, full_name=full_name, relation=row.relation,
            email=row.email or "", electronic_access=bool(row.electronic_access),
        ))
    return found


def student_changed(row, class_row, guardians: list[events_pb2.GuardianData],
                    now: dt.datetime) -> Event:
    """The event for a student `row` in `class_row` (None after a departure)."""
    data = events_pb2.StudentChanged(
        student_id=row.id, school_id=row.school_id,
        class_id=class_row.id if class_row is not None else "",
        class_name=f"{class_row.grade}{class_row.letter}" if class_row is not None else "",
        last_name=row.last_name, first_name=row.first_name, middle_name=row.middle_name or "",
        guardians=guardians, status="enrolled" if class_row is not None else "departed",
        version=version_at(now), email=row.email or "",
    )
    return new_event(STUDENT_CHANGED, "journal", f"students/{row.id}", row.school_id, data)


def student_changed_event(session: Session, student_id: str, now: dt.datetime | None = None) -> Event:
    """ezh.journal.student.changed.v1 with the student's current class and guardians."""
    row = session.execute(select(store.student).where(store.student.c.id == student_id)).one()
    enrollment, school_class = store.enrollment, store.school_class
    class_row = session.execute(
        select(school_class).join(enrollment, enrollment.c.class_id == school_class.c.id)
        .where(enrollment.c.student_id == student_id, enrollment.c.end_date.is_(None))
        .order_by(enrollment.c.start_date.desc())
    ).first()
    return student_changed(row, class_row, guardian_data(session, [student_id])[student_id], now or utc_now())


def period_of(session: Session, school_id: str, day: dt.date):
    """The shortest period of the school holding `day` (a quarter rather than the year), or None.

    Remembered for the session: one request asks it several times, and periods do not change within one.
    """
    remembered = session.info.setdefault("journal.period_of", {})
    if (school_id, day) not in remembered:
        period = store.study_period
        rows = session.execute(select(period).where(
            period.c.school_id == school_id, period.c.start_date <= day, period.c.end_date >= day)).all()
        remembered[(school_id, day)] = min(rows, key=lambda row: (row.end_date - row.start_date, row.id),
                                           default=None)
    return remembered[(school_id, day)]


def lesson_changed(row, subject_name: str, period_id: str, now: dt.datetime) -> Event:
    """The event for a lesson `row` (a `store.lesson` row)."""
    due = row.homework_due_date
    data = events_pb2.LessonChanged(
        lesson_id=row.id, school_id=row.school_id, class_id=row.class_id, subject_id=row.subject_id,
        subject_name=subject_name, teacher_id=row.teacher_id, subgroup_id=row.subgroup_id or "",
        lesson_date=row.date.isoformat(), slot=row.number, period_id=period_id, topic=row.topic or "",
        work_kind=row.work_kind or "", homework=row.homework or "",
        homework_due_date=due.isoformat() if due and row.homework else "",
        attendance_taken=row.attendance_time is not None, cancelled=bool(row.cancelled), version=version_at(now),
    )
    return new_event(LESSON_CHANGED, "journal", f"lessons/{row.id}", row.school_id, data)


def lesson_changed_event(session: Session, lesson_id: str, now: dt.datetime | None = None) -> Event:
    """ezh.journal.lesson.changed.v1 with the lesson's whole current state."""
    row = session.execute(select(store.lesson).where(store.lesson.c.id == lesson_id)).one()
    subject_name = session.scalar(select(store.subject.c.name).where(store.subject.c.id == row.subject_id)) or ""
    period = period_of(session, row.school_id, row.date)
    return lesson_changed(row, subject_name, period.id if period is not None else "", now or utc_now())


def period_data(row) -> events_pb2.PeriodData:
    rule = rules.Period(id=row.id, kind=row.kind, number=row.number, start=row.start_date, end=row.end_date,
                        deadline_by_order=row.deadline_by_order)
    return events_pb2.PeriodData(
        period_id=row.id, school_id=row.school_id, academic_year_id=row.academic_year_id, kind=row.kind,
        number=row.number or 0, start_date=row.start_date.isoformat(), end_date=row.end_date.isoformat(),
        deadline=rule.final_marks_deadline.isoformat(),
    )


def period_changed(row) -> Event:
    return new_event(PERIOD_CHANGED, "journal", f"periods/{row.id}", row.school_id,
                     events_pb2.PeriodChanged(period=period_data(row)))


def subgroup_changed_events(session: Session, class_id: str, subject_id: str, year_id: str,
                            now: dt.datetime | None = None) -> list[Event]:
    """ezh.journal.subgroup.changed.v1 for each subgroup of the class and subject in the year, with its history."""
    groups = session.execute(select(store.subgroup).where(
        store.subgroup.c.class_id == class_id, store.subgroup.c.subject_id == subject_id,
        store.subgroup.c.academic_year_id == year_id).order_by(store.subgroup.c.id)).all()
    members = session.execute(select(store.subgroup_member).where(
        store.subgroup_member.c.subgroup_id.in_([group.id for group in groups]))
        .order_by(store.subgroup_member.c.start_date, store.subgroup_member.c.student_id)).all()
    version = version_at(now or utc_now())
    return [
        new_event(SUBGROUP_CHANGED, "journal", f"subgroups/{group.id}", group.school_id, events_pb2.SubgroupChanged(
            subgroup_id=group.id, school_id=group.school_id, class_id=group.class_id, subject_id=group.subject_id,
            name=group.name, teacher_id=group.teacher_id or "", version=version,
            members=[events_pb2.SubgroupMember(student_id=member.student_id, start_date=member.start_date.isoformat(),
                                               end_date=member.end_date.isoformat() if member.end_date else "")
                     for member in members if member.subgroup_id == group.id]))
        for group in groups
    ]
