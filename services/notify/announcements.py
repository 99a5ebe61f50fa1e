"""School and class events reaching students' and parents' inboxes (C3).

A class event is announced while it is posted (a class is a few dozen
people). A school-wide event is announced by notify's own
ezh.notify.school_event.posted.v1, in the consumer's transaction: a school of
a thousand students means a few thousand inbox entries, and the person who
posts should not wait for them. A parent with several children in the school
is told once: the (recipient, source) key of a notification is unique.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from ezh.notify.v1 import events_pb2 as notify_events
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.events import Event, new_event
from services.notify import rules, store
from services.notify.events import EventContext, class_students, student_view
from services.notify.inbox import Channels, chosen_modes, notify

SCHOOL_EVENT_POSTED = "ezh.notify.school_event.posted.v1"


def school_event_posted(event_id: str, school_id: str) -> Event:
    return new_event(SCHOOL_EVENT_POSTED, "notify", f"events/{event_id}", school_id,
                     notify_events.SchoolEventPosted(event_id=event_id, school_id=school_id))


def announcement_text(row, heading: str) -> rules.Text:
    when = ""
    if row.start_time is not None:
        local = row.start_time.astimezone(rules.SCHOOL_TIMEZONE)
        when = f" {rules.russian_day(local.date())} в {local:%H:%M}"
    where = f", {row.place}" if row.place else ""
    return rules.Text(f"{heading}: {row.title}", f"{row.title}{when}{where}.", f"/events/{row.id}")


def announce(session: Session, row, student_ids: list[str], heading: str, channels: Channels,
             now: dt.datetime) -> int:
    """Tells the students and the parents among the event's audience; returns how many were told."""
    told = 0
    text = announcement_text(row, heading)
    for student_id in student_ids:
        student = student_view(session, student_id)
        if student is None:
            continue
        recipients = [recipient for recipient in student.recipients
                      if rules.c3_announced_to(row.audience, is_student=recipient.person_id == student.id)]
        chosen = chosen_modes(session, [recipient.person_id for recipient in recipients])
        for recipient in recipients:
            if notify(session, source_key=f"event:{row.id}", recipient=recipient, kind="school_event", text=text,
                      now=now, channels=channels, school_id=row.school_id, student_id=student.id,
                      chosen=chosen[recipient.person_id]):
                told += 1
    return told


def school_students(session: Session, school_id: str) -> list[str]:
    return list(session.scalars(
        select(store.student.c.id).where(store.student.c.school_id == school_id, store.student.c.status != "departed",
                                         store.student.c.class_id.is_not(None))
        .order_by(store.student.c.class_name, store.student.c.last_name, store.student.c.first_name)
    ))


def announce_class_event(session: Session, row, class_row, channels: Channels, now: dt.datetime) -> int:
    return announce(session, row, class_students(session, class_row.id), f"Событие класса {class_row.name}",
                    channels, now)


def on_school_event_posted(context: EventContext) -> Callable[[Session, Event], None]:
    def handle(session: Session, event: Event) -> None:
        data = event.data_as(notify_events.SchoolEventPosted)
        row = session.execute(select(store.school_event).where(store.school_event.c.id == data.event_id)).first()
        if row is None or row.class_id:
            return
        announce(session, row, school_students(session, row.school_id), "Событие школы", context.channels,
                 context.clock())
    return handle


def announcement_handlers(context: EventContext) -> dict[str, Callable[[Session, Event], None]]:
    return {SCHOOL_EVENT_POSTED: on_school_event_posted(context)}
