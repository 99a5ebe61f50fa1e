"""ScheduleService: proto <-> store; the rules live in rules.py, the solver in solver.py."""
from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections import defaultdict
from collections.abc import Callable

from ezh.schedule.v1 import events_pb2, schedule_pb2, schedule_pb2_grpc
from sqlalchemy import delete, select, update

from services.common import outbox, paging
from services.common.clock import utc_now
from services.common.errors import FailedPrecondition, InvalidArgument, NotFound
from services.common.events import new_event
from services.common.identity import require_identity
from services.common.validation import identifier, required_text
from services.schedule import access, feeds, lessons, rules, store

SERVICE = "schedule"
ROOM_KINDS = {
    "classroom": schedule_pb2.ROOM_KIND_CLASSROOM,
    "lab": schedule_pb2.ROOM_KIND_LAB,
    "gym": schedule_pb2.ROOM_KIND_GYM,
    "computer": schedule_pb2.ROOM_KIND_COMPUTER,
}
ROOM_KIND_NAMES = {value: key for key, value in ROOM_KINDS.items()}
TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
PERIOD_KINDS = ("quarter", "trimester", "half_year", "year")
MAX_SLOT = 10
EVENT_SUBSTITUTED = "ezh.schedule.lesson.substituted.v1"
EVENT_CANCELLED = "ezh.schedule.lesson.cancelled.v1"
EVENT_MOVED = "ezh.schedule.lesson.moved.v1"
EVENT_PUBLISHED = "ezh.schedule.timetable.published.v1"
EVENT_CALENDAR = "ezh.schedule.calendar.changed.v1"


def room_message(row) -> schedule_pb2.Room:
    return schedule_pb2.Room(id=row.id, school_id=row.school_id, name=row.name, capacity=row.capacity,
                             kind=ROOM_KINDS.get(row.kind, schedule_pb2.ROOM_KIND_UNSPECIFIED))


def _room_kind(field: str, value: int) -> str:
    if value not in ROOM_KIND_NAMES:
        raise InvalidArgument(field, f"Поле «{field}»: укажите вид кабинета (обычный, лаборатория, спортзал, "
                                     "компьютерный класс)")
    return ROOM_KIND_NAMES[value]


def _refuse_conflicts(conflicts) -> None:
    if conflicts:
        raise FailedPrecondition(rules.conflicts_message(conflicts), reason="SCHEDULE_CONFLICT",
                                 conflicts=json.dumps([c.message for c in conflicts], ensure_ascii=False))


def calendar_changed_event(session, school_id: str, year_id: str, actor_id: str):
    """ezh.schedule.calendar.changed.v1 with the year's dates and periods as they stand now."""
    year = session.execute(select(store.academic_year).where(store.academic_year.c.id == year_id)).one()
    periods = session.execute(select(store.study_period).where(store.study_period.c.academic_year_id == year_id)
                              .order_by(store.study_period.c.start_date, store.study_period.c.kind)).all()
    return new_event(EVENT_CALENDAR, SERVICE, f"academic-years/{year_id}", school_id, events_pb2.CalendarChanged(
        school_id=school_id, academic_year_id=year_id, actor_id=actor_id, name=year.name,
        start_date=year.start_date.isoformat(), end_date=year.end_date.isoformat(),
        periods=[events_pb2.CalendarPeriod(period_id=row.id, kind=row.kind, number=row.number or 0,
                                           start_date=row.start_date.isoformat(), end_date=row.end_date.isoformat())
                 for row in periods]))


