"""The gateway's token verifier: keys and revocations from the auth service.

Access tokens are verified locally (`services.common.tokens.TokenVerifier`),
with no call to auth per request:

- **Keys**: auth's `GetJwks`, cached by `JwksCache` (refetched when stale
  or when a token names a key id not seen yet, at most every few seconds).
- **Revocations**: the services get revocations pushed over the bus into
  their own tables. The gateway has no database, so it polls auth's
  `ListRevokedAccounts` instead, at most every `REVOCATIONS_MAX_AGE_SECONDS`:
  a blocked account's tokens are refused by the gateway within that time.
  If auth does not answer, the last list is kept (and the poll retried after
  the same interval); before any list was ever read, requests that need a
  token are answered 503.

Nothing here connects when built: the first verification opens the channel,
in the process that makes it (a gunicorn worker, after fork).
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import grpc
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ezh.auth.v1 import auth_pb2, auth_pb2_grpc
from gateway.problems import ProblemError
from gateway.services import Backends
from services.common.tokens import InvalidToken, JwksCache, Revocations, TokenVerifier

log = logging.getLogger(__name__)

REVOCATIONS_MAX_AGE_SECONDS = 5.0
KEYS_MAX_AGE_SECONDS = 300.0
FETCH_DEADLINE_SECONDS = 2.0


class AuthUnavailable(ProblemError):
    """The keys or the revocation list could not be read from auth yet."""

    def __init__(self) -> None:
        super().__init__(
            503,
            "Проверка входа временно недоступна. Повторите попытку позже.",
            reason="AUTH_UNAVAILABLE",
            headers={"Retry-After": "5"},
        )


class PolledRevocations:
    """The revocation list, read with `fetch` at most every `max_age` seconds."""

    def __init__(self, fetch: Callable[[], dict[str, float]], max_age: float = REVOCATIONS_MAX_AGE_SECONDS) -> None:
        self._fetch = fetch
        self.max_age = max_age
        self._revocations = Revocations()
        self._loaded = False
        self._next_poll = float("-inf")
        self._lock = threading.Lock()

    def _poll_if_due(self) -> None:
        with self._lock:
            now = time.monotonic()
            if now < self._next_poll:
                return
            self._next_poll = now + self.max_age
            try:
                entries = self._fetch()
            except Exception as error:  # noqa: BLE001 - keep the last list; refuse only if there is none
                if self._loaded:
                    log.warning("cannot refresh the revocation list, keeping the last one: %s", error)
                    return
                log.warning("cannot read the revocation list: %s", error)
                self._next_poll = float("-inf")  # retry on the next request
                raise AuthUnavailable() from error
            self._revocations.replace(entries)
            self._loaded = True

    def revoked_after(self, person_id: str, issued_at: float) -> bool:
        self._poll_if_due()
        return self._revocations.revoked_after(person_id, issued_at)


class _KeysUnreachable(Exception):
    pass


def auth_verifier(backends: Backends) -> TokenVerifier:
    """A verifier whose keys and revocations come from the auth service."""

    def stub():
        return backends.stub("auth", auth_pb2_grpc.AuthServiceStub)

    def fetch_jwks() -> str:
        try:
            return stub().GetJwks(auth_pb2.GetJwksRequest(), timeout=FETCH_DEADLINE_SECONDS).jwks_json
        except grpc.RpcError as error:
            raise _KeysUnreachable(f"{error.code().name}: {error.details()}") from error

    def fetch_revocations() -> dict[str, float]:
        reply = stub().ListRevokedAccounts(auth_pb2.ListRevokedAccountsRequest(), timeout=FETCH_DEADLINE_SECONDS)
        return {
            account.person_id: account.revoke_time.seconds + account.revoke_time.nanos / 1e9
            for account in reply.accounts
        }

    keys = JwksCache(fetch_jwks, ttl=KEYS_MAX_AGE_SECONDS)

    def key_for(kid: str) -> Ed25519PublicKey:
        try:
            return keys.key(kid)
        except InvalidToken as error:
            # Without any key yet, auth being away is not the token's fault.
            if isinstance(error.__cause__, _KeysUnreachable):
                raise AuthUnavailable() from error
            raise

    return TokenVerifier(key_for, PolledRevocations(fetch_revocations))  # type: ignore[arg-type]


class JwksDocument:
    """Auth's JWK Set as published at `/.well-known/jwks.json`, cached briefly.

    A stale copy is served while auth does not answer; without any copy the
    fetch's error propagates.
    """

    def __init__(self, fetch: Callable[[], str], max_age: float = 60.0) -> None:
        self._fetch = fetch
        self.max_age = max_age
        self._document: str | None = None
        self._fetched_at = float("-inf")
        self._lock = threading.Lock()

    def get(self) -> str:
        with self._lock:
            if time.monotonic() - self._fetched_at > self.max_age:
                try:
                    self._document = self._fetch()
                    self._fetched_at = time.monotonic()
                except Exception:
                    if self._document is None:
                        raise
                    log.warning("serving a stale JWKS: auth does not answer", exc_info=True)
                    # Try again in a few seconds, not on every request.
                    self._fetched_at = time.monotonic() - self.max_age + min(self.max_age, 5.0)
            assert self._document is not None
            return self._document
