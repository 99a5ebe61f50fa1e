"""The backbone's proof, on RabbitMQ + PostgreSQL and on the embedded bus (O1).

A gRPC call to the journal changes a row and writes an outbox event in one
transaction; the relay publishes it; the reports consumer applies it exactly
once (its effect, a class count, would grow on a second application).
"""
from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import grpc
import pytest
from ezh.auth.v1 import events_pb2 as auth_events
from ezh.journal.v1 import journal_pb2, journal_pb2_grpc
from ezh.reports.v1 import reports_pb2, reports_pb2_grpc
from kombu import Producer, Queue
from sqlalchemy import func, select

from services.common import events as envelope
from services.common.consumer import ATTEMPTS_HEADER
from services.common.database import Database
from services.common.identity import bearer_metadata
from services.common.outbox import OutboxRelay
from services.common.roles import Role
from services.common.tokens import RoleGrant, SigningKey, TokenVerifier, issue_access_token
from services.journal import store as journal_store
from services.journal.definition import DEFINITION as JOURNAL
from services.journal.events import on_school_created
from services.reports import store as reports_store

from .conftest import settings_env, wait_for
from .tcp_proxy import TcpProxy

pytestmark = pytest.mark.integration
HERE = Path(__file__).resolve().parent

# The journal checks who calls CreateClass; here it trusts a key of the test's own
# instead of auth's, so these proofs need no auth service.
TEST_KEY = SigningKey.generate()
TRUSTING_JOURNAL = dataclasses.replace(
    JOURNAL, verifier_factory=lambda runtime: TokenVerifier(lambda kid: TEST_KEY.public_key, runtime.revocations),
)


def _administrator_of(school_id: str) -> tuple[tuple[str, str], ...]:
    """Metadata of a call by the school's journal administrator."""
    token, _ = issue_access_token(
        TEST_KEY, person_id=str(uuid.uuid4()), school_id=school_id, roles=[RoleGrant(Role.ADMINISTRATOR, school_id)],
    )
    return bearer_metadata(token)


def _school_known_to_journal(stack) -> str:
    school_id = str(uuid.uuid4())
    event = envelope.new_event(
        "ezh.auth.school.created.v1", "auth", f"schools/{school_id}", school_id,
        auth_events.SchoolCreated(school_id=school_id, name=f"Школа {school_id[:6]}", short_name="Школа"),
    )
    database = Database(stack.settings.database_url("journal"))
    with database.transaction() as session:
        on_school_created(session, event)
    database.dispose()
    return school_id


def _create_class(runtime, school_id: str, grade: int = 5, letter: str = "А"):
    with grpc.insecure_channel(f"127.0.0.1:{runtime.port}") as channel:
        return journal_pb2_grpc.JournalServiceStub(channel).CreateClass(
            journal_pb2.CreateClassRequest(school_id=school_id, grade=grade, letter=letter), timeout=5,
            metadata=_administrator_of(school_id),
        )


def _class_count(reports_runtime, school_id: str) -> int | None:
    with grpc.insecure_channel(f"127.0.0.1:{reports_runtime.port}") as channel:
        response = reports_pb2_grpc.ReportsServiceStub(channel).ListSchoolSummaries(
            reports_pb2.ListSchoolSummariesRequest(page_size=500), timeout=5
        )
    for school in response.schools:
        if school.school_id == school_id:
            return school.class_count
    return None


def _times_processed(stack, event_type: str = "ezh.journal.class.created.v1") -> int:
    database = Database(stack.settings.database_url("reports"))
    with database.session() as session:
        count = session.scalar(
            select(func.count()).select_from(reports_store.processed).where(
                reports_store.processed.c.event_type == event_type
            )
        )
    database.dispose()
    return count


def _outbox_rows(stack, service_store=journal_store):
    database = Database(stack.settings.database_url("journal"))
    with database.session() as session:
        rows = session.execute(select(service_store.outbox)).all()
    database.dispose()
    return rows


def test_o1_event_goes_from_journal_to_reports_once(stack):
    stack.migrate("journal", "reports")
    school_id = _school_known_to_journal(stack)
    journal = stack.start("journal", TRUSTING_JOURNAL)
    reports = stack.start("reports")

    created = _create_class(journal, school_id)

    assert created.school_class.name == "5А"
    wait_for(lambda: _class_count(reports, school_id) == 1, what="the reports read model to count the class")
    wait_for(lambda: all(row.sent_time for row in _outbox_rows(stack)), what="the outbox row to be stamped sent")
    assert _times_processed(stack) == 1
    rows = _outbox_rows(stack)
    assert [row.event_type for row in rows] == ["ezh.journal.class.created.v1"]


def test_o1_refused_change_writes_no_event(stack):
    stack.migrate("journal")
    school_id = _school_known_to_journal(stack)
    journal = stack.start("journal", TRUSTING_JOURNAL)
    _create_class(journal, school_id)

    with pytest.raises(grpc.RpcError) as refused:
        _create_class(journal, school_id)  # the same class again

    assert refused.value.code() == grpc.StatusCode.ALREADY_EXISTS
    assert len(_outbox_rows(stack)) == 1


