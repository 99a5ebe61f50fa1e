"""Reading the schedule's tables into rule objects and messages."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from ezh.schedule.v1 import events_pb2, schedule_pb2
from sqlalchemy import literal, or_, select, union_all
from sqlalchemy.orm import Session

from services.common.errors import FailedPrecondition, InvalidArgument, NotFound
from services.schedule import rules, store

DEFAULT_BELLS = "default"


def parse_date(field: str, text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        raise InvalidArgument(field, f"Поле «{field}»: нужна дата в формате ГГГГ-ММ-ДД") from None


def names(session: Session, school_id: str) -> rules.Names:
    """The school's names for messages and views, in one round trip."""
    tables = (("classes", store.school_class, store.school_class.c.name),
              ("subgroups", store.subgroup, store.subgroup.c.name),
              ("subjects", store.subject, store.subject.c.name),
              ("teachers", store.teacher, store.teacher.c.full_name),
              ("rooms", store.room, store.room.c.name))
    query = union_all(*(
        select(literal(kind).label("kind"), table.c.id, column.label("name")).where(table.c.school_id == school_id)
        for kind, table, column in tables))
    found: dict[str, dict[str, str]] = {kind: {} for kind, _, _ in tables}
    for kind, row_id, name in session.execute(query):
        found[kind][row_id] = name
    return rules.Names(**found)


def group_sizes(session: Session, school_id: str) -> tuple[dict[str, int], dict[str, tuple[int, str]]]:
    """Students per class, and (students, division) per subgroup."""
    classes = dict(session.execute(
        select(store.school_class.c.id, store.school_class.c.student_count)
        .where(store.school_class.c.school_id == school_id)).all())
    subgroups = {
        row.id: (row.student_count, row.division)
        for row in session.execute(select(store.subgroup).where(store.subgroup.c.school_id == school_id))
    }
    return classes, subgroups


def capacities(session: Session, school_id: str) -> dict[str, int]:
    return dict(session.execute(
        select(store.room.c.id, store.room.c.capacity).where(store.room.c.school_id == school_id)).all())


def placement(row, day, sizes) -> rules.Placement:
    classes, subgroups = sizes
    size, division = subgroups.get(row.subgroup_id or "", (classes.get(row.class_id, 0), ""))
    return rules.Placement(
        id=row.id, class_id=row.class_id, subject_id=row.subject_id, teacher_id=row.teacher_id,
        room_id=row.room_id, day=day, slot=row.slot, subgroup_id=row.subgroup_id or "", division=division,
        weeks=getattr(row, "weeks", "every"), size=size,
    )


def entry_placements(session: Session, timetable_id: str, school_id: str) -> list[rules.Placement]:
    sizes = group_sizes(session, school_id)
    rows = session.execute(select(store.timetable_entry).where(store.timetable_entry.c.timetable_id == timetable_id))
    return [placement(row, row.weekday, sizes) for row in rows]


def entry_message(row) -> schedule_pb2.TimetableEntry:
    return schedule_pb2.TimetableEntry(
        id=row.id, class_id=row.class_id, subgroup_id=row.subgroup_id or "", subject_id=row.subject_id,
        teacher_id=row.teacher_id, room_id=row.room_id, weekday=row.weekday, slot=row.slot, weeks=row.weeks,
    )


def year_row(session: Session, year_id: str, school_id: str | None = None):
    row = session.execute(select(store.academic_year).where(store.academic_year.c.id == year_id)).first()
    if row is None or (school_id is not None and row.school_id != school_id):
        raise NotFound("Учебный год не найден", reason="ACADEMIC_YEAR_NOT_FOUND", field="academic_year_id")
    return row


def holidays(session: Session, school_id: str, year_id: str | None = None) -> list[rules.Holiday]:
    query = select(store.holiday).where(store.holiday.c.school_id == school_id)
    if year_id:
        query = query.where(store.holiday.c.academic_year_id == year_id)
    return [rules.Holiday(row.kind, row.title, row.start_date, row.end_date)
            for row in session.execute(query.order_by(store.holiday.c.start_date))]


def special_days(session: Session, school_id: str, year_id: str | None = None) -> list[rules.SpecialDay]:
    query = select(store.special_day).where(store.special_day.c.school_id == school_id)
    if year_id:
        query = query.where(store.special_day.c.academic_year_id == year_id)
    return [rules.SpecialDay(row.date, row.timetable_weekday, row.bell_schedule_id or "")
            for row in session.execute(query.order_by(store.special_day.c.date))]


def study_days(session: Session, year, start: dt.date | None = None, end: dt.date | None = None):
    return rules.s2_study_days(
        max(start or year.start_date, year.start_date), min(end or year.end_date, year.end_date),
        holidays(session, year.school_id, year.id), special_days(session, year.school_id, year.id),
    )


