"""The idempotent consumer: each event's effect is applied once.

Messages are handled in batches: the consumer takes up to `batch_size`
messages (or as many as are waiting at once) and applies them in arrival
order in ONE database transaction, each inside its own SAVEPOINT that also
records the event id in the `processed_event` table.  The batch's messages
are acked only after that commit.

* A redelivered event finds its id recorded (an IntegrityError on the
  processed-event row): its savepoint is rolled back and it is acked with no
  effect.
* A handler that fails has its savepoint rolled back; the others of the batch
  still commit.  After the commit the failed message is retried (it goes back
  to the queue with an attempt count) and, after `max_attempts`, moved to the
  service's dead-letter queue.
* A consumer that dies before the commit has acked nothing: the broker
  delivers the whole batch again, and it is applied once.
* If the commit itself fails, the batch is handled again one event per
  transaction, so one bad event cannot hold the others back.

A service may also give batch handlers (`batch_handlers`, by event type):
consecutive events of a batch with the same batch handler are applied by ONE
call, in one savepoint, after their processed-event rows are written at once
(one insert that skips the ids handled before).  A batch handler sees each event
once, in arrival order, and must leave the same state as the events' own
handlers would.  If it fails, its savepoint is rolled back and those events
are applied by their own handlers, one savepoint each, as above.
"""
from __future__ import annotations

import contextlib
import dataclasses
import logging
import socket
import threading
import time
from collections.abc import Callable

from kombu import Connection, Producer
from kombu.mixins import ConsumerMixin
from opentelemetry import trace
from opentelemetry.trace import SpanKind
from sqlalchemy import Table, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.common import events as envelope
from services.common.bus import Topology
from services.common.database import Database, insert_on_conflict
from services.common.tracing import context_from_traceparent, tracer

log = logging.getLogger(__name__)

Handler = Callable[[Session, envelope.Event], None]
BatchHandler = Callable[[Session, list[envelope.Event]], None]
ATTEMPTS_HEADER = "x-ezh-attempts"
ERROR_HEADER = "x-ezh-last-error"

DEFAULT_BATCH_SIZE = 50
# How long the consumer waits for one more message while filling a batch, and
# for the whole batch at most: a batch holds what is waiting, not what may come.
NEXT_MESSAGE_WAIT_SECONDS = 0.002
BATCH_FILL_SECONDS = 0.05
# How long an idle consumer waits on the bus before it looks whether it was asked to stop.
STOP_CHECK_SECONDS = 0.2

HANDLED, DUPLICATE, FAILED = "handled", "duplicate", "failed"


class _Duplicate(Exception):
    pass


@dataclasses.dataclass
class _Delivery:
    """One message of a batch, its event and what became of it."""

    message: object
    event: envelope.Event
    outcome: str = ""
    error: Exception | None = None
    span: object = None  # the event's consumer span: its outcome is logged under the event's trace


