"""AuthService: proto <-> the auth modules; who may call what.

Deny by default: every call that acts for a person asks `require_identity`
first; Login, Activate, Refresh, Logout, GetJwks and ListRevokedAccounts
are public (the last two hold only public keys and person ids, and are what
the gateway and the services verify tokens with).  Object checks (this
person is in the caller's school, this class is the caller's) are made in
the modules, and answer like a missing object.
"""
from __future__ import annotations

import datetime as dt
import uuid

from ezh.auth.v1 import auth_pb2, auth_pb2_grpc, events_pb2
from sqlalchemy import func, select

from services.auth import audit, store
from services.auth.administration import Administration, school_message
from services.auth.codes import Codes
from services.auth.context import AuthContext
from services.auth.people import role_from_proto
from services.auth.sessions import Sessions
from services.auth.signin import SignIn
from services.common import outbox, paging, replay
from services.common.errors import AlreadyExists
from services.common.events import new_event
from services.common.identity import AUTHORIZATION_HEADER, current_identity, require_identity
from services.common.roles import Role
from services.common.validation import required_text, timestamp


def _caller_token(context) -> str:
    """The caller's access token, to pass on to the journal."""
    value = dict(context.invocation_metadata() or ()).get(AUTHORIZATION_HEADER, "")
    return value.partition(" ")[2].strip()


def _client(message) -> audit.Client:
    return audit.Client.from_message(message)


def _client_of(request, context) -> audit.Client:
    """ClientInfo when the request carries it, else what the gateway passed on."""
    if request.HasField("client"):
        return _client(request.client)
    return _caller_client(context)


def _caller_client(context) -> audit.Client:
    """Where a signed-in caller's request came from, for the audit log."""
    return audit.Client.from_metadata(dict(context.invocation_metadata() or ()))


