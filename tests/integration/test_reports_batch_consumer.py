"""The reports consumer applies a batch of events at once (`apply_events`, the definition's batch handlers) and
leaves the read model each event's own handler leaves, redelivered events and a failing batch included (O1),
on PostgreSQL and on SQLite."""
from __future__ import annotations

import dataclasses
import random

import pytest
from kombu import Connection
from sqlalchemy import select

from services.common.bus import Topology
from services.reports import store
from services.reports.definition import reports_definition
from services.reports.events import HANDLERS, apply_events

from .consumer_fakes import FakeMessage, RecordingConsumer
from .test_reports_mark_totals import _content, _history, databases  # noqa: F401 - the fixture

pytestmark = pytest.mark.integration


def _consumer(database, batched: bool, runs: list[int] | None = None) -> RecordingConsumer:
    """The reports consumer as the definition makes it: the events' handlers, and their batch handlers if
    `batched` (the size of each run they applied at once noted in `runs`)."""
    definition = reports_definition(archive_interval=0)
    assert set(definition.batch_handlers) == set(HANDLERS)
    assert set(definition.batch_handlers.values()) == {apply_events}

    def noted(session, events) -> None:
        (runs if runs is not None else []).append(len(events))
        apply_events(session, events)

    return RecordingConsumer("reports", database, store.processed, Topology("test"), lambda: Connection("memory://"),
                             definition.handlers, batch_handlers=dict.fromkeys(HANDLERS, noted) if batched else None)


def _read_model(database) -> dict:
    found = _content(database)
    found["rm_progress"] = [row[:3] for row in found["rm_progress"]]  # source, count, newest time: not when
    with database.session() as session:
        found["processed"] = sorted(session.scalars(select(store.processed.c.event_id)))
    return found


def test_o1_a_batch_through_the_consumer_leaves_the_read_model_of_one_event_at_a_time(databases):  # noqa: F811 - imported
    events = _history()
    random.Random(7).shuffle(events)
    stream = events + events[:5]  # redelivered: some in a later batch …
    stream.insert(12, stream[11])  # … and one twice within a batch
    alone_db, together_db = databases(), databases()
    alone = _consumer(alone_db, batched=False)
    for event in stream:
        alone.handle_batch([FakeMessage(event)])
    runs: list[int] = []
    together = _consumer(together_db, batched=True, runs=runs)
    messages = [FakeMessage(event) for event in stream]
    for begin in range(0, len(messages), 25):
        together.handle_batch(messages[begin:begin + 25])
    assert alone.failed == [] and together.failed == []
    assert len(runs) == -(-len(stream) // 25) and sum(runs) == len(events)  # each batch at once, duplicates left out
    assert all(message.acked for message in messages)
    expected = _read_model(alone_db)
    assert expected["rm_mark_total"] and expected["rm_final_mark"] and expected["rm_lesson"]
    assert _read_model(together_db) == expected


def test_o1_a_failing_batch_is_applied_event_by_event(databases):  # noqa: F811 - imported
    events = _history()
    database = databases()
    consumer = _consumer(database, batched=True)
    assert events[20].type == "ezh.journal.mark.created.v1"
    poison = dataclasses.replace(events[20], id="poison", data={"mark": "not a mark"})
    consumer.handle_batch([FakeMessage(event) for event in events[:20]] + [FakeMessage(poison)] +
                          [FakeMessage(event) for event in events[20:]])
    assert consumer.failed == ["poison"]
    expected_db = databases()
    alone = _consumer(expected_db, batched=False)
    for event in events:
        alone.handle_batch([FakeMessage(event)])
    assert _read_model(database) == _read_model(expected_db)
