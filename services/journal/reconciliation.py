"""The class teacher's week (J5, 4.3.1, 4.3.8) and overview of the class's marks (J6, 4.3.2).

The week: missed lessons per student by kind (rules.weekly_missed_lessons),
the class teacher's documents (illness notes) and the lessons where they and
the subject teachers' records differ (rules.class_teacher_view,
rules.reconcile_week). Reconciling the week changes the subject teachers'
missed-lesson marks the documents cover (н → б), each change in the change
history with the document as its reason and an absence.recorded event, and
records the reconciliation; what it cannot settle (a student the subject
teacher saw at the lesson) is returned as unresolved.
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict

from ezh.journal.v1 import events_pb2, records_pb2
from sqlalchemy import and_, desc, select
from sqlalchemy.orm import Session

from services.common import outbox
from services.common.clock import as_utc
from services.common.errors import InvalidArgument, NotFound
from services.common.events import new_event
from services.journal import entries, rules, store
from services.journal.change_history import ChangeWriter
from services.journal.homework import parse_date
from services.journal.record_access import (
    check_class_keeper, check_class_reader, class_not_found, class_row, enrolled_in_class_on, full_name,
    students_enrolled_between,
)
from services.journal.rules.absence_notes import (
    AbsenceNote, LessonSlot, absence_note, class_teacher_view, resolvable,
)

MAX_DOCUMENT = 300


def _class(session: Session, class_id: str):
    row = class_row(session, class_id)
    if row is None:
        raise class_not_found()
    return row


def _week(text: str) -> rules.Week:
    day = parse_date("week", text)
    if day is None:
        raise InvalidArgument("week", "Поле «week» не заполнено: понедельник недели в формате ГГГГ-ММ-ДД")
    return rules.Week(day)


def _note_message(row) -> records_pb2.AbsenceNote:
    return records_pb2.AbsenceNote(id=row.id, student_id=row.student_id, first_date=row.first_date.isoformat(),
                                   last_date=row.last_date.isoformat(), kind=row.kind, document=row.document,
                                   recorded_by=row.recorded_by)


def record_note(session: Session, identity, request, now: dt.datetime):
    school_class = _class(session, request.class_id)
    check_class_keeper(identity, school_class, class_teacher_only=True)
    first, last = parse_date("first_date", request.first_date), parse_date("last_date", request.last_date)
    if first is None:
        raise InvalidArgument("first_date", "Поле «first_date» не заполнено")
    last = last or first
    note = absence_note(request.student_id, first, last, request.kind)
    document = " ".join(request.document.split())
    if not document:
        raise InvalidArgument("document", "Укажите документ: справка, заявление родителей…")
    if len(document) > MAX_DOCUMENT:
        raise InvalidArgument("document", f"Документ — не длиннее {MAX_DOCUMENT} символов")
    if not enrolled_in_class_on(session, [request.student_id], school_class.id, last) and \
            not enrolled_in_class_on(session, [request.student_id], school_class.id, first):
        raise InvalidArgument("student_id", "Ученик не числится в этом классе в эти дни")
    note_id = str(uuid.uuid4())
    session.execute(store.absence_note.insert().values(
        id=note_id, school_id=school_class.school_id, class_id=school_class.id, student_id=note.student_id,
        first_date=note.first, last_date=note.last, kind=note.kind.value, document=document,
        recorded_by=identity.person_id, create_time=now))
    return _note_message(session.execute(select(store.absence_note).where(store.absence_note.c.id == note_id)).one())


class WeekState:
    """What the database holds for a class's week."""

    def __init__(self, session: Session, school_class, week: rules.Week) -> None:
        lesson, absence = store.lesson, store.absence
        self.week = week
        self.lessons = session.execute(select(lesson).where(
            lesson.c.class_id == school_class.id, lesson.c.date >= week.monday, lesson.c.date <= week.sunday,
            lesson.c.cancelled.is_(False)).order_by(lesson.c.date, lesson.c.number)).all()
        self.by_id = {row.id: row for row in self.lessons}
        self.students = students_enrolled_between(session, school_class.id, week.monday, week.sunday)
        self.absence_rows = session.execute(select(absence).where(
            absence.c.lesson_id.in_(list(self.by_id)))).all() if self.lessons else []
        self.records = [rules.Absence(row.student_id, self.by_id[row.lesson_id].date, row.kind, row.lesson_id)
                        for row in self.absence_rows]
        self.note_rows = session.execute(select(store.absence_note).where(
            store.absence_note.c.class_id == school_class.id, store.absence_note.c.first_date <= week.sunday,
            store.absence_note.c.last_date >= week.monday).order_by(store.absence_note.c.first_date)).all()
        notes = [AbsenceNote(row.student_id, row.first_date, row.last_date, rules.AbsenceKind(row.kind))
                 for row in self.note_rows]
        enrolled = defaultdict(list)
        for row in session.execute(select(store.enrollment).where(
                entries.enrolled_on(school_class.id, week.monday, week.sunday))).all():
            enrolled[row.student_id].append(row)
        slots = [LessonSlot(row.id, row.date, student_id) for row in self.lessons
                 for student_id, spans in enrolled.items()
                 if any(span.start_date <= row.date and (span.end_date is None or span.end_date >= row.date)
                        for span in spans)]
        self.view = class_teacher_view(notes, slots, self.records)
        self.differences = rules.reconcile_week(self.view, self.records, week)

    def difference_message(self, difference: rules.AbsenceDifference) -> records_pb2.AttendanceDifference:
        return records_pb2.AttendanceDifference(
            student_id=difference.student_id, lesson_id=difference.lesson_id,
            lesson_date=difference.lesson_date.isoformat(), subject_id=self.by_id[difference.lesson_id].subject_id,
            class_teacher_kind=difference.class_teacher.value if difference.class_teacher else "",
            subject_teacher_kind=difference.subject_teacher.value if difference.subject_teacher else "",
            message=difference.message, resolvable=resolvable(difference),
        )


