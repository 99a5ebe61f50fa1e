"""Attendance figures (J5, G3): lessons missed per student, excused vs unexcused, per week.

Kinds: н (unexcused), у (excused), б (ill), оп (late).  Missed = н + у + б;
excused = у + б; late is counted apart and is not a missed lesson.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class AbsenceFact:
    student_id: str
    day: dt.date
    kind: str  # unexcused, excused, ill, late


@dataclass(frozen=True)
class Missed:
    missed: int = 0
    excused: int = 0
    unexcused: int = 0
    late: int = 0


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _missed(kinds: Counter) -> Missed:
    excused = kinds["excused"] + kinds["ill"]
    return Missed(excused + kinds["unexcused"], excused, kinds["unexcused"], kinds["late"])


def j5_missed_by_student(absences: Iterable[AbsenceFact]) -> dict[str, Missed]:
    kinds: dict[str, Counter] = defaultdict(Counter)
    for absence in absences:
        kinds[absence.student_id][absence.kind] += 1
    return {student: _missed(counter) for student, counter in kinds.items()}


def j5_missed_by_week(absences: Iterable[AbsenceFact]) -> dict[dt.date, Missed]:
    """Missed lessons per week (Monday's date), weeks in order."""
    kinds: dict[dt.date, Counter] = defaultdict(Counter)
    for absence in absences:
        kinds[week_start(absence.day)][absence.kind] += 1
    return {week: _missed(kinds[week]) for week in sorted(kinds)}
