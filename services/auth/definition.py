"""How the auth service is assembled.

Auth verifies the access tokens sent to it with its own key ring (no call to
itself) and its own revocation table, which it writes directly.  Tests make a
definition with an injected clock or session lifetimes.
"""
from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Callable

from ezh.auth.v1 import auth_pb2_grpc

from services.auth import rules, store
from services.auth.context import AuthContext
from services.auth.journal_client import ClassDirectory
from services.auth.keys import KeyRing, passphrase_of
from services.auth.server import AuthServicer
from services.auth.throttling import Throttle
from services.common.clock import utc_now
from services.common.grpc_server import ServiceDefinition
from services.common.tokens import TokenVerifier


def make_definition(
    *,
    clock: Callable[[], dt.datetime] = utc_now,
    lifetimes: dict[rules.SessionKind, rules.SessionLifetime] | None = None,
    throttle: Throttle | None = None,
) -> ServiceDefinition:
    contexts: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def context_of(runtime) -> AuthContext:
        if runtime not in contexts:
            revocations = runtime.revocations
            contexts[runtime] = AuthContext(
                database=runtime.database,
                keys=KeyRing(runtime.database, passphrase=passphrase_of(runtime.settings)),
                journal=ClassDirectory(runtime.clients),
                clock=clock,
                wake_relay=runtime.relay.wake,
                forget_revocations=revocations.forget_cache if revocations is not None else (lambda: None),
                lifetimes=dict(lifetimes or rules.SESSION_LIFETIMES),
                throttle=throttle or Throttle(),
            )
        return contexts[runtime]

    def register(server, runtime) -> None:
        auth_pb2_grpc.add_AuthServiceServicer_to_server(AuthServicer(runtime, context_of(runtime)), server)

    def verifier(runtime) -> TokenVerifier:
        return TokenVerifier(context_of(runtime).keys.public_key, runtime.revocations)

    return ServiceDefinition(
        name="auth",
        grpc_service_name="ezh.auth.v1.AuthService",
        metadata=store.metadata,
        outbox=store.outbox,
        processed=store.processed,
        revoked=store.revoked,
        register=register,
        verifier_factory=verifier,
    )


DEFINITION = make_definition()
