"""Activation codes (A1, 4.3.9): issuing them, using them, and who has activated.

The administrator issues codes to the school's staff, the district operator
to administrators, the class teacher to the students and parents of their
own class (who they are comes from the journal, asked with the caller's
token).  A code is stored only as its SHA-256, works once, and expires after
the school's `code_lifetime_days`; issuing again replaces the person's
unused code.

A person never gets a second account.  A code for a person who already has
one restores access to it (new login and password, every session ended) when
everything the account holds is within what the code's issuer manages
(`rules.code_may_restore_account`), so a parent who lost their password asks
the class teacher for a new code; otherwise (a teacher who is also a parent
in the school) it is refused, and the administrator adds the parent role to
the existing account.
"""
from __future__ import annotations

import secrets
import uuid

from ezh.auth.v1 import auth_pb2
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from services.auth import audit, rules, store
from services.auth.context import AuthContext
from services.auth.journal_client import ClassRoster, class_not_found
from services.auth.passwords import common_passwords, hash_password
from services.auth.people import account_of_person, find_person, grants_of, role_to_proto
from services.auth.sessions import Sessions, end_sessions, revoke_person
from services.auth.signin import Authenticated, SignIn
from services.auth.throttling import ACTIVATE, too_many_attempts
from services.common.clock import as_utc
from services.common.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from services.common.roles import Role
from services.common.validation import identifier, timestamp

ACCOUNT_EXISTS = (
    "У этого человека уже есть учётная запись в журнале (например, он сотрудник школы). "
    "Второй учётной записи не будет: нужную роль в его учётную запись добавляет администратор журнала школы"
)
ACCOUNT_BLOCKED = "Учётная запись этого человека заблокирована. Обратитесь к администратору журнала школы"


def new_code() -> str:
    return "".join(secrets.choice(rules.CODE_ALPHABET) for _ in range(rules.CODE_LENGTH))


def _schools_where(identity, *roles: Role) -> set[str]:
    return {grant.school_id for grant in identity.roles if grant.role in roles and grant.school_id}


