"""The runbook's read-model rebuild: reset the reports read model, replay the
sources' outboxes to reports only, and the same read model comes back (O1)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import update

from services.auth.seed import seed_demo as seed_auth
from services.common.database import Database
from services.common.demo import build_district
from services.common.outbox_replay import topic_matches
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


def _seed(stack, service: str, seed) -> None:
    database = Database(stack.settings.database_url(service))
    try:
        seed(database)
    finally:
        database.dispose()


def test_o1_reports_read_model_is_rebuilt_from_the_sources_outboxes(stack):
    stack.migrate("auth", "journal", "reports")
    district = build_district()
    _seed(stack, "auth", lambda db: seed_auth(db, district, "password-for-tests-1"))
    _seed(stack, "journal", lambda db: seed_journal(db, district))
    reports = stack.start("reports")
    stack.start("auth")
    stack.start("journal")
    school_1, school_2 = (school.id for school in district.schools)
    wait_for(lambda: (_class_count(reports, school_1), _class_count(reports, school_2)) == (2, 1),
             timeout=40, what="the read model built from the demo events")
    database = Database(stack.settings.database_url("reports"))
    with database.transaction() as session:  # the read model goes wrong
        session.execute(update(reports_store.school_summary).values(class_count=99))
    database.dispose()

    _run(stack, "services.reports", "reset-read-model")
    assert _class_count(reports, school_1) is None
    replayed = [_run(stack, "services.common.outbox_replay", source, "--to", "reports") for source in ("auth", "journal")]

    assert "2 event(s)" in replayed[0] and "3 event(s)" in replayed[1]
    wait_for(lambda: (_class_count(reports, school_1), _class_count(reports, school_2)) == (2, 1),
             timeout=40, what="the rebuilt read model")


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
