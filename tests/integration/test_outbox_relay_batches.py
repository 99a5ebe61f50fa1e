"""The outbox relay publishes in batches, awaiting the broker's confirms once per batch (O1)."""
from __future__ import annotations

import pytest
from ezh.journal.v1 import events_pb2 as journal_events
from kombu import Queue
from sqlalchemy import select

from services.common import bus
from services.common import events as envelope
from services.common.database import Database
from services.common.outbox import OutboxRelay, record
from services.reports import store as reports_store

pytestmark = pytest.mark.integration


def _outbox_with_events(stack, count: int) -> tuple[Database, list[envelope.Event], OutboxRelay]:
    """A reports outbox (any service's will do) holding `count` events, and its relay, 100 a batch."""
    stack.migrate("reports")
    database = Database(stack.settings.database_url("reports"))
    events = [
        envelope.new_event("ezh.journal.class.created.v1", "journal", f"classes/c{index}", "school-1",
                           journal_events.ClassCreated(class_id=f"c{index}", school_id="school-1", name="5А", grade=5))
        for index in range(count)
    ]
    with database.transaction() as session:
        for event in events:
            record(session, reports_store.outbox, event)
    relay = OutboxRelay(database, reports_store.outbox, stack.topology(), lambda: bus.connect(stack.settings),
                        batch_size=100)
    return database, events, relay


def _received_ids(stack) -> list[str]:
    """The ids of the events waiting in the reports queue, in order (taken and acked)."""
    received = []
    with stack.connection() as connection:
        queue = Queue(stack.topology().queue_name("reports"))(connection.default_channel)
        while (message := queue.get(no_ack=False)) is not None:
            received.append(envelope.from_json(message.body).id)
            message.ack()
    return received


def test_o1_relay_publishes_every_row_once_in_order_a_batch_at_a_time(stack):
    database, events, relay = _outbox_with_events(stack, 250)
    try:
        with stack.connection():  # the queues exist before anything is published
            pass

        published = [relay.publish_pending() for _ in range(4)]

        assert published == [100, 100, 50, 0]
        assert (relay._confirms is not None) == (stack.bus_kind == "rabbitmq")  # one wait for a batch's confirms
        with database.session() as session:
            assert all(session.scalars(select(reports_store.outbox.c.sent_time)))
        assert _received_ids(stack) == [event.id for event in events]
    finally:
        relay._drop_connection()
        database.dispose()


def test_o1_relay_keeps_the_rows_the_broker_refused_and_publishes_them_later(stack):
    """A queue full with `reject-publish` makes RabbitMQ refuse (nack) messages in the middle of a batch:
    the rows before stay sent, the refused one and those after it stay pending with the reason."""
    if stack.bus_kind != "rabbitmq":
        pytest.skip("publisher confirms and refusals are RabbitMQ's")
    database, events, relay = _outbox_with_events(stack, 5)
    full = Queue(f"{stack.topology().namespace}.full-probe", stack.topology().events_exchange, routing_key="#",
                 queue_arguments={"x-max-length": 3, "x-overflow": "reject-publish"})
    table = reports_store.outbox
    try:
        with stack.connection() as connection:
            full(connection.default_channel).declare()

        with pytest.raises(Exception, match="refused message 4 of 5"):
            relay.publish_pending()

        with database.session() as session:
            rows = session.execute(select(table.c.event_id, table.c.sent_time, table.c.attempts, table.c.last_error)
                                   .order_by(table.c.seq)).all()
        assert [row.sent_time is not None for row in rows] == [True, True, True, False, False]
        assert rows[3].attempts == 1 and "refused" in rows[3].last_error
        with stack.connection() as connection:
            full(connection.default_channel).purge()

        assert relay.publish_pending() == 2
        received = _received_ids(stack)
        with stack.connection() as connection:
            full(connection.default_channel).delete()
        # At least once, in order of first arrival (a refused message may also have reached other queues).
        assert list(dict.fromkeys(received)) == [event.id for event in events]
    finally:
        relay._drop_connection()
        database.dispose()