def bells(session: Session, school_id: str) -> dict[str, dict[int, tuple[str, str]]]:
    """Lesson times by bell schedule id; the default schedule also under DEFAULT_BELLS."""
    schedules: dict[str, dict[int, tuple[str, str]]] = {}
    rows = session.execute(
        select(store.bell_schedule.c.id, store.bell_schedule.c.is_default, store.bell_slot)
        .join(store.bell_slot, store.bell_slot.c.bell_schedule_id == store.bell_schedule.c.id)
        .where(store.bell_schedule.c.school_id == school_id)
    ).all()
    for row in rows:
        schedules.setdefault(row.id, {})[row.slot] = (row.start_time, row.end_time)
        if row.is_default:
            schedules.setdefault(DEFAULT_BELLS, {})[row.slot] = (row.start_time, row.end_time)
    return schedules


def times(all_bells, bell_schedule_id: str, slot: int) -> tuple[str, str]:
    schedule = all_bells.get(bell_schedule_id or DEFAULT_BELLS) or all_bells.get(DEFAULT_BELLS) or {}
    if slot not in schedule:
        raise FailedPrecondition(f"В расписании звонков нет {slot}-го урока", reason="NO_BELL_FOR_SLOT")
    return schedule[slot]


def study_day_of(session: Session, school_id: str, day: dt.date) -> rules.StudyDay | None:
    """The study day `day` is, if it is one, by the year that holds it."""
    year = session.execute(select(store.academic_year).where(
        store.academic_year.c.school_id == school_id, store.academic_year.c.start_date <= day,
        store.academic_year.c.end_date >= day)).first()
    if year is None:
        return None
    found = study_days(session, year, day, day)
    return found[0] if found else None


def dated_placements(session: Session, school_id: str, day: dt.date, sizes) -> list[rules.Placement]:
    rows = session.execute(select(store.dated_lesson).where(
        store.dated_lesson.c.school_id == school_id, store.dated_lesson.c.date == day,
        store.dated_lesson.c.status != "cancelled"))
    return [placement(row, row.date, sizes) for row in rows]


def dated_lesson_event(row) -> events_pb2.DatedLesson:
    return events_pb2.DatedLesson(
        lesson_id=row.id, school_id=row.school_id, class_id=row.class_id, subgroup_id=row.subgroup_id or "",
        subject_id=row.subject_id, teacher_id=row.teacher_id, planned_teacher_id=row.planned_teacher_id,
        room_id=row.room_id, date=row.date.isoformat(), slot=row.slot, start_time=row.start_time,
        end_time=row.end_time, status=row.status, reason=row.reason or "", version=row.version,
    )


def week_lesson(row, known: rules.Names) -> schedule_pb2.WeekLesson:
    return schedule_pb2.WeekLesson(
        lesson_id=row.id, class_id=row.class_id, class_name=known.classes.get(row.class_id, ""),
        subgroup_id=row.subgroup_id or "", subgroup_name=known.subgroups.get(row.subgroup_id or "", ""),
        subject_id=row.subject_id, subject_name=known.subjects.get(row.subject_id, ""),
        teacher_id=row.teacher_id, teacher_name=known.teachers.get(row.teacher_id, ""),
        planned_teacher_id=row.planned_teacher_id, room_id=row.room_id, room_name=known.rooms.get(row.room_id, ""),
        date=row.date.isoformat(), slot=row.slot, start_time=row.start_time, end_time=row.end_time,
        status=row.status, reason=row.reason or "", substituted=row.teacher_id != row.planned_teacher_id,
    )


def lessons_between(session: Session, school_id: str, first: dt.date, last: dt.date, *, class_ids=None,
                    teacher_id: str = "", room_id: str = "", subgroup_ids: Iterable[str] | None = None):
    """Dated lessons of a school in [first, last] for classes (with the given subgroups), a teacher or a room."""
    lesson = store.dated_lesson
    query = select(lesson).where(lesson.c.school_id == school_id, lesson.c.date >= first, lesson.c.date <= last)
    if class_ids is not None:
        query = query.where(lesson.c.class_id.in_(list(class_ids)))
        if subgroup_ids is not None:
            query = query.where(or_(lesson.c.subgroup_id.is_(None), lesson.c.subgroup_id.in_(list(subgroup_ids))))
    if teacher_id:
        query = query.where(or_(lesson.c.teacher_id == teacher_id, lesson.c.planned_teacher_id == teacher_id))
    if room_id:
        query = query.where(lesson.c.room_id == room_id)
    return session.execute(query.order_by(lesson.c.date, lesson.c.slot, lesson.c.class_id)).all()
