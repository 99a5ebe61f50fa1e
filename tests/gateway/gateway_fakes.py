"""Stand-ins for the five services (real in-process gRPC servers) and test-only routes."""
from __future__ import annotations

import base64
import json
import socket
import time
from concurrent import futures
from dataclasses import dataclass, field

import grpc
import jwt
from flask_openapi3 import APIBlueprint
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_status import rpc_status
from pydantic import BaseModel, Field

from ezh.auth.v1 import auth_pb2, auth_pb2_grpc
from ezh.journal.v1 import journal_pb2, journal_pb2_grpc
from gateway.access import allow_anonymous
from gateway.app import create_app
from gateway.services import backends, call
from services.common.errors import ServiceError, Unauthenticated, to_rpc_status
from services.common.grpc_client import ServiceClients
from services.common.request_context import REQUEST_ID_HEADER
from services.common.roles import Role
from services.common.settings import SERVICES, Settings
from services.common.tokens import (
    ALGORITHM, AUDIENCE, ISSUER, TOKEN_TYPE, JwksCache, Revocations, RoleGrant, SigningKey, TokenVerifier,
    issue_access_token, jwks_json,
)

GRPC_SERVICE_NAMES = {
    "auth": "ezh.auth.v1.AuthService",
    "journal": "ezh.journal.v1.JournalService",
    "schedule": "ezh.schedule.v1.ScheduleService",
    "notify": "ezh.notify.v1.NotifyService",
    "reports": "ezh.reports.v1.ReportsService",
}

PROBLEM = "application/problem+json"

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


class FailingAuth(auth_pb2_grpc.AuthServiceServicer):
    """CreateSchool fails as the request's `name` says.

    `name` = a status code name → the error a service raises (ErrorInfo with a
    reason, the domain, `field` for INVALID_ARGUMENT, a Russian message);
    `plain:<CODE>` → a bare status with an English message and no ErrorInfo;
    anything else → success.
    """

    def __init__(self) -> None:
        self.seen_request_ids: list[str | None] = []

    def CreateSchool(self, request, context):
        self.seen_request_ids.append(dict(context.invocation_metadata()).get(REQUEST_ID_HEADER))
        if request.name.startswith("plain:"):
            context.abort(grpc.StatusCode[request.name.removeprefix("plain:")], "transport says no")
        if request.name in grpc.StatusCode.__members__:
            code = grpc.StatusCode[request.name]
            error = ServiceError(f"Ошибка сервиса: {code.name}", reason=f"SCHOOL_{code.name}")
            error.code = code
            if code == grpc.StatusCode.INVALID_ARGUMENT:
                error.metadata["field"] = "short_name"
            context.abort_with_status(rpc_status.to_status(to_rpc_status(error, "auth")))
        return auth_pb2.CreateSchoolResponse(school=auth_pb2.School(id="s-1", name=request.name))


SCHOOL_ID = "5b1f4c1e-0000-4000-8000-000000000001"
CLASS_5A = "5b1f4c1e-0000-4000-8000-0000000005a0"
PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class FakePerson:
    id: str
    login: str
    last_name: str
    first_name: str
    roles: tuple[RoleGrant, ...]
    school_id: str | None = SCHOOL_ID


PEOPLE = {
    person.login: person
    for person in (
        FakePerson("00000000-0000-4000-8000-000000000001", "district", "Орлова", "Мария",
                   (RoleGrant(Role.DISTRICT_OPERATOR),), None),
        FakePerson("00000000-0000-4000-8000-000000000002", "admin", "Смирнов", "Иван",
                   (RoleGrant(Role.ADMINISTRATOR, SCHOOL_ID),)),
        FakePerson("00000000-0000-4000-8000-000000000003", "teacher", "Петрова", "Ольга",
                   (RoleGrant(Role.SUBJECT_TEACHER, SCHOOL_ID),)),
        FakePerson("00000000-0000-4000-8000-000000000004", "classteacher", "Козлова", "Анна",
                   (RoleGrant(Role.SUBJECT_TEACHER, SCHOOL_ID), RoleGrant(Role.CLASS_TEACHER, SCHOOL_ID, CLASS_5A))),
        FakePerson("00000000-0000-4000-8000-000000000005", "parent", "Волкова", "Елена",
                   (RoleGrant(Role.PARENT, SCHOOL_ID),)),
        FakePerson("00000000-0000-4000-8000-000000000006", "student", "Волкова", "Дарья",
                   (RoleGrant(Role.STUDENT, SCHOOL_ID),)),
    )
}
PROTO_ROLE = {role: auth_pb2.Role.Value(f"ROLE_{role.value.upper()}") for role in Role}


