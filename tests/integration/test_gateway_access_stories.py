"""Issue 3's user stories and security rules through the gateway, with the real services (A1–A5).

`tests/integration/test_auth_service.py` proves them at the gRPC level and
`tests/gateway/` with fakes; here each one goes through `create_app` and
Flask's test client to the real auth and journal services holding the demo
district, on PostgreSQL + RabbitMQ and on SQLite + the embedded bus.

The auth service runs with an injected clock (real time plus an offset the
test moves) for code expiry, lock-outs and idle sessions. Access tokens are
signed with the real time, so moving the clock does not expire them.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import re
import time
import uuid
from dataclasses import dataclass, field

import jwt
import pyotp
import pytest
from cryptography.hazmat.primitives import serialization
from sqlalchemy import func, select

from gateway.app import create_app
from services.auth import store
from services.auth.definition import make_definition
from services.auth.keys import KeyRing
from services.auth.seed import seed_demo as seed_auth
from services.common.database import Database
from services.common.demo import build_district
from services.common.grpc_server import ServiceRuntime
from services.common.tokens import SigningKey
from services.journal.definition import DEFINITION as JOURNAL
from services.journal.seed import seed_demo as seed_journal

from .conftest import Clock, DemoPeople, free_address

pytestmark = pytest.mark.integration

PASSWORD = "some-password-123"
NEW_PASSWORD = "Brand-new-pass-42"
CODE_FORMAT = re.compile(r"^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{2}$")


# --- the system under test ------------------------------------------------------------


@dataclass
class Gateway(DemoPeople):
    """The gateway app in front of real auth and journal services, and what the tests need around it."""

    app: object
    clock: Clock
    district: object
    settings: object
    databases: dict = field(default_factory=dict)

    def client(self):
        return self.app.test_client()

    def database(self, service: str) -> Database:
        if service not in self.databases:
            self.databases[service] = Database(self.settings.database_url(service))
        return self.databases[service]

    def count(self, table, *where) -> int:
        with self.database("auth").session() as session:
            return session.scalar(select(func.count()).select_from(table).where(*where))

    def guardian_of(self, student_id: str):
        return self.district.guardian_of(student_id)


@pytest.fixture
def gateway(stack):
    """A gateway in front of real auth (with an injected clock) and journal services holding the demo district.

    Auth asks the journal about classes and the journal asks auth for keys,
    so both addresses are chosen before either service starts.
    """
    addresses = {service: free_address() for service in ("auth", "journal")}
    stack.with_settings(**{f"{service}_grpc_address": address for service, address in addresses.items()})
    stack.migrate("auth", "journal")
    district = build_district()
    for service, seed in (("auth", lambda db: seed_auth(db, district, PASSWORD)),
                          ("journal", lambda db: seed_journal(db, district))):
        database = Database(stack.settings.database_url(service))
        try:
            seed(database)
        finally:
            database.dispose()
    clock = Clock()
    for definition, service in ((make_definition(clock=clock), "auth"), (JOURNAL, "journal")):
        runtime = ServiceRuntime(definition, stack.settings, address=addresses[service])
        runtime.start()
        stack.runtimes.append(runtime)
    app = create_app(stack.settings)
    app.testing = True
    built = Gateway(app=app, clock=clock, district=district, settings=stack.settings)
    yield built
    app.extensions["ezh"].clients.close()
    for database in built.databases.values():
        database.dispose()


# --- helpers ----------------------------------------------------------------------------


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json", response.mimetype
    body = response.get_json(force=True)
    assert body["status"] == status
    return body


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json() if response.get_data() else {}


def login(client, name: str, password: str = PASSWORD, *, agent: str = "pytest", address: str | None = None,
          **extra):
    environ = {"REMOTE_ADDR": address} if address else {}
    return client.post("/api/v1/auth/login", json={"login": name, "password": password, **extra},
                       headers={"User-Agent": agent}, environ_base=environ)


def sign_in(client, name: str, password: str = PASSWORD, **kwargs) -> dict:
    return ok(login(client, name, password, **kwargs))


def bearer(tokens) -> dict:
    token = tokens if isinstance(tokens, str) else tokens["access_token"]
    return {"Authorization": f"Bearer {token}"}


def activate(client, code: str, name: str, password: str = PASSWORD):
    return client.post("/api/v1/auth/activate", json={"code": code, "login": name, "password": password})


def refresh(client, tokens: dict):
    return client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})


def issue(client, caller: dict, person_id: str, role: str, class_id: str | None = None):
    body = {"role": role} | ({"class_id": class_id} if class_id else {})
    return client.post(f"/api/v1/people/{person_id}/activation-codes", headers=caller, json=body)


def time_left(slip: dict) -> dt.timedelta:
    return dt.datetime.fromisoformat(slip["expire_time"]) - dt.datetime.now(dt.UTC)


def field_of(body: dict) -> str | None:
    return body.get("field")


# --- A4: the district operator and the school's administrator -----------------------------


def test_a4_district_operator_creates_a_school_and_names_its_administrator_who_activates_and_signs_in(gateway):
    client = gateway.client()
    operator = bearer(sign_in(client, "district"))

    school = ok(client.post("/api/v1/schools", headers=operator,
                            json={"name": "МБОУ «Гимназия № 3»", "short_name": "Гимназия № 3"}), 201)
    assert (school["code_lifetime_days"], school["staff_totp_required"]) == (14, False)
    listed = ok(client.get("/api/v1/schools", headers=operator))["schools"]
    assert school["id"] in {item["id"] for item in listed}
    assert problem(client.post("/api/v1/schools", headers=operator, json={"name": "МБОУ «Гимназия № 3»"}),
                   409)["reason"] == "SCHOOL_EXISTS"

    named = ok(client.post("/api/v1/staff", headers=operator, json={
        "school_id": school["id"], "last_name": "Орлов", "first_name": "Олег", "middle_name": "Ильич",
        "roles": [{"role": "administrator"}],
    }), 201)
    assert named["school_id"] == school["id"] and named["login"] is None
    assert [role["role"] for role in named["roles"]] == ["administrator"]
    # The operator names administrators, no other staff, and issues codes only to them.
    teacher = client.post("/api/v1/staff", headers=operator, json={
        "school_id": school["id"], "last_name": "Х", "first_name": "У", "roles": [{"role": "subject_teacher"}],
    })
    assert problem(teacher, 403)["reason"] == "ROLE_NOT_ASSIGNABLE"
    assert problem(issue(client, operator, gateway.person("teacher"), "subject_teacher"), 403)["reason"] == \
        "ROLE_REQUIRED"

    # Staff codes: the district operator for administrators (rules.code_issuers).
    response = issue(client, operator, named["id"], "administrator")
    slip = ok(response, 201)
    assert response.headers["Cache-Control"] == "no-store"
    assert CODE_FORMAT.match(slip["code"]), slip["code"]
    assert slip["school_name"] == "МБОУ «Гимназия № 3»"
    assert slip["person_name"] == "Орлов Олег Ильич"
    assert (slip["role"], slip["role_title"], slip["class_name"]) == ("administrator", "Администратор журнала", None)
    assert dt.timedelta(days=13, hours=23) < time_left(slip) <= dt.timedelta(days=14)

    activated = ok(activate(client, slip["code"], "orlov.admin", NEW_PASSWORD))
    me = ok(client.get("/api/v1/me", headers=bearer(activated)))
    assert me["person"]["id"] == named["id"] and me["person"]["login"] == "orlov.admin"
    assert me["school"] == {"id": school["id"], "name": "МБОУ «Гимназия № 3»"}
    assert [role["role"] for role in me["roles"]] == ["administrator"]

    admin = bearer(sign_in(client, "orlov.admin", NEW_PASSWORD))
    staff = ok(client.get("/api/v1/staff", headers=admin))["people"]
    assert [(person["id"], person["login"]) for person in staff] == [(named["id"], "orlov.admin")]
    # The new administrator's school is theirs alone: school 1 answers like a school that does not exist.
    theirs = client.get(f"/api/v1/staff?school_id={gateway.school1.id}", headers=admin)
    nowhere = client.get(f"/api/v1/staff?school_id={uuid.uuid4()}", headers=admin)
    assert problem(theirs, 404) == problem(nowhere, 404)

    # Nothing else of the schools for the operator at the gateway: sign-ins and class lists are refused.
    assert problem(client.get(f"/api/v1/sign-ins?school_id={gateway.school1.id}", headers=operator),
                   403)["reason"] == "ROLE_REQUIRED"
    assert problem(client.get(f"/api/v1/classes/{gateway.class_5a.id}/access", headers=operator),
                   403)["reason"] == "ROLE_REQUIRED"


def test_a4_district_operator_cannot_read_a_schools_staff(gateway):
    client = gateway.client()
    operator = bearer(sign_in(client, "district"))

    response = client.get(f"/api/v1/staff?school_id={gateway.school1.id}", headers=operator)

    assert response.status_code in (403, 404), response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"


def test_a4_district_operator_cannot_block_a_schools_teacher(gateway):
    client = gateway.client()
    operator = bearer(sign_in(client, "district"))

    response = client.post(f"/api/v1/people/{gateway.person('teacher')}/block", headers=operator,
                           json={"reason": "Оператор"})

    assert response.status_code in (403, 404), response.get_data(as_text=True)
    assert login(client, "teacher").status_code == 200


def test_a4_administrator_enters_a_teacher_with_roles_and_the_code_activates_only_once(gateway):
    client = gateway.client()
    admin = bearer(sign_in(client, "admin"))

    created = ok(client.post("/api/v1/staff", headers=admin, json={
        "last_name": "Новикова", "first_name": "Елена", "middle_name": "Петровна",
        "roles": [{"role": "subject_teacher"}, {"role": "class_teacher", "class_id": gateway.class_9b.id}],
    }), 201)
    assert created["school_id"] == gateway.school1.id and created["login"] is None
    assert {(role["role"], role["class_id"]) for role in created["roles"]} == {
        ("subject_teacher", None), ("class_teacher", gateway.class_9b.id)
    }

    response = issue(client, admin, created["id"], "subject_teacher")
    slip = ok(response, 201)
    assert response.headers["Cache-Control"] == "no-store"
    assert CODE_FORMAT.match(slip["code"]), slip["code"]
    assert slip["school_name"] == gateway.school1.name
    assert slip["person_name"] == "Новикова Елена Петровна"
    assert (slip["role"], slip["role_title"]) == ("subject_teacher", "Учитель-предметник")
    assert dt.timedelta(days=13, hours=23) < time_left(slip) <= dt.timedelta(days=14)
    # A role the person has not been given cannot be handed out by code.
    assert problem(issue(client, admin, created["id"], "director"), 422)["reason"] == "ROLE_NOT_GRANTED"

    activated = ok(activate(client, slip["code"], "novikova"))
    me = ok(client.get("/api/v1/me", headers=bearer(activated)))
    assert me["person"]["id"] == created["id"] and me["person"]["activate_time"]
    assert {role["role"] for role in me["roles"]} == {"subject_teacher", "class_teacher"}

    again = problem(activate(client, slip["code"], "novikova2"), 422)
    assert (again["reason"], field_of(again)) == ("CODE_USED", "code")
    problem(login(client, "novikova2"), 401)
    assert gateway.count(store.account, store.account.c.person_id == created["id"]) == 1

    staff = ok(client.get("/api/v1/staff?page_size=100", headers=admin))["people"]
    listed = next(person for person in staff if person["id"] == created["id"])
    assert listed["login"] == "novikova" and listed["activate_time"] and listed["last_sign_in_time"]


def test_a4_administrator_withdraws_a_role_blocks_and_unblocks_and_sees_who_signed_in_when(gateway):
    client = gateway.client()
    admin = bearer(sign_in(client, "admin", agent="office-pc"))
    teacher_id = gateway.person("classteacher")
    old = sign_in(client, "classteacher", agent="teacher-laptop")
    class_5a = gateway.class_5a.id

    withdrawn = ok(client.delete(f"/api/v1/people/{teacher_id}/roles/class_teacher?class_id={class_5a}",
                                 headers=admin))
    assert [role["role"] for role in withdrawn["roles"]] == ["subject_teacher"]
    # The old token still says class_teacher: refused at once.
    problem(client.get("/api/v1/me", headers=bearer(old)), 401)
    problem(client.get(f"/api/v1/classes/{class_5a}/access", headers=bearer(old)), 401)
    renewed = ok(refresh(client, old))
    assert [role["role"] for role in ok(client.get("/api/v1/me", headers=bearer(renewed)))["roles"]] == \
        ["subject_teacher"]
    assert problem(client.get(f"/api/v1/classes/{class_5a}/access", headers=bearer(renewed)), 403)["reason"] == \
        "ROLE_REQUIRED"
    assert problem(client.delete(f"/api/v1/people/{teacher_id}/roles/class_teacher", headers=admin),
                   404)["reason"] == "ROLE_NOT_HELD"

    blocked = ok(client.post(f"/api/v1/people/{teacher_id}/block", headers=admin, json={"reason": "Увольнение"}))
    assert blocked["blocked"] is True
    problem(client.get("/api/v1/me", headers=bearer(renewed)), 401)
    assert problem(login(client, "classteacher", agent="teacher-laptop"), 403)["reason"] == "ACCOUNT_BLOCKED"
    # The wrong password tells nothing about the block.
    assert problem(login(client, "classteacher", "Wrong-password-1"), 401)["reason"] == "BAD_CREDENTIALS"

    unblocked = ok(client.post(f"/api/v1/people/{teacher_id}/unblock", headers=admin))
    assert unblocked["blocked"] is False
    assert ok(client.get("/api/v1/me", headers=bearer(sign_in(client, "classteacher"))))["person"]["id"] == \
        teacher_id

    response = client.get("/api/v1/sign-ins?page_size=100", headers=admin)
    sign_ins = ok(response)["sign_ins"]
    times = [dt.datetime.fromisoformat(row["time"]) for row in sign_ins]
    assert times == sorted(times, reverse=True)
    assert (sign_ins[0]["login"], sign_ins[0]["succeeded"]) == ("classteacher", True)
    teacher_rows = [row for row in sign_ins if row["login"] == "classteacher"]
    assert all(row["person_id"] == teacher_id and row["full_name"] and row["address"] == "127.0.0.1"
               for row in teacher_rows)
    assert [(row["succeeded"], row["user_agent"]) for row in teacher_rows if row["user_agent"] == "teacher-laptop"] \
        == [(False, "teacher-laptop"), (True, "teacher-laptop")]
    assert sum(not row["succeeded"] for row in teacher_rows) == 2
    assert any(row["login"] == "admin" and row["user_agent"] == "office-pc" for row in sign_ins)
    director = bearer(sign_in(client, "director"))
    assert problem(client.get("/api/v1/sign-ins", headers=director), 403)["reason"] == "ROLE_REQUIRED"


# --- A1: the class teacher's codes ----------------------------------------------------------


def test_a1_class_teacher_issues_codes_for_own_class_sees_who_activated_and_reissues_a_lost_one(gateway):
    client = gateway.client()
    teacher = bearer(sign_in(client, "classteacher"))
    class_5a = gateway.class_5a.id
    student = gateway.class_5a.students[3]
    child = gateway.class_5a.students[4]
    guardian = gateway.guardian_of(child.id)

    student_slip = ok(issue(client, teacher, student.id, "student", class_5a), 201)
    assert (student_slip["class_name"], student_slip["role_title"]) == ("5А", "Ученик")
    assert student_slip["person_name"] == student.full_name
    parent_slip = ok(issue(client, teacher, guardian.id, "parent", class_5a), 201)
    assert (parent_slip["class_name"], parent_slip["role"]) == ("5А", "parent")
    assert parent_slip["person_name"] == guardian.full_name
    assert parent_slip["school_name"] == gateway.school1.name and parent_slip["expire_time"]

    def access() -> dict:
        members = ok(client.get(f"/api/v1/classes/{class_5a}/access", headers=teacher))["members"]
        return {(member["person_id"], member["role"]): member for member in members}

    before = access()
    parent_row = before[(guardian.id, "parent")]
    assert parent_row["student_id"] == child.id
    assert parent_row["code_issued"] and parent_row["code_expire_time"]
    assert parent_row["activate_time"] is None and parent_row["last_sign_in_time"] is None
    assert before[(student.id, "student")]["code_issued"]
    assert not before[(gateway.class_5a.students[5].id, "student")]["code_issued"]

    ok(activate(client, parent_slip["code"], "mama4"))
    parent = bearer(sign_in(client, "mama4"))
    me = ok(client.get("/api/v1/me", headers=parent))
    assert me["person"]["id"] == guardian.id and [role["role"] for role in me["roles"]] == ["parent"]
    assert [child_row["id"] for child_row in me["children"]] == [child.id]

    after = access()[(guardian.id, "parent")]
    assert after["activate_time"] and after["last_sign_in_time"]
    assert after["last_sign_in_time"] >= after["activate_time"]

    # The parent lost access: the class teacher re-issues, and the code restores the same account.
    again = ok(issue(client, teacher, guardian.id, "parent", class_5a), 201)
    assert again["code"] != parent_slip["code"]
    restored = ok(activate(client, again["code"], "mama4.new", NEW_PASSWORD))
    assert ok(client.get("/api/v1/me", headers=bearer(restored)))["person"]["id"] == guardian.id
    assert problem(login(client, "mama4"), 401)["reason"] == "BAD_CREDENTIALS"
    problem(client.get("/api/v1/me", headers=parent), 401)  # the old sessions ended
    assert gateway.count(store.account, store.account.c.person_id == guardian.id) == 1

    # Issuing again replaces an unused code.
    replacement = ok(issue(client, teacher, student.id, "student", class_5a), 201)
    assert problem(activate(client, student_slip["code"], "pupil3"), 422)["reason"] == "CODE_EXPIRED"
    pupil = ok(activate(client, replacement["code"], "pupil3"))
    me = ok(client.get("/api/v1/me", headers=bearer(pupil)))
    assert me["person"]["id"] == student.id and [role["role"] for role in me["roles"]] == ["student"]


def test_a1_class_teacher_cannot_issue_outside_own_class_and_a_subject_teacher_cannot_issue_at_all(gateway):
    client = gateway.client()
    teacher = bearer(sign_in(client, "classteacher"))
    class_5a, class_9b = gateway.class_5a.id, gateway.class_9b.id
    foreign = gateway.class_9b.students[3]
    foreign_parent = gateway.guardian_of(foreign.id)

    # A 9Б student or parent: the same answer as for a class that does not exist.
    other_class = problem(issue(client, teacher, foreign.id, "student", class_9b), 404)
    no_class = problem(issue(client, teacher, foreign.id, "student", str(uuid.uuid4())), 404)
    other_parent = problem(issue(client, teacher, foreign_parent.id, "parent", class_9b), 404)
    assert other_class == no_class == other_parent
    assert other_class["reason"] == "CLASS_NOT_FOUND"
    # Claimed to be in 5А: the same answer as for a person who does not exist.
    wrong_pupil = problem(issue(client, teacher, foreign.id, "student", class_5a), 404)
    nobody = problem(issue(client, teacher, str(uuid.uuid4()), "student", class_5a), 404)
    assert wrong_pupil == nobody and wrong_pupil["reason"] == "PERSON_NOT_FOUND"
    assert problem(client.get(f"/api/v1/classes/{class_9b}/access", headers=teacher), 404) == \
        problem(client.get(f"/api/v1/classes/{uuid.uuid4()}/access", headers=teacher), 404)
    # Nor codes for staff.
    assert problem(issue(client, teacher, gateway.person("teacher"), "subject_teacher"), 403)["reason"] == \
        "ROLE_REQUIRED"

    subject_teacher = bearer(sign_in(client, "teacher"))
    for response in (
        issue(client, subject_teacher, gateway.class_5a.students[3].id, "student", class_5a),
        client.get(f"/api/v1/classes/{class_5a}/access", headers=subject_teacher),
    ):
        assert problem(response, 403)["reason"] == "ROLE_REQUIRED"
    assert gateway.count(store.activation_code) == 0


# --- A1: code expiry and storage --------------------------------------------------------------


def test_a1_a_code_expires_after_the_schools_lifetime_and_is_stored_only_as_a_hash(gateway):
    client = gateway.client()
    admin = bearer(sign_in(client, "admin"))
    policy = ok(client.put(f"/api/v1/schools/{gateway.school1.id}/policy", headers=admin,
                           json={"code_lifetime_days": 2, "staff_totp_required": False}))
    assert policy["code_lifetime_days"] == 2
    assert problem(client.put(f"/api/v1/schools/{gateway.school2.id}/policy", headers=admin,
                              json={"code_lifetime_days": 3, "staff_totp_required": False}), 404)

    teacher = bearer(sign_in(client, "classteacher"))
    student = gateway.class_5a.students[7]
    slip = ok(issue(client, teacher, student.id, "student", gateway.class_5a.id), 201)
    assert dt.timedelta(days=1, hours=23) < time_left(slip) <= dt.timedelta(days=2)

    # The code's text is nowhere in auth's database; its SHA-256 is.
    raw = slip["code"].replace("-", "")
    with gateway.database("auth").session() as session:
        for table in store.metadata.sorted_tables:
            dump = " ".join(str(value) for row in session.execute(select(table)).all() for value in row)
            assert slip["code"] not in dump and raw not in dump, table.name
        hashes = session.scalars(select(store.activation_code.c.code_hash)).all()
    assert hashes == [hashlib.sha256(raw.encode()).hexdigest()]

    gateway.clock.advance(days=2, minutes=1)
    expired = problem(activate(client, slip["code"], "late7"), 422)
    assert (expired["reason"], field_of(expired)) == ("CODE_EXPIRED", "code")
    assert gateway.count(store.account, store.account.c.person_id == student.id) == 0

    fresh = ok(issue(client, teacher, student.id, "student", gateway.class_5a.id), 201)
    assert ok(activate(client, fresh["code"], "late7"))["access_token"]


# --- A2: everyone's password and sessions -----------------------------------------------------


def test_a2_everyone_sees_their_sessions_with_device_and_address_and_ends_one_or_all(gateway):
    client = gateway.client()
    laptop = sign_in(client, "parent", agent="Firefox on laptop", address="192.0.2.7")
    phone = sign_in(client, "parent", agent="phone app", address="198.51.100.20")
    stranger = sign_in(client, "teacher")

    response = client.get("/api/v1/me/sessions", headers=bearer(laptop))
    sessions = ok(response)["sessions"]
    assert response.headers["Cache-Control"] == "no-store"
    assert {(s["user_agent"], s["address"], s["current"]) for s in sessions} == {
        ("Firefox on laptop", "192.0.2.7", True), ("phone app", "198.51.100.20", False)
    }
    assert all(s["create_time"] and s["last_use_time"] and s["expire_time"] for s in sessions)
    phone_id = next(s["id"] for s in sessions if not s["current"])
    stranger_id = next(s["id"] for s in ok(client.get("/api/v1/me/sessions", headers=bearer(stranger)))["sessions"])

    assert problem(client.delete(f"/api/v1/me/sessions/{stranger_id}", headers=bearer(laptop)), 404)["reason"] == \
        "SESSION_NOT_FOUND"
    ended = ok(client.delete(f"/api/v1/me/sessions/{phone_id}", headers=bearer(laptop)))
    assert ended["ended"] == 1 and ended["access_token"] and ended["token_type"] == "Bearer"
    problem(refresh(client, phone), 401)
    problem(client.get("/api/v1/me", headers=bearer(phone)), 401)
    problem(client.get("/api/v1/me", headers=bearer(laptop)), 401)  # issued before: refused too
    remaining = ok(client.get("/api/v1/me/sessions", headers=bearer(ended)))["sessions"]
    assert [(s["user_agent"], s["current"]) for s in remaining] == [("Firefox on laptop", True)]

    everything = ok(client.delete("/api/v1/me/sessions", headers=bearer(ended)))
    assert everything["ended"] == 1 and "access_token" not in everything
    problem(refresh(client, laptop), 401)
    problem(client.get("/api/v1/me", headers=bearer(ended)), 401)
    assert ok(refresh(client, stranger))["access_token"]  # another person's session is untouched


def test_a2_changing_the_password_ends_the_other_sessions_and_the_old_password_fails(gateway):
    api = gateway.client()
    here = sign_in(api, "director", agent="here")
    browser = gateway.client()
    sign_in(browser, "director", agent="there", cookie=True)
    csrf = {"X-CSRF-Token": browser.get_cookie("ezh_csrf").value}
    ok(browser.get("/api/v1/me"))

    def change(current: str, new: str, tokens=here):
        return api.post("/api/v1/me/password", headers=bearer(tokens),
                        json={"current_password": current, "new_password": new})

    wrong = problem(change("Not-my-pass-1", NEW_PASSWORD), 400)
    assert (wrong["reason"], field_of(wrong)) == ("WRONG_PASSWORD", "current_password")
    for weak in ("short1!", "qwerty123", "director"):
        assert field_of(problem(change(PASSWORD, weak), 400)) == "new_password", weak
    assert field_of(problem(api.post("/api/v1/me/password", headers=bearer(here),
                                     json={"current_password": PASSWORD}), 400)) == "new_password"
    assert ok(api.get("/api/v1/me", headers=bearer(here)))  # nothing changed so far

    changed = ok(change(PASSWORD, NEW_PASSWORD))
    assert changed["access_token"] and changed["token_type"] == "Bearer"
    problem(api.get("/api/v1/me", headers=bearer(here)), 401)
    assert ok(api.get("/api/v1/me", headers=bearer(changed)))["person"]["login"] == "director"
    # The other session (the browser) has ended.
    problem(browser.get("/api/v1/me"), 401)
    problem(browser.post("/api/v1/auth/refresh", headers=csrf), 401)
    assert browser.get_cookie("ezh_refresh", path="/api/v1/auth") is None
    assert ok(refresh(api, here))["access_token"]  # this device stays signed in

    assert problem(login(api, "director"), 401)["reason"] == "BAD_CREDENTIALS"
    assert sign_in(api, "director", NEW_PASSWORD)["access_token"]


# --- A3: second factor, throttling, idle sessions, tokens -------------------------------------


def _a_wrong_code(secret: str) -> str:
    totp = pyotp.TOTP(secret)
    near = {totp.at(time.time() + seconds) for seconds in range(-90, 91, 30)}
    return next(code for code in ("000000", "111111", "222222") if code not in near)


def test_a3_staff_enroll_a_second_factor_and_then_sign_in_only_with_it(gateway):
    client = gateway.client()
    teacher = bearer(sign_in(client, "teacher"))
    parent = bearer(sign_in(client, "parent"))
    assert problem(client.post("/api/v1/me/totp", headers=parent, json={"password": PASSWORD}),
                   403)["reason"] == "ROLE_REQUIRED"
    # A stolen access token alone cannot add a second factor and lock the owner out.
    stolen = problem(client.post("/api/v1/me/totp", headers=teacher, json={"password": "Guessed-password-1"}), 400)
    assert field_of(stolen) == "password"

    begun = ok(client.post("/api/v1/me/totp", headers=teacher, json={"password": PASSWORD}))
    assert "issuer=ezh" in begun["provisioning_uri"] and "teacher" in begun["provisioning_uri"]
    secret = begun["secret"]
    wrong = problem(client.post("/api/v1/me/totp/confirm", headers=teacher, json={"otp": _a_wrong_code(secret)}), 400)
    assert field_of(wrong) == "otp"
    confirmed = client.post("/api/v1/me/totp/confirm", headers=teacher, json={"otp": pyotp.TOTP(secret).now()})
    assert confirmed.status_code == 204, confirmed.get_data(as_text=True)
    assert ok(client.get("/api/v1/me", headers=teacher))["person"]["totp_enabled"] is True

    missing = problem(login(client, "teacher"), 422)
    assert (missing["reason"], field_of(missing)) == ("OTP_REQUIRED", "otp")
    bad = problem(login(client, "teacher", otp=_a_wrong_code(secret)), 401)
    assert (bad["reason"], field_of(bad)) == ("BAD_OTP", "otp")
    # A wrong password says nothing about the second factor.
    assert problem(login(client, "teacher", "Wrong-password-1"), 401)["reason"] == "BAD_CREDENTIALS"
    code = pyotp.TOTP(secret).at(time.time() + 30)  # the next step: the confirming one is spent
    assert sign_in(client, "teacher", otp=code)["access_token"]
    assert problem(login(client, "teacher", otp=code), 401)["reason"] == "BAD_OTP"  # a code works once

    # The school requires it: staff without it enroll with login and password first; parents are not asked.
    admin = bearer(sign_in(client, "admin"))
    ok(client.put(f"/api/v1/schools/{gateway.school1.id}/policy", headers=admin,
                  json={"code_lifetime_days": 14, "staff_totp_required": True}))
    assert problem(login(client, "director"), 422)["reason"] == "TOTP_ENROLLMENT_REQUIRED"
    assert sign_in(client, "parent")["access_token"]
    assert problem(client.post("/api/v1/auth/totp", json={"login": "director", "password": "Wrong-password-1"}),
                   401)["reason"] == "BAD_CREDENTIALS"
    enrollment = ok(client.post("/api/v1/auth/totp", json={"login": "director", "password": PASSWORD}))
    signed_in = ok(client.post("/api/v1/auth/totp/confirm", json={
        "login": "director", "password": PASSWORD, "otp": pyotp.TOTP(enrollment["secret"]).now(),
    }))
    assert ok(client.get("/api/v1/me", headers=bearer(signed_in)))["person"]["totp_enabled"] is True
    assert problem(login(client, "director"), 422)["reason"] == "OTP_REQUIRED"


def test_a3_repeated_wrong_passwords_lock_sign_in_for_a_while_the_same_way_for_an_unknown_login(gateway):
    client = gateway.client()
    wrong = problem(login(client, "teacher", "Wrong-password-1"), 401)
    unknown = problem(login(client, "nobody.here", "Wrong-password-1"), 401)
    assert wrong == unknown and wrong["reason"] == "BAD_CREDENTIALS"

    for _ in range(4):
        problem(login(client, "teacher", "Wrong-password-1"), 401)
        problem(login(client, "nobody.here", "Wrong-password-1"), 401)
    locked_response = login(client, "teacher")
    locked = problem(locked_response, 429)  # even with the right password
    locked_unknown = problem(login(client, "nobody.here"), 429)
    assert locked == locked_unknown
    assert 0 < int(locked_response.headers["Retry-After"]) <= 15 * 60
    assert locked["reason"] == "TOO_MANY_ATTEMPTS" and "мин" in locked["detail"]
    assert sign_in(client, "director")["access_token"]  # another login from the same address

    gateway.clock.advance(minutes=14)
    assert problem(login(client, "teacher"), 429)["reason"] == "TOO_MANY_ATTEMPTS"
    gateway.clock.advance(minutes=2)
    assert sign_in(client, "teacher")["access_token"]  # the lock ended by itself

    # Per address: failures on many logins lock the client's address (as the gateway saw it), not another.
    for n in range(30):
        problem(login(client, f"guess{n}", "Wrong-password-1", address="203.0.113.9"), 401)
    assert problem(login(client, "deputy", address="203.0.113.9"), 429)["reason"] == "TOO_MANY_ATTEMPTS"
    assert sign_in(client, "deputy", address="203.0.113.10")["access_token"]
    gateway.clock.advance(minutes=16)
    assert sign_in(client, "deputy", address="203.0.113.9")["access_token"]


def test_a3_a_staff_session_ends_after_30_minutes_idle_a_parents_does_not(gateway):
    client = gateway.client()
    teacher = sign_in(client, "teacher")
    parent = sign_in(client, "parent")
    current = ok(client.get("/api/v1/me/sessions", headers=bearer(teacher)))["sessions"][0]
    idle_limit = dt.datetime.fromisoformat(current["expire_time"]) - \
        dt.datetime.fromisoformat(current["last_use_time"])
    assert idle_limit == dt.timedelta(minutes=30)

    gateway.clock.advance(minutes=29)
    teacher = ok(refresh(client, teacher))  # used in time: idle time starts again
    gateway.clock.advance(minutes=31)
    expired = problem(refresh(client, teacher), 401)
    assert expired["reason"] == "SESSION_EXPIRED"
    assert problem(refresh(client, teacher), 401)  # and stays ended
    assert ok(refresh(client, parent))["access_token"]  # 7 days idle for parents

    browser = gateway.client()
    sign_in(browser, "deputy", cookie=True)
    csrf = {"X-CSRF-Token": browser.get_cookie("ezh_csrf").value}
    gateway.clock.advance(minutes=31)
    assert problem(browser.post("/api/v1/auth/refresh", headers=csrf), 401)["reason"] == "SESSION_EXPIRED"
    assert browser.get_cookie("ezh_refresh", path="/api/v1/auth") is None  # the web client's cookies are cleared


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _hs256(header: dict, claims: dict, secret: bytes) -> str:
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def test_a3_forged_tampered_expired_and_alg_none_tokens_are_refused_with_401(gateway):
    client = gateway.client()
    teacher = sign_in(client, "teacher")
    real_claims = jwt.decode(teacher["access_token"], options={"verify_signature": False})
    real_kid = jwt.get_unverified_header(teacher["access_token"])["kid"]
    real_key = KeyRing(gateway.database("auth")).signing_key()
    assert real_key.kid == real_kid
    header = {"kid": real_kid, "typ": "at+jwt"}

    def claims(**changes) -> dict:
        now = time.time()
        made = dict(real_claims, iat=round(now, 3), exp=int(now) + 600, jti=uuid.uuid4().hex)
        made.update(changes)
        return made

    def sign(payload: dict, key=real_key.private_key, headers=header, algorithm="EdDSA") -> str:
        return jwt.encode(payload, key, algorithm=algorithm, headers=headers)

    # The harness works: the same claims signed with auth's own key are accepted.
    assert ok(client.get("/api/v1/me", headers=bearer(sign(claims()))))["person"]["login"] == "teacher"

    administrator = [{"role": "administrator", "school": gateway.school1.id}]
    head, payload, signature = teacher["access_token"].split(".")
    tampered = ".".join((head, _b64(json.dumps(claims(roles=administrator)).encode()), signature))
    public_raw = real_key.public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    other = SigningKey.generate()
    forged = {
        "another key under auth's kid": sign(claims(roles=administrator), other.private_key),
        "another key with its own kid": sign(claims(roles=administrator), other.private_key,
                                             {"kid": other.kid, "typ": "at+jwt"}),
        "alg none": jwt.encode(claims(roles=administrator), None, algorithm="none", headers=header),
        "HS256 keyed with the public key": _hs256({"alg": "HS256", **header}, claims(), public_raw),
        "tampered claims": tampered,
        "expired": sign(claims(iat=time.time() - 3600, exp=int(time.time()) - 600)),
        "another audience": sign(claims(aud="another-app")),
        "another issuer": sign(claims(iss="someone-else")),
        "not an access token (typ)": sign(claims(), headers={"kid": real_kid, "typ": "JWT"}),
        "no jti": sign({key: value for key, value in claims().items() if key != "jti"}),
        "garbage": "not.a.token",
    }
    staff_before = gateway.count(store.person)
    for name, token in forged.items():
        refused = problem(client.get("/api/v1/me", headers=bearer(token)), 401)
        assert refused["reason"] == "INVALID_TOKEN", name
        response = client.post("/api/v1/staff", headers=bearer(token), json={
            "last_name": "Взломов", "first_name": "Иван", "roles": [{"role": "administrator"}],
        })
        problem(response, 401)
        assert 'error="invalid_token"' in response.headers["WWW-Authenticate"], name
    # A forged token in the web client's cookie is refused the same way.
    client.set_cookie("ezh_access", forged["another key under auth's kid"])
    assert problem(client.get("/api/v1/me"), 401)["reason"] == "INVALID_TOKEN"
    assert gateway.count(store.person) == staff_before


# --- A5: other schools and other roles ----------------------------------------------------------


def test_a5_another_schools_administrator_finds_nothing_of_school_1_and_a_parent_no_teacher_route(gateway):
    client = gateway.client()
    admin2 = bearer(sign_in(client, "admin2"))
    teacher_id = gateway.person("teacher")
    school1 = gateway.school1.id

    def both(method: str, path: str, body: dict | None = None) -> None:
        """The request for school 1's person answers exactly like one for a person who does not exist."""
        send = getattr(client, method)
        hidden = send(path.format(teacher_id), headers=admin2, json=body)
        absent = send(path.format(uuid.uuid4()), headers=admin2, json=body)
        assert problem(hidden, 404) == problem(absent, 404), path

    both("post", "/api/v1/people/{}/block", {"reason": "Чужая школа"})
    both("post", "/api/v1/people/{}/unblock")
    both("post", "/api/v1/people/{}/roles", {"role": "director"})
    both("delete", "/api/v1/people/{}/roles/subject_teacher")
    both("post", "/api/v1/people/{}/activation-codes", {"role": "subject_teacher"})
    for path in ("/api/v1/staff?school_id={}", "/api/v1/sign-ins?school_id={}"):
        assert problem(client.get(path.format(school1), headers=admin2), 404) == \
            problem(client.get(path.format(uuid.uuid4()), headers=admin2), 404)
    assert problem(client.get(f"/api/v1/classes/{gateway.class_5a.id}/access", headers=admin2), 404) == \
        problem(client.get(f"/api/v1/classes/{uuid.uuid4()}/access", headers=admin2), 404)
    new_teacher = {"last_name": "Х", "first_name": "У", "roles": [{"role": "subject_teacher"}]}
    assert problem(client.post("/api/v1/staff", headers=admin2, json={"school_id": school1, **new_teacher}), 404) \
        == problem(client.post("/api/v1/staff", headers=admin2, json={"school_id": str(uuid.uuid4()), **new_teacher}),
                   404)
    policy = {"code_lifetime_days": 3, "staff_totp_required": True}
    assert problem(client.put(f"/api/v1/schools/{school1}/policy", headers=admin2, json=policy), 404) == \
        problem(client.put(f"/api/v1/schools/{uuid.uuid4()}/policy", headers=admin2, json=policy), 404)
    # Nothing changed in school 1.
    admin = bearer(sign_in(client, "admin"))
    staff = ok(client.get("/api/v1/staff?page_size=100", headers=admin))["people"]
    teacher = next(person for person in staff if person["id"] == teacher_id)
    assert [role["role"] for role in teacher["roles"]] == ["subject_teacher"] and not teacher["blocked"]
    assert sign_in(client, "director")["access_token"]  # no second factor was required

    # A parent (or student) with a teacher's or administrator's route: 403 before the view runs.
    for name in ("parent", "student"):
        family = bearer(sign_in(client, name))
        for response in (
            client.get(f"/api/v1/classes/{gateway.class_5a.id}/access", headers=family),
            issue(client, family, gateway.class_5a.students[2].id, "student", gateway.class_5a.id),
            client.post("/api/v1/staff", headers=family, json=new_teacher),
            client.get("/api/v1/sign-ins", headers=family),
            client.post(f"/api/v1/people/{teacher_id}/block", headers=family, json={}),
            client.post("/api/v1/me/totp", headers=family, json={"password": PASSWORD}),
        ):
            assert problem(response, 403)["reason"] == "ROLE_REQUIRED", (name, response.request.path)
    assert gateway.count(store.activation_code) == 0


