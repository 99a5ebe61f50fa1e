"""J7 (4.3.5): the printable weekly statement for parents who declined electronic access.

One A4 page per student and week: the week's marks, absences and homework of
the class, with the school, the class, the date and signature lines. The
text is set in DejaVu Sans (shipped inside matplotlib) for Cyrillic.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import matplotlib
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.notify import rules, store

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
ABSENCE_SHORT = {"unexcused": "н", "excused": "у", "ill": "б", "late": "оп"}


@dataclass(frozen=True)
class WeeklyData:
    school_name: str
    class_name: str
    student_name: str
    monday: dt.date
    sunday: dt.date
    marks: list[tuple[dt.date, str, str, str]]  # day, subject, value, work type
    absences: list[tuple[dt.date, str, str]]  # day, subject, kind
    homework: list[tuple[dt.date, str, str]]  # day, subject, text


def gather(session: Session, student, monday: dt.date) -> WeeklyData:
    sunday = monday + dt.timedelta(days=6)
    school_name = session.scalar(select(store.school.c.name).where(store.school.c.id == student.school_id)) or ""
    marks = [
        (row.lesson_date, row.subject_name, rules.mark_word(row.value).strip("«»"),
         rules.WORK_TYPE_WORDS.get(row.work_type, row.work_type))
        for row in session.execute(select(store.mark_fact).where(
            store.mark_fact.c.student_id == student.id, store.mark_fact.c.lesson_date >= monday,
            store.mark_fact.c.lesson_date <= sunday).order_by(store.mark_fact.c.lesson_date,
                                                              store.mark_fact.c.subject_name))
    ]
    absences = [
        (row.lesson_date, row.subject_name, ABSENCE_SHORT.get(row.kind, row.kind))
        for row in session.execute(select(store.absence_fact).where(
            store.absence_fact.c.student_id == student.id, store.absence_fact.c.lesson_date >= monday,
            store.absence_fact.c.lesson_date <= sunday).order_by(store.absence_fact.c.lesson_date,
                                                                 store.absence_fact.c.subject_name))
    ]
    homework = [
        (row.lesson_date, row.subject_name, row.homework)
        for row in session.execute(select(store.lesson_fact).where(
            store.lesson_fact.c.class_id == student.class_id, store.lesson_fact.c.subgroup_id == "",
            store.lesson_fact.c.lesson_date >= monday, store.lesson_fact.c.lesson_date <= sunday,
            store.lesson_fact.c.homework != "").order_by(store.lesson_fact.c.lesson_date, store.lesson_fact.c.slot))
    ]
    name = f"{student.last_name} {student.first_name} {student.middle_name}".strip()
    return WeeklyData(school_name, student.class_name, name, monday, sunday, marks, absences, homework)


def _day(day: dt.date) -> str:
    return f"{day:%d.%m.%Y} ({rules.WEEKDAYS[day.weekday()][:2]})"


def render(data: WeeklyData, today: dt.date) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_title(f"Еженедельная ведомость: {data.student_name}")
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()
    line = dict(new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("DejaVu", "", 10)
    pdf.cell(0, 6, data.school_name, align="C", **line)
    pdf.set_font("DejaVu", "B", 14)
    pdf.cell(0, 10, "Еженедельная ведомость успеваемости и посещаемости", align="C", **line)
    pdf.set_font("DejaVu", "", 11)
    pdf.cell(0, 7, f"Ученик: {data.student_name}    Класс: {data.class_name}", **line)
    pdf.cell(0, 7, f"Неделя: с {data.monday:%d.%m.%Y} по {data.sunday:%d.%m.%Y}", **line)
    pdf.ln(2)

    def table(title: str, header: tuple[str, ...], widths: tuple[int, ...], rows: list[tuple[str, ...]],
              empty: str) -> None:
        pdf.set_font("DejaVu", "B", 12)
        pdf.cell(0, 8, title, **line)
        pdf.set_font("DejaVu", "", 10)
        if not rows:
            pdf.cell(0, 6, empty, **line)
            pdf.ln(2)
            return
        with pdf.table(col_widths=widths, text_align="LEFT", line_height=6) as grid:
            grid.row(header)
            for values in rows:
                grid.row(values)
        pdf.ln(3)

    table("Отметки", ("Дата", "Предмет", "Отметка", "Вид работы"), (30, 60, 20, 50),
          [(_day(day), subject, value, work) for day, subject, value, work in data.marks], "Отметок за неделю нет.")
    table("Пропуски уроков", ("Дата", "Предмет", "Пропуск"), (30, 80, 20),
          [(_day(day), subject, kind) for day, subject, kind in data.absences], "Пропусков за неделю нет.")
    table("Домашние задания", ("Дата", "Предмет", "Задание"), (30, 45, 105),
          [(_day(day), subject, text) for day, subject, text in data.homework], "Домашних заданий не записано.")
    pdf.set_font("DejaVu", "", 9)
    pdf.cell(0, 6, "н — без уважительной причины, у — по уважительной, б — по болезни, оп — опоздание", **line)
    pdf.ln(6)
    pdf.set_font("DejaVu", "", 11)
    pdf.cell(0, 8, f"Дата: {today:%d.%m.%Y}", **line)
    pdf.cell(0, 10, "Классный руководитель: ____________________ / ____________________", **line)
    pdf.cell(0, 10, "Ознакомлен(а), родитель (законный представитель): ____________________ / "
                    "____________________", **line)
    return bytes(pdf.output())
