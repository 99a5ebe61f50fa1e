"""Reading the read model: what a report needs of one school and one span of days."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import case, exists, func, select
from sqlalchemy.orm import Session

from services.common.errors import NotFound
from services.journal.rules.marks import Mark, WorkType
from services.journal.rules.periods import PeriodKind, period_title
from services.reports import store
from services.reports.rules.attendance import AbsenceFact
from services.reports.rules.progress import MarkGroup, MarkSums, r1_mark_sums
from services.reports.rules.spans import Span


@dataclass(frozen=True)
class PeriodRow:
    id: str
    school_id: str
    academic_year_id: str
    kind: str
    number: int
    start: dt.date
    end: dt.date
    deadline: dt.date | None

    @property
    def title(self) -> str:
        try:
            return period_title(PeriodKind(self.kind), self.number or None)
        except ValueError:
            return self.kind

    @property
    def final_marks_deadline(self) -> dt.date:
        return self.deadline or self.end - dt.timedelta(days=2)

    def span(self) -> Span:
        return Span(self.start, self.end, f"{self.title} ({self.start.year}/{(self.start.year + 1) % 100:02d})",
                    self.id, self.kind)


def period_row(row) -> PeriodRow:
    return PeriodRow(row.period_id, row.school_id, row.academic_year_id, row.kind, row.number, row.start_date,
                     row.end_date, row.deadline)


def school_name(session: Session, school_id: str) -> str:
    return session.scalar(select(store.school_summary.c.name).where(store.school_summary.c.school_id == school_id)) or ""


def school_exists(session: Session, school_id: str) -> bool:
    summary = store.school_summary
    return session.scalar(select(summary.c.school_id).where(summary.c.school_id == school_id)) is not None


def find_period(session: Session, period_id: str, school_id: str | None = None) -> PeriodRow:
    row = session.execute(select(store.period).where(store.period.c.period_id == period_id)).first()
    if row is None or (school_id and row.school_id != school_id):
        raise NotFound("Учебный период не найден", reason="PERIOD_NOT_FOUND")
    return period_row(row)


def school_periods(session: Session, school_id: str) -> list[PeriodRow]:
    rows = session.execute(select(store.period).where(store.period.c.school_id == school_id)
                           .order_by(store.period.c.start_date, store.period.c.end_date)).all()
    return [period_row(row) for row in rows]


def previous_period(session: Session, period: PeriodRow) -> PeriodRow | None:
    earlier = [p for p in school_periods(session, period.school_id) if p.kind == period.kind and p.end < period.start]
    return earlier[-1] if earlier else None


@dataclass(frozen=True)
class StudentRow:
    id: str
    class_id: str
    class_name: str
    last_name: str
    first_name: str
    middle_name: str
    status: str

    @property
    def short_name(self) -> str:
        return short_name(self.last_name, self.first_name, self.middle_name)


def short_name(last_name: str, first_name: str, middle_name: str) -> str:
    """«Кравцова О.П.»: the last name and the initials."""
    initials = "".join(f"{part[0]}." for part in (first_name, middle_name) if part)
    return f"{last_name} {initials}".strip()


def staff_names(session: Session, school_id: str) -> dict[str, str]:
    """The short names of the school's staff (and former staff) that auth has announced, by person id."""
    s = store.staff
    return {row.person_id: short_name(row.last_name, row.first_name, row.middle_name)
            for row in session.execute(select(s.c.person_id, s.c.last_name, s.c.first_name, s.c.middle_name)
                                       .where(s.c.school_id == school_id)) if row.last_name or row.first_name}


def teacher_name(names: dict[str, str], teacher_id: str) -> str:
    """The teacher's short name, else their id (a teacher auth has not announced yet)."""
    return names.get(teacher_id) or teacher_id


def student_row(row) -> StudentRow:
    return StudentRow(row.student_id, row.class_id, row.class_name, row.last_name, row.first_name, row.middle_name,
                      row.status)


def find_student(session: Session, student_id: str) -> StudentRow | None:
    row = session.execute(select(store.student).where(store.student.c.student_id == student_id)).first()
    return student_row(row) if row else None


def student_school(session: Session, student_id: str) -> str | None:
    return session.scalar(select(store.student.c.school_id).where(store.student.c.student_id == student_id))


def guardians_of(session: Session, student_id: str) -> set[str]:
    return set(session.scalars(select(store.guardianship.c.guardian_id)
                               .where(store.guardianship.c.student_id == student_id)))


def class_row(session: Session, class_id: str):
    return session.execute(select(store.school_class).where(store.school_class.c.class_id == class_id)).first()


@dataclass(frozen=True)
class MarkRow:
    mark: Mark | None  # None for a value the rules do not read
    student_id: str
    class_id: str
    subject_id: str
    subject_name: str
    teacher_id: str
    lesson_id: str
    day: dt.date
    value: str
    work_type: str
    change_time: dt.datetime


