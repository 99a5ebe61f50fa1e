"""Marks (отметки) and the kinds of work they are given for (J2, M2, M4).

A mark is «1»…«5» or, in subjects and works graded so, зачёт / незачёт.
Each mark has a work type; its weight in the average is the school's weight
for that work type unless the teacher set one on the mark itself.
"""
from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from services.journal.rules.rounding import HIGHEST_MARK, LOWEST_MARK, decimal_value
from services.journal.rules.verdicts import RuleError


class WorkType(enum.StrEnum):
    ORAL = "oral"
    WRITTEN = "written"
    TEST = "test"  # контрольная работа
    LABORATORY = "laboratory"
    PRACTICAL = "practical"
    HOMEWORK = "homework"
    DICTATION = "dictation"
    ESSAY = "essay"  # сочинение, изложение
    PRESENTATION = "presentation"
    INDEPENDENT = "independent"  # самостоятельная работа
    OTHER = "other"

    @property
    def title(self) -> str:
        return WORK_TYPE_TITLES[self]


WORK_TYPE_TITLES: dict[WorkType, str] = {
    WorkType.ORAL: "Устный ответ",
    WorkType.WRITTEN: "Письменная работа",
    WorkType.TEST: "Контрольная работа",
    WorkType.LABORATORY: "Лабораторная работа",
    WorkType.PRACTICAL: "Практическая работа",
    WorkType.HOMEWORK: "Домашнее задание",
    WorkType.DICTATION: "Диктант",
    WorkType.ESSAY: "Сочинение",
    WorkType.PRESENTATION: "Доклад, презентация",
    WorkType.INDEPENDENT: "Самостоятельная работа",
    WorkType.OTHER: "Другое",
}

# Weights by how much of a topic a work checks and how independently it is
# done: a контрольная covers a whole topic (2); written, laboratory and
# practical works, dictations, essays and самостоятельные are written checks
# of a part of it (1,5); an oral answer, homework, a presentation count once.
DEFAULT_WEIGHTS: dict[WorkType, Decimal] = {
    WorkType.ORAL: Decimal("1"),
    WorkType.WRITTEN: Decimal("1.5"),
    WorkType.TEST: Decimal("2"),
    WorkType.LABORATORY: Decimal("1.5"),
    WorkType.PRACTICAL: Decimal("1.5"),
    WorkType.HOMEWORK: Decimal("1"),
    WorkType.DICTATION: Decimal("1.5"),
    WorkType.ESSAY: Decimal("1.5"),
    WorkType.PRESENTATION: Decimal("1"),
    WorkType.INDEPENDENT: Decimal("1.5"),
    WorkType.OTHER: Decimal("1"),
}

MAX_WEIGHT = Decimal("10")

# Section 5.2: a quarter mark must take account of written, laboratory and
# practical works; a контрольная, a dictation, an essay and a самостоятельная
# are written works too.
CONTROL_WORK_TYPES: frozenset[WorkType] = frozenset({
    WorkType.WRITTEN, WorkType.TEST, WorkType.LABORATORY, WorkType.PRACTICAL,
    WorkType.DICTATION, WorkType.ESSAY, WorkType.INDEPENDENT,
})


class PassFail(enum.StrEnum):
    PASS = "pass"
    FAIL = "fail"

    @property
    def title(self) -> str:
        return "зачёт" if self is PassFail.PASS else "незачёт"


class MarkScale(enum.StrEnum):
    """How a subject is graded."""

    FIVE_POINT = "five_point"
    PASS_FAIL = "pass_fail"


MarkValue = int | PassFail

_PASS_FAIL_WORDS: dict[str, PassFail] = {
    "pass": PassFail.PASS, "зачёт": PassFail.PASS, "зачет": PassFail.PASS, "зач": PassFail.PASS,
    "зч": PassFail.PASS,
    "fail": PassFail.FAIL, "незачёт": PassFail.FAIL, "незачет": PassFail.FAIL, "незач": PassFail.FAIL,
    "нз": PassFail.FAIL,
}


def work_type(raw, field: str = "work_type") -> WorkType:
    """A WorkType from its code (`test`) or itself."""
    try:
        return WorkType(raw)
    except ValueError:
        raise RuleError(field, f"Неизвестный вид работы: «{raw}»") from None


def mark_value(raw, field: str = "value") -> MarkValue:
    """1…5 or зачёт/незачёт, from an int, '5', 'зачёт', 'pass' and the like."""
    if isinstance(raw, PassFail):
        return raw
    if isinstance(raw, str):
        text = raw.strip().lower()
        if text in _PASS_FAIL_WORDS:
            return _PASS_FAIL_WORDS[text]
        if text.isdigit():
            raw = int(text)
    if isinstance(raw, int) and not isinstance(raw, bool) and LOWEST_MARK <= raw <= HIGHEST_MARK:
        return raw
    raise RuleError(field, f"Отметка — целое число от 1 до 5, «зачёт» или «незачёт», а не «{raw}»")


def weight_value(raw, field: str = "weight") -> Decimal:
    """A weight: more than 0, at most 10."""
    value = decimal_value(raw, field)
    if not Decimal(0) < value <= MAX_WEIGHT:
        raise RuleError(field, f"Вес отметки — число больше 0 и не больше {MAX_WEIGHT}")
    return value


def school_weights(overrides: Mapping | None = None) -> dict[WorkType, Decimal]:
    """The default weights with a school's own, e.g. {"test": 3}; each is checked."""
    weights = dict(DEFAULT_WEIGHTS)
    for key, raw in (overrides or {}).items():
        kind = work_type(key, "weights")
        weights[kind] = weight_value(raw, f"weights.{kind.value}")
    return weights


@dataclass(frozen=True)
class Mark:
    """One mark as the journal holds it; built straight from a row, values checked."""

    value: MarkValue
    work_type: WorkType
    date: dt.date
    weight: Decimal | None = None  # None: the school's weight for the work type
    id: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", mark_value(self.value))
        object.__setattr__(self, "work_type", work_type(self.work_type))
        if isinstance(self.date, dt.datetime):
            object.__setattr__(self, "date", self.date.date())
        elif not isinstance(self.date, dt.date):
            raise RuleError("date", "Дата отметки не указана")
        if self.weight is not None:
            object.__setattr__(self, "weight", weight_value(self.weight))

    @property
    def is_pass_fail(self) -> bool:
        return isinstance(self.value, PassFail)


def mark_weight(mark: Mark, weights: Mapping[WorkType, Decimal] = DEFAULT_WEIGHTS) -> Decimal:
    """The mark's own weight, else the school's for its work type, else 1."""
    if mark.weight is not None:
        return mark.weight
    return weights.get(mark.work_type, Decimal(1))


def numeric_marks(marks: Iterable[Mark]) -> list[Mark]:
    """The 1…5 marks; зачёт/незачёт are not averaged."""
    return [mark for mark in marks if not mark.is_pass_fail]