# --- bad input ----------------------------------------------------------------------------------


def _names_the_field(body: dict, expected: str) -> None:
    assert body["reason"] == "INVALID_ARGUMENT", body
    assert body.get("field") == expected, body
    assert expected in {error["field"] for error in body.get("errors") or ()}, body
    assert body["detail"], body  # for people, in Russian


def test_a1_bad_activation_input_is_400_naming_the_field_and_changes_nothing(gateway):
    client = gateway.client()
    teacher = bearer(sign_in(client, "classteacher"))
    student = gateway.class_5a.students[8]
    slip = ok(issue(client, teacher, student.id, "student", gateway.class_5a.id), 201)
    code = slip["code"]
    good = {"code": code, "login": "pupil8", "password": PASSWORD}

    def state() -> tuple[int, ...]:
        return (gateway.count(store.account), gateway.count(store.session), gateway.count(store.role_grant),
                gateway.count(store.activation_code, store.activation_code.c.use_time.is_not(None)))

    before = state()
    cases = [
        ({"login": "pupil8", "password": PASSWORD}, "code"),  # missing
        ({"code": code, "password": PASSWORD}, "login"),
        ({"code": code, "login": "pupil8"}, "password"),
        ({**good, "code": 1234567890}, "code"),  # wrong types
        ({**good, "login": ["pupil8"]}, "login"),
        ({**good, "password": True}, "password"),
        ({**good, "cookie": "sometimes"}, "cookie"),
        ({**good, "code": "K" * 65}, "code"),  # overlong
        ({**good, "login": "p" * 65}, "login"),
        ({**good, "password": "x" * 257}, "password"),
        ({**good, "role": "administrator"}, "role"),  # unknown
        ({**good, "login": "Я"}, "login"),  # the service's own rules
        ({**good, "password": "12345678"}, "password"),
        ({**good, "password": "Long-pass-" * 20}, "password"),
        ({**good, "code": "   "}, "code"),
    ]
    for body, expected in cases:
        response = client.post("/api/v1/auth/activate", json=body)
        _names_the_field(problem(response, 400), expected)
    not_an_object = problem(client.post("/api/v1/auth/activate", json=[good]), 400)
    assert not_an_object["reason"] == "INVALID_ARGUMENT"
    malformed = client.post("/api/v1/auth/activate", data='{"code": ', content_type="application/json")
    assert problem(malformed, 400)["reason"] == "MALFORMED_JSON"
    assert state() == before

    assert ok(client.post("/api/v1/auth/activate", json=good))["access_token"]  # the code still works
    assert state() != before


