"""Events that build the reports read model.

Events from different services may arrive in any order (a class before its
school, an old mark change after a newer one), so each handler creates the
row it needs and a snapshot is replaced only by a newer one: by `version`
for students and lessons, by the event's time for marks, absences and final
marks.  A deleted mark stays as a tombstone.  Each applied event moves the
source's progress row (how many applied, the newest event's time), which the
`GetReadModelStatus` RPC shows as the read model's lag.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

from ezh.auth.v1 import events_pb2 as auth_events
from ezh.journal.v1 import events_pb2 as journal_events
from sqlalchemy import Table, and_, case, delete, or_, select, update
from sqlalchemy.orm import Session

from services.common.clock import utc_now
from services.common.database import insert_on_conflict
from services.common.events import Event
from services.reports import mark_totals, store

summary = store.school_summary


def _day(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _ensure_summary(session: Session, school_id: str) -> None:
    if session.scalar(select(summary.c.school_id).where(summary.c.school_id == school_id)) is None:
        session.execute(summary.insert().values(school_id=school_id))


def _note_progress(session: Session, event: Event) -> None:
    source = event.source.rsplit("/", 1)[-1] or "unknown"
    table = store.progress
    statement = insert_on_conflict(session, table).values(
        source=source, applied_count=1, newest_event_time=event.time, last_apply_time=utc_now())
    session.execute(statement.on_conflict_do_update(index_elements=[table.c.source], set_={
        "applied_count": table.c.applied_count + 1,
        "newest_event_time": case((table.c.newest_event_time < statement.excluded.newest_event_time,
                                   statement.excluded.newest_event_time), else_=table.c.newest_event_time),
        "last_apply_time": statement.excluded.last_apply_time,
    }))


def _upsert(session: Session, table: Table, key: dict, values: dict, *, newer) -> bool:
    """Insert the row, or replace it where `newer(table, excluded)` holds (the event is the newer); whether it did."""
    statement = insert_on_conflict(session, table).values(**key, **values)
    result = session.execute(statement.on_conflict_do_update(
        index_elements=[table.c[name] for name in key], set_={name: statement.excluded[name] for name in values},
        where=newer(table, statement.excluded)))
    return result.rowcount != 0


def _newer_in_time(table: Table, excluded):
    return table.c.change_time <= excluded.change_time


def tracked(handler):
    def apply(session: Session, event: Event) -> None:
        # Times are compared in the database: keep them all in UTC (SQLite stores them without an offset).
        event = dataclasses.replace(event, time=event.time.astimezone(dt.UTC))
        handler(session, event)
        _note_progress(session, event)

    apply.__name__ = handler.__name__
    return apply


@tracked
def on_school_created(session: Session, event: Event) -> None:
    data = event.data_as(auth_events.SchoolCreated)
    _ensure_summary(session, data.school_id)
    session.execute(
        update(summary)
        .where(summary.c.school_id == data.school_id)
        .values(name=data.name, update_time=utc_now())
    )


@tracked
def on_class_created(session: Session, event: Event) -> None:
    data = event.data_as(journal_events.ClassCreated)
    _ensure_summary(session, data.school_id)
    known = session.scalar(select(store.school_class.c.class_id).where(store.school_class.c.class_id == data.class_id))
    values = dict(school_id=data.school_id, name=data.name, grade=data.grade, class_teacher_id=data.class_teacher_id)
    if known is None:
        session.execute(store.school_class.insert().values(class_id=data.class_id, **values))
        session.execute(
            update(summary)
            .where(summary.c.school_id == data.school_id)
            .values(class_count=summary.c.class_count + 1, update_time=utc_now())
        )
    else:
        session.execute(update(store.school_class).where(store.school_class.c.class_id == data.class_id)
                        .values(**values))


@tracked
def on_student_changed(session: Session, event: Event) -> None:
    data = event.data_as(journal_events.StudentChanged)
    table = store.student
    current = session.scalar(select(table.c.version).where(table.c.student_id == data.student_id))
    if current is not None and current >= data.version:
        return
    values = dict(school_id=data.school_id, class_id=data.class_id, class_name=data.class_name,
                  last_name=data.last_name, first_name=data.first_name, middle_name=data.middle_name,
                  status=data.status or "enrolled", version=data.version)
    if current is None:
        session.execute(table.insert().values(student_id=data.student_id, **values))
    else:
        session.execute(update(table).where(table.c.student_id == data.student_id).values(**values))
    session.execute(delete(store.guardianship).where(store.guardianship.c.student_id == data.student_id))
    guardians = {guardian.guardian_id for guardian in data.guardians if guardian.guardian_id}
    for guardian_id in sorted(guardians):
        session.execute(store.guardianship.insert().values(student_id=data.student_id, guardian_id=guardian_id))


@tracked
def on_period_changed(session: Session, event: Event) -> None:
    data = event.data_as(journal_events.PeriodChanged).period
    values = dict(school_id=data.school_id, academic_year_id=data.academic_year_id, kind=data.kind,
                  number=data.number, start_date=_day(data.start_date), end_date=_day(data.end_date),
                  deadline=_day(data.deadline))
    _upsert(session, store.period, {"period_id": data.period_id}, values, newer=lambda table, excluded: None)
    mark_totals.recompute_period(session, data.period_id)


@tracked
def on_lesson_changed(session: Session, event: Event) -> None:
    data = event.data_as(journal_events.LessonChanged)
    values = dict(
        school_id=data.school_id, class_id=data.class_id, subject_id=data.subject_id, subject_name=data.subject_name,
        teacher_id=data.teacher_id, subgroup_id=data.subgroup_id, lesson_date=_day(data.lesson_date), slot=data.slot,
        period_id=data.period_id, topic=data.topic, work_kind=data.work_kind, homework=data.homework,
        attendance_taken=data.attendance_taken, cancelled=data.cancelled, version=data.version,
        change_time=event.time,
    )
    _upsert(session, store.lesson, {"lesson_id": data.lesson_id}, values,
            newer=lambda table, excluded: or_(table.c.version < excluded.version, and_(
                table.c.version == excluded.version, table.c.change_time <= excluded.change_time)))


def _mark_values(data: journal_events.MarkData, event: Event, deleted: bool) -> dict:
    return dict(
        school_id=data.school_id, class_id=data.class_id, subject_id=data.subject_id, subject_name=data.subject_name,
        teacher_id=data.teacher_id, period_id=data.period_id, lesson_id=data.lesson_id,
        lesson_date=_day(data.lesson_date), student_id=data.student_id, value=data.value, work_type=data.work_type,
        weight=data.weight or "1", deleted=deleted, change_time=event.time,
    )


def _on_mark(message_class, deleted: bool):
    def handler(session: Session, event: Event) -> None:
        data = event.data_as(message_class).mark
        table = store.mark
        before = session.execute(select(table.c.school_id, table.c.student_id, table.c.subject_id)
                                 .where(table.c.mark_id == data.mark_id)).first()
        if _upsert(session, table, {"mark_id": data.mark_id}, _mark_values(data, event, deleted), newer=_newer_in_time):
            if before is not None and tuple(before) != (data.school_id, data.student_id, data.subject_id):
                mark_totals.recompute_pairs(session, before.school_id, [(before.student_id, before.subject_id)])
            mark_totals.recompute_pairs(session, data.school_id, [(data.student_id, data.subject_id)])

    handler.__name__ = f"on_{message_class.__name__}"
    return tracked(handler)


@tracked
def on_absence_recorded(session: Session, event: Event) -> None:
    data = event.data_as(journal_events.AbsenceRecorded)
    values = dict(
        school_id=data.school_id, class_id=data.class_id, subject_id=data.subject_id, subject_name=data.subject_name,
        teacher_id=data.teacher_id, period_id=data.period_id, lesson_date=_day(data.lesson_date), kind=data.kind,
        change_time=event.time,
    )
    _upsert(session, store.absence, {"lesson_id": data.lesson_id, "student_id": data.student_id}, values,
            newer=_newer_in_time)


@tracked
def on_final_mark_set(session: Session, event: Event) -> None:
    data = event.data_as(journal_events.FinalMarkSet).final_mark
    values = dict(
        school_id=data.school_id, class_id=data.class_id, subject_id=data.subject_id, subject_name=data.subject_name,
        student_id=data.student_id, period_id=data.period_id, kind=data.kind, value=data.value,
        teacher_id=data.teacher_id, change_time=event.time,
    )
    _upsert(session, store.final_mark, {"final_mark_id": data.final_mark_id}, values, newer=_newer_in_time)


def _change_time(text: str, event: Event) -> dt.datetime:
    """The change time an event states (RFC 3339), in UTC; the event's own time where it states none."""
    try:
        moment = dt.datetime.fromisoformat(text) if text else event.time
    except ValueError:
        moment = event.time
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


