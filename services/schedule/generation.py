"""GenerateTimetable: the school's curriculum, assignments, rooms and availability into the
solver, its result back as weekly entries; accepted, a new draft timetable (checked again
by the S1 rules before it is saved)."""
from __future__ import annotations

import datetime as dt
import uuid

from ezh.schedule.v1 import schedule_pb2
from sqlalchemy import select

from services.common.errors import FailedPrecondition, InvalidArgument
from services.schedule import lessons, rules, solver, store
from services.schedule.server import create_timetable

DEFAULT_TIME_LIMIT = 20
MAX_TIME_LIMIT = 120


def build_problem(session, school_id: str, year_id: str, *, days: int = 5, slots: int = 7,
                  max_lessons_per_day: int = 6) -> tuple[solver.Problem, list[schedule_pb2.Unplaced]]:
    """The solver's problem from the schedule's tables, and curriculum lines nobody teaches."""
    known = lessons.names(session, school_id)
    class_size = dict(session.execute(select(store.school_class.c.id, store.school_class.c.student_count).where(
        store.school_class.c.school_id == school_id)).all())
    subgroups = {row.id: row for row in session.execute(
        select(store.subgroup).where(store.subgroup.c.school_id == school_id))}
    subjects = {row.id: row for row in session.execute(
        select(store.subject).where(store.subject.c.school_id == school_id))}
    teacher_of = {
        (row.class_id, row.subgroup_id or "", row.subject_id): row.teacher_id
        for row in session.execute(select(store.teaching_assignment).where(
            store.teaching_assignment.c.school_id == school_id).order_by(store.teaching_assignment.c.id))
    }
    demands, orphans = [], []
    for row in session.execute(select(store.curriculum).where(
            store.curriculum.c.school_id == school_id, store.curriculum.c.academic_year_id == year_id).order_by(
            store.curriculum.c.class_id, store.curriculum.c.subject_id, store.curriculum.c.subgroup_id)):
        every, alternating = rules.weekly_lessons(row.year_hours)
        if not every + alternating:
            continue
        subgroup_id = row.subgroup_id or ""
        teacher_id = teacher_of.get((row.class_id, subgroup_id, row.subject_id))
        if teacher_id is None:
            orphans.append(schedule_pb2.Unplaced(
                class_id=row.class_id, subgroup_id=subgroup_id, subject_id=row.subject_id,
                count=every + alternating, reason="Нет учителя: предмет никому не назначен"))
            continue
        subgroup = subgroups.get(subgroup_id)
        subject = subjects[row.subject_id]
        demands.append(solver.Demand(
            class_id=row.class_id, subject_id=row.subject_id, teacher_id=teacher_id,
            lessons=every + alternating, alternating=bool(alternating),
            size=subgroup.student_count if subgroup else class_size.get(row.class_id, 0),
            subgroup_id=subgroup_id, division=subgroup.division if subgroup else "",
            room_kind=subject.room_kind, hard=subject.hard,
        ))
    rooms = [solver.Room(row.id, row.kind, row.capacity) for row in session.execute(
        select(store.room).where(store.room.c.school_id == school_id).order_by(store.room.c.name))]
    unavailable = frozenset(
        (row.teacher_id, row.weekday, row.slot) for row in session.execute(
            select(store.teacher_unavailable).where(store.teacher_unavailable.c.school_id == school_id)))
    names = {**known.classes, **known.teachers, **known.subjects, **known.subgroups, **known.rooms}
    problem = solver.Problem(demands=demands, rooms=rooms, days=days, slots=slots,
                             max_lessons_per_day=max_lessons_per_day, unavailable=unavailable, names=names)
    return problem, orphans


def placements(solution: solver.Solution) -> list[rules.Placement]:
    """The solver's lessons as placements for the S1 rules."""
    return [
        rules.Placement(
            id=f"g{index}", class_id=lesson.demand.class_id, subject_id=lesson.demand.subject_id,
            teacher_id=lesson.demand.teacher_id, room_id=lesson.room_id, day=lesson.weekday, slot=lesson.slot,
            subgroup_id=lesson.demand.subgroup_id, division=lesson.demand.division, weeks=lesson.weeks,
            size=lesson.demand.size)
        for index, lesson in enumerate(solution.lessons)
    ]


