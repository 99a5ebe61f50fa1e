"""The demo district's classes, students and guardians; its academic year, subjects,
teaching assignments, the 2nd quarter's lessons, and the marks and absences of the
lessons held.

Deterministic for a given `today` (a seeded `random.Random`). The marks of the
lessons held up to `today` are written with bulk inserts, each with its
change-history record, as if the teachers had entered them on the lesson's day.
"""
from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select

from services.common import events as envelope
from services.common import outbox
from services.common.database import Database
from services.common.demo import District, School, demo_id
from ezh.journal.v1 import events_pb2

from services.journal import rules, snapshots, store
from services.journal.change_history import ChangeWriter
from services.journal.entries import SCHOOL_TIMEZONE, LessonContext, absence_recorded, mark_data
from services.journal.server import class_created_event
from services.journal.records_seed import seed_records

# Name, and whether it is graded зачёт / незачёт.
SUBJECTS = (
    ("Русский язык", False), ("Литература", False), ("Математика", False), ("История", False),
    ("Английский язык", False), ("Биология", False), ("Физика", False), ("ОДНКНР", True),
)

# Who teaches what where, by login.
ASSIGNMENTS = {
    "teacher": (("Математика", "5А"), ("Математика", "9Б")),
    "classteacher": (("Русский язык", "5А"), ("Литература", "5А")),
    "teacher2": (("Русский язык", "9Б"), ("Литература", "9Б")),
    "teacher3": (("История", "5А"), ("История", "9Б"), ("ОДНКНР", "5А")),
    "teacher4": (("Английский язык", "5А"), ("Английский язык", "9Б")),
    "teacher5": (("Биология", "5А"), ("Биология", "9Б"), ("Физика", "9Б")),
    "teacher7": (("Математика", "7В"), ("Русский язык", "7В")),
}

# The week's timetable by class: Monday…Friday, lessons in order.
WEEKS = {
    "5А": (("Русский язык", "Математика", "Литература", "Английский язык"),
           ("Математика", "Русский язык", "История", "Биология"),
           ("Русский язык", "Математика", "Английский язык", "ОДНКНР"),
           ("Литература", "Математика", "Русский язык", "История"),
           ("Математика", "Русский язык", "Биология", "Литература")),
    "9Б": (("Математика", "Русский язык", "Физика", "История", "Английский язык"),
           ("Физика", "Математика", "Биология", "Литература"),
           ("Математика", "Английский язык", "История", "Русский язык"),
           ("Математика", "Физика", "Литература", "Русский язык", "Биология"),
           ("Английский язык", "Математика", "Русский язык", "Литература")),
    "7В": (("Математика", "Русский язык"), ("Русский язык", "Математика"), ("Математика", "Русский язык"),
           ("Русский язык", "Математика"), ("Математика", "Русский язык")),
}

TOPICS = {
    "Русский язык": ("Имя существительное как часть речи", "Склонение имён существительных",
                     "Правописание окончаний", "Словарный диктант", "Имя прилагательное", "Глагол: время и лицо",
                     "Изложение"),
    "Литература": ("Русские народные сказки", "И. А. Крылов. Басни", "А. С. Пушкин. Сказка о мёртвой царевне",
                   "М. Ю. Лермонтов. «Бородино»", "Н. В. Гоголь. «Ночь перед Рождеством»", "Сочинение"),
    "Математика": ("Сложение и вычитание натуральных чисел", "Умножение натуральных чисел", "Деление с остатком",
                   "Степень числа", "Площадь прямоугольника", "Решение текстовых задач", "Контрольная работа"),
    "История": ("Древний Египет", "Древняя Месопотамия", "Финикия и Палестина", "Древняя Индия", "Древний Китай",
                "Проверочная работа"),
    "Английский язык": ("My family", "My school", "Present Simple", "Free time", "Вопросительные предложения",
                        "Контрольная работа"),
    "Биология": ("Строение клетки", "Ткани растений", "Органы растений", "Лабораторная работа: корень",
                 "Многообразие растений"),
    "Физика": ("Электрический ток", "Сила тока и напряжение", "Закон Ома", "Лабораторная работа: сопротивление",
               "Решение задач", "Контрольная работа"),
    "ОДНКНР": ("Культура и нравственность", "Семейные ценности", "Традиции народов России"),
}

