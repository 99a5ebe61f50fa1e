"""The auth service over gRPC, with the journal it asks about classes (A1–A5).

Each story is also tried from the attacker's side.  Time is injected (the
auth service's clock) for lock-outs, session limits and code expiry.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import pyotp
import pytest
from ezh.auth.v1 import auth_pb2, auth_pb2_grpc
from ezh.journal.v1 import journal_pb2, journal_pb2_grpc
from sqlalchemy import select

from services.auth import rules, store
from services.auth import seed as auth_seed
from services.auth.definition import make_definition
from services.auth.keys import KeyRing
from services.common import events as envelope
from services.common.clock import as_utc
from services.auth.throttling import Throttle
from services.common.database import Database
from services.common.demo import build_district
from services.common.errors import read_rpc_error
from services.common.grpc_server import ServiceRuntime
from services.common.identity import bearer_metadata
from services.common.migrations import upgrade
from services.common.roles import Role
from services.common.tokens import InvalidToken, JwksCache, Revocations, TokenVerifier
from services.journal import seed as journal_seed
from services.journal import store as journal_store
from services.journal.definition import DEFINITION as JOURNAL
from services.reports import store as reports_store
from services.reports.definition import DEFINITION as REPORTS

from .conftest import Clock, DemoPeople, free_address, wait_for

pytestmark = pytest.mark.integration

PASSWORD = "Demo-pass-2026"
ROOT = Path(__file__).resolve().parents[2]
ADDRESS_LIMIT = 12  # failures per address before it is locked (30 in production; fewer keeps the test short)
CODE = grpc.StatusCode


def fails(call, *args, **kwargs):
    """The error a call answers with (it must fail)."""
    with pytest.raises(grpc.RpcError) as info:
        call(*args, timeout=10, **kwargs)
    return read_rpc_error(info.value)


def as_(tokens_or_token) -> tuple[tuple[str, str], ...]:
    token = tokens_or_token if isinstance(tokens_or_token, str) else tokens_or_token.access_token
    return bearer_metadata(token)


def role(name: Role) -> int:
    return auth_pb2.Role.Value(f"ROLE_{name.name}")


@dataclass
class System(DemoPeople):
    stack: object
    clock: Clock
    auth: ServiceRuntime
    journal: ServiceRuntime
    stub: auth_pb2_grpc.AuthServiceStub
    journal_stub: journal_pb2_grpc.JournalServiceStub
    district: object
    channels: list = field(default_factory=list)
    databases: dict = field(default_factory=dict)

    def guardian_of(self, student_id: str) -> str:
        return self.district.guardian_of(student_id).id

    # calls
    def login(self, login: str, password: str = PASSWORD, otp: str = "", address: str = "192.0.2.1",
              agent: str = "pytest") -> auth_pb2.Tokens:
        request = auth_pb2.LoginRequest(
            login=login, password=password, otp=otp,
            client=auth_pb2.ClientInfo(address=address, user_agent=agent),
        )
        return self.stub.Login(request, timeout=10).tokens

    def login_fails(self, login: str, password: str = PASSWORD, otp: str = "", address: str = "192.0.2.1"):
        request = auth_pb2.LoginRequest(
            login=login, password=password, otp=otp, client=auth_pb2.ClientInfo(address=address)
        )
        return fails(self.stub.Login, request)

    def refresh(self, tokens: auth_pb2.Tokens) -> auth_pb2.Tokens:
        return self.stub.Refresh(auth_pb2.RefreshRequest(refresh_token=tokens.refresh_token), timeout=10).tokens

    def issue(self, caller, person_id: str, code_role: Role, class_id: str = "") -> auth_pb2.ActivationSlip:
        request = auth_pb2.IssueActivationCodeRequest(person_id=person_id, role=role(code_role), class_id=class_id)
        return self.stub.IssueActivationCode(request, timeout=10, metadata=as_(caller)).slip

    def activate(self, code: str, login: str, password: str = PASSWORD, address: str = "198.51.100.1"):
        request = auth_pb2.ActivateRequest(
            code=code, login=login, password=password, client=auth_pb2.ClientInfo(address=address)
        )
        return self.stub.Activate(request, timeout=10)

    def me(self, tokens) -> auth_pb2.GetMeResponse:
        return self.stub.GetMe(auth_pb2.GetMeRequest(), timeout=10, metadata=as_(tokens))

    def database(self, service: str) -> Database:
        if service not in self.databases:
            self.databases[service] = Database(self.stack.settings.database_url(service))
        return self.databases[service]

    def verifier(self) -> TokenVerifier:
        """What any other service builds: auth's JWKS and the revocation list."""
        keys = JwksCache(lambda: self.stub.GetJwks(auth_pb2.GetJwksRequest(), timeout=5).jwks_json)
        revocations = Revocations()
        listed = self.stub.ListRevokedAccounts(auth_pb2.ListRevokedAccountsRequest(), timeout=5).accounts
        for account in listed:
            revocations.revoke(account.person_id, account.revoke_time.ToDatetime(dt.UTC).timestamp())
        return TokenVerifier(keys.key, revocations)

    def start(self, definition, address: str | None = None) -> ServiceRuntime:
        runtime = ServiceRuntime(definition, self.stack.settings, address=address or "127.0.0.1:0")
        runtime.start()
        self.stack.runtimes.append(runtime)
        return runtime


@pytest.fixture
def system(stack):
    addresses = {service: free_address() for service in ("auth", "journal", "reports")}
    stack.with_settings(**{f"{service}_grpc_address": address for service, address in addresses.items()})
    for service in ("auth", "journal", "reports"):
        upgrade(service, stack.settings.database_url(service))
    district = build_district()
    for seed, service in ((lambda db: auth_seed.seed_demo(db, district, PASSWORD), "auth"),
                          (lambda db: journal_seed.seed_demo(db, district), "journal")):
        database = Database(stack.settings.database_url(service))
        seed(database)
        database.dispose()
    clock = Clock()
    throttle = Throttle(per_address=rules.ThrottlePolicy(ADDRESS_LIMIT, dt.timedelta(minutes=15),
                                                          dt.timedelta(minutes=15)))
    built = System(stack=stack, clock=clock, auth=None, journal=None, stub=None, journal_stub=None,
                   district=district)
    built.auth = built.start(make_definition(clock=clock, throttle=throttle), addresses["auth"])
    built.journal = built.start(JOURNAL, addresses["journal"])
    auth_channel = grpc.insecure_channel(addresses["auth"])
    journal_channel = grpc.insecure_channel(addresses["journal"])
    built.channels += [auth_channel, journal_channel]
    built.stub = auth_pb2_grpc.AuthServiceStub(auth_channel)
    built.journal_stub = journal_pb2_grpc.JournalServiceStub(journal_channel)
    yield built
    for channel in built.channels:
        channel.close()
    for database in built.databases.values():
        database.dispose()


