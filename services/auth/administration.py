"""What the district operator and a school's administrator manage (A4):
staff members and their roles, blocks, the school's access policy and the
sign-in log.

The district operator names administrators of any school; a school's
administrator manages its own school only.  A person or school outside the
caller's reach answers exactly like one that does not exist.
"""
from __future__ import annotations

import json
import uuid

from ezh.auth.v1 import auth_pb2
from sqlalchemy import and_, delete, select, update

from services.auth import audit, rules, store
from services.auth.context import AuthContext
from services.auth.journal_client import class_not_found
from services.auth.people import (
    find_person,
    full_name,
    grants_of,
    grants_of_many,
    load_person_message,
    person_message,
    person_query,
    role_from_proto,
)
from services.auth.sessions import end_sessions, revoke_person
from services.auth.staff_events import record_staff_change
from services.common import paging, replay
from services.common.clock import as_utc
from services.common.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from services.common.roles import STAFF_ROLES, Role
from services.common.tokens import RoleGrant
from services.common.validation import identifier, required_text, timestamp

PERSON_NOT_FOUND = "Человек не найден"


def schools_where(identity, *roles: Role) -> set[str]:
    return {grant.school_id for grant in identity.roles if grant.role in roles and grant.school_id}


def school_message(row) -> auth_pb2.School:
    return auth_pb2.School(
        id=row.id, name=row.name, short_name=row.short_name, create_time=timestamp(as_utc(row.create_time)),
        code_lifetime_days=row.code_lifetime_days, staff_totp_required=bool(row.staff_totp_required),
    )


def person_not_found() -> NotFound:
    return NotFound(PERSON_NOT_FOUND, reason="PERSON_NOT_FOUND", field="person_id")


def school_not_found() -> NotFound:
    return NotFound("Школа не найдена", reason="SCHOOL_NOT_FOUND", field="school_id")


def _optional_text(field: str, value: str, max_length: int) -> str:
    text = " ".join((value or "").split())
    if len(text) > max_length:
        raise InvalidArgument(field, f"Поле «{field}»: не длиннее {max_length} символов")
    return text


def _is_administrator(session, person_id: str) -> bool:
    grants = store.role_grant
    return session.scalar(
        select(grants.c.id).where(grants.c.person_id == person_id, grants.c.role == Role.ADMINISTRATOR.value).limit(1)
    ) is not None


