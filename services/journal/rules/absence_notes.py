"""The class teacher's side of the weekly attendance reconciliation (J5, 4.3.1, 4.3.8).

The class teacher holds documents for a student's days (an illness note, a
parent's statement): on those days every lesson the student missed is ill
(б) or excused (у).  That is the class teacher's view; on other days it
agrees with the subject teachers.  `reconcile_week` (rules.attendance) finds
the differences; a difference is resolved by the reconciliation when the
subject teacher recorded a missed lesson of another kind (н → б); a student
the subject teacher saw at the lesson, or who came late, stays a difference
for the two teachers to settle.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from services.journal.rules.attendance import MISSED_KINDS, Absence, AbsenceDifference, AbsenceKind, absence_kind
from services.journal.rules.verdicts import RuleError

NOTE_KINDS = frozenset({AbsenceKind.ILL, AbsenceKind.EXCUSED})
MAX_NOTE_DAYS = 92


@dataclass(frozen=True)
class AbsenceNote:
    student_id: str
    first: dt.date
    last: dt.date
    kind: AbsenceKind

    def covers(self, student_id: str, day: dt.date) -> bool:
        return student_id == self.student_id and self.first <= day <= self.last


def absence_note(student_id: str, first: dt.date, last: dt.date, kind) -> AbsenceNote:
    """A note as the class teacher records it; RuleError naming the bad field."""
    if last < first:
        raise RuleError("last_date", "Последний день по документу — не раньше первого")
    if (last - first).days >= MAX_NOTE_DAYS:
        raise RuleError("last_date", f"Документ — не больше чем на {MAX_NOTE_DAYS} дня")
    checked = absence_kind(kind, "kind")
    if checked not in NOTE_KINDS:
        raise RuleError("kind", "По документу пропуск — «б» (болезнь) или «у» (уважительная причина)")
    return AbsenceNote(student_id, first, last, checked)


@dataclass(frozen=True)
class LessonSlot:
    """A lesson a student was expected at."""

    lesson_id: str
    date: dt.date
    student_id: str


def class_teacher_view(notes: Sequence[AbsenceNote], slots: Iterable[LessonSlot],
                       subject_records: Iterable[Absence]) -> list[Absence]:
    """J5: per lesson, what the class teacher holds: the note's kind on its days, else the subject teacher's."""
    recorded = {(absence.student_id, absence.lesson_id): absence for absence in subject_records}
    view = []
    for slot in slots:
        note = next((note for note in notes if note.covers(slot.student_id, slot.date)), None)
        if note is not None:
            view.append(Absence(slot.student_id, slot.date, note.kind, slot.lesson_id))
        elif (slot.student_id, slot.lesson_id) in recorded:
            view.append(recorded[(slot.student_id, slot.lesson_id)])
    return view


def resolvable(difference: AbsenceDifference) -> bool:
    """The reconciliation changes the subject teacher's mark: a missed lesson of another kind."""
    return (difference.subject_teacher in MISSED_KINDS and difference.class_teacher in NOTE_KINDS
            and difference.subject_teacher != difference.class_teacher)
