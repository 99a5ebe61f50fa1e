"""The final-mark and lock helpers around the rules: which kind fits which period (M1), when an exception
is active (M3), who may fill a substituted lesson."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from services.common.errors import InvalidArgument
from services.journal import access, final_marks, locks, rules

QUARTER = SimpleNamespace(kind="quarter")
YEAR = SimpleNamespace(kind="year")


@pytest.mark.parametrize(("period", "raw", "kind"), [
    (QUARTER, "", rules.FinalMarkKind.QUARTER), (QUARTER, "quarter", rules.FinalMarkKind.QUARTER),
    (YEAR, "", rules.FinalMarkKind.YEAR), (YEAR, "exam", rules.FinalMarkKind.EXAM),
    (YEAR, " final ", rules.FinalMarkKind.FINAL),
])
def test_m1_final_mark_kind_fits_its_period(period, raw, kind):
    assert final_marks.final_mark_kind(period, raw) is kind


@pytest.mark.parametrize(("period", "raw", "field"), [
    (QUARTER, "year", "period_id"), (QUARTER, "trimester", "kind"), (YEAR, "quarter", "kind"),
    (QUARTER, "semester", "kind"),
])
def test_m1_final_mark_kind_that_does_not_fit_names_the_field(period, raw, field):
    with pytest.raises(InvalidArgument) as raised:
        final_marks.final_mark_kind(period, raw)
    assert raised.value.metadata["field"] == field


def _exception(**changes):
    values = dict(id="e1", school_id="s", period_id="p", class_id=None, subject_id=None,
                  valid_from=dt.date(2026, 11, 27), valid_until=dt.date(2026, 11, 30), reason="Приказ № 1",
                  granted_by="d", grant_time=dt.datetime(2026, 11, 27, 9, tzinfo=dt.UTC), closed_by=None,
                  close_time=None)
    values.update(changes)
    return SimpleNamespace(**values)


def test_m3_exception_is_active_on_the_days_of_its_window_until_closed():
    row = _exception()
    assert [locks.exception_active(row, dt.date(2026, 11, day)) for day in (26, 27, 30)] == [False, True, True]
    assert not locks.exception_active(row, dt.date(2026, 12, 1))
    closed = _exception(closed_by="d", close_time=dt.datetime(2026, 11, 28, tzinfo=dt.UTC))
    assert not locks.exception_active(closed, dt.date(2026, 11, 28))
    message = locks.exception_message(closed, dt.date(2026, 11, 28))
    assert (message.closed, message.active, message.class_id, message.valid_until) == (True, False, "", "2026-11-30")
    rule = locks.exception_rule(row)
    assert (rule.period_id, rule.valid_from, rule.valid_until) == ("p", row.valid_from, row.valid_until)


def test_substituted_lesson_is_one_whose_teacher_is_not_the_planned_one():
    assert access.substituted(SimpleNamespace(teacher_id="b", planned_teacher_id="a"))
    assert not access.substituted(SimpleNamespace(teacher_id="a", planned_teacher_id="a"))
    assert not access.substituted(SimpleNamespace(teacher_id="a", planned_teacher_id=None))