# --- signing in ----------------------------------------------------------------------


def test_a3_sign_in_does_not_tell_unknown_logins_and_locks_out_for_a_while(system):
    tokens = system.login("teacher")
    identity = system.verifier().verify(tokens.access_token)
    assert identity.person_id == system.person("teacher")
    assert identity.session_id == tokens.session_id
    assert [grant.role for grant in identity.roles] == [Role.SUBJECT_TEACHER]
    assert tokens.token_type == "Bearer" and 0 < tokens.expires_in <= 15 * 60
    me = system.me(tokens)
    assert me.school_name == system.school1.name and me.person.login == "teacher"

    wrong = system.login_fails("teacher", "Wrong-password-1")
    unknown = system.login_fails("nobody.here", "Wrong-password-1")
    assert (wrong.code, wrong.reason, wrong.message) == (unknown.code, unknown.reason, unknown.message)
    assert (wrong.code, wrong.reason) == (CODE.UNAUTHENTICATED, "BAD_CREDENTIALS")

    for _ in range(4):
        system.login_fails("teacher", "Wrong-password-1")
        system.login_fails("nobody.here", "Wrong-password-1")
    locked = system.login_fails("teacher")  # even the right password
    locked_unknown = system.login_fails("nobody.here")
    assert (locked.code, locked.reason) == (CODE.RESOURCE_EXHAUSTED, "TOO_MANY_ATTEMPTS")
    assert (locked_unknown.code, locked_unknown.reason, locked_unknown.message) == (
        locked.code, locked.reason, locked.message
    )
    assert system.login("director").access_token  # another login from the same address

    system.clock.advance(minutes=14)
    assert system.login_fails("teacher").reason == "TOO_MANY_ATTEMPTS"
    system.clock.advance(minutes=2)
    assert system.login("teacher").access_token

    # Per address: failures on many logins lock the address, not another one.
    for n in range(ADDRESS_LIMIT):
        assert system.login_fails(f"guess{n}", "Wrong-password-1", address="203.0.113.9").reason == "BAD_CREDENTIALS"
    assert system.login_fails("deputy", address="203.0.113.9").reason == "TOO_MANY_ATTEMPTS"
    assert system.login("deputy", address="203.0.113.10").access_token

    # The administrator sees who signed in when, newest first; unknown logins are not the school's.
    admin = system.login("admin")
    page = system.stub.ListSignIns(
        auth_pb2.ListSignInsRequest(school_id=system.school1.id, page_size=100), timeout=10, metadata=as_(admin)
    ).sign_ins
    assert page[0].login == "admin" and page[0].succeeded and page[0].address == "192.0.2.1"
    teacher_rows = [row for row in page if row.login == "teacher"]
    assert any(row.succeeded for row in teacher_rows) and any(not row.succeeded for row in teacher_rows)
    assert all(row.full_name for row in teacher_rows)
    assert not any(row.login.startswith(("nobody", "guess")) for row in page)
    times = [row.time.ToDatetime() for row in page]
    assert times == sorted(times, reverse=True)
    assert fails(system.stub.ListSignIns, auth_pb2.ListSignInsRequest(school_id=system.school1.id),
                 metadata=as_(tokens)).code == CODE.PERMISSION_DENIED


def test_a3_refresh_rotates_and_a_reused_refresh_token_ends_the_session(system):
    first = system.login("parent")
    second = system.refresh(first)
    assert second.session_id == first.session_id
    assert second.refresh_token != first.refresh_token
    third = system.refresh(second)

    reused = fails(system.stub.Refresh, auth_pb2.RefreshRequest(refresh_token=first.refresh_token))
    assert (reused.code, reused.reason) == (CODE.UNAUTHENTICATED, "REFRESH_TOKEN_REUSED")
    after = fails(system.stub.Refresh, auth_pb2.RefreshRequest(refresh_token=third.refresh_token))
    assert (after.code, after.reason) == (CODE.UNAUTHENTICATED, "SESSION_ENDED")
    with pytest.raises(InvalidToken):
        system.verifier().verify(third.access_token)
    assert fails(system.stub.GetMe, auth_pb2.GetMeRequest(), metadata=as_(third)).code == CODE.UNAUTHENTICATED
    with system.database("auth").session() as session:
        actions = session.scalars(select(store.audit_event.c.action)).all()
    assert "session.refresh_token_reused" in actions

    # Logout ends the session of the refresh token.
    other = system.login("parent", agent="phone")
    system.stub.Logout(auth_pb2.LogoutRequest(refresh_token=other.refresh_token), timeout=10)
    assert fails(system.stub.Refresh, auth_pb2.RefreshRequest(refresh_token=other.refresh_token)).reason == \
        "SESSION_ENDED"
    bad = fails(system.stub.Refresh, auth_pb2.RefreshRequest(refresh_token="made-up"))
    assert (bad.code, bad.reason) == (CODE.UNAUTHENTICATED, "REFRESH_TOKEN_INVALID")


