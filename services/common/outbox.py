"""Transactional outbox: an event is a row written with the change it reports.

`record(session, event)` adds the row inside the caller's transaction, so the
change and its event commit together or not at all.  `OutboxRelay` publishes
pending rows in order with publisher confirms and stamps them sent; when the
broker is away it keeps the rows and retries with backoff.  A row is never
deleted before it is confirmed, so a crash between publishing and stamping
means the event goes out again: consumers are idempotent (see consumer.py).
"""
from __future__ import annotations

import datetime as dt
import logging
import threading

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
        return self._producer

    def _drop_connection(self) -> None:
        if self._connection is not None:
            try:
                self._connection.release()
            except Exception:  # noqa: BLE001 - it is broken already
                pass
        self._connection = None
        self._producer = None

    def publish_pending(self) -> int:
        """Publish one batch of pending rows in order; returns how many went out.

        Raises if the bus refuses: the failed row and the rows after it stay
        pending, with the error recorded on the failed row.
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
            published: list[int] = []
            try:
                if rows:
                    producer = self._ensure_producer()
                for row in rows:
                    self._publish(producer, row)
                    published.append(row.seq)
            except Exception as error:  # noqa: BLE001 - recorded on the row, raised below
                failure = error
                self._drop_connection()
                session.execute(
                    update(table)
                    .where(table.c.seq == rows[len(published)].seq)
                    .values(attempts=table.c.attempts + 1, last_error=str(error)[:2000])
                )
            self._stamp_sent(session, published)
        if failure is not None:
            raise failure
        return len(published)

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
