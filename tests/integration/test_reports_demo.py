"""The demo district's journal events fill the reports (R1, G4, R4).

The journal and auth seed the demo district and record their events in their
outboxes; here they are applied by the reports service's own handlers straight
from those outboxes (the bus's delivery is proven elsewhere; ~1,900 events through
it would take a minute), then the reports are asked for over gRPC.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from ezh.reports.v1 import reports_pb2
from sqlalchemy import select

from services.common import events as envelope
from services.common.database import Database
from services.common.demo import build_district, demo_id
from services.common.roles import Role
from services.common.tokens import TokenVerifier
from services.auth import seed as auth_seed
from services.auth import store as auth_store
from services.journal import store as journal_store
from services.journal.seed import seed_demo
from services.reports.queries import short_name
from services.reports.definition import reports_definition
from services.reports.events import HANDLERS, apply_events

from .conftest import FixedClock
from .test_reports_read_model import KEY, Reports, table, token

pytestmark = pytest.mark.integration
DISTRICT = build_district()
SCHOOL = DISTRICT.schools[0]
SEEDED_ON = dt.date(2026, 11, 26)


def test_r1_demo_district_reports_are_filled(stack):
    stack.migrate("auth", "journal", "reports")
    payloads = []
    for service, seed, store in (("auth", lambda db: auth_seed.seed_demo(db, DISTRICT, "demo-password-123"),
                                  auth_store),
                                 ("journal", lambda db: seed_demo(db, DISTRICT, today=SEEDED_ON), journal_store)):
        database = Database(stack.settings.database_url(service))
        seed(database)
        with database.session() as session:
            payloads += session.scalars(select(store.outbox.c.payload).order_by(store.outbox.c.seq))
        database.dispose()
    events = [event for event in map(envelope.from_json, payloads) if event.type in HANDLERS]
    staff_events = sum(1 for event in events if event.type == "ezh.auth.staff.changed.v1")
    reports_db = Database(stack.settings.database_url("reports"))
    for begin in range(0, len(events), 1000):
        with reports_db.transaction() as session:
            apply_events(session, events[begin:begin + 1000])
    reports_db.dispose()
    assert {event.type for event in events} >= {
        "ezh.journal.class.created.v1", "ezh.journal.student.changed.v1", "ezh.journal.period.changed.v1",
        "ezh.journal.lesson.changed.v1", "ezh.journal.mark.created.v1", "ezh.journal.absence.recorded.v1"}

    clock = FixedClock(dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC))
    definition = dataclasses.replace(
        reports_definition(clock, archive_interval=0),
        verifier_factory=lambda runtime: TokenVerifier(lambda kid: KEY.public_key, runtime.revocations))
    reports = Reports(stack.start("reports", definition))
    deputy = token(DISTRICT.account("deputy").person.id, (Role.DEPUTY_DIRECTOR, None), school=SCHOOL.id)
    status = reports.call("GetReadModelStatus", reports_pb2.GetReadModelStatusRequest(), deputy)
    applied = {s.source: s.applied_count for s in status.sources}
    assert set(applied) == {"auth", "journal"} and sum(applied.values()) == len(events)
    assert applied["auth"] >= staff_events > 0

    quarter = demo_id("period", SCHOOL.id, 2026, "quarter", 2)
    progress = reports.report(deputy, kind=reports_pb2.REPORT_KIND_PROGRESS, period_id=quarter)
    classes = {row[0]: row for row in table(progress, "classes")}
    assert set(classes) == {"5А", "9Б"}
    assert classes["5А"][1] == str(len(SCHOOL.classes[0].students))
    assert int(classes["5А"][2]) > 0 and classes["5А"][9] != "—"  # graded students, a pass rate
    assert len(table(progress, "subjects")) >= 3
    control = reports.report(deputy, kind=reports_pb2.REPORT_KIND_JOURNAL_CONTROL, period_id=quarter)
    assert table(control, "summary")
    # Teachers by name, as auth announced them.
    teacher = DISTRICT.account("teacher").person
    assert short_name(teacher.last_name, teacher.first_name, teacher.middle_name) in {
        row[0] for row in table(progress, "teachers")}
    student = SCHOOL.classes[0].students[0]
    parent = token(DISTRICT.account("parent").person.id, (Role.PARENT, None), school=SCHOOL.id)
    card = reports.report(parent, kind=reports_pb2.REPORT_KIND_REPORT_CARD, student_id=student.id)
    assert card.title.endswith(", 5А") and table(card, "card")
    forecast = reports.report(parent, kind=reports_pb2.REPORT_KIND_STUDENT_FORECAST, student_id=student.id)
    assert any(row[3] not in ("", "—") for row in table(forecast, "subjects"))
