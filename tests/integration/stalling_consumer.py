"""A reports consumer that stalls inside its handler, to be killed by a test.

Run as a script with the test's EZH_* settings; it writes EZH_TEST_MARKER when
it is in the middle of handling (inside the transaction) and then waits.
"""
from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from services.common import bus  # noqa: E402
from services.common.consumer import EventConsumer  # noqa: E402
from services.common.database import Database  # noqa: E402
from services.common.settings import get_settings  # noqa: E402
from services.reports import store  # noqa: E402
from services.reports.events import HANDLERS  # noqa: E402


def stalling(handler):
    def handle(session, event):
        handler(session, event)
        Path(os.environ["EZH_TEST_MARKER"]).write_text(event.id)
        time.sleep(600)

    return handle


def main() -> None:
    settings = get_settings()
    consumer = EventConsumer(
        "reports",
        Database(settings.database_url("reports")),
        store.processed,
        bus.topology_from(settings),
        lambda: bus.connect(settings),
        {event_type: stalling(handler) for event_type, handler in HANDLERS.items()},
    )
    consumer.run_until(threading.Event())


if __name__ == "__main__":
    main()
