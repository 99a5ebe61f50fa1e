"""The forecast of a student's period mark and of failing it (G4, R4).

Features, all from what the journal held on the day of the forecast (nothing later):
- A, n — the weighted average and number of the subject's 1…5 marks in the period so far;
- S — the student's weighted average over all subjects in the period so far (how the student does overall);
- P — the student's mark in the subject for the previous period of the same kind, if any;
- reasons only: the last four marks, the written-work average, unexcused absences.

The expected average shrinks the subject's own average towards S and P, the
more the fewer marks there are (empirical Bayes):

    expected = (n·A + k_s·S + k_p·P) / (n + k_s + k_p)   (a term drops out when its figure is missing)

rounded by the standard rule.  The probability of failing (a «2» or н/а) is
P(mark < 2,5) under a normal error around `expected`, with the spread
measured on the training periods for few (0–2), some (3–5) and many (6+) marks;
fewer than three marks by the period's end also risk «н/а» (M2).

`k_s`, `k_p` and the spreads are fitted by `bench/reports_bench.py` on a
time-ordered split of the journal's history (train on earlier periods, test
on later ones) and written in `DEFAULT_MODEL`.  The baseline it must beat is
the current weighted average rounded.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from services.journal.rules.attestation import REGULATION_MIN_MARKS
from services.journal.rules.rounding import STANDARD_ROUNDING
from services.journal.rules.wording import russian_decimal

WRITTEN_WORK = frozenset({"written", "test", "laboratory", "practical", "dictation", "essay", "independent"})


@dataclass(frozen=True)
class Features:
    average: float | None  # A
    count: int  # n
    overall: float | None  # S
    previous: float | None  # P
    last_marks: tuple[int, ...] = ()
    written_average: float | None = None
    unexcused: int = 0
    remaining_share: float = 0.0


@dataclass(frozen=True)
class Model:
    k_overall: float
    k_previous: float
    spread: tuple[float, float, float]  # for 0–2, 3–5, 6+ marks

    def expected(self, f: Features) -> float | None:
        weight, total = float(f.count), (f.average or 0.0) * f.count
        if f.overall is not None:
            weight, total = weight + self.k_overall, total + self.k_overall * f.overall
        if f.previous is not None:
            weight, total = weight + self.k_previous, total + self.k_previous * f.previous
        if weight == 0 or (f.count == 0 and f.overall is None and f.previous is None):
            return None
        return total / weight

    def sigma(self, count: int) -> float:
        return self.spread[0] if count < 3 else self.spread[1] if count < 6 else self.spread[2]


# Fitted by bench/reports_bench.py (quarters 1–2 of its generated district; see the README for the figures).
DEFAULT_MODEL = Model(k_overall=2.0, k_previous=0.5, spread=(0.509, 0.411, 0.423))


def round_mark(value: float) -> int:
    return STANDARD_ROUNDING.round(Decimal(str(round(value, 4))))


def baseline_mark(f: Features) -> int | None:
    """The naive forecast: the current weighted average rounded."""
    return round_mark(f.average) if f.average is not None and f.count else None


def _normal_cdf(x: float) -> float:
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


@dataclass(frozen=True)
class Forecast:
    mark: int | None
    expected: float | None
    failing_probability: float  # 0…1
    reasons: tuple[str, ...]


def g4_forecast(f: Features, model: Model = DEFAULT_MODEL) -> Forecast:
    """G4: the expected period mark, the probability of failing, and why, in plain Russian."""
    expected = model.expected(f)
    reasons: list[str] = []
    if expected is None:
        return Forecast(None, None, 0.0, ("Отметок пока нет — прогноз невозможен",))
    probability = _normal_cdf((2.5 - expected) / model.sigma(f.count))
    if f.count < REGULATION_MIN_MARKS:
        # fewer than three marks: may end not attested unless marks come in the time left
        risk = 0.6 if f.remaining_share < 0.15 else 0.15 if f.remaining_share < 0.5 else 0.0
        probability = max(probability, risk)
        reasons.append(f"отметок {f.count} — для аттестации нужно не меньше трёх")
    if f.average is not None and f.count:
        reasons.append(f"средний балл сейчас {russian_decimal(Decimal(str(round(f.average, 2))))}")
    low = sum(1 for value in f.last_marks[-4:] if value <= 3)
    if len(f.last_marks) >= 3 and low >= len(f.last_marks[-4:]) - 1 and low:
        reasons.append(f"{low} из последних {len(f.last_marks[-4:])} отметок — «3» или ниже")
    if f.written_average is not None and f.written_average < 3.5:
        reasons.append(f"средний балл за письменные работы — "
                       f"{russian_decimal(Decimal(str(round(f.written_average, 2))), 1)}")
    if f.unexcused:
        reasons.append(f"{f.unexcused} {_plural(f.unexcused, 'пропуск', 'пропуска', 'пропусков')} "
                       f"без уважительной причины")
    if f.previous is not None and f.previous < 3:
        reasons.append(f"в прошлом периоде — «{round_mark(f.previous)}»")
    return Forecast(round_mark(expected), expected, round(probability, 3), tuple(reasons))


def _plural(n: int, one: str, few: str, many: str) -> str:
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


@dataclass(frozen=True)
class Example:
    features: Features
    actual: int  # the period mark it came to


def accuracy(examples: Sequence[Example], predict) -> float:
    hits = sum(1 for example in examples if predict(example.features) == example.actual)
    return hits / len(examples) if examples else 0.0


def g4_fit(examples: Sequence[Example], grid: Iterable[float] = (0, 0.5, 1, 1.5, 2, 3, 4, 6, 8)) -> Model:
    """Fit k_s and k_p by the accuracy of the rounded forecast on training examples, then the spreads."""
    grid = list(grid)
    best, best_score = DEFAULT_MODEL, -1.0
    for k_overall in grid:
        for k_previous in grid:
            candidate = Model(k_overall, k_previous, DEFAULT_MODEL.spread)
            score = accuracy(examples, lambda f, m=candidate: (lambda e: round_mark(e) if e is not None else None)(
                m.expected(f)))
            if score > best_score:
                best, best_score = candidate, score
    spreads = []
    for low, high in ((0, 3), (3, 6), (6, 10_000)):
        residuals = [example.actual - best.expected(example.features) for example in examples
                     if low <= example.features.count < high and best.expected(example.features) is not None]
        spreads.append(round(math.sqrt(sum(r * r for r in residuals) / len(residuals)), 3)
                       if len(residuals) > 5 else DEFAULT_MODEL.spread[len(spreads)])
    return Model(best.k_overall, best.k_previous, tuple(spreads))
