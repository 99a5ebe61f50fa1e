"""From an average to a mark (G2): the rounding rule, stated with each suggestion.

A rule is the lowest average that earns each mark 2…5; below the threshold
of «2» the mark is «1».  The standard rule rounds x,50 and above up
(2,50 → «3», 3,50 → «4», 4,50 → «5»); a school may raise any threshold by
order, e.g. «3» only from 2,60.

Averages are compared as shown to the teacher: rounded half up to hundredths
first (`to_hundredths`), so a displayed 3,50 always gives «4» and the result
never depends on binary floats or banker's rounding.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from services.journal.rules.verdicts import RuleError
from services.journal.rules.wording import quoted_mark, russian_decimal

HUNDREDTH = Decimal("0.01")
LOWEST_MARK = 1
HIGHEST_MARK = 5


def decimal_value(raw, field: str) -> Decimal:
    """A finite Decimal from an int, str, float or Decimal (floats via their shortest repr)."""
    if isinstance(raw, bool):
        raise RuleError(field, f"Поле «{field}»: нужно число")
    try:
        value = raw if isinstance(raw, Decimal) else Decimal(str(raw).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise RuleError(field, f"Поле «{field}»: нужно число") from None
    if not value.is_finite():
        raise RuleError(field, f"Поле «{field}»: нужно число")
    return value


def to_hundredths(value: Decimal) -> Decimal:
    """Half up to two places: 3.495 → 3.50, 2.444 → 2.44."""
    return value.quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class RoundingRule:
    """`thresholds[i]` is the lowest average that earns mark i + 2 (marks 2, 3, 4, 5)."""

    thresholds: tuple[Decimal, Decimal, Decimal, Decimal]

    def __post_init__(self) -> None:
        if len(self.thresholds) != 4:
            raise RuleError("rounding", "Правило округления: нужны пороги для отметок 2, 3, 4 и 5")
        values = tuple(decimal_value(raw, f"rounding.{mark}") for mark, raw in zip(range(2, 6), self.thresholds))
        for mark, value in zip(range(2, 6), values):
            if not mark - 1 < value <= mark:
                raise RuleError(
                    f"rounding.{mark}",
                    f"Порог отметки {quoted_mark(mark)} должен быть больше {mark - 1} и не больше {mark}",
                )
        object.__setattr__(self, "thresholds", values)

    @classmethod
    def from_fraction(cls, fraction) -> RoundingRule:
        """Every mark from the same fractional part: 0.5 → 2,50 gives «3»; 0.6 → 2,60 gives «3»."""
        part = decimal_value(fraction, "rounding")
        return cls(tuple(mark - 1 + part for mark in range(2, 6)))

    @classmethod
    def from_settings(cls, thresholds: Mapping, *, base: RoundingRule | None = None) -> RoundingRule:
        """A school's order as {mark: lowest average}, e.g. {3: "2.6"}; other marks keep `base`."""
        rule = base or STANDARD_ROUNDING
        values = list(rule.thresholds)
        for key, raw in thresholds.items():
            try:
                mark = int(key)
            except (TypeError, ValueError):
                raise RuleError("rounding", f"Правило округления: «{key}» — не отметка от 2 до 5") from None
            if not 2 <= mark <= 5:
                raise RuleError("rounding", f"Правило округления: «{key}» — не отметка от 2 до 5")
            values[mark - 2] = decimal_value(raw, f"rounding.{mark}")
        return cls(tuple(values))

    def lowest_average(self, mark: int) -> Decimal:
        """The lowest average that earns `mark` (2…5)."""
        return self.thresholds[mark - 2]

    def round(self, average: Decimal) -> int:
        """The mark for an average, compared at hundredths (3.495 counts as 3,50)."""
        shown = to_hundredths(decimal_value(average, "average"))
        mark = LOWEST_MARK
        for candidate, threshold in zip(range(2, 6), self.thresholds):
            if shown >= threshold:
                mark = candidate
        return mark

    def describe(self) -> str:
        """The rule in words, as shown next to a suggested mark."""
        steps = "; ".join(
            f"{quoted_mark(mark)} — от {russian_decimal(self.lowest_average(mark))}" for mark in range(5, 1, -1)
        )
        return f"Округление среднего балла: {steps}; ниже — «1»"

    def explain(self, average: Decimal) -> str:
        """'Средний балл 3,50 → «4» («4» — от 3,50)'."""
        mark = self.round(average)
        shown = russian_decimal(to_hundredths(average))
        if mark == LOWEST_MARK:
            return f"Средний балл {shown} → «1» (ниже {russian_decimal(self.lowest_average(2))})"
        return (f"Средний балл {shown} → {quoted_mark(mark)} "
                f"({quoted_mark(mark)} — от {russian_decimal(self.lowest_average(mark))})")


STANDARD_ROUNDING = RoundingRule.from_fraction(Decimal("0.5"))
"""2,50 → «3», 3,50 → «4», 4,50 → «5» (x,5 and above rounds up)."""

PASS_FROM_2_6_ROUNDING = RoundingRule.from_settings({3: Decimal("2.6")})
"""A common school variant: «3» only from 2,60; «4» from 3,50 and «5» from 4,50 as usual."""