def test_o1_relay_dying_between_publish_and_stamp_applies_once(stack, monkeypatch):
    stack.migrate("journal", "reports")
    school_id = _school_known_to_journal(stack)
    published = []
    real_publish, real_stamp = OutboxRelay._publish, OutboxRelay._stamp_sent
    crashes = []

    def counting_publish(self, producer, row):
        real_publish(self, producer, row)
        published.append(row.event_id)

    def crash_once_before_stamp(self, session, seqs):
        if seqs and not crashes:
            crashes.append(seqs)
            raise RuntimeError("relay died after publishing, before stamping")
        real_stamp(self, session, seqs)

    monkeypatch.setattr(OutboxRelay, "_publish", counting_publish)
    monkeypatch.setattr(OutboxRelay, "_stamp_sent", crash_once_before_stamp)
    reports = stack.start("reports")
    journal = stack.start("journal", TRUSTING_JOURNAL)

    _create_class(journal, school_id)

    wait_for(lambda: all(row.sent_time for row in _outbox_rows(stack)), what="the outbox row to be stamped sent")
    assert crashes, "the relay never reached the crash point"
    assert len(published) == 2 and len(set(published)) == 1  # the same event went out twice
    wait_for(lambda: _class_count(reports, school_id) == 1, what="the class to be counted")
    assert _times_processed(stack) == 1
    time.sleep(1.0)  # a late duplicate would arrive now; the count must not move
    assert _class_count(reports, school_id) == 1


def test_o1_consumer_killed_mid_handling_gets_the_event_again(stack, tmp_path):
    stack.migrate("journal", "reports")
    school_id = _school_known_to_journal(stack)
    marker = tmp_path / "handling-started"
    env = {**os.environ, **settings_env(stack.settings), "EZH_TEST_MARKER": str(marker)}
    child = subprocess.Popen([sys.executable, str(HERE / "stalling_consumer.py")], env=env)
    try:
        journal = stack.start("journal", TRUSTING_JOURNAL)
        _create_class(journal, school_id)
        wait_for(marker.exists, timeout=30, what="the consumer to start handling")
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    assert _times_processed(stack) == 0  # the killed consumer committed nothing

    reports = stack.start("reports")

    wait_for(lambda: _class_count(reports, school_id) == 1, timeout=30, what="the redelivered event")
    assert _times_processed(stack) == 1


def test_o1_change_succeeds_while_broker_is_down_and_event_follows(stack, tmp_path):
    stack.migrate("journal", "reports")
    school_id = _school_known_to_journal(stack)
    if stack.bus_kind == "rabbitmq":
        host_port = stack.settings.broker_url.split("@", 1)[1].split("/", 1)[0]
        host, port = host_port.rsplit(":", 1)
        proxy = TcpProxy(host, int(port))
        stack.with_settings(broker_url=f"amqp://guest:guest@127.0.0.1:{proxy.port}//")
        bring_back = proxy.start
    else:
        missing = tmp_path / "bus-not-there-yet"
        stack.with_settings(broker_url=f"sqla+sqlite:///{missing / 'bus.sqlite'}")
        bring_back = lambda: missing.mkdir()  # noqa: E731
    try:
        journal = stack.start("journal", TRUSTING_JOURNAL)

        created = _create_class(journal, school_id)

        assert created.school_class.id
        wait_for(lambda: any(row.attempts for row in _outbox_rows(stack)), what="a failed publish attempt")
        assert not any(row.sent_time for row in _outbox_rows(stack))
        assert not journal.check_readiness()  # health says NOT_SERVING while the bus is away
        bring_back()
        reports = stack.start("reports")
        wait_for(lambda: _class_count(reports, school_id) == 1, timeout=60, what="the event after the bus is back")
        assert _times_processed(stack) == 1
        wait_for(journal.check_readiness, what="journal to be SERVING again")
    finally:
        if stack.bus_kind == "rabbitmq":
            stack.close()
            proxy.stop()


def test_o1_poison_message_goes_to_dead_letter_queue_and_next_is_handled(stack):
    stack.migrate("journal", "reports")
    school_id = _school_known_to_journal(stack)
    reports = stack.start("reports")
    topology = stack.topology()
    poison = envelope.new_event(
        "ezh.journal.class.created.v1", "journal", "classes/x", school_id, {"grade": "не число"}
    )
    with stack.connection() as connection:
        producer = Producer(connection.default_channel, exchange=topology.events_exchange)
        producer.publish(
            envelope.to_json(poison), routing_key=poison.routing_key,
            content_type=envelope.CONTENT_TYPE, content_encoding="utf-8", delivery_mode=2,
        )
        producer.publish(
            b"not json at all", routing_key=poison.routing_key,
            content_type=envelope.CONTENT_TYPE, content_encoding="utf-8", delivery_mode=2,
        )
    journal = stack.start("journal", TRUSTING_JOURNAL)

    _create_class(journal, school_id)

    wait_for(lambda: _class_count(reports, school_id) == 1, timeout=30, what="the good event after the poison")
    dead = []
    with stack.connection() as connection:
        queue = Queue(topology.dead_queue_name("reports"))(connection.default_channel)

        def drain():
            message = queue.get(no_ack=False)
            if message is not None:
                dead.append(message)
                message.ack()
            return len(dead) == 2

        wait_for(drain, timeout=30, what="two messages in the dead-letter queue")
    bodies = sorted(m.body if isinstance(m.body, bytes) else m.body.encode() for m in dead)
    assert bodies[0] == b"not json at all"
    assert envelope.from_json(bodies[1]).id == poison.id
    attempts = sorted(int(message.headers[ATTEMPTS_HEADER]) for message in dead)
    assert attempts == [1, stack.settings.consumer_max_attempts]
    assert _times_processed(stack) == 1
