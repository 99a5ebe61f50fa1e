"""Errors as `application/problem+json` (RFC 9457), and gRPC status → HTTP.

Every error the gateway answers is one problem document::

    {"type": "urn:ezh:problem:not-found", "title": "Не найдено", "status": 404,
     "detail": "Отметка не найдена", "reason": "NOT_FOUND"}

with `field` and `errors` added when fields are at fault. `title` and `detail`
are for people and are Russian; `reason` (UPPER_SNAKE) is for programs and is
the service's `google.rpc.ErrorInfo.reason` when the error came with one.
`type` is derived from `reason` (`urn:ezh:problem:<reason in kebab case>`):
a stable identifier that needs no server to resolve it.

gRPC status → HTTP status:

=====================================================  ====
INVALID_ARGUMENT, OUT_OF_RANGE                         400
FAILED_PRECONDITION                                    422
UNAUTHENTICATED                                        401
PERMISSION_DENIED                                      403
NOT_FOUND                                              404
ALREADY_EXISTS, ABORTED                                409
RESOURCE_EXHAUSTED                                     429
UNAVAILABLE                                            503
DEADLINE_EXCEEDED                                      504
anything else (INTERNAL, UNKNOWN, CANCELLED, ...)      500
=====================================================  ====

FAILED_PRECONDITION is answered with 422, not 400. Services raise it for a
broken rule of the regulation ("fewer than three marks for a quarter mark"):
the request is well formed and understood, but cannot be carried out in the
current state. 400 stays for requests that are malformed or have a bad field,
so a client can tell "fix the input" from "the rule forbids it" by the status
alone, before it looks at `reason`.

A 5xx answer never carries a traceback or the remote message (which may be
an English transport error); what went wrong is logged with the request id.
"""
from __future__ import annotations

import logging
from http import HTTPStatus

import grpc
from flask import Response, current_app, request
from pydantic import BaseModel, Field
from pydantic.json_schema import SkipJsonSchema
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from services.common.errors import RemoteError, read_rpc_error
from services.common.request_context import current_request_id

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:ezh:problem:"

HTTP_STATUS_BY_GRPC_CODE: dict[grpc.StatusCode, int] = {
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.OUT_OF_RANGE: 400,
    grpc.StatusCode.FAILED_PRECONDITION: 422,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
}

TITLES: dict[int, str] = {
    400: "Некорректный запрос",
    401: "Требуется вход в систему",
    403: "Доступ запрещён",
    404: "Не найдено",
    405: "Метод не поддерживается",
    406: "Формат ответа не поддерживается",
    409: "Конфликт",
    411: "Не указана длина запроса",
    413: "Слишком большой запрос",
    415: "Тип содержимого не поддерживается",
    422: "Нарушено правило",
    429: "Слишком много запросов",
    500: "Внутренняя ошибка",
    501: "Не реализовано",
    503: "Сервис недоступен",
    504: "Сервис не ответил вовремя",
}

DEFAULT_DETAILS: dict[int, str] = {
    400: "Запрос составлен неверно.",
    401: "Войдите в систему, чтобы продолжить.",
    403: "Недостаточно прав для этого действия.",
    404: "Запрошенный объект не найден.",
    409: "Запрос противоречит текущему состоянию данных.",
    413: "Тело запроса слишком велико.",
    415: "Тело запроса должно быть в формате JSON.",
    422: "Действие нарушает правило.",
    429: "Слишком много запросов. Повторите попытку позже.",
    503: "Сервис временно недоступен. Повторите попытку позже.",
    504: "Сервис не ответил вовремя. Повторите попытку позже.",
}


class FieldProblem(BaseModel):
    """One bad field."""

    field: str | SkipJsonSchema[None] = Field(default=None, description="The field at fault: `items[0].value`")
    detail: str = Field(description="What is wrong with it, in Russian")


class Problem(BaseModel):
    """An RFC 9457 problem document, the body of every error answer."""

    type: str = Field(description="Problem type URI, `urn:ezh:problem:<reason>`")
    title: str = Field(description="Short summary of the problem type, in Russian")
    status: int = Field(description="The HTTP status code")
    detail: str = Field(description="What happened this time, in Russian")
    reason: str = Field(description="Machine-readable cause, UPPER_SNAKE")
    field: str | SkipJsonSchema[None] = Field(default=None, description="The (first) field at fault")
    errors: list[FieldProblem] | SkipJsonSchema[None] = Field(default=None, description="Every field at fault")