WHOLE_CLASS_WORKS = (
    ("Контрольная", rules.WorkType.TEST), ("Проверочная", rules.WorkType.TEST),
    ("Лабораторная", rules.WorkType.LABORATORY), ("диктант", rules.WorkType.DICTATION),
    ("Изложение", rules.WorkType.ESSAY), ("Сочинение", rules.WorkType.ESSAY),
)


def seed_demo(database: Database, district: District, year: int = 2026, today: dt.date | None = None) -> bool:
    with database.transaction() as session:
        if session.scalar(select(store.school.c.id).where(store.school.c.id == district.schools[0].id)):
            return False
        start = dt.date(year, 9, 1)
        today = today or dt.datetime.now(SCHOOL_TIMEZONE).date()
        for school in district.schools:
            session.execute(store.school.insert().values(id=school.id, name=school.name))
            for school_class in school.classes:
                session.execute(
                    store.school_class.insert().values(
                        id=school_class.id, school_id=school.id, grade=school_class.grade,
                        letter=school_class.letter, class_teacher_id=school_class.class_teacher.id,
                    )
                )
                outbox.record(
                    session, store.outbox,
                    class_created_event(school_class.id, school.id, school_class.grade, school_class.letter,
                                        school_class.class_teacher.id),
                )
                for person in school_class.students:
                    session.execute(
                        store.student.insert().values(
                            id=person.id, school_id=school.id, last_name=person.last_name,
                            first_name=person.first_name, middle_name=person.middle_name,
                            birth_date=person.birth_date,
                        )
                    )
                    session.execute(
                        store.enrollment.insert().values(
                            id=demo_id("enrollment", person.id), student_id=person.id,
                            class_id=school_class.id, start_date=start,
                        )
                    )
            seen: set[str] = set()
            for link in school.guardianships:
                parent = link.guardian
                if parent.id not in seen:
                    seen.add(parent.id)
                    session.execute(
                        store.guardian.insert().values(
                            id=parent.id, school_id=school.id, last_name=parent.last_name,
                            first_name=parent.first_name, middle_name=parent.middle_name,
                        )
                    )
                session.execute(
                    store.guardianship.insert().values(
                        guardian_id=parent.id, student_id=link.student.id, relation=link.relation
                    )
                )
            _seed_journal(session, school, district, year, today)
    return True


def _record_students(session, school: School, today: dt.date) -> None:
    """ezh.journal.student.changed.v1 for every student of the school, with guardians."""
    moment = _snapshot_moment(today)
    rows = session.execute(select(store.student).where(store.student.c.school_id == school.id)
                           .order_by(store.student.c.id)).all()
    classes = {row.id: row for row in session.execute(
        select(store.school_class).where(store.school_class.c.school_id == school.id))}
    class_of = {person.id: classes[school_class.id] for school_class in school.classes
                for person in school_class.students}
    guardians = snapshots.guardian_data(session, [row.id for row in rows])
    snapshots.record_events(session, [snapshots.student_changed(row, class_of.get(row.id), guardians[row.id], moment)
                          for row in rows])


def quarters(year: int) -> tuple[tuple[int, dt.date, dt.date], ...]:
    """The demo year's quarters: number, first and last day."""
    return (
        (1, dt.date(year, 9, 1), dt.date(year, 10, 26)),
        (2, dt.date(year, 11, 5), dt.date(year, 12, 28)),
        (3, dt.date(year + 1, 1, 12), dt.date(year + 1, 3, 20)),
        (4, dt.date(year + 1, 3, 30), dt.date(year + 1, 5, 25)),
    )


