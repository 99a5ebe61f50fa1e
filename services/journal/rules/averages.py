"""The weighted average of a student's marks in a period, and its basis (G2, M4).

average = Σ(value × weight) / Σ weight over the 1…5 marks; зачёт/незачёт are
shown in the basis but not averaged.  The average is rounded half up to
hundredths, the figure the teacher sees.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from services.journal.rules.attendance import Absence, AttendanceCounts, attendance_counts
from services.journal.rules.marks import DEFAULT_WEIGHTS, Mark, PassFail, WorkType, mark_weight
from services.journal.rules.rounding import to_hundredths


@dataclass(frozen=True)
class WeightedMark:
    mark: Mark
    weight: Decimal


@dataclass(frozen=True)
class MarkBasis:
    """M4: what a final mark rests on, as shown beside it."""

    averaged: tuple[WeightedMark, ...]  # the 1…5 marks with the weight each counted with
    pass_fail: tuple[Mark, ...]  # зачёт/незачёт marks: shown, not averaged
    weighted_sum: Decimal
    weight_total: Decimal
    average: Decimal | None  # None when there is no 1…5 mark
    count_by_work_type: Mapping[WorkType, int]  # every mark, by work type
    attendance: AttendanceCounts | None = None

    @property
    def mark_count(self) -> int:
        return len(self.averaged) + len(self.pass_fail)

    @property
    def pass_count(self) -> int:
        return sum(1 for mark in self.pass_fail if mark.value is PassFail.PASS)


def weighted_average(marks: Iterable[Mark], weights: Mapping[WorkType, Decimal] = DEFAULT_WEIGHTS) -> Decimal | None:
    """The weighted average of the 1…5 marks to hundredths, or None if there are none."""
    return mark_basis(marks, weights).average


def mark_basis(
    marks: Iterable[Mark],
    weights: Mapping[WorkType, Decimal] = DEFAULT_WEIGHTS,
    absences: Iterable[Absence] | None = None,
    lessons_held: int | None = None,
) -> MarkBasis:
    """The marks (in date order) with their weights, the sums, the average and the attendance."""
    ordered = sorted(marks, key=lambda mark: (mark.date, mark.id))
    averaged = tuple(WeightedMark(mark, mark_weight(mark, weights)) for mark in ordered if not mark.is_pass_fail)
    weighted_sum = sum((item.weight * item.mark.value for item in averaged), Decimal(0))
    weight_total = sum((item.weight for item in averaged), Decimal(0))
    average = to_hundredths(weighted_sum / weight_total) if weight_total else None
    counts = Counter(mark.work_type for mark in ordered)
    attendance = None
    if absences is not None or lessons_held is not None:
        attendance = attendance_counts(absences or (), lessons_held)
    return MarkBasis(
        averaged=averaged,
        pass_fail=tuple(mark for mark in ordered if mark.is_pass_fail),
        weighted_sum=weighted_sum,
        weight_total=weight_total,
        average=average,
        count_by_work_type=dict(counts),
        attendance=attendance,
    )
