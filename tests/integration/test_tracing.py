"""A trace id given by the caller appears in the logs of the service and of
the consumer of the event the call raised (trace context crosses the bus)."""
from __future__ import annotations

import logging

import grpc
import pytest
from ezh.journal.v1 import journal_pb2, journal_pb2_grpc

from services.common.logging_setup import _ContextFilter

from .conftest import wait_for
from .test_backbone_proof import TRUSTING_JOURNAL, _administrator_of, _class_count, _school_known_to_journal

pytestmark = pytest.mark.integration
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.addFilter(_ContextFilter("test"))
        self.records: list[tuple[str, str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.name, record.trace_id, record.getMessage()))


@pytest.fixture
def captured_logs():
    handler = _Capture()
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield handler
    root.removeHandler(handler)
    root.setLevel(previous)


def test_o1_trace_id_follows_the_call_across_the_bus(stack, captured_logs):
    stack.migrate("journal", "reports")
    school_id = _school_known_to_journal(stack)
    journal = stack.start("journal", TRUSTING_JOURNAL)
    reports = stack.start("reports")

    with grpc.insecure_channel(f"127.0.0.1:{journal.port}") as channel:
        journal_pb2_grpc.JournalServiceStub(channel).CreateClass(
            journal_pb2.CreateClassRequest(school_id=school_id, grade=7, letter="Б"),
            metadata=(("traceparent", TRACEPARENT), *_administrator_of(school_id)), timeout=5,
        )
    wait_for(lambda: _class_count(reports, school_id) == 1, what="the event to be consumed")

    traced = [(name, message) for name, trace_id, message in captured_logs.records if trace_id == TRACE_ID]
    assert any("JournalService/CreateClass OK" in message for _, message in traced), captured_logs.records
    assert any("reports.events: handled ezh.journal.class.created.v1" in message for _, message in traced)
