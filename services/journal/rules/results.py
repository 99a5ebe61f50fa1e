"""Results of attestation for reports (R1): успеваемость, качество, mean mark, СОУ.

For a list of final marks (one subject, or anything else):
- успеваемость (pass_rate): the share of marks «3»…«5» and зачёт among all
  marks but освобождён; н/а is not passing;
- качество (quality_rate): the share of «4» and «5» among the 1…5 marks and
  н/а (a зачёт says nothing of quality);
- mean: of the 1…5 marks; СОУ (степень обученности): the mean of 100 % for
  each «5», 64 % for «4», 36 % for «3», 16 % for «2», 7 % for «1».

For students with their marks across subjects, each student falls in one
group — with a «2» (or незачёт) first, then not attested (any н/а), then
only «5», «4» and «5», with one «3», with «3»; a student with no 1…5 mark,
н/а or незачёт is not graded and counts in no rate.  Успеваемость is the
share of graded students neither failing nor not attested, качество the
share with only «5» or «4» and «5».  Percentages have one decimal place.
"""
from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from services.journal.rules.final_marks import FinalMarkValue, SpecialFinalValue
from services.journal.rules.marks import PassFail
from services.journal.rules.rounding import to_hundredths

SOU_PERCENT: dict[int, int] = {5: 100, 4: 64, 3: 36, 2: 16, 1: 7}
TENTH = Decimal("0.1")


def percent(part: int, whole: int) -> Decimal | None:
    """part / whole × 100, half up to a tenth; None when there is nothing to divide by."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(TENTH, rounding=ROUND_HALF_UP)


def _numeric(marks: Iterable[FinalMarkValue]) -> list[int]:
    # `type(mark) is int` first: the common case without two isinstance calls per mark
    return [mark for mark in marks if type(mark) is int or (isinstance(mark, int) and not isinstance(mark, bool))]


def mean_mark(marks: Iterable[FinalMarkValue]) -> Decimal | None:
    numbers = _numeric(marks)
    return to_hundredths(Decimal(sum(numbers)) / len(numbers)) if numbers else None


def sou(marks: Iterable[FinalMarkValue]) -> Decimal | None:
    """СОУ in per cent over the 1…5 marks."""
    numbers = _numeric(marks)
    if not numbers:
        return None
    total = sum(SOU_PERCENT[number] for number in numbers)
    return (Decimal(total) / len(numbers)).quantize(TENTH, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class MarksSummary:
    count_by_value: Mapping[int, int]
    passes: int  # зачёт
    fails: int  # незачёт
    not_attested: int
    exempt: int
    pass_rate: Decimal | None
    quality_rate: Decimal | None
    mean: Decimal | None
    sou: Decimal | None

    @property
    def assessed(self) -> int:
        """Every mark but освобождён."""
        return sum(self.count_by_value.values()) + self.passes + self.fails + self.not_attested


def marks_summary(marks: Iterable[FinalMarkValue]) -> MarksSummary:
    """R1: успеваемость, качество, mean and СОУ of a list of final marks."""
    marks = list(marks)
    numbers = _numeric(marks)
    by_value = Counter(numbers)
    if len(numbers) == len(marks):  # only 1…5 marks: nothing else to count
        passes = fails = not_attested = exempt = 0
    else:
        others = Counter(mark for mark in marks if isinstance(mark, (PassFail, SpecialFinalValue)))
        passes, fails = others[PassFail.PASS], others[PassFail.FAIL]
        not_attested, exempt = others[SpecialFinalValue.NOT_ATTESTED], others[SpecialFinalValue.EXEMPT]
    assessed = len(numbers) + passes + fails + not_attested
    passed = sum(count for value, count in by_value.items() if value >= 3) + passes
    good = by_value[4] + by_value[5]
    return MarksSummary(
        count_by_value={value: by_value[value] for value in range(5, 0, -1)},
        passes=passes, fails=fails, not_attested=not_attested, exempt=exempt,
        pass_rate=percent(passed, assessed),
        quality_rate=percent(good, len(numbers) + not_attested),
        mean=mean_mark(numbers), sou=sou(numbers),
    )


class StudentStanding(enum.StrEnum):
    ONLY_FIVES = "only_fives"
    FOURS_AND_FIVES = "fours_and_fives"
    ONE_THREE = "one_three"
    THREES = "threes"
    FAILING = "failing"
    NOT_ATTESTED = "not_attested"

    @property
    def title(self) -> str:
        return STANDING_TITLES[self]


STANDING_TITLES = {
    StudentStanding.ONLY_FIVES: "Только на «5»",
    StudentStanding.FOURS_AND_FIVES: "На «4» и «5»",
    StudentStanding.ONE_THREE: "С одной «3»",
    StudentStanding.THREES: "С «3»",
    StudentStanding.FAILING: "С «2»",
    StudentStanding.NOT_ATTESTED: "Не аттестованы",
}


def student_standing(marks: Iterable[FinalMarkValue]) -> StudentStanding | None:
    """The student's group by their final marks across subjects, or None if not graded."""
    marks = list(marks)
    return _standing(marks, _numeric(marks))


