"""A reports consumer that stalls in the middle of a batch, to be killed by a test.

Run as a script with the test's EZH_* settings.  Every event adds a class row
(`add_class_row`, not idempotent by itself); on the event of the class named
EZH_TEST_STALL_AT it writes how many events this process has applied so far
(all in the batch's open transaction) to EZH_TEST_MARKER and waits.
"""
from __future__ import annotations

import os
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from ezh.journal.v1 import events_pb2 as journal_events  # noqa: E402

from services.common import bus  # noqa: E402
from services.common.consumer import EventConsumer  # noqa: E402
from services.common.database import Database  # noqa: E402
from services.common.settings import get_settings  # noqa: E402
from services.reports import store  # noqa: E402

CLASS_CREATED = "ezh.journal.class.created.v1"


def add_class_row(session, event) -> None:
    """Adds a row on every application: a second application of an event would show as a second row."""
    data = event.data_as(journal_events.ClassCreated)
    session.execute(store.school_class.insert().values(
        class_id=str(uuid.uuid4()), school_id=data.school_id, name=data.name, grade=data.grade))


def main() -> None:
    settings = get_settings()
    marker = Path(os.environ["EZH_TEST_MARKER"])
    stall_at = os.environ["EZH_TEST_STALL_AT"]
    applied = []

    def stalling(session, event) -> None:
        add_class_row(session, event)
        applied.append(event.id)
        if event.data_as(journal_events.ClassCreated).name == stall_at:
            marker.write_text(str(len(applied)))
            time.sleep(600)

    consumer = EventConsumer(
        "reports",
        Database(settings.database_url("reports")),
        store.processed,
        bus.topology_from(settings),
        lambda: bus.connect(settings),
        {CLASS_CREATED: stalling},
        next_message_wait=0.5,
        batch_fill_seconds=5.0,
    )
    consumer.run_until(threading.Event())


if __name__ == "__main__":
    main()
