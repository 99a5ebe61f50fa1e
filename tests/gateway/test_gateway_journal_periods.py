"""GET /api/v1/journal/periods (G1): every signed-in role may ask, the query reaches the journal as it was
meant, a bad day is refused naming the field before the journal is asked."""
from __future__ import annotations

from gateway_fakes import PEOPLE, SCHOOL_ID, FakeJournal, assert_problem, bearer, mint

PATH = "/api/v1/journal/periods"


def test_g1_every_signed_in_role_lists_the_periods(app_for, fake_services, signing_key):
    client = app_for(fake_services.settings()).test_client()
    assert_problem(client.get(PATH), 401, "NO_CREDENTIALS")
    for login in PEOPLE:
        response = client.get(PATH, headers=bearer(mint(signing_key, login)))
        assert response.status_code == 200, (login, response.get_data(as_text=True))
        body = response.get_json()
        assert body["school_id"] == SCHOOL_ID
        assert [(p["id"], p["kind"], p["number"], p["title"]) for p in body["periods"]] == [
            ("p-year", "year", None, "Учебный год"), ("p-q2", "quarter", 2, "2 четверть")]
        assert body["periods"][1]["start_date"] == "2026-11-05"
        assert body["periods"][1]["final_marks_deadline"] == "2026-12-26"


def test_g1_the_school_and_the_day_reach_the_journal(app_for, fake_services, signing_key):
    client = app_for(fake_services.settings()).test_client()
    FakeJournal.period_requests.clear()
    response = client.get(PATH, query_string={"school_id": SCHOOL_ID, "date": "2026-11-30"},
                          headers=bearer(mint(signing_key, "parent")))
    assert response.status_code == 200, response.get_data(as_text=True)
    client.get(PATH, headers=bearer(mint(signing_key, "parent")))
    sent = [(request.school_id, request.date) for request in FakeJournal.period_requests]
    assert sent == [(SCHOOL_ID, "2026-11-30"), ("", "")]


def test_g1_a_bad_day_or_school_is_refused_naming_the_field(app_for, fake_services, signing_key):
    client = app_for(fake_services.settings()).test_client()
    FakeJournal.period_requests.clear()
    for query, field in (({"date": "30.11.2026"}, "date"),
                         ({"school_id": "school-1"}, "school_id")):
        response = client.get(PATH, query_string=query, headers=bearer(mint(signing_key, "teacher")))
        assert response.status_code == 400, response.get_data(as_text=True)
        assert field in response.get_data(as_text=True)
    assert FakeJournal.period_requests == []
