"""Lessons, periods, marks and absences as the store holds them, and saving a lesson (J2, J8, M3).

`save_lesson_entries` checks every entry first and writes nothing unless all
are good; then, in the caller's transaction, it replaces the given students'
marks and absence at the lesson, appends one change-history record per
change and writes one outbox event per change.
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from ezh.journal.v1 import events_pb2
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from services.common import outbox
from services.common.clock import as_utc
from services.common.errors import FailedPrecondition, InvalidArgument
from services.common.events import new_event
from services.journal import locks, rules, snapshots, store
from services.journal.change_history import ChangeWriter

# The district's schools keep the journal by Moscow days: a lesson "has been
# held" and a period "has ended" by the date there, not by UTC.
SCHOOL_TIMEZONE = ZoneInfo("Europe/Moscow")
MAX_MARKS_PER_ENTRY = 5


def school_today(now: dt.datetime) -> dt.date:
    return now.astimezone(SCHOOL_TIMEZONE).date()


def period_rule(row) -> rules.Period:
    return rules.Period(
        id=row.id, kind=row.kind, number=row.number, start=row.start_date, end=row.end_date,
        deadline_by_order=row.deadline_by_order,
    )


period_of_day = snapshots.period_of


def mark_text(value: rules.MarkValue) -> str:
    return value.value if isinstance(value, rules.PassFail) else str(value)


def mark_rule(row, date: dt.date) -> rules.Mark:
    return rules.Mark(
        value=rules.mark_value(row.value), work_type=row.work_type, date=date,
        weight=Decimal(row.weight) if row.weight is not None else None, id=row.id,
    )


def school_weights(session: Session, school_id: str) -> dict[rules.WorkType, Decimal]:
    """The weights a school's marks count with: its own per work type, else the defaults."""
    table = store.work_type_weight
    rows = session.execute(select(table.c.work_type, table.c.weight).where(table.c.school_id == school_id)).all()
    return rules.school_weights({row.work_type: Decimal(row.weight) for row in rows})


def weight_text(weight: Decimal) -> str:
    return format(weight.normalize(), "f")


def enrolled_on(class_id: str, day_from: dt.date, day_to: dt.date):
    """The enrolment condition: in the class at some day of [day_from, day_to]."""
    enrollment = store.enrollment
    return and_(
        enrollment.c.class_id == class_id,
        enrollment.c.start_date <= day_to,
        or_(enrollment.c.end_date.is_(None), enrollment.c.end_date >= day_from),
    )


# ------------------------------------------------------------------ saving

@dataclass(frozen=True)
class MarkIn:
    id: str
    value: rules.MarkValue
    work_type: rules.WorkType
    weight: Decimal | None


@dataclass(frozen=True)
class EntryIn:
    student_id: str
    marks: tuple[MarkIn, ...]
    absence: rules.AbsenceKind | None


@dataclass
class SaveResult:
    change_count: int = 0
    events: list = field(default_factory=list)


def check_entries(entries: Sequence, pass_fail_subject: bool) -> list[EntryIn]:
    """The request's entries as checked values; INVALID_ARGUMENT naming the first bad field."""
    checked: list[EntryIn] = []
    seen: set[str] = set()
    if not entries:
        raise InvalidArgument("entries", "Нет ни одной записи об ученике")
    for index, entry in enumerate(entries):
        where = f"entries[{index}]"
        try:
            student_id = str(uuid.UUID(entry.student_id))
        except ValueError:
            raise InvalidArgument(f"{where}.student_id", "Неверный идентификатор ученика") from None
        if student_id in seen:
            raise InvalidArgument(f"{where}.student_id", "Ученик указан дважды")
        seen.add(student_id)
        if len(entry.marks) > MAX_MARKS_PER_ENTRY:
            raise InvalidArgument(f"{where}.marks", f"Не больше {MAX_MARKS_PER_ENTRY} отметок за урок")
        marks: list[MarkIn] = []
        ids: set[str] = set()
        for position, given in enumerate(entry.marks):
            at = f"{where}.marks[{position}]"
            mark_id = ""
            if given.id:
                try:
                    mark_id = str(uuid.UUID(given.id))
                except ValueError:
                    raise InvalidArgument(f"{at}.id", "Неверный идентификатор отметки") from None
                if mark_id in ids:
                    raise InvalidArgument(f"{at}.id", "Отметка указана дважды")
                ids.add(mark_id)
            value = rules.mark_value(given.value, f"{at}.value")
            if isinstance(value, rules.PassFail) != pass_fail_subject:
                raise InvalidArgument(
                    f"{at}.value",
                    "По этому предмету ставится «зачёт» или «незачёт»" if pass_fail_subject
                    else "По этому предмету ставятся отметки от 1 до 5",
                )
            kind = rules.work_type(given.work_type, f"{at}.work_type")
            weight = rules.weight_value(given.weight, f"{at}.weight") if given.weight.strip() else None
            marks.append(MarkIn(mark_id, value, kind, weight))
        absence = rules.absence_kind(entry.absence, f"{where}.absence") if entry.absence.strip() else None
        if absence in rules.MISSED_KINDS and marks:
            raise InvalidArgument(f"{where}.marks", "Ученику, отсутствовавшему на уроке, отметка не ставится")
        checked.append(EntryIn(student_id, tuple(marks), absence))
    return checked


