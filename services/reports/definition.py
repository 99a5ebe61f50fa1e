"""How the reports service is assembled."""
from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable

from ezh.reports.v1 import reports_pb2_grpc

from services.common.clock import utc_now
from services.common.grpc_server import ServiceDefinition
from services.reports import store
from services.reports.events import HANDLERS, apply_events
from services.reports.printouts import SCHOOL_TIMEZONE, archive_ended_periods
from services.reports.server import ReportsServicer

log = logging.getLogger(__name__)
ARCHIVE_INTERVAL_SECONDS = 3600.0
FIRST_ROUND_DELAY_SECONDS = 300.0


def run_archive_job(runtime, clock: Callable[[], dt.datetime], interval: float, stop: threading.Event) -> None:
    """Archive the periods that have ended, now and then every `interval` seconds, until `stop` is set."""
    # A service just started may not have received what happened while it was away: let it catch up first.
    stop.wait(min(interval, FIRST_ROUND_DELAY_SECONDS))
    while not stop.is_set():
        try:
            now = clock()
            if runtime.queue_depth(runtime.topology.queue_name("reports")) != 0:
                stop.wait(min(interval, 60))  # archive only a read model that has caught up
                continue
            made = archive_ended_periods(runtime.database, now.astimezone(SCHOOL_TIMEZONE).date(), now)
            if made:
                log.info("reports: archived %d ended period(s)", made)
        except Exception:  # noqa: BLE001 - the next round tries again
            log.exception("reports: archiving ended periods failed")
        stop.wait(interval)


def reports_definition(clock: Callable[[], dt.datetime] = utc_now,
                       archive_interval: float = ARCHIVE_INTERVAL_SECONDS) -> ServiceDefinition:
    """The service; `clock` (aware UTC now) decides what "today" is for reports, forecasts and archives."""

    def register(server, runtime) -> None:
        reports_pb2_grpc.add_ReportsServiceServicer_to_server(ReportsServicer(runtime, clock), server)
        if archive_interval > 0:
            runtime.add_loop("archive", lambda stop: run_archive_job(runtime, clock, archive_interval, stop))

    return ServiceDefinition(
        name="reports",
        grpc_service_name="ezh.reports.v1.ReportsService",
        metadata=store.metadata,
        outbox=store.outbox,
        processed=store.processed,
        revoked=store.revoked,
        register=register,
        handlers=HANDLERS,
        # apply_events has the effect of each event's handler in order (tests/integration/test_reports_mark_totals.py,
        # test_reports_batch_consumer.py): a batch of any of these events is applied at once.
        batch_handlers=dict.fromkeys(HANDLERS, apply_events),
    )


DEFINITION = reports_definition()
