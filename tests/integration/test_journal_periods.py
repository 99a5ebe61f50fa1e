"""A school's study periods (G1, A5): `ListPeriods` and `GET /api/v1/journal/periods`.

Every person of a school needs its periods to open the journal page, a
student's marks (the diary) or the class overview; a parent's school is the
school of their children. Another school's periods answer like a missing
school. Each test runs on PostgreSQL + RabbitMQ and on SQLite + the embedded bus.
"""
from __future__ import annotations

import datetime as dt

import grpc
import pytest
from ezh.journal.v1 import journal_pb2, journal_pb2_grpc

from services.auth.seed import seed_demo as seed_auth
from services.common.demo import build_district, demo_id
from services.common.errors import read_rpc_error
from services.common.identity import bearer_metadata
from services.journal.seed import seed_demo as seed_journal

pytestmark = pytest.mark.integration

PASSWORD = "some-password-123"
SEEDED_ON = dt.date(2026, 11, 26)
DISTRICT = build_district()
SCHOOL, SCHOOL_2 = DISTRICT.schools[:2]
QUARTERS = [demo_id("period", SCHOOL.id, 2026, "quarter", number) for number in (1, 2, 3, 4)]
YEAR = demo_id("period", SCHOOL.id, 2026, "year")


@pytest.fixture
def periods_stack(stack):
    """Auth and a journal holding the demo district, a gateway in front; (client, journal port, token)."""
    stack.migrate("auth", "journal")
    stack.seed("auth", lambda db: seed_auth(db, DISTRICT, PASSWORD))
    stack.seed("journal", lambda db: seed_journal(db, DISTRICT, today=SEEDED_ON))
    auth = stack.start("auth")
    stack.with_settings(auth_grpc_address=f"127.0.0.1:{auth.port}")
    journal = stack.start("journal")
    gateway = stack.gateway(PASSWORD, journal_grpc_address=f"127.0.0.1:{journal.port}")
    yield Periods(gateway.client, journal.port, gateway.token)


class Periods:
    def __init__(self, client, port: int, token) -> None:
        self.client, self.port, self.token = client, port, token

    def get(self, login: str, **query):
        return self.client.get("/api/v1/journal/periods", query_string=query,
                               headers={"Authorization": f"Bearer {self.token(login)}"})

    def rpc(self, login: str, request: journal_pb2.ListPeriodsRequest):
        with grpc.insecure_channel(f"127.0.0.1:{self.port}") as channel:
            stub = journal_pb2_grpc.JournalServiceStub(channel)
            return stub.ListPeriods(request, timeout=5, metadata=bearer_metadata(self.token(login)))


def _body(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json(force=True)


def _school_1_periods_are_listed(body: dict) -> None:
    assert body["school_id"] == SCHOOL.id
    periods = body["periods"]
    # By start date; the year starts with the 1st quarter and, being longer, comes first.
    assert [period["id"] for period in periods] == [YEAR, *QUARTERS]
    assert [period["start_date"] for period in periods] == sorted(period["start_date"] for period in periods)
    second = periods[2]
    assert (second["kind"], second["number"], second["title"]) == ("quarter", 2, "2 четверть")
    assert second["start_date"] <= SEEDED_ON.isoformat() <= second["end_date"]
    assert second["final_marks_deadline"] <= second["end_date"]
    assert periods[0]["kind"] == "year" and periods[0]["number"] is None


def test_g1_parent_lists_the_periods_of_the_childs_school(periods_stack):
    # The parent's token names no school of its own: the journal finds it through the children.
    _school_1_periods_are_listed(_body(periods_stack.get("parent"), 200))
    _school_1_periods_are_listed(_body(periods_stack.get("parent", school_id=SCHOOL.id), 200))


def test_g1_teacher_and_student_list_the_periods_of_their_school(periods_stack):
    for login in ("teacher", "student", "classteacher"):
        _school_1_periods_are_listed(_body(periods_stack.get(login, school_id=SCHOOL.id), 200))
    _school_1_periods_are_listed(_body(periods_stack.get("student"), 200))


def test_g1_the_period_containing_a_day(periods_stack):
    body = _body(periods_stack.get("parent", date=SEEDED_ON.isoformat()), 200)
    assert [period["id"] for period in body["periods"]] == [YEAR, QUARTERS[1]]
    reply = periods_stack.rpc("teacher", journal_pb2.ListPeriodsRequest(school_id=SCHOOL.id, date="2026-11-26"))
    assert [period.id for period in reply.periods] == [YEAR, QUARTERS[1]]
    # A day in the summer holidays lies in no period.
    assert _body(periods_stack.get("teacher", date="2026-07-15"), 200)["periods"] == []


def test_g1_district_staff_list_any_schools_periods(periods_stack):
    _school_1_periods_are_listed(_body(periods_stack.get("district", school_id=SCHOOL.id), 200))
    school_2 = _body(periods_stack.get("district", school_id=SCHOOL_2.id), 200)
    assert school_2["school_id"] == SCHOOL_2.id and school_2["periods"]
    # District staff belong to no one school: they must name it.
    problem = _body(periods_stack.get("district"), 400)
    assert "school_id" in problem["detail"]


def test_a5_other_school_periods_are_not_found(periods_stack):
    other = _body(periods_stack.get("teacher7", school_id=SCHOOL.id), 404)
    missing = _body(periods_stack.get("teacher7", school_id=demo_id("school", 99)), 404)
    assert other["detail"] == missing["detail"] == "Школа не найдена"
    with pytest.raises(grpc.RpcError) as raised:
        periods_stack.rpc("teacher7", journal_pb2.ListPeriodsRequest(school_id=SCHOOL.id))
    assert read_rpc_error(raised.value).code is grpc.StatusCode.NOT_FOUND
    # Their own school's periods they do get.
    own = _body(periods_stack.get("teacher7"), 200)
    assert own["school_id"] == SCHOOL_2.id and SCHOOL.id not in {p["id"] for p in own["periods"]}
    assert not set(QUARTERS) & {period["id"] for period in own["periods"]}


def test_g1_a_bad_day_is_refused_naming_the_field(periods_stack):
    problem = _body(periods_stack.get("parent", date="26.11.2026"), 400)
    assert "date" in str(problem)
