"""Transactional outbox: an event is a row written with the change it reports.

`record(session, event)` adds the row inside the caller's transaction, so the
change and its event commit together or not at all.  `OutboxRelay` publishes
pending rows in order, a batch at a time, waits once for the broker's
publisher confirms of the whole batch and stamps the confirmed rows sent in
one transaction; when the
broker is away it keeps the rows and retries with backoff.  A row is never
deleted before it is confirmed, so a crash between publishing and stamping
means the event goes out again: consumers are idempotent (see consumer.py).
"""
from __future__ import annotations

import datetime as dt
import logging
import socket
import threading
import time

import amqp
import amqp.exceptions
from kombu import Connection, Producer
from sqlalchemy import (
    Column, DateTime, Index, Integer, MetaData, String, Table, Text, func, select, update,
)
from sqlalchemy.orm import Session

from services.common import events as envelope
from services.common.bus import Topology
from services.common.database import Database

log = logging.getLogger(__name__)


def outbox_table(metadata: MetaData) -> Table:
    return Table(
        "outbox_event",
        metadata,
        Column("seq", Integer, primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("event_type", String(200), nullable=False),
        Column("routing_key", String(200), nullable=False),
        Column("payload", Text, nullable=False),
        Column("create_time", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("sent_time", DateTime(timezone=True), nullable=True),
        Column("attempts", Integer, nullable=False, server_default="0"),
        Column("last_error", Text, nullable=True),
        Index("ix_outbox_event_pending", "sent_time", "seq"),
    )


def processed_event_table(metadata: MetaData) -> Table:
    return Table(
        "processed_event",
        metadata,
        Column("consumer", String(200), primary_key=True),
        Column("event_id", String(36), primary_key=True),
        Column("event_type", String(200), nullable=False),
        Column("process_time", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


def plumbing_tables(metadata: MetaData) -> tuple[Table, Table, Table, Table]:
    """The outbox, processed-event, request-replay and revoked-account tables of every service."""
    from services.common.identity import revoked_account_table
    from services.common.replay import request_replay_table

    return (
        outbox_table(metadata),
        processed_event_table(metadata),
        request_replay_table(metadata),
        revoked_account_table(metadata),
    )


def record(session: Session, table: Table, event: envelope.Event) -> None:
    """Add the event to the outbox in the caller's transaction."""
    session.execute(
        table.insert().values(
            event_id=event.id,
            event_type=event.type,
            routing_key=event.routing_key,
            payload=envelope.to_json(event).decode(),
        )
    )


def pending_count(database: Database, table: Table) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(table).where(table.c.sent_time.is_(None)))


class PublishFailed(Exception):
    """Publishing a batch failed after the broker had taken its first `confirmed` messages."""

    def __init__(self, cause: Exception, confirmed: int) -> None:
        super().__init__(str(cause))
        self.cause = cause
        self.confirmed = confirmed


class BatchConfirms:
    """RabbitMQ publisher confirms awaited once per batch (py-amqp).

    With `confirm_publish` py-amqp waits for the broker's ack after every
    publish, a round trip per message.  Here the channel's publishes do not
    wait; the relay publishes a whole batch and then waits for the acks of
    all of it (the broker acks in order, often many at once with
    `multiple`).  Delivery tags count the channel's publishes from 1.
    """

    def __init__(self, channel) -> None:
        self.channel = channel
        channel.confirm_select()
        channel._confirm_selected = True
        self.next_tag = 1
        self._acked_through = 0  # every tag up to this one is acked
        self._acked: set[int] = set()
        self._nacked: set[int] = set()
        self._nacked_through = 0
        channel.events["basic_ack"].add(self._on_ack)
        channel.events["basic_nack"].add(self._on_nack)
        original = channel._basic_publish

        def counted_publish(*args, **kwargs):
            result = original(*args, **kwargs)
            self.next_tag += 1
            return result

        channel.basic_publish = counted_publish

    @classmethod
    def for_channel(cls, channel) -> BatchConfirms | None:
        """Batch confirms on a py-amqp channel whose connection asks for confirms, else None."""
        connection = getattr(channel, "connection", None)
        if isinstance(channel, amqp.Channel) and getattr(connection, "confirm_publish", False):
            return cls(channel)
        return None

    def _on_ack(self, delivery_tag: int, multiple: bool) -> None:
        if multiple:
            self._acked_through = max(self._acked_through, delivery_tag)
        else:
            self._acked.add(delivery_tag)

    def _on_nack(self, delivery_tag: int, multiple: bool) -> None:
        if multiple:
            self._nacked_through = max(self._nacked_through, delivery_tag)
        else:
            self._nacked.add(delivery_tag)

    def _is_acked(self, tag: int) -> bool:
        return tag <= self._acked_through or tag in self._acked

    def _is_nacked(self, tag: int) -> bool:
        return tag <= self._nacked_through or tag in self._nacked

    def taken(self, first_tag: int, count: int) -> int:
        """How many of the `count` messages from `first_tag` on are acked, counting from the first."""
        taken = 0
        while taken < count and self._is_acked(first_tag + taken) and not self._is_nacked(first_tag + taken):
            taken += 1
        return taken

    def wait(self, first_tag: int, count: int, timeout: float) -> int:
        """Wait until the broker has answered for all `count` messages; returns how many it took.

        Raises PublishFailed when the broker refuses one (nack) or does not
        answer within `timeout` seconds.
        """
        deadline = time.monotonic() + timeout
        tags = range(first_tag, first_tag + count)
        while not all(self._is_acked(tag) or self._is_nacked(tag) for tag in tags):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise PublishFailed(TimeoutError(f"no publisher confirm within {timeout:.0f}s"),
                                    self.taken(first_tag, count))
            try:
                self.channel.connection.drain_events(timeout=remaining)
            except socket.timeout:
                continue
        taken = self.taken(first_tag, count)
        if taken < count:
            raise PublishFailed(amqp.exceptions.MessageNacked(f"the broker refused message {taken + 1} of {count}"),
                                taken)
        # Forget the answers of this batch.
        self._acked = {tag for tag in self._acked if tag >= first_tag + count}
        return taken


class OutboxRelay:
    """Publishes a service's pending outbox rows to the bus."""

    def __init__(
        self,
        database: Database,
        table: Table,
        topology: Topology,
        connect,
        *,
        batch_size: int = 100,
        interval: float = 0.5,
        max_backoff: float = 30.0,
        confirm_timeout: float = 30.0,
    ) -> None:
        self.database = database
        self.table = table
        self.topology = topology
        self._connect = connect
        self.batch_size = batch_size
        self.interval = interval
        self.max_backoff = max_backoff
        self._connection: Connection | None = None
        self._producer: Producer | None = None
        self._confirms: BatchConfirms | None = None
        self.confirm_timeout = confirm_timeout
        self._wake = threading.Event()

    def wake(self) -> None:
        """Publish soon: a transaction with events has just committed."""
        self._wake.set()

    def _ensure_producer(self) -> Producer:
        if self._producer is None:
            connection = self._connect()
            connection.ensure_connection(max_retries=1)
            self.topology.declare(connection.default_channel)
            self._connection = connection
            self._producer = Producer(connection.default_channel, exchange=self.topology.events_exchange)
            self._confirms = BatchConfirms.for_channel(self._producer.channel)
        return self._producer

    def _drop_connection(self) -> None:
        if self._connection is not None:
            try:
                self._connection.release()
            except Exception:  # noqa: BLE001 - it is broken already
                pass
        self._connection = None
        self._producer = None
        self._confirms = None

    def publish_pending(self) -> int:
        """Publish one batch of pending rows in order; returns how many went out.

        The batch is published, its confirms awaited together, and the rows
        the broker confirmed are stamped sent in the same transaction that
        selected them.  Raises if the bus refuses: the first row not
        confirmed and the rows after it stay pending, with the error recorded
        on that row.
        """
        table = self.table
        failure: Exception | None = None
        with self.database.transaction() as session:
            query = (
                select(table.c.seq, table.c.event_id, table.c.routing_key, table.c.payload)
                .where(table.c.sent_time.is_(None))
                .order_by(table.c.seq)
                .limit(self.batch_size)
            )
            if session.bind.dialect.name == "postgresql":
                # Several relay replicas never publish the same row at once.
                query = query.with_for_update(skip_locked=True)
            rows = session.execute(query).all()
            confirmed = 0
            try:
                if rows:
                    confirmed = self._publish_confirmed(rows)
            except PublishFailed as error:
                failure, confirmed = error.cause, error.confirmed
            if failure is not None:
                self._drop_connection()
                session.execute(
                    update(table)
                    .where(table.c.seq == rows[confirmed].seq)
                    .values(attempts=table.c.attempts + 1, last_error=str(failure)[:2000])
                )
            self._stamp_sent(session, [row.seq for row in rows[:confirmed]])
        if failure is not None:
            raise failure
        return confirmed

    def _publish_confirmed(self, rows) -> int:
        """Publish the rows; how many of them, from the first, the broker has taken."""
        handed, first_tag = 0, 0
        try:
            producer = self._ensure_producer()
            confirms = self._confirms
            together = getattr(producer.channel, "publishing_together", None)  # the embedded bus
            if confirms is None and together is not None:
                return self._publish_together(producer, together, rows)
            first_tag = confirms.next_tag if confirms is not None else 0
            for row in rows:
                self._publish(producer, row)
                handed += 1
            if confirms is None:  # the transport takes each message before publish returns
                return handed
            return confirms.wait(first_tag, handed, timeout=self.confirm_timeout)
        except PublishFailed:
            raise
        except Exception as error:  # noqa: BLE001 - raised with what was taken
            taken = handed if self._confirms is None else self._confirms.taken(first_tag, handed)
            raise PublishFailed(error, taken) from error

    def _publish_together(self, producer: Producer, together, rows) -> int:
        """Publish the rows in one write of the embedded bus: all of them are taken, or none."""
        try:
            with together():
                for row in rows:
                    self._publish(producer, row)
        except Exception as error:  # noqa: BLE001 - nothing of the batch was stored
            raise PublishFailed(error, 0) from error
        return len(rows)

    def _publish(self, producer: Producer, row) -> None:
        producer.publish(
            row.payload.encode(),
            routing_key=row.routing_key,
            content_type=envelope.CONTENT_TYPE,
            content_encoding="utf-8",
            delivery_mode=2,
            message_id=row.event_id,
            headers={"x-ezh-attempts": 0},
            retry=False,
        )

    def _stamp_sent(self, session: Session, seqs: list[int]) -> None:
        if seqs:
            session.execute(
                update(self.table).where(self.table.c.seq.in_(seqs)).values(sent_time=dt.datetime.now(dt.UTC))
            )

    def run(self, stop: threading.Event) -> None:
        """Publish until `stop` is set, backing off while the bus is away."""
        backoff = self.interval
        while not stop.is_set():
            try:
                while self.publish_pending() == self.batch_size and not stop.is_set():
                    pass
                backoff = self.interval
                self._wake.wait(self.interval)
                self._wake.clear()
            except Exception as error:  # noqa: BLE001 - keep the rows, try again later
                log.warning("outbox relay: bus unavailable, retrying in %.1fs: %s", backoff, error)
                stop.wait(backoff)
                backoff = min(backoff * 2, self.max_backoff)
        self._drop_connection()
