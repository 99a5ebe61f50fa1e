"""The keys that sign access tokens, kept in auth's database.

A key ring holds every key that may still verify a live token.  Auth signs
with the newest key whose `activate_time` has passed and publishes every key
not yet retired (GetJwks), so during a rotation two keys are published: the
new one before it signs anything (verifiers' JWKS caches pick it up during
the publish delay), the old one until the last token it signed has expired.

    python -m services.auth rotate-keys      # starts signing with a new key in 10 minutes

The private keys sit in auth's database as PKCS#8 PEM, encrypted with
`EZH_AUTH_KEY_PASSPHRASE` when it is set (the district sets it from a
Secret), so that a copy of the database alone cannot sign tokens.  Without
it (the embedded default) they are stored unencrypted.
"""
from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import delete, select, update

from services.auth import store
from services.common.clock import as_utc, utc_now
from services.common.database import Database
from services.common.tokens import ACCESS_TOKEN_LIFETIME_SECONDS, InvalidToken, SigningKey, jwks_json

# Longer than the JWKS cache of the verifiers (300 s), so every verifier knows
# a new key before the first token signed with it arrives.
DEFAULT_PUBLISH_DELAY = dt.timedelta(minutes=10)
# A retired key still verifies the tokens it signed: their lifetime plus the
# verifiers' clock leeway.
DEFAULT_RETIRE_AFTER = dt.timedelta(seconds=ACCESS_TOKEN_LIFETIME_SECONDS + 60)


@dataclass(frozen=True)
class StoredKey:
    key: SigningKey
    activate_time: dt.datetime
    retire_time: dt.datetime | None

    def published(self, now: dt.datetime) -> bool:
        return self.retire_time is None or self.retire_time > now

    def signs(self, now: dt.datetime) -> bool:
        return self.activate_time <= now and self.published(now)


def _pem(key: Ed25519PrivateKey, passphrase: str | None) -> str:
    encryption = (
        serialization.BestAvailableEncryption(passphrase.encode()) if passphrase else serialization.NoEncryption()
    )
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption).decode()


def _load(pem: str, passphrase: str | None) -> Ed25519PrivateKey:
    encrypted = "ENCRYPTED PRIVATE KEY" in pem
    if encrypted and not passphrase:
        raise RuntimeError("the signing keys are encrypted: set EZH_AUTH_KEY_PASSPHRASE")
    key = serialization.load_pem_private_key(pem.encode(), password=passphrase.encode() if encrypted else None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("signing keys are Ed25519")
    return key


class KeyRing:
    """Auth's signing keys, read from its database and cached for a few seconds."""

    def __init__(
        self,
        database: Database,
        *,
        clock: Callable[[], dt.datetime] = utc_now,
        cache_seconds: float = 2.0,
        passphrase: str | None = None,
    ) -> None:
        self.database = database
        self.passphrase = passphrase
        self.clock = clock
        self.cache_seconds = cache_seconds
        self._keys: list[StoredKey] = []
        self._loaded_at = float("-inf")
        self._lock = threading.Lock()

    # reading -----------------------------------------------------------------
    def _read(self) -> list[StoredKey]:
        with self.database.session() as session:
            rows = session.execute(select(store.signing_key).order_by(store.signing_key.c.activate_time)).all()
        return [
            StoredKey(
                SigningKey(row.kid, _load(row.private_key_pem, self.passphrase)),
                as_utc(row.activate_time),
                as_utc(row.retire_time),
            )
            for row in rows
        ]

    def _current(self, *, reload: bool = False) -> list[StoredKey]:
        with self._lock:
            if reload or time.monotonic() - self._loaded_at > self.cache_seconds:
                self._keys = self._read()
                self._loaded_at = time.monotonic()
            return self._keys

    def forget_cache(self) -> None:
        with self._lock:
            self._loaded_at = float("-inf")

    # signing and publishing ---------------------------------------------------
    def signing_key(self) -> SigningKey:
        """The newest active key; the first one is made on first use.

        Making it writes in a transaction of its own: call this once before
        opening a transaction that signs tokens (SQLite has one writer).
        """
        now = self.clock()
        active = [stored for stored in self._current() if stored.signs(now)]
        if not active:
            active = [stored for stored in self._current(reload=True) if stored.signs(now)]
        if not active:
            self._add(now, activate_time=now)
            active = [stored for stored in self._current(reload=True) if stored.signs(now)]
        return max(active, key=lambda stored: stored.activate_time).key

    def published_keys(self) -> list[SigningKey]:
        now = self.clock()
        keys = self._current()
        if not keys:
            self.signing_key()
            keys = self._current(reload=True)
        return [stored.key for stored in keys if stored.published(now)]

    def jwks(self) -> str:
        return jwks_json(self.published_keys())

    def public_key(self, kid: str) -> Ed25519PublicKey:
        """For auth's own verifier: a published key by id (reloaded once if unknown)."""
        now = self.clock()
        found = _find(self._current(), kid, now)
        # A token with an unknown key id reloads the ring at most once a second.
        if found is None and time.monotonic() - self._loaded_at > 1.0:
            found = _find(self._current(reload=True), kid, now)
        if found is None:
            raise InvalidToken(f"unknown key id {kid!r}")
        return found.key.public_key

    # rotation -----------------------------------------------------------------
    def _add(self, now: dt.datetime, *, activate_time: dt.datetime) -> SigningKey:
        key = SigningKey.generate()
        with self.database.transaction() as session:
            session.execute(
                store.signing_key.insert().values(
                    kid=key.kid, private_key_pem=_pem(key.private_key, self.passphrase), create_time=now,
                    activate_time=activate_time, retire_time=None,
                )
            )
        return key

    def rotate(
        self,
        *,
        publish_delay: dt.timedelta = DEFAULT_PUBLISH_DELAY,
        retire_after: dt.timedelta = DEFAULT_RETIRE_AFTER,
    ) -> SigningKey:
        """Add a key that signs from `publish_delay` on; retire the older keys
        `retire_after` later, when the last token they signed has expired.
        Keys retired before now are deleted."""
        now = self.clock()
        activate = now + publish_delay
        retire = activate + retire_after
        key = SigningKey.generate()
        with self.database.transaction() as session:
            table = store.signing_key
            session.execute(delete(table).where(table.c.retire_time.is_not(None), table.c.retire_time <= now))
            for row in session.execute(select(table.c.kid, table.c.retire_time)).all():
                if row.retire_time is None or as_utc(row.retire_time) > retire:
                    session.execute(update(table).where(table.c.kid == row.kid).values(retire_time=retire))
            session.execute(
                table.insert().values(
                    kid=key.kid, private_key_pem=_pem(key.private_key, self.passphrase), create_time=now,
                    activate_time=activate, retire_time=None,
                )
            )
        self.forget_cache()
        return key


def _find(keys: list[StoredKey], kid: str, now: dt.datetime) -> StoredKey | None:
    return next((stored for stored in keys if stored.key.kid == kid and stored.published(now)), None)


def passphrase_of(settings) -> str | None:
    secret = settings.auth_key_passphrase
    return secret.get_secret_value() if secret is not None else None
