"""The journal's study periods follow the school's calendar (ezh.schedule.calendar.changed.v1).

The deputy director keeps the calendar in the schedule service; the journal
needs its periods for the period lock and final marks (M2, M3). A period is
matched by its year, kind and number, so it keeps its id (and the final marks
given in it) when the calendar is saved again; a period the calendar no
longer has stays in the journal (marks may have been given in it). Each new
or changed period is announced with ezh.journal.period.changed.v1.
"""
from __future__ import annotations

import datetime as dt
import uuid

from ezh.schedule.v1 import events_pb2 as schedule_events
from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from services.common.events import Event
from services.journal import snapshots, store

CALENDAR_CHANGED = "ezh.schedule.calendar.changed.v1"


def _year_id(session: Session, data, start: dt.date, end: dt.date) -> str:
    year = store.academic_year
    values = dict(name=data.name[:20], start_date=start, end_date=end)
    known = session.execute(select(year.c.id).where(year.c.id == data.academic_year_id)).first() or \
        session.execute(select(year.c.id).where(year.c.school_id == data.school_id, year.c.start_date == start)).first()
    if known is None:
        session.execute(year.insert().values(id=data.academic_year_id, school_id=data.school_id, **values))
        return data.academic_year_id
    session.execute(year.update().where(year.c.id == known.id).values(**values))
    return known.id


def on_calendar_changed(session: Session, event: Event) -> None:
    data = event.data_as(schedule_events.CalendarChanged)
    if not data.start_date or session.scalar(select(store.school.c.id).where(store.school.c.id == data.school_id)) \
            is None:
        return  # an event without the calendar, or a school the journal has not heard of
    year_id = _year_id(session, data, dt.date.fromisoformat(data.start_date), dt.date.fromisoformat(data.end_date))
    table = store.study_period
    changed = []
    for period in data.periods:
        number = period.number or None
        start, end = dt.date.fromisoformat(period.start_date), dt.date.fromisoformat(period.end_date)
        same_number = table.c.number.is_(None) if number is None else table.c.number == number
        current = session.execute(select(table).where(and_(
            table.c.academic_year_id == year_id, table.c.kind == period.kind, same_number))).first()
        if current is None:
            taken = session.scalar(select(table.c.id).where(table.c.id == period.period_id))
            period_id = period.period_id if period.period_id and taken is None else str(
                uuid.uuid5(uuid.NAMESPACE_URL, f"{event.id}/{period.kind}/{period.number}"))
            session.execute(table.insert().values(
                id=period_id, school_id=data.school_id, academic_year_id=year_id, kind=period.kind, number=number,
                start_date=start, end_date=end, deadline_by_order=None))
            changed.append(period_id)
        elif (current.start_date, current.end_date) != (start, end):
            session.execute(table.update().where(table.c.id == current.id).values(start_date=start, end_date=end))
            changed.append(current.id)
    if changed:
        rows = session.execute(select(table).where(table.c.id.in_(changed)).order_by(table.c.start_date)).all()
        snapshots.record_events(session, [snapshots.period_changed(row) for row in rows])


HANDLERS = {CALENDAR_CHANGED: on_calendar_changed}
