"""R1: each student's counted mark per subject from their summed marks, each distinct sum counted once."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from services.journal.rules.marks import PassFail
from services.reports.progress_reports import counted_marks
from services.reports.queries import SchoolData
from services.reports.rules.progress import MarkSums, r1_counted_mark_of_sums
from services.reports.rules.spans import Span

SPAN = Span(dt.date(2026, 9, 1), dt.date(2026, 10, 26), "1 четверть", "q1", "quarter")


def test_r1_pairs_sharing_their_sums_each_get_the_mark_of_those_sums():
    shared = MarkSums(Decimal("13.5"), Decimal("3.5"), 0, 0)  # 3,86 → «4»
    equal = MarkSums(Decimal("13.50"), Decimal("3.50"), 0, 0)
    data = SchoolData("school", SPAN, students={s: SimpleNamespace(id=s) for s in ("a", "b", "c", "d")})
    data.mark_sums = {
        ("a", "math"): shared, ("b", "math"): shared, ("c", "math"): equal,
        ("a", "art"): MarkSums(passes=1, fails=2),
        ("b", "art"): MarkSums(Decimal("5"), Decimal("2"), 0, 0),  # 2,50 → «3»
        ("d", "art"): MarkSums(),  # nothing counted
        ("gone", "math"): shared,  # not a student of the classes
        ("c", "art"): shared,  # a final mark with an empty value: the average counts
        ("d", "math"): shared,  # its final mark counts
    }
    data.final_marks = {("c", "art"): SimpleNamespace(value=""), ("d", "math"): SimpleNamespace(value="5")}
    counted = counted_marks(data)
    assert counted == {"a": {"math": 4, "art": PassFail.FAIL}, "b": {"math": 4, "art": 3}, "c": {"math": 4, "art": 4},
                       "d": {"math": 5}}
    for (student, subject), sums in data.mark_sums.items():
        final = data.final_marks.get((student, subject))
        expected = r1_counted_mark_of_sums(final.value if final else None, sums)
        if student in data.students and expected is not None:
            assert counted[student][subject] == expected.value
