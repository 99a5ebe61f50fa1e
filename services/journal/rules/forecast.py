"""Forecasts of a student's period mark and of a class's results (G4, R4).

The method, simple enough to explain to a parent:

1. A — the weighted average of the 1…5 marks so far (the school's weights).
2. The trend — the slope of a weighted least-squares line through the marks
   against their dates (marks per day; shown per week).  It needs at least
   3 marks on at least 2 different days, otherwise it is 0.
3. The rest of the period is expected to bring marks at the same pace, on
   the trend line: they move the average by the trend over the distance
   from the marks' mean date to the middle of the remaining days — at most
   half a mark either way — times the share of the period still to come.
4. forecast = A + share × that shift, kept within 1…5, rounded to a mark by
   the school's rule.  At the period's end it is simply the average.

Confidence grows with the number of marks: none without marks, low with 1–2,
medium with 3–5 (enough for a period mark, M2), high with 6 or more.

A class's forecast applies the report rules (results.py) to the students'
forecast marks.
"""
from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from services.journal.rules.attestation import DEFAULT_POLICY, MarkPolicy
from services.journal.rules.marks import Mark, mark_weight, numeric_marks
from services.journal.rules.periods import Period
from services.journal.rules.results import ClassResults, class_results
from services.journal.rules.rounding import HIGHEST_MARK, LOWEST_MARK, to_hundredths
from services.journal.rules.wording import quoted_mark, russian_decimal

MIN_MARKS_FOR_TREND = 3
MAX_TREND_SHIFT = Decimal("0.5")  # a few marks make a noisy line: it may move the forecast by half a mark


class Confidence(enum.StrEnum):
    NONE = "none"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def title(self) -> str:
        return {"none": "нет", "low": "низкая", "medium": "средняя", "high": "высокая"}[self.value]


def confidence_for(mark_count: int) -> Confidence:
    if mark_count == 0:
        return Confidence.NONE
    if mark_count < 3:
        return Confidence.LOW
    if mark_count < 6:
        return Confidence.MEDIUM
    return Confidence.HIGH


@dataclass(frozen=True)
class MarkForecast:
    value: int | None
    projected_average: Decimal | None
    current_average: Decimal | None
    trend_per_week: Decimal
    remaining_share: Decimal  # of the period, 0…1
    mark_count: int
    confidence: Confidence
    explanation: str


def _clamp(value: Decimal, low: Decimal, high: Decimal) -> Decimal:
    return max(low, min(high, value))


def forecast_period_mark(
    marks: Collection[Mark], period: Period, today: dt.date, policy: MarkPolicy = DEFAULT_POLICY,
) -> MarkForecast:
    """G4: the expected period mark of a student from the period's marks so far (method above)."""
    numbers = [mark for mark in numeric_marks(marks) if mark.date in period]
    total_days = (period.end - period.start).days + 1
    elapsed = min(max((today - period.start).days + 1, 0), total_days)
    remaining_share = Decimal(total_days - elapsed) / Decimal(total_days)
    if not numbers:
        return MarkForecast(None, None, None, Decimal(0), remaining_share, 0, Confidence.NONE,
                            "Отметок пока нет — прогноз невозможен")
    weights = [mark_weight(mark, policy.weights) for mark in numbers]
    days = [Decimal((mark.date - period.start).days) for mark in numbers]
    values = [Decimal(mark.value) for mark in numbers]
    weight_total = sum(weights, Decimal(0))
    average = sum((w * y for w, y in zip(weights, values)), Decimal(0)) / weight_total
    mean_day = sum((w * x for w, x in zip(weights, days)), Decimal(0)) / weight_total
    spread = sum((w * (x - mean_day) ** 2 for w, x in zip(weights, days)), Decimal(0))
    slope = Decimal(0)
    if len(numbers) >= MIN_MARKS_FOR_TREND and spread > 0:
        slope = sum((w * (x - mean_day) * (y - average) for w, x, y in zip(weights, days, values)),
                    Decimal(0)) / spread
    remaining_middle = Decimal(elapsed + total_days - 1) / 2  # day index of the middle of the days to come
    shift = _clamp(slope * (remaining_middle - mean_day), -MAX_TREND_SHIFT, MAX_TREND_SHIFT)
    projected = to_hundredths(_clamp(average + remaining_share * shift, Decimal(LOWEST_MARK), Decimal(HIGHEST_MARK)))
    value = policy.rounding.round(projected)
    confidence = confidence_for(len(numbers))
    trend_per_week = to_hundredths(slope * 7)
    sign = "+" if trend_per_week > 0 else ""
    explanation = (
        f"Средний балл сейчас {russian_decimal(to_hundredths(average))}; изменение {sign}"
        f"{russian_decimal(trend_per_week)} в неделю; впереди {russian_decimal(remaining_share * 100, 0)} % периода; "
        f"прогноз {russian_decimal(projected)} → {quoted_mark(value)}; "
        f"уверенность {confidence.title} ({len(numbers)} отм.)"
    )
    return MarkForecast(value, projected, to_hundredths(average), trend_per_week,
                        remaining_share, len(numbers), confidence, explanation)


@dataclass(frozen=True)
class ClassForecast:
    results: ClassResults  # the report figures over the forecast marks
    without_forecast: tuple[str, ...]  # students with no forecast at all

    @property
    def pass_rate(self) -> Decimal | None:
        return self.results.pass_rate

    @property
    def quality_rate(self) -> Decimal | None:
        return self.results.quality_rate


def forecast_class(forecasts_by_student: Mapping[str, Iterable[MarkForecast]]) -> ClassForecast:
    """G4: expected успеваемость and качество of a class from each student's forecasts (one per subject)."""
    marks: dict[str, list[int]] = {}
    without: list[str] = []
    for student, forecasts in forecasts_by_student.items():
        values = [forecast.value for forecast in forecasts if forecast.value is not None]
        if values:
            marks[student] = values
        else:
            without.append(student)
    return ClassForecast(class_results(marks), tuple(sorted(without)))
