"""The runbook's read-model rebuild: reset the reports read model, replay the
sources' outboxes to reports only, and the same read model comes back (O1)."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from services.auth import store as auth_store
from services.auth.seed import seed_demo as seed_auth
from services.common.bus import SUBSCRIPTIONS
from services.common.database import Database
from services.common.demo import build_district
from services.common.outbox_replay import topic_matches
from services.journal import store as journal_store
from services.journal.seed import seed_demo as seed_journal
from services.reports import store as reports_store

from .conftest import settings_env, wait_for
from .test_backbone_proof import _class_count

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def _run(stack, *arguments: str) -> str:
    env = {**os.environ, **settings_env(stack.settings)}
    result = subprocess.run([sys.executable, "-m", *arguments], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _events_for_reports(stack, source: str) -> int:
    """How many of a source service's outbox events the reports service subscribes to."""
    table = {"auth": auth_store.outbox, "journal": journal_store.outbox}[source]
    database = Database(stack.settings.database_url(source))
    try:
        with database.session() as session:
            keys = session.scalars(select(table.c.routing_key)).all()
    finally:
        database.dispose()
    return sum(any(topic_matches(pattern, key) for pattern in SUBSCRIPTIONS["reports"]) for key in keys)


def _processed_by_reports(stack) -> int:
    database = Database(stack.settings.database_url("reports"))
    try:
        with database.session() as session:
            return session.scalar(select(func.count()).select_from(reports_store.processed))
    finally:
        database.dispose()


@pytest.mark.timeout(600)
def test_o1_reports_read_model_is_rebuilt_from_the_sources_outboxes(stack):
    stack.migrate("auth", "journal", "reports")
    district = build_district()
    stack.seed("auth", lambda db: seed_auth(db, district, "password-for-tests-1"))
    # The demo journal as it stood before the 2nd quarter's first lesson: classes,
    # periods, students and the quarter's lessons (about 500 events) keep the
    # test quick; the marks' events take the same path.
    stack.seed("journal", lambda db: seed_journal(db, district, today=dt.date(2026, 11, 2)))
    reports = stack.start("reports")
    stack.start("auth")
    stack.start("journal")
    school_1, school_2 = (school.id for school in district.schools)
    auth_events, journal_events = _events_for_reports(stack, "auth"), _events_for_reports(stack, "journal")
    assert auth_events > 2  # the two schools and their staff
    assert journal_events > 3  # the demo journal: classes, periods, students, lessons, marks, absences
    wait_for(lambda: _processed_by_reports(stack) == auth_events + journal_events, timeout=200,
             what="the read model built from the demo events")
    assert (_class_count(reports, school_1), _class_count(reports, school_2)) == (2, 1)
    database = Database(stack.settings.database_url("reports"))
    with database.transaction() as session:  # the read model goes wrong
        session.execute(update(reports_store.school_summary).values(class_count=99))
    database.dispose()

    _run(stack, "services.reports", "reset-read-model")
    assert _class_count(reports, school_1) is None
    replayed = [_run(stack, "services.common.outbox_replay", source, "--to", "reports") for source in ("auth", "journal")]

    assert f"{auth_events} event(s)" in replayed[0] and f"{journal_events} event(s)" in replayed[1]
    wait_for(lambda: _processed_by_reports(stack) == auth_events + journal_events, timeout=200,
             what="the rebuilt read model")
    assert (_class_count(reports, school_1), _class_count(reports, school_2)) == (2, 1)


@pytest.mark.parametrize(
    ("pattern", "key", "expected"),
    [
        ("journal.#", "journal.mark.created.v1", True),
        ("journal.*.created.v1", "journal.mark.created.v1", True),
        ("journal.*.created.v1", "journal.mark.deleted.v1", False),
        ("auth.school.created.v1", "auth.school.created.v1", True),
        ("#", "anything.at.all", True),
        ("journal.#", "auth.school.created.v1", False),
    ],
)
def test_o1_replay_matches_the_consumers_bindings(pattern, key, expected):
    assert topic_matches(pattern, key) is expected
