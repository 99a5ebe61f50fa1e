"""Events the journal consumes."""
from __future__ import annotations

from ezh.auth.v1 import events_pb2 as auth_events
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.events import Event
from services.journal import calendar, store, timetable


def on_school_created(session: Session, event: Event) -> None:
    data = event.data_as(auth_events.SchoolCreated)
    if session.scalar(select(store.school.c.id).where(store.school.c.id == data.school_id)) is None:
        session.execute(store.school.insert().values(id=data.school_id, name=data.name))


HANDLERS = {"ezh.auth.school.created.v1": on_school_created, **timetable.HANDLERS, **calendar.HANDLERS}
