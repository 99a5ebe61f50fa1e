"""Forecasts of a student's and a class's period results (G4, R4), from the read model as of a day."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from sqlalchemy.orm import Session

from services.journal.rules.averages import weighted_average
from services.journal.rules.results import class_results
from services.reports import queries
from services.reports.documents import Chart, Document, Table
from services.reports.progress_reports import counted_marks
from services.reports.rules.forecast_model import (
    DEFAULT_MODEL, WRITTEN_WORK, Features, Model, g4_forecast, round_mark,
)
from services.reports.rules.spans import Span


def _float(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def features_as_of(session: Session, school_id: str, period: queries.PeriodRow, as_of: dt.date,
                   class_ids: set[str] | None = None) -> tuple[queries.SchoolData, dict[tuple[str, str], Features]]:
    """Each (student, subject)'s features from the marks of the period up to `as_of` (no later mark is seen)."""
    end = min(as_of, period.end)
    span = Span(period.start, max(end, period.start), period.span().title, "", period.kind)
    data = queries.load_school(session, school_id, span, class_ids)
    data.marks = [row for row in data.marks if row.day <= as_of]
    data.absences = [(fact, row) for fact, row in data.absences if fact.day <= as_of]
    data.__dict__.pop("_pairs", None)
    previous = queries.previous_period(session, period)
    before: dict = {}
    if previous:
        earlier = queries.load_results(session, school_id, previous.span(), class_ids)
        before = counted_marks(earlier)
        for subject_id, name in earlier.subjects.items():
            data.subjects.setdefault(subject_id, name)
    total_days = (period.end - period.start).days + 1
    remaining = max(0, (period.end - as_of).days) / total_days
    unexcused: dict[tuple[str, str], int] = defaultdict(int)
    for fact, row in data.absences:
        if fact.kind == "unexcused":
            unexcused[(fact.student_id, row.subject_id)] += 1
    overall: dict[str, float | None] = {}
    by_student: dict[str, list] = defaultdict(list)
    for row in data.marks:
        if row.mark is not None:
            by_student[row.student_id].append(row.mark)
    for student_id, marks in by_student.items():
        overall[student_id] = _float(weighted_average(marks))
    features: dict[tuple[str, str], Features] = {}
    subjects_of_class: dict[str, set[str]] = defaultdict(set)
    for (class_id, subject_id) in data.teachers:
        subjects_of_class[class_id].add(subject_id)
    for row in data.marks:
        subjects_of_class[row.class_id].add(row.subject_id)
    for student_id, subjects in before.items():  # subjects with no lesson yet in this period
        if student_id in data.students:
            subjects_of_class[data.students[student_id].class_id].update(subjects)
    for student in data.students.values():
        for subject_id in subjects_of_class[student.class_id]:
            marks = data.marks_of(student.id, subject_id)
            numeric = [m for m in marks if not m.is_pass_fail]
            if marks and not numeric:
                continue  # a pass/fail subject: no mark to forecast
            written = [m for m in numeric if m.work_type.value in WRITTEN_WORK]
            previous_value = before.get(student.id, {}).get(subject_id)
            features[(student.id, subject_id)] = Features(
                average=_float(weighted_average(numeric)), count=len(numeric), overall=overall.get(student.id),
                previous=float(previous_value) if isinstance(previous_value, int) else None,
                last_marks=tuple(m.value for m in numeric), written_average=_float(weighted_average(written)),
                unexcused=unexcused[(student.id, subject_id)], remaining_share=remaining)
    return data, features


def _percent(probability: float) -> int:
    return round(probability * 100)