def published_events(school_id: str, rows: list[dict], first: dt.date, last: dt.date, class_ids, actor_id: str):
    """One timetable.published event per class and calendar month of [first, last]."""
    by_class_month: dict[tuple[str, tuple[int, int]], list[dict]] = defaultdict(list)
    for row in rows:
        by_class_month[(row["class_id"], (row["date"].year, row["date"].month))].append(row)
    months = []
    start = first
    while start <= last:
        following = (start.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        months.append((start, min(last, following - dt.timedelta(days=1))))
        start = following
    for class_id in sorted(class_ids):
        for month_first, month_last in months:
            chunk = by_class_month.get((class_id, (month_first.year, month_first.month)), [])
            data = events_pb2.TimetablePublished(
                school_id=school_id, class_id=class_id, from_date=month_first.isoformat(),
                to_date=month_last.isoformat(), actor_id=actor_id,
                lessons=[lessons.dated_lesson_event(_Row(row)) for row in chunk],
            )
            yield new_event(EVENT_PUBLISHED, SERVICE, f"classes/{class_id}", school_id, data)


class _Row:
    """Attribute access to a dict of column values."""

    def __init__(self, values: dict) -> None:
        self.__dict__.update(values)


def publish(session, timetable, first: dt.date, last: dt.date, actor_id: str) -> int:
    """Make the dated lessons of [first, last] from a timetable; record the events. Returns the count."""
    school_id = timetable.school_id
    year = lessons.year_row(session, timetable.academic_year_id)
    first, last = max(first, year.start_date), min(last, year.end_date)
    if first > last:
        raise FailedPrecondition("Даты публикации вне учебного года", reason="OUTSIDE_ACADEMIC_YEAR")
    entries = session.execute(
        select(store.timetable_entry).where(store.timetable_entry.c.timetable_id == timetable.id)).all()
    class_ids = {row.class_id for row in entries} | set(session.scalars(
        select(store.school_class.c.id).where(store.school_class.c.school_id == school_id)))
    all_bells = lessons.bells(session, school_id)
    days = lessons.study_days(session, year, first, last)
    new_rows = []
    for day, entry in rules.expand_entries(entries, days, year.start_date):
        start_time, end_time = lessons.times(all_bells, day.bell_schedule_id, entry.slot)
        new_rows.append(dict(
            id=rules.dated_lesson_id(school_id, entry.class_id, entry.subgroup_id or "", day.date, entry.slot),
            school_id=school_id, timetable_id=timetable.id, class_id=entry.class_id, subgroup_id=entry.subgroup_id,
            subject_id=entry.subject_id, teacher_id=entry.teacher_id, planned_teacher_id=entry.teacher_id,
            room_id=entry.room_id, date=day.date, slot=entry.slot, start_time=start_time, end_time=end_time,
            status="scheduled", reason="", version=1,
        ))
    lesson = store.dated_lesson
    versions = dict(session.execute(select(lesson.c.id, lesson.c.version).where(
        lesson.c.school_id == school_id, lesson.c.date >= first, lesson.c.date <= last,
        lesson.c.class_id.in_(class_ids))).all())
    ids = [row["id"] for row in new_rows]
    for index in range(0, len(ids), 500):
        versions.update(session.execute(select(lesson.c.id, lesson.c.version).where(
            lesson.c.id.in_(ids[index:index + 500]))).all())
    gone = list(versions)
    for index in range(0, len(gone), 500):
        session.execute(delete(lesson).where(lesson.c.id.in_(gone[index:index + 500])))
    for row in new_rows:
        row["version"] = versions.get(row["id"], 0) + 1
    if new_rows:
        session.execute(lesson.insert(), new_rows)
    session.execute(update(store.timetable).where(store.timetable.c.id == timetable.id).values(status="published"))
    for event in published_events(school_id, new_rows, first, last, class_ids, actor_id):
        outbox.record(session, store.outbox, event)
    return len(new_rows)


class ScheduleServicer(schedule_pb2_grpc.ScheduleServiceServicer):
    def __init__(self, runtime, clock: Callable[[], dt.datetime] = utc_now) -> None:
        self.database = runtime.database
        self.relay = runtime.relay
        self.clock = clock

    # ------------------------------------------------------------ rooms

    def ListRooms(self, request, context):
        identity = require_identity()
        school_id = identifier("school_id", request.school_id)
        access.check_reader(identity, school_id)
        size = paging.page_size(request.page_size)
        offset = paging.decode_token(request.page_token)
        with self.database.session() as session:
            rows = session.execute(
                select(store.room)
                .where(store.room.c.school_id == school_id)
                .order_by(store.room.c.name)
                .offset(offset)
                .limit(size + 1)
            ).all()
        return schedule_pb2.ListRoomsResponse(
            rooms=[room_message(row) for row in rows[:size]],
            next_page_token=paging.next_token(offset, size, len(rows)),
        )

    def SaveRoom(self, request, context):
        identity = require_identity()
        room = request.room
        school_id = identifier("room.school_id", room.school_id)
        access.check_editor(identity, school_id)
        name = required_text("room.name", room.name, max_length=60)
        if not 1 <= room.capacity <= 1000:
            raise InvalidArgument("room.capacity", "Вместимость кабинета — число от 1 до 1000")
        values = dict(school_id=school_id, name=name, capacity=room.capacity,
                      kind=_room_kind("room.kind", room.kind))
        with self.database.transaction() as session:
            room_id = identifier("room.id", room.id, required=False)
            same_name = session.scalar(select(store.room.c.id).where(
                store.room.c.school_id == school_id, store.room.c.name == name))
            if same_name and same_name != room_id:
                raise InvalidArgument("room.name", f"Кабинет «{name}» уже есть")
            if room_id:
                existing = session.execute(select(store.room).where(store.room.c.id == room_id)).first()
                if existing is None or existing.school_id != school_id:
                    raise NotFound("Кабинет не найден", reason="ROOM_NOT_FOUND", field="room.id")
                session.execute(update(store.room).where(store.room.c.id == room_id).values(**values))
            else:
                room_id = str(uuid.uuid4())
                session.execute(store.room.insert().values(id=room_id, **values))
            row = session.execute(select(store.room).where(store.room.c.id == room_id)).one()
        return schedule_pb2.SaveRoomResponse(room=room_message(row))

    # ------------------------------------------------------------ reference data

    def SaveReferenceData(self, request, context):
        identity = require_identity()
        school_id = identifier("school_id", request.school_id)
        access.check_editor(identity, school_id)
        count = 0
        with self.database.transaction() as session:
            def upsert(table, row_id: str, values: dict, field: str) -> None:
                existing = session.execute(select(table.c.school_id).where(table.c.id == row_id)).first()
                if existing is None:
                    session.execute(table.insert().values(id=row_id, school_id=school_id, **values))
                elif existing.school_id != school_id:
                    raise NotFound("Запись не найдена", reason="NOT_FOUND", field=field)
                else:
                    session.execute(update(table).where(table.c.id == row_id).values(**values))

            for index, item in enumerate(request.classes):
                field = f"classes[{index}]"
                upsert(store.school_class, identifier(f"{field}.id", item.id), dict(
                    name=required_text(f"{field}.name", item.name, max_length=10), grade=item.grade,
                    student_count=_count(f"{field}.student_count", item.student_count)), field)
                count += 1
            for index, item in enumerate(request.subjects):
                field = f"subjects[{index}]"
                kind = ROOM_KIND_NAMES.get(item.room_kind, "classroom")
                upsert(store.subject, identifier(f"{field}.id", item.id), dict(
                    name=required_text(f"{field}.name", item.name, max_length=100), hard=item.hard,
                    room_kind=kind), field)
                count += 1
            for index, item in enumerate(request.teachers):
                field = f"teachers[{index}]"
                upsert(store.teacher, identifier(f"{field}.id", item.id), dict(
                    full_name=required_text(f"{field}.full_name", item.full_name, max_length=200)), field)
                count += 1
            known_classes = set(session.scalars(
                select(store.school_class.c.id).where(store.school_class.c.school_id == school_id)))
            for index, item in enumerate(request.subgroups):
                field = f"subgroups[{index}]"
                class_id = identifier(f"{field}.class_id", item.class_id)
                if class_id not in known_classes:
                    raise NotFound("Класс не найден", reason="CLASS_NOT_FOUND", field=f"{field}.class_id")
                subgroup_id = identifier(f"{field}.id", item.id)
                upsert(store.subgroup, subgroup_id, dict(
                    class_id=class_id, name=required_text(f"{field}.name", item.name, max_length=60),
                    division=required_text(f"{field}.division", item.division, max_length=60),
                    student_count=_count(f"{field}.student_count", item.student_count)), field)
                if item.student_ids:
                    session.execute(delete(store.subgroup_member).where(
                        store.subgroup_member.c.subgroup_id == subgroup_id))
                    session.execute(store.subgroup_member.insert(), [
                        dict(subgroup_id=subgroup_id, student_id=identifier(f"{field}.student_ids", student))
                        for student in dict.fromkeys(item.student_ids)])
                count += 1
            known = lessons.names(session, school_id)
            for index, item in enumerate(request.assignments):
                field = f"assignments[{index}]"
                values = dict(
                    teacher_id=_known(f"{field}.teacher_id", item.teacher_id, known.teachers, "Учитель не найден"),
                    class_id=_known(f"{field}.class_id", item.class_id, known.classes, "Класс не найден"),
                    subgroup_id=_known(f"{field}.subgroup_id", item.subgroup_id, known.subgroups,
                                       "Подгруппа не найдена", required=False) or None,
                    subject_id=_known(f"{field}.subject_id", item.subject_id, known.subjects, "Предмет не найден"),
                )
                upsert(store.teaching_assignment, identifier(f"{field}.id", item.id), values, field)
                count += 1
            year_id = ""
            if request.curriculum:
                year_id = identifier("academic_year_id", request.academic_year_id)
                lessons.year_row(session, year_id, school_id)
            for index, item in enumerate(request.curriculum):
                field = f"curriculum[{index}]"
                class_id = _known(f"{field}.class_id", item.class_id, known.classes, "Класс не найден")
                subgroup_id = _known(f"{field}.subgroup_id", item.subgroup_id, known.subgroups,
                                     "Подгруппа не найдена", required=False) or None
                subject_id = _known(f"{field}.subject_id", item.subject_id, known.subjects, "Предмет не найден")
                if not 0 <= item.year_hours <= 400:
                    raise InvalidArgument(f"{field}.year_hours", "Часов за год — от 0 до 400")
                upsert(store.curriculum, _curriculum_id(year_id, class_id, subgroup_id, subject_id), dict(
                    academic_year_id=year_id, class_id=class_id, subgroup_id=subgroup_id, subject_id=subject_id,
                    year_hours=item.year_hours), field)
                count += 1
            replaced = set()
            for index, item in enumerate(request.unavailable):
                field = f"unavailable[{index}]"
                teacher_id = _known(f"{field}.teacher_id", item.teacher_id, known.teachers, "Учитель не найден")
                if not 1 <= item.weekday <= 6 or not 1 <= item.slot <= MAX_SLOT:
                    raise InvalidArgument(field, "День недели — от 1 до 6, урок — от 1 до 10")
                if teacher_id not in replaced:
                    session.execute(delete(store.teacher_unavailable).where(
                        store.teacher_unavailable.c.teacher_id == teacher_id))
                    replaced.add(teacher_id)
                session.execute(store.teacher_unavailable.insert().values(
                    teacher_id=teacher_id, weekday=item.weekday, slot=item.slot, school_id=school_id))
                count += 1
            for index, item in enumerate(request.students):
                field = f"students[{index}]"
                student_id = identifier(f"{field}.student_id", item.student_id)
                class_id = _known(f"{field}.class_id", item.class_id, known.classes, "Класс не найден")
                session.execute(delete(store.student_class).where(store.student_class.c.student_id == student_id))
                session.execute(store.student_class.insert().values(
                    student_id=student_id, school_id=school_id, class_id=class_id))
                count += 1
            for index, item in enumerate(request.guardians):
                field = f"guardians[{index}]"
                guardian_id = identifier(f"{field}.guardian_id", item.guardian_id)
                student_id = identifier(f"{field}.student_id", item.student_id)
                if not session.scalar(select(store.student_class.c.student_id).where(
                        store.student_class.c.student_id == student_id,
                        store.student_class.c.school_id == school_id)):
                    raise NotFound("Ученик не найден", reason="STUDENT_NOT_FOUND", field=f"{field}.student_id")
                session.execute(delete(store.guardianship).where(
                    store.guardianship.c.guardian_id == guardian_id, store.guardianship.c.student_id == student_id))
                session.execute(store.guardianship.insert().values(guardian_id=guardian_id, student_id=student_id))
                count += 1
        return schedule_pb2.SaveReferenceDataResponse(saved_count=count)

    # ------------------------------------------------------------ calendar and bells

    def SaveAcademicYear(self, request, context):
        identity = require_identity()
        year = request.academic_year
        school_id = identifier("academic_year.school_id", year.school_id)
        access.check_editor(identity, school_id)
        name = required_text("academic_year.name", year.name, max_length=20)
        start = lessons.parse_date("academic_year.start_date", year.start_date)
        end = lessons.parse_date("academic_year.end_date", year.end_date)
        if not start < end <= start + dt.timedelta(days=366):
            raise InvalidArgument("academic_year.end_date", "Учебный год кончается после начала и длится не дольше года")
        periods = []
        for index, period in enumerate(year.periods):
            field = f"academic_year.periods[{index}]"
            if period.kind not in PERIOD_KINDS:
                raise InvalidArgument(f"{field}.kind", "Вид периода: quarter, trimester, half_year или year")
            first = lessons.parse_date(f"{field}.start_date", period.start_date)
            last = lessons.parse_date(f"{field}.end_date", period.end_date)
            if not start <= first <= last <= end:
                raise InvalidArgument(field, "Период должен лежать внутри учебного года")
            periods.append((period, first, last))
        for kind in PERIOD_KINDS:
            spans = sorted((first, last) for period, first, last in periods if period.kind == kind)
            for (_, previous_last), (next_first, _) in zip(spans, spans[1:]):
                if next_first <= previous_last:
                    raise InvalidArgument("academic_year.periods", "Периоды одного вида не должны пересекаться")
        with self.database.transaction() as session:
            year_id = identifier("academic_year.id", year.id, required=False)
            if year_id:
                lessons.year_row(session, year_id, school_id)
                session.execute(update(store.academic_year).where(store.academic_year.c.id == year_id).values(
                    name=name, start_date=start, end_date=end))
                session.execute(delete(store.study_period).where(store.study_period.c.academic_year_id == year_id))
            else:
                year_id = str(uuid.uuid4())
                session.execute(store.academic_year.insert().values(
                    id=year_id, school_id=school_id, name=name, start_date=start, end_date=end))
            for period, first, last in periods:
                session.execute(store.study_period.insert().values(
                    id=period.id and identifier("period.id", period.id) or str(uuid.uuid4()), school_id=school_id,
                    academic_year_id=year_id, kind=period.kind, number=period.number or None, start_date=first,
                    end_date=last))
            outbox.record(session, store.outbox,
                          calendar_changed_event(session, school_id, year_id, identity.person_id))
            response = schedule_pb2.SaveAcademicYearResponse(academic_year=_year_message(session, year_id))
        self.relay.wake()
        return response

    def ListAcademicYears(self, request, context):
        identity = require_identity()
        school_id = identifier("school_id", request.school_id)
        access.check_reader(identity, school_id)
        with self.database.session() as session:
            rows = session.execute(
                select(store.academic_year)
                .where(store.academic_year.c.school_id == school_id)
                .order_by(store.academic_year.c.start_date.desc(), store.academic_year.c.id)
            ).all()
        return schedule_pb2.ListAcademicYearsResponse(academic_years=[
            schedule_pb2.AcademicYear(id=row.id, school_id=row.school_id, name=row.name,
                                      start_date=row.start_date.isoformat(), end_date=row.end_date.isoformat())
            for row in rows])

    def AddHoliday(self, request, context):
        identity = require_identity()
        school_id = identifier("school_id", request.school_id)
        access.check_editor(identity, school_id)
        year_id = identifier("academic_year_id", request.academic_year_id)
        holiday = request.holiday
        if holiday.kind not in rules.HOLIDAY_KINDS:
            raise InvalidArgument("holiday.kind", "Вид: holiday (праздник), vacation (каникулы) или day_off (выходной)")
        title = required_text("holiday.title", holiday.title, max_length=200)
        first = lessons.parse_date("holiday.start_date", holiday.start_date)
        last = lessons.parse_date("holiday.end_date", holiday.end_date or holiday.start_date)
        if last < first:
            raise InvalidArgument("holiday.end_date", "Последний день не раньше первого")
        with self.database.transaction() as session:
            year = lessons.year_row(session, year_id, school_id)
            if not (year.start_date <= first and last <= year.end_date):
                raise InvalidArgument("holiday.start_date", "Дни должны лежать внутри учебного года")
            holiday_id = str(uuid.uuid4())
            session.execute(store.holiday.insert().values(
                id=holiday_id, school_id=school_id, academic_year_id=year_id, kind=holiday.kind, title=title,
                start_date=first, end_date=last))
            # Published lessons on the new days off are cancelled, each with its event.
            cancelled = 0
            for row in session.execute(select(store.dated_lesson).where(
                    store.dated_lesson.c.school_id == school_id, store.dated_lesson.c.date >= first,
                    store.dated_lesson.c.date <= last, store.dated_lesson.c.status != "cancelled")).all():
                self._change(session, identity, row, "cancelled", EVENT_CANCELLED, title, status="cancelled")
                cancelled += 1
            outbox.record(session, store.outbox,
                          calendar_changed_event(session, school_id, year_id, identity.person_id))
        self.relay.wake()
        return schedule_pb2.AddHolidayResponse(
            holiday=schedule_pb2.Holiday(id=holiday_id, kind=holiday.kind, title=title,
                                         start_date=first.isoformat(), end_date=last.isoformat()),
            cancelled_count=cancelled)

    def SaveSpecialDay(self, request, context):
        identity = require_identity()
        school_id = identifier("school_id", request.school_id)
        access.check_editor(identity, school_id)
        year_id = identifier("academic_year_id", request.academic_year_id)
        special = request.special_day
        day = lessons.parse_date("special_day.date", special.date)
        if not 0 <= special.timetable_weekday <= 6:
            raise InvalidArgument("special_day.timetable_weekday", "День недели — от 1 до 6 (0 — свой)")
        bell_id = identifier("special_day.bell_schedule_id", special.bell_schedule_id, required=False)
        if not special.timetable_weekday and not bell_id:
            raise InvalidArgument("special_day", "Укажите, чьи уроки в этот день, или другое расписание звонков")
        title = required_text("special_day.title", special.title, max_length=200)
        with self.database.transaction() as session:
            year = lessons.year_row(session, year_id, school_id)
            if not year.start_date <= day <= year.end_date:
                raise InvalidArgument("special_day.date", "День должен лежать внутри учебного года")
            if bell_id and session.scalar(select(store.bell_schedule.c.school_id).where(
                    store.bell_schedule.c.id == bell_id)) != school_id:
                raise NotFound("Расписание звонков не найдено", reason="BELLS_NOT_FOUND",
                               field="special_day.bell_schedule_id")
            session.execute(delete(store.special_day).where(
                store.special_day.c.school_id == school_id, store.special_day.c.date == day))
            session.execute(store.special_day.insert().values(
                school_id=school_id, date=day, academic_year_id=year_id,
                timetable_weekday=special.timetable_weekday or None, bell_schedule_id=bell_id or None, title=title))
            outbox.record(session, store.outbox,
                          calendar_changed_event(session, school_id, year_id, identity.person_id))
        self.relay.wake()
        return schedule_pb2.SaveSpecialDayResponse(special_day=schedule_pb2.SpecialDay(
            date=day.isoformat(), timetable_weekday=special.timetable_weekday, bell_schedule_id=bell_id, title=title))

    def GetCalendar(self, request, context):
        identity = require_identity()
        school_id = identifier("school_id", request.school_id)
        access.check_reader(identity, school_id)
        year_id = identifier("academic_year_id", request.academic_year_id)
        with self.database.session() as session:
            year = lessons.year_row(session, year_id, school_id)
            holiday_rows = session.execute(select(store.holiday).where(
                store.holiday.c.academic_year_id == year_id).order_by(store.holiday.c.start_date)).all()
            specials = session.execute(select(store.special_day).where(
                store.special_day.c.academic_year_id == year_id).order_by(store.special_day.c.date)).all()
            return schedule_pb2.GetCalendarResponse(
                academic_year=_year_message(session, year_id),
                holidays=[schedule_pb2.Holiday(id=row.id, kind=row.kind, title=row.title,
                                               start_date=row.start_date.isoformat(),
                                               end_date=row.end_date.isoformat()) for row in holiday_rows],
                special_days=[schedule_pb2.SpecialDay(
                    date=row.date.isoformat(), timetable_weekday=row.timetable_weekday or 0,
                    bell_schedule_id=row.bell_schedule_id or "", title=row.title) for row in specials],
                bell_schedules=_bell_messages(session, school_id),
                study_day_count=len(lessons.study_days(session, year)),
            )

    def SaveBellSchedule(self, request, context):
        identity = require_identity()
        school_id = identifier("school_id", request.school_id)
        access.check_editor(identity, school_id)
        bells = request.bell_schedule
        name = required_text("bell_schedule.name", bells.name, max_length=100)
        if not bells.slots:
            raise InvalidArgument("bell_schedule.slots", "Укажите время хотя бы одного урока")
        previous_end = ""
        slots = []
        for index, slot in enumerate(sorted(bells.slots, key=lambda item: item.slot)):
            field = f"bell_schedule.slots[{index}]"
            if not 1 <= slot.slot <= MAX_SLOT or any(slot.slot == other for other, _, _ in slots):
                raise InvalidArgument(f"{field}.slot", "Номер урока — от 1 до 10, без повторов")
            for part in ("start_time", "end_time"):
                if not TIME.match(getattr(slot, part)):
                    raise InvalidArgument(f"{field}.{part}", "Время в формате ЧЧ:ММ")
            if not slot.start_time < slot.end_time or slot.start_time < previous_end:
                raise InvalidArgument(field, f"Урок {slot.slot} должен начинаться после предыдущего и кончаться "
                                             "после начала")
            previous_end = slot.end_time
            slots.append((slot.slot, slot.start_time, slot.end_time))
        with self.database.transaction() as session:
            bell_id = identifier("bell_schedule.id", bells.id, required=False)
            if bell_id:
                owner = session.scalar(select(store.bell_schedule.c.school_id).where(
                    store.bell_schedule.c.id == bell_id))
                if owner != school_id:
                    raise NotFound("Расписание звонков не найдено", reason="BELLS_NOT_FOUND", field="bell_schedule.id")
                session.execute(delete(store.bell_slot).where(store.bell_slot.c.bell_schedule_id == bell_id))
                session.execute(update(store.bell_schedule).where(store.bell_schedule.c.id == bell_id).values(
                    name=name, is_default=bells.is_default))
            else:
                bell_id = str(uuid.uuid4())
                session.execute(store.bell_schedule.insert().values(
                    id=bell_id, school_id=school_id, name=name, is_default=bells.is_default))
            if bells.is_default:
                session.execute(update(store.bell_schedule).where(
                    store.bell_schedule.c.school_id == school_id, store.bell_schedule.c.id != bell_id).values(
                    is_default=False))
            session.execute(store.bell_slot.insert(), [
                dict(bell_schedule_id=bell_id, slot=slot, start_time=start, end_time=end)
                for slot, start, end in slots])
            saved = next(item for item in _bell_messages(session, school_id) if item.id == bell_id)
        return schedule_pb2.SaveBellScheduleResponse(bell_schedule=saved)

    # ------------------------------------------------------------ timetables

    def _timetable(self, session, identity, timetable_id: str, *, edit: bool):
        not_found = NotFound("Расписание не найдено", reason="TIMETABLE_NOT_FOUND", field="timetable_id")
        row = session.execute(select(store.timetable).where(store.timetable.c.id == timetable_id)).first()
        if row is None:
            raise not_found
        (access.check_editor if edit else access.check_reader)(identity, row.school_id, not_found)
        return row

    def CreateTimetable(self, request, context):
        identity = require_identity()
        school_id = identifier("school_id", request.school_id)
        access.check_editor(identity, school_id)
        year_id = identifier("academic_year_id", request.academic_year_id)
        name = required_text("name", request.name, max_length=200)
        with self.database.transaction() as session:
            lessons.year_row(session, year_id, school_id)
            timetable_id = create_timetable(session, school_id, year_id, name, identity.person_id, self.clock())
            return schedule_pb2.CreateTimetableResponse(timetable=_timetable_message(session, timetable_id))

    def GetTimetable(self, request, context):
        identity = require_identity()
        timetable_id = identifier("timetable_id", request.timetable_id)
        with self.database.session() as session:
            self._timetable(session, identity, timetable_id, edit=False)
            return schedule_pb2.GetTimetableResponse(timetable=_timetable_message(session, timetable_id))

    def ListTimetables(self, request, context):
        identity = require_identity()
        school_id = identifier("school_id", request.school_id)
        access.check_reader(identity, school_id)
        table = store.timetable
        with self.database.session() as session:
            rows = session.execute(select(table).where(table.c.school_id == school_id)
                                   .order_by(table.c.create_time.desc(), table.c.id)).all()
        return schedule_pb2.ListTimetablesResponse(timetables=[
            schedule_pb2.Timetable(id=row.id, school_id=row.school_id, academic_year_id=row.academic_year_id,
                                   name=row.name, status=row.status) for row in rows])

    def AddTimetableEntries(self, request, context):
        identity = require_identity()
        timetable_id = identifier("timetable_id", request.timetable_id)
        if not request.entries:
            raise InvalidArgument("entries", "Добавьте хотя бы один урок")
        with self.database.transaction() as session:
            timetable = self._timetable(session, identity, timetable_id, edit=True)
            rows = add_entries(session, timetable, request.entries)
            return schedule_pb2.AddTimetableEntriesResponse(entries=[lessons.entry_message(row) for row in rows])

    def DeleteTimetableEntry(self, request, context):
        identity = require_identity()
        timetable_id = identifier("timetable_id", request.timetable_id)
        entry_id = identifier("entry_id", request.entry_id)
        with self.database.transaction() as session:
            self._timetable(session, identity, timetable_id, edit=True)
            deleted = session.execute(delete(store.timetable_entry).where(
                store.timetable_entry.c.id == entry_id, store.timetable_entry.c.timetable_id == timetable_id))
            if not deleted.rowcount:
                raise NotFound("Урок расписания не найден", reason="ENTRY_NOT_FOUND", field="entry_id")
        return schedule_pb2.DeleteTimetableEntryResponse()

    def PublishTimetable(self, request, context):
        identity = require_identity()
        timetable_id = identifier("timetable_id", request.timetable_id)
        first = lessons.parse_date("from_date", request.from_date)
        last = lessons.parse_date("to_date", request.to_date)
        if last < first or (last - first).days > 366:
            raise InvalidArgument("to_date", "Последний день не раньше первого, не больше года")
        with self.database.transaction() as session:
            timetable = self._timetable(session, identity, timetable_id, edit=True)
            count = publish(session, timetable, first, last, identity.person_id)
        self.relay.wake()
        return schedule_pb2.PublishTimetableResponse(lesson_count=count)

    def CheckCurriculum(self, request, context):
        identity = require_identity()
        timetable_id = identifier("timetable_id", request.timetable_id)
        with self.database.session() as session:
            timetable = self._timetable(session, identity, timetable_id, edit=False)
            year = lessons.year_row(session, timetable.academic_year_id)
            curriculum = {
                (row.class_id, row.subgroup_id or "", row.subject_id): row.year_hours
                for row in session.execute(select(store.curriculum).where(
                    store.curriculum.c.academic_year_id == year.id))
            }
            entries = session.execute(select(store.timetable_entry).where(
                store.timetable_entry.c.timetable_id == timetable_id)).all()
            lines = rules.s2_curriculum_check(curriculum, entries, lessons.study_days(session, year),
                                              year.start_date)
            known = lessons.names(session, timetable.school_id)
        return schedule_pb2.CheckCurriculumResponse(
            lines=[schedule_pb2.CurriculumLine(
                class_id=line.class_id, subgroup_id=line.subgroup_id, subject_id=line.subject_id,
                curriculum_hours=line.curriculum_hours, timetable_hours=line.timetable_hours,
                message=rules.curriculum_message(line, known)) for line in lines],
            ok=all(line.ok for line in lines),
        )

    def GenerateTimetable(self, request, context):
        from services.schedule import generation

        identity = require_identity()
        school_id = identifier("school_id", request.school_id)
        access.check_editor(identity, school_id)
        year_id = identifier("academic_year_id", request.academic_year_id)
        return generation.generate(self.database, identity, school_id, year_id, request, self.clock())

    # ------------------------------------------------------------ weeks

    def GetWeek(self, request, context):
        identity = require_identity()
        school_id = identifier("school_id", request.school_id)
        access.check_reader(identity, school_id)
        day = lessons.parse_date("date", request.date)
        class_id = identifier("class_id", request.class_id, required=False)
        teacher_id = identifier("teacher_id", request.teacher_id, required=False)
        room_id = identifier("room_id", request.room_id, required=False)
        if sum(bool(value) for value in (class_id, teacher_id, room_id)) != 1:
            raise InvalidArgument("class_id", "Укажите ровно одно: класс, учителя или кабинет")
        first = rules.week_start(day)
        with self.database.session() as session:
            rows = lessons.lessons_between(session, school_id, first, first + dt.timedelta(days=6),
                                           class_ids=[class_id] if class_id else None, teacher_id=teacher_id,
                                           room_id=room_id)
            known = lessons.names(session, school_id)
        return schedule_pb2.GetWeekResponse(week_start=first.isoformat(),
                                            lessons=[lessons.week_lesson(row, known) for row in rows])

    def GetMyWeek(self, request, context):
        identity = require_identity()
        day = lessons.parse_date("date", request.date)
        student_id = identifier("student_id", request.student_id, required=False)
        first = rules.week_start(day)
        with self.database.session() as session:
            school_id, rows = feeds.own_lessons(session, identity, student_id, first, first + dt.timedelta(days=6))
            known = lessons.names(session, school_id) if school_id else rules.Names()
        return schedule_pb2.GetMyWeekResponse(week_start=first.isoformat(),
                                              lessons=[lessons.week_lesson(row, known) for row in rows])

    # ------------------------------------------------------------ corrections

    def _lesson(self, session, identity, lesson_id: str):
        not_found = NotFound("Урок не найден", reason="LESSON_NOT_FOUND", field="lesson_id")
        row = session.execute(select(store.dated_lesson).where(store.dated_lesson.c.id == lesson_id)).first()
        if row is None:
            raise not_found
        access.check_editor(identity, row.school_id, not_found)
        return row

    def _change(self, session, identity, row, kind: str, event_type: str, reason: str, **values):
        """Apply a correction to a dated lesson, log it, record its event; the changed row."""
        values["version"] = row.version + 1
        values["reason"] = reason
        session.execute(update(store.dated_lesson).where(store.dated_lesson.c.id == row.id).values(**values))
        before = {key: (value.isoformat() if isinstance(value, dt.date) else value)
                  for key, value in row._mapping.items()}
        session.execute(store.lesson_change.insert().values(
            id=str(uuid.uuid4()), lesson_id=row.id, school_id=row.school_id, kind=kind, reason=reason,
            author_id=identity.person_id, change_time=self.clock(), before=json.dumps(before, ensure_ascii=False)))
        changed = session.execute(select(store.dated_lesson).where(store.dated_lesson.c.id == row.id)).one()
        data = events_pb2.LessonChanged(lesson=lessons.dated_lesson_event(changed),
                                        previous=lessons.dated_lesson_event(row), actor_id=identity.person_id)
        outbox.record(session, store.outbox,
                      new_event(event_type, SERVICE, f"lessons/{row.id}", row.school_id, data))
        return changed

    def _check_placement(self, session, row, *, teacher_id=None, room_id=None, day=None, slot=None) -> None:
        """Refuse a correction that conflicts with the day's other lessons, in what it changes:
        the teacher of a substitution, the room of a room change, everything of a move."""
        sizes = lessons.group_sizes(session, row.school_id)
        moved = lessons.placement(row, row.date, sizes)
        moved = rules.Placement(**{**moved.__dict__, "teacher_id": teacher_id or moved.teacher_id,
                                   "room_id": room_id or moved.room_id, "day": day or moved.day,
                                   "slot": slot or moved.slot})
        others = [p for p in lessons.dated_placements(session, row.school_id, moved.day, sizes) if p.id != row.id]
        known = lessons.names(session, row.school_id)
        year = session.execute(select(store.academic_year).where(
            store.academic_year.c.school_id == row.school_id, store.academic_year.c.start_date <= moved.day,
            store.academic_year.c.end_date >= moved.day)).first()
        days_off = lessons.holidays(session, row.school_id, year.id if year else None)
        conflicts = rules.s1_conflicts(others + [moved], known, capacities=lessons.capacities(
            session, row.school_id), holidays=days_off, new_ids={moved.id})
        if day is None and slot is None:
            changed = {"teacher"} if teacher_id else {"room", "capacity"}
            conflicts = [conflict for conflict in conflicts if conflict.kind in changed]
        _refuse_conflicts(conflicts)

    def SubstituteLesson(self, request, context):
        identity = require_identity()
        lesson_id = identifier("lesson_id", request.lesson_id)
        teacher_id = identifier("teacher_id", request.teacher_id)
        reason = required_text("reason", request.reason, max_length=500)
        with self.database.transaction() as session:
            row = self._lesson(session, identity, lesson_id)
            if row.status == "cancelled":
                raise FailedPrecondition("Урок отменён", reason="LESSON_CANCELLED")
            if session.scalar(select(store.teacher.c.school_id).where(store.teacher.c.id == teacher_id)) != \
                    row.school_id:
                raise NotFound("Учитель не найден", reason="TEACHER_NOT_FOUND", field="teacher_id")
            if teacher_id == row.teacher_id:
                raise FailedPrecondition("Этот учитель уже ведёт урок", reason="SAME_TEACHER")
            self._check_placement(session, row, teacher_id=teacher_id)
            status = "scheduled" if teacher_id == row.planned_teacher_id else "substituted"
            changed = self._change(session, identity, row, "substituted", EVENT_SUBSTITUTED, reason,
                                   teacher_id=teacher_id, status=status)
            response = schedule_pb2.SubstituteLessonResponse(
                lesson=lessons.week_lesson(changed, lessons.names(session, row.school_id)))
        self.relay.wake()
        return response

    def CancelLesson(self, request, context):
        identity = require_identity()
        lesson_id = identifier("lesson_id", request.lesson_id)
        reason = required_text("reason", request.reason, max_length=500)
        with self.database.transaction() as session:
            row = self._lesson(session, identity, lesson_id)
            if row.status == "cancelled":
                raise FailedPrecondition("Урок уже отменён", reason="LESSON_CANCELLED")
            changed = self._change(session, identity, row, "cancelled", EVENT_CANCELLED, reason, status="cancelled")
            response = schedule_pb2.CancelLessonResponse(
                lesson=lessons.week_lesson(changed, lessons.names(session, row.school_id)))
        self.relay.wake()
        return response

    def MoveLesson(self, request, context):
        identity = require_identity()
        lesson_id = identifier("lesson_id", request.lesson_id)
        day = lessons.parse_date("date", request.date)
        if not 1 <= request.slot <= MAX_SLOT:
            raise InvalidArgument("slot", "Номер урока — от 1 до 10")
        room_id = identifier("room_id", request.room_id, required=False)
        reason = required_text("reason", request.reason, max_length=500)
        with self.database.transaction() as session:
            row = self._lesson(session, identity, lesson_id)
            if row.status == "cancelled":
                raise FailedPrecondition("Урок отменён", reason="LESSON_CANCELLED")
            if room_id and session.scalar(select(store.room.c.school_id).where(store.room.c.id == room_id)) != \
                    row.school_id:
                raise NotFound("Кабинет не найден", reason="ROOM_NOT_FOUND", field="room_id")
            if (day, request.slot, room_id or row.room_id) == (row.date, row.slot, row.room_id):
                raise FailedPrecondition("Урок уже стоит в этот день, на этом уроке и в этом кабинете",
                                         reason="NOTHING_TO_MOVE")
            self._check_placement(session, row, room_id=room_id, day=day, slot=request.slot)
            study_day = lessons.study_day_of(session, row.school_id, day)
            start_time, end_time = lessons.times(lessons.bells(session, row.school_id),
                                                 study_day.bell_schedule_id if study_day else "", request.slot)
            changed = self._change(session, identity, row, "moved", EVENT_MOVED, reason, date=day, slot=request.slot,
                                   room_id=room_id or row.room_id, start_time=start_time, end_time=end_time,
                                   status="moved")
            response = schedule_pb2.MoveLessonResponse(
                lesson=lessons.week_lesson(changed, lessons.names(session, row.school_id)))
        self.relay.wake()
        return response

    def ChangeLessonRoom(self, request, context):
        identity = require_identity()
        lesson_id = identifier("lesson_id", request.lesson_id)
        room_id = identifier("room_id", request.room_id)
        reason = required_text("reason", request.reason, max_length=500)
        with self.database.transaction() as session:
            row = self._lesson(session, identity, lesson_id)
            if session.scalar(select(store.room.c.school_id).where(store.room.c.id == room_id)) != row.school_id:
                raise NotFound("Кабинет не найден", reason="ROOM_NOT_FOUND", field="room_id")
            if room_id == row.room_id:
                raise FailedPrecondition("Урок уже в этом кабинете", reason="NOTHING_TO_MOVE")
            self._check_placement(session, row, room_id=room_id)
            # A room change for the day travels as lesson.moved: same day and slot, another room.
            changed = self._change(session, identity, row, "room_changed", EVENT_MOVED, reason, room_id=room_id)
            response = schedule_pb2.ChangeLessonRoomResponse(
                lesson=lessons.week_lesson(changed, lessons.names(session, row.school_id)))
        self.relay.wake()
        return response

    # ------------------------------------------------------------ calendar feeds

    def CreateCalendarFeed(self, request, context):
        identity = require_identity()
        with self.database.transaction() as session:
            token = feeds.create(session, identity, self.clock())
        return schedule_pb2.CreateCalendarFeedResponse(token=token)

    def RevokeCalendarFeed(self, request, context):
        identity = require_identity()
        with self.database.transaction() as session:
            revoked = feeds.revoke(session, identity.person_id, self.clock())
        return schedule_pb2.RevokeCalendarFeedResponse(revoked=revoked)

    def GetCalendarFeed(self, request, context):
        token = required_text("token", request.token, max_length=200)
        with self.database.session() as session:
            return schedule_pb2.GetCalendarFeedResponse(ics=feeds.ics(session, token, self.clock()))


def create_timetable(session, school_id: str, year_id: str, name: str, author_id: str, now: dt.datetime) -> str:
    timetable_id = str(uuid.uuid4())
    session.execute(store.timetable.insert().values(
        id=timetable_id, school_id=school_id, academic_year_id=year_id, name=name, status="draft",
        author_id=author_id, create_time=now))
    return timetable_id


def add_entries(session, timetable, entries) -> list:
    """Validate weekly entries and add them, refusing every conflict with the timetable."""
    school_id = timetable.school_id
    known = lessons.names(session, school_id)
    subgroup_class = dict(session.execute(select(store.subgroup.c.id, store.subgroup.c.class_id).where(
        store.subgroup.c.school_id == school_id)).all())
    new_rows = []
    for index, entry in enumerate(entries):
        field = f"entries[{index}]"
        class_id = _known(f"{field}.class_id", entry.class_id, known.classes, "Класс не найден")
        subgroup_id = _known(f"{field}.subgroup_id", entry.subgroup_id, known.subgroups, "Подгруппа не найдена",
                             required=False)
        if subgroup_id and subgroup_class.get(subgroup_id) != class_id:
            raise InvalidArgument(f"{field}.subgroup_id", "Подгруппа другого класса")
        if not 1 <= entry.weekday <= 6:
            raise InvalidArgument(f"{field}.weekday", "День недели — от 1 (понедельник) до 6 (суббота)")
        if not 1 <= entry.slot <= MAX_SLOT:
            raise InvalidArgument(f"{field}.slot", "Номер урока — от 1 до 10")
        weeks = entry.weeks or "every"
        if weeks not in rules.WEEKS:
            raise InvalidArgument(f"{field}.weeks", "Недели: every (каждую), odd (нечётные) или even (чётные)")
        new_rows.append(dict(
            id=str(uuid.uuid4()), timetable_id=timetable.id, school_id=school_id, class_id=class_id,
            subgroup_id=subgroup_id or None,
            subject_id=_known(f"{field}.subject_id", entry.subject_id, known.subjects, "Предмет не найден"),
            teacher_id=_known(f"{field}.teacher_id", entry.teacher_id, known.teachers, "Учитель не найден"),
            room_id=_known(f"{field}.room_id", entry.room_id, known.rooms, "Кабинет не найден"),
            weekday=entry.weekday, slot=entry.slot, weeks=weeks,
        ))
    sizes = lessons.group_sizes(session, school_id)
    placements = lessons.entry_placements(session, timetable.id, school_id) + [
        lessons.placement(_Row(row), row["weekday"], sizes) for row in new_rows]
    _refuse_conflicts(rules.s1_conflicts(placements, known, capacities=lessons.capacities(session, school_id),
                                         new_ids={row["id"] for row in new_rows}))
    session.execute(store.timetable_entry.insert(), new_rows)
    return [_Row(row) for row in new_rows]


def _count(field: str, value: int) -> int:
    if not 0 <= value <= 1000:
        raise InvalidArgument(field, "Число учеников — от 0 до 1000")
    return value


def _known(field: str, value: str, known: dict, message: str, *, required: bool = True) -> str:
    value = identifier(field, value, required=required)
    if value and value not in known:
        raise NotFound(message, reason="NOT_FOUND", field=field)
    return value


def _curriculum_id(year_id: str, class_id: str, subgroup_id: str | None, subject_id: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"curriculum/{year_id}/{class_id}/{subgroup_id or ''}/{subject_id}"))


