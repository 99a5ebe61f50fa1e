"""`/.well-known/jwks.json`: the public keys that verify access tokens.

Published by auth (`GetJwks`) and served here so that API clients and
other parties can verify ezh's tokens; cached for a minute per process
(a key is published before it signs, so a minute-old copy is enough).
"""
from __future__ import annotations

from ezh.auth.v1 import auth_pb2, auth_pb2_grpc
from flask import Response, current_app
from flask_openapi3 import Tag
from pydantic import BaseModel, Field

from gateway.access import allow_anonymous
from gateway.openapi import GatewayOpenAPI, problem_response
from gateway.services import call
from gateway.tokens import JwksDocument

JWKS_PATH = "/.well-known/jwks.json"
JWKS_MEDIA_TYPE = "application/jwk-set+json"
JWKS_MAX_AGE_SECONDS = 60
EXTENSION_KEY = "ezh_jwks"


class JwkSet(BaseModel):
    """A JWK Set (RFC 7517): Ed25519 public keys (`kty` OKP, `alg` EdDSA) by `kid`."""

    keys: list[dict] = Field(examples=[[{"kty": "OKP", "crv": "Ed25519", "x": "…", "kid": "…", "alg": "EdDSA"}]])


def add_jwks_route(app: GatewayOpenAPI) -> None:
    app.extensions[EXTENSION_KEY] = JwksDocument(_fetch_from_auth, max_age=JWKS_MAX_AGE_SECONDS)

    @app.get(
        JWKS_PATH, operation_id="jwks", tags=[Tag(name="auth")],
        responses={200: JwkSet, 503: problem_response("The auth service does not answer")},
    )
    @allow_anonymous
    def jwks():
        """The public keys that verify ezh's access tokens."""
        document = current_app.extensions[EXTENSION_KEY].get()
        return Response(
            document, mimetype=JWKS_MEDIA_TYPE,
            headers={"Cache-Control": f"public, max-age={JWKS_MAX_AGE_SECONDS}"},
        )


def _fetch_from_auth() -> str:
    # Within a request: `call` maps a failure to a problem (503 when auth is away).
    return call("auth", auth_pb2_grpc.AuthServiceStub, "GetJwks", auth_pb2.GetJwksRequest()).jwks_json