class EventConsumer(ConsumerMixin):
    """Consumes one service's queue and applies its handlers once per event, in batches."""

    def __init__(
        self,
        service: str,
        database: Database,
        processed_table: Table,
        topology: Topology,
        connect: Callable[[], Connection],
        handlers: dict[str, Handler],
        *,
        retry_delay: float = 0.2,
        metrics=None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        next_message_wait: float = NEXT_MESSAGE_WAIT_SECONDS,
        batch_fill_seconds: float = BATCH_FILL_SECONDS,
        batch_handlers: dict[str, BatchHandler] | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size!r}")
        self.service = service
        self.database = database
        self.processed = processed_table
        self.topology = topology
        self._connect = connect
        self.handlers = handlers
        self.batch_handlers = dict(batch_handlers or {})
        self.retry_delay = retry_delay
        self.metrics = metrics
        self.batch_size = batch_size
        self.next_message_wait = next_message_wait
        self.batch_fill_seconds = batch_fill_seconds
        self.connection = connect()
        self.consumer_name = topology.queue_name(service)
        self._received: list = []

    # kombu.mixins.ConsumerMixin -------------------------------------------
    def get_consumers(self, Consumer, channel):
        self.topology.declare(channel)
        return [
            Consumer(
                queues=self.topology.queues(self.service),
                on_message=self._received.append,
                prefetch_count=self.batch_size,
                accept=[envelope.CONTENT_TYPE],
            )
        ]

    def on_connection_error(self, exc, interval):
        log.warning("%s consumer: bus unavailable, retrying in %.1fs: %s", self.service, interval, exc)

    def consume(self, limit=None, timeout=None, safety_interval=STOP_CHECK_SECONDS, **kwargs):
        """Like ConsumerMixin.consume, but each wake-up handles a batch of messages."""
        # Unacked messages of a lost channel are delivered again by the broker.
        self._received.clear()
        with self.consumer_context(**kwargs) as (connection, _channel, _consumers):
            while not self.should_stop:
                self.on_iteration()
                # Messages may have arrived while the last batch republished
                # (a publish with confirms reads the connection): those first.
                if not self._received:
                    try:
                        connection.drain_events(timeout=safety_interval)
                    except socket.timeout:
                        connection.heartbeat_check()
                        continue
                    except OSError:
                        if self.should_stop:
                            break
                        raise
                self._fill_batch(connection)
                batch = self._received[: self.batch_size]
                del self._received[: len(batch)]
                if batch:
                    self.handle_batch(batch)
                yield

    def _fill_batch(self, connection) -> None:
        """Take the messages already waiting, up to a full batch."""
        deadline = time.monotonic() + self.batch_fill_seconds
        while len(self._received) < self.batch_size and time.monotonic() < deadline:
            try:
                connection.drain_events(timeout=self.next_message_wait)
            except socket.timeout:
                return

    # handling ---------------------------------------------------------------
    def on_message(self, message) -> None:
        """Handle one message on its own (a batch of one)."""
        self.handle_batch([message])

    def handle_batch(self, messages: list) -> None:
        """Apply the messages' events in one transaction, then ack, retry or dead-letter each."""
        deliveries = []
        for message in messages:
            try:
                deliveries.append(_Delivery(message, envelope.from_json(message.body)))
            except envelope.MalformedEvent as error:
                self._dead_letter(message, str(error))
                self._count("malformed", "dead_lettered")
        if not deliveries:
            return
        try:
            self._apply_together(deliveries)
        except Exception as error:  # noqa: BLE001 - the batch is tried again one event at a time
            log.warning("%s: a batch of %d events failed to commit (%r); handling them one by one",
                        self.consumer_name, len(deliveries), error)
            for delivery in deliveries:
                self._apply_alone(delivery)
        self._settle(deliveries)

    def _apply_together(self, deliveries: list[_Delivery]) -> None:
        with self.database.transaction() as session:
            _begin_writing(session)
            for batch_handler, run in self._runs(deliveries):
                if batch_handler is None or len(run) == 1:
                    for delivery in run:
                        self._apply_in_savepoint(session, delivery)
                else:
                    self._apply_run(session, batch_handler, run)

    def _runs(self, deliveries: list[_Delivery]):
        """The deliveries in order, as runs of consecutive events with the same batch handler (or none)."""
        runs: list[tuple[BatchHandler | None, list[_Delivery]]] = []
        for delivery in deliveries:
            batch_handler = self.batch_handlers.get(delivery.event.type)
            if runs and runs[-1][0] is batch_handler:
                runs[-1][1].append(delivery)
            else:
                runs.append((batch_handler, [delivery]))
        return runs

    def _apply_run(self, session: Session, batch_handler: BatchHandler, run: list[_Delivery]) -> None:
        """Apply a run of events with one call of their batch handler; if it fails, each on its own."""
        for delivery in run:
            delivery.span = self._event_span(delivery.event)
        try:
            with session.begin_nested():
                fresh = self._record_processed(session, run)
                if fresh:
                    batch_handler(session, [delivery.event for delivery in fresh])
        except Exception as error:  # noqa: BLE001 - the run is applied again event by event
            log.warning("%s: a run of %d %s events failed together (%r); applying them one by one",
                        self.consumer_name, len(run), run[0].event.type, error)
            for delivery in run:
                delivery.span.end()
                self._apply_in_savepoint(session, delivery)
            return
        for delivery in fresh:
            delivery.outcome, delivery.error = HANDLED, None
        for delivery in run:
            delivery.span.end()

    def _record_processed(self, session: Session, run: list[_Delivery]) -> list[_Delivery]:
        """Write the processed-event rows of the run's new events; mark the others as duplicates.

        One INSERT … ON CONFLICT DO NOTHING RETURNING: the ids it returns are new, the others were
        handled before (found by the primary key, whatever the table's statistics say)."""
        table = self.processed
        first = {}
        for delivery in run:
            first.setdefault(delivery.event.id, delivery)
        statement = insert_on_conflict(session, table).on_conflict_do_nothing().returning(table.c.event_id)
        added = set(session.scalars(statement, [
            dict(consumer=self.consumer_name, event_id=event_id, event_type=delivery.event.type)
            for event_id, delivery in first.items()]))
        fresh = []
        for delivery in run:
            if first[delivery.event.id] is delivery and delivery.event.id in added:
                fresh.append(delivery)
            else:
                delivery.outcome, delivery.error = DUPLICATE, None
        return fresh

    def _event_span(self, event: envelope.Event):
        return tracer(__name__).start_span(
            f"consume {event.type}",
            context=context_from_traceparent(event.traceparent),
            kind=SpanKind.CONSUMER,
            attributes={"messaging.destination.name": self.consumer_name, "messaging.message.id": event.id},
        )

    def _apply_alone(self, delivery: _Delivery) -> None:
        try:
            with self.database.transaction() as session:
                _begin_writing(session)
                self._apply_in_savepoint(session, delivery)
        except Exception as error:  # noqa: BLE001 - retried, then dead-lettered
            delivery.outcome, delivery.error = FAILED, error

    def _apply_in_savepoint(self, session: Session, delivery: _Delivery) -> None:
        event = delivery.event
        span = self._event_span(event)
        delivery.span = span
        with trace.use_span(span, end_on_exit=True):
            try:
                with session.begin_nested():
                    self.apply(session, event, self.handlers.get(event.type))
            except _Duplicate:
                delivery.outcome, delivery.error = DUPLICATE, None
            except Exception as error:  # noqa: BLE001 - only this event's savepoint is rolled back
                delivery.outcome, delivery.error = FAILED, error
            else:
                delivery.outcome, delivery.error = HANDLED, None

    def apply(self, session: Session, event: envelope.Event, handler: Handler | None) -> None:
        """Record the event id and apply the handler (inside the caller's savepoint)."""
        try:
            session.execute(
                self.processed.insert().values(consumer=self.consumer_name, event_id=event.id, event_type=event.type)
            )
        except IntegrityError:
            raise _Duplicate() from None
        if handler is not None:
            handler(session, event)

    def _settle(self, deliveries: list[_Delivery]) -> None:
        """After the commit: ack what was applied or known, then retry or dead-letter what failed."""
        failed = []
        for delivery in deliveries:
            event = delivery.event
            with _within(delivery.span):
                if delivery.outcome == FAILED:
                    log.warning("%s: handling %s %s failed: %r", self.consumer_name, event.type, event.id,
                                delivery.error)
                    failed.append(delivery)
                    continue
                if delivery.outcome == DUPLICATE:
                    log.info("%s: event %s already handled", self.consumer_name, event.id)
                else:
                    log.info("%s: handled %s %s", self.consumer_name, event.type, event.id)
            delivery.message.ack()
            self._count(event.type, delivery.outcome)
        if failed:
            attempts = [self._attempts(delivery.message) for delivery in failed]
            if any(count < self.topology.max_attempts for count in attempts):
                time.sleep(min(self.retry_delay * 2 ** (max(attempts) - 1), 5.0))
            for delivery, count in zip(failed, attempts):
                outcome = self._retry_or_dead_letter(delivery.message, delivery.error, count)
                self._count(delivery.event.type, outcome)

    def _count(self, event_type: str, outcome: str) -> None:
        if self.metrics is not None:
            self.metrics.observe_event(event_type, outcome)

    @staticmethod
    def _attempts(message) -> int:
        return int((message.headers or {}).get(ATTEMPTS_HEADER, 0)) + 1

    def _retry_or_dead_letter(self, message, error: Exception, attempts: int) -> str:
        reason = f"{type(error).__name__}: {error}"
        if attempts >= self.topology.max_attempts:
            self._dead_letter(message, reason, attempts)
            return "dead_lettered"
        self._republish(message, self.topology.retry_exchange, self.consumer_name, attempts, reason)
        message.ack()
        return "retried"

    def _dead_letter(self, message, reason: str, attempts: int | None = None) -> None:
        attempts = attempts or self._attempts(message)
        log.error("%s: message moved to %s: %s", self.consumer_name, self.topology.dead_queue_name(self.service), reason)
        self._republish(message, self.topology.dead_exchange, self.consumer_name, attempts, reason)
        message.ack()

    def _republish(self, message, exchange, routing_key: str, attempts: int, reason: str) -> None:
        headers = dict(message.headers or {})
        headers[ATTEMPTS_HEADER] = attempts
        headers[ERROR_HEADER] = reason[:1000]
        producer = Producer(message.channel)
        producer.publish(
            message.body,
            exchange=exchange,
            routing_key=routing_key,
            content_type=message.content_type or envelope.CONTENT_TYPE,
            content_encoding=message.content_encoding or "utf-8",
            delivery_mode=2,
            headers=headers,
            message_id=message.properties.get("message_id"),
        )

    # running ----------------------------------------------------------------
    def run_until(self, stop: threading.Event) -> None:
        """Consume until `stop` is set (used by a service's consumer thread)."""
        watcher = threading.Thread(target=self._stop_when, args=(stop,), daemon=True)
        watcher.start()
        self.run()

    def _stop_when(self, stop: threading.Event) -> None:
        stop.wait()
        self.should_stop = True


def _begin_writing(session: Session) -> None:
    """On SQLite, open the transaction explicitly, taking the write lock at once.

    pysqlite opens a transaction only before an INSERT/UPDATE/DELETE, so a
    batch beginning with SAVEPOINT would run outside any transaction and the
    release of that first savepoint would commit it.  BEGIN IMMEDIATE makes
    the savepoints nest in one transaction and waits (busy timeout) for the
    write lock instead of failing to upgrade a read lock later.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("BEGIN IMMEDIATE"))


def _within(span):
    """The event's span as the current one (for the trace id in log lines), or nothing."""
    return trace.use_span(span, end_on_exit=False) if span is not None else contextlib.nullcontext()
