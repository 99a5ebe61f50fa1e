"""The demo district's schedule: rooms, the schedule's copy of classes, subjects,
teachers and assignments, the year's calendar and bells, and the weekly
timetable of the journal's demo (`services.journal.seed.WEEKS`), published
for the whole year so the dated lessons carry the ids the journal uses.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections import Counter

from sqlalchemy import select

from services.common.database import Database
from services.common.demo import District, School, demo_id
from services.journal.seed import ASSIGNMENTS, SUBJECTS, WEEKS, quarters
from services.schedule import lessons, rules, server, store

HARD_SUBJECTS = frozenset({"Математика", "Русский язык", "Физика", "Английский язык"})
LAB_SUBJECTS = frozenset({"Биология", "Физика"})
DEFAULT_BELLS = (("08:30", "09:15"), ("09:25", "10:10"), ("10:30", "11:15"), ("11:35", "12:20"),
                 ("12:30", "13:15"), ("13:25", "14:10"), ("14:20", "15:05"))
SHORT_BELLS = (("08:30", "09:05"), ("09:15", "09:50"), ("10:00", "10:35"), ("10:45", "11:20"),
               ("11:30", "12:05"), ("12:15", "12:50"), ("13:00", "13:35"))
WEEKS_IN_YEAR = 34

log = logging.getLogger(__name__)


def holidays(year: int) -> list[tuple[str, str, dt.date, dt.date]]:
    """Vacations between the quarters and the public holidays of the demo year (kind, title, first, last)."""
    following = year + 1
    days = [
        ("vacation", "Осенние каникулы", dt.date(year, 10, 27), dt.date(year, 11, 4)),
        ("vacation", "Зимние каникулы", dt.date(year, 12, 29), dt.date(following, 1, 11)),
        ("holiday", "День защитника Отечества", dt.date(following, 2, 23), dt.date(following, 2, 23)),
        ("holiday", "Международный женский день", dt.date(following, 3, 8), dt.date(following, 3, 8)),
        ("vacation", "Весенние каникулы", dt.date(following, 3, 21), dt.date(following, 3, 29)),
    ]
    for title, day in (("Праздник Весны и Труда", dt.date(following, 5, 1)),
                       ("День Победы", dt.date(following, 5, 9))):
        days.append(("holiday", title, day, day))
        if day.isoweekday() >= 6:  # a holiday on a weekend moves the day off to the next Monday
            monday = day + dt.timedelta(days=8 - day.isoweekday())
            days.append(("day_off", f"Выходной, перенесённый с {day:%d.%m}", monday, monday))
    return days


def seed_demo(database: Database, district: District, year: int = 2026) -> bool:
    with database.transaction() as session:
        if session.scalar(select(store.room.c.id).limit(1)):
            return False
        for school in district.schools:
            _seed_school(session, school, district, year)
    return True


def _seed_school(session, school: School, district: District, year: int) -> None:
    for name, capacity, kind in school.rooms:
        session.execute(store.room.insert().values(
            id=demo_id("room", school.id, name), school_id=school.id, name=name, capacity=capacity, kind=kind))
    classes = {school_class.name: school_class for school_class in school.classes}
    session.execute(store.school_class.insert(), [
        dict(id=item.id, school_id=school.id, name=item.name, grade=item.grade, student_count=len(item.students))
        for item in school.classes])
    session.execute(store.teacher.insert(), [
        dict(id=person.id, school_id=school.id, full_name=person.full_name) for person in school.teachers])
    subject_ids = {name: demo_id("subject", school.id, name) for name, _ in SUBJECTS}
    session.execute(store.subject.insert(), [
        dict(id=subject_ids[name], school_id=school.id, name=name, hard=name in HARD_SUBJECTS,
             room_kind="lab" if name in LAB_SUBJECTS else "classroom") for name, _ in SUBJECTS])
    people = {account.login: account.person for account in district.accounts if account.school_id == school.id}
    teacher_of: dict[tuple[str, str], str] = {}
    for login, pairs in ASSIGNMENTS.items():
        for subject_name, class_name in pairs:
            if login in people and class_name in classes:
                teacher_of[(class_name, subject_name)] = people[login].id
    session.execute(store.teaching_assignment.insert(), [
        dict(id=demo_id("assignment", teacher_id, class_name, subject_name), school_id=school.id,
             teacher_id=teacher_id, class_id=classes[class_name].id, subgroup_id=None,
             subject_id=subject_ids[subject_name])
        for (class_name, subject_name), teacher_id in teacher_of.items()])
    session.execute(store.student_class.insert(), [
        dict(student_id=student.id, school_id=school.id, class_id=item.id)
        for item in school.classes for student in item.students])
    session.execute(store.guardianship.insert(), [
        dict(guardian_id=link.guardian.id, student_id=link.student.id) for link in school.guardianships])

    year_id = demo_id("academic-year", school.id, year)
    periods = quarters(year)
    session.execute(store.academic_year.insert().values(
        id=year_id, school_id=school.id, name=f"{year}/{(year + 1) % 100:02d}", start_date=periods[0][1],
        end_date=periods[-1][2]))
    session.execute(store.study_period.insert(), [
        dict(id=demo_id("period", school.id, year, "quarter", number), school_id=school.id,
             academic_year_id=year_id, kind="quarter", number=number, start_date=first, end_date=last)
        for number, first, last in periods] + [
        dict(id=demo_id("period", school.id, year, "year"), school_id=school.id, academic_year_id=year_id,
             kind="year", number=None, start_date=periods[0][1], end_date=periods[-1][2])])
    session.execute(store.holiday.insert(), [
        dict(id=demo_id("holiday", school.id, kind, first), school_id=school.id, academic_year_id=year_id,
             kind=kind, title=title, start_date=first, end_date=last)
        for kind, title, first, last in holidays(year)])
    default_id, short_id = demo_id("bells", school.id, "default"), demo_id("bells", school.id, "short")
    session.execute(store.bell_schedule.insert(), [
        dict(id=default_id, school_id=school.id, name="Основное", is_default=True),
        dict(id=short_id, school_id=school.id, name="Сокращённый день", is_default=False)])
    session.execute(store.bell_slot.insert(), [
        dict(bell_schedule_id=bell_id, slot=number, start_time=start, end_time=end)
        for bell_id, times in ((default_id, DEFAULT_BELLS), (short_id, SHORT_BELLS))
        for number, (start, end) in enumerate(times, start=1)])
    # The last day of the 2nd quarter is a shortened day.
    session.execute(store.special_day.insert().values(
        school_id=school.id, date=periods[1][2], academic_year_id=year_id, timetable_weekday=None,
        bell_schedule_id=short_id, title="Сокращённый день"))

    home_rooms = {item.name: demo_id("room", school.id, school.rooms[index][0])
                  for index, item in enumerate(school.classes)}
    lab = next((demo_id("room", school.id, name) for name, _, kind in school.rooms if kind == "lab"), None)
    entries = []
    for class_name, week in WEEKS.items():
        if class_name not in classes:
            continue
        hours = Counter(subject for day in week for subject in day)
        session.execute(store.curriculum.insert(), [
            dict(id=demo_id("curriculum", year_id, class_name, subject), school_id=school.id,
                 academic_year_id=year_id, class_id=classes[class_name].id, subgroup_id=None,
                 subject_id=subject_ids[subject], year_hours=count * WEEKS_IN_YEAR)
            for subject, count in hours.items()])
        for weekday, day in enumerate(week, start=1):
            for slot, subject in enumerate(day, start=1):
                room = lab if subject in LAB_SUBJECTS and lab else home_rooms[class_name]
                entries.append(dict(
                    id=demo_id("timetable-entry", classes[class_name].id, weekday, slot), school_id=school.id,
                    class_id=classes[class_name].id, subgroup_id=None, subject_id=subject_ids[subject],
                    teacher_id=teacher_of[(class_name, subject)], room_id=room, weekday=weekday, slot=slot,
                    weeks="every"))
    timetable_id = demo_id("timetable", school.id, year)
    session.execute(store.timetable.insert().values(
        id=timetable_id, school_id=school.id, academic_year_id=year_id, name=f"Расписание {year}/{year + 1}",
        status="draft", author_id=people.get("deputy", school.teachers[0]).id,
        create_time=dt.datetime(year, 8, 25, 9, 0, tzinfo=dt.UTC)))
    for entry in entries:
        entry["timetable_id"] = timetable_id
    session.execute(store.timetable_entry.insert(), entries)
    conflicts = rules.s1_conflicts(lessons.entry_placements(session, timetable_id, school.id),
                                   lessons.names(session, school.id), capacities=lessons.capacities(session, school.id))
    if conflicts:
        # The week is the journal's demo week as it stands; its double bookings are shown, not hidden.
        log.warning("the demo week of %s has conflicts: %s", school.short_name,
                    "; ".join(conflict.message for conflict in conflicts))
    timetable = session.execute(select(store.timetable).where(store.timetable.c.id == timetable_id)).one()
    server.publish(session, timetable, periods[0][1], periods[-1][2], "")
