"""Attendance (J5, sections 4.3.1 and 4.3.8).

Per lesson a student is present or has one absence mark: н (unexcused),
у (excused), б (ill) or оп (late).  A student who came late attended the
lesson, so оп is counted apart and never as a missed lesson; missed lessons
are н + у + б.
"""
from __future__ import annotations

import datetime as dt
import enum
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from services.journal.rules.verdicts import RuleError
from services.journal.rules.wording import russian_date


class AbsenceKind(enum.StrEnum):
    UNEXCUSED = "unexcused"
    EXCUSED = "excused"
    ILL = "ill"
    LATE = "late"

    @property
    def code(self) -> str:
        """The letters written in the journal cell."""
        return ABSENCE_CODES[self]

    @property
    def title(self) -> str:
        return ABSENCE_TITLES[self]


ABSENCE_CODES: dict[AbsenceKind, str] = {
    AbsenceKind.UNEXCUSED: "н",
    AbsenceKind.EXCUSED: "у",
    AbsenceKind.ILL: "б",
    AbsenceKind.LATE: "оп",
}

ABSENCE_TITLES: dict[AbsenceKind, str] = {
    AbsenceKind.UNEXCUSED: "Пропуск без уважительной причины",
    AbsenceKind.EXCUSED: "Пропуск по уважительной причине",
    AbsenceKind.ILL: "Пропуск по болезни",
    AbsenceKind.LATE: "Опоздание",
}

MISSED_KINDS = frozenset({AbsenceKind.UNEXCUSED, AbsenceKind.EXCUSED, AbsenceKind.ILL})


def absence_kind(raw, field: str = "kind") -> AbsenceKind:
    """From the code (`ill`) or the journal letters (`б`)."""
    if isinstance(raw, str):
        text = raw.strip().lower()
        for kind, letters in ABSENCE_CODES.items():
            if text == letters:
                return kind
        raw = text
    try:
        return AbsenceKind(raw)
    except ValueError:
        raise RuleError(field, f"Неизвестная отметка посещаемости: «{raw}» (допустимо: н, у, б, оп)") from None


@dataclass(frozen=True)
class Absence:
    """One student's absence mark at one lesson."""

    student_id: str
    lesson_date: dt.date
    kind: AbsenceKind
    lesson_id: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", absence_kind(self.kind))
        if isinstance(self.lesson_date, dt.datetime):
            object.__setattr__(self, "lesson_date", self.lesson_date.date())
        elif not isinstance(self.lesson_date, dt.date):
            raise RuleError("lesson_date", "Дата урока не указана")


@dataclass(frozen=True)
class AttendanceCounts:
    """Absence marks counted by kind; `lessons_held` when known gives the share missed."""

    by_kind: Mapping[AbsenceKind, int] = field(default_factory=dict)
    lessons_held: int | None = None

    def count(self, kind: AbsenceKind) -> int:
        return self.by_kind.get(kind, 0)

    @property
    def missed(self) -> int:
        """н + у + б: late (оп) is not a missed lesson."""
        return sum(self.count(kind) for kind in MISSED_KINDS)

    @property
    def unexcused(self) -> int:
        return self.count(AbsenceKind.UNEXCUSED)

    @property
    def late(self) -> int:
        return self.count(AbsenceKind.LATE)

    @property
    def missed_share(self) -> Decimal | None:
        """Missed lessons as a share of lessons held (0…1), when lessons held are known."""
        if not self.lessons_held:
            return None
        return Decimal(self.missed) / Decimal(self.lessons_held)


def attendance_counts(absences: Iterable[Absence], lessons_held: int | None = None) -> AttendanceCounts:
    if lessons_held is not None and lessons_held < 0:
        raise RuleError("lessons_held", "Число проведённых уроков не может быть отрицательным")
    counts = Counter(absence.kind for absence in absences)
    return AttendanceCounts(by_kind=dict(counts), lessons_held=lessons_held)


# --- the week (4.3.1, 4.3.8) ---------------------------------------------------


@dataclass(frozen=True)
class Week:
    """Monday to Sunday."""

    monday: dt.date

    def __post_init__(self) -> None:
        if self.monday.weekday() != 0:
            raise RuleError("week", f"Неделя начинается с понедельника, а {russian_date(self.monday)} — не понедельник")

    @classmethod
    def containing(cls, day: dt.date) -> Week:
        return cls(day - dt.timedelta(days=day.weekday()))

    @property
    def sunday(self) -> dt.date:
        return self.monday + dt.timedelta(days=6)

    def __contains__(self, day: dt.date) -> bool:
        return self.monday <= day <= self.sunday


def weekly_missed_lessons(absences: Iterable[Absence], week: Week) -> dict[str, AttendanceCounts]:
    """J5, 4.3.1: per student, the week's absence marks by kind (missed = н + у + б; оп apart)."""
    per_student: dict[str, Counter] = {}
    for absence in absences:
        if absence.lesson_date in week:
            per_student.setdefault(absence.student_id, Counter())[absence.kind] += 1
    return {student: AttendanceCounts(by_kind=dict(counts)) for student, counts in sorted(per_student.items())}


@dataclass(frozen=True)
class AbsenceDifference:
    """A lesson where the class teacher's and the subject teacher's records differ (None = present)."""

    student_id: str
    lesson_id: str
    lesson_date: dt.date
    class_teacher: AbsenceKind | None
    subject_teacher: AbsenceKind | None

    @property
    def message(self) -> str:
        def said(kind: AbsenceKind | None) -> str:
            return "присутствовал" if kind is None else f"«{kind.code}» ({kind.title.lower()})"

        return (f"{russian_date(self.lesson_date)}: у классного руководителя — {said(self.class_teacher)}, "
                f"у учителя-предметника — {said(self.subject_teacher)}")


def reconcile_week(
    class_teacher_view: Iterable[Absence], subject_teacher_view: Iterable[Absence], week: Week,
) -> list[AbsenceDifference]:
    """J5, 4.3.8: the week's lessons where the two views differ, by date, student and lesson.

    Both views are absence marks per lesson (`lesson_id` required); a lesson
    missing from a view means the student was present in that view.
    """
    def by_lesson(view: Iterable[Absence], name: str) -> dict[tuple[str, str], Absence]:
        keyed: dict[tuple[str, str], Absence] = {}
        for absence in view:
            if not absence.lesson_id:
                raise RuleError(f"{name}.lesson_id", "Для сверки пропусков у каждой записи нужен урок")
            if absence.lesson_date in week:
                keyed[(absence.student_id, absence.lesson_id)] = absence
        return keyed

    ours = by_lesson(class_teacher_view, "class_teacher_view")
    theirs = by_lesson(subject_teacher_view, "subject_teacher_view")
    differences = []
    for key in ours.keys() | theirs.keys():
        mine, other = ours.get(key), theirs.get(key)
        mine_kind = mine.kind if mine else None
        other_kind = other.kind if other else None
        if mine_kind != other_kind:
            day = (mine or other).lesson_date
            differences.append(AbsenceDifference(key[0], key[1], day, mine_kind, other_kind))
    return sorted(differences, key=lambda d: (d.lesson_date, d.student_id, d.lesson_id))
