"""Which mark counts for a student and subject in a report (R1), and the standing lists (G3).

A report over a study period uses the final mark of that period where it is
set; where it is not (yet), or over a range of days, it uses the weighted
average of the marks in the span rounded by the standard rule, and says so.
A student with no mark at all in a subject is not counted in it.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from services.journal.rules.averages import weighted_average
from services.journal.rules.final_marks import FinalMarkValue, SpecialFinalValue
from services.journal.rules.marks import Mark, PassFail, mark_value
from services.journal.rules.marks import DEFAULT_WEIGHTS, WorkType
from services.journal.rules.rounding import STANDARD_ROUNDING, RoundingRule, to_hundredths


def final_value(text: str) -> FinalMarkValue:
    """A final mark's value as events carry it: "1"…"5", "pass", "fail", "not_attested", "exempt"."""
    if text in ("not_attested", "exempt"):
        return SpecialFinalValue(text)
    return mark_value(text)


@dataclass(frozen=True)
class CountedMark:
    value: FinalMarkValue
    from_final_mark: bool
    average: Decimal | None = None


def r1_counted_mark(final_text: str | None, marks: Iterable[Mark],
                    rounding: RoundingRule = STANDARD_ROUNDING) -> CountedMark | None:
    """The final mark if set, else the rounded weighted average of the marks; None with neither."""
    if final_text:
        return CountedMark(final_value(final_text), True)
    marks = list(marks)
    average = weighted_average(marks)
    if average is None:
        passes = [mark.value for mark in marks if mark.is_pass_fail]
        if not passes:
            return None
        # зачёт when at least half the pass/fail marks are зачёт
        ok = sum(1 for value in passes if value is PassFail.PASS) * 2 >= len(passes)
        return CountedMark(PassFail.PASS if ok else PassFail.FAIL, False)
    return CountedMark(rounding.round(average), False, average)


def r1_threes_and_twos(marks_by_subject: Mapping[str, FinalMarkValue]) -> tuple[list[str], list[str], list[str]]:
    """The subjects with a «3», with a «2» or незачёт, and not attested, of one student."""
    threes = sorted(subject for subject, value in marks_by_subject.items() if value == 3)
    twos = sorted(subject for subject, value in marks_by_subject.items()
                  if (isinstance(value, int) and value <= 2) or str(value) == "fail")
    not_attested = sorted(subject for subject, value in marks_by_subject.items() if str(value) == "not_attested")
    return threes, twos, not_attested


@dataclass(frozen=True)
class MarkGroup:
    """`count` marks of one value, weight and work type (a GROUP BY of the read model)."""

    value: str
    weight: str
    work_type: str
    count: int


def r1_mark_weight(weight: str, work_type: str) -> Decimal:
    """A mark's weight: its own where the event gives one, else the default weight of its work type (else 1)."""
    if weight:
        return Decimal(weight)
    try:
        return DEFAULT_WEIGHTS.get(WorkType(work_type), Decimal(1))
    except ValueError:
        return Decimal(1)


@dataclass(frozen=True, slots=True)
class MarkSums:
    """A student's marks in a subject, summed: Σ value × weight and Σ weight of the «1»…«5», зачёт and незачёт."""

    weighted: Decimal = Decimal(0)
    weight: Decimal = Decimal(0)
    passes: int = 0
    fails: int = 0

    def __add__(self, other: MarkSums) -> MarkSums:
        return MarkSums(self.weighted + other.weighted, self.weight + other.weight, self.passes + other.passes,
                        self.fails + other.fails)


def r1_mark_sums(groups: Iterable[MarkGroup]) -> MarkSums:
    """The sums of counted groups of marks; a value the rules do not count (not 1…5, зачёт, незачёт) adds nothing."""
    weighted, total, passes, fails = Decimal(0), Decimal(0), 0, 0
    for group in groups:
        if group.value == "pass":
            passes += group.count
        elif group.value == "fail":
            fails += group.count
        elif group.value.isdigit() and 1 <= int(group.value) <= 5:
            weight = r1_mark_weight(group.weight, group.work_type)
            weighted += int(group.value) * weight * group.count
            total += weight * group.count
    return MarkSums(weighted, total, passes, fails)


def r1_counted_mark_of_sums(final_text: str | None, sums: MarkSums | None,
                            rounding: RoundingRule = STANDARD_ROUNDING) -> CountedMark | None:
    """`r1_counted_mark` over a student's summed marks in a subject: the same figure without a row per mark."""
    if final_text:
        return CountedMark(final_value(final_text), True)
    if sums is None:
        return None
    if sums.weight:
        average = to_hundredths(sums.weighted / sums.weight)
        return CountedMark(rounding.round(average), False, average)
    if sums.passes or sums.fails:
        return CountedMark(PassFail.PASS if sums.passes >= sums.fails else PassFail.FAIL, False)
    return None


def r1_counted_mark_of_groups(final_text: str | None, groups: Iterable[MarkGroup],
                              rounding: RoundingRule = STANDARD_ROUNDING) -> CountedMark | None:
    """`r1_counted_mark` over counted groups of marks: the same figures without a row per mark."""
    return r1_counted_mark_of_sums(final_text, r1_mark_sums(groups), rounding)
