"""The gRPC server every service runs, with its relay, consumer and health.

A service describes itself with a `ServiceDefinition`; `ServiceRuntime`
wires the rest: the error/request-id/logging interceptor, `grpc.health.v1`
(SERVING only while the database and the bus answer), reflection, the
outbox relay thread, the event consumer thread, and a graceful shutdown on
SIGTERM that turns health NOT_SERVING before it stops taking calls.
"""
from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from concurrent import futures
from dataclasses import dataclass, field

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from grpc_status import rpc_status
from kombu import Queue
from opentelemetry.instrumentation.grpc import server_interceptor
from sqlalchemy import MetaData, Table

from services.common import bus
from services.common.consumer import BatchHandler, EventConsumer, Handler
from services.common.database import Database
from services.common.errors import ServiceError, internal_status, to_rpc_status
from services.common.logging_setup import configure_logging
from services.common.metrics import RuntimeCollector, ServiceMetrics
from services.common.outbox import OutboxRelay
from services.common.grpc_client import ServiceClients
from services.common.identity import (
    DatabaseRevocations, bind_identity, identity_from_metadata, reset_identity, revocation_handler,
)
from services.common.request_context import REQUEST_ID_HEADER, bind_request_id, reset_request_id
from services.common.settings import Settings, get_settings
from services.common.tokens import JwksCache, TokenVerifier
from services.common.tracing import configure_tracing

REVOKED_EVENT = "ezh.auth.account.revoked.v1"

log = logging.getLogger(__name__)


class ServiceInterceptor(grpc.ServerInterceptor):
    """Request id, the caller's identity, one log line per call, and `ServiceError` → rich status."""

    def __init__(
        self,
        domain: str,
        verifier: Callable[[], TokenVerifier | None] = lambda: None,
        metrics: ServiceMetrics | None = None,
    ) -> None:
        self.domain = domain
        self.verifier = verifier
        self.metrics = metrics

    def intercept_service(self, continuation, handler_call_details):
        handler = continuation(handler_call_details)
        if handler is None or handler.unary_unary is None:
            return handler
        inner = handler.unary_unary
        method = handler_call_details.method

        def unary_unary(request, context: grpc.ServicerContext):
            metadata = dict(context.invocation_metadata() or ())
            token = bind_request_id(metadata.get(REQUEST_ID_HEADER))
            identity_token = bind_identity(None)
            started = time.perf_counter()
            outcome = "OK"
            try:
                bind_identity(identity_from_metadata(metadata, self.verifier()))
                return inner(request, context)
            except ServiceError as error:
                outcome = error.code.name
                context.abort_with_status(rpc_status.to_status(to_rpc_status(error, self.domain)))
            except Exception:
                if context.code() not in (None, grpc.StatusCode.OK):
                    outcome = context.code().name
                    raise  # the handler aborted the call itself
                outcome = "INTERNAL"
                log.exception("%s failed", method)
                context.abort_with_status(rpc_status.to_status(internal_status(self.domain)))
            finally:
                elapsed = time.perf_counter() - started
                level = logging.DEBUG if method.startswith("/grpc.health") else logging.INFO
                log.log(level, "%s %s %.1fms", method, outcome, elapsed * 1000)
                if self.metrics is not None:
                    self.metrics.observe_rpc(method, outcome, elapsed)
                reset_identity(identity_token)
                reset_request_id(token)

        return grpc.unary_unary_rpc_method_handler(
            unary_unary,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )


@dataclass
class ServiceDefinition:
    """What makes one service: its name, tables, gRPC servicer and event handlers."""

    name: str
    grpc_service_name: str  # e.g. "ezh.auth.v1.AuthService"
    metadata: MetaData
    outbox: Table
    processed: Table
    register: Callable[[grpc.Server, "ServiceRuntime"], None]
    handlers: dict[str, Handler] = field(default_factory=dict)
    # Event types whose consecutive events may be applied together by one call (see consumer.py).
    batch_handlers: dict[str, BatchHandler] = field(default_factory=dict)
    revoked: Table | None = None  # this service's copy of the revocation list
    # How the service verifies access tokens; by default with auth's JWKS.
    verifier_factory: Callable[["ServiceRuntime"], TokenVerifier] | None = None


