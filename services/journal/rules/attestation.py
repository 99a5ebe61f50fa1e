"""Attestation for a period and the year: requirements (M2) and suggested marks (G2, M4).

The suggested mark of a quarter, trimester or half-year is the weighted
average of the period's 1…5 marks rounded by the school's rule, shown with
its basis.  In a pass/fail subject it is зачёт when at least half of the
period's marks are зачёт.  The year mark suggests from the attestation
periods' marks (their plain mean, same rounding); the final (итоговая)
mark from the year mark and, where there was one, the exam mark (the mean
of the two, same rounding) — as the rules of ГИА state it.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from services.journal.rules.attendance import Absence, AttendanceCounts
from services.journal.rules.averages import MarkBasis, mark_basis
from services.journal.rules.final_marks import FinalMarkValue, SpecialFinalValue, final_mark_allowed
from services.journal.rules.marks import (
    CONTROL_WORK_TYPES, DEFAULT_WEIGHTS, Mark, MarkScale, PassFail, WorkType, school_weights, work_type,
)
from services.journal.rules.periods import PeriodScheme, period_title
from services.journal.rules.rounding import STANDARD_ROUNDING, RoundingRule, decimal_value, to_hundredths
from services.journal.rules.verdicts import Reason, RuleError, Verdict
from services.journal.rules.wording import russian_decimal

REGULATION_MIN_MARKS = 3  # section 5.2

PASS_FAIL_RULE = "«Зачёт», если не меньше половины отметок — «зачёт»"


@dataclass(frozen=True)
class MarkPolicy:
    """A school's settings for marks: weights, rounding and the M2 requirements.

    `required_work_types`: a period mark needs a mark for one of these when
    the subject had such work (empty for subjects without written work).
    `max_missed_share`: if set, missing more than this share of the lessons
    held is an unmet requirement (the ground for н/а); the regulation sets
    no figure, so by default there is none.
    """

    weights: Mapping[WorkType, Decimal] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    rounding: RoundingRule = STANDARD_ROUNDING
    min_marks: int = REGULATION_MIN_MARKS
    required_work_types: frozenset[WorkType] = CONTROL_WORK_TYPES
    max_missed_share: Decimal | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.min_marks, int) or self.min_marks < REGULATION_MIN_MARKS:
            raise RuleError("min_marks", "Для аттестации за период нужно не меньше 3 отметок (п. 5.2 положения)")
        kinds = frozenset(work_type(kind, "required_work_types") for kind in self.required_work_types)
        object.__setattr__(self, "required_work_types", kinds)
        if self.max_missed_share is not None:
            share = decimal_value(self.max_missed_share, "max_missed_share")
            if not Decimal(0) < share <= Decimal(1):
                raise RuleError("max_missed_share", "Доля пропущенных уроков — число больше 0 и не больше 1")
            object.__setattr__(self, "max_missed_share", share)

    @classmethod
    def from_settings(cls, *, weights: Mapping | None = None, rounding: Mapping | None = None,
                      min_marks: int = REGULATION_MIN_MARKS, required_work_types: Iterable | None = None,
                      max_missed_share=None) -> MarkPolicy:
        """From a school's stored settings: {"test": 3}, {3: "2.6"}, ["written", "test"], …"""
        return cls(
            weights=school_weights(weights),
            rounding=RoundingRule.from_settings(rounding or {}),
            min_marks=min_marks,
            required_work_types=(CONTROL_WORK_TYPES if required_work_types is None
                                 else frozenset(required_work_types)),
            max_missed_share=max_missed_share,
        )


DEFAULT_POLICY = MarkPolicy()


# --- M2 ------------------------------------------------------------------------