@tracked
def on_staff_changed(session: Session, event: Event) -> None:
    """A staff member's names, roles and block state; the newest change wins, a former one keeps the name."""
    data = event.data_as(auth_events.StaffChanged)
    values = dict(school_id=data.school_id, last_name=data.last_name, first_name=data.first_name,
                  middle_name=data.middle_name, roles=",".join(sorted({role.role for role in data.roles})),
                  blocked=data.blocked, change_time=_change_time(data.change_time, event))
    _upsert(session, store.staff, {"person_id": data.person_id}, values, newer=_newer_in_time)


HANDLERS = {
    "ezh.auth.school.created.v1": on_school_created,
    "ezh.auth.staff.changed.v1": on_staff_changed,
    "ezh.journal.class.created.v1": on_class_created,
    "ezh.journal.student.changed.v1": on_student_changed,
    "ezh.journal.period.changed.v1": on_period_changed,
    "ezh.journal.lesson.changed.v1": on_lesson_changed,
    "ezh.journal.mark.created.v1": _on_mark(journal_events.MarkCreated, deleted=False),
    "ezh.journal.mark.updated.v1": _on_mark(journal_events.MarkUpdated, deleted=False),
    "ezh.journal.mark.deleted.v1": _on_mark(journal_events.MarkDeleted, deleted=True),
    "ezh.journal.absence.recorded.v1": on_absence_recorded,
    "ezh.journal.final_mark.set.v1": on_final_mark_set,
}


