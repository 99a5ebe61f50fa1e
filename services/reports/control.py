"""The control of journal keeping (R2) as a report, per teacher, class and subject."""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.reports import queries, store
from services.reports.documents import Document, Table
from services.reports.rules.control import LessonFact, r2_journal_omissions


def _dates(days) -> str:
    return ", ".join(day.strftime("%d.%m") for day in days[:10]) + (" …" if len(days) > 10 else "")


def journal_control(session: Session, school_id: str, teacher_id: str | None, period: queries.PeriodRow,
                    today: dt.date) -> Document:
    data = queries.load_school(session, school_id, period.span())
    groups: dict[tuple[str, str, str], list] = defaultdict(list)
    for lesson in data.lessons:
        if teacher_id is None or lesson.teacher_id == teacher_id:
            groups[(lesson.teacher_id, lesson.class_id, lesson.subject_id)].append(lesson)
    counts = Counter((row.student_id, row.class_id, row.subject_id) for row in data.marks if row.day <= today)
    open_remarks = dict(session.execute(
        select(store.remark.c.teacher_id, func.count()).where(store.remark.c.school_id == school_id,
                                                               store.remark.c.fixed_time.is_(None))
        .group_by(store.remark.c.teacher_id)).all())
    title = f"Контроль ведения журнала — {period.span().title}"
    document = Document(title, f"На {today.strftime('%d.%m.%Y')}; срок итоговых отметок "
                               f"{period.final_marks_deadline.strftime('%d.%m.%Y')}",
                        queries.school_name(session, school_id))
    summary = Table("summary", "По учителям и классам", [
        "Учитель", "Класс", "Предмет", "Уроков проведено", "Без темы", "Без домашнего задания",
        "Без отметки посещаемости", "Учеников с менее чем тремя отметками", "Нет итоговой отметки",
        "Открытых замечаний"])
    details = Table("details", "Подробно", ["Учитель", "Класс", "Предмет", "Что не заполнено", "Где"])
    staff = queries.staff_names(session, school_id)
    for (person_id, class_id, subject_id), lessons in sorted(groups.items(), key=lambda item: (
            queries.teacher_name(staff, item[0][0]), item[0][0], data.classes[item[0][1]].name,
            data.subjects.get(item[0][2], ""))):
        teacher = queries.teacher_name(staff, person_id)
        members = [s.id for s in data.students.values() if s.class_id == class_id]
        finals = {student for (student, subject) in data.final_marks if subject == subject_id}
        omissions = r2_journal_omissions(
            [LessonFact(row.lesson_date, row.topic, row.homework, row.attendance_taken) for row in lessons],
            {student: counts[(student, class_id, subject_id)] for student in members}, members, finals,
            period.end, period.final_marks_deadline, today)
        class_name, subject_name = data.classes[class_id].name, data.subjects.get(subject_id, "")
        summary.rows.append([teacher, class_name, subject_name, omissions.lessons_held,
                             len(omissions.without_topic), len(omissions.without_homework),
                             len(omissions.without_attendance), len(omissions.few_marks),
                             len(omissions.missing_final), open_remarks.get(person_id, 0)])
        names = {s.id: s.short_name for s in data.students.values()}
        for what, where in (("Нет темы урока", _dates(omissions.without_topic)),
                            ("Нет домашнего задания", _dates(omissions.without_homework)),
                            ("Не отмечена посещаемость", _dates(omissions.without_attendance)),
                            ("Меньше трёх отметок", ", ".join(names[s] for s in omissions.few_marks)),
                            ("Нет итоговой отметки", ", ".join(names[s] for s in omissions.missing_final))):
            if where:
                details.rows.append([teacher, class_name, subject_name, what, where])
    document.tables = [summary, details]
    return document
