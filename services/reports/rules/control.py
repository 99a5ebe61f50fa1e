"""Control of journal keeping (R2, 3.5, 4.6.5): what a teacher has not filled in.

For one teacher's class and subject in a study period, counting the lessons
held up to today (not cancelled): lessons without a topic (J2), without
homework (J2), without attendance taken (J2); students with fewer than three
marks (M2) once the period's end is near (`NEAR_END_DAYS`); students without
a final mark (M3) once the final-marks deadline is near (`DEADLINE_WARNING_DAYS`)
or past.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from services.journal.rules.attestation import REGULATION_MIN_MARKS

NEAR_END_DAYS = 14
DEADLINE_WARNING_DAYS = 7


@dataclass(frozen=True)
class LessonFact:
    day: dt.date
    topic: str
    homework: str
    attendance_taken: bool


@dataclass(frozen=True)
class Omissions:
    lessons_held: int
    without_topic: tuple[dt.date, ...]
    without_homework: tuple[dt.date, ...]
    without_attendance: tuple[dt.date, ...]
    few_marks: tuple[str, ...]  # students with fewer than three marks, when the end is near
    missing_final: tuple[str, ...]  # students without a final mark, when the deadline is near

    @property
    def total(self) -> int:
        return (len(self.without_topic) + len(self.without_homework) + len(self.without_attendance)
                + len(self.few_marks) + len(self.missing_final))


def r2_journal_omissions(
    lessons: Iterable[LessonFact], mark_counts: Mapping[str, int], students: Collection[str],
    with_final_mark: Collection[str], period_end: dt.date, deadline: dt.date, today: dt.date,
) -> Omissions:
    held = sorted((lesson for lesson in lessons if lesson.day <= today), key=lambda lesson: lesson.day)
    near_end = (period_end - today).days <= NEAR_END_DAYS
    deadline_near = (deadline - today).days <= DEADLINE_WARNING_DAYS
    few = tuple(sorted(s for s in students if mark_counts.get(s, 0) < REGULATION_MIN_MARKS)) if near_end else ()
    missing = tuple(sorted(s for s in students if s not in with_final_mark)) if deadline_near else ()
    return Omissions(
        lessons_held=len(held),
        without_topic=tuple(lesson.day for lesson in held if not lesson.topic.strip()),
        without_homework=tuple(lesson.day for lesson in held if not lesson.homework.strip()),
        without_attendance=tuple(lesson.day for lesson in held if not lesson.attendance_taken),
        few_marks=few,
        missing_final=missing,
    )
