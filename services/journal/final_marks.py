"""Final marks as the store holds them: suggestions with their basis, and setting a mark (M1–M4, G2, J8).

The rules decide (rules.attestation, rules.final_marks, rules.deadlines,
rules.change_log); this module reads what they need and writes the result,
its history record and its event in the caller's transaction.
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from ezh.journal.v1 import events_pb2, journal_pb2
from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.common import outbox
from services.common.clock import as_utc
from services.common.errors import AlreadyExists, InvalidArgument, NotFound
from services.common.events import new_event
from services.journal import entries, locks, rules, store
from services.journal.change_history import ChangeWriter

FINAL_MARK_SET = "ezh.journal.final_mark.set.v1"
YEAR_KINDS = frozenset({rules.FinalMarkKind.YEAR, rules.FinalMarkKind.EXAM, rules.FinalMarkKind.FINAL})
_SCHEMES = {rules.PeriodKind.QUARTER: rules.PeriodScheme.QUARTERS,
            rules.PeriodKind.TRIMESTER: rules.PeriodScheme.TRIMESTERS,
            rules.PeriodKind.HALF_YEAR: rules.PeriodScheme.HALF_YEARS}


# ------------------------------------------------------------------ values

def value_text(value: rules.FinalMarkValue) -> str:
    return str(value) if isinstance(value, int) else value.value


def value_title(text: str) -> str:
    for kind in (rules.PassFail, rules.SpecialFinalValue):
        try:
            return kind(text).title
        except ValueError:
            continue
    return text


def stored_value(text: str) -> rules.FinalMarkValue:
    for kind in (rules.PassFail, rules.SpecialFinalValue):
        try:
            return kind(text)
        except ValueError:
            continue
    return int(text)


def final_mark_message(row) -> journal_pb2.FinalMark:
    return journal_pb2.FinalMark(
        id=row.id, student_id=row.student_id, class_id=row.class_id, subject_id=row.subject_id,
        period_id=row.period_id, kind=row.kind, value=row.value, value_title=value_title(row.value),
        teacher_id=row.teacher_id, exception_id=row.exception_id or "", update_time=row.update_time.isoformat(),
    )


def final_mark_kind(period_row, raw: str) -> rules.FinalMarkKind:
    """The kind asked for, checked against the period: a quarter's mark on a quarter, year marks on the year."""
    text = raw.strip() or ("year" if period_row.kind == "year" else period_row.kind)
    try:
        kind = rules.FinalMarkKind(text)
    except ValueError:
        raise InvalidArgument("kind", f"Неизвестный вид итоговой отметки: «{raw}»") from None
    if kind in YEAR_KINDS:
        if period_row.kind != "year":
            raise InvalidArgument("period_id", "Годовая, экзаменационная и итоговая отметки ставятся за учебный год")
    elif kind.value != period_row.kind:
        raise InvalidArgument("kind", "Вид итоговой отметки не совпадает с видом периода")
    return kind


def period_rule(row) -> rules.Period:
    return entries.period_rule(row)


# ------------------------------------------------------------------ suggestions

@dataclass
class Suggestion:
    """What the teacher sees before setting a mark, and what decides whether a value may be set."""

    value: rules.FinalMarkValue | None
    explanation: str
    unmet: tuple[rules.Reason, ...]
    allows: Callable[[rules.FinalMarkValue], rules.Verdict]
    basis: rules.MarkBasis | None = None
    average: Decimal | None = None


@dataclass
class ClassSuggestions:
    rule: str
    by_student: dict[str, Suggestion] = field(default_factory=dict)


def _decimal_text(value: Decimal | None) -> str:
    return "" if value is None else format(value.normalize() if value == value.to_integral() else value, "f")


def _period_suggestions(session: Session, class_id: str, subject, period_row, students: Sequence[str],
                        today: dt.date, policy: rules.MarkPolicy) -> ClassSuggestions:
    lesson, mark, absence = store.lesson, store.mark, store.absence
    in_period = and_(lesson.c.class_id == class_id, lesson.c.subject_id == subject.id,
                     lesson.c.date >= period_row.start_date, lesson.c.date <= period_row.end_date)
    lessons = session.execute(select(lesson.c.id, lesson.c.date, lesson.c.cancelled).where(in_period)).all()
    dates = {row.id: row.date for row in lessons}
    held = sum(1 for row in lessons if row.date <= today and not row.cancelled)
    ids = select(lesson.c.id).where(in_period)
    marks: dict[str, list[rules.Mark]] = {student: [] for student in students}
    for row in session.execute(select(mark).where(mark.c.lesson_id.in_(ids), mark.c.student_id.in_(students))):
        marks[row.student_id].append(entries.mark_rule(row, dates[row.lesson_id]))
    missed: dict[str, list[rules.Absence]] = {student: [] for student in students}
    for row in session.execute(select(absence).where(absence.c.lesson_id.in_(ids),
                                                     absence.c.student_id.in_(students))):
        missed[row.student_id].append(rules.Absence(student_id=row.student_id, lesson_date=dates[row.lesson_id],
                                                    kind=row.kind, lesson_id=row.lesson_id))
    scale = rules.MarkScale.PASS_FAIL if subject.pass_fail else rules.MarkScale.FIVE_POINT
    result = ClassSuggestions(rules.PASS_FAIL_RULE if subject.pass_fail else policy.rounding.describe())
    for student in students:
        found = rules.suggest_period_mark(marks[student], policy, scale=scale, absences=missed[student],
                                          lessons_held=held)
        result.by_student[student] = Suggestion(found.value, found.explanation, found.unmet, found.allows,
                                                found.basis, found.average)
    return result


