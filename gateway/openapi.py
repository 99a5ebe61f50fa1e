"""The OpenAPI 3.1 document, generated from the routes' declarations.

flask-openapi3 documents a request validation error as a JSON array of its
own error model. The gateway answers it as one problem document instead, so
the generated operations are corrected here: the validation status (only
where there is something to validate) and `default` describe
`application/problem+json` with the `Problem` schema.
"""
from __future__ import annotations

import threading
from typing import Any

from flask_openapi3 import OpenAPI
from flask_openapi3.models import OPENAPI3_REF_PREFIX
from flask_openapi3.utils import HTTP_STATUS

from gateway.problems import PROBLEM_MEDIA_TYPE, Problem


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