def mint(key: SigningKey, login: str, **kwargs) -> str:
    """A genuine access token for one of PEOPLE."""
    person = PEOPLE[login]
    kwargs.setdefault("session_id", f"session-{login}")
    token, _ = issue_access_token(key, person_id=person.id, school_id=person.school_id, roles=person.roles, **kwargs)
    return token


def forge(key: SigningKey | None, login: str = "teacher", *, header: dict | None = None, **claims) -> str:
    """A token with chosen header and claims; signed with `key` (EdDSA), or unsigned if None."""
    person = PEOPLE[login]
    now = time.time()
    payload = {
        "iss": ISSUER, "aud": AUDIENCE, "sub": person.id, "school": person.school_id,
        "roles": [grant.to_claim() for grant in person.roles], "iat": round(now, 3), "exp": int(now) + 600,
        "jti": "forged", **claims,
    }
    payload = {name: value for name, value in payload.items() if value is not None}
    headers = {"kid": key.kid if key else "none", "typ": TOKEN_TYPE, **(header or {})}
    headers = {name: value for name, value in headers.items() if value is not None}
    if key is None:
        def part(data: dict) -> str:
            return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

        return f"{part({'alg': 'none', **headers})}.{part(payload)}."
    return jwt.encode(payload, key.private_key, algorithm=ALGORITHM, headers=headers)


def local_verifier(key: SigningKey, revocations: Revocations | None = None) -> TokenVerifier:
    """A verifier whose JWKS source is a local function, not the auth service."""
    return TokenVerifier(JwksCache(lambda: jwks_json([key])).key, revocations or Revocations())


