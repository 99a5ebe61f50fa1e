"""J6 on a schedule: the alert rules run over what notify holds, once a day.

Alerts are raised as the journal's events arrive.  The daily sweep finds
what an event could not: the marks and absences of a student notify learnt
of later (their events had no one to tell), and the weeks whose unexcused
absences reach a threshold the school has since lowered.  An occurrence is
alerted once, whichever way finds it first: the sweep uses the event
handlers' occurrence keys, and a failing average already alerted for the
subject and period is not alerted again.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.common.database import Database
from services.notify import rules, store
from services.notify.events import (
    EventContext, absences_occurrence, average_occurrence, failing_average_details, falling_occurrence,
    mark_facts_of, marks_falling_details, raise_alert, school_threshold, student_views, unexcused_details,
)

RECENT_DAYS = 14  # the subjects a student had a mark in lately are the ones still being taught
CHUNK = 500


def _chunks(items: list, size: int = CHUNK) -> Iterator[list]:
    for begin in range(0, len(items), size):
        yield items[begin:begin + size]


def _already_failing(session: Session, student_id: str, subject_id: str, period_id: str) -> bool:
    prefix = average_occurrence(student_id, subject_id, period_id)
    table = store.alert
    return session.scalar(select(table.c.id).where(table.c.occurrence_key.startswith(prefix, autoescape=True))
                          .limit(1)) is not None


def recent_subjects(session: Session, today: dt.date) -> dict[tuple[str, str, str], str]:
    """(student, subject, period) → the subject's name, for the subjects with a mark in the last RECENT_DAYS days."""
    table = store.mark_fact
    return {(row.student_id, row.subject_id, row.period_id): row.subject_name for row in session.execute(
        select(table.c.student_id, table.c.subject_id, table.c.period_id, table.c.subject_name)
        .where(table.c.lesson_date >= today - dt.timedelta(days=RECENT_DAYS), table.c.lesson_date <= today)
        .distinct())}


def sweep_marks(session: Session, context: EventContext, subjects: dict[tuple[str, str, str], str]) -> int:
    """Failing averages and sharply falling marks in the given subjects of students."""
    raised = 0
    students = student_views(session, sorted({student_id for student_id, _, _ in subjects}))
    facts = mark_facts_of(session, set(subjects))
    for key, subject_name in subjects.items():
        student, marks = students.get(key[0]), facts[key].values()
        if student is None:
            continue
        average = rules.j6_current_average(marks)
        if average.failing and not _already_failing(session, *key):
            raised += raise_alert(session, context, student, "failing_average", subject_name,
                                  failing_average_details(subject_name, average.average),
                                  occurrence=f"{average_occurrence(*key)}sweep")
        if rules.j6_marks_falling(marks):
            raised += raise_alert(session, context, student, "marks_falling", subject_name,
                                  marks_falling_details(subject_name), occurrence=falling_occurrence(*key))
    return raised


def sweep_absences(session: Session, context: EventContext, today: dt.date) -> int:
    """The week's unexcused absences against each school's threshold as it is now."""
    monday, sunday = rules.week_of(today)
    table = store.absence_fact
    counts = session.execute(
        select(table.c.student_id, table.c.school_id, func.count().label("count"))
        .where(table.c.kind == "unexcused", table.c.lesson_date >= monday, table.c.lesson_date <= sunday)
        .group_by(table.c.student_id, table.c.school_id)).all()
    thresholds = {school_id: school_threshold(session, school_id) for school_id in {row.school_id for row in counts}}
    reached = [row for row in counts if rules.j6_unexcused_alert(row.count, thresholds[row.school_id])]
    students = student_views(session, [row.student_id for row in reached])
    raised = 0
    for row in reached:
        if row.student_id in students:
            raised += raise_alert(session, context, students[row.student_id], "unexcused_absences", "",
                                  unexcused_details(row.count, monday),
                                  occurrence=absences_occurrence(row.student_id, monday))
    return raised


def sweep_alerts(database: Database, context: EventContext, today: dt.date) -> int:
    """J6: run the alert rules over what notify holds; returns how many alerts were new.

    A transaction for each CHUNK of subjects, so a district's sweep never holds the database for long."""
    with database.session() as session:
        subjects = recent_subjects(session, today)
    raised = 0
    for keys in _chunks(sorted(subjects)):
        with database.transaction() as session:
            raised += sweep_marks(session, context, {key: subjects[key] for key in keys})
    with database.transaction() as session:
        return raised + sweep_absences(session, context, today)
