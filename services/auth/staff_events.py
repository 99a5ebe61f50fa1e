"""ezh.auth.staff.changed.v1: staff members as the other services know them.

Reports name teachers and notify lets people write to the administration from
the first day; both learn staff names and roles only from this event.
"""
from __future__ import annotations

import datetime as dt

from ezh.auth.v1 import events_pb2
from sqlalchemy.orm import Session

from services.auth import store
from services.auth.people import find_person, grants_of
from services.common import outbox
from services.common.events import Event, new_event
from services.common.roles import STAFF_ROLES

STAFF_CHANGED = "ezh.auth.staff.changed.v1"


def staff_changed_event(session: Session, person_id: str, now: dt.datetime) -> Event | None:
    """The person's staff roles, names and block state now; None for a person who never was staff."""
    person = find_person(session, person_id)
    if person is None or not person.school_id:
        return None
    roles = [events_pb2.StaffRole(role=grant.role.value, class_id=grant.class_id or "")
             for grant in grants_of(session, person_id) if grant.role in STAFF_ROLES]
    data = events_pb2.StaffChanged(
        person_id=person.id, school_id=person.school_id, last_name=person.last_name, first_name=person.first_name,
        middle_name=person.middle_name or "", roles=sorted(roles, key=lambda role: (role.role, role.class_id)),
        blocked=bool(person.blocked), change_time=now.isoformat(),
    )
    return new_event(STAFF_CHANGED, "auth", f"people/{person.id}", person.school_id, data)


def record_staff_change(session: Session, person_id: str, now: dt.datetime, *, was_staff: bool = True) -> None:
    """Writes the event to auth's outbox when the person is, or was until this change, staff."""
    event = staff_changed_event(session, person_id, now)
    if event is not None and (event.data.get("roles") or was_staff):
        outbox.record(session, store.outbox, event)