# ---------------------------------------------------------------- many events at once (a rebuild)

def _mark_row(event: Event) -> tuple[dict, dict]:
    message = {"ezh.journal.mark.created.v1": journal_events.MarkCreated,
               "ezh.journal.mark.updated.v1": journal_events.MarkUpdated,
               "ezh.journal.mark.deleted.v1": journal_events.MarkDeleted}[event.type]
    data = event.data_as(message).mark
    return {"mark_id": data.mark_id}, _mark_values(data, event, event.type == "ezh.journal.mark.deleted.v1")


def _lesson_row(event: Event) -> tuple[dict, dict]:
    data = event.data_as(journal_events.LessonChanged)
    return {"lesson_id": data.lesson_id}, dict(
        school_id=data.school_id, class_id=data.class_id, subject_id=data.subject_id, subject_name=data.subject_name,
        teacher_id=data.teacher_id, subgroup_id=data.subgroup_id, lesson_date=_day(data.lesson_date), slot=data.slot,
        period_id=data.period_id, topic=data.topic, work_kind=data.work_kind, homework=data.homework,
        attendance_taken=data.attendance_taken, cancelled=data.cancelled, version=data.version,
        change_time=event.time)


def _absence_row(event: Event) -> tuple[dict, dict]:
    data = event.data_as(journal_events.AbsenceRecorded)
    return {"lesson_id": data.lesson_id, "student_id": data.student_id}, dict(
        school_id=data.school_id, class_id=data.class_id, subject_id=data.subject_id, subject_name=data.subject_name,
        teacher_id=data.teacher_id, period_id=data.period_id, lesson_date=_day(data.lesson_date), kind=data.kind,
        change_time=event.time)


def _final_mark_row(event: Event) -> tuple[dict, dict]:
    data = event.data_as(journal_events.FinalMarkSet).final_mark
    return {"final_mark_id": data.final_mark_id}, dict(
        school_id=data.school_id, class_id=data.class_id, subject_id=data.subject_id, subject_name=data.subject_name,
        student_id=data.student_id, period_id=data.period_id, kind=data.kind, value=data.value,
        teacher_id=data.teacher_id, change_time=event.time)


def _newer_lesson(table: Table, excluded):
    return or_(table.c.version < excluded.version,
               and_(table.c.version == excluded.version, table.c.change_time <= excluded.change_time))


