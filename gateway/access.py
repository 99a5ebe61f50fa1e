"""Who may call which route: role declarations, checked before any view runs.

Every route declares who may call it, with one of three decorators placed
directly above the view function (below the route decorator)::

    @staff.post("", responses={201: PersonOut})
    @allow(Role.ADMINISTRATOR, Role.DISTRICT_OPERATOR)
    def create_staff_member(body: NewStaffMember):
        me = caller()                      # the verified Identity
        ...

    @allow_anonymous      # no credentials needed (sign-in, activation, refresh)
    @allow_signed_in      # any valid access token, whatever the roles

Deny by default: `create_app` refuses to build an app with a route that has
no declaration (`check_declarations`), and a route added afterwards without
one is refused at request time. The gateway decides by role and route; the
services decide by object (this class, this child, this school).

Credentials are an access token (a JWT from auth), sent as
`Authorization: Bearer <jwt>` by API clients or as the HttpOnly cookie
`ezh_access` by the web client. The token is verified locally (keys and
revocations from auth, see `gateway.tokens`); a request authenticated by
the cookie with an unsafe method must also pass the CSRF check
(`gateway.web_session`). A Bearer header wins over the cookie.

For a signed-in route the raw token is passed on to the services:
`gateway.services.call` adds `caller_metadata()` (the `authorization`
header plus where the request came from) to every call.
"""
from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from flask import Flask, current_app, g, request

from gateway.problems import ProblemError
from gateway.web_session import ACCESS_COOKIE, check_csrf
from services.common.identity import CLIENT_ADDRESS_HEADER, CLIENT_USER_AGENT_HEADER, bearer_metadata
from services.common.roles import ROLE_TITLES, Role
from services.common.tokens import Identity, InvalidToken, TokenVerifier

log = logging.getLogger(__name__)

ACCESS_ATTRIBUTE = "__ezh_access__"
VERIFIER_EXTENSION_KEY = "ezh_verifier"

# Where the request came from, passed on to every service call (for the
# audit log and throttling). Values are printable ASCII, as gRPC requires.
CLIENT_ADDRESS_METADATA = CLIENT_ADDRESS_HEADER
CLIENT_USER_AGENT_METADATA = CLIENT_USER_AGENT_HEADER
USER_AGENT_MAX_LENGTH = 300

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Routes that need no declaration: Flask's static files.
EXEMPT_ENDPOINTS = frozenset({"static"})

F = TypeVar("F", bound=Callable[..., Any])


@dataclasses.dataclass(frozen=True)
class Access:
    """Who may call a route."""

    anonymous: bool = False
    roles: frozenset[Role] = frozenset()  # empty (and not anonymous): any signed-in person

    @property
    def any_signed_in(self) -> bool:
        return not self.anonymous and not self.roles

    def describe(self) -> str:
        """For people: the OpenAPI description and the README's route table."""
        if self.anonymous:
            return "anyone, no sign-in"
        if self.any_signed_in:
            return "any signed-in user"
        return ", ".join(f"`{role.value}`" for role in sorted_roles(self.roles))

    def role_names(self) -> list[str]:
        if self.anonymous:
            return ["anonymous"]
        if self.any_signed_in:
            return ["signed_in"]
        return [role.value for role in sorted_roles(self.roles)]


def sorted_roles(roles: Iterable[Role]) -> list[Role]:
    order = list(Role)
    return sorted(roles, key=order.index)


def _declare(view: F, access: Access) -> F:
    if access_of(view) is not None:
        raise TypeError(f"{view.__name__}: access is declared twice")
    setattr(view, ACCESS_ATTRIBUTE, access)
    # Placed above the route decorator, the declaration must still reach
    # the function flask-openapi3 registered.
    registered = getattr(view, "view", None)
    if registered is not None:
        setattr(registered, ACCESS_ATTRIBUTE, access)
    return view


def allow(*roles: Role) -> Callable[[F], F]:
    """Only people holding at least one of `roles` may call the route."""
    if not roles:
        raise TypeError("allow() needs at least one role; use allow_signed_in for any signed-in person")
    for role in roles:
        if not isinstance(role, Role):
            raise TypeError(f"allow() takes Role members, got {role!r}")
    access = Access(roles=frozenset(roles))
    return lambda view: _declare(view, access)


def allow_anonymous(view: F) -> F:
    """Anyone may call the route, without credentials (none are checked)."""
    return _declare(view, Access(anonymous=True))


def allow_signed_in(view: F) -> F:
    """Anyone with a valid access token may call the route, whatever their roles."""
    return _declare(view, Access())


def access_of(view: Callable | None) -> Access | None:
    """The declaration on a view (following `functools.wraps` wrappers)."""
    seen = 0
    while view is not None and seen < 10:
        access = getattr(view, ACCESS_ATTRIBUTE, None)
        if isinstance(access, Access):
            return access
        view = getattr(view, "__wrapped__", None)
        seen += 1
    return None


class UndeclaredRoutes(RuntimeError):
    """Routes without a role declaration: the app must not start."""


