"""Signing in, changing the password and enrolling a second factor.

An unknown login is answered exactly like a wrong password: the same error,
a password check of the same cost (against a dummy hash), and the same
throttling (counted per login string), so nothing tells whether a login
exists.  A blocked account, an account with no roles and a missing second
factor are told apart only after the right password.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import or_, update

from services.auth import audit, rules, store, totp
from services.auth.context import AuthContext
from services.auth.passwords import common_passwords, hash_password, verify_against_nothing, verify_password
from services.auth.people import account_by_login, account_of_person, grants_of
from services.auth.sessions import Sessions, end_sessions, revoke_person
from services.auth.throttling import LOGIN, too_many_attempts
from services.common.errors import (
    FailedPrecondition, InvalidArgument, PermissionDenied, ServiceError, Unauthenticated,
)
from services.common.tokens import RoleGrant

BAD_CREDENTIALS = "Неверный логин или пароль"


@dataclass(frozen=True)
class Authenticated:
    account: object  # the account row with its person's school
    grants: list[RoleGrant]
    otp_step: int | None  # the accepted TOTP step, to be stamped


class SignIn:
    def __init__(self, context: AuthContext, sessions: Sessions) -> None:
        self.context = context
        self.sessions = sessions

    # proving who one is --------------------------------------------------------
    def authenticate(
        self, login_text: str, password: str, otp: str, client: audit.Client, *, enrolling: bool = False
    ) -> Authenticated:
        """The account whose login, password (and second factor) these are; raises otherwise.

        Failures are recorded (throttling and the audit log) before the error
        is raised.  With `enrolling`, a staff account that the school requires
        to enroll a second factor is let through (to enroll it, not to sign in).
        """
        if not (login_text or "").strip():
            raise InvalidArgument("login", "Введите логин")
        if not password:
            raise InvalidArgument("password", "Введите пароль")
        typed = rules.normalize_login(login_text)
        login = typed[: rules.LOGIN_MAX_LENGTH]  # the throttling key; no login is longer
        context = self.context
        now = context.clock()
        with context.database.session() as session:
            until = context.throttle.locked_until(session, login=login, address=client.address, now=now)
            account = account_by_login(session, typed) if len(typed) <= rules.LOGIN_MAX_LENGTH else None
            grants = grants_of(session, account.person_id) if account is not None else []
        person_id = account.person_id if account is not None else None
        school_id = account.school_id if account is not None else None
        if until is not None:
            with context.database.transaction() as session:
                audit.record(session, audit.SIGN_IN_FAILED, now=now, person_id=person_id, target=login,
                             school_id=school_id, client=client, login=login, reason="locked")
            raise too_many_attempts(until, now)

        if account is not None:
            password_ok = verify_password(account.password_hash, password)
        else:
            password_ok = verify_against_nothing(password)
        failure: ServiceError | None = None
        counted = True  # does this failure count towards a lock-out?
        step = None
        if not password_ok:
            failure = Unauthenticated(BAD_CREDENTIALS, reason="BAD_CREDENTIALS")
        elif account.blocked:
            failure, counted = PermissionDenied(
                "Учётная запись заблокирована. Обратитесь к администратору журнала школы", reason="ACCOUNT_BLOCKED"
            ), False
        elif not grants:
            failure, counted = PermissionDenied(
                "У учётной записи нет ни одной роли. Обратитесь к администратору журнала школы", reason="NO_ROLES"
            ), False
        else:
            needed = rules.second_factor(
                (grant.role for grant in grants), totp_enabled=bool(account.totp_enabled),
                school_requires=bool(account.staff_totp_required),
            )
            if needed is rules.SecondFactor.CODE:
                if not (otp or "").strip():
                    failure, counted = FailedPrecondition(
                        "Введите код из приложения-аутентификатора", reason="OTP_REQUIRED", field="otp"
                    ), False
                else:
                    step = totp.accepted_step(account.totp_secret, otp, now, account.totp_last_step)
                    if step is None:
                        failure = Unauthenticated("Неверный код подтверждения", reason="BAD_OTP", field="otp")
            elif needed is rules.SecondFactor.ENROLLMENT and not enrolling:
                failure, counted = FailedPrecondition(
                    "Школа требует от сотрудников второй фактор входа: подключите приложение-аутентификатор",
                    reason="TOTP_ENROLLMENT_REQUIRED",
                ), False
        if failure is not None:
            with context.database.transaction() as session:
                if counted:
                    context.throttle.record(session, kind=LOGIN, login=login, address=client.address, now=now,
                                            succeeded=False)
                audit.record(session, audit.SIGN_IN_FAILED, now=now, person_id=person_id, target=login,
                             school_id=school_id, client=client, login=login, reason=failure.reason)
            raise failure
        return Authenticated(account, grants, step)

    def stamp(self, session, signed_in: Authenticated, client: audit.Client, now: dt.datetime) -> None:
        """Record a successful sign-in in the caller's transaction."""
        account = signed_in.account
        if signed_in.otp_step is not None:
            table = store.account
            spent = session.execute(
                update(table)
                .where(
                    table.c.id == account.id,
                    or_(table.c.totp_last_step.is_(None), table.c.totp_last_step < signed_in.otp_step),
                )
                .values(totp_last_step=signed_in.otp_step)
            ).rowcount
            if not spent:
                raise Unauthenticated("Неверный код подтверждения", reason="BAD_OTP", field="otp")
        self.context.throttle.record(session, kind=LOGIN, login=account.login, address=client.address, now=now,
                                     succeeded=True)
        session.execute(update(store.account).where(store.account.c.id == account.id).values(last_sign_in_time=now))
        audit.record(session, audit.SIGN_IN_SUCCEEDED, now=now, person_id=account.person_id, target=account.login,
                     school_id=account.school_id, client=client, login=account.login)

    def _open_session(self, signed_in: Authenticated, client: audit.Client):
        self.sessions.prepare_signing()
        now = self.context.clock()
        with self.context.database.transaction() as session:
            self.stamp(session, signed_in, client, now)
            return self.sessions.start(
                session, person_id=signed_in.account.person_id, school_id=signed_in.account.school_id,
                grants=signed_in.grants, client=client, now=now,
            )

    def login(self, login: str, password: str, otp: str, client: audit.Client):
        return self._open_session(self.authenticate(login, password, otp, client), client)

    # the caller's password -----------------------------------------------------
    def change_password(self, identity, current: str, new: str, client: audit.Client) -> tuple[str, int]:
        if not current:
            raise InvalidArgument("current_password", "Введите текущий пароль")
        context = self.context
        now = context.clock()
        with context.database.session() as session:
            account = account_of_person(session, identity.person_id)
            if account is None:
                raise Unauthenticated("Требуется вход в систему", reason="NO_ACCOUNT")
            until = context.throttle.locked_until(session, login=account.login, address="", now=now)
        problem = rules.password_problem(new, login=account.login, common_passwords=common_passwords())
        if problem:
            raise InvalidArgument("new_password", problem)
        if until is not None:
            raise too_many_attempts(until, now)
        if not verify_password(account.password_hash, current):
            with context.database.transaction() as session:
                context.throttle.record(session, kind=LOGIN, login=account.login, address="", now=now,
                                        succeeded=False)
                audit.record(session, "password.change_failed", now=now, person_id=account.person_id,
                             target=account.login, school_id=account.school_id, client=client)
            raise InvalidArgument("current_password", "Текущий пароль введён неверно", reason="WRONG_PASSWORD")
        if new == current:
            raise InvalidArgument("new_password", "Новый пароль совпадает с текущим")
        new_hash = hash_password(new)
        self.sessions.prepare_signing()
        with context.database.transaction() as session:
            session.execute(
                update(store.account).where(store.account.c.id == account.id).values(
                    password_hash=new_hash, password_change_time=now
                )
            )
            ended = end_sessions(session, person_id=account.person_id, now=now, reason="password_changed",
                                 keep=identity.session_id)
            revoked_at = revoke_person(session, person_id=account.person_id, school_id=account.school_id,
                                       reason="password_changed")
            audit.record(session, "password.changed", now=now, person_id=account.person_id, target=account.login,
                         school_id=account.school_id, client=client, sessions_ended=ended)
            access = self.sessions.fresh_access_token(
                session, person_id=account.person_id, session_id=identity.session_id, now=now,
                not_before=revoked_at,
            )
        context.committed(revoked=True)
        return access

    # second factor -------------------------------------------------------------
    def _enrolling_account(
        self, identity, login: str, password: str, client: audit.Client, *, password_required: bool = False
    ):
        """The account to enroll: the signed-in caller's, or the one of login and password.

        Starting the enrolment when signed in also asks for the password, so
        that a stolen access token cannot put a second factor on the account
        and lock its owner out.
        """
        if identity is not None:
            if not rules.is_staff(grant.role for grant in identity.roles):
                raise PermissionDenied("Второй фактор подключают сотрудники школы", reason="STAFF_ONLY")
            with self.context.database.session() as session:
                account = account_of_person(session, identity.person_id)
            if account is None:
                raise Unauthenticated("Требуется вход в систему", reason="NO_ACCOUNT")
            if password_required and not verify_password(account.password_hash, password or ""):
                raise InvalidArgument("password", "Неверный пароль", reason="BAD_PASSWORD")
            return account, None
        if not (login or "").strip() and not password:
            raise Unauthenticated("Требуется вход в систему", reason="NO_TOKEN")
        signed_in = self.authenticate(login, password, "", client, enrolling=True)
        if not rules.is_staff(grant.role for grant in signed_in.grants):
            raise PermissionDenied("Второй фактор подключают сотрудники школы", reason="STAFF_ONLY")
        return signed_in.account, signed_in

    def begin_totp(self, identity, login: str, password: str, client: audit.Client) -> tuple[str, str]:
        account, _ = self._enrolling_account(identity, login, password, client, password_required=True)
        if account.totp_enabled:
            raise FailedPrecondition("Второй фактор уже подключён", reason="TOTP_ALREADY_ENABLED")
        secret = totp.new_secret()
        with self.context.database.transaction() as session:
            session.execute(
                update(store.account).where(store.account.c.id == account.id).values(
                    totp_secret=secret, totp_last_step=None
                )
            )
        return secret, totp.provisioning_uri(secret, account.login)

    def confirm_totp(self, identity, otp: str, login: str, password: str, client: audit.Client):
        """Turn the second factor on; signs in (returns tokens) when enrolled with login and password."""
        if not (otp or "").strip():
            raise InvalidArgument("otp", "Введите код из приложения-аутентификатора")
        account, signed_in = self._enrolling_account(identity, login, password, client)
        if account.totp_enabled:
            raise FailedPrecondition("Второй фактор уже подключён", reason="TOTP_ALREADY_ENABLED")
        if not account.totp_secret:
            raise FailedPrecondition("Сначала начните подключение второго фактора", reason="TOTP_NOT_STARTED")
        now = self.context.clock()
        step = totp.accepted_step(account.totp_secret, otp, now, None)
        if step is None:
            raise InvalidArgument("otp", "Неверный код подтверждения", reason="BAD_OTP")
        with self.context.database.transaction() as session:
            session.execute(
                update(store.account).where(store.account.c.id == account.id).values(
                    totp_enabled=True, totp_last_step=step
                )
            )
            audit.record(session, "totp.enabled", now=now, person_id=account.person_id, target=account.login,
                         school_id=account.school_id, client=client)
        if signed_in is None:
            return None
        return self._open_session(Authenticated(signed_in.account, signed_in.grants, None), client)
