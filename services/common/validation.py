"""Checks of request fields; each failure names the field, in Russian."""
from __future__ import annotations

import datetime as dt
import uuid

from google.protobuf.timestamp_pb2 import Timestamp

from services.common.errors import InvalidArgument


def required_text(field: str, value: str, *, max_length: int, min_length: int = 1) -> str:
    text = " ".join((value or "").split())
    if len(text) < min_length:
        raise InvalidArgument(field, f"Поле «{field}» не заполнено" if not text else
                              f"Поле «{field}»: не короче {min_length} символов")
    if len(text) > max_length:
        raise InvalidArgument(field, f"Поле «{field}»: не длиннее {max_length} символов")
    return text


def identifier(field: str, value: str, *, required: bool = True) -> str:
    if not value:
        if required:
            raise InvalidArgument(field, f"Поле «{field}» не заполнено")
        return ""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise InvalidArgument(field, f"Поле «{field}»: неверный идентификатор") from None


def timestamp(value: dt.datetime | None) -> Timestamp | None:
    """A protobuf Timestamp; naive datetimes from SQLite are UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp
