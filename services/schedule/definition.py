"""How the schedule service is assembled."""
from ezh.schedule.v1 import schedule_pb2_grpc

from services.common.grpc_server import ServiceDefinition
from services.schedule import store
from services.schedule.server import ScheduleServicer

DEFINITION = ServiceDefinition(
    name="schedule",
    grpc_service_name="ezh.schedule.v1.ScheduleService",
    metadata=store.metadata,
    outbox=store.outbox,
    processed=store.processed,
    revoked=store.revoked,
    register=lambda server, runtime: schedule_pb2_grpc.add_ScheduleServiceServicer_to_server(
        ScheduleServicer(runtime), server
    ),
)
