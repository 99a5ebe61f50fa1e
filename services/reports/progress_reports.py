"""Progress and quality reports (R1, G3): school, district, subject teacher, class teacher, attendance."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from sqlalchemy.orm import Session

from services.journal.rules.final_marks import FinalMarkValue
from services.journal.rules.results import (
    STANDING_TITLES, ClassResults, StudentStanding, class_results, marks_summary,
)
from services.reports import queries
from services.reports.documents import Chart, Document, Table
from services.reports.rules.attendance import j5_missed_by_student, j5_missed_by_week
from services.reports.rules.progress import r1_counted_mark, r1_counted_mark_of_sums, r1_threes_and_twos
from services.reports.rules.spans import Span

STANDINGS = list(StudentStanding)
RESULT_COLUMNS = ["Учеников", "Аттестовано", *(STANDING_TITLES[s] for s in STANDINGS),
                  "Успеваемость, %", "Качество, %", "Средний балл", "СОУ, %"]
SUMMARY_COLUMNS = ["Отметок", "«5»", "«4»", "«3»", "«2»", "н/а", "Успеваемость, %", "Качество, %",
                   "Средний балл", "СОУ, %"]
_UNSEEN = object()  # a sentinel: no value found yet


def counted_marks(data: queries.SchoolData) -> dict[str, dict[str, FinalMarkValue]]:
    """Each student's counted mark per subject (R1: the final mark, else the rounded average)."""
    result: dict[str, dict[str, FinalMarkValue]] = defaultdict(dict)
    sums = data.mark_sums
    finals: dict[str, FinalMarkValue] = {}  # a final mark's text read once per value
    students = data.students
    for (student_id, subject_id), final in data.final_marks.items():
        text = final.value
        if text and student_id in students:
            value = finals.get(text)
            if value is None:
                value = finals[text] = r1_counted_mark_of_sums(text, None).value
            result[student_id][subject_id] = value
    if sums is None:
        for (student_id, subject_id), rows in data.marks_by_pair.items():
            if student_id not in students or subject_id in result.get(student_id, ()):
                continue
            final = data.final_marks.get((student_id, subject_id))  # one with an empty value
            counted = r1_counted_mark(final.value if final is not None else None,
                                      [row.mark for row in rows if row.mark is not None])
            if counted is not None:
                result[student_id][subject_id] = counted.value
        return result
    # Pairs whose totals rows were the same share one MarkSums (queries._note_totals): each counted once, by its id
    # (the sums live in `data` throughout).
    by_sums: dict[int, FinalMarkValue | None] = {}
    for pair, pair_sums in sums.items():
        student_id, subject_id = pair
        if student_id not in students or subject_id in result.get(student_id, ()):
            continue
        final = data.final_marks.get(pair)  # one with an empty value
        if final is None or not final.value:
            value = by_sums.get(id(pair_sums), _UNSEEN)
            if value is _UNSEEN:
                counted = r1_counted_mark_of_sums(None, pair_sums)
                value = by_sums[id(pair_sums)] = counted.value if counted is not None else None
        else:
            value = r1_counted_mark_of_sums(final.value, pair_sums).value
        if value is not None:
            result[student_id][subject_id] = value
    return result


def basis_note(data: queries.SchoolData) -> str:
    if data.span.period_id and data.final_marks:
        return "по итоговым отметкам периода (где их нет — по среднему баллу текущих отметок)"
    return "по среднему баллу текущих отметок (итоговых отметок за этот промежуток нет)"


def results_row(marks_by_student: Mapping[str, Iterable[FinalMarkValue]], student_count: int) -> list:
    return results_cells(class_results({student: list(marks) for student, marks in marks_by_student.items()}),
                         student_count)


def results_cells(results: ClassResults, student_count: int) -> list:
    return [student_count, results.graded, *(results.counts[s] for s in STANDINGS),
            results.pass_rate, results.quality_rate, results.mean, results.sou]


def summary_row(values: list[FinalMarkValue]) -> list:
    summary = marks_summary(values)
    return [summary.assessed, *(summary.count_by_value[v] for v in (5, 4, 3, 2)), summary.not_attested,
            summary.pass_rate, summary.quality_rate, summary.mean, summary.sou]


def _distribution_chart(counted: Mapping[str, Mapping[str, FinalMarkValue]]) -> Chart:
    values = [value for marks in counted.values() for value in marks.values()]
    summary = marks_summary(values)
    labels = ["«5»", "«4»", "«3»", "«2»"]
    return Chart("distribution", "bar", "Распределение отметок", labels,
                 {"Отметок": [float(summary.count_by_value[v]) for v in (5, 4, 3, 2)]})


