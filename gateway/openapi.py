"""The OpenAPI 3.1 document, generated from the routes' declarations.

flask-openapi3 documents a request validation error as a JSON array of its
own error model. The gateway answers it as one problem document instead, so
the generated operations are corrected here: the validation status (only
where there is something to validate) and `default` describe
`application/problem+json` with the `Problem` schema.

Who may call each operation comes from its role declaration
(`gateway.access`): `x-roles` lists the roles (or `anonymous`, or
`signed_in` for any signed-in person), the description says it in words,
`security` names the two ways to present an access token (the `bearer`
header or the `cookie` of the web client), and 401/403 are documented
where they can happen.
"""
from __future__ import annotations

import datetime as dt
import threading
from typing import Annotated, Any

from flask_openapi3 import OpenAPI
from pydantic import WithJsonSchema
from flask_openapi3.models import OPENAPI3_REF_PREFIX
from flask_openapi3.utils import HTTP_STATUS, parse_rule

from gateway.access import access_of
from gateway.problems import PROBLEM_MEDIA_TYPE, Problem
from gateway.web_session import ACCESS_COOKIE, CSRF_COOKIE, CSRF_HEADER

# A calendar day in a request ("2026-11-30"): an ISO date, never longer than 10 characters.
Day = Annotated[dt.date, WithJsonSchema({"type": "string", "format": "date", "maxLength": 10})]

SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "The access token from /api/v1/auth/login, as `Authorization: Bearer <token>`",
    },
    "cookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": ACCESS_COOKIE,
        "description": (
            f"The web client's HttpOnly cookie, set by sign-in with `\"cookie\": true`. Unsafe methods "
            f"(POST, PUT, PATCH, DELETE) must repeat the `{CSRF_COOKIE}` cookie in the `{CSRF_HEADER}` header."
        ),
    },
}
SIGNED_IN_SECURITY = [{"bearer": []}, {"cookie": []}]


def problem_response(description: str) -> dict[str, Any]:
    """An OpenAPI response of problem+json, for a route's `responses={404: ...}`."""
    return {
        "description": description,
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": f"{OPENAPI3_REF_PREFIX}/{Problem.__name__}"}}},
    }


class GatewayOpenAPI(OpenAPI):
    """`OpenAPI` whose document describes errors as the gateway sends them."""

    def __init__(self, import_name: str, **kwargs: Any) -> None:
        kwargs.setdefault("validation_error_model", Problem)
        super().__init__(import_name, **kwargs)
        self._doc_lock = threading.Lock()

    @property
    def api_doc(self) -> dict:
        # Built on the first request for it; gthread workers may ask at once.
        with self._doc_lock:
            return super().api_doc

    def generate_spec_json(self) -> None:
        super().generate_spec_json()
        status = self.validation_error_status
        generated = {
            "description": HTTP_STATUS[status],
            "content": {
                "application/json": {
                    "schema": {
                        "type": "array",
                        "items": {"$ref": f"{OPENAPI3_REF_PREFIX}/{self.validation_error_model.__name__}"},
                    }
                }
            },
        }
        for path_item in self.spec_json.get("paths", {}).values():
            for operation in path_item.values():
                responses = operation.setdefault("responses", {})
                if responses.get(status) == generated:
                    if operation.get("parameters") or operation.get("requestBody"):
                        responses[status] = problem_response("Invalid request: each bad field is named")
                    else:
                        del responses[status]  # nothing to validate
                responses.setdefault("default", problem_response("Error"))
        self.spec_json.setdefault("components", {})["securitySchemes"] = SECURITY_SCHEMES
        document_access(self, self.spec_json)


def document_access(app: OpenAPI, spec: dict) -> None:
    """Write each operation's role declaration into the document."""
    paths = spec.get("paths", {})
    for rule in app.url_map.iter_rules():
        access = access_of(app.view_functions.get(rule.endpoint))
        path_item = paths.get(parse_rule(rule.rule))
        if access is None or path_item is None:
            continue
        for method in rule.methods or ():
            operation = path_item.get(method.lower())
            if operation is None:
                continue
            operation["x-roles"] = access.role_names()
            line = f"Access: {access.describe()}."
            description = operation.get("description")
            operation["description"] = f"{description}\n\n{line}" if description else line
            responses = operation.setdefault("responses", {})
            if access.anonymous:
                operation["security"] = []
                continue
            operation["security"] = SIGNED_IN_SECURITY
            responses.setdefault("401", problem_response("No valid access token"))
            responses.setdefault(
                "403", problem_response("The caller's roles do not allow it, or the CSRF header is missing")
            )