def student_forecast(session: Session, student: queries.StudentRow, school_id: str, period: queries.PeriodRow,
                     as_of: dt.date, model: Model = DEFAULT_MODEL) -> Document:
    data, features = features_as_of(session, school_id, period, as_of, {student.class_id})
    document = Document(f"Прогноз — {student.last_name} {student.first_name}, {student.class_name}",
                        f"{period.span().title}; на {as_of.strftime('%d.%m.%Y')}",
                        queries.school_name(session, school_id))
    table = Table("subjects", "По предметам", ["Предмет", "Средний балл сейчас", "Отметок", "Ожидаемая отметка",
                                               "Ожидаемая годовая", "Вероятность неуспеха, %", "Почему"])
    earlier = _earlier_period_marks(session, school_id, period, student)
    for (student_id, subject_id), f in sorted(features.items(), key=lambda item: data.subjects.get(item[0][1], "")):
        if student_id != student.id:
            continue
        forecast = g4_forecast(f, model)
        year_marks = [*earlier.get(subject_id, []), *([forecast.mark] if forecast.mark is not None else [])]
        year = round_mark(sum(year_marks) / len(year_marks)) if year_marks else None
        table.rows.append([data.subjects.get(subject_id, ""),
                           Decimal(str(round(f.average, 2))) if f.average is not None else None, f.count,
                           forecast.mark, year, _percent(forecast.failing_probability), "; ".join(forecast.reasons)])
    document.tables = [table]
    return document


def _earlier_period_marks(session: Session, school_id: str, period: queries.PeriodRow,
                          student: queries.StudentRow) -> dict[str, list[int]]:
    """The student's 1…5 marks of the earlier periods of the same kind in the academic year, per subject.

    The expected year mark is their mean with this period's expected mark, rounded by the standard rule
    (as the journal suggests a year mark from the period marks)."""
    marks: dict[str, list[int]] = defaultdict(list)
    for earlier in queries.school_periods(session, school_id):
        if earlier.academic_year_id == period.academic_year_id and earlier.kind == period.kind \
                and earlier.end < period.start:
            counted = counted_marks(queries.load_results(session, school_id, earlier.span(), {student.class_id}))
            for subject_id, value in counted.get(student.id, {}).items():
                if isinstance(value, int):
                    marks[subject_id].append(value)
    return marks


def class_forecast(session: Session, school_id: str, class_id: str, period: queries.PeriodRow, as_of: dt.date,
                   model: Model = DEFAULT_MODEL) -> Document:
    data, features = features_as_of(session, school_id, period, as_of, {class_id})
    forecasts = {key: g4_forecast(f, model) for key, f in features.items()}
    expected: dict[str, list] = defaultdict(list)
    for (student_id, _), forecast in forecasts.items():
        if forecast.mark is not None:
            expected[student_id].append(forecast.mark)
    results = class_results(expected)
    name = data.classes[class_id].name
    document = Document(f"Прогноз класса {name}", f"{period.span().title}; на {as_of.strftime('%d.%m.%Y')}",
                        queries.school_name(session, school_id))
    summary = Table("class", "Ожидаемые итоги", ["Класс", "Учеников", "Успеваемость, %", "Качество, %",
                                                "Средний балл", "«5»", "«4»", "«3»", "«2»"])
    every = [mark for marks in expected.values() for mark in marks]
    summary.rows.append([name, len(data.students), results.pass_rate, results.quality_rate, results.mean,
                         *(every.count(value) for value in (5, 4, 3, 2))])
    risk = Table("risk", "Ученики в зоне риска", ["Ученик", "Предмет", "Ожидаемая отметка",
                                                   "Вероятность неуспеха, %", "Почему"])
    ranked = sorted(((forecast.failing_probability, student_id, subject_id, forecast)
                     for (student_id, subject_id), forecast in forecasts.items()), key=lambda item: (-item[0],
                                                                                                     item[1], item[2]))
    for probability, student_id, subject_id, forecast in ranked:
        if probability < 0.2 or len(risk.rows) >= 15:
            break
        risk.rows.append([data.students[student_id].short_name, data.subjects.get(subject_id, ""), forecast.mark,
                          _percent(probability), "; ".join(forecast.reasons)])
    document.tables = [summary, risk]
    document.charts = [Chart("expected", "bar", "Ожидаемое распределение отметок", ["«5»", "«4»", "«3»", "«2»"],
                             {"Отметок": [float(every.count(v)) for v in (5, 4, 3, 2)]})]
    return document