def trend_periods(session: Session, school_id: str, span: Span) -> list[queries.PeriodRow]:
    """The periods a trend chart shows: the last six of the same kind up to this one (none for a range of days)."""
    if not span.period_id:
        return []
    return [p for p in queries.school_periods(session, school_id)
            if p.kind == span.kind and p.start <= span.start][-6:]


def trend_chart(session: Session, school_id: str, span: Span, class_ids: set[str] | None = None,
                known: Mapping[str, Mapping[str, Mapping[str, FinalMarkValue]]] | None = None,
                known_results: Mapping[str, ClassResults] | None = None,
                loaded: Mapping[str, queries.SchoolData] | None = None) -> Chart | None:
    """Pass and quality rate over the periods of the same kind up to this one (`known`: counted marks by period,
    `known_results`: the results of the same students by period, `loaded`: their data by period)."""
    if not span.period_id:
        return None
    periods = trend_periods(session, school_id, span)
    known, known_results, loaded = known or {}, known_results or {}, dict(loaded or {})
    missing = [p.span() for p in periods if p.id not in known_results and p.id not in known and p.id not in loaded]
    if missing:
        loaded.update(queries.load_period_results(session, school_id, missing, class_ids))
    labels, passes, quality = [], [], []
    for period in periods:
        results = known_results.get(period.id)
        if results is None:
            counted = known.get(period.id)
            if counted is None:
                counted = counted_marks(loaded[period.id])
            results = class_results({s: list(m.values()) for s, m in counted.items()})
        if results.graded:
            labels.append(period.title)
            passes.append(float(results.pass_rate))
            quality.append(float(results.quality_rate))
    if not labels:
        return None
    return Chart("trend", "line", "Успеваемость и качество по периодам", labels,
                 {"Успеваемость, %": passes, "Качество, %": quality})


def school_progress(session: Session, school_id: str, span: Span, previous: Span | None) -> Document:
    """R1: progress and quality of a school by class, subject and teacher, with the previous period."""
    data = queries.load_results(session, school_id, span)
    counted = counted_marks(data)
    # The previous period and the trend's earlier periods, read together (their students are this span's).
    earlier_spans = [p.span() for p in trend_periods(session, school_id, span) if p.id != span.period_id]
    if previous and previous.period_id:
        earlier_spans.insert(0, previous)
    loaded = queries.load_period_results(session, school_id, earlier_spans, like=data)
    if previous and previous.period_id:
        before = counted_marks(loaded[previous.period_id])
    else:
        before = counted_marks(queries.load_results(session, school_id, previous, names=False)) if previous else {}
    document = Document(f"Отчёт об успеваемости и качестве знаний — {span.title}",
                        f"Подсчёт {basis_note(data)}", queries.school_name(session, school_id))
    classes = Table("classes", "По классам", ["Класс", *RESULT_COLUMNS, "Успеваемость пред., %",
                                               "Качество пред., %"])
    by_class: dict[str, list[queries.StudentRow]] = defaultdict(list)
    for student in data.students.values():
        by_class[student.class_id].append(student)
    for class_id, row in data.classes.items():
        members = by_class[class_id]
        marks = {s.id: list(counted.get(s.id, {}).values()) for s in members}
        earlier = class_results({s.id: list(before.get(s.id, {}).values()) for s in members})
        classes.rows.append([row.name, *results_row(marks, len(members)), earlier.pass_rate, earlier.quality_rate])
    school = Table("school", "По школе", ["Школа", *RESULT_COLUMNS, "Успеваемость пред., %", "Качество пред., %"])
    earlier = class_results({s: list(before.get(s, {}).values()) for s in data.students})
    now = class_results({s: list(counted.get(s, {}).values()) for s in data.students})
    school.rows.append([document.school_name or "Школа", *results_cells(now, len(data.students)),
                        earlier.pass_rate, earlier.quality_rate])
    subjects = Table("subjects", "По предметам", ["Предмет", *SUMMARY_COLUMNS])
    for subject_id, name in sorted(data.subjects.items(), key=lambda item: item[1]):
        subjects.rows.append([name, *summary_row([m[subject_id] for m in counted.values() if subject_id in m])])
    teachers = Table("teachers", "По учителям", ["Учитель", "Классы и предметы", *SUMMARY_COLUMNS])
    taught: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for (class_id, subject_id), teacher_id in data.teachers.items():
        taught[teacher_id].append((class_id, subject_id))
    names = queries.staff_names(session, school_id)
    for teacher_id, pairs in sorted(taught.items(), key=lambda item: (queries.teacher_name(names, item[0]), item[0])):
        values = [counted[s.id][subject_id] for class_id, subject_id in pairs for s in by_class[class_id]
                  if subject_id in counted.get(s.id, {})]
        what = ", ".join(sorted(f"{data.classes[c].name} {data.subjects.get(sub, '')}" for c, sub in pairs))
        teachers.rows.append([queries.teacher_name(names, teacher_id), what, *summary_row(values)])
    document.tables = [school, classes, subjects, teachers]
    document.charts = [_distribution_chart(counted)]
    known = {span.period_id: now, **({previous.period_id: earlier} if previous and previous.period_id else {})}
    trend = trend_chart(session, school_id, span, known_results=known, loaded=loaded)
    if trend:
        document.charts.append(trend)
    return document


