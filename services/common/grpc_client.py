"""gRPC channels to other services; every call carries a deadline.

Channels are created lazily per process (gRPC channels do not survive
`fork()`, so gunicorn workers must not inherit them) and reused.
"""
from __future__ import annotations

import collections
import threading

import grpc
from opentelemetry import propagate

from services.common.request_context import REQUEST_ID_HEADER, current_request_id
from services.common.settings import Settings


class _CallDetails(
    collections.namedtuple(
        "_CallDetails", ("method", "timeout", "metadata", "credentials", "wait_for_ready", "compression")
    ),
    grpc.ClientCallDetails,
):
    pass


class DeadlineAndRequestIdInterceptor(
    grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor
):
    """Sets the default deadline when a call has none; passes the request id and trace context on."""

    def __init__(self, default_timeout: float) -> None:
        self.default_timeout = default_timeout

    def _details(self, details: grpc.ClientCallDetails) -> _CallDetails:
        metadata = list(details.metadata or [])
        request_id = current_request_id()
        if request_id and not any(key == REQUEST_ID_HEADER for key, _ in metadata):
            metadata.append((REQUEST_ID_HEADER, request_id))
        trace_headers: dict[str, str] = {}
        propagate.inject(trace_headers)
        metadata.extend((key, value) for key, value in trace_headers.items() if key not in dict(metadata))
        return _CallDetails(
            details.method,
            details.timeout if details.timeout is not None else self.default_timeout,
            metadata,
            details.credentials,
            getattr(details, "wait_for_ready", None),
            getattr(details, "compression", None),
        )

    def intercept_unary_unary(self, continuation, client_call_details, request):
        return continuation(self._details(client_call_details), request)

    def intercept_unary_stream(self, continuation, client_call_details, request):
        return continuation(self._details(client_call_details), request)


class Channels:
    """One intercepted channel per target address, created on first use."""

    def __init__(self, default_timeout: float) -> None:
        self.default_timeout = default_timeout
        self._channels: dict[str, grpc.Channel] = {}
        self._lock = threading.Lock()

    def get(self, address: str) -> grpc.Channel:
        with self._lock:
            channel = self._channels.get(address)
            if channel is None:
                # round_robin over every address DNS gives (headless Services list each replica).
                raw = grpc.insecure_channel(address, options=[("grpc.lb_policy_name", "round_robin")])
                channel = grpc.intercept_channel(raw, DeadlineAndRequestIdInterceptor(self.default_timeout))
                self._channels[address] = channel
            return channel

    def close(self) -> None:
        with self._lock:
            for channel in self._channels.values():
                channel.close()
            self._channels.clear()


class ServiceClients:
    """Stubs for the ezh services, addressed by the process's settings."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.channels = Channels(settings.grpc_deadline_seconds)

    def channel(self, service: str) -> grpc.Channel:
        return self.channels.get(self.settings.grpc_address(service))

    def stub(self, service: str, stub_class):
        return stub_class(self.channel(service))

    def close(self) -> None:
        self.channels.close()
