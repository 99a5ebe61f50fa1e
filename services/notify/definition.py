"""How the notify service is assembled."""
from ezh.notify.v1 import notify_pb2_grpc

from services.common.grpc_server import ServiceDefinition
from services.notify import store
from services.notify.events import HANDLERS
from services.notify.server import NotifyServicer

DEFINITION = ServiceDefinition(
    name="notify",
    grpc_service_name="ezh.notify.v1.NotifyService",
    metadata=store.metadata,
    outbox=store.outbox,
    processed=store.processed,
    revoked=store.revoked,
    register=lambda server, runtime: notify_pb2_grpc.add_NotifyServiceServicer_to_server(
        NotifyServicer(runtime), server
    ),
    handlers=HANDLERS,
)
