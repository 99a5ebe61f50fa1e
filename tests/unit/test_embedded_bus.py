"""The embedded bus: at-least-once delivery on kombu's SQLAlchemy transport over SQLite."""
from __future__ import annotations

import multiprocessing
import signal
import socket
import sqlite3
import time
from pathlib import Path

import pytest
from kombu import Consumer, Exchange, Producer, Queue

from services.common.embedded_bus import Transport, connection

EXCHANGE = Exchange("test.events", type="topic", durable=True)
QUEUE = Queue("test.lesson-events", EXCHANGE, routing_key="lesson.#", durable=True)
ROUTING_KEY = "lesson.graded"

# Short poll so the tests do not sleep a second between empty polls.
POLL = 0.02


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "bus.sqlite"


@pytest.fixture
def bus_url(db_path: Path) -> str:
    return f"sqla+sqlite:///{db_path}"


def _declare(conn) -> Queue:
    """Declare exchange, queue and binding in this process (kombu keeps bindings in memory)."""
    queue = QUEUE(conn.default_channel)
    queue.declare()
    return queue


def _publish(url: str, bodies, **options) -> None:
    with connection(url, polling_interval=POLL, **options) as conn:
        _declare(conn)
        producer = Producer(conn.default_channel, exchange=EXCHANGE, serializer="json")
        for body in bodies:
            producer.publish(body, routing_key=ROUTING_KEY)


def _rows(db_path: Path) -> list[tuple[int, bool]]:
    db = sqlite3.connect(db_path)
    try:
        return [(row_id, bool(visible)) for row_id, visible in db.execute(
            "SELECT id, visible FROM kombu_message ORDER BY id")]
    finally:
        db.close()


def _drain(conn, queue: Queue, count: int, *, ack: bool = True, timeout: float = 5.0):
    """Receive `count` messages (acking them unless told not to); fail on a timeout."""
    received = []

    def on_message(body, message):
        received.append((body, message))
        if ack:
            message.ack()

    deadline = time.monotonic() + timeout
    with Consumer(conn.default_channel, [queue], callbacks=[on_message], accept=["json"]):
        while len(received) < count:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"received {len(received)} of {count} messages"
            try:
                conn.drain_events(timeout=remaining)
            except socket.timeout:
                pass
    return received


def _nothing_arrives(conn, queue: Queue, wait: float) -> bool:
    received = []
    with Consumer(conn.default_channel, [queue], callbacks=[lambda b, m: received.append(b)],
                  accept=["json"]):
        try:
            conn.drain_events(timeout=wait)
        except socket.timeout:
            pass
    return not received


# -- processes started with the 'spawn' method -----------------------------------


def _take_and_hang(url: str, marker: str) -> None:
    with connection(url, polling_interval=POLL) as conn:
        queue = _declare(conn)

        def on_message(body, message):
            Path(marker).write_text(str(body))
            time.sleep(60)

        with Consumer(conn.default_channel, [queue], callbacks=[on_message], accept=["json"]):
            conn.drain_events(timeout=30)


def _publish_after(url: str, start, publisher: int, count: int) -> None:
    start.wait(10)
    _publish(url, ({"publisher": publisher, "n": n} for n in range(count)))


# -- tests -------------------------------------------------------------------------


def test_connection_uses_this_transport_and_the_url_after_the_prefix(bus_url):
    with connection(bus_url) as conn:
        assert isinstance(conn.transport, Transport)
        assert conn.hostname == bus_url.removeprefix("sqla+")
        with conn.clone() as clone:
            assert isinstance(clone.transport, Transport)
            assert clone.hostname == conn.hostname


def test_sqlite_file_is_in_wal_mode(bus_url):
    with connection(bus_url) as conn:
        _declare(conn)
        engine = conn.default_channel.engine
        with engine.connect() as db:
            assert db.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert db.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_acked_messages_are_deleted(bus_url, db_path):
    with connection(bus_url, polling_interval=POLL) as conn:
        queue = _declare(conn)
        _publish(bus_url, [{"n": 1}, {"n": 2}, {"n": 3}])
        assert len(_rows(db_path)) == 3

        received = _drain(conn, queue, 3)

    assert [body for body, _ in received] == [{"n": 1}, {"n": 2}, {"n": 3}]
    assert all(message.delivery_info["redelivered"] is False for _, message in received)
    assert _rows(db_path) == []