def _year_suggestions(session: Session, subject, period_row, kind: rules.FinalMarkKind, students: Sequence[str],
                      policy: rules.MarkPolicy) -> ClassSuggestions:
    final, period = store.final_mark, store.study_period
    rows = session.execute(
        select(final.c.student_id, final.c.kind, final.c.value, period.c.kind.label("period_kind"),
               period.c.number)
        .join(period, period.c.id == final.c.period_id)
        .where(period.c.academic_year_id == period_row.academic_year_id, final.c.subject_id == subject.id,
               final.c.student_id.in_(students))
    ).all()
    kinds = set(session.scalars(select(period.c.kind).where(
        period.c.academic_year_id == period_row.academic_year_id, period.c.kind != "year")))
    scheme = next((_SCHEMES[rules.PeriodKind(kind)] for kind in ("quarter", "trimester", "half_year")
                   if kind in kinds), rules.PeriodScheme.QUARTERS)
    result = ClassSuggestions(rules.PASS_FAIL_RULE if subject.pass_fail else policy.rounding.describe())
    for student in students:
        own = [row for row in rows if row.student_id == student]
        if kind is rules.FinalMarkKind.YEAR:
            by_number = {row.number: stored_value(row.value) for row in own
                         if row.kind == scheme.period_kind.value and row.period_kind == row.kind}
            found = rules.suggest_year_mark(by_number, scheme, policy.rounding)
        elif kind is rules.FinalMarkKind.FINAL:
            year = next((stored_value(row.value) for row in own if row.kind == "year"), None)
            exam = next((stored_value(row.value) for row in own if row.kind == "exam"), None)
            found = rules.suggest_overall_mark(year, exam, policy.rounding)
        else:
            result.by_student[student] = Suggestion(
                None, "Экзаменационная отметка ставится по результату экзамена", (), lambda value: rules.ALLOWED)
            continue
        result.by_student[student] = Suggestion(found.value, found.explanation, found.problems, found.allows,
                                                average=found.average)
    return result


def suggestions(session: Session, class_id: str, subject, period_row, kind: rules.FinalMarkKind,
                students: Sequence[str], today: dt.date,
                policy: rules.MarkPolicy | None = None) -> ClassSuggestions:
    """The suggestions for `students`, by the school's weights unless `policy` says otherwise."""
    policy = policy or rules.MarkPolicy(weights=entries.school_weights(session, subject.school_id))
    if kind in YEAR_KINDS:
        return _year_suggestions(session, subject, period_row, kind, students, policy)
    return _period_suggestions(session, class_id, subject, period_row, students, today, policy)


def suggestion_message(student, found: Suggestion, current) -> journal_pb2.FinalMarkSuggestion:
    message = journal_pb2.FinalMarkSuggestion(
        student_id=student.id, last_name=student.last_name, first_name=student.first_name,
        middle_name=student.middle_name or "",
        suggested_value=value_text(found.value) if found.value is not None else "",
        explanation=found.explanation, weighted_average=_decimal_text(found.average),
        unmet=[journal_pb2.Requirement(code=reason.code, message=reason.message) for reason in found.unmet],
        can_set_mark=not found.unmet,
    )
    basis = found.basis
    if basis is not None:
        message.weighted_sum = _decimal_text(basis.weighted_sum)
        message.weight_total = _decimal_text(basis.weight_total)
        weighted = [(item.mark, entries.weight_text(item.weight)) for item in basis.averaged]
        weighted += [(mark, "") for mark in basis.pass_fail]
        for mark, weight in sorted(weighted, key=lambda pair: (pair[0].date, pair[0].id)):
            message.marks.append(journal_pb2.BasisMark(
                mark_id=mark.id, date=mark.date.isoformat(), value=entries.mark_text(mark.value),
                work_type=mark.work_type.value, work_type_title=mark.work_type.title, weight=weight,
            ))
        counts = basis.attendance
        if counts is not None:
            message.attendance.CopyFrom(journal_pb2.AttendanceSummary(
                unexcused=counts.unexcused, excused=counts.count(rules.AbsenceKind.EXCUSED),
                ill=counts.count(rules.AbsenceKind.ILL), late=counts.late, missed=counts.missed,
                lessons_held=counts.lessons_held or 0,
            ))
    if current is not None:
        message.current.CopyFrom(final_mark_message(current))
    return message


# ------------------------------------------------------------------ setting

