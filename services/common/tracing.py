"""OpenTelemetry tracing: gateway → gRPC → services → bus → consumers.

Spans always get ids (so logs can carry the trace id); they are exported
over OTLP only when `EZH_OTLP_ENDPOINT` is set.  Across the bus the W3C
trace context travels in the CloudEvent's `traceparent` attribute (the
CloudEvents distributed-tracing extension), written with the outbox row.
"""
from __future__ import annotations

import threading

from opentelemetry import context, propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

_configured = threading.Lock()
_done = False


def configure_tracing(process: str, otlp_endpoint: str | None = None) -> None:
    """Install the tracer provider once per process."""
    global _done
    with _configured:
        if _done:
            return
        provider = TracerProvider(resource=Resource.create({"service.name": f"ezh-{process}"}))
        if otlp_endpoint:
            from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

            provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=otlp_endpoint)))
        trace.set_tracer_provider(provider)
        _done = True


def tracer(name: str) -> trace.Tracer:
    return trace.get_tracer(name)


def current_traceparent() -> str:
    """The W3C traceparent of the current span, or "" outside any trace."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent", "")


def context_from_traceparent(traceparent: str) -> context.Context:
    return propagate.extract({"traceparent": traceparent} if traceparent else {})


def current_trace_id() -> str | None:
    span_context = trace.get_current_span().get_span_context()
    if not span_context.is_valid:
        return None
    return format(span_context.trace_id, "032x")