def _reconciliation_message(row) -> records_pb2.Reconciliation:
    return records_pb2.Reconciliation(
        id=row.id, week=row.week_monday.isoformat(), reconciled_by=row.reconciled_by,
        reconcile_time=as_utc(row.reconcile_time).isoformat(), changed_count=row.changed_count,
        unresolved_count=row.unresolved_count)


def weekly_attendance(session: Session, identity, class_id: str, week_text: str):
    school_class = _class(session, class_id)
    check_class_reader(identity, school_class)
    week = _week(week_text)
    state = WeekState(session, school_class, week)
    counts = rules.weekly_missed_lessons(state.records, week)
    students = []
    for row in state.students:
        count = counts.get(row.id) or rules.AttendanceCounts()
        students.append(records_pb2.StudentWeek(
            student_id=row.id, student_name=full_name(row), missed=count.missed, unexcused=count.unexcused,
            excused=count.count(rules.AbsenceKind.EXCUSED), ill=count.count(rules.AbsenceKind.ILL), late=count.late))
    done = session.execute(select(store.attendance_reconciliation).where(
        store.attendance_reconciliation.c.class_id == class_id,
        store.attendance_reconciliation.c.week_monday == week.monday,
    ).order_by(desc(store.attendance_reconciliation.c.reconcile_time))).all()
    return records_pb2.GetWeeklyAttendanceResponse(
        class_id=class_id, week=week.monday.isoformat(), students=students,
        notes=[_note_message(row) for row in state.note_rows],
        differences=[state.difference_message(item) for item in state.differences],
        reconciliations=[_reconciliation_message(row) for row in done],
    )


def reconcile(session: Session, identity, class_id: str, week_text: str, now: dt.datetime, today: dt.date):
    school_class = _class(session, class_id)
    check_class_keeper(identity, school_class, class_teacher_only=True)
    week = _week(week_text)
    if week.monday > today:
        raise InvalidArgument("week", "Сверять можно только начавшуюся неделю")
    state = WeekState(session, school_class, week)
    to_change = [item for item in state.differences if resolvable(item)]
    unresolved = [item for item in state.differences if not resolvable(item)]
    for item in to_change:
        entries.entry_allowed(session, state.by_id[item.lesson_id], today)
    rows = {(row.student_id, row.lesson_id): row for row in state.absence_rows}
    subjects = dict(session.execute(select(store.subject.c.id, store.subject.c.name).where(
        store.subject.c.school_id == school_class.school_id)).all())
    writers: dict[str, ChangeWriter] = {}
    for item in to_change:
        row = rows[(item.student_id, item.lesson_id)]
        lesson = state.by_id[item.lesson_id]
        note = next(note for note in state.note_rows
                    if note.student_id == item.student_id and note.first_date <= lesson.date <= note.last_date)
        reason = f"Сверка пропусков за неделю с {week.monday:%d.%m.%Y}: {note.document}"
        writer = writers.get(reason)
        if writer is None:
            writer = writers[reason] = ChangeWriter(session, school_class.school_id, identity.person_id, now, reason)
        kind = item.class_teacher.value
        session.execute(store.absence.update().where(store.absence.c.id == row.id).values(kind=kind, update_time=now))
        writer.append(rules.ChangeEntity.ABSENCE, row.id, rules.ChangeAction.UPDATED, {"kind": row.kind},
                      {"kind": kind}, lesson_id=lesson.id, student_id=item.student_id)
        period = entries.period_of_day(session, school_class.school_id, lesson.date)
        outbox.record(session, store.outbox, new_event(
            "ezh.journal.absence.recorded.v1", "journal", f"lessons/{lesson.id}/absences/{item.student_id}",
            school_class.school_id, events_pb2.AbsenceRecorded(
                school_id=school_class.school_id, class_id=school_class.id, subject_id=lesson.subject_id,
                lesson_id=lesson.id, lesson_date=lesson.date.isoformat(), student_id=item.student_id, kind=kind,
                previous_kind=row.kind, actor_id=identity.person_id, subject_name=subjects.get(lesson.subject_id, ""),
                teacher_id=lesson.teacher_id, period_id=period.id if period else "")))
    for writer in writers.values():
        writer.finish()
    reconciliation_id = str(uuid.uuid4())
    session.execute(store.attendance_reconciliation.insert().values(
        id=reconciliation_id, school_id=school_class.school_id, class_id=school_class.id, week_monday=week.monday,
        reconciled_by=identity.person_id, reconcile_time=now, changed_count=len(to_change),
        unresolved_count=len(unresolved)))
    row = session.execute(select(store.attendance_reconciliation).where(
        store.attendance_reconciliation.c.id == reconciliation_id)).one()
    return records_pb2.ReconcileWeekResponse(
        reconciliation=_reconciliation_message(row),
        unresolved=[state.difference_message(item) for item in unresolved])


