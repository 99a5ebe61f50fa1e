"""How the journal service is assembled."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from ezh.journal.v1 import journal_pb2_grpc, records_pb2_grpc

from services.common.clock import utc_now
from services.common.grpc_server import ServiceDefinition
from services.journal import store
from services.journal.events import HANDLERS
from services.journal.records_server import JournalRecordsServicer
from services.journal.server import JournalServicer


def journal_definition(clock: Callable[[], dt.datetime] = utc_now) -> ServiceDefinition:
    """The service; `clock` (aware UTC now) decides what "today" and "24 hours ago" are."""
    return ServiceDefinition(
        name="journal",
        grpc_service_name="ezh.journal.v1.JournalService",
        metadata=store.metadata,
        outbox=store.outbox,
        processed=store.processed,
        revoked=store.revoked,
        register=lambda server, runtime: (
            journal_pb2_grpc.add_JournalServiceServicer_to_server(JournalServicer(runtime, clock), server),
            records_pb2_grpc.add_JournalRecordsServiceServicer_to_server(JournalRecordsServicer(runtime, clock),
                                                                        server),
        ),
        handlers=HANDLERS,
    )


DEFINITION = journal_definition()
