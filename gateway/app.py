"""The gateway's Flask app: REST JSON under `/api/v1`, described by OpenAPI 3.1.

Run it with gunicorn (see `gateway/gunicorn.conf.py`)::

    gunicorn -c gateway/gunicorn.conf.py 'gateway.app:create_app()'

A resource is an `APIBlueprint` listed in `RESOURCES`; it is mounted under
`/api/v1`. Its routes declare their inputs as pydantic models in the view's
signature (`path`, `query`, `body`, `header`) and their answers in
`responses=`; that declaration is what flask-openapi3 validates requests
against and what it writes into `/api/v1/openapi.json`. A bad input is
answered 400 naming the field before the view runs; a failed `call` is
answered as `gateway.problems` maps it.

Every route also declares who may call it (`gateway.access`), directly above
the function; `create_app` refuses to build an app with a route that does
not. The view gets the caller's verified identity from `caller()`, and
`call` passes the caller's token on to the service::

    # gateway/marks.py
    from flask_openapi3 import APIBlueprint, Tag
    from gateway.access import allow, caller
    from gateway.openapi import problem_response
    from gateway.services import call
    from services.common.roles import Role

    marks = APIBlueprint("marks", __name__, url_prefix="/marks", abp_tags=[Tag(name="marks")])

    @marks.post("", responses={201: MarkOut, 422: problem_response("A rule forbids the mark")})
    @allow(Role.SUBJECT_TEACHER)
    def create_mark(body: NewMark):
        '''Put a mark.'''
        reply = call("journal", JournalServiceStub, "CreateMark", body.to_proto())
        return MarkOut.from_proto(reply.mark).model_dump(mode="json"), 201

and add `marks` to `RESOURCES` here. `python -m gateway.route_table`
prints the table of routes and roles that the README shows.
"""
from __future__ import annotations

import logging
import re

import grpc
from flask import Flask, g, jsonify, request
from flask_openapi3 import APIBlueprint, Info, Tag
from werkzeug.exceptions import BadRequest, HTTPException
from opentelemetry.instrumentation.flask import FlaskInstrumentor
from werkzeug.middleware.proxy_fix import ProxyFix

from gateway import access
from gateway.account import account
from gateway.activation import activation
from gateway.health import READINESS_DEADLINE_SECONDS, Liveness, Readiness, check_readiness
from gateway.journal import journal
from gateway.reports import reports
from gateway.journal_records import journal_records
from gateway.messages import messages
from gateway.notify import notify
from gateway.school_events import school_events
from gateway.jwks import add_jwks_route
from gateway.web import add_web_routes
from gateway import metrics
from gateway.openapi import GatewayOpenAPI
from gateway.problems import ProblemError, problem_from_http_exception, problem_from_rpc_error
from gateway.schedule import schedule
from gateway.schools import schools
from gateway.services import Backends, backends, install
from gateway.sign_in import sign_in
from gateway.staff import staff
from gateway.tokens import auth_verifier
from gateway.validation import validation_error_response
from services.common.grpc_client import ServiceClients
from services.common.request_context import bind_request_id, current_request_id, reset_request_id
from services.common.settings import Settings, get_settings
from services.common.tracing import configure_tracing
from services.common.tokens import TokenVerifier

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
OPENAPI_PATH = f"{API_PREFIX}/openapi.json"
REQUEST_ID_HTTP_HEADER = "X-Request-ID"

# Resource blueprints mounted under API_PREFIX.
RESOURCES: tuple[APIBlueprint, ...] = (sign_in, account, schools, staff, activation, journal, journal_records, notify, messages, school_events, schedule,
                                        reports)

# An incoming request id is reused only if it is short and printable: it is
# echoed in a header, written to logs and sent on as gRPC metadata.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")

_HEALTH_TAG = Tag(name="health", description="Probes for the orchestrator")


