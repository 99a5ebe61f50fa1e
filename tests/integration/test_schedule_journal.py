"""The schedule's corrections reaching the journal over the bus (S1, S2): a substitute may fill
the substituted lesson and the absent teacher may not; a moved lesson keeps its marks' id; a
cancelled lesson is flagged. Auth, the journal and the schedule run with the demo district
seeded as of Thursday 26 November 2026; both clocks stand at Friday 27 November, 13:00 in Moscow.
"""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from gateway.app import create_app
from services.auth.seed import seed_demo as seed_auth
from services.common.database import Database
from services.common.demo import build_district, demo_id
from services.journal import store as journal_store
from services.journal.definition import journal_definition
from services.journal.seed import seed_demo as seed_journal
from services.schedule.definition import schedule_definition
from services.schedule.feeds import SCHOOL_TIMEZONE
from services.schedule.seed import seed_demo as seed_schedule
from tests.integration.conftest import wait_for

pytestmark = pytest.mark.integration

PASSWORD = "some-password-123"
DISTRICT = build_district()
SCHOOL = DISTRICT.schools[0]
CLASS_5A = SCHOOL.classes[0]
FRIDAY = dt.date(2026, 11, 27)
MATH_TODAY = demo_id("lesson", CLASS_5A.id, FRIDAY, 1)  # Математика, the demo teacher
RUSSIAN_TODAY = demo_id("lesson", CLASS_5A.id, FRIDAY, 2)  # Русский язык, the class teacher
LITERATURE_TODAY = demo_id("lesson", CLASS_5A.id, FRIDAY, 4)


def test_s1_substitution_move_and_cancellation_reach_the_journal(stack):
    stack.migrate("auth", "journal", "schedule")
    for service, seed in (("auth", lambda db: seed_auth(db, DISTRICT, PASSWORD)),
                          ("journal", lambda db: seed_journal(db, DISTRICT, today=dt.date(2026, 11, 26))),
                          ("schedule", lambda db: seed_schedule(db, DISTRICT))):
        database = Database(stack.settings.database_url(service))
        try:
            seed(database)
        finally:
            database.dispose()
    auth = stack.start("auth")
    stack.with_settings(auth_grpc_address=f"127.0.0.1:{auth.port}")
    moment = dt.datetime(2026, 11, 27, 13, 0, tzinfo=SCHOOL_TIMEZONE).astimezone(dt.UTC)
    journal = stack.start("journal", journal_definition(lambda: moment))
    schedule = stack.start("schedule", schedule_definition(lambda: moment))
    app = create_app(stack.settings.model_copy(update={
        "journal_grpc_address": f"127.0.0.1:{journal.port}", "schedule_grpc_address": f"127.0.0.1:{schedule.port}"}))
    client = app.test_client()
    journal_db = Database(stack.settings.database_url("journal"))

    def headers(login: str) -> dict:
        response = client.post("/api/v1/auth/login", json={"login": login, "password": PASSWORD})
        assert response.status_code == 200, response.get_data(as_text=True)
        return {"Authorization": f"Bearer {response.get_json()['access_token']}"}

    def journal_lesson(lesson_id: str):
        with journal_db.session() as session:
            return session.execute(select(journal_store.lesson).where(journal_store.lesson.c.id == lesson_id)).first()

    try:
        deputy, teacher, teacher2 = headers("deputy"), headers("teacher"), headers("teacher2")
        teacher2_id = DISTRICT.account("teacher2").person.id
        response = client.post(f"/api/v1/schedule/lessons/{MATH_TODAY}/substitution", headers=deputy,
                               json={"teacher_id": teacher2_id, "reason": "Больничный"})
        assert response.status_code == 200, response.get_data(as_text=True)
        wait_for(lambda: journal_lesson(MATH_TODAY).teacher_id == teacher2_id, timeout=60,
                 what="the substitution in the journal")
        entry = {"entries": [{"student_id": CLASS_5A.students[2].id,
                              "marks": [{"value": 5, "work_type": "oral"}]}]}
        absent = client.put(f"/api/v1/journal/lessons/{MATH_TODAY}/entries", headers=teacher, json=entry)
        assert absent.status_code == 403 and absent.get_json()["reason"] == "LESSON_SUBSTITUTED"
        filled = client.put(f"/api/v1/journal/lessons/{MATH_TODAY}/entries", headers=teacher2, json=entry)
        assert filled.status_code == 200, filled.get_data(as_text=True)

        moved = client.post(f"/api/v1/schedule/lessons/{RUSSIAN_TODAY}/move", headers=deputy,
                            json={"date": "2026-11-30", "slot": 6, "reason": "Олимпиада"})
        assert moved.status_code == 200, moved.get_data(as_text=True)
        cancelled = client.post(f"/api/v1/schedule/lessons/{LITERATURE_TODAY}/cancellation", headers=deputy,
                                json={"reason": "Экскурсия"})
        assert cancelled.status_code == 200, cancelled.get_data(as_text=True)
        wait_for(lambda: journal_lesson(RUSSIAN_TODAY).date == dt.date(2026, 11, 30)
                 and journal_lesson(LITERATURE_TODAY).cancelled, timeout=60, what="the move and the cancellation")
        assert journal_lesson(RUSSIAN_TODAY).number == 6
    finally:
        journal_db.dispose()
        app.extensions["ezh"].clients.close()
