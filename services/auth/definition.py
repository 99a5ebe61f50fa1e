"""How the auth service is assembled."""
from ezh.auth.v1 import auth_pb2_grpc

from services.auth import store
from services.auth.server import AuthServicer
from services.common.grpc_server import ServiceDefinition

DEFINITION = ServiceDefinition(
    name="auth",
    grpc_service_name="ezh.auth.v1.AuthService",
    metadata=store.metadata,
    outbox=store.outbox,
    processed=store.processed,
    revoked=store.revoked,
    register=lambda server, runtime: auth_pb2_grpc.add_AuthServiceServicer_to_server(AuthServicer(runtime), server),
)