def create_app(
    settings: Settings | None = None,
    clients: ServiceClients | None = None,
    verifier: TokenVerifier | None = None,
) -> Flask:
    """Build the gateway app. Opens no connection: gRPC channels open on first use.

    `verifier` checks access tokens; by default its keys and revocation list
    come from the auth service (`gateway.tokens.auth_verifier`), read on the
    first request that needs them. Raises `gateway.access.UndeclaredRoutes`
    if a route does not declare who may call it.
    """
    settings = settings or get_settings()
    clients = clients or ServiceClients(settings)
    app_backends = Backends(settings, clients)
    app = GatewayOpenAPI(
        __name__,
        info=Info(
            title="ezh",
            version="1.0.0",
            description="Electronic school journal of the district. Errors are application/problem+json (RFC 9457).",
        ),
        doc_ui=False,
        validation_error_status=400,
        validation_error_callback=validation_error_response,
    )
    app.json.ensure_ascii = False
    if settings.gateway_trusted_proxies:
        # The client's address (throttling, sessions, audit) and scheme (Secure cookies) come from the proxies.
        hops = settings.gateway_trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    app.json.sort_keys = False
    install(app, app_backends)

    _install_request_id(app)
    metrics.install(app)
    configure_tracing("gateway", settings.otlp_endpoint)
    # A server span per request, continuing the caller's `traceparent`; `call`
    # passes the trace context on to the services.
    FlaskInstrumentor().instrument_app(app, excluded_urls="healthz,readyz")
    # Credentials and roles are checked before the body is even parsed.
    access.install(app, verifier or auth_verifier(app_backends))
    app.before_request(_reject_malformed_json)
    _install_error_handlers(app)
    _add_health_routes(app, min(READINESS_DEADLINE_SECONDS, settings.grpc_deadline_seconds))
    add_jwks_route(app)
    add_web_routes(app)

    api = APIBlueprint("api_v1", __name__, url_prefix=API_PREFIX)
    for resource in RESOURCES:
        api.register_api(resource)
    app.register_api(api)
    app.add_url_rule(OPENAPI_PATH, "openapi_json", access.allow_anonymous(lambda: jsonify(app.api_doc)))
    access.check_declarations(app)
    return app


def _install_request_id(app: Flask) -> None:
    @app.before_request
    def bind() -> None:
        incoming = request.headers.get(REQUEST_ID_HTTP_HEADER, "")
        g.request_id_token = bind_request_id(incoming if _REQUEST_ID.fullmatch(incoming) else None)

    @app.after_request
    def echo(response):
        response.headers[REQUEST_ID_HTTP_HEADER] = current_request_id() or ""
        return response

    @app.teardown_request
    def unbind(_error) -> None:
        token = g.pop("request_id_token", None)
        if token is not None:
            reset_request_id(token)


def _reject_malformed_json() -> None:
    """A JSON body that does not parse is a 400 problem, before any view runs."""
    if not request.is_json or not request.get_data(cache=True).strip():
        return
    try:
        request.get_json()
    except BadRequest:
        raise ProblemError(400, "Тело запроса не является корректным JSON.", reason="MALFORMED_JSON") from None


def _install_error_handlers(app: Flask) -> None:
    app.register_error_handler(ProblemError, lambda error: error.to_response())
    app.register_error_handler(grpc.RpcError, lambda error: problem_from_rpc_error(error).to_response())
    app.register_error_handler(HTTPException, lambda error: problem_from_http_exception(error).to_response())

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        log.exception("unhandled error in %s %s", request.method, request.path)
        return ProblemError(500, reason="INTERNAL").to_response()


def _add_health_routes(app: GatewayOpenAPI, readiness_timeout: float) -> None:
    no_store = {"Cache-Control": "no-store"}

    @app.get("/healthz", operation_id="healthz", tags=[_HEALTH_TAG], responses={200: Liveness})
    @access.allow_anonymous
    def healthz():
        """Liveness: the process answers; nothing else is called."""
        return Liveness().model_dump(), 200, no_store

    @app.get("/readyz", operation_id="readyz", tags=[_HEALTH_TAG], responses={200: Readiness, 503: Readiness})
    @access.allow_anonymous
    def readyz():
        """Readiness: 200 only while all five services report SERVING."""
        readiness = check_readiness(backends().clients, readiness_timeout)
        return readiness.model_dump(), 200 if readiness.ready else 503, no_store
