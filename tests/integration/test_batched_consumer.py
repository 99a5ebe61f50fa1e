"""The batched idempotent consumer (O1), on RabbitMQ + PostgreSQL and on the embedded bus.

The consumer applies the waiting events in one transaction, a savepoint per
event.  The handler here adds a class row on every application, so an event
applied twice would show as two rows.
"""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest
from ezh.journal.v1 import events_pb2 as journal_events
from kombu import Producer, Queue
from sqlalchemy import func, select

from services.common import bus
from services.common import events as envelope
from services.common.consumer import ATTEMPTS_HEADER, EventConsumer
from services.common.database import Database
from services.reports import store as reports_store

from .batch_stalling_consumer import CLASS_CREATED, add_class_row
from .conftest import settings_env, wait_for

pytestmark = pytest.mark.integration
HERE = Path(__file__).resolve().parent
SCHOOL = "school-batch"


def _class_event(name: str) -> envelope.Event:
    class_id = str(uuid.uuid4())
    return envelope.new_event(
        CLASS_CREATED, "journal", f"classes/{class_id}", SCHOOL,
        journal_events.ClassCreated(class_id=class_id, school_id=SCHOOL, name=name, grade=5),
    )


def _publish(stack, *events: envelope.Event) -> None:
    with stack.connection() as connection:
        producer = Producer(connection.default_channel, exchange=stack.topology().events_exchange)
        for event in events:
            producer.publish(
                envelope.to_json(event), routing_key=event.routing_key, content_type=envelope.CONTENT_TYPE,
                content_encoding="utf-8", delivery_mode=2, message_id=event.id,
            )


class RecordingConsumer(EventConsumer):
    """Keeps the size of each batch it handled."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.batches: list[int] = []

    def handle_batch(self, messages: list) -> None:
        self.batches.append(len(messages))
        super().handle_batch(messages)


@contextlib.contextmanager
def _consuming(stack, handler, consumer_class=RecordingConsumer):
    """A reports consumer with `handler` for class events, running in a thread."""
    database = Database(stack.settings.database_url("reports"))
    consumer = consumer_class(
        "reports", database, reports_store.processed, stack.topology(), lambda: bus.connect(stack.settings),
        {CLASS_CREATED: handler}, retry_delay=0.01, next_message_wait=0.5, batch_fill_seconds=5.0,
    )
    stop = threading.Event()
    thread = threading.Thread(target=consumer.run_until, args=(stop,), daemon=True)
    thread.start()
    try:
        yield consumer
    finally:
        stop.set()
        thread.join(timeout=10)
        consumer.connection.release()
        database.dispose()


def _class_names(stack) -> list[str]:
    database = Database(stack.settings.database_url("reports"))
    with database.session() as session:
        names = session.scalars(select(reports_store.school_class.c.name).where(
            reports_store.school_class.c.school_id == SCHOOL)).all()
    database.dispose()
    return sorted(names)


def _times_processed(stack) -> int:
    database = Database(stack.settings.database_url("reports"))
    with database.session() as session:
        count = session.scalar(select(func.count()).select_from(reports_store.processed))
    database.dispose()
    return count


def _dead_letters(stack, expected: int) -> list:
    dead = []
    with stack.connection() as connection:
        queue = Queue(stack.topology().dead_queue_name("reports"))(connection.default_channel)

        def drain():
            message = queue.get(no_ack=False)
            if message is not None:
                dead.append(message)
                message.ack()
            return len(dead) >= expected

        wait_for(drain, timeout=30, what=f"{expected} message(s) in the dead-letter queue")
    return dead


def test_o1_batch_with_a_redelivered_event_applies_it_once(stack):
    stack.migrate("reports")
    first, second, third = _class_event("5А"), _class_event("5Б"), _class_event("5В")
    _publish(stack, first, second, first, third)  # `first` is delivered twice in the same batch

    with _consuming(stack, add_class_row) as consumer:
        wait_for(lambda: _times_processed(stack) == 3, what="the three events")

    assert consumer.batches[0] == 4
    assert _class_names(stack) == ["5А", "5Б", "5В"]


def test_o1_event_already_handled_in_an_earlier_batch_is_acked_with_no_effect(stack):
    stack.migrate("reports")
    first, second = _class_event("5А"), _class_event("5Б")
    _publish(stack, first)
    with _consuming(stack, add_class_row):
        wait_for(lambda: _times_processed(stack) == 1, what="the first event")
        _publish(stack, second, first)
        wait_for(lambda: _times_processed(stack) == 2, what="the second event")
        wait_for(lambda: _class_names(stack) == ["5А", "5Б"], what="both classes")
    assert _class_names(stack) == ["5А", "5Б"]
    with stack.connection() as connection:  # nothing left unacked or retried
        assert Queue(stack.topology().queue_name("reports"))(connection.default_channel).get() is None


def test_o1_poison_event_in_a_batch_is_dead_lettered_and_the_others_apply(stack):
    stack.migrate("reports")

    def refusing_poison(session, event):
        add_class_row(session, event)  # written, then rolled back with this event's savepoint
        if event.data_as(journal_events.ClassCreated).name == "poison":
            raise RuntimeError("cannot handle this one")

    events = [_class_event("5А"), _class_event("poison"), _class_event("5Б")]
    _publish(stack, *events)

    with _consuming(stack, refusing_poison) as consumer:
        dead = _dead_letters(stack, 1)

    assert consumer.batches[0] == 3
    assert _class_names(stack) == ["5А", "5Б"]
    assert _times_processed(stack) == 2
    assert envelope.from_json(dead[0].body).id == events[1].id
    assert int(dead[0].headers[ATTEMPTS_HEADER]) == stack.settings.consumer_max_attempts
    assert "cannot handle this one" in dead[0].headers["x-ezh-last-error"]


def test_o1_batch_that_fails_to_commit_is_applied_one_event_at_a_time(stack):
    stack.migrate("reports")

    class FailingFirstCommit(RecordingConsumer):
        failed = False

        def _apply_together(self, deliveries):
            if not self.failed:
                self.failed = True
                raise RuntimeError("the database went away at commit")
            super()._apply_together(deliveries)

    _publish(stack, _class_event("5А"), _class_event("5Б"), _class_event("5В"))

    with _consuming(stack, add_class_row, FailingFirstCommit) as consumer:
        wait_for(lambda: _times_processed(stack) == 3, what="the three events")

    assert consumer.failed and consumer.batches[0] == 3
    assert _class_names(stack) == ["5А", "5Б", "5В"]


def test_o1_consumer_killed_mid_batch_gets_the_whole_batch_again_and_applies_it_once(stack, tmp_path):
    stack.migrate("reports")
    names = ["5А", "5Б", "5В", "5Г"]
    _publish(stack, *(_class_event(name) for name in names))
    marker = tmp_path / "stalled-in-batch"
    env = {**os.environ, **settings_env(stack.settings), "EZH_TEST_MARKER": str(marker),
           "EZH_TEST_STALL_AT": names[-1]}
    child = subprocess.Popen([sys.executable, str(HERE / "batch_stalling_consumer.py")], env=env)
    try:
        wait_for(marker.exists, timeout=30, what="the consumer to stall at the batch's last event")
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    assert marker.read_text() == "4"  # the whole batch had been applied, uncommitted
    assert _times_processed(stack) == 0
    assert _class_names(stack) == []

    with _consuming(stack, add_class_row):
        wait_for(lambda: _times_processed(stack) == 4, timeout=30, what="the redelivered batch")
        wait_for(lambda: _class_names(stack) == names, what="the four classes")

    assert _class_names(stack) == names
    assert _times_processed(stack) == 4
