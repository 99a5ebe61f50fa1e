"""How the notify service is assembled.

Besides the gRPC servicer and the event handlers, notify runs two loops: the
scheduled jobs (J7 reminders) and the delivery worker that sends due e-mail
(only when an SMTP host is set).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from ezh.notify.v1 import notify_pb2_grpc

from services.common.clock import utc_now
from services.common.grpc_server import ServiceDefinition
from services.notify import store
from services.notify.announcements import announcement_handlers
from services.notify.delivery import DeliveryWorker, channels_from
from services.notify.events import HANDLERS, EventContext, event_handlers
from services.notify.inbox import Channels
from services.notify.mark_batches import mark_batch_handlers
from services.notify.periodic import PeriodicJobs
from services.notify.server import NotifyServicer
from services.notify.staff import STAFF_HANDLERS
from services.notify.subgroups import SUBGROUP_HANDLERS


def notify_definition(clock: Callable[[], dt.datetime] = utc_now, delivery_interval: float = 1.0,
                      jobs_interval: float = 300.0) -> ServiceDefinition:
    """The service; `clock` (aware UTC now) stamps notifications and decides when e-mail is due."""

    def register(server, runtime) -> None:
        channels = channels_from(runtime.settings)
        available = Channels(email="email" in channels)
        notify_pb2_grpc.add_NotifyServiceServicer_to_server(NotifyServicer(runtime, clock, available), server)
        if runtime.consumer is not None:  # the handlers, bound to this process's channels and clock
            context = EventContext(available, clock)
            runtime.consumer.handlers.update({**event_handlers(context), **announcement_handlers(context)})
            runtime.consumer.batch_handlers.update(mark_batch_handlers(context))
        loops = {"jobs": PeriodicJobs(runtime.database, available, clock, interval=jobs_interval)}
        if channels:
            loops["delivery"] = DeliveryWorker(runtime.database, channels, runtime.settings.notify_web_url, clock,
                                               interval=delivery_interval)
            runtime.delivery = loops["delivery"]
        for name, loop in loops.items():
            runtime.add_loop(name, loop.run)

    return ServiceDefinition(
        name="notify",
        grpc_service_name="ezh.notify.v1.NotifyService",
        metadata=store.metadata,
        outbox=store.outbox,
        processed=store.processed,
        revoked=store.revoked,
        register=register,
        handlers={**HANDLERS, **STAFF_HANDLERS, **SUBGROUP_HANDLERS,
                  **announcement_handlers(EventContext(Channels()))},
        batch_handlers=mark_batch_handlers(EventContext(Channels())),
    )


DEFINITION = notify_definition()
