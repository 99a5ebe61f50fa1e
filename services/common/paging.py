"""Page size and opaque page tokens for List calls."""
from __future__ import annotations

import base64

from services.common.errors import InvalidArgument

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


def page_size(requested: int) -> int:
    if requested < 0:
        raise InvalidArgument("page_size", "Размер страницы не может быть отрицательным")
    return min(requested or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


def decode_token(token: str) -> int:
    """The offset a page token stands for (0 for the first page)."""
    if not token:
        return 0
    try:
        offset = int(base64.urlsafe_b64decode(token.encode()).decode().removeprefix("o:"))
    except (ValueError, UnicodeDecodeError):
        raise InvalidArgument("page_token", "Неверный маркер страницы") from None
    if offset < 0:
        raise InvalidArgument("page_token", "Неверный маркер страницы")
    return offset


def next_token(offset: int, size: int, fetched: int) -> str:
    """The token of the next page, or "" when this page was the last.

    Callers fetch `size + 1` rows to know whether another page exists.
    """
    if fetched <= size:
        return ""
    return base64.urlsafe_b64encode(f"o:{offset + size}".encode()).decode()
