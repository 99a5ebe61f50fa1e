"""Who is in a subgroup on a day, from ezh.journal.subgroup.changed.v1 (J4 subgroups, C1 homework)."""
from __future__ import annotations

import datetime as dt

from ezh.journal.v1 import events_pb2 as journal_events
from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from services.common.events import Event
from services.notify import store


def on_subgroup_changed(session: Session, event: Event) -> None:
    data = event.data_as(journal_events.SubgroupChanged)
    known = session.scalar(select(store.subgroup.c.version).where(store.subgroup.c.id == data.subgroup_id))
    if known is not None and known >= data.version:
        return
    if known is None:
        session.execute(store.subgroup.insert().values(id=data.subgroup_id, class_id=data.class_id,
                                                       version=data.version))
    else:
        session.execute(store.subgroup.update().where(store.subgroup.c.id == data.subgroup_id)
                        .values(class_id=data.class_id, version=data.version))
    session.execute(delete(store.subgroup_member).where(store.subgroup_member.c.subgroup_id == data.subgroup_id))
    if data.members:
        session.execute(store.subgroup_member.insert(), [
            dict(subgroup_id=data.subgroup_id, student_id=member.student_id,
                 start_date=dt.date.fromisoformat(member.start_date),
                 end_date=dt.date.fromisoformat(member.end_date) if member.end_date else None)
            for member in data.members])


def subgroup_students(session: Session, subgroup_id: str, day: dt.date) -> list[str]:
    """The subgroup's students on `day`; empty when notify has not heard of the subgroup."""
    member = store.subgroup_member
    return list(session.scalars(select(member.c.student_id).where(
        member.c.subgroup_id == subgroup_id, member.c.start_date <= day,
        or_(member.c.end_date.is_(None), member.c.end_date >= day)).order_by(member.c.student_id)))


SUBGROUP_HANDLERS = {"ezh.journal.subgroup.changed.v1": on_subgroup_changed}