def test_a3_staff_session_ends_after_30_minutes_idle_and_12_hours_in_any_case(system):
    tokens = system.login("teacher")
    system.clock.advance(minutes=29)
    tokens = system.refresh(tokens)
    system.clock.advance(minutes=29)
    tokens = system.refresh(tokens)
    system.clock.advance(minutes=30)
    idle = fails(system.stub.Refresh, auth_pb2.RefreshRequest(refresh_token=tokens.refresh_token))
    assert (idle.code, idle.reason) == (CODE.UNAUTHENTICATED, "SESSION_EXPIRED")

    tokens = system.login("teacher")
    for _ in range(28):  # used every 25 minutes for 11 h 40 min
        system.clock.advance(minutes=25)
        tokens = system.refresh(tokens)
    system.clock.advance(minutes=15)
    tokens = system.refresh(tokens)
    assert tokens.expires_in <= 5 * 60  # the access token does not outlive the session
    system.clock.advance(minutes=5)
    assert fails(system.stub.Refresh, auth_pb2.RefreshRequest(refresh_token=tokens.refresh_token)).reason == \
        "SESSION_EXPIRED"

    family = system.login("parent")
    system.clock.advance(days=6)
    family = system.refresh(family)
    system.clock.advance(days=7)
    assert fails(system.stub.Refresh, auth_pb2.RefreshRequest(refresh_token=family.refresh_token)).reason == \
        "SESSION_EXPIRED"


def test_a2_own_sessions_are_listed_and_ended_one_or_all(system):
    laptop = system.login("classteacher", agent="laptop", address="192.0.2.7")
    phone = system.login("classteacher", agent="phone")
    sessions = system.stub.ListSessions(auth_pb2.ListSessionsRequest(), timeout=10, metadata=as_(laptop)).sessions
    assert {(s.user_agent, s.current) for s in sessions} == {("laptop", True), ("phone", False)}
    current = next(s for s in sessions if s.current)
    assert current.address == "192.0.2.7"
    assert current.expire_time.ToDatetime() - current.last_use_time.ToDatetime() == dt.timedelta(minutes=30)

    someone_else = system.login("teacher")
    missing = fails(system.stub.EndSessions, auth_pb2.EndSessionsRequest(session_id=someone_else.session_id),
                    metadata=as_(laptop))
    assert (missing.code, missing.reason) == (CODE.NOT_FOUND, "SESSION_NOT_FOUND")

    ended = system.stub.EndSessions(
        auth_pb2.EndSessionsRequest(session_id=phone.session_id), timeout=10, metadata=as_(laptop)
    )
    assert ended.ended == 1 and ended.access_token
    assert fails(system.stub.Refresh, auth_pb2.RefreshRequest(refresh_token=phone.refresh_token)).reason == \
        "SESSION_ENDED"
    verifier = system.verifier()
    with pytest.raises(InvalidToken):
        verifier.verify(laptop.access_token)  # issued before: refused
    assert verifier.verify(ended.access_token).session_id == laptop.session_id
    assert system.me(ended.access_token).person.login == "classteacher"

    everything = system.stub.EndSessions(
        auth_pb2.EndSessionsRequest(all=True), timeout=10, metadata=as_(ended.access_token)
    )
    assert everything.ended == 1 and not everything.access_token
    assert fails(system.stub.Refresh, auth_pb2.RefreshRequest(refresh_token=laptop.refresh_token)).reason == \
        "SESSION_ENDED"
    assert system.refresh(someone_else).access_token  # another person's session is untouched


def test_a2_changing_the_password_ends_other_sessions_and_refuses_old_tokens(system):
    here = system.login("classteacher", agent="here")
    there = system.login("classteacher", agent="there")

    def change(current, new, tokens=here):
        return system.stub.ChangePassword(
            auth_pb2.ChangePasswordRequest(current_password=current, new_password=new), timeout=10,
            metadata=as_(tokens),
        )

    wrong = fails(system.stub.ChangePassword,
                  auth_pb2.ChangePasswordRequest(current_password="Not-my-pass-1", new_password="Brand-new-42!"),
                  metadata=as_(here))
    assert (wrong.code, wrong.metadata) == (CODE.INVALID_ARGUMENT, {"field": "current_password"})
    for weak in ("short1!", "qwerty123", "classteacher"):
        error = fails(system.stub.ChangePassword,
                      auth_pb2.ChangePasswordRequest(current_password=PASSWORD, new_password=weak),
                      metadata=as_(here))
        assert (error.code, error.metadata) == (CODE.INVALID_ARGUMENT, {"field": "new_password"})
    assert system.login("classteacher").access_token  # nothing changed

    changed = change(PASSWORD, "Brand-new-42!")
    verifier = system.verifier()
    for old in (here, there):
        with pytest.raises(InvalidToken):
            verifier.verify(old.access_token)
    assert verifier.verify(changed.access_token).person_id == system.person("classteacher")
    assert fails(system.stub.GetMe, auth_pb2.GetMeRequest(), metadata=as_(here)).code == CODE.UNAUTHENTICATED
    assert system.me(changed.access_token).person.login == "classteacher"
    assert fails(system.stub.Refresh, auth_pb2.RefreshRequest(refresh_token=there.refresh_token)).reason == \
        "SESSION_ENDED"
    assert system.refresh(here).access_token  # this device stays signed in
    assert system.login_fails("classteacher").reason == "BAD_CREDENTIALS"
    assert system.login("classteacher", "Brand-new-42!").access_token


