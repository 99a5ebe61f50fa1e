"""The period lock and the deputy director's exceptions to it (M3), as the store holds them."""
from __future__ import annotations

import datetime as dt

from ezh.journal.v1 import journal_pb2
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from services.journal import rules, store


def exception_rule(row) -> rules.DeadlineException:
    return rules.DeadlineException(
        id=row.id, period_id=row.period_id, valid_from=row.valid_from, valid_until=row.valid_until,
        granted_by=row.granted_by, reason=row.reason,
    )


def exception_active(row, today: dt.date) -> bool:
    return row.close_time is None and row.valid_from <= today <= row.valid_until


def exception_message(row, today: dt.date) -> journal_pb2.PeriodException:
    return journal_pb2.PeriodException(
        id=row.id, school_id=row.school_id, period_id=row.period_id, class_id=row.class_id or "",
        subject_id=row.subject_id or "", valid_from=row.valid_from.isoformat(),
        valid_until=row.valid_until.isoformat(), reason=row.reason, granted_by=row.granted_by,
        grant_time=row.grant_time.isoformat(), closed=row.close_time is not None, closed_by=row.closed_by or "",
        close_time=row.close_time.isoformat() if row.close_time else "", active=exception_active(row, today),
    )


def applicable_exception(session: Session, period_id: str, class_id: str, subject_id: str, today: dt.date):
    """The open exception valid today for this period, class and subject (the narrowest), or None."""
    exception = store.period_exception
    rows = session.execute(select(exception).where(
        exception.c.period_id == period_id,
        exception.c.close_time.is_(None),
        exception.c.valid_from <= today,
        exception.c.valid_until >= today,
        or_(exception.c.class_id.is_(None), exception.c.class_id == class_id),
        or_(exception.c.subject_id.is_(None), exception.c.subject_id == subject_id),
    )).all()
    return max(rows, key=lambda row: (row.class_id is not None, row.subject_id is not None, row.valid_until,
                                      row.id), default=None)


def locked_lessons(session: Session, school_id: str, class_id: str, subject_id: str, lessons,
                   today: dt.date) -> set[str]:
    """M3: which of `lessons` (rows of one class and subject) take no marks or absences today, the
    deputy director's exceptions considered."""
    period = store.study_period
    periods = [entries_period(row) for row in session.execute(
        select(period).where(period.c.school_id == school_id)).all()]
    opened: dict[str, bool] = {}
    locked = set()
    for lesson in lessons:
        own = min((p for p in periods if lesson.date in p), key=lambda p: (p.end - p.start, p.id), default=None)
        if own is None or not rules.lesson_locked(lesson.date, today, own):
            continue
        if own.id not in opened:
            opened[own.id] = applicable_exception(session, own.id, class_id, subject_id, today) is not None
        if not opened[own.id]:
            locked.add(lesson.id)
    return locked


def entries_period(row) -> rules.Period:
    return rules.Period(id=row.id, kind=row.kind, number=row.number, start=row.start_date, end=row.end_date,
                        deadline_by_order=row.deadline_by_order)


def lesson_entry_decision(session: Session, lesson, period_row, today: dt.date) -> rules.EntryDecision:
    """M3 for a lesson's marks and absences, with the exception that opens a locked period."""
    period = entries_period(period_row)
    decision = rules.journal_entry_allowed(lesson.date, today, period)
    if decision.allowed or "PERIOD_LOCKED" not in decision.codes:
        return decision
    row = applicable_exception(session, period_row.id, lesson.class_id, lesson.subject_id, today)
    if row is None:
        return decision
    return rules.journal_entry_allowed(lesson.date, today, period, exception_rule(row))