def generate(database, identity, school_id: str, year_id: str, request, now: dt.datetime):
    days = request.days or 5
    slots = request.slots_per_day or 7
    if days not in (5, 6):
        raise InvalidArgument("days", "Учебных дней в неделе — 5 или 6")
    if not 1 <= slots <= 10:
        raise InvalidArgument("slots_per_day", "Уроков в день — от 1 до 10")
    limit = request.time_limit_seconds or DEFAULT_TIME_LIMIT
    if not 1 <= limit <= MAX_TIME_LIMIT:
        raise InvalidArgument("time_limit_seconds", f"Время на поиск — от 1 до {MAX_TIME_LIMIT} с")
    per_day = request.max_lessons_per_day or 6
    if not 1 <= per_day <= 10:
        raise InvalidArgument("max_lessons_per_day", "Уроков в день — от 1 до 10")
    with database.session() as session:
        lessons.year_row(session, year_id, school_id)
        problem, orphans = build_problem(session, school_id, year_id, days=days, slots=slots,
                                         max_lessons_per_day=per_day)
    if not problem.demands and not orphans:
        raise FailedPrecondition("В учебном плане на этот год нет часов", reason="NO_CURRICULUM")
    solution = solver.solve(problem, limit)
    entries = [
        schedule_pb2.TimetableEntry(
            class_id=lesson.demand.class_id, subgroup_id=lesson.demand.subgroup_id,
            subject_id=lesson.demand.subject_id, teacher_id=lesson.demand.teacher_id, room_id=lesson.room_id,
            weekday=lesson.weekday, slot=lesson.slot, weeks=lesson.weeks)
        for lesson in solution.lessons
    ]
    unplaced = orphans + [
        schedule_pb2.Unplaced(class_id=item.demand.class_id, subgroup_id=item.demand.subgroup_id,
                              subject_id=item.demand.subject_id, teacher_id=item.demand.teacher_id,
                              count=item.count, reason=item.reason)
        for item in solution.unplaced
    ]
    quality = solution.quality
    response = schedule_pb2.GenerateTimetableResponse(
        entries=entries, unplaced=unplaced,
        quality=schedule_pb2.TimetableQuality(
            class_gaps=quality.class_gaps, teacher_gaps=quality.teacher_gaps, hard_last=quality.hard_last,
            over_daily_limit=quality.over_daily_limit, placed=quality.placed,
            unplaced=quality.unplaced + sum(item.count for item in orphans),
            solve_seconds=round(solution.seconds, 3), solver_status=solution.status),
    )
    if request.accept and entries:
        name = request.name.strip() or f"Сгенерировано {now:%d.%m.%Y %H:%M}"
        with database.transaction() as session:
            known = lessons.names(session, school_id)
            conflicts = rules.s1_conflicts(placements(solution), known,
                                           capacities=lessons.capacities(session, school_id))
            if conflicts:
                raise FailedPrecondition(rules.conflicts_message(conflicts), reason="SCHEDULE_CONFLICT")
            timetable_id = create_timetable(session, school_id, year_id, name[:200], identity.person_id, now)
            saved = []
            for entry in entries:
                entry.id = str(uuid.uuid4())
                saved.append(dict(
                    id=entry.id, timetable_id=timetable_id, school_id=school_id, class_id=entry.class_id,
                    subgroup_id=entry.subgroup_id or None, subject_id=entry.subject_id, teacher_id=entry.teacher_id,
                    room_id=entry.room_id, weekday=entry.weekday, slot=entry.slot, weeks=entry.weeks))
            session.execute(store.timetable_entry.insert(), saved)
        response.timetable_id = timetable_id
        del response.entries[:]
        response.entries.extend(entries)
    return response