def unmet_attestation_requirements(
    marks: Collection[Mark],
    policy: MarkPolicy = DEFAULT_POLICY,
    held_work_types: Collection[WorkType] | None = None,
    attendance: AttendanceCounts | None = None,
) -> list[Reason]:
    """M2, 5.2: every requirement a period mark does not meet yet (empty: it may be set).

    - at least `min_marks` marks in the period (зачёт/незачёт count);
    - a mark for written, laboratory or practical work (`required_work_types`),
      when the subject had such work: `held_work_types` are the work types of
      the period's lessons (e.g. from the lesson plan); None means unknown,
      and then the requirement always applies;
    - optionally, no more than `max_missed_share` of the lessons missed.
    """
    unmet = []
    if len(marks) < policy.min_marks:
        unmet.append(Reason("TOO_FEW_MARKS", f"Для отметки за период нужно не меньше {policy.min_marks} "
                                             f"отметок, выставлено: {len(marks)}"))
    required = set(policy.required_work_types)
    if held_work_types is not None:
        required &= set(held_work_types)
    if required and not any(mark.work_type in required for mark in marks):
        titles = ", ".join(kind.title.lower() for kind in sorted(required, key=list(WorkType).index))
        unmet.append(Reason("NO_CONTROL_WORK_MARK",
                            f"Нет отметки за письменную, лабораторную или практическую работу ({titles})"))
    share = attendance.missed_share if attendance is not None else None
    if policy.max_missed_share is not None and share is not None and share > policy.max_missed_share:
        unmet.append(Reason("TOO_MANY_ABSENCES",
                            f"Пропущено {_percent(share)} % уроков, допускается не больше "
                            f"{_percent(policy.max_missed_share)} %"))
    return unmet


def _percent(share: Decimal) -> str:
    return russian_decimal(share * 100, 0)


# --- suggestions (G2, M4) -------------------------------------------------------


@dataclass(frozen=True)
class PeriodMarkSuggestion:
    """The suggested period mark, the rule that gave it, its basis and what is unmet (M2)."""

    value: int | PassFail | None
    rule: str  # the rounding (or pass/fail) rule in words
    explanation: str  # how this value came out of this basis
    basis: MarkBasis
    unmet: tuple[Reason, ...]

    @property
    def average(self) -> Decimal | None:
        return self.basis.average

    @property
    def can_set_mark(self) -> bool:
        return not self.unmet

    def allows(self, value: FinalMarkValue) -> Verdict:
        """Whether the teacher may set `value` (a mark, н/а or освобождён) for this period."""
        return final_mark_allowed(value, self.unmet)


def suggest_period_mark(
    marks: Collection[Mark],
    policy: MarkPolicy = DEFAULT_POLICY,
    *,
    scale: MarkScale = MarkScale.FIVE_POINT,
    held_work_types: Collection[WorkType] | None = None,
    absences: Iterable[Absence] | None = None,
    lessons_held: int | None = None,
) -> PeriodMarkSuggestion:
    """G2, M4, M2: the suggested quarter/trimester/half-year mark from the period's marks."""
    basis = mark_basis(marks, policy.weights, absences, lessons_held)
    unmet = tuple(unmet_attestation_requirements(marks, policy, held_work_types, basis.attendance))
    if scale is MarkScale.PASS_FAIL:
        value = _pass_fail_majority([mark.value for mark in basis.pass_fail])
        explanation = (f"«Зачёт»: {basis.pass_count} из {len(basis.pass_fail)}" if basis.pass_fail
                       else "Нет отметок «зачёт»/«незачёт»")
        return PeriodMarkSuggestion(value, PASS_FAIL_RULE, explanation, basis, unmet)
    if basis.average is None:
        return PeriodMarkSuggestion(None, policy.rounding.describe(),
                                    "Нет отметок по пятибалльной шкале — средний балл не вычисляется", basis, unmet)
    return PeriodMarkSuggestion(policy.rounding.round(basis.average), policy.rounding.describe(),
                                policy.rounding.explain(basis.average), basis, unmet)


def _pass_fail_majority(values: list) -> PassFail | None:
    if not values:
        return None
    passes = sum(1 for value in values if value is PassFail.PASS)
    return PassFail.PASS if 2 * passes >= len(values) else PassFail.FAIL


@dataclass(frozen=True)
class DerivedMarkSuggestion:
    """A year or final mark suggested from other final marks; `problems` block a mark (н/а allowed)."""

    value: FinalMarkValue | None
    average: Decimal | None
    explanation: str
    problems: tuple[Reason, ...] = ()

    def allows(self, value: FinalMarkValue) -> Verdict:
        return final_mark_allowed(value, self.problems)


