"""Calling the ezh services from a route.

    from ezh.journal.v1 import journal_pb2, journal_pb2_grpc
    from gateway.services import call

    reply = call("journal", journal_pb2_grpc.JournalServiceStub, "ListClasses",
                 journal_pb2.ListClassesRequest(school_id=query.school_id))

A failed call raises `ProblemError` (mapped as `gateway.problems` describes),
which the app answers as problem+json; the route needs no try/except.

Every call made while serving a request carries the caller's credentials
and origin (`gateway.access.caller_metadata`): the access token as
`authorization: Bearer <jwt>` on signed-in routes, and where the request
came from (`x-client-address`, `x-client-user-agent`). The service verifies
the token itself and decides by object.
"""
from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import grpc
from flask import Flask, current_app, has_request_context

from gateway.access import caller_metadata
from gateway.problems import problem_from_rpc_error
from services.common.grpc_client import ServiceClients
from services.common.settings import Settings

EXTENSION_KEY = "ezh"


class Backends:
    """The app's settings and service clients, with one stub per service and class.

    Nothing here connects: channels open on the first call, in the process
    that makes it (a gunicorn worker, after fork).
    """

    def __init__(self, settings: Settings, clients: ServiceClients) -> None:
        self.settings = settings
        self.clients = clients
        self._stubs: dict[tuple[str, type], Any] = {}
        self._lock = threading.Lock()

    def stub(self, service: str, stub_class: type) -> Any:
        key = (service, stub_class)
        with self._lock:
            stub = self._stubs.get(key)
            if stub is None:
                stub = self._stubs[key] = self.clients.stub(service, stub_class)
            return stub


def install(app: Flask, backends: Backends) -> None:
    app.extensions[EXTENSION_KEY] = backends


def backends() -> Backends:
    """The current app's `Backends`."""
    return current_app.extensions[EXTENSION_KEY]


def call(
    service: str,
    stub_class: type,
    method_name: str,
    request: Any,
    *,
    timeout: float | None = None,
    metadata: Sequence[tuple[str, str]] | None = None,
) -> Any:
    """Call `service`'s unary `method_name`; a gRPC error becomes a `ProblemError`.

    Without `timeout` the call gets the default deadline from the settings;
    the request id is passed on by the channel; the caller's metadata is
    added unless `metadata` already sets the same keys.
    """
    method = getattr(backends().stub(service, stub_class), method_name)
    sent = list(metadata or ())
    if has_request_context():
        given = {key for key, _ in sent}
        sent.extend((key, value) for key, value in caller_metadata() if key not in given)
    try:
        return method(request, timeout=timeout, metadata=tuple(sent))
    except grpc.RpcError as error:
        raise problem_from_rpc_error(error, service) from error
