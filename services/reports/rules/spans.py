"""The time span of a report (R1): a study period, or any range of days, and the one before it."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from services.common.errors import InvalidArgument
from services.journal.rules.wording import russian_date

MAX_SPAN_DAYS = 800


@dataclass(frozen=True)
class Span:
    start: dt.date
    end: dt.date
    title: str
    period_id: str = ""  # the study period it is, if any
    kind: str = ""  # quarter, trimester, half_year, year; "" for a range of days

    def __contains__(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


def parse_day(field: str, text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidArgument(field, f"Поле «{field}»: нужна дата в виде ГГГГ-ММ-ДД, а не «{text}»") from None


def r1_date_range(start_text: str, end_text: str) -> Span:
    """A report for any range of days: both ends given, in order, at most a little over two years."""
    if not start_text or not end_text:
        field = "start_date" if not start_text else "end_date"
        raise InvalidArgument(field, "Укажите период (period_id) или обе даты: start_date и end_date")
    start, end = parse_day("start_date", start_text), parse_day("end_date", end_text)
    if end < start:
        raise InvalidArgument("end_date", "Дата окончания раньше даты начала")
    if (end - start).days > MAX_SPAN_DAYS:
        raise InvalidArgument("end_date", f"Слишком длинный промежуток: не больше {MAX_SPAN_DAYS} дней")
    return Span(start, end, f"с {russian_date(start)} по {russian_date(end)}")


def r1_previous_range(span: Span) -> Span:
    """The range of the same length just before a range of days."""
    length = span.end - span.start
    end = span.start - dt.timedelta(days=1)
    start = end - length
    return Span(start, end, f"с {russian_date(start)} по {russian_date(end)}")