def _seed_journal(session, school: School, district: District, year: int, today: dt.date) -> None:
    rng = random.Random(f"{school.id}/{year}/{today.isoformat()}")
    year_id = demo_id("academic-year", school.id, year)
    periods = quarters(year)
    session.execute(store.academic_year.insert().values(
        id=year_id, school_id=school.id, name=f"{year}/{(year + 1) % 100:02d}",
        start_date=periods[0][1], end_date=periods[-1][2],
    ))
    session.execute(store.study_period.insert(), [
        dict(id=demo_id("period", school.id, year, "quarter", number), school_id=school.id,
             academic_year_id=year_id, kind="quarter", number=number, start_date=first, end_date=last,
             deadline_by_order=None)
        for number, first, last in periods
    ] + [dict(id=demo_id("period", school.id, year, "year"), school_id=school.id, academic_year_id=year_id,
              kind="year", number=None, start_date=periods[0][1], end_date=periods[-1][2], deadline_by_order=None)])
    snapshots.record_events(session, [snapshots.period_changed(row) for row in session.execute(
        select(store.study_period).where(store.study_period.c.academic_year_id == year_id)
        .order_by(store.study_period.c.start_date, store.study_period.c.end_date))])
    subject_ids = {name: demo_id("subject", school.id, name) for name, _ in SUBJECTS}
    session.execute(store.subject.insert(), [
        dict(id=subject_ids[name], school_id=school.id, name=name, pass_fail=pass_fail) for name, pass_fail in SUBJECTS
    ])
    people = {account.login: account.person for account in district.accounts if account.school_id == school.id}
    classes = {school_class.name: school_class for school_class in school.classes}
    teacher_of: dict[tuple[str, str], str] = {}
    for login, pairs in ASSIGNMENTS.items():
        for subject_name, class_name in pairs:
            if login in people and class_name in classes:
                teacher_of[(class_name, subject_name)] = people[login].id
    if teacher_of:
        session.execute(store.teaching_assignment.insert(), [
            dict(id=demo_id("assignment", teacher_id, class_name, subject_name), school_id=school.id,
                 teacher_id=teacher_id, class_id=classes[class_name].id, subject_id=subject_ids[subject_name])
            for (class_name, subject_name), teacher_id in teacher_of.items()
        ])
    lessons = _lessons(school, classes, subject_ids, teacher_of, periods[1], today)
    if lessons:
        session.execute(store.lesson.insert(), [
            {key: value for key, value in lesson.items() if key != "subject_name"} for lesson in lessons
        ])
    # Personal data and guardians' contacts first: the students' events carry them (J7: parents on paper).
    seed_records(session, school, year, today, WEEKS)
    _record_students(session, school, today)
    quarter_id = demo_id("period", school.id, year, "quarter", periods[1][0])
    contexts = {
        row.id: LessonContext(row, row.subject_name, quarter_id)
        for row in session.execute(
            select(store.lesson, store.subject.c.name.label("subject_name"))
            .join(store.subject, store.subject.c.id == store.lesson.c.subject_id)
            .where(store.lesson.c.school_id == school.id)
        )
    }
    moment = _snapshot_moment(today)
    snapshots.record_events(session, [snapshots.lesson_changed(where.lesson, where.subject_name, quarter_id, moment)
                          for where in sorted(contexts.values(), key=lambda where: where.lesson.id)])
    _marks_and_absences(session, school, lessons, contexts, {name for name, flag in SUBJECTS if flag}, rng, today)


def _lessons(school: School, classes: dict, subject_ids: dict, teacher_of: dict, quarter, today: dt.date) -> list:
    """The quarter's lessons on weekdays by the timetable; topics up to today, homework a week ahead."""
    _, first, last = quarter
    lessons = []
    for class_name, week in WEEKS.items():
        if class_name not in classes:
            continue
        counters: dict[str, int] = {}
        day = first
        while day <= last:
            for number, subject_name in enumerate(week[day.weekday()] if day.weekday() < 5 else (), start=1):
                teacher_id = teacher_of.get((class_name, subject_name))
                if teacher_id is None:
                    continue
                count = counters[subject_name] = counters.get(subject_name, 0) + 1
                topics = TOPICS[subject_name]
                lessons.append(dict(
                    id=demo_id("lesson", classes[class_name].id, day, number), school_id=school.id,
                    class_id=classes[class_name].id, subject_id=subject_ids[subject_name], teacher_id=teacher_id,
                    date=day, number=number,
                    topic=topics[(count - 1) % len(topics)] if day <= today else "",
                    attendance_time=_entered(day, number) if day <= today else None,
                    homework=f"§ {count + 10}, упр. {count * 3 + 100}" if day <= today + dt.timedelta(days=7) else "",
                    subject_name=subject_name,
                ))
            day += dt.timedelta(days=1)
    return lessons


