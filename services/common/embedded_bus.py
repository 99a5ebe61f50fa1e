"""At-least-once event bus on kombu's SQLAlchemy transport (embedded mode).

Stock ``kombu.transport.sqlalchemy`` marks a taken row invisible and never
touches it again: acks do nothing in the database, so the table only grows, and
a consumer killed before its ack loses the message for good.  This transport
keeps the stock table layout but changes the life cycle of a row:

* taking a message marks the row invisible and stamps the ``timestamp`` column
  with the (UTC) time it was taken;
* every take first makes visible again the queue's rows that were taken more
  than ``visibility_timeout`` seconds ago (their consumer died or is too slow),
  and such a message is delivered with ``delivery_info['redelivered'] = True``;
* ack deletes the row (in the channel's next write: the next take, or the
  channel's close), reject(requeue=True) and the restore of unacked
  messages on channel close make the same row visible again (no copies),
  reject(requeue=False) deletes it at once.

SQLite has one writer at a time, and every service's consumer and relay
share the bus file, so the channel writes seldom: an idle poll only reads;
a take marks up to ``prefetch_rows`` rows taken in one transaction (the
others wait in the channel, their visibility clock running, and go back to
the queue if the channel closes first); and the acks since the last take are
deleted in the same transaction.  A consumer killed before that write has
its acked rows delivered again after the visibility timeout: at least once,
as ever, and the idempotent consumer applies them once.

The handler of a message must finish (ack or reject) within
``visibility_timeout`` seconds, otherwise the message is delivered again to
another consumer while the first one is still working on it.

kombu ignores ``Connection(transport=...)`` when the URL has a ``sqla+``
prefix (it takes the transport from the prefix), so :func:`connection`
rewrites that prefix to :data:`TRANSPORT_ALIAS`, which is registered with
kombu when this module is imported.  Every process that opens the bus must
therefore go through :func:`connection` (or at least import this module).
"""
from __future__ import annotations

import collections
import contextlib
import datetime
import os
import uuid
from json import loads
from queue import Empty

import kombu
import kombu.transport
from kombu.transport import sqlalchemy as kombu_sqla
from kombu.utils.encoding import bytes_to_str
from kombu.utils.json import dumps
from sqlalchemy import create_engine, delete, event, or_, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import sessionmaker

__all__ = [
    "DEFAULT_VISIBILITY_TIMEOUT",
    "SQLITE_BUSY_TIMEOUT_SECONDS",
    "TRANSPORT_ALIAS",
    "Channel",
    "QoS",
    "Transport",
    "connection",
]

DEFAULT_VISIBILITY_TIMEOUT = 60.0
DEFAULT_PREFETCH_ROWS = 20
SQLITE_BUSY_TIMEOUT_SECONDS = 30

#: URL prefix (``ezhsqla+<sqlalchemy url>``) under which kombu finds :class:`Transport`.
TRANSPORT_ALIAS = "ezhsqla"

#: ``sqla+`` style prefixes that :func:`connection` maps to :data:`TRANSPORT_ALIAS`.
_SQLA_PREFIXES = ("sqla+", "sqlalchemy+")

#: Property keys, added to the payload handed to kombu, that identify the row.
ROW_ID_PROPERTY = "ezh_row_id"
ROW_VERSION_PROPERTY = "ezh_row_version"

#: Transport options that are kombu's and must not reach ``create_engine``.
_NON_ENGINE_OPTIONS = (
    "queue_tablename",
    "message_tablename",
    "callback",
    "errback",
    "max_retries",
    "interval_start",
    "interval_step",
    "interval_max",
    "retry_errors",
    "visibility_timeout",
    "prefetch_rows",
    "polling_interval",
    "body_encoding",
    "deadletter_queue",
)


