"""Staff members as notify knows them, from ezh.auth.staff.changed.v1.

With their names and roles known from the day they are created, a parent can
write to the administration and the directory shows names, before the staff
member has ever signed in.
"""
from __future__ import annotations

from ezh.auth.v1 import events_pb2 as auth_events
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from services.common.events import Event

from services.notify import store


def on_staff_changed(session: Session, event: Event) -> None:
    data = event.data_as(auth_events.StaffChanged)
    table = store.staff_member
    current = session.execute(select(table).where(table.c.person_id == data.person_id)).first()
    if current is not None and current.change_time and current.change_time > data.change_time:
        return  # an older change arriving late
    roles = ",".join(sorted({role.role for role in data.roles}))
    if not roles:
        session.execute(delete(table).where(table.c.person_id == data.person_id))
        return
    full_name = " ".join(part for part in (data.last_name, data.first_name, data.middle_name) if part)
    values = dict(school_id=data.school_id, roles=roles, full_name=full_name, blocked=data.blocked,
                  change_time=data.change_time)
    if current is None:
        session.execute(table.insert().values(person_id=data.person_id, **values))
    else:
        session.execute(table.update().where(table.c.person_id == data.person_id).values(**values))


STAFF_HANDLERS = {"ezh.auth.staff.changed.v1": on_staff_changed}