def test_a4_blocked_account_cannot_sign_in_and_its_tokens_are_refused_everywhere(system):
    reports = system.start(REPORTS)
    admin = system.login("admin")
    teacher = system.login("teacher")
    teacher_id = system.person("teacher")

    other_admin = system.login("admin2")
    hidden = fails(system.stub.BlockAccount, auth_pb2.BlockAccountRequest(person_id=teacher_id),
                   metadata=as_(other_admin))
    missing = fails(system.stub.BlockAccount, auth_pb2.BlockAccountRequest(person_id=str(uuid.uuid4())),
                    metadata=as_(other_admin))
    assert (hidden.code, hidden.reason, hidden.message) == (missing.code, missing.reason, missing.message)
    assert hidden.code == CODE.NOT_FOUND
    assert fails(system.stub.BlockAccount, auth_pb2.BlockAccountRequest(person_id=teacher_id),
                 metadata=as_(teacher)).code == CODE.PERMISSION_DENIED

    from_office = as_(admin) + (("x-client-address", "192.0.2.44"), ("x-client-user-agent", "office"))
    blocked = system.stub.BlockAccount(
        auth_pb2.BlockAccountRequest(person_id=teacher_id, reason="Увольнение"), timeout=10, metadata=from_office
    ).person
    assert blocked.blocked
    assert fails(system.stub.GetMe, auth_pb2.GetMeRequest(), metadata=as_(teacher)).code == CODE.UNAUTHENTICATED
    with pytest.raises(InvalidToken):
        system.verifier().verify(teacher.access_token)
    refused = system.login_fails("teacher")
    assert (refused.code, refused.reason) == (CODE.PERMISSION_DENIED, "ACCOUNT_BLOCKED")
    assert system.login_fails("teacher", "Wrong-password-1").reason == "BAD_CREDENTIALS"  # tells nothing
    assert fails(system.stub.Refresh, auth_pb2.RefreshRequest(refresh_token=teacher.refresh_token)).reason == \
        "SESSION_ENDED"

    # ezh.auth.account.revoked.v1 reaches another service's revocation list.
    reports_db = system.database("reports")

    def reports_revoked():
        with reports_db.session() as session:
            return session.execute(
                select(reports_store.revoked).where(reports_store.revoked.c.person_id == teacher_id)
            ).first()

    row = wait_for(reports_revoked, what="the revocation in reports")
    assert row.reason == "blocked" and row.revoke_time <= time.time()
    assert reports.verifier.revocations.revoked_after(teacher_id, row.revoke_time - 1)

    system.stub.UnblockAccount(auth_pb2.UnblockAccountRequest(person_id=teacher_id), timeout=10, metadata=as_(admin))
    assert system.login("teacher").access_token
    with system.database("auth").session() as session:
        rows = session.execute(select(store.audit_event).where(store.audit_event.c.target == teacher_id)).all()
    by_action = {row.action: row for row in rows}
    assert {"account.blocked", "account.unblocked"} <= set(by_action)
    blocked_row = by_action["account.blocked"]
    assert (blocked_row.person_id, blocked_row.address, blocked_row.user_agent) == (
        system.person("admin"), "192.0.2.44", "office"
    )
    assert "Увольнение" in blocked_row.details


# --- activation codes --------------------------------------------------------------------


def test_a1_class_teacher_issues_codes_for_own_class_only_and_a_code_works_once(system):
    teacher = system.login("classteacher")  # class teacher of 5А
    student = system.class_5a.students[3]
    foreign_student = system.class_9b.students[3]

    slip = system.issue(teacher, student.id, Role.STUDENT, system.class_5a.id)
    assert slip.class_name == "5А" and slip.school_name == system.school1.name
    assert slip.person_name == student.full_name and slip.role == role(Role.STUDENT)
    assert [len(part) for part in slip.code.split("-")] == [4, 4, 2]
    lifetime = slip.expire_time.ToDatetime(dt.UTC) - system.clock()
    assert dt.timedelta(days=13, hours=23) < lifetime <= dt.timedelta(days=14)

    # Only the hash is stored.
    with system.database("auth").session() as session:
        rows = [dict(row._mapping) for row in session.execute(select(store.activation_code)).all()]
    assert len(rows) == 1
    stored = " ".join(str(value) for value in rows[0].values())
    assert slip.code not in stored and slip.code.replace("-", "") not in stored
    assert rows[0]["code_hash"] == hashlib.sha256(slip.code.replace("-", "").encode()).hexdigest()

    # Another class's student: same answer as a class that does not exist.
    other_class = fails(system.stub.IssueActivationCode, auth_pb2.IssueActivationCodeRequest(
        person_id=foreign_student.id, role=role(Role.STUDENT), class_id=system.class_9b.id), metadata=as_(teacher))
    no_class = fails(system.stub.IssueActivationCode, auth_pb2.IssueActivationCodeRequest(
        person_id=foreign_student.id, role=role(Role.STUDENT), class_id=str(uuid.uuid4())), metadata=as_(teacher))
    assert (other_class.code, other_class.reason, other_class.message) == (
        no_class.code, no_class.reason, no_class.message
    ) == (CODE.NOT_FOUND, "CLASS_NOT_FOUND", "Класс не найден")
    wrong_pupil = fails(system.stub.IssueActivationCode, auth_pb2.IssueActivationCodeRequest(
        person_id=foreign_student.id, role=role(Role.STUDENT), class_id=system.class_5a.id), metadata=as_(teacher))
    assert (wrong_pupil.code, wrong_pupil.reason) == (CODE.NOT_FOUND, "PERSON_NOT_FOUND")
    subject_teacher = system.login("teacher")
    assert fails(system.stub.IssueActivationCode, auth_pb2.IssueActivationCodeRequest(
        person_id=student.id, role=role(Role.STUDENT), class_id=system.class_5a.id),
        metadata=as_(subject_teacher)).code == CODE.PERMISSION_DENIED

    # Activation: bad input changes nothing; then once only.
    bad_login = fails(system.stub.Activate, auth_pb2.ActivateRequest(code=slip.code, login="Я", password=PASSWORD))
    assert bad_login.metadata == {"field": "login"}
    weak = fails(system.stub.Activate, auth_pb2.ActivateRequest(code=slip.code, login="pupil3", password="12345678"))
    assert weak.metadata == {"field": "password"}
    taken = fails(system.stub.Activate, auth_pb2.ActivateRequest(code=slip.code, login="Teacher", password=PASSWORD))
    assert (taken.code, taken.metadata) == (CODE.ALREADY_EXISTS, {"field": "login"})

    activated = system.activate(slip.code.lower(), "pupil3").tokens
    me = system.me(activated)
    assert me.person.id == student.id and [g.role for g in me.person.roles] == [role(Role.STUDENT)]
    assert me.person.activate_time.seconds > 0
    again = fails(system.stub.Activate, auth_pb2.ActivateRequest(code=slip.code, login="pupil3b", password=PASSWORD))
    assert (again.code, again.reason) == (CODE.FAILED_PRECONDITION, "CODE_USED")
    assert system.login("pupil3").access_token

    # The class teacher sees who has activated and when they last signed in (4.3.9).
    access = system.stub.ListClassAccess(
        auth_pb2.ListClassAccessRequest(class_id=system.class_5a.id), timeout=10, metadata=as_(teacher)
    ).members
    mine = next(m for m in access if m.person_id == student.id and m.role == role(Role.STUDENT))
    assert mine.code_issued and mine.activate_time.seconds and mine.last_sign_in_time.seconds
    parents = [m for m in access if m.role == role(Role.PARENT)]
    assert {m.student_id for m in parents} == {s.id for s in system.class_5a.students}
    assert not any(m.code_issued for m in access if m.person_id == system.class_5a.students[4].id)
    assert fails(system.stub.ListClassAccess, auth_pb2.ListClassAccessRequest(class_id=system.class_9b.id),
                 metadata=as_(teacher)).reason == "CLASS_NOT_FOUND"
    admin2 = system.login("admin2")
    assert fails(system.stub.ListClassAccess, auth_pb2.ListClassAccessRequest(class_id=system.class_5a.id),
                 metadata=as_(admin2)).reason == "CLASS_NOT_FOUND"
    admin = system.login("admin")
    assert system.stub.ListClassAccess(auth_pb2.ListClassAccessRequest(class_id=system.class_9b.id), timeout=10,
                                       metadata=as_(admin)).members


