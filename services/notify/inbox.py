"""Creating notifications: the in-app row, exactly once per recipient and source, and its e-mail delivery."""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import literal_column, select
from sqlalchemy.orm import Session

from services.common.database import insert_on_conflict
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
    statement = insert_on_conflict(session, table).values(**values).on_conflict_do_nothing().returning(literal_column("1"))
    return session.execute(statement).first() is not None


def upsert(session: Session, table, values: dict, key: str) -> None:
    """INSERT … ON CONFLICT (key) DO UPDATE: the row with `values`, new or replaced, in one statement."""
    upsert_all(session, table, [values], key)


def upsert_all(session: Session, table, rows: list[dict], key: str) -> None:
    """INSERT … ON CONFLICT (key) DO UPDATE of many rows (one per key) in one statement."""
    if not rows:
        return
    # Executed with many parameter sets (not one VALUES list): the statement is compiled once and cached.
    statement = insert_on_conflict(session, table)
    session.execute(statement.on_conflict_do_update(
        index_elements=[key], set_={name: statement.excluded[name] for name in rows[0] if name != key}), rows)


def chosen_modes(session: Session, person_ids: list[str]) -> dict[str, dict[tuple[str, str], str]]:
    """Each person's own choices of kind × channel (defaults are not stored), in one query."""
    chosen: dict[str, dict[tuple[str, str], str]] = {person_id: {} for person_id in person_ids}
    for row in session.execute(select(store.preference).where(store.preference.c.person_id.in_(person_ids))):
        chosen[row.person_id][(row.kind, row.channel)] = row.mode
    return chosen


def quiet_hours_of(session: Session, person_ids: list[str]) -> dict[str, tuple[dt.time | None, dt.time | None]]:
    """Each person's quiet hours (None, None when unset), in one query."""
    hours: dict[str, tuple[dt.time | None, dt.time | None]] = {person_id: (None, None) for person_id in person_ids}
    for setting in session.execute(
        select(store.person_setting).where(store.person_setting.c.person_id.in_(person_ids))
    ):
        if setting.quiet_start and setting.quiet_end:
            hours[setting.person_id] = (rules.c1_clock_time("quiet_start", setting.quiet_start),
                                        rules.c1_clock_time("quiet_end", setting.quiet_end))
    return hours


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
    created = notify_all(
        session, source_key=source_key, recipients=[recipient], kind=kind, text=text, now=now, channels=channels,
        school_id=school_id, student_id=student_id, email_allowed=email_allowed,
        chosen=None if chosen is None else {recipient.person_id: chosen},
    )
    return created.get(recipient.person_id)


def notify_all(
    session: Session,
    *,
    source_key: str,
    recipients: list[Recipient] | tuple[Recipient, ...],
    kind: str,
    text: rules.Text,
    now: dt.datetime,
    channels: Channels,
    school_id: str = "",
    student_id: str = "",
    email_allowed: bool = True,
    chosen: dict[str, dict[tuple[str, str], str]] | None = None,
) -> dict[str, str]:
    """The same notification for each recipient, as `notify` makes it, in one insert.

    `chosen` holds each recipient's own choices (`chosen_modes`); they are
    read when it is None.  Returns the new notification ids by recipient,
    without those told of this source before.
    """
    if not recipients:
        return {}
    if chosen is None:
        chosen = chosen_modes(session, [recipient.person_id for recipient in recipients])
    batch = NotificationBatch(channels, now)
    batch.add(source_key=source_key, recipients=recipients, kind=kind, text=text, school_id=school_id,
              student_id=student_id, email_allowed=email_allowed, chosen=chosen)
    return {person_id: notification_id for (_, person_id), notification_id in batch.insert(session).items()}


class NotificationBatch:
    """Notifications of many sources, gathered and then written with one insert (and one for e-mail).

    Each is made as `notify_all` makes it: the recipient's choices decide the
    in-app row and the e-mail; a (recipient, source) told before is skipped.
    """

    def __init__(self, channels: Channels, now: dt.datetime) -> None:
        self.channels = channels
        self.now = now
        self.rows: list[dict] = []
        self.emails: dict[tuple[str, str], tuple[Recipient, str]] = {}

    def add(self, *, source_key: str, recipients, kind: str, text: rules.Text, school_id: str = "",
            student_id: str = "", email_allowed: bool = True,
            chosen: dict[str, dict[tuple[str, str], str]], now: dt.datetime | None = None) -> None:
        """Gather one source's notifications; `now` (the batch's time by default) stamps them."""
        for recipient in recipients:
            own = chosen.get(recipient.person_id, {})
            in_app = rules.c1_mode(kind, "in_app", own)
            email_mode = rules.c1_mode(kind, "email", own)
            send_email = self.channels.email and email_allowed and bool(recipient.email) and email_mode != rules.OFF
            if in_app == rules.OFF and not send_email:
                continue
            if send_email:
                self.emails[(source_key, recipient.person_id)] = (recipient, email_mode)
            self.rows.append(dict(
                id=str(uuid.uuid4()), recipient_id=recipient.person_id, kind=kind, title=text.title[:200],
                body=text.body, link=text.link, student_id=student_id, school_id=school_id,
                source_key=source_key, create_time=now or self.now, shown=in_app != rules.OFF,
            ))

    def insert(self, session: Session) -> dict[tuple[str, str], str]:
        """Write what was gathered; the new notification ids by (source, recipient)."""
        created = insert_ignoring_duplicates(session, store.notification, self.rows)
        sent = [key for key in created if key in self.emails]
        if sent:
            hours = quiet_hours_of(session, sorted({person_id for _, person_id in sent}))
            session.execute(store.delivery.insert(), [
                dict(id=str(uuid.uuid4()), notification_id=created[key], recipient_id=key[1], channel="email",
                     address=self.emails[key][0].email, recipient_name=self.emails[key][0].name, status="pending",
                     due_time=rules.c1_send_time(self.emails[key][1], self.now, *hours[key[1]]), attempts=0)
                for key in sent
            ])
        self.rows, self.emails = [], {}
        return created


def insert_ignoring_duplicates(session: Session, table, rows: list[dict]) -> dict[tuple[str, str], str]:
    """Notifications in one INSERT … ON CONFLICT DO NOTHING; the ids of those added, by (source, recipient)."""
    if not rows:
        return {}
    statement = insert_on_conflict(session, table).on_conflict_do_nothing().returning(
        table.c.source_key, table.c.recipient_id, table.c.id)
    return {(row.source_key, row.recipient_id): row.id for row in session.execute(statement, rows)}