def class_in_period(session: Session, student_id: str, period_row) -> str | None:
    """The student's class during the period (the latest enrolment overlapping it)."""
    enrollment = store.enrollment
    row = session.execute(
        select(enrollment.c.class_id).where(
            enrollment.c.student_id == student_id, enrollment.c.start_date <= period_row.end_date,
            (enrollment.c.end_date.is_(None)) | (enrollment.c.end_date >= period_row.start_date),
        ).order_by(enrollment.c.start_date.desc())
    ).first()
    return row.class_id if row is not None else None


def deadline_decision(session: Session, period_row, class_id: str, subject_id: str,
                      today: dt.date) -> rules.EntryDecision:
    """M3: the deadline of the period, or the exception that lets a late mark in."""
    period = period_rule(period_row)
    decision = rules.final_mark_entry_allowed(today, period)
    if decision.allowed or "FINAL_MARK_DEADLINE_PASSED" not in decision.codes:
        return decision
    row = locks.applicable_exception(session, period_row.id, class_id, subject_id, today)
    if row is None:
        return decision
    return rules.final_mark_entry_allowed(today, period, locks.exception_rule(row))


def _state(row_value: str, kind: str, period_id: str, subject_id: str, exception_id: str | None) -> dict:
    state = {"value": row_value, "kind": kind, "period_id": period_id, "subject_id": subject_id}
    if exception_id:
        state["exception_id"] = exception_id
    return state


@dataclass(frozen=True)
class FinalMarkTarget:
    school_id: str
    student_id: str
    class_id: str
    subject: object
    period: object
    kind: rules.FinalMarkKind


def set_final_mark(session: Session, target: FinalMarkTarget, value: rules.FinalMarkValue, *, actor_id: str,
                   now: dt.datetime, reason: str) -> tuple[object, bool]:
    """Check M3, M2 and J8, then write the mark, its history record and its event; (row, changed)."""
    final = store.final_mark
    today = entries.school_today(now)
    decision = deadline_decision(session, target.period, target.class_id, target.subject.id, today)
    decision.raise_if_refused()
    found = suggestions(session, target.class_id, target.subject, target.period, target.kind,
                        [target.student_id], today).by_student[target.student_id]
    found.allows(value).raise_if_refused()
    text = value_text(value)
    where = and_(final.c.student_id == target.student_id, final.c.subject_id == target.subject.id,
                 final.c.period_id == target.period.id, final.c.kind == target.kind.value)
    before = session.execute(select(final).where(where)).first()
    if before is not None and before.value == text:
        return before, False
    if before is not None:
        rules.change_allowed(as_utc(before.create_time), now, reason).raise_if_refused()
    exception_id = decision.exception.id if decision.late else None
    if before is None:
        mark_id = str(uuid.uuid4())
        try:
            with session.begin_nested():
                session.execute(final.insert().values(
                    id=mark_id, school_id=target.school_id, student_id=target.student_id,
                    class_id=target.class_id, subject_id=target.subject.id, period_id=target.period.id,
                    kind=target.kind.value, value=text, teacher_id=actor_id, exception_id=exception_id,
                    create_time=now, update_time=now,
                ))
        except IntegrityError:
            raise AlreadyExists("Эту итоговую отметку только что выставил другой запрос: обновите страницу",
                                reason="FINAL_MARK_EXISTS", field="value") from None
    else:
        mark_id = before.id
        session.execute(final.update().where(final.c.id == mark_id).values(
            value=text, class_id=target.class_id, teacher_id=actor_id, exception_id=exception_id, update_time=now,
        ))
    writer = ChangeWriter(session, target.school_id, actor_id, now, reason)
    writer.append(
        rules.ChangeEntity.FINAL_MARK, mark_id,
        rules.ChangeAction.CREATED if before is None else rules.ChangeAction.UPDATED,
        _state(before.value, before.kind, before.period_id, before.subject_id, before.exception_id)
        if before is not None else None,
        _state(text, target.kind.value, target.period.id, target.subject.id, exception_id),
        student_id=target.student_id,
    )
    writer.finish()
    row = session.execute(select(final).where(final.c.id == mark_id)).one()
    outbox.record(session, store.outbox, new_event(
        FINAL_MARK_SET, "journal", f"final-marks/{mark_id}", target.school_id,
        events_pb2.FinalMarkSet(
            final_mark=events_pb2.FinalMarkData(
                final_mark_id=mark_id, school_id=target.school_id, class_id=target.class_id,
                subject_id=target.subject.id, subject_name=target.subject.name, student_id=target.student_id,
                period_id=target.period.id if target.kind in rules.ATTESTATION_PERIOD_KINDS
                or target.kind is rules.FinalMarkKind.YEAR else "",
                kind=target.kind.value, value=text, teacher_id=actor_id,
            ),
            previous_value=before.value if before is not None else "", actor_id=actor_id, reason=reason,
            exception_id=exception_id or "",
        ),
    ))
    return row, True


def not_found_final_mark() -> NotFound:
    return NotFound("Итоговая отметка не найдена", reason="FINAL_MARK_NOT_FOUND", field="final_mark_id")