def test_message_of_a_killed_consumer_is_delivered_again(bus_url, db_path, tmp_path):
    with connection(bus_url, visibility_timeout=1, polling_interval=POLL) as conn:
        queue = _declare(conn)
        _publish(bus_url, [{"grade": 5, "pupil": 17}])

        marker = tmp_path / "taken"
        child = multiprocessing.get_context("spawn").Process(
            target=_take_and_hang, args=(bus_url, str(marker)))
        child.start()
        try:
            deadline = time.monotonic() + 20
            while not marker.exists():
                assert time.monotonic() < deadline, "child never received the message"
                assert child.is_alive(), f"child exited with {child.exitcode}"
                time.sleep(0.02)
        finally:
            child.kill()
            child.join(10)
        assert child.exitcode == -signal.SIGKILL

        # Taken and never acked: the row is still there, invisible.
        assert [visible for _, visible in _rows(db_path)] == [False]

        received = _drain(conn, queue, 1, timeout=10)

    body, message = received[0]
    assert body == {"grade": 5, "pupil": 17}
    assert message.delivery_info["redelivered"] is True
    assert _rows(db_path) == []


def test_message_is_not_redelivered_before_the_visibility_timeout(bus_url):
    with connection(bus_url, visibility_timeout=30, polling_interval=POLL) as taker:
        queue = _declare(taker)
        _publish(bus_url, [{"n": 1}])
        assert queue.get(accept=["json"]) is not None

        with connection(bus_url, visibility_timeout=30, polling_interval=POLL) as other:
            assert _nothing_arrives(other, _declare(other), 0.5)


def test_reject_with_requeue_redelivers_the_same_row(bus_url, db_path):
    with connection(bus_url, polling_interval=POLL) as conn:
        queue = _declare(conn)
        _publish(bus_url, [{"n": 1}])
        [row_before] = _rows(db_path)

        [(body, message)] = _drain(conn, queue, 1, ack=False)
        message.requeue()
        assert _rows(db_path) == [(row_before[0], True)]

        [(body_again, message_again)] = _drain(conn, queue, 1)

    assert body_again == body == {"n": 1}
    assert message_again.delivery_info["redelivered"] is True
    assert _rows(db_path) == []


def test_reject_without_requeue_deletes_the_row(bus_url, db_path):
    with connection(bus_url, polling_interval=POLL) as conn:
        queue = _declare(conn)
        _publish(bus_url, [{"n": 1}])

        [(_, message)] = _drain(conn, queue, 1, ack=False)
        message.reject()

        assert _rows(db_path) == []


def test_no_ack_consumer_removes_the_row_on_delivery(bus_url, db_path):
    with connection(bus_url, visibility_timeout=0.3, polling_interval=POLL) as conn:
        queue = _declare(conn)
        _publish(bus_url, [{"n": 1}])
        received = []
        with Consumer(conn.default_channel, [queue], no_ack=True, accept=["json"],
                      callbacks=[lambda body, message: received.append(body)]):
            conn.drain_events(timeout=5)
        assert received == [{"n": 1}]
        assert _rows(db_path) == []


def test_unacked_message_comes_back_once_after_connection_close(bus_url, db_path):
    _publish(bus_url, [{"n": 1}])
    with connection(bus_url, polling_interval=POLL) as first:
        queue = _declare(first)
        [(body, message)] = _drain(first, queue, 1, ack=False)
        assert not message.acknowledged
    # Closing restored the original row instead of inserting a copy.
    assert [visible for _, visible in _rows(db_path)] == [True]

    with connection(bus_url, visibility_timeout=0.3, polling_interval=POLL) as second:
        queue = _declare(second)
        [(body_again, message_again)] = _drain(second, queue, 1)
        assert body_again == body
        assert message_again.delivery_info["redelivered"] is True
        # Longer than the visibility timeout: nothing is left to come back.
        assert _nothing_arrives(second, queue, 0.6)

    assert _rows(db_path) == []