class Administration:
    def __init__(self, context: AuthContext) -> None:
        self.context = context

    # scope ----------------------------------------------------------------------
    def _roles_here(self, identity, school_id: str | None) -> frozenset[Role]:
        """The roles the caller may give or take in `school_id`."""
        allowed: set[Role] = set()
        if identity.has_role(Role.DISTRICT_OPERATOR) and school_id:
            allowed.add(Role.ADMINISTRATOR)
        if school_id and school_id in schools_where(identity, Role.ADMINISTRATOR):
            allowed |= rules.assignable_roles([Role.ADMINISTRATOR])
        return frozenset(allowed)

    def _managed_person(self, session, identity, person_id: str):
        """The person, if the caller manages people of their school (else NOT_FOUND)."""
        person = find_person(session, person_id)
        if person is None:
            raise person_not_found()
        if person.school_id and person.school_id in schools_where(identity, Role.ADMINISTRATOR):
            return person
        # The district operator manages the administrators it names and nobody
        # else of a school: it reads every school's reports, nothing more.
        if identity.has_role(Role.DISTRICT_OPERATOR) and _is_administrator(session, person_id):
            return person
        raise person_not_found()

    def _check_school_scope(self, identity, school_id: str, *roles: Role) -> None:
        if school_id not in schools_where(identity, *roles):
            raise school_not_found()

    def _grant_from(self, identity, caller_token: str, message, school_id: str, field: str) -> RoleGrant:
        role = role_from_proto(message.role, f"{field}.role")
        if message.school_id and message.school_id != school_id:
            raise InvalidArgument(f"{field}.school_id", "Роль назначается в школе этого человека")
        class_id = None
        if role is Role.CLASS_TEACHER:
            class_id = identifier(f"{field}.class_id", message.class_id)
            roster = self.context.journal.roster(class_id, caller_token)
            if roster.school_id != school_id:
                raise class_not_found()
        elif message.class_id:
            raise InvalidArgument(f"{field}.class_id", "Класс указывается только для классного руководителя")
        return RoleGrant(role, school_id, class_id)

    # schools --------------------------------------------------------------------
    def update_school_policy(self, identity, request, client: audit.Client) -> auth_pb2.School:
        school_id = identifier("school_id", request.school_id)
        self._check_school_scope(identity, school_id, Role.ADMINISTRATOR)
        days = request.code_lifetime_days
        if not 1 <= days <= rules.CODE_LIFETIME_DAYS_MAX:
            raise InvalidArgument(
                "code_lifetime_days", f"Срок действия кода — от 1 до {rules.CODE_LIFETIME_DAYS_MAX} дней"
            )
        now = self.context.clock()
        with self.context.database.transaction() as session:
            changed = session.execute(
                update(store.school).where(store.school.c.id == school_id).values(
                    code_lifetime_days=days, staff_totp_required=request.staff_totp_required
                )
            ).rowcount
            if not changed:
                raise school_not_found()
            audit.record(session, "school.policy_updated", now=now, person_id=identity.person_id, target=school_id,
                         school_id=school_id, client=client, code_lifetime_days=days,
                         staff_totp_required=request.staff_totp_required)
            row = session.execute(select(store.school).where(store.school.c.id == school_id)).one()
        return school_message(row)

    # staff ------------------------------------------------------------------------
    def create_staff_member(
        self, identity, caller_token: str, request, client: audit.Client
    ) -> auth_pb2.CreateStaffMemberResponse:
        school_id = identifier("school_id", request.school_id)
        allowed = self._roles_here(identity, school_id) & STAFF_ROLES
        if not allowed:
            raise school_not_found()
        last_name = required_text("last_name", request.last_name, max_length=100)
        first_name = required_text("first_name", request.first_name, max_length=100)
        middle_name = _optional_text("middle_name", request.middle_name, 100)
        if not request.roles:
            raise InvalidArgument("roles", "Назначьте хотя бы одну роль")
        grants = []
        for message in request.roles:
            grant = self._grant_from(identity, caller_token, message, school_id, "roles")
            if grant.role not in allowed:
                raise PermissionDenied("Эту роль назначить нельзя", reason="ROLE_NOT_ASSIGNABLE", field="roles")
            if grant not in grants:
                grants.append(grant)
        method = "CreateStaffMember"
        now = self.context.clock()
        with self.context.database.transaction() as session:
            earlier = replay.earlier_response(
                session, store.replays, request.request_id, method, auth_pb2.CreateStaffMemberResponse
            )
            if earlier is not None:
                return earlier
            if session.scalar(select(store.school.c.id).where(store.school.c.id == school_id)) is None:
                raise school_not_found()
            person_id = str(uuid.uuid4())
            session.execute(
                store.person.insert().values(
                    id=person_id, school_id=school_id, last_name=last_name, first_name=first_name,
                    middle_name=middle_name,
                )
            )
            for grant in grants:
                self._insert_grant(session, person_id, grant)
            audit.record(session, "staff.created", now=now, person_id=identity.person_id, target=person_id,
                         school_id=school_id, client=client, roles=[grant.to_claim() for grant in grants])
            record_staff_change(session, person_id, now)
            response = auth_pb2.CreateStaffMemberResponse(person=load_person_message(session, person_id))
            replay.remember_response(session, store.replays, request.request_id, method, response)
        return response

    def _insert_grant(self, session, person_id: str, grant: RoleGrant) -> None:
        session.execute(
            store.role_grant.insert().values(
                id=str(uuid.uuid4()), person_id=person_id, school_id=grant.school_id, role=grant.role.value,
                class_id=grant.class_id,
            )
        )

    def list_staff(self, identity, request) -> auth_pb2.ListStaffResponse:
        school_id = identifier("school_id", request.school_id)
        self._check_school_scope(identity, school_id, Role.ADMINISTRATOR, Role.DIRECTOR, Role.DEPUTY_DIRECTOR)
        size = paging.page_size(request.page_size)
        offset = paging.decode_token(request.page_token)
        staff_ids = select(store.role_grant.c.person_id).where(
            store.role_grant.c.school_id == school_id,
            store.role_grant.c.role.in_([role.value for role in STAFF_ROLES]),
        )
        person = store.person
        with self.context.database.session() as session:
            rows = session.execute(
                person_query()
                .where(person.c.id.in_(staff_ids))
                .order_by(person.c.last_name, person.c.first_name, person.c.middle_name, person.c.id)
                .offset(offset)
                .limit(size + 1)
            ).all()
            grants = grants_of_many(session, (row.id for row in rows[:size]))
        return auth_pb2.ListStaffResponse(
            people=[person_message(row, grants[row.id]) for row in rows[:size]],
            next_page_token=paging.next_token(offset, size, len(rows)),
        )

    def grant_role(self, identity, caller_token: str, request, client: audit.Client) -> auth_pb2.Person:
        person_id = identifier("person_id", request.person_id)
        now = self.context.clock()
        with self.context.database.session() as session:
            person = self._managed_person(session, identity, person_id)
        grant = self._grant_from(identity, caller_token, request.grant, person.school_id, "grant")
        if grant.role not in self._roles_here(identity, person.school_id):
            raise PermissionDenied("Эту роль назначить нельзя", reason="ROLE_NOT_ASSIGNABLE", field="grant.role")
        with self.context.database.transaction() as session:
            if grant not in grants_of(session, person_id):
                self._insert_grant(session, person_id, grant)
                audit.record(session, "role.granted", now=now, person_id=identity.person_id, target=person_id,
                             school_id=person.school_id, client=client, **grant.to_claim())
                record_staff_change(session, person_id, now, was_staff=False)
            return load_person_message(session, person_id)

    def withdraw_role(self, identity, request, client: audit.Client) -> auth_pb2.Person:
        person_id = identifier("person_id", request.person_id)
        now = self.context.clock()
        with self.context.database.transaction() as session:
            person = self._managed_person(session, identity, person_id)
            role = role_from_proto(request.grant.role, "grant.role")
            if role not in self._roles_here(identity, person.school_id):
                raise PermissionDenied("Эту роль снять нельзя", reason="ROLE_NOT_ASSIGNABLE", field="grant.role")
            if person_id == identity.person_id and role is Role.ADMINISTRATOR:
                raise FailedPrecondition("Нельзя снять роль администратора с самого себя",
                                         reason="SELF_ADMINISTRATOR")
            table = store.role_grant
            condition = and_(table.c.person_id == person_id, table.c.role == role.value)
            if request.grant.class_id:
                condition = and_(condition, table.c.class_id == request.grant.class_id)
            removed = session.execute(delete(table).where(condition)).rowcount
            if not removed:
                raise NotFound("У этого человека нет такой роли", reason="ROLE_NOT_HELD", field="grant")
            codes = store.activation_code
            session.execute(
                update(codes)
                .where(codes.c.person_id == person_id, codes.c.role == role.value, codes.c.use_time.is_(None),
                       codes.c.expire_time > now)
                .values(expire_time=now)
            )
            revoke_person(session, person_id=person_id, school_id=person.school_id, reason="role_withdrawn")
            audit.record(session, "role.withdrawn", now=now, person_id=identity.person_id, target=person_id,
                         school_id=person.school_id, client=client, role=role.value,
                         class_id=request.grant.class_id)
            record_staff_change(session, person_id, now, was_staff=role in STAFF_ROLES)
            message = load_person_message(session, person_id)
        self.context.committed(revoked=True)
        return message

    def set_blocked(
        self, identity, person_id: str, blocked: bool, client: audit.Client, reason: str = ""
    ) -> auth_pb2.Person:
        person_id = identifier("person_id", person_id)
        reason = _optional_text("reason", reason, 200)
        now = self.context.clock()
        with self.context.database.transaction() as session:
            person = self._managed_person(session, identity, person_id)
            if person_id == identity.person_id:
                raise FailedPrecondition("Нельзя заблокировать или разблокировать самого себя", reason="SELF_BLOCK")
            if person.account_id is None:
                raise FailedPrecondition("У этого человека ещё нет учётной записи", reason="NO_ACCOUNT")
            changed = bool(person.blocked) != blocked
            if changed:
                session.execute(
                    update(store.account).where(store.account.c.id == person.account_id).values(blocked=blocked)
                )
                if blocked:
                    end_sessions(session, person_id=person_id, now=now, reason="blocked")
                    revoke_person(session, person_id=person_id, school_id=person.school_id, reason="blocked")
                audit.record(session, "account.blocked" if blocked else "account.unblocked", now=now,
                             person_id=identity.person_id, target=person_id, school_id=person.school_id,
                             client=client, reason=reason)
                record_staff_change(session, person_id, now, was_staff=False)
            message = load_person_message(session, person_id)
        if changed:
            self.context.committed(revoked=blocked)
        return message

    # sign-in log ------------------------------------------------------------------
    def list_sign_ins(self, identity, request) -> auth_pb2.ListSignInsResponse:
        school_id = identifier("school_id", request.school_id)
        self._check_school_scope(identity, school_id, Role.ADMINISTRATOR)
        size = paging.page_size(request.page_size)
        offset = paging.decode_token(request.page_token)
        events, person = store.audit_event, store.person
        with self.context.database.session() as session:
            rows = session.execute(
                select(events, person.c.last_name, person.c.first_name, person.c.middle_name)
                .select_from(events.outerjoin(person, person.c.id == events.c.person_id))
                .where(events.c.school_id == school_id, events.c.action.in_(audit.SIGN_IN_ACTIONS))
                .order_by(events.c.id.desc())
                .offset(offset)
                .limit(size + 1)
            ).all()
        sign_ins = []
        for row in rows[:size]:
            details = json.loads(row.details or "{}")
            sign_ins.append(
                auth_pb2.SignIn(
                    person_id=row.person_id or "",
                    login=details.get("login", row.target),
                    full_name=full_name(row) if row.last_name else "",
                    succeeded=row.action == audit.SIGN_IN_SUCCEEDED,
                    address=row.address,
                    user_agent=row.user_agent,
                    time=timestamp(as_utc(row.time)),
                )
            )
        return auth_pb2.ListSignInsResponse(sign_ins=sign_ins, next_page_token=paging.next_token(offset, size, len(rows)))

    # the caller ---------------------------------------------------------------------
    def me(self, identity) -> auth_pb2.GetMeResponse:
        with self.context.database.session() as session:
            if find_person(session, identity.person_id) is None:
                raise person_not_found()
            message = load_person_message(session, identity.person_id)
            school_name = ""
            if message.school_id:
                school_name = session.scalar(select(store.school.c.name).where(store.school.c.id == message.school_id))
        return auth_pb2.GetMeResponse(person=message, school_name=school_name or "")