def mark_of_row(row) -> Mark | None:
    """The rules' Mark of an rm_mark row; None for a value the rules do not read (shown, not counted)."""
    # A work type these rules do not know still counts, with the weight the event carries.
    work_type = row.work_type if row.work_type in WorkType.__members__.values() else WorkType.ORAL
    try:
        return Mark(value=row.value, work_type=work_type, date=row.lesson_date,
                    weight=Decimal(row.weight) if row.weight else None, id=row.mark_id)
    except Exception:  # noqa: BLE001 - an event with a value these rules do not know is shown, not counted
        return None


@dataclass
class SchoolData:
    """One school's read model over one span of days."""

    school_id: str
    span: Span
    classes: dict[str, object] = field(default_factory=dict)  # class_id -> rm_class row
    students: dict[str, StudentRow] = field(default_factory=dict)
    subjects: dict[str, str] = field(default_factory=dict)  # subject_id -> name
    marks: list[MarkRow] = field(default_factory=list)
    final_marks: dict[tuple[str, str], object] = field(default_factory=dict)  # (student, subject) -> row
    absences: list[tuple[AbsenceFact, object]] = field(default_factory=list)
    lessons: list = field(default_factory=list)
    teachers: dict[tuple[str, str], str] = field(default_factory=dict)  # (class, subject) -> teacher
    # (student, subject) -> the sums of their marks, when loaded by `load_results` instead of `marks`
    mark_sums: dict[tuple[str, str], MarkSums] | None = None

    def marks_of(self, student_id: str, subject_id: str) -> list[Mark]:
        return [row.mark for row in self.marks_by_pair.get((student_id, subject_id), ()) if row.mark is not None]

    @property
    def marks_by_pair(self) -> dict[tuple[str, str], list[MarkRow]]:
        cached = getattr(self, "_pairs", None)
        if cached is None:
            cached = defaultdict(list)
            for row in self.marks:
                cached[(row.student_id, row.subject_id)].append(row)
            self._pairs = cached
        return cached


def _classes_and_students(session: Session, data: SchoolData, class_ids: set[str] | None) -> None:
    school_id = data.school_id
    classes = select(store.school_class).where(store.school_class.c.school_id == school_id)
    for row in session.execute(classes.order_by(store.school_class.c.grade, store.school_class.c.name)):
        if class_ids is None or row.class_id in class_ids:
            data.classes[row.class_id] = row
    students = select(store.student).where(store.student.c.school_id == school_id,
                                           store.student.c.status != "departed")
    for row in session.execute(students.order_by(store.student.c.last_name, store.student.c.first_name)):
        if row.class_id in data.classes:
            data.students[row.student_id] = student_row(row)


def _final_marks(session: Session, data: SchoolData) -> None:
    if data.span.period_id:
        f = store.final_mark
        for row in session.execute(select(f.c.student_id, f.c.subject_id, f.c.class_id, f.c.subject_name,
                                          f.c.teacher_id, f.c.value)
                                   .where(f.c.school_id == data.school_id, f.c.period_id == data.span.period_id,
                                          f.c.class_id.in_(list(data.classes)))).all():
            student_id, subject_id, class_id, subject_name, teacher_id, _ = row
            data.final_marks[(student_id, subject_id)] = row
            if subject_id not in data.subjects:
                data.subjects[subject_id] = subject_name
            if teacher_id and (class_id, subject_id) not in data.teachers:
                data.teachers[(class_id, subject_id)] = teacher_id


def _absences(session: Session, data: SchoolData) -> None:
    a, span = store.absence, data.span
    for row in session.execute(select(a).where(
            a.c.school_id == data.school_id, a.c.class_id.in_(list(data.classes)), a.c.kind != "",
            a.c.lesson_date >= span.start, a.c.lesson_date <= span.end)):
        data.absences.append((AbsenceFact(row.student_id, row.lesson_date, row.kind), row))


def _without_final_mark(m, span: Span) -> list:
    """Over a study period, a pair with its final mark needs no marks: the final mark counts (R1)."""
    if not span.period_id:
        return []
    f = store.final_mark
    return [~exists(select(f.c.final_mark_id).where(f.c.student_id == m.c.student_id, f.c.subject_id == m.c.subject_id,
                                                    f.c.period_id == span.period_id))]


def _note_pair(data: SchoolData, student_id: str, subject_id: str, sums: MarkSums, subject_name: str,
               class_id: str, teacher_id: str) -> None:
    pair = (student_id, subject_id)
    data.mark_sums[pair] = data.mark_sums[pair] + sums if pair in data.mark_sums else sums
    data.subjects.setdefault(subject_id, subject_name)
    if teacher_id:
        data.teachers.setdefault((class_id, subject_id), teacher_id)