def verifier_with_auth_jwks(runtime: "ServiceRuntime") -> TokenVerifier:
    """Keys from auth's GetJwks (cached), revocations from the service's own table."""
    from ezh.auth.v1 import auth_pb2, auth_pb2_grpc

    stub = runtime.clients.stub("auth", auth_pb2_grpc.AuthServiceStub)
    keys = JwksCache(lambda: stub.GetJwks(auth_pb2.GetJwksRequest(), timeout=2).jwks_json)
    return TokenVerifier(keys.key, runtime.revocations)


class ServiceRuntime:
    def __init__(self, definition: ServiceDefinition, settings: Settings, address: str | None = None) -> None:
        self.definition = definition
        self.settings = settings
        self.name = definition.name
        configure_tracing(definition.name, settings.otlp_endpoint)
        self.database = Database(settings.database_url(definition.name))
        self.topology = bus.topology_from(settings)
        self.connect_bus = lambda: bus.connect(settings)
        self.relay = OutboxRelay(
            self.database,
            definition.outbox,
            self.topology,
            self.connect_bus,
            batch_size=settings.relay_batch_size,
            interval=settings.relay_interval_seconds,
        )
        self.clients = ServiceClients(settings)
        self.metrics = ServiceMetrics(definition.name)
        self.metrics.registry.register(RuntimeCollector(self))
        self.metrics_port: int | None = None
        self.revocations = DatabaseRevocations(self.database, definition.revoked) if definition.revoked is not None else None
        handlers = dict(definition.handlers)
        if definition.revoked is not None and definition.name in bus.SUBSCRIPTIONS:
            handlers.setdefault(REVOKED_EVENT, revocation_handler(definition.revoked))
        self.consumer = (
            EventConsumer(
                definition.name,
                self.database,
                definition.processed,
                self.topology,
                self.connect_bus,
                handlers,
                metrics=self.metrics,
                batch_size=settings.consumer_batch_size,
                batch_handlers=definition.batch_handlers,
            )
            if handlers
            else None
        )
        self.verifier: TokenVerifier | None = None
        self._loops: list[tuple[str, Callable[[threading.Event], None]]] = []
        self.health = health.HealthServicer()
        self.server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=settings.grpc_max_workers, thread_name_prefix=self.name),
            # Clients re-resolve and spread over new replicas when connections age out.
            options=[("grpc.max_connection_age_ms", 300_000), ("grpc.max_connection_age_grace_ms", 30_000)],
            interceptors=[server_interceptor(), ServiceInterceptor(definition.name, lambda: self.verifier, self.metrics)],
        )
        definition.register(self.server, self)
        if definition.revoked is not None:
            self.verifier = (definition.verifier_factory or verifier_with_auth_jwks)(self)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        reflection.enable_server_reflection(
            (definition.grpc_service_name, health.SERVICE_NAME, reflection.SERVICE_NAME), self.server
        )
        self.port = self.server.add_insecure_port(address or settings.grpc_address(definition.name))
        if not self.port:
            raise RuntimeError(f"{self.name}: cannot listen on {address or settings.grpc_address(self.name)}")
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._bus_probe = None
        self._bus_probe_lock = threading.Lock()
        self._set_health(health_pb2.HealthCheckResponse.NOT_SERVING)
        self.health.set(self.LIVENESS, health_pb2.HealthCheckResponse.SERVING)

    # health -----------------------------------------------------------------
    def _set_health(self, status) -> None:
        self.health.set("", status)
        self.health.set(self.definition.grpc_service_name, status)

    # Liveness is the process alone: a database or bus outage makes the
    # service NOT_SERVING (readiness) but must not get it restarted.
    LIVENESS = "liveness"

    def bus_answers(self) -> bool:
        """A passive queue declare: a real round trip on AMQP and on SQL."""
        with self._bus_probe_lock:  # an AMQP connection is not thread-safe
            return self._probe_bus()

    def _probe_bus(self) -> bool:
        try:
            if self._bus_probe is None:
                self._bus_probe = self.connect_bus()
                self.topology.declare(self._bus_probe.default_channel)
            probe_queue = Queue(self.topology.dead_queue_name(next(iter(bus.SUBSCRIPTIONS))))
            probe_queue(self._bus_probe.default_channel).queue_declare(passive=True)
            return True
        except Exception as error:  # noqa: BLE001 - any failure means "not answering"
            log.warning("%s: bus does not answer: %s", self.name, error)
            if self._bus_probe is not None:
                try:
                    self._bus_probe.release()
                except Exception:  # noqa: BLE001
                    pass
            self._bus_probe = None
            return False

    def queue_depth(self, queue_name: str) -> int | None:
        """Messages waiting in a queue (a passive declare), None if the bus does not answer."""
        try:
            with self.connect_bus() as connection:
                return Queue(queue_name)(connection.default_channel).queue_declare(passive=True).message_count
        except Exception as error:  # noqa: BLE001 - reported as a missing sample
            log.warning("%s: cannot read the depth of %s: %s", self.name, queue_name, error)
            return None

    def check_readiness(self) -> bool:
        ready = self.database.ping() and self.bus_answers()
        self._set_health(
            health_pb2.HealthCheckResponse.SERVING if ready else health_pb2.HealthCheckResponse.NOT_SERVING
        )
        return ready

    def _watch_readiness(self) -> None:
        while not self._stop.is_set():
            self.check_readiness()
            self._stop.wait(self.settings.health_check_interval_seconds)

    # lifecycle --------------------------------------------------------------
    def add_loop(self, name: str, target: Callable[[threading.Event], None]) -> None:
        """A background loop of the service (a sender, a scheduled job), added while the
        service registers; started with the server, it gets the stop event to return on."""
        self._loops.append((name, target))

    def _spawn(self, name: str, target, *args) -> None:
        thread = threading.Thread(target=target, args=args, name=f"{self.name}-{name}", daemon=True)
        thread.start()
        self._threads.append(thread)

    def start(self) -> None:
        self.server.start()
        if self.settings.metrics_address:
            self.metrics_port = self.metrics.serve(self.settings.metrics_address)
        self._spawn("readiness", self._watch_readiness)
        self._spawn("relay", self.relay.run, self._stop)
        if self.consumer is not None:
            self._spawn("consumer", self.consumer.run_until, self._stop)
        for name, target in self._loops:
            self._spawn(name, target, self._stop)
        log.info("%s serving gRPC on port %s", self.name, self.port)

    def stop(self, grace: float | None = None) -> None:
        """Health NOT_SERVING first, then finish calls in flight and stop."""
        self.health.enter_graceful_shutdown()
        if self.settings.shutdown_drain_seconds:
            time.sleep(self.settings.shutdown_drain_seconds)
        self._stop.set()
        grace = self.settings.shutdown_grace_seconds if grace is None else grace
        self.server.stop(grace).wait()
        for thread in self._threads:
            thread.join(timeout=5)
        if self._bus_probe is not None:
            self._bus_probe.release()
        self.clients.close()
        self.metrics.close()
        self.database.dispose()

    def wait(self) -> None:
        self.server.wait_for_termination()


def run_service(definition: ServiceDefinition) -> None:
    """The `python -m services.<name>` entry point."""
    settings = get_settings()
    configure_logging(definition.name, settings.log_level, settings.log_format)
    runtime = ServiceRuntime(definition, settings)
    runtime.start()

    def _terminate(signum, _frame):
        log.info("%s: signal %s, draining", definition.name, signum)
        threading.Thread(target=runtime.stop, daemon=True).start()

    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, _terminate)
    runtime.wait()
    log.info("%s stopped", definition.name)
