"""The bus topology, declared whole by every process at start.

On kombu's virtual transports (the embedded default) exchange bindings live
in the declaring process: a publisher that has not declared a consumer's
queue routes nothing to it.  So every process declares everything here.

Names: one topic exchange `<ns>.events` (routing key = event type without
`ezh.`), one queue per consuming service `<ns>.<service>.events`, and a
dead-letter queue `<ns>.<service>.dead` behind the direct exchange `<ns>.dead`.
Retries go back to the service's queue through the direct exchange `<ns>.retry`.
`ns` is `ezh` unless a test isolates itself with another namespace.
"""
from __future__ import annotations

from dataclasses import dataclass

from kombu import Connection, Exchange, Queue

from services.common.settings import Settings

DEFAULT_NAMESPACE = "ezh"

# Which events each consuming service listens to (binding keys on the topic exchange).
# Every service but auth keeps the revocation list of access tokens.
REVOCATIONS = "auth.account.revoked.v1"
STAFF_CHANGES = "auth.staff.changed.v1"
SUBSCRIPTIONS: dict[str, tuple[str, ...]] = {
    "journal": (
        "auth.school.created.v1", REVOCATIONS, "schedule.timetable.published.v1", "schedule.lesson.substituted.v1",
        "schedule.lesson.cancelled.v1", "schedule.lesson.moved.v1", "schedule.calendar.changed.v1",
    ),
    "schedule": (REVOCATIONS,),
    "notify": (
        "auth.school.created.v1", REVOCATIONS, STAFF_CHANGES, "journal.class.created.v1", "journal.student.changed.v1",
        "journal.mark.created.v1", "journal.mark.updated.v1", "journal.mark.deleted.v1",
        "journal.absence.recorded.v1", "journal.lesson.changed.v1", "journal.final_mark.set.v1",
        "journal.subgroup.changed.v1", "schedule.lesson.substituted.v1", "schedule.lesson.cancelled.v1", "schedule.lesson.moved.v1",
        "notify.school_event.posted.v1",
    ),
    "reports": (
        "auth.school.created.v1", "journal.class.created.v1", "journal.student.changed.v1",
        "journal.period.changed.v1", "journal.lesson.changed.v1", "journal.mark.created.v1",
        "journal.mark.updated.v1", "journal.mark.deleted.v1", "journal.absence.recorded.v1",
        "journal.final_mark.set.v1", REVOCATIONS, STAFF_CHANGES,
    ),
}


@dataclass(frozen=True)
class Topology:
    namespace: str
    queue_type: str = "classic"
    max_attempts: int = 5

    @property
    def events_exchange(self) -> Exchange:
        return Exchange(f"{self.namespace}.events", type="topic", durable=True)

    @property
    def retry_exchange(self) -> Exchange:
        return Exchange(f"{self.namespace}.retry", type="direct", durable=True)

    @property
    def dead_exchange(self) -> Exchange:
        return Exchange(f"{self.namespace}.dead", type="direct", durable=True)

    def queue_name(self, service: str) -> str:
        return f"{self.namespace}.{service}.events"

    def dead_queue_name(self, service: str) -> str:
        return f"{self.namespace}.{service}.dead"

    def _arguments(self, service: str) -> dict:
        # Broker-side dead-lettering is the backstop for a message that kills
        # its consumer over and over; ordinary failures are counted by the
        # consumer itself (works on every transport).
        arguments = {
            "x-dead-letter-exchange": self.dead_exchange.name,
            "x-dead-letter-routing-key": self.queue_name(service),
        }
        if self.queue_type == "quorum":
            arguments["x-queue-type"] = "quorum"
            arguments["x-delivery-limit"] = self.max_attempts * 2
        return arguments

    def queues(self, service: str) -> list[Queue]:
        """The service's queue once per binding key, plus its retry binding."""
        name = self.queue_name(service)
        arguments = self._arguments(service)
        declared = [
            Queue(name, exchange=self.events_exchange, routing_key=key, durable=True, queue_arguments=arguments)
            for key in SUBSCRIPTIONS[service]
        ]
        declared.append(
            Queue(name, exchange=self.retry_exchange, routing_key=name, durable=True, queue_arguments=arguments)
        )
        return declared

    def dead_queue(self, service: str) -> Queue:
        extra = {"x-queue-type": "quorum"} if self.queue_type == "quorum" else {}
        return Queue(
            self.dead_queue_name(service),
            exchange=self.dead_exchange,
            routing_key=self.queue_name(service),
            durable=True,
            queue_arguments=extra or None,
        )

    def declare(self, channel) -> None:
        """Declare every exchange, queue and binding of the whole system.

        On virtual transports bindings live in the connection that declared
        them, so call this on each connection before publishing or consuming.
        """
        for exchange in (self.events_exchange, self.retry_exchange, self.dead_exchange):
            exchange(channel).declare()
        for service in SUBSCRIPTIONS:
            for queue in self.queues(service):
                queue(channel).declare()
            self.dead_queue(service)(channel).declare()


def topology_from(settings: Settings) -> Topology:
    return Topology(
        namespace=settings.bus_namespace,
        queue_type=settings.broker_queue_type,
        max_attempts=settings.consumer_max_attempts,
    )


def connect(settings: Settings) -> Connection:
    """A connection to the bus: publisher confirms on AMQP, at-least-once on SQL."""
    url = settings.bus_url
    if url.startswith("sqla+"):
        from services.common import embedded_bus

        return embedded_bus.connection(
            url,
            polling_interval=settings.bus_polling_interval_seconds,
            visibility_timeout=settings.bus_visibility_timeout_seconds,
        )
    return Connection(url, transport_options={"confirm_publish": True})