def _period_sums(session: Session, data: SchoolData, in_classes: list[str]) -> None:
    """A study period's marks from their totals per student, subject and class (kept by the mark handlers)."""
    t = store.mark_total
    rows = session.execute(
        select(t.c.student_id, t.c.subject_id, t.c.class_id, t.c.subject_name, t.c.teacher_id, t.c.weighted_sum,
               t.c.weight_sum, t.c.passes, t.c.fails)
        .where(t.c.period_id == data.span.period_id, t.c.school_id == data.school_id, t.c.class_id.in_(in_classes),
               *_without_final_mark(t, data.span))).all()
    _note_totals(data, rows, {})


def _note_totals(data: SchoolData, rows, made: dict[tuple, MarkSums]) -> None:
    """`_note_pair` of each mark total row (student, subject, class, subject name, teacher, Σ value × weight,
    Σ weight, зачёт, незачёт): rows with the same sums share one MarkSums (`made`, by the row's text)."""
    sums, subjects, teachers = data.mark_sums, data.subjects, data.teachers
    for student_id, subject_id, class_id, subject_name, teacher_id, weighted, weight, passes, fails in rows:
        key = (weighted, weight, passes, fails)
        value = made.get(key)
        if value is None:
            value = made[key] = MarkSums(Decimal(weighted), Decimal(weight), passes, fails)
        pair = (student_id, subject_id)
        earlier = sums.get(pair)
        sums[pair] = value if earlier is None else earlier + value
        if subject_id not in subjects:
            subjects[subject_id] = subject_name
        if teacher_id and (class_id, subject_id) not in teachers:
            teachers[(class_id, subject_id)] = teacher_id


def _range_sums(session: Session, data: SchoolData, in_classes: list[str]) -> None:
    """A range of days' marks counted by value and weight (GROUP BY), then summed per student and subject."""
    m, span = store.mark, data.span
    # The work type matters only for a mark without its own weight (the school's weight of the type).
    work_type = case((m.c.weight == "", m.c.work_type), else_="")
    rows = session.execute(
        select(m.c.student_id, m.c.subject_id, m.c.value, m.c.weight, work_type.label("work_type"),
               func.count().label("n"), func.max(m.c.subject_name).label("subject_name"),
               func.max(m.c.class_id).label("class_id"), func.max(m.c.teacher_id).label("teacher_id"))
        .where(m.c.school_id == data.school_id, m.c.deleted.is_(False), m.c.class_id.in_(in_classes),
               m.c.lesson_date >= span.start, m.c.lesson_date <= span.end, *_without_final_mark(m, span))
        .group_by(m.c.student_id, m.c.subject_id, m.c.value, m.c.weight, work_type))
    for row in rows:
        _note_pair(data, row.student_id, row.subject_id,
                   r1_mark_sums([MarkGroup(row.value, row.weight, row.work_type, row.n)]), row.subject_name,
                   row.class_id, row.teacher_id)


def load_results(session: Session, school_id: str, span: Span, class_ids: set[str] | None = None, *,
                 absences: bool = False, names: bool = True) -> SchoolData:
    """What results need of a school in the span: each student's marks in a subject summed, not row by row
    (over a study period from the totals the handlers keep, over a range of days by GROUP BY).

    `names=False` reads only what counted marks need: no subject names, no teachers."""
    data = SchoolData(school_id, span)
    _classes_and_students(session, data, class_ids)
    in_classes = list(data.classes)
    data.mark_sums = {}
    if span.period_id:
        _period_sums(session, data, in_classes)
    else:
        _range_sums(session, data, in_classes)
    if names:
        les = store.lesson
        for row in session.execute(select(les.c.class_id, les.c.subject_id, les.c.subject_name, les.c.teacher_id,
                                          func.max(les.c.lesson_date).label("last"))
                                   .where(les.c.school_id == school_id, les.c.class_id.in_(in_classes),
                                          les.c.cancelled.is_(False), les.c.lesson_date >= span.start,
                                          les.c.lesson_date <= span.end)
                                   .group_by(les.c.class_id, les.c.subject_id, les.c.subject_name, les.c.teacher_id)
                                   .order_by("last")):
            data.subjects.setdefault(row.subject_id, row.subject_name)
            if row.teacher_id:
                data.teachers[(row.class_id, row.subject_id)] = row.teacher_id  # the latest lesson's teacher
        _final_marks(session, data)
    else:
        _final_values(session, data)
    if absences:
        _absences(session, data)
    return data


