"""The demo seed tells the other services what it seeded (their read models fill through the bus), and the
journal's snapshots carry what the contracts promise. On a SQLite file: the seed takes a fraction of a second.
"""
from __future__ import annotations

import datetime as dt
import json
from collections import Counter

import pytest
from ezh.journal.v1 import events_pb2
from google.protobuf import json_format
from sqlalchemy import func, select

from services.common.database import Database
from services.common.demo import build_district, demo_id
from services.common.migrations import upgrade
from services.journal import final_marks, snapshots, store
from services.journal.entries import SCHOOL_TIMEZONE
from services.journal.seed import _snapshot_moment, seed_demo

DISTRICT = build_district()
SCHOOL = DISTRICT.schools[0]
TODAY = dt.date(2026, 11, 26)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('journal') / 'journal.sqlite'}"
    upgrade("journal", url)
    database = Database(url)
    seed_demo(database, DISTRICT, today=TODAY)
    yield database
    database.dispose()


def _events(database, event_type: str) -> list[dict]:
    with database.session() as session:
        return [json.loads(payload) for payload in session.scalars(
            select(store.outbox.c.payload).where(store.outbox.c.event_type == event_type)
            .order_by(store.outbox.c.seq))]


def _data(event: dict, message_class):
    return json_format.ParseDict(event["data"], message_class())


def test_seed_records_an_event_for_everything_it_seeds(seeded):
    with seeded.session() as session:
        counts = {table.name: session.scalar(select(func.count()).select_from(table))
                  for table in (store.student, store.lesson, store.mark, store.absence, store.study_period)}
        types = Counter(session.scalars(select(store.outbox.c.event_type)))
    assert types["ezh.journal.student.changed.v1"] == counts["student"]
    assert types["ezh.journal.lesson.changed.v1"] == counts["lesson"]
    assert types["ezh.journal.mark.created.v1"] == counts["mark"]
    assert types["ezh.journal.absence.recorded.v1"] == counts["absence"]
    assert types["ezh.journal.period.changed.v1"] == counts["study_period"]
    assert types["ezh.journal.class.created.v1"] == sum(len(school.classes) for school in DISTRICT.schools)
    # Each school's students come before the marks that concern them.
    with seeded.session() as session:
        for school in DISTRICT.schools:
            order = list(session.scalars(select(store.outbox.c.event_type).where(
                store.outbox.c.payload.contains(school.id)).order_by(store.outbox.c.seq)))
            students = [i for i, kind in enumerate(order) if kind == "ezh.journal.student.changed.v1"]
            assert max(students) < order.index("ezh.journal.mark.created.v1")


def test_seeded_snapshots_carry_guardians_class_teacher_subject_and_period(seeded):
    child = SCHOOL.classes[0].students[0]
    student = next(_data(event, events_pb2.StudentChanged) for event in _events(seeded, snapshots.STUDENT_CHANGED)
                   if event["data"]["student_id"] == child.id)
    parent = DISTRICT.account("parent").person
    assert (student.class_name, student.status, student.class_id) == ("5А", "enrolled", SCHOOL.classes[0].id)
    assert [(g.guardian_id, g.relation, g.electronic_access) for g in student.guardians] == [
        (parent.id, "mother", True)]
    assert student.guardians[0].full_name.startswith(parent.last_name)

    created = [_data(event, events_pb2.ClassCreated) for event in _events(seeded, "ezh.journal.class.created.v1")]
    assert {item.class_id: item.class_teacher_id for item in created}[SCHOOL.classes[0].id] == \
        SCHOOL.classes[0].class_teacher.id

    quarter = demo_id("period", SCHOOL.id, 2026, "quarter", 2)
    mark = _data(_events(seeded, "ezh.journal.mark.created.v1")[0], events_pb2.MarkCreated).mark
    assert mark.subject_name and mark.teacher_id and mark.period_id in (
        quarter, demo_id("period", DISTRICT.schools[1].id, 2026, "quarter", 2))
    absence = _data(_events(seeded, "ezh.journal.absence.recorded.v1")[0], events_pb2.AbsenceRecorded)
    assert absence.subject_name and absence.teacher_id and absence.period_id

    lesson_id = demo_id("lesson", SCHOOL.classes[0].id, dt.date(2026, 11, 25), 2)
    lesson = next(_data(event, events_pb2.LessonChanged) for event in _events(seeded, snapshots.LESSON_CHANGED)
                  if event["data"]["lesson_id"] == lesson_id)
    assert (lesson.subject_name, lesson.period_id, lesson.slot, lesson.attendance_taken, lesson.cancelled) == (
        "Математика", quarter, 2, True, False)
    future = next(_data(event, events_pb2.LessonChanged) for event in _events(seeded, snapshots.LESSON_CHANGED)
                  if event["data"]["lesson_date"] == "2026-12-21")
    assert not future.attendance_taken and not future.topic

    periods = {item.period.period_id: item.period for item in
               (_data(event, events_pb2.PeriodChanged) for event in _events(seeded, snapshots.PERIOD_CHANGED))}
    assert (periods[quarter].start_date, periods[quarter].end_date, periods[quarter].deadline) == (
        "2026-11-05", "2026-12-28", "2026-12-26")


def test_student_snapshot_follows_a_departure_and_versions_grow(seeded):
    child = SCHOOL.classes[0].students[1]
    with seeded.session() as session:
        before = snapshots.student_changed_event(session, child.id, dt.datetime(2026, 11, 27, 10, tzinfo=dt.UTC))
        session.execute(store.enrollment.update().where(store.enrollment.c.student_id == child.id)
                        .values(end_date=dt.date(2026, 11, 27)))
        after = snapshots.student_changed_event(session, child.id, dt.datetime(2026, 11, 27, 11, tzinfo=dt.UTC))
        session.rollback()
    first, second = (_data({"data": event.data}, events_pb2.StudentChanged) for event in (before, after))
    assert (first.status, second.status, second.class_id) == ("enrolled", "departed", "")
    assert second.version > first.version


@pytest.mark.parametrize(("text", "title"), [("4", "4"), ("pass", "зачёт"), ("not_attested", "н/а"),
                                             ("exempt", "освобождён")])
def test_m1_final_mark_values_read_back_as_stored(text, title):
    assert final_marks.value_title(text) == title
    assert final_marks.value_text(final_marks.stored_value(text)) == text


def test_j1_seed_snapshots_never_outrank_a_change_made_after_seeding():
    """Read models keep the newest version; the seed's snapshots must not be stamped in the future
    (a demo started at night, before eight in the morning, once ignored every change until then)."""
    today_in_moscow = dt.datetime.now(SCHOOL_TIMEZONE).date()
    assert _snapshot_moment(today_in_moscow) <= dt.datetime.now(dt.UTC)
    past = dt.date(2026, 11, 26)
    assert _snapshot_moment(past) == dt.datetime(2026, 11, 26, 8, 0, tzinfo=SCHOOL_TIMEZONE)