def _standing(marks: list[FinalMarkValue], numbers: list[int]) -> StudentStanding | None:
    """`student_standing` of the marks, given their 1…5 marks."""
    if numbers and min(numbers) <= 2:
        return StudentStanding.FAILING
    if len(numbers) < len(marks):  # not only 1…5 marks
        if PassFail.FAIL in marks:
            return StudentStanding.FAILING
        if SpecialFinalValue.NOT_ATTESTED in marks:
            return StudentStanding.NOT_ATTESTED
    if not numbers:
        return None
    threes = numbers.count(3)
    if threes > 1:
        return StudentStanding.THREES
    if threes == 1:
        return StudentStanding.ONE_THREE
    return StudentStanding.FOURS_AND_FIVES if 4 in numbers else StudentStanding.ONLY_FIVES


@dataclass(frozen=True)
class ClassResults:
    standings: Mapping[str, StudentStanding | None]
    counts: Mapping[StudentStanding, int]
    pass_rate: Decimal | None
    quality_rate: Decimal | None
    mean: Decimal | None
    sou: Decimal | None

    @property
    def graded(self) -> int:
        return sum(self.counts.values())

    @property
    def not_graded(self) -> int:
        return sum(1 for standing in self.standings.values() if standing is None)

    def students(self, standing: StudentStanding) -> list[str]:
        return sorted(student for student, theirs in self.standings.items() if theirs is standing)


def class_results(marks_by_student: Mapping[str, Iterable[FinalMarkValue]]) -> ClassResults:
    """R1: a class's (or school's) results from each student's final marks across subjects."""
    standings: dict[str, StudentStanding | None] = {}
    counts = dict.fromkeys(StudentStanding, 0)
    total = sou_total = numeric = 0  # of every 1…5 mark: their sum, their СОУ percentages summed, how many
    for student, marks in marks_by_student.items():
        marks = list(marks)
        numbers = _numeric(marks)
        standing = standings[student] = _standing(marks, numbers)
        if standing is not None:
            counts[standing] += 1
        if numbers:
            total += sum(numbers)
            sou_total += sum(SOU_PERCENT[number] for number in numbers)
            numeric += len(numbers)
    graded = sum(counts.values())
    passing = graded - counts[StudentStanding.FAILING] - counts[StudentStanding.NOT_ATTESTED]
    good = counts[StudentStanding.ONLY_FIVES] + counts[StudentStanding.FOURS_AND_FIVES]
    return ClassResults(
        standings=standings,
        counts=counts,
        pass_rate=percent(passing, graded),
        quality_rate=percent(good, graded),
        # as mean_mark and sou of every mark
        mean=to_hundredths(Decimal(total) / numeric) if numeric else None,
        sou=(Decimal(sou_total) / numeric).quantize(TENTH, rounding=ROUND_HALF_UP) if numeric else None,
    )
