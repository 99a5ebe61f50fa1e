"""People, their accounts and role grants: queries and their proto form."""
from __future__ import annotations

from collections.abc import Iterable

from ezh.auth.v1 import auth_pb2
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.auth import store
from services.common.clock import as_utc
from services.common.errors import InvalidArgument
from services.common.roles import Role
from services.common.tokens import RoleGrant
from services.common.validation import timestamp


def role_from_proto(value: int, field: str = "role") -> Role:
    if value == auth_pb2.ROLE_UNSPECIFIED:
        raise InvalidArgument(field, "Укажите роль")
    try:
        return Role[auth_pb2.Role.Name(value).removeprefix("ROLE_")]
    except (ValueError, KeyError):
        raise InvalidArgument(field, "Неизвестная роль") from None


def role_to_proto(role: Role) -> int:
    return auth_pb2.Role.Value(f"ROLE_{role.name}")


def grants_of(session: Session, person_id: str) -> list[RoleGrant]:
    table = store.role_grant
    rows = session.execute(
        select(table.c.role, table.c.school_id, table.c.class_id)
        .where(table.c.person_id == person_id)
        .order_by(table.c.grant_time, table.c.role, table.c.class_id)
    ).all()
    return [RoleGrant(Role(row.role), row.school_id, row.class_id) for row in rows]


def grants_of_many(session: Session, person_ids: Iterable[str]) -> dict[str, list[RoleGrant]]:
    ids = list(set(person_ids))
    found: dict[str, list[RoleGrant]] = {person_id: [] for person_id in ids}
    if not ids:
        return found
    table = store.role_grant
    rows = session.execute(
        select(table.c.person_id, table.c.role, table.c.school_id, table.c.class_id)
        .where(table.c.person_id.in_(ids))
        .order_by(table.c.grant_time, table.c.role, table.c.class_id)
    ).all()
    for row in rows:
        found[row.person_id].append(RoleGrant(Role(row.role), row.school_id, row.class_id))
    return found


def person_query():
    """A person with their account's columns (NULL when there is no account yet)."""
    person, account = store.person, store.account
    return select(
        person,
        account.c.id.label("account_id"),
        account.c.login,
        account.c.blocked,
        account.c.activate_time,
        account.c.last_sign_in_time,
        account.c.totp_enabled,
    ).select_from(person.outerjoin(account, account.c.person_id == person.c.id))


def find_person(session: Session, person_id: str):
    return session.execute(person_query().where(store.person.c.id == person_id)).first()


def _account_query():
    """An account with its person's school and names, and the school's second-factor rule."""
    person, account, school = store.person, store.account, store.school
    return select(
        account,
        person.c.school_id,
        person.c.last_name,
        person.c.first_name,
        person.c.middle_name,
        school.c.staff_totp_required,
    ).select_from(
        account.join(person, person.c.id == account.c.person_id).outerjoin(school, school.c.id == person.c.school_id)
    )


def account_by_login(session: Session, login: str):
    return session.execute(_account_query().where(store.account.c.login == login)).first()


def account_of_person(session: Session, person_id: str):
    return session.execute(_account_query().where(store.account.c.person_id == person_id)).first()


def full_name(row) -> str:
    return " ".join(part for part in (row.last_name, row.first_name, row.middle_name) if part)


def grant_message(grant: RoleGrant) -> auth_pb2.RoleGrant:
    return auth_pb2.RoleGrant(
        role=role_to_proto(grant.role), school_id=grant.school_id or "", class_id=grant.class_id or ""
    )


def person_message(row, grants: Iterable[RoleGrant]) -> auth_pb2.Person:
    return auth_pb2.Person(
        id=row.id,
        school_id=row.school_id or "",
        last_name=row.last_name,
        first_name=row.first_name,
        middle_name=row.middle_name or "",
        roles=[grant_message(grant) for grant in grants],
        login=row.login or "",
        blocked=bool(row.blocked),
        activate_time=timestamp(as_utc(row.activate_time)),
        last_sign_in_time=timestamp(as_utc(row.last_sign_in_time)),
        totp_enabled=bool(row.totp_enabled),
    )


def load_person_message(session: Session, person_id: str) -> auth_pb2.Person:
    row = find_person(session, person_id)
    return person_message(row, grants_of(session, person_id))