def _final_values(session: Session, data: SchoolData) -> None:
    """The period's final marks, their values only."""
    if data.span.period_id:
        f = store.final_mark
        for row in session.execute(select(f.c.student_id, f.c.subject_id, f.c.value).where(
                f.c.school_id == data.school_id, f.c.period_id == data.span.period_id,
                f.c.class_id.in_(list(data.classes)))).all():
            data.final_marks[(row[0], row[1])] = row


def load_period_results(session: Session, school_id: str, spans: Iterable[Span], class_ids: set[str] | None = None,
                        *, like: SchoolData | None = None) -> dict[str, SchoolData]:
    """`load_results(..., class_ids, names=False)` of several study periods of a school at once, by period id.

    The classes and students are read once (or taken from `like`, the same school's data over another span read
    with the same `class_ids`), the periods' mark totals without a final mark in one query and their final marks in
    another: the same data as one `load_results` per period, in fewer round trips. Spans that are not study periods
    are left out."""
    if like is None:
        like = SchoolData(school_id, Span(dt.date.min, dt.date.min, ""))
        _classes_and_students(session, like, class_ids)
    found: dict[str, SchoolData] = {}
    for span in spans:
        if span.period_id and span.period_id not in found:
            found[span.period_id] = SchoolData(school_id, span, classes=like.classes, students=like.students,
                                               mark_sums={})
    if not found:
        return found
    in_classes, periods = list(like.classes), list(found)
    t, f = store.mark_total, store.final_mark
    # The periods' final marks read once, then looked up by hash (PostgreSQL: a materialized CTE): probing the
    # final marks' index once per total row took twice as long for three closed quarters of 12,000 pairs each.
    finals = (select(f.c.period_id, f.c.student_id, f.c.subject_id).where(f.c.period_id.in_(periods))
              .cte("period_finals").prefix_with("MATERIALIZED", dialect="postgresql"))
    without_final = ~exists(select(finals.c.student_id).where(
        finals.c.student_id == t.c.student_id, finals.c.subject_id == t.c.subject_id,
        finals.c.period_id == t.c.period_id))
    rows = session.execute(select(t.c.period_id, t.c.student_id, t.c.subject_id, t.c.class_id, t.c.subject_name,
                                  t.c.teacher_id, t.c.weighted_sum, t.c.weight_sum, t.c.passes, t.c.fails)
                           .where(t.c.period_id.in_(periods), t.c.school_id == school_id,
                                  t.c.class_id.in_(in_classes), without_final)).all()
    made: dict[tuple, MarkSums] = {}
    by_period: dict[str, list] = defaultdict(list)
    for row in rows:
        by_period[row[0]].append(row[1:])
    for period_id, its_rows in by_period.items():
        _note_totals(found[period_id], its_rows, made)
    for row in session.execute(select(f.c.student_id, f.c.subject_id, f.c.value, f.c.period_id).where(
            f.c.school_id == school_id, f.c.period_id.in_(periods), f.c.class_id.in_(in_classes))).all():
        found[row[3]].final_marks[(row[0], row[1])] = row
    return found


def load_school(session: Session, school_id: str, span: Span, class_ids: set[str] | None = None) -> SchoolData:
    """Everything of a school in the span, row by row; only `class_ids` when given."""
    data = SchoolData(school_id, span)
    _classes_and_students(session, data, class_ids)
    in_classes = list(data.classes)
    m = store.mark
    for row in session.execute(select(m).where(
            m.c.school_id == school_id, m.c.deleted.is_(False), m.c.class_id.in_(in_classes),
            m.c.lesson_date >= span.start, m.c.lesson_date <= span.end).order_by(m.c.lesson_date, m.c.mark_id)):
        data.marks.append(MarkRow(mark_of_row(row), row.student_id, row.class_id, row.subject_id, row.subject_name,
                                  row.teacher_id, row.lesson_id, row.lesson_date, row.value, row.work_type,
                                  row.change_time))
        data.subjects.setdefault(row.subject_id, row.subject_name)
        if row.teacher_id:
            data.teachers.setdefault((row.class_id, row.subject_id), row.teacher_id)
    les = store.lesson
    for row in session.execute(select(les).where(
            les.c.school_id == school_id, les.c.class_id.in_(in_classes), les.c.cancelled.is_(False),
            les.c.lesson_date >= span.start, les.c.lesson_date <= span.end)
            .order_by(les.c.lesson_date, les.c.slot, les.c.lesson_id)):
        data.lessons.append(row)
        data.subjects.setdefault(row.subject_id, row.subject_name)
        if row.teacher_id:
            data.teachers[(row.class_id, row.subject_id)] = row.teacher_id
    _final_marks(session, data)
    _absences(session, data)
    return data


def all_schools(session: Session) -> list[str]:
    summary = store.school_summary
    return list(session.scalars(select(summary.c.school_id).order_by(summary.c.name, summary.c.school_id)))
