"""The schedule's corrections reaching the journal over the bus (S1, S2): a substitute may fill
the substituted lesson and the absent teacher may not; a moved lesson keeps its marks' id; a
cancelled lesson is flagged. Auth, the journal and the schedule run with the demo district
seeded as of Thursday 26 November 2026; both clocks stand at Friday 27 November, 13:00 in Moscow.
"""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

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


def test_m3_the_journal_takes_its_study_periods_from_the_schools_calendar(stack):
    """A new year entered in the schedule becomes the journal's study periods (for the lock and final
    marks); saving the calendar again with other dates keeps each period's id and moves its dates."""
    stack.migrate("auth", "journal", "schedule")
    for service, seed in (("auth", lambda db: seed_auth(db, DISTRICT, PASSWORD)),
                          ("journal", lambda db: seed_journal(db, DISTRICT, today=dt.date(2026, 11, 26))),
                          ("schedule", lambda db: seed_schedule(db, DISTRICT))):
        stack.seed(service, seed)
    auth = stack.start("auth")
    stack.with_settings(auth_grpc_address=f"127.0.0.1:{auth.port}")
    journal = stack.start("journal")
    schedule = stack.start("schedule")
    gateway = stack.gateway(PASSWORD, journal_grpc_address=f"127.0.0.1:{journal.port}",
                            schedule_grpc_address=f"127.0.0.1:{schedule.port}")
    year_body = {"name": "2027/28", "start_date": "2027-09-01", "end_date": "2028-05-31", "periods": [
        {"kind": "trimester", "number": 1, "start_date": "2027-09-01", "end_date": "2027-11-30"},
        {"kind": "trimester", "number": 2, "start_date": "2027-12-01", "end_date": "2028-02-29"},
        {"kind": "trimester", "number": 3, "start_date": "2028-03-01", "end_date": "2028-05-31"},
        {"kind": "year", "start_date": "2027-09-01", "end_date": "2028-05-31"}]}
    created = gateway.client.post(f"/api/v1/schedule/schools/{SCHOOL.id}/years", json=year_body,
                                  headers=gateway.headers("deputy"))
    assert created.status_code in (200, 201), created.get_data(as_text=True)
    year_id = created.get_json()["id"]
    journal_db = Database(stack.settings.database_url("journal"))

    def periods() -> dict:
        with journal_db.session() as session:
            rows = session.execute(select(journal_store.study_period).where(
                journal_store.study_period.c.academic_year_id == year_id)).all()
        return {(row.kind, row.number): row for row in rows}

    try:
        wait_for(lambda: len(periods()) == 4, timeout=60, what="the new year's periods in the journal")
        first = periods()
        assert (first[("trimester", 2)].start_date, first[("trimester", 2)].end_date) == (
            dt.date(2027, 12, 1), dt.date(2028, 2, 29))
        assert first[("year", None)].end_date == dt.date(2028, 5, 31)

        year_body["periods"][1]["end_date"], year_body["periods"][2]["start_date"] = "2028-03-06", "2028-03-07"
        saved = gateway.client.put(f"/api/v1/schedule/schools/{SCHOOL.id}/years/{year_id}", json=year_body,
                                   headers=gateway.headers("deputy"))
        assert saved.status_code == 200, saved.get_data(as_text=True)
        wait_for(lambda: periods()[("trimester", 2)].end_date == dt.date(2028, 3, 6), timeout=60,
                 what="the moved end of the second trimester in the journal")
        again = periods()
        assert {key: row.id for key, row in again.items()} == {key: row.id for key, row in first.items()}
        assert again[("trimester", 3)].start_date == dt.date(2028, 3, 7)
        with journal_db.session() as session:  # reports hear of each new or moved period from the journal
            announced = session.scalar(select(func.count()).select_from(journal_store.outbox).where(
                journal_store.outbox.c.event_type == "ezh.journal.period.changed.v1",
                journal_store.outbox.c.payload.contains(year_id)))
        assert announced == 4 + 2
        # The journal lists them to the school's staff.
        listed = gateway.client.get("/api/v1/journal/periods", query_string={"school_id": SCHOOL.id},
                                    headers=gateway.headers("teacher"))
        assert listed.status_code == 200, listed.get_data(as_text=True)
        assert {item["id"] for item in listed.get_json()["periods"]} >= {row.id for row in again.values()}
    finally:
        journal_db.dispose()
