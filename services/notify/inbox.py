"""Creating notifications: the in-app row, exactly once per recipient and source, and its e-mail delivery."""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import select
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


def preferences_of(session: Session, person_id: str) -> tuple[dict[tuple[str, str], str], dt.time | None, dt.time | None]:
    chosen = {
        (row.kind, row.channel): row.mode
        for row in session.execute(select(store.preference).where(store.preference.c.person_id == person_id))
    }
    setting = session.execute(
        select(store.person_setting).where(store.person_setting.c.person_id == person_id)
    ).first()
    quiet_start = quiet_end = None
    if setting is not None and setting.quiet_start and setting.quiet_end:
        quiet_start = rules.c1_clock_time("quiet_start", setting.quiet_start)
        quiet_end = rules.c1_clock_time("quiet_end", setting.quiet_end)
    return chosen, quiet_start, quiet_end


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
) -> str | None:
    """One notification for `recipient` from `source_key` (an event id, a message id…).

    A second call with the same recipient and source creates nothing: the
    (recipient, source) pair is unique, and the caller's transaction also
    holds the consumer's processed-event row. Returns the new id, or None.
    """
    table = store.notification
    exists = session.scalar(
        select(table.c.id).where(table.c.recipient_id == recipient.person_id, table.c.source_key == source_key)
    )
    if exists is not None:
        return None
    chosen, quiet_start, quiet_end = preferences_of(session, recipient.person_id)
    in_app = rules.c1_mode(kind, "in_app", chosen)
    email_mode = rules.c1_mode(kind, "email", chosen)
    send_email = channels.email and email_allowed and bool(recipient.email) and email_mode != rules.OFF
    if in_app == rules.OFF and not send_email:
        return None
    notification_id = str(uuid.uuid4())
    session.execute(table.insert().values(
        id=notification_id, recipient_id=recipient.person_id, kind=kind, title=text.title[:200], body=text.body,
        link=text.link, student_id=student_id, school_id=school_id, source_key=source_key, create_time=now,
        shown=in_app != rules.OFF,
    ))
    if send_email:
        due = rules.c1_send_time(email_mode, now, quiet_start, quiet_end)
        session.execute(store.delivery.insert().values(
            id=str(uuid.uuid4()), notification_id=notification_id, recipient_id=recipient.person_id,
            channel="email", address=recipient.email, recipient_name=recipient.name, status="pending",
            due_time=due, attempts=0,
        ))
    return notification_id
