"""J6 on a schedule: the daily sweep finds the alerts events could not raise, once, on PostgreSQL and SQLite."""
from __future__ import annotations

import datetime as dt

import pytest
from ezh.journal.v1 import events_pb2 as journal_events
from sqlalchemy import func, select

from services.common import events as envelope
from services.common.database import Database
from services.common.migrations import upgrade
from services.notify import store
from services.notify.alert_sweep import sweep_alerts
from services.notify.events import EventContext
from services.notify.inbox import Channels
from services.notify.periodic import PeriodicJobs

from .consumer_fakes import FakeMessage
from .test_notify_mark_batches import (
    ANNA, BORIS, CLASS, CLASS_TEACHER, MATHS, NOW, SCHOOL, _consumer, _event, _mark, _roster,
)

pytestmark = pytest.mark.integration
TODAY = dt.date(2026, 11, 27)


@pytest.fixture(params=["postgresql", "sqlite"])
def database(request, postgres_database, tmp_path):
    url = postgres_database("notify") if request.param == "postgresql" else f"sqlite:///{tmp_path / 'notify.sqlite'}"
    upgrade("notify", url)
    made = Database(url)
    yield made
    made.dispose()


def _apply(database: Database, *events: envelope.Event) -> None:
    consumer = _consumer(database, batched=True)
    consumer.handle_batch([FakeMessage(event) for event in events])
    assert consumer.failed == []


def _alerts(database: Database) -> list[tuple[str, str]]:
    with database.session() as session:
        return sorted(tuple(row) for row in session.execute(select(store.alert.c.student_id, store.alert.c.kind)))


def _told(database: Database, person_id: str) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(store.notification).where(
            store.notification.c.recipient_id == person_id, store.notification.c.kind == "alert"))


def _absence(student_id: str, day: int) -> envelope.Event:
    return _event("ezh.journal.absence.recorded.v1", journal_events.AbsenceRecorded(
        school_id=SCHOOL, class_id=CLASS, subject_id=MATHS, lesson_id=f"lesson-{day}", lesson_date=f"2026-11-{day:02d}",
        student_id=student_id, kind="unexcused", subject_name="Математика", teacher_id="teacher-1", period_id="q2"))


def test_j6_the_daily_sweep_alerts_a_failing_average_of_a_student_learnt_later_once(database):
    roster = _roster()  # school, class 5А, Anna, Boris
    _apply(database, *roster[:2], roster[3])  # Anna's record comes later
    marks = [_event("ezh.journal.mark.created.v1", journal_events.MarkCreated(mark=_mark(ANNA, MATHS, value, day)))
             for value, day in (("2", 23), ("3", 24), ("2", 25))]
    _apply(database, *marks)
    assert _alerts(database) == []  # no one to tell when the marks came
    _apply(database, roster[2])
    assert _alerts(database) == []  # a student's record raises no alert by itself

    context = EventContext(Channels(), lambda: NOW)
    assert sweep_alerts(database, context, TODAY) == 1
    assert _alerts(database) == [(ANNA, "failing_average")]
    assert _told(database, CLASS_TEACHER) == 1 and _told(database, "parent-anna") == 1
    assert sweep_alerts(database, context, TODAY) == 0  # once
    assert sweep_alerts(database, context, TODAY + dt.timedelta(days=30)) == 0  # the marks are not recent


def test_j6_the_daily_sweep_applies_a_lowered_threshold_of_unexcused_absences_to_the_week(database):
    _apply(database, *_roster(), _absence(BORIS, 23), _absence(BORIS, 24))
    assert _alerts(database) == []  # 2 of the default 3
    with database.transaction() as session:
        session.execute(store.school_setting.insert().values(
            school_id=SCHOOL, unexcused_absence_threshold=2, parents_may_message_parents=False,
            students_may_message_anyone=False))
    jobs = PeriodicJobs(database, Channels(), clock=lambda: NOW)
    jobs.run_once()  # the scheduled jobs: the weekly reminders and, once a day, the sweep
    assert _alerts(database) == [(BORIS, "unexcused_absences")]
    assert _told(database, "parent-boris") == 1
    jobs.run_once()
    assert sweep_alerts(database, EventContext(Channels(), lambda: NOW), TODAY) == 0
    assert _alerts(database) == [(BORIS, "unexcused_absences")]


def test_j6_the_event_and_the_sweep_raise_one_alert_between_them(database):
    marks = [_event("ezh.journal.mark.created.v1", journal_events.MarkCreated(mark=_mark(BORIS, MATHS, value, day)))
             for value, day in (("2", 23), ("2", 24))]
    _apply(database, *_roster(), *marks)
    assert _alerts(database) == [(BORIS, "failing_average")]  # raised by the event
    assert sweep_alerts(database, EventContext(Channels(), lambda: NOW), TODAY) == 0