def test_a1_reissued_code_replaces_the_old_one_restores_access_and_never_makes_a_second_account(system):
    teacher = system.login("classteacher")
    guardian = system.guardian_of(system.class_5a.students[5].id)
    first = system.issue(teacher, guardian, Role.PARENT, system.class_5a.id)
    second = system.issue(teacher, guardian, Role.PARENT, system.class_5a.id)
    replaced = fails(system.stub.Activate, auth_pb2.ActivateRequest(code=first.code, login="mama5", password=PASSWORD))
    assert (replaced.code, replaced.reason) == (CODE.FAILED_PRECONDITION, "CODE_EXPIRED")
    parent = system.activate(second.code, "mama5").tokens
    assert [g.role for g in system.me(parent).person.roles] == [role(Role.PARENT)]

    # The demo parent lost access: the class teacher's new code restores their own account.
    demo_parent = system.person("parent")
    old = system.login("parent")
    slip = system.issue(teacher, demo_parent, Role.PARENT, system.class_5a.id)
    restored = system.activate(slip.code, "parent.new", "Another-pass-77").tokens
    assert system.me(restored).person.id == demo_parent
    assert system.login_fails("parent").reason == "BAD_CREDENTIALS"
    assert fails(system.stub.GetMe, auth_pb2.GetMeRequest(), metadata=as_(old)).code == CODE.UNAUTHENTICATED
    with system.database("auth").session() as session:
        accounts = session.scalars(select(store.account.c.login).where(store.account.c.person_id == demo_parent)).all()
    assert accounts == ["parent.new"]

    # A teacher who is also a parent of a 5А student: no second account, and no take-over.
    teacher_id = system.person("director")
    with system.database("journal").transaction() as session:
        session.execute(journal_store.guardian.insert().values(
            id=teacher_id, school_id=system.school1.id, last_name="Директорова", first_name="Анна"))
        session.execute(journal_store.guardianship.insert().values(
            guardian_id=teacher_id, student_id=system.class_5a.students[6].id, relation="mother"))
    refused = fails(system.stub.IssueActivationCode, auth_pb2.IssueActivationCodeRequest(
        person_id=teacher_id, role=role(Role.PARENT), class_id=system.class_5a.id), metadata=as_(teacher))
    assert (refused.code, refused.reason) == (CODE.FAILED_PRECONDITION, "ACCOUNT_EXISTS")
    admin = system.login("admin")
    granted = system.stub.GrantRole(auth_pb2.GrantRoleRequest(
        person_id=teacher_id, grant=auth_pb2.RoleGrant(role=role(Role.PARENT))), timeout=10, metadata=as_(admin))
    assert {g.role for g in granted.person.roles} == {role(Role.DIRECTOR), role(Role.PARENT)}
    identity = system.verifier().verify(system.login("director").access_token)
    assert {g.role for g in identity.roles} == {Role.DIRECTOR, Role.PARENT}


def test_a1_code_expires_after_the_school_lifetime_and_guessing_is_throttled(system):
    admin = system.login("admin")
    policy = system.stub.UpdateSchoolPolicy(auth_pb2.UpdateSchoolPolicyRequest(
        school_id=system.school1.id, code_lifetime_days=2), timeout=10, metadata=as_(admin)).school
    assert policy.code_lifetime_days == 2 and not policy.staff_totp_required
    assert fails(system.stub.UpdateSchoolPolicy, auth_pb2.UpdateSchoolPolicyRequest(
        school_id=system.school1.id, code_lifetime_days=0), metadata=as_(admin)).metadata == \
        {"field": "code_lifetime_days"}
    assert fails(system.stub.UpdateSchoolPolicy, auth_pb2.UpdateSchoolPolicyRequest(
        school_id=system.school2.id, code_lifetime_days=3), metadata=as_(admin)).code == CODE.NOT_FOUND

    teacher = system.login("classteacher")
    slip = system.issue(teacher, system.class_5a.students[7].id, Role.STUDENT, system.class_5a.id)
    system.clock.advance(days=2, minutes=1)
    expired = fails(system.stub.Activate, auth_pb2.ActivateRequest(code=slip.code, login="late7", password=PASSWORD))
    assert (expired.code, expired.reason) == (CODE.FAILED_PRECONDITION, "CODE_EXPIRED")

    def guess(n: int):
        code = rules.format_code(f"{n:02d}".replace("0", "A").replace("1", "B") + "ABCDEFGH")
        return fails(system.stub.Activate, auth_pb2.ActivateRequest(
            code=code, login=f"guess{n}", password=PASSWORD, client=auth_pb2.ClientInfo(address="203.0.113.5")))

    for n in range(ADDRESS_LIMIT):
        assert guess(n).reason == "CODE_NOT_FOUND"
    assert guess(99).code == CODE.RESOURCE_EXHAUSTED


# --- administration ----------------------------------------------------------------------