class AuthServicer(auth_pb2_grpc.AuthServiceServicer):
    def __init__(self, runtime, context: AuthContext) -> None:
        self.database = runtime.database
        self.relay = runtime.relay
        self.context = context
        self.sessions = Sessions(context)
        self.sign_in = SignIn(context, self.sessions)
        self.codes = Codes(context, self.sessions, self.sign_in)
        self.administration = Administration(context)

    # schools ------------------------------------------------------------------
    def CreateSchool(self, request, context):
        identity = require_identity(Role.DISTRICT_OPERATOR)
        name = required_text("name", request.name, max_length=200, min_length=3)
        short_name = required_text("short_name", request.short_name or name, max_length=60)
        method = "CreateSchool"
        with self.database.transaction() as session:
            earlier = replay.earlier_response(
                session, store.replays, request.request_id, method, auth_pb2.CreateSchoolResponse
            )
            if earlier is not None:
                return earlier
            taken = session.scalar(select(func.count()).select_from(store.school).where(store.school.c.name == name))
            if taken:
                raise AlreadyExists(f"Школа «{name}» уже есть в районе", reason="SCHOOL_EXISTS", field="name")
            school_id = str(uuid.uuid4())
            session.execute(store.school.insert().values(id=school_id, name=name, short_name=short_name))
            row = session.execute(select(store.school).where(store.school.c.id == school_id)).one()
            outbox.record(session, store.outbox, school_created_event(school_id, name, short_name))
            audit.record(session, "school.created", now=self.context.clock(), person_id=identity.person_id,
                         target=school_id, school_id=school_id, client=_caller_client(context), name=name)
            response = auth_pb2.CreateSchoolResponse(school=school_message(row))
            replay.remember_response(session, store.replays, request.request_id, method, response)
        self.relay.wake()
        return response

    def ListSchools(self, request, context):
        require_identity()
        size = paging.page_size(request.page_size)
        offset = paging.decode_token(request.page_token)
        with self.database.session() as session:
            rows = session.execute(
                select(store.school).order_by(store.school.c.name, store.school.c.id).offset(offset).limit(size + 1)
            ).all()
        return auth_pb2.ListSchoolsResponse(
            schools=[school_message(row) for row in rows[:size]],
            next_page_token=paging.next_token(offset, size, len(rows)),
        )

    def UpdateSchoolPolicy(self, request, context):
        identity = require_identity(Role.ADMINISTRATOR)
        return auth_pb2.UpdateSchoolPolicyResponse(
            school=self.administration.update_school_policy(identity, request, _caller_client(context))
        )

    # staff and roles ----------------------------------------------------------
    def CreateStaffMember(self, request, context):
        identity = require_identity(Role.ADMINISTRATOR, Role.DISTRICT_OPERATOR)
        return self.administration.create_staff_member(
            identity, _caller_token(context), request, _caller_client(context)
        )

    def ListStaff(self, request, context):
        identity = require_identity(Role.ADMINISTRATOR, Role.DIRECTOR, Role.DEPUTY_DIRECTOR)
        return self.administration.list_staff(identity, request)

    def GrantRole(self, request, context):
        identity = require_identity(Role.ADMINISTRATOR, Role.DISTRICT_OPERATOR)
        person = self.administration.grant_role(identity, _caller_token(context), request, _caller_client(context))
        return auth_pb2.GrantRoleResponse(person=person)

    def WithdrawRole(self, request, context):
        identity = require_identity(Role.ADMINISTRATOR, Role.DISTRICT_OPERATOR)
        person = self.administration.withdraw_role(identity, request, _caller_client(context))
        return auth_pb2.WithdrawRoleResponse(person=person)

    def BlockAccount(self, request, context):
        identity = require_identity(Role.ADMINISTRATOR, Role.DISTRICT_OPERATOR)
        person = self.administration.set_blocked(
            identity, request.person_id, True, _caller_client(context), request.reason
        )
        return auth_pb2.BlockAccountResponse(person=person)

    def UnblockAccount(self, request, context):
        identity = require_identity(Role.ADMINISTRATOR, Role.DISTRICT_OPERATOR)
        person = self.administration.set_blocked(identity, request.person_id, False, _caller_client(context))
        return auth_pb2.UnblockAccountResponse(person=person)

    # activation codes -----------------------------------------------------------
    def IssueActivationCode(self, request, context):
        identity = require_identity(Role.ADMINISTRATOR, Role.CLASS_TEACHER, Role.DISTRICT_OPERATOR)
        role = role_from_proto(request.role)
        slip = self.codes.issue(
            identity, _caller_token(context), request.person_id, role, request.class_id, _caller_client(context)
        )
        return auth_pb2.IssueActivationCodeResponse(slip=slip)

    def ListClassAccess(self, request, context):
        identity = require_identity(
            Role.CLASS_TEACHER, Role.ADMINISTRATOR, Role.DIRECTOR, Role.DEPUTY_DIRECTOR
        )
        members = self.codes.class_access(identity, _caller_token(context), request.class_id)
        return auth_pb2.ListClassAccessResponse(members=members)

    def Activate(self, request, context):
        tokens, enroll = self.codes.activate(request.code, request.login, request.password, _client(request.client))
        return auth_pb2.ActivateResponse(tokens=tokens, totp_enrollment_required=enroll)

    # signing in -------------------------------------------------------------------
    def Login(self, request, context):
        tokens = self.sign_in.login(request.login, request.password, request.otp, _client(request.client))
        return auth_pb2.LoginResponse(tokens=tokens)

    def Refresh(self, request, context):
        return auth_pb2.RefreshResponse(tokens=self.sessions.refresh(request.refresh_token, _client(request.client)))

    def Logout(self, request, context):
        self.sessions.logout(request.refresh_token)
        return auth_pb2.LogoutResponse()

    def GetMe(self, request, context):
        return self.administration.me(require_identity())

    def ChangePassword(self, request, context):
        identity = require_identity()
        access, lifetime = self.sign_in.change_password(
            identity, request.current_password, request.new_password, _caller_client(context)
        )
        return auth_pb2.ChangePasswordResponse(access_token=access, expires_in=lifetime)

    def ListSessions(self, request, context):
        identity = require_identity()
        rows = self.sessions.live(identity.person_id)
        return auth_pb2.ListSessionsResponse(
            sessions=[self.sessions.session_message(row, identity.session_id) for row in rows]
        )

    def EndSessions(self, request, context):
        identity = require_identity()
        return self.sessions.end_for_caller(
            identity, session_id=request.session_id, everything=request.all, client=_caller_client(context)
        )

    # second factor ------------------------------------------------------------------
    def BeginTotpEnrollment(self, request, context):
        secret, uri = self.sign_in.begin_totp(
            current_identity(), request.login, request.password, _client_of(request, context)
        )
        return auth_pb2.BeginTotpEnrollmentResponse(secret=secret, provisioning_uri=uri)

    def ConfirmTotpEnrollment(self, request, context):
        tokens = self.sign_in.confirm_totp(
            current_identity(), request.otp, request.login, request.password, _client_of(request, context)
        )
        return auth_pb2.ConfirmTotpEnrollmentResponse(tokens=tokens)

    # audit and keys -------------------------------------------------------------------
    def ListSignIns(self, request, context):
        identity = require_identity(Role.ADMINISTRATOR, Role.DISTRICT_OPERATOR)
        return self.administration.list_sign_ins(identity, request)

    def GetJwks(self, request, context):
        return auth_pb2.GetJwksResponse(jwks_json=self.context.keys.jwks())

    def ListRevokedAccounts(self, request, context):
        with self.database.session() as session:
            rows = session.execute(
                select(store.revoked.c.person_id, store.revoked.c.revoke_time).order_by(store.revoked.c.person_id)
            ).all()
        return auth_pb2.ListRevokedAccountsResponse(
            accounts=[
                auth_pb2.RevokedAccount(
                    person_id=row.person_id,
                    revoke_time=timestamp(dt.datetime.fromtimestamp(row.revoke_time, dt.UTC)),
                )
                for row in rows
            ]
        )


def school_created_event(school_id: str, name: str, short_name: str):
    return new_event(
        "ezh.auth.school.created.v1",
        "auth",
        f"schools/{school_id}",
        school_id,
        events_pb2.SchoolCreated(school_id=school_id, name=name, short_name=short_name),
    )
