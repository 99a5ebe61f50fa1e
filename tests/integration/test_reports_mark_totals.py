"""R1: the sums of each student's marks per subject and period that reports read equal the marks themselves,
whatever the order the events arrive in (on PostgreSQL and SQLite)."""
from __future__ import annotations

import dataclasses
import datetime as dt
import random
import uuid

import pytest
from ezh.journal.v1 import events_pb2 as je
from sqlalchemy import delete, select

from services.common import events as envelope
from services.common.database import Database
from services.common.migrations import upgrade
from services.reports import mark_totals, queries, store
from services.reports.events import HANDLERS
from services.reports.progress_reports import counted_marks
from services.reports.rules.spans import Span

pytestmark = pytest.mark.integration

SCHOOL, CLASS, OTHER_CLASS, MATH = (str(uuid.uuid4()) for _ in range(4))
Q1, Q2 = str(uuid.uuid4()), str(uuid.uuid4())
STUDENTS = [str(uuid.uuid4()) for _ in range(4)]
START = dt.datetime(2026, 9, 1, tzinfo=dt.UTC)


@pytest.fixture(params=["postgresql", "sqlite"])
def database(request, tmp_path, postgres_database):
    url = postgres_database("reports") if request.param == "postgresql" else f"sqlite:///{tmp_path / 'r.sqlite'}"
    upgrade("reports", url)
    database = Database(url)
    yield database
    database.dispose()


def _event(kind: str, data, seconds: int) -> envelope.Event:
    event = envelope.new_event(f"ezh.journal.{kind}.v1", "journal", kind, SCHOOL, data)
    return dataclasses.replace(event, time=START + dt.timedelta(seconds=seconds))


def _period(period_id: str, number: int, start: str, end: str, at: int) -> envelope.Event:
    return _event("period.changed", je.PeriodChanged(period=je.PeriodData(
        period_id=period_id, school_id=SCHOOL, academic_year_id="2026", kind="quarter", number=number,
        start_date=start, end_date=end)), at)


def _mark(kind: str, mark_id: str, student: str, day: str, value: str, weight: str, at: int,
          class_id: str = CLASS) -> envelope.Event:
    message = {"created": je.MarkCreated, "updated": je.MarkUpdated, "deleted": je.MarkDeleted}[kind]
    return _event(f"mark.{kind}", message(mark=je.MarkData(
        mark_id=mark_id, school_id=SCHOOL, class_id=class_id, subject_id=MATH, lesson_id=str(uuid.uuid4()),
        lesson_date=day, student_id=student, value=value, work_type="test" if weight == "" else "oral",
        weight=weight, subject_name="Математика", teacher_id="t")), at)


def _history() -> list[envelope.Event]:
    """A quarter's marks with updates, a deletion, a move to another student and another quarter."""
    rng = random.Random(3)
    events = [_period(Q1, 1, "2026-09-01", "2026-10-26", 1), _period(Q2, 2, "2026-11-05", "2026-12-28", 2),
              _event("class.created", je.ClassCreated(class_id=CLASS, school_id=SCHOOL, name="5А", grade=5), 3)]
    for index, student in enumerate(STUDENTS):
        events.append(_event("student.changed", je.StudentChanged(
            student_id=student, school_id=SCHOOL, class_id=CLASS, class_name="5А", last_name=f"Ученик{index}",
            status="enrolled", version=1), 4))
    ids = [str(uuid.uuid4()) for _ in range(40)]
    for index, mark_id in enumerate(ids):
        day = f"2026-{rng.choice(('09', '10', '11', '12'))}-{rng.randrange(10, 26)}"
        events.append(_mark("created", mark_id, rng.choice(STUDENTS), day, rng.choice("2345"),
                            rng.choice(("1", "0.5", "1.5", "", "0.25")), 10 + index))
    events += [
        _mark("updated", ids[0], STUDENTS[0], "2026-11-10", "5", "2", 100),  # moved into quarter 2
        _mark("updated", ids[1], STUDENTS[1], "2026-09-10", "2", "1", 101),  # and to another student
        _mark("updated", ids[1], STUDENTS[2], "2026-09-10", "4", "1", 90),  # older: changes nothing
        _mark("deleted", ids[2], STUDENTS[3], "2026-10-01", "3", "1", 102),
        _mark("created", str(uuid.uuid4()), STUDENTS[3], "2026-10-02", "pass", "1", 103),
        _mark("created", str(uuid.uuid4()), STUDENTS[3], "2026-10-05", "5", "1", 104, class_id=OTHER_CLASS),
        _period(Q1, 1, "2026-09-01", "2026-10-03", 105),  # the quarter ends earlier
    ]
    return events


def _apply(database: Database, events) -> None:
    for event in events:
        with database.transaction() as session:
            HANDLERS[event.type](session, event)


def _totals(database: Database) -> set[tuple]:
    t = store.mark_total
    with database.session() as session:
        return {(row.period_id, row.student_id, row.class_id, row.mark_count, row.passes,
                 str(float(row.weighted_sum)), str(float(row.weight_sum)))
                for row in session.execute(select(t))}


def test_r1_mark_totals_equal_the_marks_whatever_the_order(database):
    events = _history()
    shuffled = events[:]
    random.Random(11).shuffle(shuffled)
    _apply(database, shuffled)
    _apply(database, events[:10])  # replays change nothing
    kept = _totals(database)
    assert kept
    with database.transaction() as session:
        session.execute(delete(store.mark_total))
        mark_totals.recompute_all(session)
    assert _totals(database) == kept
    with database.session() as session:
        for period_id in (Q1, Q2):
            period = queries.find_period(session, period_id)
            by_totals = counted_marks(queries.load_results(session, SCHOOL, period.span()))
            by_marks = counted_marks(queries.load_results(session, SCHOOL, Span(period.start, period.end, "дни")))
            assert by_totals == by_marks and by_totals
            one_class = queries.load_results(session, SCHOOL, period.span(), {CLASS})
            assert set(one_class.mark_sums) <= set(queries.load_results(session, SCHOOL, period.span()).mark_sums)