def district_progress(session: Session, school_ids: list[str], spans: Mapping[str, tuple[Span, Span | None]],
                      title: str) -> Document:
    """R1: progress and quality per school of the district."""
    document = Document(f"Успеваемость и качество знаний по району — {title}", "Все школы района", "")
    table = Table("schools", "По школам", ["Школа", *RESULT_COLUMNS, "Успеваемость пред., %", "Качество пред., %"])
    everyone: dict[str, list] = {}
    for school_id in school_ids:
        span, previous = spans[school_id]
        if span.period_id and previous and previous.period_id:  # both study periods: read together
            loaded = queries.load_period_results(session, school_id, [span, previous])
            data, before = loaded[span.period_id], counted_marks(loaded[previous.period_id])
        else:
            data = queries.load_results(session, school_id, span, names=False)
            before = counted_marks(queries.load_results(session, school_id, previous, names=False)) if previous else {}
        counted = counted_marks(data)
        marks = {s: list(counted.get(s, {}).values()) for s in data.students}
        everyone.update(marks)
        earlier = class_results({s: list(before.get(s, {}).values()) for s in data.students})
        table.rows.append([queries.school_name(session, school_id) or school_id,
                           *results_row(marks, len(data.students)), earlier.pass_rate, earlier.quality_rate])
    total = Table("district", "По району", ["Район", *RESULT_COLUMNS])
    total.rows.append(["Все школы", *results_row(everyone, len(everyone))])
    document.tables = [total, table]
    if table.rows:
        document.charts = [Chart("schools", "bar", "Качество знаний по школам", [str(r[0])[:30] for r in table.rows],
                                 {"Качество, %": [float(r[-5] or 0) for r in table.rows]})]
    return document


def subject_teacher_report(session: Session, school_id: str, teacher_id: str, span: Span) -> Document:
    """G3: a subject teacher's report on the classes and subjects they teach."""
    data = queries.load_results(session, school_id, span)
    counted = counted_marks(data)
    pairs = sorted((data.classes[c].name, data.subjects.get(s, ""), c, s)
                   for (c, s), t in data.teachers.items() if t == teacher_id and c in data.classes)
    teacher = queries.teacher_name(queries.staff_names(session, school_id), teacher_id)
    document = Document(f"Отчёт учителя-предметника — {span.title}",
                        f"Учитель: {teacher}. Подсчёт {basis_note(data)}", queries.school_name(session, school_id))
    table = Table("classes", "Классы и предметы учителя", ["Класс", "Предмет", *SUMMARY_COLUMNS])
    students = Table("students", "Ученики с «2» и не аттестованные", ["Класс", "Предмет", "Ученик", "Отметка"])
    everything: dict[str, dict[str, FinalMarkValue]] = defaultdict(dict)
    for class_name, subject_name, class_id, subject_id in pairs:
        members = [s for s in data.students.values() if s.class_id == class_id]
        values = [counted[s.id][subject_id] for s in members if subject_id in counted.get(s.id, {})]
        table.rows.append([class_name, subject_name, *summary_row(values)])
        for s in members:
            value = counted.get(s.id, {}).get(subject_id)
            if value is not None:
                everything[f"{s.id}/{subject_id}"][subject_id] = value
                if str(value) in ("1", "2", "fail", "not_attested"):
                    students.rows.append([class_name, subject_name, s.short_name, _value_text(value)])
    document.tables = [table, students]
    document.charts = [_distribution_chart(everything)]
    return document


