"""Mark events applied a batch at a time (C1, J6): the same effect as each event's own handler, in a few statements.

At the morning peak most of what notify receives is marks.  One event on
its own reads the student with guardians and preferences, reads the
subject's marks of the period, writes the mark fact and inserts the
notifications: four round trips for each mark.  A run of consecutive mark
events (the consumer's `batch_handlers`) reads all its students and all
their subjects' marks in two queries, judges each change in arrival order
in memory, and writes the mark facts and the notifications with one
statement each.  Alerts, which are rare, are raised as the single handler
raises them.
"""
from __future__ import annotations

from collections.abc import Callable

from ezh.journal.v1 import events_pb2 as journal_events
from sqlalchemy.orm import Session

from services.common.events import Event
from services.notify import rules, store
from services.notify.events import (
    EventContext, alert_on_mark, judge_mark_change, learn_teaching, mark_facts_of, mark_news, parse_day,
    student_views,
)
from services.notify.inbox import NotificationBatch, upsert_all

MARK_EVENTS = {
    "ezh.journal.mark.created.v1": journal_events.MarkCreated,
    "ezh.journal.mark.updated.v1": journal_events.MarkUpdated,
    "ezh.journal.mark.deleted.v1": journal_events.MarkDeleted,
}


def _write_facts(session: Session, rows: dict[str, dict | None]) -> None:
    """Each mark's fact as the batch left it: replaced, or deleted (None)."""
    table = store.mark_fact
    deleted = [mark_id for mark_id, row in rows.items() if row is None]
    if deleted:
        session.execute(table.delete().where(table.c.mark_id.in_(deleted)))
    upsert_all(session, table, [row for row in rows.values() if row is not None], key="mark_id")


def apply_mark_events(context: EventContext, session: Session, events: list[Event]) -> None:
    """The mark events of a batch, in order, as `on_mark_created/updated/deleted` would apply them."""
    changes = []
    for event in events:
        data = event.data_as(MARK_EVENTS[event.type])
        previous = data.previous if event.type.endswith(".updated.v1") else None
        changes.append((event, data.mark, previous, event.type.endswith(".deleted.v1")))
    marks = [mark for _, mark, _, _ in changes]
    learn_teaching(session, marks)
    views = student_views(session, sorted({mark.student_id for mark in marks}))
    facts = mark_facts_of(session, {(mark.student_id, mark.subject_id, mark.period_id) for mark in marks})
    rows: dict[str, dict | None] = {}
    notifications = NotificationBatch(context.channels, context.clock())
    for event, mark, previous, deleted in changes:
        judgement = judge_mark_change(mark, deleted, facts[(mark.student_id, mark.subject_id, mark.period_id)])
        rows[mark.mark_id] = judgement.row
        student = views.get(mark.student_id)
        if student is None:
            continue
        text = mark_news(student, mark, previous, deleted)
        if text is not None:
            lesson_date, now = parse_day(mark.lesson_date), context.clock()  # each event's own time, as alone
            notifications.add(
                source_key=f"{event.id}:{student.id}", recipients=student.recipients, kind="mark", text=text,
                school_id=student.school_id, student_id=student.id, chosen=student.chosen, now=now,
                email_allowed=rules.c1_email_is_fresh(lesson_date, min(event.time, now)))
        alert_on_mark(session, context, event, student, mark, judgement)
    _write_facts(session, rows)
    notifications.insert(session)


def mark_batch_handlers(context: EventContext) -> dict[str, Callable[[Session, list[Event]], None]]:
    """The consumer's batch handlers of the mark events, bound to the running service."""

    def handle(session: Session, events: list[Event]) -> None:
        apply_mark_events(context, session, events)

    return {event_type: handle for event_type in MARK_EVENTS}