class FakeAuth(FailingAuth):
    """Enough of AuthService for the gateway's routes; records what it was sent.

    Sign-in works for the logins of PEOPLE with PASSWORD; refresh tokens
    rotate; the access tokens are signed with `key`, published by GetJwks.
    """

    def __init__(self) -> None:
        super().__init__()
        self.key = SigningKey.generate()
        self.reset()

    def reset(self) -> None:
        self.calls: list[tuple[str, object, dict[str, str]]] = []
        self.live_refresh_tokens: dict[str, str] = {}
        self.revoked: dict[str, float] = {}
        self.revocation_reads = 0
        self.jwks_reads = 0
        self.fail_revocations = False
        self.seen_request_ids.clear()

    def _record(self, name: str, request, context) -> dict[str, str]:
        metadata = dict(context.invocation_metadata() or ())
        self.calls.append((name, request, metadata))
        return metadata

    def called(self, name: str) -> list[tuple[object, dict[str, str]]]:
        return [(request, metadata) for method, request, metadata in self.calls if method == name]

    def _abort(self, context, error: ServiceError):
        context.abort_with_status(rpc_status.to_status(to_rpc_status(error, "auth")))

    def _tokens(self, login: str) -> auth_pb2.Tokens:
        refresh = f"refresh-{login}-{len(self.live_refresh_tokens) + len(self.calls)}"
        self.live_refresh_tokens[refresh] = login
        return auth_pb2.Tokens(
            access_token=mint(self.key, login), refresh_token=refresh, expires_in=900, token_type="Bearer",
            session_id=f"session-{login}",
        )

    def _caller(self, metadata, context) -> FakePerson:
        scheme, _, token = metadata.get("authorization", "").partition(" ")
        if scheme != "Bearer" or not token:
            self._abort(context, Unauthenticated("Требуется вход в систему", reason="NO_TOKEN"))
        subject = jwt.decode(token, options={"verify_signature": False})["sub"]
        return next(person for person in PEOPLE.values() if person.id == subject)

    def _person(self, person: FakePerson) -> auth_pb2.Person:
        return auth_pb2.Person(
            id=person.id, school_id=person.school_id or "", last_name=person.last_name, first_name=person.first_name,
            login=person.login,
            roles=[auth_pb2.RoleGrant(role=PROTO_ROLE[grant.role], school_id=grant.school_id or "",
                                      class_id=grant.class_id or "") for grant in person.roles],
        )

    def Login(self, request, context):
        self._record("Login", request, context)
        if request.login not in PEOPLE or request.password != PASSWORD:
            self._abort(context, Unauthenticated("Неверный логин или пароль", reason="BAD_CREDENTIALS"))
        return auth_pb2.LoginResponse(tokens=self._tokens(request.login))

    def Activate(self, request, context):
        self._record("Activate", request, context)
        if request.code == "STAFF-CODE-TOTP-REQUIRED":
            return auth_pb2.ActivateResponse(totp_enrollment_required=True)
        if request.code != "GOOD-CODE":
            self._abort(context, Unauthenticated("Код не найден или истёк", reason="BAD_CODE"))
        return auth_pb2.ActivateResponse(tokens=self._tokens("parent"))

    def BeginTotpEnrollment(self, request, context):
        metadata = self._record("BeginTotpEnrollment", request, context)
        if not request.login:
            self._caller(metadata, context)
        elif request.password != PASSWORD:
            self._abort(context, Unauthenticated("Неверный логин или пароль", reason="BAD_CREDENTIALS"))
        return auth_pb2.BeginTotpEnrollmentResponse(secret="JBSWY3DPEHPK3PXP", provisioning_uri="otpauth://totp/ezh")

    def ConfirmTotpEnrollment(self, request, context):
        metadata = self._record("ConfirmTotpEnrollment", request, context)
        if not request.login:
            self._caller(metadata, context)
            return auth_pb2.ConfirmTotpEnrollmentResponse()
        if request.password != PASSWORD or request.otp != "123456":
            self._abort(context, Unauthenticated("Неверный код", reason="BAD_OTP"))
        return auth_pb2.ConfirmTotpEnrollmentResponse(tokens=self._tokens(request.login))

    def Refresh(self, request, context):
        self._record("Refresh", request, context)
        login = self.live_refresh_tokens.pop(request.refresh_token, None)
        if login is None:
            self._abort(context, Unauthenticated("Сеанс завершён, войдите снова", reason="SESSION_ENDED"))
        return auth_pb2.RefreshResponse(tokens=self._tokens(login))

    def Logout(self, request, context):
        self._record("Logout", request, context)
        self.live_refresh_tokens.pop(request.refresh_token, None)
        return auth_pb2.LogoutResponse()

    def GetMe(self, request, context):
        person = self._caller(self._record("GetMe", request, context), context)
        return auth_pb2.GetMeResponse(person=self._person(person), school_name="СОШ № 1" if person.school_id else "")

    def ChangePassword(self, request, context):
        person = self._caller(self._record("ChangePassword", request, context), context)
        return auth_pb2.ChangePasswordResponse(access_token=mint(self.key, person.login), expires_in=900)

    def EndSessions(self, request, context):
        """Ending every session ends the caller's too; ending another one renews the caller's token."""
        person = self._caller(self._record("EndSessions", request, context), context)
        if request.all or request.session_id == f"session-{person.login}":
            return auth_pb2.EndSessionsResponse(ended=3 if request.all else 1)
        return auth_pb2.EndSessionsResponse(ended=1, access_token=mint(self.key, person.login), expires_in=900)

    def ListStaff(self, request, context):
        self._caller(self._record("ListStaff", request, context), context)
        return auth_pb2.ListStaffResponse(people=[self._person(PEOPLE["teacher"])])

    # Administration: canned answers, enough to check what the gateway sends and shows.
    def _person_reply(self, name: str, request, context):
        self._caller(self._record(name, request, context), context)
        return self._person(PEOPLE["teacher"])

    def ListSessions(self, request, context):
        self._caller(self._record("ListSessions", request, context), context)
        session = auth_pb2.Session(id="session-teacher", user_agent="Firefox", address="203.0.113.7", current=True)
        session.create_time.FromSeconds(1_790_000_000)
        return auth_pb2.ListSessionsResponse(sessions=[session])

    def ListSchools(self, request, context):
        self._caller(self._record("ListSchools", request, context), context)
        school = auth_pb2.School(id=SCHOOL_ID, name="Средняя школа № 1", short_name="СОШ № 1", code_lifetime_days=14)
        return auth_pb2.ListSchoolsResponse(schools=[school], next_page_token="next")

    def UpdateSchoolPolicy(self, request, context):
        self._caller(self._record("UpdateSchoolPolicy", request, context), context)
        return auth_pb2.UpdateSchoolPolicyResponse(school=auth_pb2.School(
            id=request.school_id, name="Средняя школа № 1", code_lifetime_days=request.code_lifetime_days,
            staff_totp_required=request.staff_totp_required,
        ))

    def CreateStaffMember(self, request, context):
        return auth_pb2.CreateStaffMemberResponse(person=self._person_reply("CreateStaffMember", request, context))

    def GrantRole(self, request, context):
        return auth_pb2.GrantRoleResponse(person=self._person_reply("GrantRole", request, context))

    def WithdrawRole(self, request, context):
        return auth_pb2.WithdrawRoleResponse(person=self._person_reply("WithdrawRole", request, context))

    def BlockAccount(self, request, context):
        return auth_pb2.BlockAccountResponse(person=self._person_reply("BlockAccount", request, context))

    def UnblockAccount(self, request, context):
        return auth_pb2.UnblockAccountResponse(person=self._person_reply("UnblockAccount", request, context))

    def IssueActivationCode(self, request, context):
        self._caller(self._record("IssueActivationCode", request, context), context)
        slip = auth_pb2.ActivationSlip(code="K7QF-93XD-2MHP", school_name="СОШ № 1", person_name="Волкова Елена",
                                       role=request.role, class_name="5А")
        slip.expire_time.FromSeconds(1_800_000_000)
        return auth_pb2.IssueActivationCodeResponse(slip=slip)

    def ListClassAccess(self, request, context):
        self._caller(self._record("ListClassAccess", request, context), context)
        member = auth_pb2.ClassMemberAccess(person_id=PEOPLE["parent"].id, full_name="Волкова Елена",
                                            role=PROTO_ROLE[Role.PARENT], student_id=PEOPLE["student"].id,
                                            code_issued=True)
        return auth_pb2.ListClassAccessResponse(members=[member])

    def ListSignIns(self, request, context):
        self._caller(self._record("ListSignIns", request, context), context)
        item = auth_pb2.SignIn(login="teacher", full_name="Петрова Ольга", succeeded=False, address="192.0.2.1")
        item.time.FromSeconds(1_790_000_000)
        return auth_pb2.ListSignInsResponse(sign_ins=[item])

    def GetJwks(self, request, context):
        self.jwks_reads += 1
        return auth_pb2.GetJwksResponse(jwks_json=jwks_json([self.key]))

    def ListRevokedAccounts(self, request, context):
        self.revocation_reads += 1
        if self.fail_revocations:
            context.abort(grpc.StatusCode.UNAVAILABLE, "down for the test")
        reply = auth_pb2.ListRevokedAccountsResponse()
        for person_id, when in self.revoked.items():
            account = reply.accounts.add(person_id=person_id)
            account.revoke_time.FromNanoseconds(int(when * 1e9))
        return reply


