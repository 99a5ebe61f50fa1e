"""How the reports service is assembled."""
from ezh.reports.v1 import reports_pb2_grpc

from services.common.grpc_server import ServiceDefinition
from services.reports import store
from services.reports.events import HANDLERS
from services.reports.server import ReportsServicer

DEFINITION = ServiceDefinition(
    name="reports",
    grpc_service_name="ezh.reports.v1.ReportsService",
    metadata=store.metadata,
    outbox=store.outbox,
    processed=store.processed,
    revoked=store.revoked,
    register=lambda server, runtime: reports_pb2_grpc.add_ReportsServiceServicer_to_server(
        ReportsServicer(runtime), server
    ),
    handlers=HANDLERS,
)