def suggest_year_mark(
    period_marks: Mapping[int, FinalMarkValue],
    scheme: PeriodScheme,
    rounding: RoundingRule = STANDARD_ROUNDING,
) -> DerivedMarkSuggestion:
    """M1: the year mark from the marks of the attestation periods, keyed by period number.

    The plain mean of the periods' 1…5 marks, rounded by the same rule
    (4, 4, 3, 3 → 3,50 → «4»); periods the student was exempt from are left
    out; every period must have a mark, and a period with н/а leaves the
    year to the teacher (who may set н/а).  Pass/fail: зачёт when at least
    half of the periods are зачёт.
    """
    problems = []
    kind = scheme.period_kind
    for number in range(1, scheme.period_count + 1):
        value = period_marks.get(number)
        if value is None:
            problems.append(Reason("PERIOD_MARK_MISSING", f"Нет отметки за {period_title(kind, number)}"))
        elif value is SpecialFinalValue.NOT_ATTESTED:
            problems.append(Reason("PERIOD_NOT_ATTESTED", f"За {period_title(kind, number)} ученик не аттестован"))
    if problems:
        return DerivedMarkSuggestion(None, None, "Годовая отметка не выводится: " +
                                     "; ".join(p.message.lower() for p in problems), tuple(problems))
    counted = [value for value in period_marks.values() if value is not SpecialFinalValue.EXEMPT]
    if not counted:
        return DerivedMarkSuggestion(SpecialFinalValue.EXEMPT, None, "Освобождён во всех периодах")
    if all(isinstance(value, PassFail) for value in counted):
        value = _pass_fail_majority(counted)
        return DerivedMarkSuggestion(value, None, f"{PASS_FAIL_RULE}: «{value.title}»")
    return _mean_mark([value for value in counted if isinstance(value, int)], rounding, "отметок за периоды")


def suggest_overall_mark(
    year_mark: FinalMarkValue | None,
    exam_mark: FinalMarkValue | None = None,
    rounding: RoundingRule = STANDARD_ROUNDING,
) -> DerivedMarkSuggestion:
    """M1: the final (итоговая) mark — the year mark, or with an exam the mean of the two.

    Year «4» and exam «3» → 3,50 → «4».  Exemption from the exam leaves the
    year mark; н/а in the year or the exam leaves the final mark to the
    teacher (who may set н/а).
    """
    if year_mark is None:
        problem = Reason("YEAR_MARK_MISSING", "Нет годовой отметки")
        return DerivedMarkSuggestion(None, None, problem.message, (problem,))
    if year_mark is SpecialFinalValue.NOT_ATTESTED:
        problem = Reason("YEAR_NOT_ATTESTED", "За год ученик не аттестован")
        return DerivedMarkSuggestion(None, None, problem.message, (problem,))
    if exam_mark is SpecialFinalValue.NOT_ATTESTED:
        problem = Reason("EXAM_NOT_ATTESTED", "По экзамену ученик не аттестован")
        return DerivedMarkSuggestion(None, None, problem.message, (problem,))
    if exam_mark in (None, SpecialFinalValue.EXEMPT) or year_mark is SpecialFinalValue.EXEMPT:
        return DerivedMarkSuggestion(year_mark, None, "Итоговая отметка равна годовой")
    if isinstance(year_mark, PassFail) or isinstance(exam_mark, PassFail):
        raise RuleError("exam_mark", "Экзаменационная отметка ставится только по пятибалльной шкале")
    return _mean_mark([year_mark, exam_mark], rounding, "годовой и экзаменационной отметок")


def _mean_mark(values: list[int], rounding: RoundingRule, of_what: str) -> DerivedMarkSuggestion:
    average = to_hundredths(Decimal(sum(values)) / Decimal(len(values)))
    listed = ", ".join(str(value) for value in values)
    return DerivedMarkSuggestion(rounding.round(average), average,
                                 f"Среднее {of_what} ({listed}): {rounding.explain(average)}")