def _snapshot_moment(today: dt.date) -> dt.datetime:
    """The version time of the seed's snapshots: 08:00 of the demo's day, but never later than now,
    so a change made after seeding (even before eight in the morning) always wins over them."""
    return min(dt.datetime.combine(today, dt.time(8, 0), SCHOOL_TIMEZONE), dt.datetime.now(dt.UTC))


def _entered(day: dt.date, number: int) -> dt.datetime:
    """When the demo teacher entered a lesson: that afternoon."""
    return (dt.datetime.combine(day, dt.time(14, 0), SCHOOL_TIMEZONE).astimezone(dt.UTC)
            + dt.timedelta(minutes=7 * number))


def _marks_and_absences(session, school: School, lessons: list, contexts: dict, pass_fail: set[str],
                        rng: random.Random, today: dt.date) -> None:
    students_of = {school_class.id: school_class.students for school_class in school.classes}
    ability = {student.id: rng.uniform(2.9, 4.9) for students in students_of.values() for student in students}
    writer = ChangeWriter(session, school.id, "", dt.datetime.now(dt.UTC))
    marks, absences, events = [], [], []
    for lesson in lessons:
        if lesson["date"] > today:
            continue
        entered = _entered(lesson["date"], lesson["number"])
        where = contexts[lesson["id"]]
        whole_class = next((work for word, work in WHOLE_CLASS_WORKS if word in lesson["topic"]), None)
        for student in students_of[lesson["class_id"]]:
            roll = rng.random()
            kind = (rng.choice((rules.AbsenceKind.ILL, rules.AbsenceKind.ILL, rules.AbsenceKind.EXCUSED,
                                rules.AbsenceKind.UNEXCUSED)) if roll < 0.04
                    else rules.AbsenceKind.LATE if roll < 0.05 else None)
            if kind is not None:
                absence_id = demo_id("absence", lesson["id"], student.id)
                absences.append(dict(id=absence_id, school_id=school.id, lesson_id=lesson["id"],
                                     student_id=student.id, kind=kind.value, create_time=entered,
                                     update_time=entered))
                writer.append(rules.ChangeEntity.ABSENCE, absence_id, rules.ChangeAction.CREATED, None,
                              {"kind": kind.value}, lesson_id=lesson["id"], student_id=student.id,
                              actor_id=lesson["teacher_id"], changed_at=entered)
                events.append(("ezh.journal.absence.recorded.v1", f"lessons/{lesson['id']}/absences/{student.id}",
                               absence_recorded(where, student.id, kind.value, "", lesson["teacher_id"])))
                if kind in rules.MISSED_KINDS:
                    continue
            if whole_class is None and rng.random() > 0.22:
                continue
            if lesson["subject_name"] in pass_fail:
                value, work = ("pass" if rng.random() < 0.93 else "fail"), rules.WorkType.ORAL
            else:
                value = str(min(5, max(2, round(rng.gauss(ability[student.id], 0.8)))))
                work = whole_class or rng.choice((rules.WorkType.ORAL, rules.WorkType.ORAL,
                                                  rules.WorkType.HOMEWORK, rules.WorkType.INDEPENDENT))
            mark_id = demo_id("mark", lesson["id"], student.id)
            marks.append(dict(id=mark_id, school_id=school.id, lesson_id=lesson["id"], student_id=student.id,
                              value=value, work_type=work.value, weight=None, create_time=entered,
                              update_time=entered))
            writer.append(rules.ChangeEntity.MARK, mark_id, rules.ChangeAction.CREATED, None,
                          {"value": value, "work_type": work.value, "weight": None},
                          lesson_id=lesson["id"], student_id=student.id, actor_id=lesson["teacher_id"],
                          changed_at=entered)
            events.append(("ezh.journal.mark.created.v1", f"marks/{mark_id}", events_pb2.MarkCreated(
                mark=mark_data(where, mark_id, student.id, value, work.value, None), actor_id=lesson["teacher_id"])))
    snapshots.record_events(session, [envelope.new_event(event_type, "journal", subject, school.id, data)
                          for event_type, subject, data in events])
    if marks:
        session.execute(store.mark.insert(), marks)
    if absences:
        session.execute(store.absence.insert(), absences)
    writer.finish()