class ProblemError(Exception):
    """Raise it anywhere in a request: the gateway answers it as problem+json."""

    def __init__(
        self,
        status: int,
        detail: str | None = None,
        *,
        reason: str | None = None,
        title: str | None = None,
        errors: list[FieldProblem] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.status = status
        self.detail = detail or default_detail(status)
        self.reason = reason or _status_name(status)
        self.title = title or title_for(status)
        self.errors = errors or None
        self.headers = dict(headers or {})
        super().__init__(f"{status} {self.reason}: {self.detail}")

    @property
    def problem(self) -> Problem:
        return Problem(
            type=problem_type(self.reason),
            title=self.title,
            status=self.status,
            detail=self.detail,
            reason=self.reason,
            field=next((error.field for error in self.errors or () if error.field), None),
            errors=self.errors,
        )

    def to_response(self) -> Response:
        body = current_app.json.dumps(self.problem.model_dump(exclude_none=True), separators=(",", ":"))
        response = Response(body, status=self.status, mimetype=PROBLEM_MEDIA_TYPE)
        response.headers.update(self.headers)
        return response


def problem_type(reason: str) -> str:
    return PROBLEM_TYPE_PREFIX + reason.lower().replace("_", "-")


def title_for(status: int) -> str:
    return TITLES.get(status) or ("Ошибка сервера" if status >= 500 else "Ошибка запроса")


def default_detail(status: int) -> str:
    if status >= 500 and status not in DEFAULT_DETAILS:
        return f"Произошла внутренняя ошибка. Идентификатор запроса: {current_request_id() or '-'}."
    return DEFAULT_DETAILS.get(status, "Запрос не может быть выполнен.")


def _status_name(status: int) -> str:
    if status == 500:
        return "INTERNAL"
    try:
        return HTTPStatus(status).name
    except ValueError:
        return "INTERNAL" if status >= 500 else "BAD_REQUEST"


def http_status_for(code: grpc.StatusCode) -> int:
    """The HTTP status for a gRPC status code (see the module's table)."""
    return HTTP_STATUS_BY_GRPC_CODE.get(code, 500)


def problem_from_remote(remote: RemoteError, service: str | None = None) -> ProblemError:
    """Map what a failed RPC said to the problem the client gets."""
    status = http_status_for(remote.code)
    where = service or remote.domain or "?"
    if status >= 500:
        if status == 500:
            log.error(
                "call to %s failed: %s (reason %s, domain %s): %s",
                where, remote.code.name, remote.reason, remote.domain or "-", remote.message,
            )
            return ProblemError(500, reason="INTERNAL")
        log.warning("call to %s failed: %s: %s", where, remote.code.name, remote.message)
    # A message is shown only when the service itself wrote it for people:
    # such errors carry an ErrorInfo (domain set); transport errors do not.
    from_service = bool(remote.domain)
    detail = remote.message if from_service and remote.message else None
    reason = remote.reason if from_service and remote.reason else remote.code.name
    errors = None
    field = remote.metadata.get("field") if from_service else None
    if field:
        errors = [FieldProblem(field=field, detail=detail or default_detail(status))]
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    retry_after = remote.metadata.get("retry_after_seconds") if from_service else None
    if status in (429, 503) and retry_after and retry_after.isdigit():
        headers["Retry-After"] = retry_after
    return ProblemError(status, detail, reason=reason, errors=errors, headers=headers)


def problem_from_rpc_error(error: grpc.RpcError, service: str | None = None) -> ProblemError:
    return problem_from_remote(read_rpc_error(error), service)


def problem_from_http_exception(error: HTTPException) -> ProblemError:
    """Unknown route, wrong method and the other errors werkzeug raises."""
    status = error.code or 500
    headers: dict[str, str] = {}
    detail = None
    if isinstance(error, NotFound) and request.url_rule is None:
        detail = f"Адрес {request.path} не существует."
    elif isinstance(error, MethodNotAllowed):
        allowed = ", ".join(sorted(error.valid_methods or ()))
        headers["Allow"] = allowed
        detail = f"Метод {request.method} не поддерживается для адреса {request.path}. Допустимые методы: {allowed}."
    if status >= 500:
        log.error("HTTP %s while handling %s %s: %r", status, request.method, request.path, error)
    return ProblemError(status, detail, headers=headers)