def _year_message(session, year_id: str) -> schedule_pb2.AcademicYear:
    year = lessons.year_row(session, year_id)
    periods = session.execute(select(store.study_period).where(
        store.study_period.c.academic_year_id == year_id).order_by(
        store.study_period.c.start_date, store.study_period.c.kind)).all()
    return schedule_pb2.AcademicYear(
        id=year.id, school_id=year.school_id, name=year.name, start_date=year.start_date.isoformat(),
        end_date=year.end_date.isoformat(),
        periods=[schedule_pb2.Period(id=row.id, kind=row.kind, number=row.number or 0,
                                     start_date=row.start_date.isoformat(), end_date=row.end_date.isoformat())
                 for row in periods])


def _bell_messages(session, school_id: str) -> list[schedule_pb2.BellSchedule]:
    schedules = session.execute(select(store.bell_schedule).where(
        store.bell_schedule.c.school_id == school_id).order_by(store.bell_schedule.c.name)).all()
    slots = defaultdict(list)
    for row in session.execute(select(store.bell_slot).join(
            store.bell_schedule, store.bell_schedule.c.id == store.bell_slot.c.bell_schedule_id).where(
            store.bell_schedule.c.school_id == school_id).order_by(store.bell_slot.c.slot)):
        slots[row.bell_schedule_id].append(schedule_pb2.BellSlot(slot=row.slot, start_time=row.start_time,
                                                                 end_time=row.end_time))
    return [schedule_pb2.BellSchedule(id=row.id, name=row.name, is_default=row.is_default, slots=slots[row.id])
            for row in schedules]


def _timetable_message(session, timetable_id: str) -> schedule_pb2.Timetable:
    row = session.execute(select(store.timetable).where(store.timetable.c.id == timetable_id)).one()
    entries = session.execute(select(store.timetable_entry).where(
        store.timetable_entry.c.timetable_id == timetable_id).order_by(
        store.timetable_entry.c.weekday, store.timetable_entry.c.slot, store.timetable_entry.c.class_id)).all()
    return schedule_pb2.Timetable(id=row.id, school_id=row.school_id, academic_year_id=row.academic_year_id,
                                  name=row.name, status=row.status,
                                  entries=[lessons.entry_message(entry) for entry in entries])