class FakeJournal(journal_pb2_grpc.JournalServiceServicer):
    """The journal as far as the gateway's account routes ask it: a parent's children; a school's periods."""

    seen_metadata: list[dict[str, str]] = []
    period_requests: list = []

    def ListPeriods(self, request, context):
        self.period_requests.append(request)
        return journal_pb2.ListPeriodsResponse(school_id=request.school_id or SCHOOL_ID, periods=[
            journal_pb2.Period(id="p-year", kind="year", title="Учебный год", start_date="2026-09-01",
                               end_date="2027-05-31", final_marks_deadline="2027-05-29"),
            journal_pb2.Period(id="p-q2", kind="quarter", number=2, title="2 четверть", start_date="2026-11-05",
                               end_date="2026-12-28", final_marks_deadline="2026-12-26"),
        ])

    def ListMyChildren(self, request, context):
        metadata = dict(context.invocation_metadata())
        self.seen_metadata.append(metadata)
        if not metadata.get("authorization", "").startswith("Bearer "):
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "no token")
        return journal_pb2.ListMyChildrenResponse(
            children=[journal_pb2.Child(student_id=PEOPLE["student"].id, last_name="Волкова", first_name="Дарья",
                                        school_id=SCHOOL_ID, class_id=CLASS_5A, class_name="5А", relation="mother")]
        )