@dataclass(frozen=True)
class LessonContext:
    """What every event about a lesson's entries repeats: the lesson, its subject's name, its period."""

    lesson: object
    subject_name: str
    period_id: str
    weights: Mapping[rules.WorkType, Decimal] = field(default_factory=lambda: dict(rules.DEFAULT_WEIGHTS))

    @classmethod
    def of(cls, session: Session, lesson) -> LessonContext:
        name = session.scalar(select(store.subject.c.name).where(store.subject.c.id == lesson.subject_id)) or ""
        period = period_of_day(session, lesson.school_id, lesson.date)
        return cls(lesson, name, period.id if period is not None else "", school_weights(session, lesson.school_id))


def mark_data(where: LessonContext, row_id: str, student_id: str, value: str, work_type: str,
              weight: Decimal | None) -> events_pb2.MarkData:
    lesson = where.lesson
    effective = weight if weight is not None else where.weights.get(rules.WorkType(work_type), Decimal(1))
    return events_pb2.MarkData(
        mark_id=row_id, school_id=lesson.school_id, class_id=lesson.class_id, subject_id=lesson.subject_id,
        lesson_id=lesson.id, lesson_date=lesson.date.isoformat(), student_id=student_id, value=value,
        work_type=work_type, weight=weight_text(effective), subject_name=where.subject_name,
        teacher_id=lesson.teacher_id, period_id=where.period_id,
    )


def absence_recorded(where: LessonContext, student_id: str, kind: str, previous_kind: str,
                     actor_id: str) -> events_pb2.AbsenceRecorded:
    lesson = where.lesson
    return events_pb2.AbsenceRecorded(
        school_id=lesson.school_id, class_id=lesson.class_id, subject_id=lesson.subject_id, lesson_id=lesson.id,
        lesson_date=lesson.date.isoformat(), student_id=student_id, kind=kind, previous_kind=previous_kind,
        actor_id=actor_id, subject_name=where.subject_name, teacher_id=lesson.teacher_id,
        period_id=where.period_id,
    )


def _mark_state(value: str, work_type: str, weight: Decimal | None) -> dict:
    return {"value": value, "work_type": work_type, "weight": weight_text(weight) if weight is not None else None}