def undeclared_endpoints(app: Flask) -> list[str]:
    """Every route of `app` (but Flask's static files) that declares no access."""
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in EXEMPT_ENDPOINTS:
            continue
        if access_of(app.view_functions.get(rule.endpoint)) is None:
            missing.append(f"{rule.rule} ({rule.endpoint})")
    return sorted(missing)


def check_declarations(app: Flask) -> None:
    missing = undeclared_endpoints(app)
    if missing:
        raise UndeclaredRoutes(
            "every route must declare who may call it (gateway.access.allow, allow_signed_in, "
            "allow_anonymous); missing on: " + ", ".join(missing)
        )


# ---------------------------------------------------------------- requests

def install(app: Flask, verifier: TokenVerifier) -> None:
    """Verify credentials and roles before every view."""
    app.extensions[VERIFIER_EXTENSION_KEY] = verifier
    app.before_request(authorize)


def authorize() -> None:
    """The `before_request` hook: 401 without valid credentials, 403 without the role."""
    if request.endpoint is None:
        return  # no such route: answered 404/405 by routing
    if request.method == "OPTIONS" and getattr(request.url_rule, "provide_automatic_options", False):
        return  # Flask answers it with the allowed methods; no view runs
    if request.endpoint in EXEMPT_ENDPOINTS:
        return
    access = access_of(current_app.view_functions.get(request.endpoint))
    if access is None:
        log.error("refused %s %s: the route declares no access", request.method, request.path)
        raise ProblemError(403, "Доступ к этому адресу не настроен.", reason="ROUTE_ACCESS_UNDECLARED")
    if access.anonymous:
        return
    token, by_cookie = _presented_token()
    identity = _verify(token)
    if by_cookie and request.method not in SAFE_METHODS:
        check_csrf()
    if access.roles and not identity.has_role(*access.roles):
        raise ProblemError(403, _role_refusal(access.roles), reason="ROLE_REQUIRED")
    g.identity = identity
    g.access_token = token
    g.authenticated_by_cookie = by_cookie


def _presented_token() -> tuple[str, bool]:
    """The access token and whether it came in the cookie; 401 if there is none."""
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, token = header.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token or " " in token:
            raise unauthenticated(
                "Заголовок Authorization должен иметь вид «Bearer <токен>».", reason="BAD_AUTHORIZATION"
            )
        return token, False
    token = request.cookies.get(ACCESS_COOKIE, "")
    if token:
        return token, True
    raise unauthenticated("Войдите в систему, чтобы продолжить.", reason="NO_CREDENTIALS", invalid=False)


def _verify(token: str) -> Identity:
    verifier: TokenVerifier = current_app.extensions[VERIFIER_EXTENSION_KEY]
    try:
        return verifier.verify(token)
    except InvalidToken as error:
        log.info("refused an access token: %s", error)
        raise unauthenticated("Сеанс недействителен или истёк. Войдите снова.", reason="INVALID_TOKEN") from None


def unauthenticated(detail: str, *, reason: str, invalid: bool = True) -> ProblemError:
    """A 401 problem with the RFC 6750 challenge."""
    challenge = 'Bearer realm="ezh"' + (', error="invalid_token"' if invalid else "")
    return ProblemError(401, detail, reason=reason, headers={"WWW-Authenticate": challenge})


def _role_refusal(roles: frozenset[Role]) -> str:
    titles = ", ".join(ROLE_TITLES[role] for role in sorted_roles(roles))
    return f"Это действие доступно только ролям: {titles}."


# ------------------------------------------------------------------- views

def caller() -> Identity:
    """The verified identity of the person calling a signed-in route."""
    identity = g.get("identity")
    if identity is None:
        raise unauthenticated("Войдите в систему, чтобы продолжить.", reason="NO_CREDENTIALS", invalid=False)
    return identity


def client_address() -> str:
    """The address the request came from.

    `request.remote_addr` is the peer of the TCP connection. Behind a
    reverse proxy that would be the proxy; the proxy's `X-Forwarded-For`
    may be believed only when the gateway is told how many proxies to
    trust (werkzeug's `ProxyFix`), never by default, or anyone could choose
    the address that sign-in throttling and the audit log see.
    """
    return request.remote_addr or ""


def client_user_agent() -> str:
    """The User-Agent header (WSGI gives header bytes as Latin-1; browsers send UTF-8)."""
    raw = request.headers.get("User-Agent", "")
    try:
        raw = raw.encode("latin-1").decode("utf-8", "replace")
    except UnicodeEncodeError:
        pass
    return raw[:USER_AGENT_MAX_LENGTH]


def caller_metadata() -> tuple[tuple[str, str], ...]:
    """gRPC metadata for a call made on behalf of the current request."""
    metadata: list[tuple[str, str]] = []
    token = g.get("access_token")
    if token:
        metadata.extend(bearer_metadata(token))
    address = _printable(client_address())
    if address:
        metadata.append((CLIENT_ADDRESS_METADATA, address))
    agent = _printable(client_user_agent())
    if agent:
        metadata.append((CLIENT_USER_AGENT_METADATA, agent))
    return tuple(metadata)


_NOT_PRINTABLE = re.compile(r"[^\x20-\x7e]")


def _printable(text: str) -> str:
    return _NOT_PRINTABLE.sub("?", text).strip()