def _value_text(value: FinalMarkValue) -> str:
    return {"not_attested": "н/а", "exempt": "осв.", "pass": "зач.", "fail": "незач."}.get(str(value), str(value))


def class_teacher_report(session: Session, school_id: str, class_id: str, span: Span) -> Document:
    """G3: the class teacher's report: results, subjects, attendance, students with a «3», a «2», not attested."""
    data = queries.load_results(session, school_id, span, {class_id}, absences=True)
    counted = counted_marks(data)
    name = data.classes[class_id].name
    class_teacher_id = data.classes[class_id].class_teacher_id
    note = f"Подсчёт {basis_note(data)}"
    if class_teacher_id:
        note = f"Классный руководитель: {queries.teacher_name(queries.staff_names(session, school_id), class_teacher_id)}. {note}"
    document = Document(f"Отчёт классного руководителя {name} — {span.title}", note,
                        queries.school_name(session, school_id))
    results = Table("class", "Итоги класса", ["Класс", *RESULT_COLUMNS])
    results.rows.append([name, *results_row({s: list(counted.get(s, {}).values()) for s in data.students},
                                            len(data.students))])
    subjects = Table("subjects", "По предметам", ["Предмет", *SUMMARY_COLUMNS])
    for subject_id, subject_name in sorted(data.subjects.items(), key=lambda item: item[1]):
        subjects.rows.append([subject_name, *summary_row([m[subject_id] for m in counted.values()
                                                          if subject_id in m])])
    one_three = Table("one_three", "С одной «3»", ["Ученик", "Предмет"])
    with_two = Table("with_two", "С «2»", ["Ученик", "Предметы"])
    not_attested = Table("not_attested", "Не аттестованы", ["Ученик", "Предметы"])
    for student in data.students.values():
        by_name = {data.subjects.get(sub, sub): value for sub, value in counted.get(student.id, {}).items()}
        threes, twos, missing = r1_threes_and_twos(by_name)
        if len(threes) == 1 and not twos and not missing:
            one_three.rows.append([student.short_name, threes[0]])
        if twos:
            with_two.rows.append([student.short_name, ", ".join(twos)])
        if missing:
            not_attested.rows.append([student.short_name, ", ".join(missing)])
    attendance = _attendance_table(data)
    document.tables = [results, subjects, one_three, with_two, not_attested, attendance]
    document.charts = [_distribution_chart(counted), _attendance_chart(data)]
    return document


def _attendance_table(data: queries.SchoolData) -> Table:
    missed = j5_missed_by_student(fact for fact, _ in data.absences)
    table = Table("attendance", "Пропуски уроков по ученикам",
                  ["Ученик", "Класс", "Пропущено уроков", "По уважительной", "Без уважительной", "Опозданий"])
    for student in data.students.values():
        counts = missed.get(student.id)
        if counts is None:
            table.rows.append([student.short_name, student.class_name, 0, 0, 0, 0])
        else:
            table.rows.append([student.short_name, student.class_name, counts.missed, counts.excused,
                               counts.unexcused, counts.late])
    return table


def _attendance_chart(data: queries.SchoolData) -> Chart:
    weeks = j5_missed_by_week(fact for fact, _ in data.absences)
    labels = [week.strftime("%d.%m") for week in weeks]
    return Chart("attendance", "bar", "Пропуски по неделям", labels,
                 {"По уважительной": [float(m.excused) for m in weeks.values()],
                  "Без уважительной": [float(m.unexcused) for m in weeks.values()]})


def attendance_report(session: Session, school_id: str, class_id: str | None, span: Span) -> Document:
    """J5, G3: lessons missed per student (excused vs unexcused) and per week."""
    data = queries.load_results(session, school_id, span, {class_id} if class_id else None, absences=True)
    what = data.classes[class_id].name if class_id else "школа"
    document = Document(f"Посещаемость — {what}, {span.title}", "Пропуск: н, у, б; уважительные: у и б",
                        queries.school_name(session, school_id))
    weekly = Table("weeks", "По неделям", ["Неделя с", "Пропущено уроков", "По уважительной", "Без уважительной",
                                           "Опозданий"])
    for week, counts in j5_missed_by_week(fact for fact, _ in data.absences).items():
        weekly.rows.append([week.strftime("%d.%m.%Y"), counts.missed, counts.excused, counts.unexcused, counts.late])
    document.tables = [_attendance_table(data), weekly]
    document.charts = [_attendance_chart(data)]
    return document
