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
from services.reports.events import HANDLERS, apply_events
from services.reports.progress_reports import counted_marks
from services.reports.rules.spans import Span

pytestmark = pytest.mark.integration

SCHOOL, CLASS, OTHER_CLASS, MATH = (str(uuid.uuid4()) for _ in range(4))
Q1, Q2 = str(uuid.uuid4()), str(uuid.uuid4())
STUDENTS = [str(uuid.uuid4()) for _ in range(4)]
START = dt.datetime(2026, 9, 1, tzinfo=dt.UTC)


@pytest.fixture(params=["postgresql", "sqlite"])
def databases(request, tmp_path, postgres_database):
    """Fresh read models, as many as asked for."""
    made: list[Database] = []

    def make() -> Database:
        name = f"r{len(made)}"
        url = postgres_database(name) if request.param == "postgresql" else f"sqlite:///{tmp_path / name}.sqlite"
        upgrade("reports", url)
        made.append(Database(url))
        return made[-1]

    yield make
    for database in made:
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
    lesson, final = str(uuid.uuid4()), str(uuid.uuid4())
    for version, at, topic in ((2, 110, "Дроби"), (1, 111, "старая версия"), (2, 112, "Дроби и проценты")):
        events.append(_event("lesson.changed", je.LessonChanged(
            lesson_id=lesson, school_id=SCHOOL, class_id=CLASS, subject_id=MATH, subject_name="Математика",
            teacher_id="t", lesson_date="2026-11-10", period_id=Q2, topic=topic, version=version), at))
    for at, kind in ((113, "ill"), (114, "unexcused"), (109, "excused")):
        events.append(_event("absence.recorded", je.AbsenceRecorded(
            school_id=SCHOOL, class_id=CLASS, subject_id=MATH, lesson_id=lesson, lesson_date="2026-11-10",
            student_id=STUDENTS[0], kind=kind, period_id=Q2), at))
    for at, value in ((115, "4"), (116, "5"), (108, "3")):
        events.append(_event("final_mark.set", je.FinalMarkSet(final_mark=je.FinalMarkData(
            final_mark_id=final, school_id=SCHOOL, class_id=CLASS, subject_id=MATH, student_id=STUDENTS[1],
            period_id=Q1, kind="quarter", value=value)), at))
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


def test_r1_mark_totals_equal_the_marks_whatever_the_order(databases):
    database = databases()
    events = [event for event in _history() if "final_mark" not in event.type]  # a range of days knows none
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


def _content(database: Database) -> dict[str, list]:
    """Every read-model table's rows (the progress rows without the time they were written)."""
    with database.session() as session:
        found = {}
        for table in store.READ_MODEL:
            rows = [tuple(str(value) for name, value in row._mapping.items() if name not in ("last_apply_time", "update_time"))
                    for row in session.execute(select(table))]
            found[table.name] = sorted(rows)
        return found


def test_r1_many_events_at_once_build_the_same_read_model_as_one_by_one(databases):
    events = _history()
    random.Random(5).shuffle(events)
    one_by_one, at_once = databases(), databases()
    _apply(one_by_one, events)
    for begin in range(0, len(events), 9):
        with at_once.transaction() as session:
            apply_events(session, events[begin:begin + 9])
    expected = _content(one_by_one)
    assert expected["rm_mark_total"] and expected["rm_lesson"] and expected["rm_absence"]
    assert _content(at_once) == expected
    with at_once.transaction() as session:  # a batch replayed changes nothing but the count
        apply_events(session, events)
    replayed = _content(at_once)
    assert {name: rows for name, rows in replayed.items() if name != "rm_progress"} == \
        {name: rows for name, rows in expected.items() if name != "rm_progress"}


def test_r1_periods_read_together_give_what_each_period_read_alone_gives(databases):
    database = databases()
    _apply(database, _history())  # with a final mark in quarter 1
    with database.session() as session:
        spans = [queries.find_period(session, period_id).span() for period_id in (Q1, Q2)]
        together = queries.load_period_results(session, SCHOOL, spans + [Span(START.date(), START.date(), "дни")])
        assert set(together) == {Q1, Q2}  # a range of days is not a study period
        like = queries.load_period_results(session, SCHOOL, spans, like=queries.load_results(session, SCHOOL, spans[1]))
        one_class = queries.load_period_results(session, SCHOOL, spans, {CLASS})
        for span in spans:
            each = queries.load_results(session, SCHOOL, span, names=False)
            for read in (together[span.period_id], like[span.period_id]):
                assert read.students == each.students
                assert read.mark_sums == each.mark_sums and each.mark_sums
                assert {pair: row.value for pair, row in read.final_marks.items()} == \
                    {pair: row.value for pair, row in each.final_marks.items()}
                assert counted_marks(read) == counted_marks(each)
            its_class = queries.load_results(session, SCHOOL, span, {CLASS}, names=False)
            assert one_class[span.period_id].mark_sums == its_class.mark_sums
            assert counted_marks(one_class[span.period_id]) == counted_marks(its_class)
        assert together[Q1].final_marks  # the final mark counts instead of the marks
