"""notify's jobs on a schedule.

J7 (4.3.5): each week the class teacher of a class with parents informed on
paper is told that last week's statements are ready to print, with the
students' names and a link; once per class and week (the notification's
source key), however often the job runs and on however many replicas.

J6: once a day the alert rules run over what notify holds (alert_sweep.py).
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import defaultdict
from collections.abc import Callable

from sqlalchemy import select

from services.common.clock import utc_now
from services.common.database import Database
from services.notify import rules, store
from services.notify.alert_sweep import sweep_alerts
from services.notify.events import EventContext
from services.notify.inbox import Channels, Recipient, notify

log = logging.getLogger(__name__)


def remind_weekly_statements(database: Database, now: dt.datetime, channels: Channels) -> int:
    """J7: remind class teachers of the statements due now; returns how many reminders were new."""
    monday = rules.j7_statement_week(now)
    sunday = monday + dt.timedelta(days=6)
    student, guardian, school_class = store.student, store.guardian, store.school_class
    with database.transaction() as session:
        rows = session.execute(
            select(school_class.c.id, school_class.c.name, school_class.c.school_id,
                   school_class.c.class_teacher_id, student.c.last_name, student.c.first_name)
            .join(student, student.c.class_id == school_class.c.id)
            .join(guardian, guardian.c.student_id == student.c.id)
            .where(guardian.c.electronic_access.is_(False), student.c.status != "departed",
                   school_class.c.class_teacher_id.is_not(None))
            .order_by(school_class.c.id, student.c.last_name, student.c.first_name)
        ).all()
        classes: dict[str, list] = defaultdict(list)
        for row in rows:
            classes[row.id].append(row)
        created = 0
        for class_id, members in classes.items():
            names = list(dict.fromkeys(f"{row.last_name} {row.first_name}" for row in members))
            first = members[0]
            count = len(names)
            text = rules.Text(
                f"Ведомости за неделю {rules.russian_day(monday)} — {rules.russian_day(sunday)}: {first.name}",
                f"Распечатайте еженедельные ведомости для родителей, получающих сведения на бумаге "
                f"({count} {rules.plural(count, 'ученик', 'ученика', 'учеников')}): {', '.join(names)}.",
                f"/classes/{class_id}/offline-students?week_start={monday.isoformat()}")
            if notify(session, source_key=f"statements:{class_id}:{monday.isoformat()}",
                      recipient=Recipient(first.class_teacher_id), kind="statement", text=text, now=now,
                      channels=channels, school_id=first.school_id):
                created += 1
    return created


class PeriodicJobs:
    """Runs the scheduled jobs every `interval` seconds until stopped."""

    def __init__(self, database: Database, channels: Channels, clock: Callable[[], dt.datetime] = utc_now,
                 interval: float = 300.0) -> None:
        self.database = database
        self.channels = channels
        self.clock = clock
        self.interval = interval
        self._swept_on: dt.date | None = None  # the school day the alert rules last ran over everything

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.run_once()
            except Exception:  # noqa: BLE001 - logged; the next round tries again
                log.exception("notify: scheduled jobs failed")
            stop.wait(self.interval)

    def run_once(self) -> None:
        now = self.clock()
        remind_weekly_statements(self.database, now, self.channels)
        today = now.astimezone(rules.SCHOOL_TIMEZONE).date()
        if self._swept_on != today:
            raised = sweep_alerts(self.database, EventContext(self.channels, self.clock), today)
            self._swept_on = today
            if raised:
                log.info("notify: the daily alert sweep raised %d alert(s)", raised)