@dataclass
class FakeServices:
    servers: dict[str, grpc.Server] = field(default_factory=dict)
    health: dict[str, health.HealthServicer] = field(default_factory=dict)
    addresses: dict[str, str] = field(default_factory=dict)
    auth: FakeAuth = field(default_factory=FakeAuth)

    def set_status(self, service: str, status) -> None:
        self.health[service].set("", status)
        self.health[service].set(GRPC_SERVICE_NAMES[service], status)

    @classmethod
    def start(cls) -> FakeServices:
        fakes = cls()
        for name in SERVICES:
            server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
            servicer = health.HealthServicer()
            health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
            if name == "auth":
                auth_pb2_grpc.add_AuthServiceServicer_to_server(fakes.auth, server)
            if name == "journal":
                journal_pb2_grpc.add_JournalServiceServicer_to_server(FakeJournal(), server)
            port = server.add_insecure_port("127.0.0.1:0")
            server.start()
            fakes.servers[name], fakes.health[name] = server, servicer
            fakes.addresses[name] = f"127.0.0.1:{port}"
            fakes.set_status(name, SERVING)
        return fakes

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop(None)

    def settings(self, **overrides: str) -> Settings:
        addresses = {f"{name}_grpc_address": address for name, address in self.addresses.items()}
        addresses.update(overrides)
        return Settings(grpc_deadline_seconds=2.0, **addresses)


def unused_address() -> str:
    """A loopback address where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{probe.getsockname()[1]}"


class SchoolIn(BaseModel):
    name: str = Field(min_length=1)
    short_name: str
    grade: int = Field(default=5, ge=1, le=11)


class PageQuery(BaseModel):
    page_size: int = Field(default=20, ge=1, le=100)


def probe_blueprint() -> APIBlueprint:
    """Test-only routes under /api/v1/probe, built fresh for each app."""
    probe = APIBlueprint("probe", __name__, url_prefix="/api/v1/probe")

    @probe.post("/schools", responses={201: SchoolIn})
    @allow_anonymous
    def create_school(body: SchoolIn):
        """Create a school through the auth service."""
        reply = call(
            "auth",
            auth_pb2_grpc.AuthServiceStub,
            "CreateSchool",
            auth_pb2.CreateSchoolRequest(name=body.name, short_name=body.short_name),
        )
        return {"id": reply.school.id}, 201

    @probe.post("/schools-direct")
    @allow_anonymous
    def create_school_direct(body: SchoolIn):
        """Call the stub directly: a gRPC error reaches the app's handler."""
        stub = backends().stub("auth", auth_pb2_grpc.AuthServiceStub)
        reply = stub.CreateSchool(auth_pb2.CreateSchoolRequest(name=body.name))
        return {"id": reply.school.id}, 201

    @probe.get("/schools")
    @allow_anonymous
    def list_schools(query: PageQuery):
        """Page through schools."""
        return {"page_size": query.page_size}

    @probe.get("/boom")
    @allow_anonymous
    def boom():
        """Fail with an unexpected exception."""
        raise RuntimeError("secret internals")

    return probe


def make_app(settings: Settings, clients: ServiceClients | None = None, verifier: TokenVerifier | None = None):
    app = create_app(settings, clients, verifier)
    app.register_api(probe_blueprint())
    app.testing = True
    return app


def assert_problem(response, status: int, reason: str) -> dict:
    """The response is an RFC 9457 problem with this status and reason."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json(force=True)
    assert body["status"] == status
    assert body["reason"] == reason
    assert body["type"] == "urn:ezh:problem:" + reason.lower().replace("_", "-")
    assert body["title"] and body["detail"]
    assert response.headers["X-Request-ID"]
    return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