def save_lesson_entries(
    session: Session, lesson, entries: list[EntryIn], *, actor_id: str, now: dt.datetime, reason: str,
    exception_id: str = "",
) -> SaveResult:
    """Replace the entries' marks and absences at `lesson` (checks first, then writes); `exception_id`
    names the exception that opened the lesson's locked period, recorded with each change."""
    mark, absence = store.mark, store.absence
    students = [entry.student_id for entry in entries]
    enrolled = set(session.scalars(
        select(store.enrollment.c.student_id).where(
            enrolled_on(lesson.class_id, lesson.date, lesson.date),
            store.enrollment.c.student_id.in_(students),
        )
    ))
    for index, entry in enumerate(entries):
        if entry.student_id not in enrolled:
            raise InvalidArgument(f"entries[{index}].student_id",
                                  "Ученик не числится в этом классе в день урока")
    existing_marks: dict[str, dict[str, object]] = {student: {} for student in students}
    for row in session.execute(select(mark).where(mark.c.lesson_id == lesson.id, mark.c.student_id.in_(students))):
        existing_marks[row.student_id][row.id] = row
    existing_absences = {
        row.student_id: row
        for row in session.execute(
            select(absence).where(absence.c.lesson_id == lesson.id, absence.c.student_id.in_(students))
        )
    }

    # Plan every change and check the J8 reason before writing anything.
    creates, updates, deletes, absence_changes = [], [], [], []
    for index, entry in enumerate(entries):
        own = existing_marks[entry.student_id]
        kept: set[str] = set()
        for position, given in enumerate(entry.marks):
            value = mark_text(given.value)
            if not given.id:
                creates.append((entry.student_id, given, value))
                continue
            row = own.get(given.id)
            if row is None:
                raise InvalidArgument(f"entries[{index}].marks[{position}].id",
                                      "У ученика нет такой отметки за этот урок")
            kept.add(given.id)
            old_weight = Decimal(row.weight) if row.weight is not None else None
            if (row.value, row.work_type, old_weight) != (value, given.work_type.value, given.weight):
                updates.append((entry.student_id, row, given, value))
        deletes.extend((entry.student_id, row) for mark_id, row in own.items() if mark_id not in kept)
        before = existing_absences.get(entry.student_id)
        after = entry.absence.value if entry.absence else None
        if (before.kind if before else None) != after:
            absence_changes.append((entry.student_id, before, after))
    for row in [row for _, row, _, _ in updates] + [row for _, row in deletes] + [
            before for _, before, _ in absence_changes if before is not None]:
        rules.change_allowed(as_utc(row.create_time), now, reason).raise_if_refused()

    writer = ChangeWriter(session, lesson.school_id, actor_id, now, reason, exception_id)
    result = SaveResult()
    where = LessonContext.of(session, lesson)
    context = dict(lesson_id=lesson.id)
    new_marks = []
    for student_id, given, value in creates:
        mark_id = str(uuid.uuid4())
        new_marks.append(dict(
            id=mark_id, school_id=lesson.school_id, lesson_id=lesson.id, student_id=student_id, value=value,
            work_type=given.work_type.value, weight=given.weight, create_time=now, update_time=now,
        ))
        writer.append(rules.ChangeEntity.MARK, mark_id, rules.ChangeAction.CREATED, None,
                      _mark_state(value, given.work_type.value, given.weight), student_id=student_id, **context)
        data = mark_data(where, mark_id, student_id, value, given.work_type.value, given.weight)
        result.events.append(("ezh.journal.mark.created.v1", f"marks/{mark_id}",
                              events_pb2.MarkCreated(mark=data, actor_id=actor_id)))
    if new_marks:
        session.execute(mark.insert(), new_marks)
    for student_id, row, given, value in updates:
        old_weight = Decimal(row.weight) if row.weight is not None else None
        session.execute(mark.update().where(mark.c.id == row.id).values(
            value=value, work_type=given.work_type.value, weight=given.weight, update_time=now,
        ))
        writer.append(rules.ChangeEntity.MARK, row.id, rules.ChangeAction.UPDATED,
                      _mark_state(row.value, row.work_type, old_weight),
                      _mark_state(value, given.work_type.value, given.weight), student_id=student_id, **context)
        result.events.append(("ezh.journal.mark.updated.v1", f"marks/{row.id}", events_pb2.MarkUpdated(
            mark=mark_data(where, row.id, student_id, value, given.work_type.value, given.weight),
            previous=mark_data(where, row.id, student_id, row.value, row.work_type, old_weight),
            actor_id=actor_id, reason=reason,
        )))
    for student_id, row in deletes:
        old_weight = Decimal(row.weight) if row.weight is not None else None
        session.execute(mark.delete().where(mark.c.id == row.id))
        writer.append(rules.ChangeEntity.MARK, row.id, rules.ChangeAction.DELETED,
                      _mark_state(row.value, row.work_type, old_weight), None, student_id=student_id, **context)
        result.events.append(("ezh.journal.mark.deleted.v1", f"marks/{row.id}", events_pb2.MarkDeleted(
            mark=mark_data(where, row.id, student_id, row.value, row.work_type, old_weight),
            actor_id=actor_id, reason=reason,
        )))
    for student_id, before, after in absence_changes:
        if before is None:
            absence_id = str(uuid.uuid4())
            session.execute(absence.insert().values(
                id=absence_id, school_id=lesson.school_id, lesson_id=lesson.id, student_id=student_id, kind=after,
                create_time=now, update_time=now,
            ))
            action = rules.ChangeAction.CREATED
        else:
            absence_id = before.id
            if after is None:
                session.execute(absence.delete().where(absence.c.id == before.id))
                action = rules.ChangeAction.DELETED
            else:
                session.execute(absence.update().where(absence.c.id == before.id).values(kind=after, update_time=now))
                action = rules.ChangeAction.UPDATED
        writer.append(rules.ChangeEntity.ABSENCE, absence_id, action,
                      {"kind": before.kind} if before else None, {"kind": after} if after else None,
                      student_id=student_id, **context)
        result.events.append(("ezh.journal.absence.recorded.v1", f"lessons/{lesson.id}/absences/{student_id}",
                              absence_recorded(where, student_id, after or "",
                                               before.kind if before else "", actor_id)))
    writer.finish()
    snapshots.record_events(session, [new_event(event_type, "journal", subject, lesson.school_id, data)
                                      for event_type, subject, data in result.events])
    result.change_count = len(result.events)
    if lesson.attendance_time is None:
        # The first save of a lesson is its attendance taken: read models learn it from the lesson.
        session.execute(store.lesson.update().where(store.lesson.c.id == lesson.id).values(attendance_time=now))
        outbox.record(session, store.outbox, snapshots.lesson_changed_event(session, lesson.id, now))
    return result


def entry_allowed(session: Session, lesson, today: dt.date) -> str:
    """M3: the lesson's period must be open for marks and absences, or opened by an exception
    (FAILED_PRECONDITION otherwise); the exception's id when one opened it, else ""."""
    row = period_of_day(session, lesson.school_id, lesson.date)
    if row is None:
        raise FailedPrecondition("Урок не относится ни к одному учебному периоду", reason="LESSON_OUTSIDE_PERIOD")
    decision = locks.lesson_entry_decision(session, lesson, row, today)
    decision.raise_if_refused()
    return decision.exception.id if decision.late else ""


def student_names(rows: Iterable) -> list:
    return sorted(rows, key=lambda row: (row.last_name, row.first_name, row.middle_name or "", row.id))
