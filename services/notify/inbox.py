"""Creating notifications: the in-app row, exactly once per recipient and source, and its e-mail delivery."""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import literal_column, select
from sqlalchemy.orm import Session

from services.notify import rules, store


@dataclass(frozen=True)
class Recipient:
    person_id: str
    name: str = ""
    email: str = ""


@dataclass(frozen=True)
class Channels:
    """What the running service can deliver besides the inbox."""

    email: bool = False


def insert_ignoring_duplicate(session: Session, table, values: dict) -> bool:
    """INSERT … ON CONFLICT DO NOTHING (PostgreSQL and SQLite); True if a row was added."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - the two databases ezh runs on
        raise RuntimeError(f"unsupported database {dialect}")
    statement = insert(table).values(**values).on_conflict_do_nothing().returning(literal_column("1"))
    return session.execute(statement).first() is not None


def chosen_modes(session: Session, person_ids: list[str]) -> dict[str, dict[tuple[str, str], str]]:
    """Each person's own choices of kind × channel (defaults are not stored), in one query."""
    chosen: dict[str, dict[tuple[str, str], str]] = {person_id: {} for person_id in person_ids}
    for row in session.execute(select(store.preference).where(store.preference.c.person_id.in_(person_ids))):
        chosen[row.person_id][(row.kind, row.channel)] = row.mode
    return chosen


def quiet_hours(session: Session, person_id: str) -> tuple[dt.time | None, dt.time | None]:
    setting = session.execute(
        select(store.person_setting).where(store.person_setting.c.person_id == person_id)
    ).first()
    if setting is None or not (setting.quiet_start and setting.quiet_end):
        return None, None
    return rules.c1_clock_time("quiet_start", setting.quiet_start), rules.c1_clock_time("quiet_end", setting.quiet_end)


def notify(
    session: Session,
    *,
    source_key: str,
    recipient: Recipient,
    kind: str,
    text: rules.Text,
    now: dt.datetime,
    channels: Channels,
    school_id: str = "",
    student_id: str = "",
    email_allowed: bool = True,
    chosen: dict[tuple[str, str], str] | None = None,
) -> str | None:
    """One notification for `recipient` from `source_key` (an event id, a message id…).

    A second call with the same recipient and source creates nothing: the
    (recipient, source) pair is unique (the insert skips a duplicate), and
    the caller's transaction also holds the consumer's processed-event row.
    Returns the new id, or None.
    """
    if chosen is None:
        chosen = chosen_modes(session, [recipient.person_id])[recipient.person_id]
    in_app = rules.c1_mode(kind, "in_app", chosen)
    email_mode = rules.c1_mode(kind, "email", chosen)
    send_email = channels.email and email_allowed and bool(recipient.email) and email_mode != rules.OFF
    if in_app == rules.OFF and not send_email:
        return None
    notification_id = str(uuid.uuid4())
    added = insert_ignoring_duplicate(session, store.notification, dict(
        id=notification_id, recipient_id=recipient.person_id, kind=kind, title=text.title[:200], body=text.body,
        link=text.link, student_id=student_id, school_id=school_id, source_key=source_key, create_time=now,
        shown=in_app != rules.OFF,
    ))
    if not added:  # this recipient was told of this source before
        return None
    if send_email:
        due = rules.c1_send_time(email_mode, now, *quiet_hours(session, recipient.person_id))
        session.execute(store.delivery.insert().values(
            id=str(uuid.uuid4()), notification_id=notification_id, recipient_id=recipient.person_id,
            channel="email", address=recipient.email, recipient_name=recipient.name, status="pending",
            due_time=due, attempts=0,
        ))
    return notification_id