def test_a4_administrator_manages_staff_of_own_school_only(system):
    admin = system.login("admin")
    admin2 = system.login("admin2")
    operator = system.login("district")
    school = system.school1.id

    created = system.stub.CreateStaffMember(auth_pb2.CreateStaffMemberRequest(
        request_id="staff-1", school_id=school, last_name="Новикова", first_name="Елена", middle_name="Петровна",
        roles=[auth_pb2.RoleGrant(role=role(Role.SUBJECT_TEACHER))]), timeout=10, metadata=as_(admin)).person
    assert created.school_id == school and not created.login
    slip = system.issue(admin, created.id, Role.SUBJECT_TEACHER)
    assert slip.person_name == "Новикова Елена Петровна" and not slip.class_name
    new_teacher = system.activate(slip.code, "novikova").tokens
    assert system.verifier().verify(new_teacher.access_token).roles[0].role is Role.SUBJECT_TEACHER
    staff = system.stub.ListStaff(auth_pb2.ListStaffRequest(school_id=school, page_size=100), timeout=10,
                                  metadata=as_(admin)).people
    listed = next(person for person in staff if person.id == created.id)
    assert listed.login == "novikova" and listed.activate_time.seconds

    not_assignable = fails(system.stub.CreateStaffMember, auth_pb2.CreateStaffMemberRequest(
        school_id=school, last_name="Х", first_name="У",
        roles=[auth_pb2.RoleGrant(role=role(Role.DISTRICT_OPERATOR))]), metadata=as_(admin))
    assert not_assignable.code == CODE.PERMISSION_DENIED
    no_roles = fails(system.stub.CreateStaffMember, auth_pb2.CreateStaffMemberRequest(
        school_id=school, last_name="Х", first_name="У"), metadata=as_(admin))
    assert no_roles.metadata == {"field": "roles"}
    foreign_class = fails(system.stub.GrantRole, auth_pb2.GrantRoleRequest(
        person_id=created.id, grant=auth_pb2.RoleGrant(
            role=role(Role.CLASS_TEACHER), class_id=system.school2.classes[0].id)), metadata=as_(admin))
    assert (foreign_class.code, foreign_class.reason) == (CODE.NOT_FOUND, "CLASS_NOT_FOUND")
    leads = system.stub.GrantRole(auth_pb2.GrantRoleRequest(person_id=created.id, grant=auth_pb2.RoleGrant(
        role=role(Role.CLASS_TEACHER), class_id=system.class_9b.id)), timeout=10, metadata=as_(admin)).person
    assert any(g.role == role(Role.CLASS_TEACHER) and g.class_id == system.class_9b.id for g in leads.roles)

    # The other school's administrator: everything of school 1 answers like nothing.
    missing_person = str(uuid.uuid4())
    for call, request, missing in (
        (system.stub.CreateStaffMember, auth_pb2.CreateStaffMemberRequest(
            school_id=school, last_name="Х", first_name="У",
            roles=[auth_pb2.RoleGrant(role=role(Role.SUBJECT_TEACHER))]),
         auth_pb2.CreateStaffMemberRequest(school_id=str(uuid.uuid4()), last_name="Х", first_name="У",
                                           roles=[auth_pb2.RoleGrant(role=role(Role.SUBJECT_TEACHER))])),
        (system.stub.GrantRole, auth_pb2.GrantRoleRequest(
            person_id=created.id, grant=auth_pb2.RoleGrant(role=role(Role.DIRECTOR))),
         auth_pb2.GrantRoleRequest(person_id=missing_person, grant=auth_pb2.RoleGrant(role=role(Role.DIRECTOR)))),
        (system.stub.WithdrawRole, auth_pb2.WithdrawRoleRequest(
            person_id=created.id, grant=auth_pb2.RoleGrant(role=role(Role.SUBJECT_TEACHER))),
         auth_pb2.WithdrawRoleRequest(person_id=missing_person,
                                      grant=auth_pb2.RoleGrant(role=role(Role.SUBJECT_TEACHER)))),
        (system.stub.UnblockAccount, auth_pb2.UnblockAccountRequest(person_id=created.id),
         auth_pb2.UnblockAccountRequest(person_id=missing_person)),
        (system.stub.IssueActivationCode, auth_pb2.IssueActivationCodeRequest(
            person_id=created.id, role=role(Role.SUBJECT_TEACHER)),
         auth_pb2.IssueActivationCodeRequest(person_id=missing_person, role=role(Role.SUBJECT_TEACHER))),
        (system.stub.ListStaff, auth_pb2.ListStaffRequest(school_id=school),
         auth_pb2.ListStaffRequest(school_id=str(uuid.uuid4()))),
        (system.stub.ListSignIns, auth_pb2.ListSignInsRequest(school_id=school),
         auth_pb2.ListSignInsRequest(school_id=str(uuid.uuid4()))),
    ):
        hidden, absent = fails(call, request, metadata=as_(admin2)), fails(call, missing, metadata=as_(admin2))
        assert hidden.code == CODE.NOT_FOUND, call
        assert (hidden.code, hidden.reason, hidden.message) == (absent.code, absent.reason, absent.message)
    assert system.login("novikova").access_token  # untouched

    # The district operator names administrators, nothing else.
    named = system.stub.CreateStaffMember(auth_pb2.CreateStaffMemberRequest(
        school_id=system.school2.id, last_name="Орлов", first_name="Олег",
        roles=[auth_pb2.RoleGrant(role=role(Role.ADMINISTRATOR))]), timeout=10, metadata=as_(operator)).person
    assert system.issue(operator, named.id, Role.ADMINISTRATOR).code
    assert fails(system.stub.CreateStaffMember, auth_pb2.CreateStaffMemberRequest(
        school_id=system.school2.id, last_name="Орлов", first_name="Олег",
        roles=[auth_pb2.RoleGrant(role=role(Role.SUBJECT_TEACHER))]), metadata=as_(operator)).code == \
        CODE.PERMISSION_DENIED
    assert fails(system.stub.CreateStaffMember, auth_pb2.CreateStaffMemberRequest(
        school_id=school, last_name="Х", first_name="У",
        roles=[auth_pb2.RoleGrant(role=role(Role.SUBJECT_TEACHER))]), metadata=as_(new_teacher)).code == \
        CODE.PERMISSION_DENIED
    school_made = system.stub.CreateSchool(auth_pb2.CreateSchoolRequest(name="Гимназия № 3"), timeout=10,
                                           metadata=as_(operator)).school
    assert school_made.code_lifetime_days == 14
    assert fails(system.stub.CreateSchool, auth_pb2.CreateSchoolRequest(name="Гимназия № 4"),
                 metadata=as_(admin)).code == CODE.PERMISSION_DENIED