def _utcnow() -> datetime.datetime:
    """Naive UTC time, the format of the message table's ``timestamp`` column."""
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_SECONDS * 1000}")
        cursor.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL keeps every commit through a crash of any process (the services'
        # databases run so too); only a power loss may take the last commits back.
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def _create_tables(engine) -> None:
    """Create the queue and message tables; safe when processes race to do it."""
    attempts = 3
    for attempt in range(1, attempts + 1):
        try:
            with engine.connect() as conn:
                if conn.dialect.name == "sqlite":
                    # Makes the check-then-create of create_all atomic.
                    conn.exec_driver_sql("BEGIN IMMEDIATE")
                kombu_sqla.metadata.create_all(conn)
                conn.commit()
            return
        except DBAPIError:
            # Another process created the tables between our check and our
            # CREATE; the next attempt sees them and does nothing.
            if attempt == attempts:
                raise


class QoS(kombu_sqla.virtual.QoS):
    """Acks delete the message's row; requeues make the same row visible again."""

    def _pending(self, delivery_tag):
        if delivery_tag in self._dirty:
            return None
        return self._delivered.get(delivery_tag)

    def ack(self, delivery_tag):
        message = self._pending(delivery_tag)
        if message is not None:
            self.channel._acked(message)
        super().ack(delivery_tag)

    def reject(self, delivery_tag, requeue=False):
        message = self._pending(delivery_tag)
        if message is not None:
            if requeue:
                self.channel._restore_at_beginning(message)
            else:
                self.channel._delete_row(message)
        self._quick_ack(delivery_tag)


class Channel(kombu_sqla.Channel):
    """SQLAlchemy channel with visibility timeout, row deletion on ack and WAL SQLite."""

    QoS = QoS

    #: Engines of this transport, separate from the stock transport's cache
    #: (an engine built there lacks the SQLite settings below).
    _engines = {}

    visibility_timeout = DEFAULT_VISIBILITY_TIMEOUT
    prefetch_rows = DEFAULT_PREFETCH_ROWS

    from_transport_options = kombu_sqla.Channel.from_transport_options + ("visibility_timeout", "prefetch_rows")

    def __init__(self, connection, **kwargs):
        super().__init__(connection, **kwargs)
        self.visibility_timeout = float(self.visibility_timeout)
        if self.visibility_timeout <= 0:
            raise ValueError(f"visibility_timeout must be positive, got {self.visibility_timeout!r}")
        self.prefetch_rows = int(self.prefetch_rows)
        if self.prefetch_rows < 1:
            raise ValueError(f"prefetch_rows must be at least 1, got {self.prefetch_rows!r}")
        self._waiting: dict[str, collections.deque] = {}  # taken rows not yet handed to kombu, by queue
        self._acked_rows: list[int] = []  # acked rows not yet deleted

    # -- engine ---------------------------------------------------------------

    def _engine_from_config(self):
        conninfo = self.connection.client
        options = dict(conninfo.transport_options)
        for key in _NON_ENGINE_OPTIONS:
            options.pop(key, None)
        url = conninfo.hostname
        if url.startswith("sqlite"):
            connect_args = dict(options.get("connect_args") or {})
            connect_args.setdefault("timeout", SQLITE_BUSY_TIMEOUT_SECONDS)
            options["connect_args"] = connect_args
            engine = create_engine(url, **options)
            event.listen(engine, "connect", _sqlite_pragmas)
            return engine
        options.setdefault("pool_pre_ping", True)
        return create_engine(url, **options)

    def _open(self):
        url = self.connection.client.hostname
        # Keyed by pid too: pooled connections must not cross a fork.
        key = (os.getpid(), url)
        cached = self._engines.get(key)
        if cached is None:
            with kombu_sqla._MUTEX:
                cached = self._engines.get(key)
                if cached is None:
                    engine = self._engine_from_config()
                    _create_tables(engine)
                    cached = engine, sessionmaker(bind=engine)
                    self._engines[key] = cached
        return cached

    @property
    def engine(self):
        return self._open()[0]

    @property
    def _table(self):
        return self.message_cls.__table__

    # -- queues and messages --------------------------------------------------

    _publishing_together = False

    def _put(self, queue, payload, **kwargs):
        obj = self._get_or_create(queue)
        self.session.add(self.message_cls(dumps(payload), obj))
        if not self._publishing_together:
            self._commit_published()

    def _commit_published(self) -> None:
        try:
            self.session.commit()
        except BaseException:
            self.session.rollback()
            raise

    @contextlib.contextmanager
    def publishing_together(self):
        """The messages published inside are stored in one transaction when it ends: all or none.

        The outbox relay publishes its batch so (one write of the bus file instead of one a message)."""
        self._publishing_together = True
        try:
            yield
        except BaseException:
            self.session.rollback()
            raise
        else:
            self._commit_published()
        finally:
            self._publishing_together = False

    def _get_or_create(self, queue):
        try:
            return super()._get_or_create(queue)
        except IntegrityError:
            # Another process inserted the same queue name first.
            self.session.rollback()
            return super()._get_or_create(queue)

    def _get(self, queue):
        waiting = self._waiting.get(queue)
        if waiting:
            return waiting.popleft()
        queue_id = self._get_or_create(queue).id
        session = self.session
        if session.bind.dialect.name == "sqlite":
            # An idle consumer polls often: it looks first as a reader (WAL readers do not wait for the
            # writer or hold it up) and takes the database's one write lock only when it has to write.
            if not self._acked_rows and not self._anything_to_take(session, queue_id):
                session.commit()
                raise Empty()
            session.execute(text("BEGIN IMMEDIATE TRANSACTION"))
        deleting = list(self._acked_rows)
        try:
            self._delete_rows(session, deleting)
            payloads = self._take(session, queue_id)
        except Empty:
            session.commit()
            self._forget_acked(deleting)
            raise
        except BaseException:
            session.rollback()
            raise
        session.commit()
        self._forget_acked(deleting)
        if len(payloads) > 1:
            self._waiting.setdefault(queue, collections.deque()).extend(payloads[1:])
        return payloads[0]

    def _forget_acked(self, deleted: list[int]) -> None:
        del self._acked_rows[:len(deleted)]

    def _delete_rows(self, session, row_ids: list[int]) -> None:
        if row_ids:
            table = self._table
            session.execute(delete(table).where(table.c.id.in_(row_ids)))

    def _acked(self, message) -> None:
        row_id = message.properties.get(ROW_ID_PROPERTY)
        if row_id is not None:
            self._acked_rows.append(row_id)

    def _anything_to_take(self, session, queue_id) -> bool:
        """Whether the queue holds a visible row or one whose visibility timed out (a read only)."""
        table = self._table
        cutoff = _utcnow() - datetime.timedelta(seconds=self.visibility_timeout)
        return session.execute(
            select(table.c.id)
            .where(table.c.queue_id == queue_id)
            .where(or_(table.c.visible == True, table.c.timestamp < cutoff))  # noqa: E712 - SQL expression
            .limit(1)
        ).first() is not None

    def _take(self, session, queue_id) -> list[dict]:
        """Mark up to `prefetch_rows` visible rows of the queue taken; their payloads, oldest first."""
        table = self._table
        now = _utcnow()
        cutoff = now - datetime.timedelta(seconds=self.visibility_timeout)
        session.execute(
            update(table)
            .where(table.c.queue_id == queue_id)
            .where(table.c.visible == False)  # noqa: E712 - SQL expression
            .where(table.c.timestamp < cutoff)
            .values(visible=True, timestamp=now, version=table.c.version + 1)
        )
        query = (
            select(table.c.id, table.c.payload, table.c.timestamp, table.c.version)
            .where(table.c.queue_id == queue_id)
            .where(table.c.visible == True)  # noqa: E712 - SQL expression
            .order_by(table.c.id)
            .limit(self.prefetch_rows)
        )
        if session.bind.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        else:
            query = query.with_for_update()
        rows = session.execute(query).all()
        if not rows:
            raise Empty()
        # The rows are locked (FOR UPDATE, or SQLite's write lock): no one else takes them meanwhile.
        session.execute(
            update(table)
            .where(table.c.id.in_([row.id for row in rows]))
            .values(visible=False, timestamp=now, version=table.c.version + 1)
        )
        return [self._payload(row) for row in rows]

    @staticmethod
    def _payload(row) -> dict:
        payload = loads(bytes_to_str(row.payload))
        properties = payload.setdefault("properties", {})
        properties[ROW_ID_PROPERTY] = row.id
        properties[ROW_VERSION_PROPERTY] = (row.version or 0) + 1
        # A fresh tag per delivery, as AMQP does; the stored one is the
        # publisher's and would repeat on every redelivery.
        properties["delivery_tag"] = uuid.uuid4().hex
        # New rows have no timestamp; one that has it was delivered before.
        redelivered = row.timestamp is not None
        properties.setdefault("delivery_info", {})["redelivered"] = redelivered
        return payload

    def _delete_row(self, message) -> None:
        row_id = message.properties.get(ROW_ID_PROPERTY)
        if row_id is None:
            return
        table = self._table
        with self.engine.begin() as conn:
            conn.execute(delete(table).where(table.c.id == row_id))

    def _restore(self, message):
        row_id = message.properties.get(ROW_ID_PROPERTY)
        if row_id is None:
            # Not taken by this transport: fall back to publishing a copy.
            return super()._restore(message)
        version = message.properties.get(ROW_VERSION_PROPERTY)
        table = self._table
        statement = (
            update(table)
            .where(table.c.id == row_id)
            .where(table.c.visible == False)  # noqa: E712 - SQL expression
            .values(visible=True, timestamp=_utcnow(), version=table.c.version + 1)
        )
        if version is not None:
            # If the row timed out and another consumer holds it now, leave it.
            statement = statement.where(table.c.version == version)
        with self.engine.begin() as conn:
            conn.execute(statement)

    def basic_consume(self, queue, no_ack, callback, consumer_tag, **kwargs):
        if no_ack:
            inner = callback

            def callback(message):
                self._delete_row(message)
                return inner(message)

        return super().basic_consume(queue, no_ack, callback, consumer_tag, **kwargs)

    def basic_get(self, queue, no_ack=False, **kwargs):
        message = super().basic_get(queue, no_ack=no_ack, **kwargs)
        if message is not None and no_ack:
            self._delete_row(message)
        return message

    def close(self):
        try:
            self._settle_before_close()
            super().close()
        finally:
            if self._session is not None:
                self._session.close()
                self._session = None

    def _settle_before_close(self) -> None:
        """Delete the acked rows, and give back the taken rows never handed to kombu."""
        waiting = [payload for queue in self._waiting.values() for payload in queue]
        self._waiting.clear()
        if not waiting and not self._acked_rows:
            return
        table = self._table
        try:
            with self.engine.begin() as conn:
                if self._acked_rows:
                    conn.execute(delete(table).where(table.c.id.in_(self._acked_rows)))
                for payload in waiting:
                    properties = payload["properties"]
                    delivered_before = properties["delivery_info"]["redelivered"]
                    conn.execute(
                        update(table)
                        .where(table.c.id == properties[ROW_ID_PROPERTY])
                        .where(table.c.version == properties[ROW_VERSION_PROPERTY])
                        # A row never delivered before stays so (no timestamp): it was not handed out.
                        .values(visible=True, version=table.c.version + 1,
                                timestamp=table.c.timestamp if delivered_before else None)
                    )
            self._acked_rows.clear()
        except DBAPIError:
            # The bus is away: the rows come back after the visibility timeout instead.
            pass


class Transport(kombu_sqla.Transport):
    """kombu's SQLAlchemy transport with at-least-once delivery."""

    Channel = Channel


kombu.transport.TRANSPORT_ALIASES.setdefault(TRANSPORT_ALIAS, f"{__name__}:Transport")


def connection(url: str, **transport_options) -> kombu.Connection:
    """A kombu connection; ``sqla+<sqlalchemy url>`` gets this module's transport.

    Transport options: ``visibility_timeout`` (seconds, default 60),
    ``polling_interval`` (seconds between empty polls), the table names of the
    stock transport, and keyword arguments of ``sqlalchemy.create_engine``.
    Other URLs (``amqp://``) are passed to kombu unchanged.
    """
    for prefix in _SQLA_PREFIXES:
        if url.startswith(prefix):
            url = f"{TRANSPORT_ALIAS}+{url[len(prefix):]}"
            break
    return kombu.Connection(url, transport_options=transport_options)
