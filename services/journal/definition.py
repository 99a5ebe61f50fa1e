"""How the journal service is assembled."""
from ezh.journal.v1 import journal_pb2_grpc

from services.common.grpc_server import ServiceDefinition
from services.journal import store
from services.journal.events import HANDLERS
from services.journal.server import JournalServicer

DEFINITION = ServiceDefinition(
    name="journal",
    grpc_service_name="ezh.journal.v1.JournalService",
    metadata=store.metadata,
    outbox=store.outbox,
    processed=store.processed,
    revoked=store.revoked,
    register=lambda server, runtime: journal_pb2_grpc.add_JournalServiceServicer_to_server(
        JournalServicer(runtime), server
    ),
    handlers=HANDLERS,
)
