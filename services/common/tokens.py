"""Access tokens: EdDSA-signed JWTs, verified locally by every process.

`auth` signs with the newest active key and publishes every key that may
still verify a live token as a JWK Set (RFC 7517).  The gateway and the
services verify locally against a cached JWKS (no call to auth per request)
and check, per RFC 8725: the `alg` (EdDSA only), the `typ` header
(`at+jwt`, RFC 9068), `iss`, `aud`, `exp`, `iat`, `sub` and `jti`.  A token
of an account revoked after the token was issued is refused.
"""
from __future__ import annotations

import dataclasses
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterable

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from jwt.algorithms import OKPAlgorithm

from services.common.roles import Role

ALGORITHM = "EdDSA"
TOKEN_TYPE = "at+jwt"
ISSUER = "ezh-auth"
AUDIENCE = "ezh"
ACCESS_TOKEN_LIFETIME_SECONDS = 15 * 60
REQUIRED_CLAIMS = ("sub", "iss", "aud", "exp", "iat", "jti")


class InvalidToken(Exception):
    """The token must not be trusted; the message says why (for logs)."""


@dataclasses.dataclass(frozen=True)
class RoleGrant:
    role: Role
    school_id: str | None = None
    class_id: str | None = None

    def to_claim(self) -> dict:
        claim = {"role": self.role.value}
        if self.school_id:
            claim["school"] = self.school_id
        if self.class_id:
            claim["class"] = self.class_id
        return claim

    @classmethod
    def from_claim(cls, claim: dict) -> "RoleGrant":
        return cls(Role(claim["role"]), claim.get("school"), claim.get("class"))


@dataclasses.dataclass(frozen=True)
class Identity:
    """Who is calling, as the verified token says."""

    person_id: str
    school_id: str | None
    roles: tuple[RoleGrant, ...]
    token_id: str
    session_id: str | None
    issued_at: float
    expires_at: float

    def has_role(self, *roles: Role) -> bool:
        return any(grant.role in roles for grant in self.roles)

    def role_names(self) -> set[str]:
        return {grant.role.value for grant in self.roles}

    def classes_led(self) -> set[str]:
        """Classes of which the caller is the class teacher."""
        return {grant.class_id for grant in self.roles if grant.role is Role.CLASS_TEACHER and grant.class_id}


@dataclasses.dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: Ed25519PrivateKey

    @classmethod
    def generate(cls) -> "SigningKey":
        return cls(kid=uuid.uuid4().hex, private_key=Ed25519PrivateKey.generate())

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    def public_jwk(self) -> dict:
        jwk = json.loads(OKPAlgorithm.to_jwk(self.public_key))
        jwk.update(kid=self.kid, use="sig", alg=ALGORITHM)
        return jwk


def jwks_json(keys: Iterable[SigningKey]) -> str:
    return json.dumps({"keys": [key.public_jwk() for key in keys]})


def issue_access_token(
    key: SigningKey,
    *,
    person_id: str,
    school_id: str | None,
    roles: Iterable[RoleGrant],
    session_id: str | None = None,
    lifetime: int = ACCESS_TOKEN_LIFETIME_SECONDS,
    now: float | None = None,
) -> tuple[str, dict]:
    """A signed access token and its claims.

    `iat` carries milliseconds (a NumericDate may be non-integer, RFC 7519
    §2) so that a token issued right after a revocation is told apart from
    one issued right before it.
    """
    issued = round(now if now is not None else time.time(), 3)
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": person_id,
        "school": school_id,
        "roles": [grant.to_claim() for grant in roles],
        "iat": issued,
        "exp": int(issued) + lifetime,
        "jti": uuid.uuid4().hex,
    }
    if session_id:
        claims["sid"] = session_id
    token = jwt.encode(claims, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid, "typ": TOKEN_TYPE})
    return token, claims


class JwksCache:
    """Public keys by kid, fetched from auth and refreshed when stale or unknown."""

    def __init__(self, fetch: Callable[[], str], ttl: float = 300.0, min_refetch_interval: float = 5.0) -> None:
        self._fetch = fetch
        self.ttl = ttl
        self.min_refetch_interval = min_refetch_interval
        self._keys: dict[str, Ed25519PublicKey] = {}
        self._fetched_at = 0.0
        self._lock = threading.Lock()

    def _refresh(self) -> None:
        document = json.loads(self._fetch())
        keys = {}
        for jwk in document.get("keys", []):
            if jwk.get("alg", ALGORITHM) == ALGORITHM and jwk.get("kty") == "OKP":
                keys[jwk["kid"]] = OKPAlgorithm.from_jwk(json.dumps(jwk))
        self._keys = keys
        self._fetched_at = time.monotonic()

    def key(self, kid: str) -> Ed25519PublicKey:
        with self._lock:
            age = time.monotonic() - self._fetched_at
            if age > self.ttl or (kid not in self._keys and age > self.min_refetch_interval):
                try:
                    self._refresh()
                except Exception as error:  # noqa: BLE001 - keep serving with the keys we have
                    if not self._keys:
                        raise InvalidToken(f"cannot fetch JWKS: {error}") from error
            if kid not in self._keys:
                raise InvalidToken(f"unknown key id {kid!r}")
            return self._keys[kid]


class Revocations:
    """Person id → time after which their tokens are valid again (iat must be later)."""

    def __init__(self) -> None:
        self._revoked: dict[str, float] = {}
        self._lock = threading.Lock()

    def revoke(self, person_id: str, revoked_at: float) -> None:
        with self._lock:
            self._revoked[person_id] = max(revoked_at, self._revoked.get(person_id, 0.0))

    def replace(self, entries: dict[str, float]) -> None:
        with self._lock:
            self._revoked = dict(entries)

    def revoked_after(self, person_id: str, issued_at: float) -> bool:
        with self._lock:
            return issued_at < self._revoked.get(person_id, 0.0)


class TokenVerifier:
    def __init__(
        self,
        key_for: Callable[[str], Ed25519PublicKey],
        revocations: Revocations | None = None,
        *,
        issuer: str = ISSUER,
        audience: str = AUDIENCE,
        leeway: float = 5.0,
    ) -> None:
        self._key_for = key_for
        self.revocations = revocations or Revocations()
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway

    def verify(self, token: str) -> Identity:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise InvalidToken(f"malformed token: {error}") from error
        if header.get("alg") != ALGORITHM:
            raise InvalidToken(f"algorithm {header.get('alg')!r} is not accepted")
        if header.get("typ") != TOKEN_TYPE:
            raise InvalidToken(f"token type {header.get('typ')!r} is not an access token")
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise InvalidToken("token has no key id")
        try:
            claims = jwt.decode(
                token,
                self._key_for(kid),
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": list(REQUIRED_CLAIMS)},
            )
        except jwt.PyJWTError as error:
            raise InvalidToken(str(error)) from error
        try:
            roles = tuple(RoleGrant.from_claim(claim) for claim in claims.get("roles", []))
        except (KeyError, ValueError, TypeError) as error:
            raise InvalidToken(f"bad roles claim: {error}") from error
        identity = Identity(
            person_id=claims["sub"],
            school_id=claims.get("school"),
            roles=roles,
            token_id=claims["jti"],
            session_id=claims.get("sid"),
            issued_at=float(claims["iat"]),
            expires_at=float(claims["exp"]),
        )
        if self.revocations.revoked_after(identity.person_id, identity.issued_at):
            raise InvalidToken("the account's tokens were revoked")
        return identity