def test_a4_bad_staff_input_is_400_naming_the_field_and_changes_nothing(gateway):
    client = gateway.client()
    admin = bearer(sign_in(client, "admin"))
    good = {"last_name": "Белова", "first_name": "Ирина", "middle_name": "Олеговна",
            "roles": [{"role": "deputy_director"}]}

    def state() -> tuple[int, int]:
        return gateway.count(store.person), gateway.count(store.role_grant)

    before = state()
    cases = [
        ({key: value for key, value in good.items() if key != "last_name"}, "last_name"),  # missing
        ({key: value for key, value in good.items() if key != "roles"}, "roles"),
        ({**good, "roles": []}, "roles"),
        ({**good, "last_name": 42}, "last_name"),  # wrong types
        ({**good, "roles": "deputy_director"}, "roles"),
        ({**good, "roles": [{"role": "wizard"}]}, "roles[0].role"),
        ({**good, "roles": [{"role": "class_teacher", "class_id": "5А"}]}, "roles[0].class_id"),
        ({**good, "school_id": "school-1"}, "school_id"),
        ({**good, "first_name": "И" * 101}, "first_name"),  # overlong
        ({**good, "middle_name": "О" * 101}, "middle_name"),
        ({**good, "request_id": "r" * 101}, "request_id"),
        ({**good, "salary": 100000}, "salary"),  # unknown
        ({**good, "last_name": "   "}, "last_name"),  # the service's own rules
    ]
    for body, expected in cases:
        _names_the_field(problem(client.post("/api/v1/staff", headers=admin, json=body), 400), expected)
    no_class = problem(client.post("/api/v1/staff", headers=admin, json={**good, "roles": [{"role": "class_teacher"}]}),
                       400)
    assert no_class["reason"] == "INVALID_ARGUMENT" and "class_id" in no_class["field"]
    assert state() == before

    created = ok(client.post("/api/v1/staff", headers=admin, json=good), 201)
    assert created["full_name"] == "Белова Ирина Олеговна"
    assert state() == (before[0] + 1, before[1] + 1)