def test_a4_withdrawing_a_role_revokes_tokens_at_once(system):
    admin = system.login("admin")
    teacher = system.login("classteacher")
    teacher_id = system.person("classteacher")
    withdrawn = system.stub.WithdrawRole(auth_pb2.WithdrawRoleRequest(
        person_id=teacher_id, grant=auth_pb2.RoleGrant(role=role(Role.CLASS_TEACHER), class_id=system.class_5a.id)),
        timeout=10, metadata=as_(admin)).person
    assert [g.role for g in withdrawn.roles] == [role(Role.SUBJECT_TEACHER)]
    assert fails(system.stub.GetMe, auth_pb2.GetMeRequest(), metadata=as_(teacher)).code == CODE.UNAUTHENTICATED
    with pytest.raises(InvalidToken):
        system.verifier().verify(teacher.access_token)
    renewed = system.refresh(teacher)
    assert [g.role for g in system.verifier().verify(renewed.access_token).roles] == [Role.SUBJECT_TEACHER]
    assert fails(system.stub.IssueActivationCode, auth_pb2.IssueActivationCodeRequest(
        person_id=system.class_5a.students[2].id, role=role(Role.STUDENT), class_id=system.class_5a.id),
        metadata=as_(renewed)).code == CODE.PERMISSION_DENIED
    again = fails(system.stub.WithdrawRole, auth_pb2.WithdrawRoleRequest(
        person_id=teacher_id, grant=auth_pb2.RoleGrant(role=role(Role.CLASS_TEACHER))), metadata=as_(admin))
    assert (again.code, again.reason) == (CODE.NOT_FOUND, "ROLE_NOT_HELD")
    self_withdraw = fails(system.stub.WithdrawRole, auth_pb2.WithdrawRoleRequest(
        person_id=system.person("admin"), grant=auth_pb2.RoleGrant(role=role(Role.ADMINISTRATOR))),
        metadata=as_(admin))
    assert self_withdraw.code == CODE.FAILED_PRECONDITION
    with system.database("auth").session() as session:
        assert session.scalar(select(store.audit_event.c.action).where(
            store.audit_event.c.action == "role.withdrawn", store.audit_event.c.target == teacher_id))


# --- second factor -----------------------------------------------------------------------


def _code_after(secret: str, seconds: int) -> str:
    return pyotp.TOTP(secret).at(time.time() + seconds)


def test_a3_second_factor_is_required_once_enrolled_and_may_be_required_by_the_school(system):
    teacher = system.login("teacher")
    stolen = fails(system.stub.BeginTotpEnrollment, auth_pb2.BeginTotpEnrollmentRequest(), metadata=as_(teacher))
    assert (stolen.reason, stolen.metadata) == ("BAD_PASSWORD", {"field": "password"})
    begun = system.stub.BeginTotpEnrollment(auth_pb2.BeginTotpEnrollmentRequest(password=PASSWORD), timeout=10,
                                            metadata=as_(teacher))
    assert "issuer=ezh" in begun.provisioning_uri and "teacher" in begun.provisioning_uri
    wrong = fails(system.stub.ConfirmTotpEnrollment, auth_pb2.ConfirmTotpEnrollmentRequest(otp="000000"),
                  metadata=as_(teacher))
    assert wrong.metadata == {"field": "otp"}
    system.stub.ConfirmTotpEnrollment(auth_pb2.ConfirmTotpEnrollmentRequest(otp=pyotp.TOTP(begun.secret).now()),
                                      timeout=10, metadata=as_(teacher))
    assert system.me(teacher).person.totp_enabled

    missing = system.login_fails("teacher")
    assert (missing.code, missing.reason) == (CODE.FAILED_PRECONDITION, "OTP_REQUIRED")
    bad = system.login_fails("teacher", otp="123456")
    assert (bad.code, bad.reason) == (CODE.UNAUTHENTICATED, "BAD_OTP")
    assert system.login_fails("teacher", "Wrong-password-1", otp="123456").reason == "BAD_CREDENTIALS"
    code = _code_after(begun.secret, 30)
    assert system.login("teacher", otp=code).access_token
    assert system.login_fails("teacher", otp=code).reason == "BAD_OTP"  # a code works once

    parent = system.login("parent")
    assert fails(system.stub.BeginTotpEnrollment, auth_pb2.BeginTotpEnrollmentRequest(),
                 metadata=as_(parent)).code == CODE.PERMISSION_DENIED

    # The school requires it for staff: a staff member without it enrolls with login and password.
    admin = system.login("admin")
    system.stub.UpdateSchoolPolicy(auth_pb2.UpdateSchoolPolicyRequest(
        school_id=system.school1.id, code_lifetime_days=14, staff_totp_required=True), timeout=10,
        metadata=as_(admin))
    required = system.login_fails("director")
    assert (required.code, required.reason) == (CODE.FAILED_PRECONDITION, "TOTP_ENROLLMENT_REQUIRED")
    assert system.login("parent").access_token  # not for parents
    assert fails(system.stub.BeginTotpEnrollment, auth_pb2.BeginTotpEnrollmentRequest(
        login="director", password="Wrong-password-1")).reason == "BAD_CREDENTIALS"
    begun = system.stub.BeginTotpEnrollment(auth_pb2.BeginTotpEnrollmentRequest(
        login="director", password=PASSWORD), timeout=10)
    signed_in = system.stub.ConfirmTotpEnrollment(auth_pb2.ConfirmTotpEnrollmentRequest(
        login="director", password=PASSWORD, otp=pyotp.TOTP(begun.secret).now()), timeout=10).tokens
    assert system.me(signed_in).person.totp_enabled
    assert system.login_fails("director").reason == "OTP_REQUIRED"

    # A new staff member of that school activates, then enrolls before signing in.
    created = system.stub.CreateStaffMember(auth_pb2.CreateStaffMemberRequest(
        school_id=system.school1.id, last_name="Белова", first_name="Ирина",
        roles=[auth_pb2.RoleGrant(role=role(Role.DEPUTY_DIRECTOR))]), timeout=10, metadata=as_(admin)).person
    slip = system.issue(admin, created.id, Role.DEPUTY_DIRECTOR)
    activated = system.activate(slip.code, "belova")
    assert activated.totp_enrollment_required and not activated.tokens.access_token
    assert system.login_fails("belova").reason == "TOTP_ENROLLMENT_REQUIRED"


