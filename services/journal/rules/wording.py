"""How numbers and dates appear in messages people read (Russian conventions)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal


def russian_date(day: dt.date) -> str:
    """25.10.2026"""
    return day.strftime("%d.%m.%Y")


def russian_decimal(value: Decimal, places: int = 2) -> str:
    """3,50 — a decimal comma, a fixed number of places."""
    return f"{value:.{places}f}".replace(".", ",")


def quoted_mark(value: int) -> str:
    """«4»"""
    return f"«{value}»"
