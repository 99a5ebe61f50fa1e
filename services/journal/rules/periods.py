"""Study periods of an academic year (M1, M3, S2).

A school divides the year into quarters or trimesters (senior classes often
into half-years); these are its *attestation periods*: their marks come from
the current marks.  The year mark comes from the attestation periods' marks.
"""
from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from services.journal.rules.verdicts import RuleError
from services.journal.rules.wording import russian_date

DEFAULT_DEADLINE_DAYS_BEFORE_END = 2  # section 5.3


class PeriodKind(enum.StrEnum):
    QUARTER = "quarter"
    TRIMESTER = "trimester"
    HALF_YEAR = "half_year"
    YEAR = "year"


class PeriodScheme(enum.StrEnum):
    """How a school (or a parallel of classes) divides the year for attestation."""

    QUARTERS = "quarters"
    TRIMESTERS = "trimesters"
    HALF_YEARS = "half_years"

    @property
    def period_kind(self) -> PeriodKind:
        return _SCHEME_KINDS[self]

    @property
    def period_count(self) -> int:
        return PERIOD_COUNTS[self.period_kind]


_SCHEME_KINDS = {
    PeriodScheme.QUARTERS: PeriodKind.QUARTER,
    PeriodScheme.TRIMESTERS: PeriodKind.TRIMESTER,
    PeriodScheme.HALF_YEARS: PeriodKind.HALF_YEAR,
}

PERIOD_COUNTS: dict[PeriodKind, int] = {
    PeriodKind.QUARTER: 4,
    PeriodKind.TRIMESTER: 3,
    PeriodKind.HALF_YEAR: 2,
    PeriodKind.YEAR: 1,
}

_PERIOD_NAMES = {
    PeriodKind.QUARTER: "четверть",
    PeriodKind.TRIMESTER: "триместр",
    PeriodKind.HALF_YEAR: "полугодие",
}


def period_title(kind: PeriodKind, number: int | None) -> str:
    """'2 четверть', 'Учебный год'."""
    if kind is PeriodKind.YEAR:
        return "Учебный год"
    return f"{number} {_PERIOD_NAMES[kind]}"


def check_period_number(kind: PeriodKind, number: int | None, field: str = "number") -> int | None:
    """Quarters 1–4, trimesters 1–3, half-years 1–2; the year has no number."""
    if kind is PeriodKind.YEAR:
        if number not in (None, 0, 1):
            raise RuleError(field, "У учебного года нет номера периода")
        return None
    count = PERIOD_COUNTS[kind]
    if not isinstance(number, int) or isinstance(number, bool) or not 1 <= number <= count:
        raise RuleError(field, f"Номер периода «{_PERIOD_NAMES[kind]}» — от 1 до {count}")
    return number


@dataclass(frozen=True)
class Period:
    """A study period: first and last day inclusive, and the final-marks deadline if set by order."""

    id: str
    kind: PeriodKind
    number: int | None
    start: dt.date
    end: dt.date
    deadline_by_order: dt.date | None = None

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "kind", PeriodKind(self.kind))
        except ValueError:
            raise RuleError("kind", f"Неизвестный вид периода: «{self.kind}»") from None
        object.__setattr__(self, "number", check_period_number(self.kind, self.number))
        if self.end < self.start:
            raise RuleError("end", f"Период не может закончиться ({russian_date(self.end)}) "
                                   f"раньше, чем начался ({russian_date(self.start)})")
        if self.deadline_by_order is not None and self.deadline_by_order < self.start:
            raise RuleError("deadline_by_order",
                            "Срок выставления итоговых отметок не может быть раньше начала периода")

    @property
    def title(self) -> str:
        return period_title(self.kind, self.number)

    @property
    def final_marks_deadline(self) -> dt.date:
        """M3, 5.3: the last day for final marks — by school order, else 2 days before the end."""
        if self.deadline_by_order is not None:
            return self.deadline_by_order
        return self.end - dt.timedelta(days=DEFAULT_DEADLINE_DAYS_BEFORE_END)

    def __contains__(self, day: dt.date) -> bool:
        return self.start <= day <= self.end
