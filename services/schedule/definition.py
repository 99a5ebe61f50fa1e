"""How the schedule service is assembled."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from ezh.schedule.v1 import schedule_pb2_grpc

from services.common.clock import utc_now
from services.common.grpc_server import ServiceDefinition
from services.schedule import store
from services.schedule.server import ScheduleServicer


def schedule_definition(clock: Callable[[], dt.datetime] = utc_now) -> ServiceDefinition:
    """The service; `clock` (aware UTC now) decides what "today" is for calendar feeds."""
    return ServiceDefinition(
        name="schedule",
        grpc_service_name="ezh.schedule.v1.ScheduleService",
        metadata=store.metadata,
        outbox=store.outbox,
        processed=store.processed,
        revoked=store.revoked,
        register=lambda server, runtime: schedule_pb2_grpc.add_ScheduleServiceServicer_to_server(
            ScheduleServicer(runtime, clock), server
        ),
    )


DEFINITION = schedule_definition()
