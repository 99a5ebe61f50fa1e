"""The runbook's dead-letter replay: after the cause is fixed, dead events are handled once."""
from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest
from ezh.journal.v1 import events_pb2 as journal_events
from kombu import Producer

from services.common import events as envelope
from services.reports.definition import DEFINITION as REPORTS
from services.reports.events import HANDLERS, on_class_created

from .conftest import settings_env, wait_for
from .test_backbone_proof import _class_count

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def test_o1_dead_letters_are_listed_and_replayed_once_fixed(stack):
    stack.migrate("reports")
    broken = {"on": True}

    def flaky_class_created(session, event):
        if broken["on"]:
            raise RuntimeError("read model table is being rebuilt")
        on_class_created(session, event)

    definition = dataclasses.replace(  # the event's own handler only, not the read model's batch one
        REPORTS, handlers={**HANDLERS, "ezh.journal.class.created.v1": flaky_class_created}, batch_handlers={}
    )
    reports = stack.start("reports", definition)
    event = envelope.new_event(
        "ezh.journal.class.created.v1", "journal", "classes/1", "school-1",
        journal_events.ClassCreated(class_id="c1", school_id="school-1", name="5А", grade=5),
    )
    with stack.connection() as connection:
        Producer(connection.default_channel, exchange=stack.topology().events_exchange).publish(
            envelope.to_json(event), routing_key=event.routing_key,
            content_type=envelope.CONTENT_TYPE, content_encoding="utf-8", delivery_mode=2,
        )
    env = {**os.environ, **settings_env(stack.settings)}
    command = [sys.executable, "-m", "services.common.dead_letters", "reports"]

    def listed():
        result = subprocess.run([*command, "list"], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
        return '"attempts": 3' in result.stdout and "being rebuilt" in result.stdout

    wait_for(listed, timeout=30, what="the event in the dead-letter queue")
    assert _class_count(reports, "school-1") is None
    broken["on"] = False

    replayed = subprocess.run([*command, "replay"], cwd=ROOT, env=env, capture_output=True, text=True, check=True)

    assert "1 message(s)" in replayed.stdout
    wait_for(lambda: _class_count(reports, "school-1") == 1, timeout=30, what="the replayed event")
    assert not listed()
