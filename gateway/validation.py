"""Request validation errors (pydantic, via flask-openapi3) as a 400 problem.

Each bad field is named, with a Russian explanation:
`Поле «name»: обязательное поле`. The reason is `INVALID_ARGUMENT`, the same
one a service gives for a bad field, so a client handles both alike.
"""
from __future__ import annotations

from typing import Any

from flask import Response
from pydantic import ValidationError

from gateway.problems import FieldProblem, ProblemError

# Russian text per pydantic error type; `{name}` is filled from the error's ctx.
_MESSAGES: dict[str, str] = {
    "missing": "обязательное поле",
    "extra_forbidden": "неизвестное поле",
    "string_type": "ожидается строка",
    "string_too_short": "минимальная длина — {min_length}",
    "string_too_long": "максимальная длина — {max_length}",
    "string_pattern_mismatch": "значение не соответствует формату",
    "int_type": "ожидается целое число",
    "int_parsing": "ожидается целое число",
    "int_from_float": "ожидается целое число",
    "float_type": "ожидается число",
    "float_parsing": "ожидается число",
    "decimal_type": "ожидается число",
    "decimal_parsing": "ожидается число",
    "bool_type": "ожидается true или false",
    "bool_parsing": "ожидается true или false",
    "greater_than": "значение должно быть больше {gt}",
    "greater_than_equal": "значение должно быть не меньше {ge}",
    "less_than": "значение должно быть меньше {lt}",
    "less_than_equal": "значение должно быть не больше {le}",
    "multiple_of": "значение должно быть кратно {multiple_of}",
    "literal_error": "допустимые значения: {expected}",
    "enum": "допустимые значения: {expected}",
    "date_type": "ожидается дата в формате ГГГГ-ММ-ДД",
    "date_parsing": "ожидается дата в формате ГГГГ-ММ-ДД",
    "date_from_datetime_parsing": "ожидается дата в формате ГГГГ-ММ-ДД",
    "date_from_datetime_inexact": "ожидается дата без времени",
    "datetime_type": "ожидаются дата и время в формате ISO 8601",
    "datetime_parsing": "ожидаются дата и время в формате ISO 8601",
    "datetime_from_date_parsing": "ожидаются дата и время в формате ISO 8601",
    "time_type": "ожидается время в формате ЧЧ:ММ",
    "time_parsing": "ожидается время в формате ЧЧ:ММ",
    "uuid_type": "ожидается UUID",
    "uuid_parsing": "ожидается UUID",
    "list_type": "ожидается список",
    "tuple_type": "ожидается список",
    "set_type": "ожидается список",
    "too_short": "минимальное число элементов — {min_length}",
    "too_long": "максимальное число элементов — {max_length}",
    "dict_type": "ожидается объект",
    "model_type": "ожидается объект",
    "model_attributes_type": "ожидается объект",
    "json_invalid": "некорректный JSON",
    "json_type": "некорректный JSON",
}
_FALLBACK = "недопустимое значение"


def field_path(location: tuple[int | str, ...]) -> str:
    """`("items", 0, "value")` → `items[0].value`."""
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def describe(error: dict[str, Any]) -> str:
    """Russian text for one pydantic error."""
    context = error.get("ctx") or {}
    if error["type"] in ("value_error", "assertion_error") and "error" in context:
        # A validator's own message, written for people.
        return str(context["error"])
    template = _MESSAGES.get(error["type"])
    if template is None:
        return _FALLBACK
    values = {key: str(value).replace(" or ", " или ") for key, value in context.items()}
    try:
        return template.format(**values)
    except (KeyError, IndexError):
        return _FALLBACK


def validation_problem(error: ValidationError) -> ProblemError:
    problems: list[FieldProblem] = []
    for item in error.errors(include_url=False):
        # A body that is not a JSON object fails on the model itself: no field.
        location = tuple(item.get("loc") or ())
        message = describe(item)
        if not location and item["type"] in ("dict_type", "model_type", "model_attributes_type"):
            message = "тело запроса должно быть JSON-объектом"
        problems.append(FieldProblem(field=field_path(location) or None, detail=message))
    detail = "; ".join(
        f"Поле «{problem.field}»: {problem.detail}" if problem.field else _capitalised(problem.detail)
        for problem in problems
    )
    return ProblemError(400, detail or None, reason="INVALID_ARGUMENT", errors=problems)


def validation_error_response(error: ValidationError) -> Response:
    """flask-openapi3's `validation_error_callback`."""
    return validation_problem(error).to_response()


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]