class Codes:
    def __init__(self, context: AuthContext, sessions: Sessions, sign_in: SignIn) -> None:
        self.context = context
        self.sessions = sessions
        self.sign_in = sign_in

    # issuing --------------------------------------------------------------------
    def issue(
        self, identity, caller_token: str, person_id: str, role: Role, class_id: str, client: audit.Client
    ) -> auth_pb2.ActivationSlip:
        person_id = identifier("person_id", person_id)
        if not identity.has_role(*rules.code_issuers(role)):
            raise PermissionDenied("Недостаточно прав, чтобы выдать код для этой роли", reason="ROLE_REQUIRED")
        roster: ClassRoster | None = None
        if role in rules.FAMILY_ROLES:
            class_id = identifier("class_id", class_id)
            if class_id not in identity.classes_led():
                raise class_not_found()
            roster = self.context.journal.roster(class_id, caller_token)
            pool = roster.students if role is Role.STUDENT else roster.guardians
            member = next((member for member in pool if member.person_id == person_id), None)
            if member is None:
                raise NotFound("Ученик или родитель не найден в этом классе", reason="PERSON_NOT_FOUND",
                               field="person_id")
            school_id = roster.school_id
            names = (member.last_name, member.first_name, member.middle_name)
        else:
            class_id = ""
            with self.context.database.session() as session:
                person = find_person(session, person_id)
                grants = grants_of(session, person_id) if person is not None else []
            allowed = _schools_where(identity, Role.ADMINISTRATOR)
            operator_names_admin = identity.has_role(Role.DISTRICT_OPERATOR) and role is Role.ADMINISTRATOR
            if person is None or not person.school_id or (
                person.school_id not in allowed and not operator_names_admin
            ):
                raise NotFound("Сотрудник не найден", reason="PERSON_NOT_FOUND", field="person_id")
            if not any(grant.role is role for grant in grants):
                raise FailedPrecondition("Сначала назначьте сотруднику эту роль", reason="ROLE_NOT_GRANTED",
                                         field="role")
            school_id = person.school_id
            names = (person.last_name, person.first_name, person.middle_name)

        now = self.context.clock()
        code = new_code()
        with self.context.database.transaction() as session:
            self._refuse_other_accounts(session, person_id, role)
            school = session.execute(select(store.school).where(store.school.c.id == school_id)).first()
            if school is None:
                raise NotFound("Школа не найдена", reason="SCHOOL_NOT_FOUND")
            if find_person(session, person_id) is None:
                session.execute(
                    store.person.insert().values(
                        id=person_id, school_id=school_id, last_name=names[0], first_name=names[1],
                        middle_name=names[2] or "",
                    )
                )
            table = store.activation_code
            session.execute(
                update(table)
                .where(table.c.person_id == person_id, table.c.role == role.value, table.c.use_time.is_(None),
                       table.c.expire_time > now)
                .values(expire_time=now)
            )
            expires = rules.code_expire_time(now, school.code_lifetime_days)
            session.execute(
                table.insert().values(
                    id=str(uuid.uuid4()), code_hash=rules.code_hash(code), person_id=person_id, school_id=school_id,
                    role=role.value, class_id=class_id or None, issued_by=identity.person_id, issue_time=now,
                    expire_time=expires,
                )
            )
            audit.record(session, "code.issued", now=now, person_id=identity.person_id, target=person_id,
                         school_id=school_id, client=client, role=role.value, class_id=class_id, expire_time=expires.isoformat())
        return auth_pb2.ActivationSlip(
            code=rules.format_code(code),
            school_name=school.name,
            person_name=" ".join(part for part in names if part),
            role=role_to_proto(role),
            class_name=roster.name if roster is not None else "",
            expire_time=timestamp(expires),
        )

    def _refuse_other_accounts(self, session, person_id: str, role: Role) -> None:
        account = account_of_person(session, person_id)
        if account is None:
            return
        if account.blocked:
            raise FailedPrecondition(ACCOUNT_BLOCKED, reason="ACCOUNT_BLOCKED")
        held = [grant.role for grant in grants_of(session, person_id)]
        if not rules.code_may_restore_account(role, held):
            raise FailedPrecondition(ACCOUNT_EXISTS, reason="ACCOUNT_EXISTS")

    # using ----------------------------------------------------------------------
    def activate(self, code_text: str, login_text: str, password: str, client: audit.Client):
        """The account bound to the code's person, signed in: (tokens or None, totp enrollment required)."""
        if not (code_text or "").strip():
            raise InvalidArgument("code", "Введите код активации")
        login = rules.normalize_login(login_text)
        problem = rules.login_problem(login)
        if problem:
            raise InvalidArgument("login", problem)
        problem = rules.password_problem(password, login=login, common_passwords=common_passwords())
        if problem:
            raise InvalidArgument("password", problem)
        context = self.context
        now = context.clock()
        normalized = rules.normalize_code(code_text)
        with context.database.session() as session:
            until = context.throttle.locked_until(session, login="", address=client.address, now=now)
            row = None
            if normalized is not None:
                row = session.execute(
                    select(store.activation_code).where(store.activation_code.c.code_hash == rules.code_hash(normalized))
                ).first()
        if until is not None:
            raise too_many_attempts(until, now)
        if row is None:
            with context.database.transaction() as session:
                context.throttle.record(session, kind=ACTIVATE, login="", address=client.address, now=now,
                                        succeeded=False)
                audit.record(session, "code.activation_failed", now=now, client=client, reason="CODE_NOT_FOUND")
            raise NotFound("Код активации не найден. Проверьте, правильно ли он введён", reason="CODE_NOT_FOUND",
                           field="code")
        state = rules.code_state(used=as_utc(row.use_time), expires=as_utc(row.expire_time), now=now)
        if state is not rules.CodeState.VALID:
            with context.database.transaction() as session:
                audit.record(session, "code.activation_failed", now=now, target=row.person_id,
                             school_id=row.school_id, client=client, reason=f"CODE_{state.name}")
            if state is rules.CodeState.USED:
                raise FailedPrecondition("Этот код уже использован. Попросите новый у того, кто его выдал",
                                         reason="CODE_USED", field="code")
            raise FailedPrecondition("Срок действия кода истёк. Попросите новый у того, кто его выдал",
                                     reason="CODE_EXPIRED", field="code")
        role = Role(row.role)
        password_hash = hash_password(password)
        self.sessions.prepare_signing()
        try:
            with context.database.transaction() as session:
                result = self._bind(session, row, role, login, password_hash, client, now)
        except IntegrityError:
            raise AlreadyExists("Этот логин уже занят, выберите другой", reason="LOGIN_TAKEN", field="login") from None
        context.committed(revoked=result["restored"])
        return result["tokens"], result["enroll"]

    def _bind(self, session, row, role: Role, login: str, password_hash: str, client: audit.Client, now):
        table = store.activation_code
        spent = session.execute(
            update(table).where(table.c.id == row.id, table.c.use_time.is_(None)).values(use_time=now)
        ).rowcount
        if not spent:
            raise FailedPrecondition("Этот код уже использован. Попросите новый у того, кто его выдал",
                                     reason="CODE_USED", field="code")
        self._refuse_other_accounts(session, row.person_id, role)
        account = account_of_person(session, row.person_id)
        taken = session.scalar(select(store.account.c.person_id).where(store.account.c.login == login))
        if taken is not None and taken != row.person_id:
            raise AlreadyExists("Этот логин уже занят, выберите другой", reason="LOGIN_TAKEN", field="login")
        person = find_person(session, row.person_id)
        restored = account is not None
        if restored:
            session.execute(
                update(store.account).where(store.account.c.id == account.id).values(
                    login=login, password_hash=password_hash, password_change_time=now,
                    activate_time=account.activate_time or now,
                )
            )
            end_sessions(session, person_id=row.person_id, now=now, reason="access_restored")
            revoke_person(session, person_id=row.person_id, school_id=person.school_id, reason="access_restored")
        else:
            session.execute(
                store.account.insert().values(
                    id=str(uuid.uuid4()), person_id=row.person_id, login=login, password_hash=password_hash,
                    activate_time=now, password_change_time=now,
                )
            )
        grants = grants_of(session, row.person_id)
        if not any(grant.role is role and grant.school_id == row.school_id for grant in grants):
            session.execute(
                store.role_grant.insert().values(
                    id=str(uuid.uuid4()), person_id=row.person_id, school_id=row.school_id, role=role.value,
                    class_id=None,
                )
            )
            grants = grants_of(session, row.person_id)
        audit.record(session, "account.restored" if restored else "code.activated", now=now,
                     person_id=row.person_id, target=login, school_id=row.school_id, client=client, role=role.value,
                     code_id=row.id, issued_by=row.issued_by)
        account = account_of_person(session, row.person_id)
        needed = rules.second_factor(
            (grant.role for grant in grants), totp_enabled=bool(account.totp_enabled),
            school_requires=bool(account.staff_totp_required),
        )
        if needed is not rules.SecondFactor.NOT_NEEDED:
            return {"tokens": None, "enroll": needed is rules.SecondFactor.ENROLLMENT, "restored": restored}
        signed_in = Authenticated(account, grants, None)
        self.sign_in.stamp(session, signed_in, client, now)
        tokens = self.sessions.start(
            session, person_id=row.person_id, school_id=account.school_id, grants=grants, client=client, now=now
        )
        return {"tokens": tokens, "enroll": False, "restored": restored}

    # who has activated (4.3.9) --------------------------------------------------
    def class_access(self, identity, caller_token: str, class_id: str) -> list[auth_pb2.ClassMemberAccess]:
        class_id = identifier("class_id", class_id)
        leads = class_id in identity.classes_led()
        overseers = _schools_where(identity, Role.ADMINISTRATOR, Role.DIRECTOR, Role.DEPUTY_DIRECTOR)
        if not leads and not overseers:
            raise class_not_found()
        roster = self.context.journal.roster(class_id, caller_token)
        if not leads and roster.school_id not in overseers:
            raise class_not_found()
        members = [(member, Role.STUDENT) for member in roster.students]
        members += [(member, Role.PARENT) for member in roster.guardians]
        ids = {member.person_id for member, _ in members}
        with self.context.database.session() as session:
            accounts = {
                row.person_id: row
                for row in session.execute(
                    select(store.account.c.person_id, store.account.c.activate_time,
                           store.account.c.last_sign_in_time).where(store.account.c.person_id.in_(ids))
                ).all()
            }
            latest: dict[tuple[str, str], object] = {}
            for row in session.execute(
                select(store.activation_code.c.person_id, store.activation_code.c.role,
                       store.activation_code.c.expire_time)
                .where(store.activation_code.c.person_id.in_(ids))
                .order_by(store.activation_code.c.issue_time)
            ).all():
                latest[(row.person_id, row.role)] = row
        result = []
        for member, role in members:
            account = accounts.get(member.person_id)
            code = latest.get((member.person_id, role.value))
            result.append(
                auth_pb2.ClassMemberAccess(
                    person_id=member.person_id,
                    full_name=member.full_name,
                    role=role_to_proto(role),
                    student_id=member.student_id,
                    code_issued=code is not None,
                    code_expire_time=timestamp(as_utc(code.expire_time)) if code is not None else None,
                    activate_time=timestamp(as_utc(account.activate_time)) if account is not None else None,
                    last_sign_in_time=timestamp(as_utc(account.last_sign_in_time)) if account is not None else None,
                )
            )
        return result

