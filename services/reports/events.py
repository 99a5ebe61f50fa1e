"""Events that build the reports read model.

Events from different services may arrive in any order (a class before its
school), so each handler creates the summary row it needs.
"""
from __future__ import annotations

import datetime as dt

from ezh.auth.v1 import events_pb2 as auth_events
from ezh.journal.v1 import events_pb2 as journal_events
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.common.events import Event
from services.reports import store

summary = store.school_summary


def _ensure_summary(session: Session, school_id: str) -> None:
    if session.scalar(select(summary.c.school_id).where(summary.c.school_id == school_id)) is None:
        session.execute(summary.insert().values(school_id=school_id))


def on_school_created(session: Session, event: Event) -> None:
    data = event.data_as(auth_events.SchoolCreated)
    _ensure_summary(session, data.school_id)
    session.execute(
        update(summary)
        .where(summary.c.school_id == data.school_id)
        .values(name=data.name, update_time=dt.datetime.now(dt.UTC))
    )


def on_class_created(session: Session, event: Event) -> None:
    data = event.data_as(journal_events.ClassCreated)
    _ensure_summary(session, data.school_id)
    session.execute(
        update(summary)
        .where(summary.c.school_id == data.school_id)
        .values(class_count=summary.c.class_count + 1, update_time=dt.datetime.now(dt.UTC))
    )


HANDLERS = {
    "ezh.auth.school.created.v1": on_school_created,
    "ezh.journal.class.created.v1": on_class_created,
}
