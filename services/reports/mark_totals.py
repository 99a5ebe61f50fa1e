"""Each student's marks per subject, class and study period, summed: what a period's report reads (R1).

A row of `rm_mark_total` holds, for one study period of a school, the sums of
one student's marks in one subject (and class) whose lesson falls within the
period's dates: exactly the marks a report over that period counts, so the
report reads one row per student and subject instead of every mark.  The
rows are computed again from `rm_mark` whenever a mark of the pair changes
and, for a whole period, whenever the period changes; events arriving in any
order therefore leave the same rows.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import and_, delete, select, tuple_

from services.reports import store
from services.reports.rules.progress import MarkGroup, MarkSums, r1_mark_sums

m, total, period = store.mark, store.mark_total, store.period


def _rows(periods, marks) -> list[dict]:
    """The total rows of the marks in each period (`periods`: rows with period_id, start_date, end_date)."""
    sums: dict[tuple[str, str, str, str], MarkSums] = defaultdict(MarkSums)
    counts: dict[tuple, int] = defaultdict(int)
    names: dict[tuple, tuple[str, str, str]] = {}
    for row in marks:
        groups = [MarkGroup(row.value, row.weight, row.work_type, 1)]
        for p in periods:
            if p.start_date <= row.lesson_date <= p.end_date:
                key = (p.period_id, row.student_id, row.subject_id, row.class_id)
                sums[key] += r1_mark_sums(groups)
                counts[key] += 1
                school, name, teacher = names.get(key, (row.school_id, "", ""))
                names[key] = (school, max(name, row.subject_name), max(teacher, row.teacher_id))
    return [dict(period_id=key[0], student_id=key[1], subject_id=key[2], class_id=key[3], school_id=names[key][0],
                 subject_name=names[key][1], teacher_id=names[key][2], weighted_sum=str(value.weighted),
                 weight_sum=str(value.weight), passes=value.passes, fails=value.fails, mark_count=counts[key])
            for key, value in sums.items()]


MARK_COLUMNS = (m.c.school_id, m.c.student_id, m.c.subject_id, m.c.class_id, m.c.subject_name, m.c.teacher_id,
                m.c.lesson_date, m.c.value, m.c.weight, m.c.work_type)


def _periods(connection, school_id: str) -> list:
    return connection.execute(select(period.c.period_id, period.c.start_date, period.c.end_date)
                              .where(period.c.school_id == school_id)).all()


def recompute_pairs(connection, school_id: str, pairs: Iterable[tuple[str, str]]) -> None:
    """The totals of these (student, subject) pairs of the school in every period, from their marks now."""
    pairs = set(pairs)
    if not pairs:
        return
    students = sorted({student for student, _ in pairs})
    for begin in range(0, len(students), 500):
        some = students[begin:begin + 500]
        connection.execute(delete(total).where(total.c.school_id == school_id, total.c.student_id.in_(some),
                                               tuple_(total.c.student_id, total.c.subject_id).in_(
                                                   [pair for pair in pairs if pair[0] in some])))
    periods = _periods(connection, school_id)
    if not periods:
        return
    rows = []
    for begin in range(0, len(students), 500):
        subjects = {subject for _, subject in pairs}
        marks = connection.execute(select(*MARK_COLUMNS).where(
            m.c.school_id == school_id, m.c.student_id.in_(students[begin:begin + 500]),
            m.c.subject_id.in_(sorted(subjects)), m.c.deleted.is_(False))).all()
        rows += _rows(periods, [row for row in marks if (row.student_id, row.subject_id) in pairs])
    for begin in range(0, len(rows), 2000):
        connection.execute(total.insert(), rows[begin:begin + 2000])


def recompute_period(connection, period_id: str) -> None:
    """The totals of one period, from the marks within its dates now (after the period is created or moved)."""
    connection.execute(delete(total).where(total.c.period_id == period_id))
    found = connection.execute(select(period.c.period_id, period.c.school_id, period.c.start_date,
                                      period.c.end_date).where(period.c.period_id == period_id)).first()
    if found is None:
        return
    marks = connection.execute(select(*MARK_COLUMNS).where(
        m.c.school_id == found.school_id, m.c.deleted.is_(False),
        and_(m.c.lesson_date >= found.start_date, m.c.lesson_date <= found.end_date))).all()
    rows = _rows([found], marks)
    for begin in range(0, len(rows), 5000):
        connection.execute(total.insert(), rows[begin:begin + 5000])


def recompute_all(connection) -> None:
    """Every period's totals (after the table is created on a read model that already has marks)."""
    for period_id in connection.scalars(select(period.c.period_id)).all():
        recompute_period(connection, period_id)