# The snapshots applied many at once: table, row of an event, which wins (the same as each handler's), its order.
_SNAPSHOTS = {
    "ezh.journal.mark.created.v1": (store.mark, _mark_row, _newer_in_time, lambda v: (v["change_time"],)),
    "ezh.journal.mark.updated.v1": (store.mark, _mark_row, _newer_in_time, lambda v: (v["change_time"],)),
    "ezh.journal.mark.deleted.v1": (store.mark, _mark_row, _newer_in_time, lambda v: (v["change_time"],)),
    "ezh.journal.lesson.changed.v1": (store.lesson, _lesson_row, _newer_lesson,
                                      lambda v: (v["version"], v["change_time"])),
    "ezh.journal.absence.recorded.v1": (store.absence, _absence_row, _newer_in_time, lambda v: (v["change_time"],)),
    "ezh.journal.final_mark.set.v1": (store.final_mark, _final_mark_row, _newer_in_time,
                                      lambda v: (v["change_time"],)),
}


def apply_events(session: Session, events: list[Event]) -> None:
    """Apply many events in one transaction with the effect of applying each one's handler in order.

    Snapshots (marks, lessons, absences, final marks) are written with one INSERT … ON CONFLICT per table
    executed for all its rows, each row the newest of the batch by the same rule as its handler (a later event
    wins a tie), and the mark totals are computed again once per touched student and subject; the other events
    go through their handlers.  The progress rows count every event.
    """
    latest: dict[Table, dict[tuple, tuple[tuple, dict, dict]]] = {}
    sources: dict[str, list] = {}
    for event in events:
        event = dataclasses.replace(event, time=event.time.astimezone(dt.UTC))
        snapshot = _SNAPSHOTS.get(event.type)
        if snapshot is None:
            if event.type in HANDLERS:
                HANDLERS[event.type](session, event)
            continue
        table, row_of, _, order = snapshot
        key, values = row_of(event)
        rows = latest.setdefault(table, {})
        identity = tuple(key.values())
        if identity not in rows or rows[identity][0] <= order(values):
            rows[identity] = (order(values), key, values)
        source = event.source.rsplit("/", 1)[-1] or "unknown"
        count, newest = sources.get(source, (0, None))
        sources[source] = [count + 1, event.time if newest is None or newest < event.time else newest]
    pairs: dict[str, set[tuple[str, str]]] = {}
    marks = latest.get(store.mark, {})
    if marks:
        ids = [mark_id for (mark_id,) in marks]
        for begin in range(0, len(ids), 1000):
            for row in session.execute(select(store.mark.c.school_id, store.mark.c.student_id,
                                              store.mark.c.subject_id)
                                       .where(store.mark.c.mark_id.in_(ids[begin:begin + 1000]))):
                pairs.setdefault(row.school_id, set()).add((row.student_id, row.subject_id))
        for _, _, values in marks.values():
            pairs.setdefault(values["school_id"], set()).add((values["student_id"], values["subject_id"]))
    for table, rows in latest.items():
        newer = next(snapshot[2] for snapshot in _SNAPSHOTS.values() if snapshot[0] is table)
        listed = [dict(**key, **values) for _, key, values in rows.values()]
        names = [name for name in listed[0] if name not in next(iter(rows.values()))[1]]
        keys = [table.c[name] for name in next(iter(rows.values()))[1]]
        statement = insert_on_conflict(session, table)
        statement = statement.on_conflict_do_update(
            index_elements=keys, set_={name: statement.excluded[name] for name in names},
            where=newer(table, statement.excluded))
        session.execute(statement, listed)  # one statement, executed for every row (executemany)
    for school_id, touched in pairs.items():
        mark_totals.recompute_pairs(session, school_id, touched)
    for source, (count, newest) in sources.items():
        table = store.progress
        statement = insert_on_conflict(session, table).values(
            source=source, applied_count=count, newest_event_time=newest, last_apply_time=utc_now())
        session.execute(statement.on_conflict_do_update(index_elements=[table.c.source], set_={
            "applied_count": table.c.applied_count + count,
            "newest_event_time": case((table.c.newest_event_time < statement.excluded.newest_event_time,
                                       statement.excluded.newest_event_time), else_=table.c.newest_event_time),
            "last_apply_time": statement.excluded.last_apply_time,
        }))
