"""Moving a student between subgroups (J4, sections 4.3.3 and 4.4.6).

Only the journal administrator moves students, and only at the end of a
study period: from the period's last day (its lessons are recorded in the
old subgroup) up to, not including, the day of the next period's first
lesson — the holidays between periods.  If the next period's lessons are not
scheduled yet, its start date stands in; after the year's last period
(no next period) the window stays open until the new year's subgroups are
formed.  The move takes effect for the next period's lessons.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from services.common.roles import Role
from services.journal.rules.periods import Period
from services.journal.rules.verdicts import Reason, RuleError, Verdict
from services.journal.rules.wording import russian_date


@dataclass(frozen=True)
class SubgroupMoveWindow:
    opens: dt.date  # the period's last day, inclusive
    closes_before: dt.date | None  # the next period's first lesson, exclusive; None: open

    def __contains__(self, day: dt.date) -> bool:
        return self.opens <= day and (self.closes_before is None or day < self.closes_before)


def subgroup_move_window(period: Period, next_period_first_lesson: dt.date | None) -> SubgroupMoveWindow:
    if next_period_first_lesson is not None and next_period_first_lesson <= period.end:
        raise RuleError("next_period_first_lesson",
                        "Первый урок следующего периода должен быть после окончания текущего")
    return SubgroupMoveWindow(period.end, next_period_first_lesson)


def subgroup_move_allowed(
    roles: Iterable[Role], today: dt.date, period: Period, next_period_first_lesson: dt.date | None,
) -> Verdict:
    """J4: whether a student may be moved to another subgroup today, after `period`."""
    reasons = []
    if Role.ADMINISTRATOR not in set(roles):
        reasons.append(Reason("SUBGROUP_MOVE_ONLY_BY_ADMINISTRATOR",
                              "Переводить учеников из группы в группу может только администратор журнала"))
    window = subgroup_move_window(period, next_period_first_lesson)
    if today not in window:
        until = ("" if window.closes_before is None
                 else f" до {russian_date(window.closes_before - dt.timedelta(days=1))}")
        reasons.append(Reason("SUBGROUP_MOVE_OUTSIDE_PERIOD_END",
                              f"Перевод из группы в группу возможен только по окончании учебного периода: "
                              f"с {russian_date(window.opens)}{until}"))
    return Verdict(tuple(reasons))