# --- keys -------------------------------------------------------------------------------


def test_keys_rotate_with_two_keys_published_and_old_tokens_valid_until_retired(system):
    old = system.login("parent")
    old_kid = system.verifier().verify(old.access_token) and _kid(old.access_token)
    keys = KeyRing(system.database("auth"))
    keys.rotate(publish_delay=dt.timedelta(0))

    def kids():
        import json
        jwks = json.loads(system.stub.GetJwks(auth_pb2.GetJwksRequest(), timeout=5).jwks_json)
        return {key["kid"] for key in jwks["keys"]}

    wait_for(lambda: len(kids()) == 2, what="two keys in the JWKS")
    new = wait_for(lambda: (tokens := system.login("student")) and _kid(tokens.access_token) != old_kid and tokens,
                   what="signing with the new key")
    verifier = system.verifier()
    assert verifier.verify(old.access_token).person_id == system.person("parent")
    assert verifier.verify(new.access_token).person_id == system.person("student")

    keys.rotate(publish_delay=dt.timedelta(0), retire_after=dt.timedelta(0))
    wait_for(lambda: len(kids()) == 1, what="the older keys retired")
    late = system.verifier()
    for retired in (old, new):
        with pytest.raises(InvalidToken):
            late.verify(retired.access_token)
    wait_for(lambda: fails(system.stub.GetMe, auth_pb2.GetMeRequest(), metadata=as_(old)).code
             == CODE.UNAUTHENTICATED, what="auth refusing the retired key")

    # The operator's command publishes a key that signs only after the publish delay.
    signing = _kid(system.login("parent").access_token)
    env = dict(os.environ, EZH_AUTH_DATABASE_URL=system.stack.settings.database_url("auth"))
    done = subprocess.run([sys.executable, "-m", "services.auth", "rotate-keys"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    wait_for(lambda: len(kids()) == 2, what="the new key published")
    with system.database("auth").session() as session:
        newest = session.execute(
            select(store.signing_key).order_by(store.signing_key.c.activate_time.desc())
        ).first()
    assert newest.kid in kids() and newest.kid != signing
    activates_in = as_utc(newest.activate_time) - dt.datetime.now(dt.UTC)
    assert dt.timedelta(minutes=9) < activates_in <= dt.timedelta(minutes=10)
    assert _kid(system.login("parent").access_token) == signing


def _kid(token: str) -> str:
    import jwt

    return jwt.get_unverified_header(token)["kid"]


# --- the journal's side ------------------------------------------------------------------


def test_a5_journal_lists_class_members_to_staff_of_the_school_only(system):
    request = journal_pb2.ListClassMembersRequest(class_id=system.class_5a.id)
    teacher = system.login("teacher")
    roster = system.journal_stub.ListClassMembers(request, timeout=10, metadata=as_(teacher))
    assert roster.school_class.name == "5А" and len(roster.students) == len(system.class_5a.students)
    assert all(student.guardians for student in roster.students)
    names = [(s.last_name, s.first_name) for s in roster.students]
    assert names == sorted(names)
    for login in ("admin2", "parent", "student"):
        error = fails(system.journal_stub.ListClassMembers, request, metadata=as_(system.login(login)))
        assert (error.code, error.reason) == (CODE.NOT_FOUND, "CLASS_NOT_FOUND"), login
    assert fails(system.journal_stub.ListClassMembers, request).code == CODE.UNAUTHENTICATED


def _staff_changes(system, person_id: str) -> list[dict]:
    """The ezh.auth.staff.changed.v1 events auth wrote for a person, oldest first."""
    with system.database("auth").session() as session:
        payloads = session.scalars(select(store.outbox.c.payload).where(
            store.outbox.c.event_type == "ezh.auth.staff.changed.v1").order_by(store.outbox.c.seq)).all()
    events = [envelope.from_json(payload.encode()) for payload in payloads]
    return [event.data for event in events if event.data["person_id"] == person_id]


def test_a4_staff_changes_are_announced_with_names_roles_and_block_state(system):
    admin = system.login("admin")
    assert _staff_changes(system, system.person("director"))[0]["roles"] == [{"role": "director"}]  # the seed
    assert not _staff_changes(system, system.person("parent"))  # parents and students are not staff

    created = system.stub.CreateStaffMember(auth_pb2.CreateStaffMemberRequest(
        school_id=system.school1.id, last_name="Кузнецова", first_name="Анна", middle_name="Ильинична",
        roles=[auth_pb2.RoleGrant(role=role(Role.SUBJECT_TEACHER))]), timeout=10, metadata=as_(admin)).person
    system.stub.GrantRole(auth_pb2.GrantRoleRequest(person_id=created.id, grant=auth_pb2.RoleGrant(
        role=role(Role.CLASS_TEACHER), class_id=system.class_9b.id)), timeout=10, metadata=as_(admin))
    system.stub.WithdrawRole(auth_pb2.WithdrawRoleRequest(person_id=created.id, grant=auth_pb2.RoleGrant(
        role=role(Role.SUBJECT_TEACHER))), timeout=10, metadata=as_(admin))
    system.stub.BlockAccount(auth_pb2.BlockAccountRequest(person_id=system.person("teacher3"), reason="уволен"),
                             timeout=10, metadata=as_(admin))

    first, granted, withdrawn = _staff_changes(system, created.id)
    assert (first["last_name"], first["first_name"], first["middle_name"]) == ("Кузнецова", "Анна", "Ильинична")
    assert first["school_id"] == system.school1.id and first["roles"] == [{"role": "subject_teacher"}]
    assert granted["roles"] == [{"role": "class_teacher", "class_id": system.class_9b.id},
                                {"role": "subject_teacher"}]
    assert withdrawn["roles"] == [{"role": "class_teacher", "class_id": system.class_9b.id}]
    assert first["change_time"] <= granted["change_time"] <= withdrawn["change_time"]
    assert _staff_changes(system, system.person("teacher3"))[-1]["blocked"] is True