def marks_overview(session: Session, identity, class_id: str, period_id: str, today: dt.date):
    """J6: every subject's marks of the class in the period, with weighted averages; read-only."""
    school_class = _class(session, class_id)
    check_class_reader(identity, school_class)
    period = session.execute(select(store.study_period).where(
        store.study_period.c.id == period_id, store.study_period.c.school_id == school_class.school_id)).first()
    if period is None:
        raise NotFound("Период не найден", reason="PERIOD_NOT_FOUND", field="period_id")
    lesson, mark, absence = store.lesson, store.mark, store.absence
    in_period = and_(lesson.c.class_id == class_id, lesson.c.date >= period.start_date,
                     lesson.c.date <= period.end_date)
    lessons = session.execute(select(lesson).where(in_period).order_by(lesson.c.date, lesson.c.number)).all()
    ids = [row.id for row in lessons]
    marks = session.execute(select(mark).where(mark.c.lesson_id.in_(ids))).all() if ids else []
    absences = session.execute(select(absence).where(absence.c.lesson_id.in_(ids))).all() if ids else []
    students = students_enrolled_between(session, class_id, period.start_date, period.end_date)
    subjects = session.execute(select(store.subject).where(
        store.subject.c.id.in_({row.subject_id for row in lessons})).order_by(store.subject.c.name)).all()
    by_id = {row.id: row for row in lessons}
    order = {row.id: index for index, row in enumerate(lessons)}
    grouped: dict[tuple[str, str], list] = defaultdict(list)
    for row in sorted(marks, key=lambda row: (order[row.lesson_id], row.create_time, row.id)):
        grouped[(by_id[row.lesson_id].subject_id, row.student_id)].append(row)
    missed: dict[tuple[str, str], int] = defaultdict(int)
    for row in absences:
        if rules.AbsenceKind(row.kind) in rules.MISSED_KINDS:
            missed[(by_id[row.lesson_id].subject_id, row.student_id)] += 1
    held = defaultdict(int)
    teachers = defaultdict(set)
    for row in lessons:
        if not row.cancelled and row.date <= today:
            held[row.subject_id] += 1
        teachers[row.subject_id].add(row.teacher_id)
    overview = []
    for subject in subjects:
        rows = []
        for student in students:
            own = grouped.get((subject.id, student.id), [])
            average = rules.weighted_average(entries.mark_rule(item, by_id[item.lesson_id].date) for item in own)
            rows.append(records_pb2.SubjectStudentMarks(
                student_id=student.id, marks=[item.value for item in own],
                average="" if average is None else str(average), missed=missed.get((subject.id, student.id), 0)))
        overview.append(records_pb2.SubjectOverview(
            subject_id=subject.id, subject_name=subject.name, teacher_ids=sorted(teachers[subject.id]),
            lessons_held=held[subject.id], students=rows))
    return records_pb2.GetClassMarksOverviewResponse(
        class_id=class_id, period_id=period_id,
        students=[records_pb2.OverviewStudent(student_id=row.id, name=full_name(row)) for row in students],
        subjects=overview)
