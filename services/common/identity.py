"""The caller's identity inside a service, from the verified access token.

The gateway passes the caller's access token on as `authorization: Bearer
<jwt>` metadata; the service's interceptor verifies it locally and binds the
`Identity` for the call.  Servicers ask `require_identity()` and then decide
by object (this teacher leads this class; this row is in the caller's
school).  Deny by default: no token, no identity.
"""
from __future__ import annotations

import contextvars
import datetime as dt

from sqlalchemy import Column, DateTime, Float, MetaData, String, Table, select
from sqlalchemy.orm import Session

from services.common.errors import PermissionDenied, Unauthenticated
from services.common.roles import Role
from services.common.tokens import Identity, InvalidToken, TokenVerifier

AUTHORIZATION_HEADER = "authorization"
# Where the gateway says who is on the other end (for audit, throttling and sessions).
CLIENT_ADDRESS_HEADER = "x-client-address"
CLIENT_USER_AGENT_HEADER = "x-client-user-agent"

_identity: contextvars.ContextVar[Identity | None] = contextvars.ContextVar("ezh_identity", default=None)


def current_identity() -> Identity | None:
    return _identity.get()


def require_identity(*roles: Role) -> Identity:
    """The caller; UNAUTHENTICATED without a token, PERMISSION_DENIED without one of `roles`."""
    identity = _identity.get()
    if identity is None:
        raise Unauthenticated("Требуется вход в систему", reason="NO_TOKEN")
    if roles and not identity.has_role(*roles):
        raise PermissionDenied("Недостаточно прав", reason="ROLE_REQUIRED")
    return identity


def bind_identity(identity: Identity | None) -> contextvars.Token:
    return _identity.set(identity)


def reset_identity(token: contextvars.Token) -> None:
    _identity.reset(token)


def identity_from_metadata(metadata: dict[str, str], verifier: TokenVerifier | None) -> Identity | None:
    """The verified identity, None if no token was sent; UNAUTHENTICATED if it is bad."""
    value = metadata.get(AUTHORIZATION_HEADER)
    if not value:
        return None
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("Неверный заголовок авторизации", reason="BAD_AUTHORIZATION")
    if verifier is None:
        raise Unauthenticated("Проверка токенов не настроена", reason="NO_VERIFIER")
    try:
        return verifier.verify(token.strip())
    except InvalidToken:
        raise Unauthenticated("Сеанс недействителен или истёк, войдите снова", reason="INVALID_TOKEN") from None


def bearer_metadata(token: str) -> tuple[tuple[str, str], ...]:
    return ((AUTHORIZATION_HEADER, f"Bearer {token}"),)


# Revocations pushed over the bus (ezh.auth.account.revoked.v1) are kept in
# each service's own database, so every replica of the service sees them.
def revoked_account_table(metadata: MetaData) -> Table:
    return Table(
        "revoked_account",
        metadata,
        Column("person_id", String(36), primary_key=True),
        Column("revoke_time", Float, nullable=False),  # seconds since the epoch
        Column("reason", String(200), nullable=False, server_default=""),
        Column("record_time", DateTime(timezone=True), nullable=False, default=lambda: dt.datetime.now(dt.UTC)),
    )


def record_revocation(session: Session, table: Table, person_id: str, revoke_time: float, reason: str = "") -> None:
    current = session.scalar(select(table.c.revoke_time).where(table.c.person_id == person_id))
    if current is None:
        session.execute(table.insert().values(person_id=person_id, revoke_time=revoke_time, reason=reason[:200]))
    elif revoke_time > current:
        session.execute(
            table.update().where(table.c.person_id == person_id).values(revoke_time=revoke_time, reason=reason[:200])
        )


def load_revocations(session: Session, table: Table) -> dict[str, float]:
    return {row.person_id: row.revoke_time for row in session.execute(select(table.c.person_id, table.c.revoke_time))}


class DatabaseRevocations:
    """The service's revocation list, read from its own table (at most once a second)."""

    def __init__(self, database, table: Table, max_age: float = 1.0) -> None:
        from services.common.tokens import Revocations

        self.database = database
        self.table = table
        self.max_age = max_age
        self._cache = Revocations()
        self._loaded_at = float("-inf")

    def revoked_after(self, person_id: str, issued_at: float) -> bool:
        import time

        now = time.monotonic()
        if now - self._loaded_at > self.max_age:
            with self.database.session() as session:
                self._cache.replace(load_revocations(session, self.table))
            self._loaded_at = now
        return self._cache.revoked_after(person_id, issued_at)

    def forget_cache(self) -> None:
        self._loaded_at = float("-inf")


def revocation_handler(table: Table):
    """The consumer handler of ezh.auth.account.revoked.v1 for a service's table."""
    from ezh.auth.v1 import events_pb2 as auth_events

    def on_account_revoked(session: Session, event) -> None:
        data = event.data_as(auth_events.AccountRevoked)
        when = dt.datetime.fromisoformat(data.revoke_time).timestamp() if data.revoke_time else event.time.timestamp()
        record_revocation(session, table, data.person_id, when, data.reason)

    return on_account_revoked
