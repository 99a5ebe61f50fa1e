"""The idempotent consumer: each event's effect is applied once.

The handler runs in a transaction that also records the event id in the
`processed_event` table; the message is acked only after that commit.  A
redelivered event finds its id recorded and is acked with no effect.  A
handler that fails is retried (the message goes back to the queue with an
attempt count) and, after `max_attempts`, is moved to the service's
dead-letter queue; the consumer goes on with the next message.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from kombu import Connection, Producer
from kombu.mixins import ConsumerMixin
from opentelemetry.trace import SpanKind
from sqlalchemy import Table
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.common import events as envelope
from services.common.bus import Topology
from services.common.database import Database
from services.common.tracing import context_from_traceparent, tracer

log = logging.getLogger(__name__)

Handler = Callable[[Session, envelope.Event], None]
ATTEMPTS_HEADER = "x-ezh-attempts"
ERROR_HEADER = "x-ezh-last-error"


class _Duplicate(Exception):
    pass


class EventConsumer(ConsumerMixin):
    """Consumes one service's queue and applies its handlers once per event."""

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
    ) -> None:
        self.service = service
        self.database = database
        self.processed = processed_table
        self.topology = topology
        self._connect = connect
        self.handlers = handlers
        self.retry_delay = retry_delay
        self.metrics = metrics
        self.connection = connect()
        self.consumer_name = topology.queue_name(service)

    # kombu.mixins.ConsumerMixin -------------------------------------------
    def get_consumers(self, Consumer, channel):
        self.topology.declare(channel)
        return [
            Consumer(
                queues=self.topology.queues(self.service),
                on_message=self.on_message,
                prefetch_count=10,
                accept=[envelope.CONTENT_TYPE],
            )
        ]

    def on_connection_error(self, exc, interval):
        log.warning("%s consumer: bus unavailable, retrying in %.1fs: %s", self.service, interval, exc)

    # handling ---------------------------------------------------------------
    def on_message(self, message) -> None:
        try:
            event = envelope.from_json(message.body)
        except envelope.MalformedEvent as error:
            self._dead_letter(message, str(error))
            self._count("malformed", "dead_lettered")
            return
        with tracer(__name__).start_as_current_span(
            f"consume {event.type}",
            context=context_from_traceparent(event.traceparent),
            kind=SpanKind.CONSUMER,
            attributes={"messaging.destination.name": self.consumer_name, "messaging.message.id": event.id},
        ):
            self._handle(message, event)

    def _handle(self, message, event: envelope.Event) -> None:
        handler = self.handlers.get(event.type)
        try:
            self.apply(event, handler)
        except _Duplicate:
            log.info("%s: event %s already handled", self.consumer_name, event.id)
            self._count(event.type, "duplicate")
        except Exception as error:  # noqa: BLE001 - counted, retried, then dead-lettered
            log.warning("%s: handling %s %s failed: %r", self.consumer_name, event.type, event.id, error)
            outcome = self._retry_or_dead_letter(message, error)
            self._count(event.type, outcome)
            return
        else:
            log.info("%s: handled %s %s", self.consumer_name, event.type, event.id)
            self._count(event.type, "handled")
        message.ack()

    def _count(self, event_type: str, outcome: str) -> None:
        if self.metrics is not None:
            self.metrics.observe_event(event_type, outcome)

    def apply(self, event: envelope.Event, handler: Handler | None) -> None:
        """Record the event id and apply the handler in one transaction."""
        with self.database.transaction() as session:
            try:
                session.execute(
                    self.processed.insert().values(
                        consumer=self.consumer_name, event_id=event.id, event_type=event.type
                    )
                )
            except IntegrityError:
                raise _Duplicate() from None
            if handler is not None:
                handler(session, event)

    def _retry_or_dead_letter(self, message, error: Exception) -> str:
        attempts = int((message.headers or {}).get(ATTEMPTS_HEADER, 0)) + 1
        if attempts >= self.topology.max_attempts:
            self._dead_letter(message, f"{type(error).__name__}: {error}", attempts)
            return "dead_lettered"
        time.sleep(min(self.retry_delay * 2 ** (attempts - 1), 5.0))
        self._republish(
            message, self.topology.retry_exchange, self.consumer_name, attempts, f"{type(error).__name__}: {error}"
        )
        message.ack()
        return "retried"

    def _dead_letter(self, message, reason: str, attempts: int | None = None) -> None:
        attempts = attempts or int((message.headers or {}).get(ATTEMPTS_HEADER, 0)) + 1
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
