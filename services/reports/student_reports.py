"""A student's report card (R4), full record over all years (G1), and the journal page (R3)."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.journal.rules.averages import weighted_average
from services.reports import queries, store
from services.reports.documents import Chart, Document, Table
from services.reports.progress_reports import _value_text
from services.reports.rules.attendance import AbsenceFact, j5_missed_by_student
from services.reports.rules.progress import r1_counted_mark, final_value


def _student_title(student: queries.StudentRow) -> str:
    return f"{student.last_name} {student.first_name} {student.middle_name}".strip()


def _finals(session: Session, student_id: str) -> dict[tuple[str, str], object]:
    f = store.final_mark
    return {(row.subject_id, row.period_id or row.kind): row
            for row in session.execute(select(f).where(f.c.student_id == student_id))}


def _marks(session: Session, student_id: str) -> list[queries.MarkRow]:
    m = store.mark
    return [queries.MarkRow(queries.mark_of_row(row), row.student_id, row.class_id, row.subject_id, row.subject_name,
                            row.teacher_id, row.lesson_id, row.lesson_date, row.value, row.work_type, row.change_time)
            for row in session.execute(select(m).where(m.c.student_id == student_id, m.c.deleted.is_(False))
                                       .order_by(m.c.lesson_date, m.c.mark_id))]


def report_card(session: Session, student: queries.StudentRow, school_id: str, academic_year_id: str) -> Document:
    """R4: the табель: final marks of each period of the year per subject, the year mark, attendance."""
    periods = [p for p in queries.school_periods(session, school_id) if p.academic_year_id == academic_year_id]
    finals = _finals(session, student.id)
    marks = _marks(session, student.id)
    subjects = {row.subject_id: row.subject_name for row in marks}
    subjects.update({key[0]: row.subject_name for key, row in finals.items()})
    year = f"{periods[0].start.year}/{periods[-1].end.year}" if periods else ""
    document = Document(f"Табель успеваемости — {_student_title(student)}, {student.class_name}",
                        f"Учебный год {year}; в скобках — средний балл, пока итоговой отметки нет",
                        queries.school_name(session, school_id))
    table = Table("card", "Итоговые отметки", ["Предмет", *(p.title for p in periods)])
    for subject_id, name in sorted(subjects.items(), key=lambda item: item[1]):
        row: list = [name]
        for period in periods:
            final = finals.get((subject_id, period.id))
            if final is not None:
                row.append(_value_text(final_value(final.value)))
                continue
            in_period = [m.mark for m in marks if m.subject_id == subject_id and m.mark is not None
                         and period.start <= m.day <= period.end]
            average = weighted_average(in_period)
            row.append(f"({average})".replace(".", ",") if average is not None else None)
        table.rows.append(row)
    start = periods[0].start if periods else None
    end = periods[-1].end if periods else None
    a = store.absence
    facts = [AbsenceFact(r.student_id, r.lesson_date, r.kind) for r in session.execute(
        select(a).where(a.c.student_id == student.id, a.c.kind != ""))
        if start is None or start <= r.lesson_date <= end]
    counts = j5_missed_by_student(facts).get(student.id)
    attendance = Table("attendance", "Пропуски за год", ["Пропущено уроков", "По уважительной", "Без уважительной"])
    attendance.rows.append([counts.missed, counts.excused, counts.unexcused] if counts else [0, 0, 0])
    document.tables = [table, attendance]
    return document


def student_record(session: Session, student: queries.StudentRow, school_id: str) -> Document:
    """G1: every mark of the student for the whole time the journal has been kept, by period and subject."""
    marks = _marks(session, student.id)
    finals = _finals(session, student.id)
    periods = queries.school_periods(session, school_id)
    document = Document(f"Успеваемость за всё время — {_student_title(student)}", f"Класс {student.class_name}",
                        queries.school_name(session, school_id))
    table = Table("record", "Отметки по периодам", ["Учебный год", "Период", "Предмет", "Отметки", "Средний балл",
                                                    "Итоговая"])
    trend: dict[str, list] = defaultdict(list)
    for period in (p for p in periods if p.kind != "year"):
        in_period = [m for m in marks if period.start <= m.day <= period.end]
        subjects = {m.subject_id: m.subject_name for m in in_period}
        subjects.update({key[0]: row.subject_name for key, row in finals.items() if key[1] == period.id})
        year = f"{period.start.year}/{period.start.year + 1}" if period.start.month >= 8 else \
            f"{period.start.year - 1}/{period.start.year}"
        for subject_id, name in sorted(subjects.items(), key=lambda item: item[1]):
            theirs = [m for m in in_period if m.subject_id == subject_id]
            final = finals.get((subject_id, period.id))
            counted = r1_counted_mark(None, [m.mark for m in theirs if m.mark is not None])
            table.rows.append([year, period.title, name, " ".join(m.value.replace("pass", "зач")
                                                                   .replace("fail", "нз") for m in theirs),
                               counted.average if counted else None,
                               _value_text(final_value(final.value)) if final is not None else None])
            if counted is not None and counted.average is not None:
                trend[f"{year} {period.title}"].append(counted.average)
    document.tables = [table]
    if trend:
        labels = list(trend)
        document.charts = [Chart("trend", "line", "Средний балл по периодам", labels,
                                 {"Средний балл": [float(sum(v) / len(v)) for v in trend.values()]})]
    return document


def journal_page(session: Session, school_id: str, class_id: str, subject_id: str,
                 period: queries.PeriodRow) -> Document:
    """R3: a journal page of the read model: students × lessons with marks and absences, topics and homework."""
    data = queries.load_school(session, school_id, period.span(), {class_id})
    lessons = [row for row in data.lessons if row.subject_id == subject_id]
    subject_name = data.subjects.get(subject_id, "")
    class_name = data.classes[class_id].name
    document = Document(f"Журнал {class_name}, {subject_name} — {period.span().title}", "",
                        queries.school_name(session, school_id))
    marks: dict[tuple[str, str], list[str]] = defaultdict(list)
    for row in data.marks:
        if row.subject_id == subject_id:
            marks[(row.student_id, row.lesson_id)].append(_value_text(final_value(row.value))
                                                          if row.value in ("pass", "fail") else row.value)
    absent = {(fact.student_id, row.lesson_id): {"unexcused": "н", "excused": "у", "ill": "б", "late": "оп"}
              .get(fact.kind, fact.kind) for fact, row in data.absences if row.subject_id == subject_id}
    page = Table("page", "Отметки и пропуски", ["№", "Ученик", *(row.lesson_date.strftime("%d.%m") for row in lessons),
                                                 "Средний", "Итоговая"])
    for number, student in enumerate(data.students.values(), start=1):
        cells: list = [number, student.short_name]
        for lesson in lessons:
            parts = [absent.get((student.id, lesson.lesson_id), "")] + marks.get((student.id, lesson.lesson_id), [])
            cells.append(" ".join(part for part in parts if part))
        average = weighted_average(data.marks_of(student.id, subject_id))
        final = data.final_marks.get((student.id, subject_id))
        cells += [average, _value_text(final_value(final.value)) if final is not None else ""]
        page.rows.append(cells)
    topics = Table("lessons", "Темы уроков и домашние задания", ["Дата", "Тема", "Домашнее задание"])
    for lesson in lessons:
        topics.rows.append([lesson.lesson_date.strftime("%d.%m.%Y"), lesson.topic, lesson.homework])
    document.tables = [page, topics]
    return document