def test_concurrent_publishers_and_one_consumer_lose_and_duplicate_nothing(bus_url, db_path):
    per_publisher = 200
    context = multiprocessing.get_context("spawn")
    with connection(bus_url, polling_interval=POLL) as conn:
        queue = _declare(conn)
        start = context.Event()
        publishers = [
            context.Process(target=_publish_after, args=(bus_url, start, p, per_publisher))
            for p in range(2)
        ]
        for process in publishers:
            process.start()
        try:
            start.set()
            received = _drain(conn, queue, 2 * per_publisher, timeout=25)
        finally:
            for process in publishers:
                process.join(30)
        assert [process.exitcode for process in publishers] == [0, 0]
        assert _nothing_arrives(conn, queue, 0.2)

    bodies = [(body["publisher"], body["n"]) for body, _ in received]
    assert sorted(bodies) == [(p, n) for p in range(2) for n in range(per_publisher)]
    # Each publisher's messages arrive in publishing order.
    for p in range(2):
        assert [n for q, n in bodies if q == p] == list(range(per_publisher))
    assert _rows(db_path) == []


def test_o1_one_take_marks_several_rows_and_a_close_gives_back_those_not_handed_out(bus_url, db_path):
    _publish(bus_url, [{"n": n} for n in range(5)])
    with connection(bus_url, polling_interval=POLL, prefetch_rows=3) as conn:
        queue = _declare(conn)
        message = queue.get(accept=["json"])
        assert message.payload == {"n": 0}
        # Three rows taken in one write; two of them wait in the channel.
        assert [visible for _, visible in _rows(db_path)] == [False, False, False, True, True]
        message.ack()
    # The close deleted the acked row and gave back the two never handed out, as new.
    assert [visible for _, visible in _rows(db_path)] == [True, True, True, True]
    with connection(bus_url, polling_interval=POLL) as conn:
        received = _drain(conn, _declare(conn), 4)
    assert [body for body, _ in received] == [{"n": n} for n in range(1, 5)]
    assert [message.delivery_info["redelivered"] for _, message in received] == [False] * 4
    assert _rows(db_path) == []


def test_o1_acks_are_deleted_in_the_next_take(bus_url, db_path):
    _publish(bus_url, [{"n": 1}])
    with connection(bus_url, polling_interval=POLL) as conn:
        queue = _declare(conn)
        queue.get(accept=["json"]).ack()
        assert [visible for _, visible in _rows(db_path)] == [False]  # acked, not yet deleted
        _publish(bus_url, [{"n": 2}])
        assert queue.get(accept=["json"]).payload == {"n": 2}
        assert [visible for _, visible in _rows(db_path)] == [False]  # the first one is gone
        assert queue.get(accept=["json"]) is None


def test_o1_an_acked_row_left_by_a_killed_consumer_comes_back_after_the_visibility_timeout(bus_url, db_path):
    """The ack's delete waits for the channel's next write; a consumer killed before it leaves the row,
    which is delivered again (at least once): the idempotent consumer applies it once."""
    _publish(bus_url, [{"n": 1}])
    conn = connection(bus_url, polling_interval=POLL, visibility_timeout=0.5)
    queue = _declare(conn)
    queue.get(accept=["json"]).ack()
    conn.default_channel._acked_rows.clear()  # as if the process died before its next write
    conn.release()
    time.sleep(0.6)
    with connection(bus_url, polling_interval=POLL, visibility_timeout=0.5) as other:
        [(body, message)] = _drain(other, _declare(other), 1)
    assert body == {"n": 1} and message.delivery_info["redelivered"] is True


def test_o1_messages_published_together_are_stored_all_at_once_or_not_at_all(bus_url, db_path):
    with connection(bus_url, polling_interval=POLL) as conn:
        _declare(conn)
        channel = conn.default_channel
        producer = Producer(channel, exchange=EXCHANGE, serializer="json")
        with channel.publishing_together():
            for n in range(3):
                producer.publish({"n": n}, routing_key=ROUTING_KEY)
            assert _rows(db_path) == []  # nothing is seen before the end
        assert len(_rows(db_path)) == 3
        with pytest.raises(RuntimeError):
            with channel.publishing_together():
                producer.publish({"n": 3}, routing_key=ROUTING_KEY)
                raise RuntimeError("the relay failed in the middle of its batch")
        assert len(_rows(db_path)) == 3
        received = _drain(conn, _declare(conn), 3)
    assert [body for body, _ in received] == [{"n": n} for n in range(3)]
