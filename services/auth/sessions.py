"""Sessions, their rotating refresh tokens, and revoking a person's access tokens.

A session is one signed-in device.  Each Refresh spends the presented
refresh token and hands out the next one (the session is the token
family); presenting a spent token again means it was copied, so the whole
session ends and the person's access tokens are revoked.  Sessions end by
themselves after the idle and absolute limits of `rules.SESSION_LIFETIMES`.

Access tokens are not tied to a session server-side: ending a session
revokes every access token of the person issued until now (the revocation
list is per person, `iat` in milliseconds); their other devices get new
ones with their refresh tokens.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import math
import secrets
import time
import uuid

from ezh.auth.v1 import auth_pb2, events_pb2
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.auth import audit, rules, store
from services.auth.context import AuthContext
from services.auth.people import account_of_person, grants_of
from services.common import outbox
from services.common.clock import as_utc
from services.common.errors import InvalidArgument, NotFound, Unauthenticated
from services.common.events import new_event
from services.common.identity import record_revocation
from services.common.tokens import ACCESS_TOKEN_LIFETIME_SECONDS, RoleGrant, issue_access_token
from services.common.validation import timestamp

TOKEN_TYPE = "Bearer"
ACCOUNT_REVOKED_EVENT = "ezh.auth.account.revoked.v1"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def account_revoked_event(person_id: str, school_id: str | None, reason: str, revoked_at: float):
    when = dt.datetime.fromtimestamp(revoked_at, dt.UTC).isoformat()
    return new_event(
        ACCOUNT_REVOKED_EVENT,
        "auth",
        f"people/{person_id}",
        school_id or "",
        events_pb2.AccountRevoked(person_id=person_id, school_id=school_id or "", reason=reason, revoke_time=when),
    )


def revoke_person(session: Session, *, person_id: str, school_id: str | None, reason: str) -> float:
    """Refuse every access token of the person issued until now, here and (by the
    event) in every other service.  Returns the revocation time; a token issued
    at or after it is valid."""
    revoked_at = math.floor(time.time() * 1000) / 1000
    record_revocation(session, store.revoked, person_id, revoked_at, reason)
    outbox.record(session, store.outbox, account_revoked_event(person_id, school_id, reason, revoked_at))
    return revoked_at


def end_sessions(
    session: Session,
    *,
    person_id: str,
    now: dt.datetime,
    reason: str,
    only: str | None = None,
    keep: str | None = None,
) -> int:
    table = store.session
    query = update(table).where(table.c.person_id == person_id, table.c.end_time.is_(None))
    if only is not None:
        query = query.where(table.c.id == only)
    if keep is not None:
        query = query.where(table.c.id != keep)
    return session.execute(query.values(end_time=now, end_reason=reason[:40])).rowcount or 0


class Sessions:
    def __init__(self, context: AuthContext) -> None:
        self.context = context

    # tokens -------------------------------------------------------------------
    def prepare_signing(self) -> None:
        """Make sure a signing key exists before a transaction that signs tokens."""
        self.context.keys.signing_key()

    def access_token(
        self,
        *,
        person_id: str,
        school_id: str | None,
        grants: list[RoleGrant],
        session_id: str,
        absolute_end: dt.datetime,
        now: dt.datetime,
        not_before: float = 0.0,
    ) -> tuple[str, int]:
        """A signed access token that does not outlive its session."""
        remaining = int((absolute_end - now).total_seconds())
        lifetime = max(1, min(ACCESS_TOKEN_LIFETIME_SECONDS, remaining))
        token, _claims = issue_access_token(
            self.context.keys.signing_key(),
            person_id=person_id,
            school_id=school_id,
            roles=grants,
            session_id=session_id,
            lifetime=lifetime,
            now=max(time.time(), not_before),
        )
        return token, lifetime

    def _new_refresh_token(self, session: Session, session_id: str, now: dt.datetime) -> str:
        token = secrets.token_urlsafe(32)
        session.execute(
            store.refresh_token.insert().values(token_hash=token_hash(token), session_id=session_id, issue_time=now)
        )
        return token

    def start(
        self,
        session: Session,
        *,
        person_id: str,
        school_id: str | None,
        grants: list[RoleGrant],
        client: audit.Client,
        now: dt.datetime,
    ) -> auth_pb2.Tokens:
        """A new session for a person who has just proved who they are."""
        kind = rules.session_kind(grant.role for grant in grants)
        session_id = str(uuid.uuid4())
        absolute_end = now + self.context.lifetimes[kind].absolute
        session.execute(
            store.session.insert().values(
                id=session_id, person_id=person_id, kind=kind.value, user_agent=client.user_agent,
                address=client.address, create_time=now, last_use_time=now, absolute_expire_time=absolute_end,
            )
        )
        refresh = self._new_refresh_token(session, session_id, now)
        access, lifetime = self.access_token(
            person_id=person_id, school_id=school_id, grants=grants, session_id=session_id,
            absolute_end=absolute_end, now=now,
        )
        return auth_pb2.Tokens(
            access_token=access, refresh_token=refresh, expires_in=lifetime, token_type=TOKEN_TYPE,
            session_id=session_id,
        )

    def fresh_access_token(
        self, session: Session, *, person_id: str, session_id: str | None, now: dt.datetime, not_before: float
    ) -> tuple[str, int]:
        """A new access token for the caller's own session, if it is still live."""
        if not session_id:
            return "", 0
        row = session.execute(
            select(store.session).where(
                store.session.c.id == session_id, store.session.c.person_id == person_id,
                store.session.c.end_time.is_(None),
            )
        ).first()
        if row is None:
            return "", 0
        person = session.execute(select(store.person.c.school_id).where(store.person.c.id == person_id)).one()
        return self.access_token(
            person_id=person_id, school_id=person.school_id, grants=grants_of(session, person_id),
            session_id=session_id, absolute_end=as_utc(row.absolute_expire_time), now=now, not_before=not_before,
        )

    # refresh and sign-out -----------------------------------------------------
    def refresh(self, refresh_token: str, client: audit.Client) -> auth_pb2.Tokens:
        if not refresh_token:
            raise InvalidArgument("refresh_token", "Поле «refresh_token» не заполнено")
        context = self.context
        self.prepare_signing()
        now = context.clock()
        failure: Unauthenticated | None = None
        revoked = False
        tokens = None
        with context.database.transaction() as session:
            row = self._token_row(session, refresh_token)
            if row is None:
                failure = Unauthenticated("Сеанс недействителен, войдите снова", reason="REFRESH_TOKEN_INVALID")
            elif row.end_time is not None:
                failure = Unauthenticated("Сеанс завершён, войдите снова", reason="SESSION_ENDED")
            elif not self._spend(session, row.token_hash, now):
                # A spent token came back: someone holds a copy.  End the family.
                end_sessions(session, person_id=row.person_id, now=now, reason="refresh_token_reused", only=row.id)
                account = account_of_person(session, row.person_id)
                revoke_person(
                    session, person_id=row.person_id, school_id=account.school_id if account else None,
                    reason="refresh_token_reused",
                )
                audit.record(
                    session, "session.refresh_token_reused", now=now, person_id=row.person_id, target=row.id,
                    school_id=account.school_id if account else None, client=client,
                )
                revoked = True
                failure = Unauthenticated(
                    "Сеанс завершён из соображений безопасности: ключ обновления уже использовался. Войдите снова",
                    reason="REFRESH_TOKEN_REUSED",
                )
            else:
                failure, tokens = self._continue(session, row, client, now)
        if revoked:
            context.committed(revoked=True)
        if failure is not None:
            raise failure
        return tokens

    def _token_row(self, session: Session, refresh_token: str):
        tokens, sessions = store.refresh_token, store.session
        return session.execute(
            select(sessions, tokens.c.token_hash, tokens.c.use_time.label("token_use_time"))
            .select_from(tokens.join(sessions, sessions.c.id == tokens.c.session_id))
            .where(tokens.c.token_hash == token_hash(refresh_token))
        ).first()

    def _spend(self, session: Session, hashed: str, now: dt.datetime) -> bool:
        """Mark the token used; False if it had been used already (atomic)."""
        table = store.refresh_token
        result = session.execute(
            update(table).where(table.c.token_hash == hashed, table.c.use_time.is_(None)).values(use_time=now)
        )
        return result.rowcount == 1

    def _continue(self, session: Session, row, client: audit.Client, now: dt.datetime):
        account = account_of_person(session, row.person_id)
        if account is None or account.blocked:
            end_sessions(session, person_id=row.person_id, now=now, reason="blocked", only=row.id)
            return Unauthenticated("Сеанс завершён, войдите снова", reason="SESSION_ENDED"), None
        grants = grants_of(session, row.person_id)
        kind = rules.session_kind(grant.role for grant in grants)
        ended = rules.session_expired(
            kind, as_utc(row.create_time), as_utc(row.last_use_time), now, self.context.lifetimes
        )
        if ended is not None:
            end_sessions(session, person_id=row.person_id, now=now, reason=ended.value, only=row.id)
            return Unauthenticated("Сеанс истёк, войдите снова", reason="SESSION_EXPIRED"), None
        absolute_end = min(as_utc(row.absolute_expire_time), as_utc(row.create_time) + self.context.lifetimes[kind].absolute)
        session.execute(
            update(store.session).where(store.session.c.id == row.id).values(
                last_use_time=now, kind=kind.value, absolute_expire_time=absolute_end,
                address=client.address or row.address, user_agent=client.user_agent or row.user_agent,
            )
        )
        refresh = self._new_refresh_token(session, row.id, now)
        access, lifetime = self.access_token(
            person_id=row.person_id, school_id=account.school_id, grants=grants, session_id=row.id,
            absolute_end=absolute_end, now=now,
        )
        return None, auth_pb2.Tokens(
            access_token=access, refresh_token=refresh, expires_in=lifetime, token_type=TOKEN_TYPE, session_id=row.id
        )

    def logout(self, refresh_token: str) -> None:
        """End the session of the refresh token (spent or not); an unknown token is a no-op."""
        if not refresh_token:
            raise InvalidArgument("refresh_token", "Поле «refresh_token» не заполнено")
        context = self.context
        now = context.clock()
        ended = 0
        with context.database.transaction() as session:
            row = self._token_row(session, refresh_token)
            if row is not None and row.end_time is None:
                ended = end_sessions(session, person_id=row.person_id, now=now, reason="logout", only=row.id)
                account = account_of_person(session, row.person_id)
                school_id = account.school_id if account else None
                revoke_person(session, person_id=row.person_id, school_id=school_id, reason="logout")
                audit.record(session, "session.logout", now=now, person_id=row.person_id, target=row.id,
                             school_id=school_id)
        if ended:
            context.committed(revoked=True)

    # the caller's sessions ----------------------------------------------------
    def live(self, person_id: str) -> list:
        now = self.context.clock()
        with self.context.database.session() as session:
            rows = session.execute(
                select(store.session)
                .where(store.session.c.person_id == person_id, store.session.c.end_time.is_(None))
                .order_by(store.session.c.last_use_time.desc())
            ).all()
        return [
            row for row in rows
            if rules.session_expired(
                rules.SessionKind(row.kind), as_utc(row.create_time), as_utc(row.last_use_time), now,
                self.context.lifetimes,
            ) is None
        ]

    def session_message(self, row, current_session_id: str | None) -> auth_pb2.Session:
        kind = rules.SessionKind(row.kind)
        expires = min(
            rules.session_expire_time(kind, as_utc(row.create_time), as_utc(row.last_use_time), self.context.lifetimes),
            as_utc(row.absolute_expire_time),
        )
        return auth_pb2.Session(
            id=row.id, user_agent=row.user_agent, address=row.address, create_time=timestamp(as_utc(row.create_time)),
            last_use_time=timestamp(as_utc(row.last_use_time)), expire_time=timestamp(expires),
            current=row.id == current_session_id,
        )

    def end_for_caller(
        self, identity, *, session_id: str, everything: bool, client: audit.Client
    ) -> auth_pb2.EndSessionsResponse:
        if not everything and not session_id:
            raise InvalidArgument("session_id", "Укажите сеанс или завершите все сеансы")
        context = self.context
        self.prepare_signing()
        now = context.clock()
        with context.database.transaction() as session:
            if everything:
                ended = end_sessions(session, person_id=identity.person_id, now=now, reason="ended_by_user")
            else:
                ended = end_sessions(
                    session, person_id=identity.person_id, now=now, reason="ended_by_user", only=session_id
                )
                if not ended:
                    raise NotFound("Сеанс не найден или уже завершён", reason="SESSION_NOT_FOUND", field="session_id")
            revoked_at = revoke_person(
                session, person_id=identity.person_id, school_id=identity.school_id, reason="sessions_ended"
            )
            audit.record(
                session, "session.ended", now=now, person_id=identity.person_id,
                target="all" if everything else session_id, school_id=identity.school_id, client=client,
                count=ended,
            )
            access, lifetime = self.fresh_access_token(
                session, person_id=identity.person_id, session_id=identity.session_id, now=now,
                not_before=revoked_at,
            )
        context.committed(revoked=True)
        return auth_pb2.EndSessionsResponse(ended=ended, access_token=access, expires_in=lifetime)
