"""Groundwork for the class teacher's alerts to parents (J6, section 4.3.10)."""
from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from services.journal.rules.attestation import DEFAULT_POLICY, MarkPolicy
from services.journal.rules.averages import weighted_average
from services.journal.rules.final_marks import FinalMarkValue
from services.journal.rules.marks import Mark, PassFail
from services.journal.rules.rounding import decimal_value
from services.journal.rules.verdicts import RuleError

DEFAULT_UNEXCUSED_ALERT_THRESHOLD = 1
"""4.3.10 names no number: any unexcused absence in a week is reported unless the school raises it."""


def is_failing(
    current: Decimal | float | str | Iterable[Mark] | None,
    period_marks: Iterable[FinalMarkValue] = (),
    policy: MarkPolicy = DEFAULT_POLICY,
) -> bool:
    """J6: неуспевающий — the current weighted average rounds to «2» or lower, or a period
    mark is «2» or lower (or незачёт).

    `current` is the current weighted average, or the period's marks to take
    it from (with the school's weights); the school's rounding decides.  No
    average yet and no such period mark: not failing.
    """
    if any(value in (1, 2) or value is PassFail.FAIL for value in period_marks):
        return True
    if current is not None and not isinstance(current, (Decimal, int, float, str)):
        current = weighted_average(current, policy.weights)
    if current is None:
        return False
    return policy.rounding.round(decimal_value(current, "current_average")) <= 2


def unexcused_absences_alert(count_in_week: int, threshold: int = DEFAULT_UNEXCUSED_ALERT_THRESHOLD) -> bool:
    """J6: parents are told when a week's unexcused absences (н) reach the threshold."""
    if not isinstance(threshold, int) or threshold < 1:
        raise RuleError("threshold", "Порог оповещения о пропусках — целое число, не меньше 1")
    if not isinstance(count_in_week, int) or count_in_week < 0:
        raise RuleError("count_in_week", "Число пропусков — целое число, не меньше 0")
    return count_in_week >= threshold
