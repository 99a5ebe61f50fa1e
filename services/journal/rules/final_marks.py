"""Final marks (итоговые отметки), M1: which exist and which values they take.

Kinds: quarter 1–4, trimester 1–3, half-year 1–2, year, exam and the final
(итоговая) mark.  Values: «1»…«5», зачёт/незачёт in pass/fail subjects, and
two special values for every kind: н/а (not attested) and освобождён (exempt).
"""
from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from services.journal.rules.marks import MarkScale, MarkValue, PassFail, mark_value
from services.journal.rules.periods import PERIOD_COUNTS, PeriodKind, PeriodScheme, check_period_number, period_title
from services.journal.rules.verdicts import ALLOWED, Reason, RuleError, Verdict, refused


class FinalMarkKind(enum.StrEnum):
    QUARTER = "quarter"
    TRIMESTER = "trimester"
    HALF_YEAR = "half_year"
    YEAR = "year"
    EXAM = "exam"
    FINAL = "final"  # итоговая

    @property
    def is_attestation_period(self) -> bool:
        """Marks for a quarter, trimester or half-year come from the current marks (M2 applies)."""
        return self in ATTESTATION_PERIOD_KINDS


ATTESTATION_PERIOD_KINDS = frozenset({FinalMarkKind.QUARTER, FinalMarkKind.TRIMESTER, FinalMarkKind.HALF_YEAR})


class SpecialFinalValue(enum.StrEnum):
    NOT_ATTESTED = "not_attested"
    EXEMPT = "exempt"

    @property
    def title(self) -> str:
        return "н/а" if self is SpecialFinalValue.NOT_ATTESTED else "освобождён"


FinalMarkValue = int | PassFail | SpecialFinalValue

_SPECIAL_WORDS = {
    "not_attested": SpecialFinalValue.NOT_ATTESTED, "н/а": SpecialFinalValue.NOT_ATTESTED,
    "на": SpecialFinalValue.NOT_ATTESTED, "н.а.": SpecialFinalValue.NOT_ATTESTED,
    "exempt": SpecialFinalValue.EXEMPT, "освобождён": SpecialFinalValue.EXEMPT,
    "освобожден": SpecialFinalValue.EXEMPT, "осв": SpecialFinalValue.EXEMPT,
}


@dataclass(frozen=True)
class FinalMarkSlot:
    """Which final mark: a kind and, for periods, its number ("2 четверть")."""

    kind: FinalMarkKind
    number: int | None = None

    def __post_init__(self) -> None:
        try:
            kind = FinalMarkKind(self.kind)
        except ValueError:
            raise RuleError("kind", f"Неизвестный вид итоговой отметки: «{self.kind}»") from None
        object.__setattr__(self, "kind", kind)
        if kind.is_attestation_period:
            check_period_number(PeriodKind(kind.value), self.number)
        elif self.number is not None:
            raise RuleError("number", "У годовой, экзаменационной и итоговой отметки нет номера периода")

    @property
    def title(self) -> str:
        if self.kind.is_attestation_period:
            return period_title(PeriodKind(self.kind.value), self.number)
        return {FinalMarkKind.YEAR: "Год", FinalMarkKind.EXAM: "Экзамен", FinalMarkKind.FINAL: "Итоговая"}[self.kind]


def final_mark_slots(scheme: PeriodScheme, *, with_exam: bool = False) -> list[FinalMarkSlot]:
    """M1: the report card's columns for a school using `scheme`, in order.

    Quarters 1–4 (or trimesters 1–3, or half-years 1–2), the year, and —
    where the subject ends with an exam — the exam and the final mark.
    """
    kind = FinalMarkKind(scheme.period_kind.value)
    slots = [FinalMarkSlot(kind, number) for number in range(1, PERIOD_COUNTS[scheme.period_kind] + 1)]
    slots.append(FinalMarkSlot(FinalMarkKind.YEAR))
    if with_exam:
        slots += [FinalMarkSlot(FinalMarkKind.EXAM), FinalMarkSlot(FinalMarkKind.FINAL)]
    return slots


def final_mark_value(raw, scale: MarkScale = MarkScale.FIVE_POINT, field: str = "value") -> FinalMarkValue:
    """A final mark's value, checked against the subject's scale."""
    if isinstance(raw, SpecialFinalValue):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in _SPECIAL_WORDS:
        return _SPECIAL_WORDS[raw.strip().lower()]
    try:
        value: MarkValue = mark_value(raw, field)
    except RuleError:
        raise RuleError(field, f"Итоговая отметка — от 1 до 5, «зачёт», «незачёт», «н/а» или «освобождён», "
                               f"а не «{raw}»") from None
    if scale is MarkScale.PASS_FAIL and not isinstance(value, PassFail):
        raise RuleError(field, "По этому предмету итоговая отметка — «зачёт» или «незачёт»")
    if scale is MarkScale.FIVE_POINT and isinstance(value, PassFail):
        raise RuleError(field, "По этому предмету итоговая отметка ставится по пятибалльной шкале")
    return value


def final_mark_allowed(value: FinalMarkValue, unmet: Sequence[Reason]) -> Verdict:
    """Whether `value` may be set, given the unmet attestation requirements (M2).

    - A mark (1–5, зачёт/незачёт) needs every requirement met: `unmet` lists why not.
    - н/а is the answer to unmet requirements (too few marks, no written work,
      too many lessons missed): allowed exactly when something is unmet, so a
      student who can be attested is given a mark, not н/а.
    - освобождён follows an order (medical group, transfer) and bypasses M2.
    """
    if value is SpecialFinalValue.EXEMPT:
        return ALLOWED
    if value is SpecialFinalValue.NOT_ATTESTED:
        if unmet:
            return ALLOWED
        return refused("NOT_ATTESTED_BUT_REQUIREMENTS_MET",
                       "«н/а» ставится, только если требования к аттестации не выполнены; "
                       "у ученика они выполнены — выставьте отметку")
    return Verdict(tuple(unmet))
