"""The final-marks deadline and the period lock (M3, sections 4.4.3 and 5.3).

Final marks of a period are set no later than its deadline: two days before
the period ends, or the date a school order sets.  After the deadline:

- final marks of the period are refused;
- the period is locked for ordinary marks and absences: the lessons up to
  the deadline (the basis of the final marks) at once, the lessons of the
  last days after the deadline once the period has ended — so the last days'
  lessons can still be recorded on the days they are held.

A deputy director's exception, valid on the days of its window (both ends
inclusive), opens the period again; the decision names the exception so the
service records that the entry was late.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from services.common.roles import Role
from services.journal.rules.periods import Period
from services.journal.rules.verdicts import Reason, RuleError, Verdict
from services.journal.rules.wording import russian_date

EXCEPTION_GRANTORS = frozenset({Role.DEPUTY_DIRECTOR, Role.DIRECTOR})


@dataclass(frozen=True)
class DeadlineException:
    """The deputy director's permission to enter marks of a locked period, for a window of days."""

    id: str
    period_id: str
    valid_from: dt.date
    valid_until: dt.date
    granted_by: str = ""
    reason: str = ""

    def __post_init__(self) -> None:
        if self.valid_until < self.valid_from:
            raise RuleError("valid_until", "Разрешение не может закончиться раньше, чем начнёт действовать")


def may_grant_exception(roles: Iterable[Role]) -> bool:
    """M3: late entry is permitted by the deputy director (or the director)."""
    return any(role in EXCEPTION_GRANTORS for role in roles)


@dataclass(frozen=True)
class EntryDecision(Verdict):
    """A Verdict that says which exception, if any, allowed a late entry (to be recorded)."""

    exception: DeadlineException | None = None

    @property
    def late(self) -> bool:
        return self.allowed and self.exception is not None


def deadline_passed(period: Period, today: dt.date) -> bool:
    return today > period.final_marks_deadline


def final_mark_entry_allowed(
    today: dt.date, period: Period, exception: DeadlineException | None = None,
) -> EntryDecision:
    """M3: a final mark of `period` may be entered today (from the period's start to the deadline)."""
    if today < period.start:
        return EntryDecision((Reason("PERIOD_NOT_STARTED",
                                     f"Период «{period.title}» начнётся {russian_date(period.start)} — "
                                     f"итоговые отметки за него ещё не выставляются"),))
    if not deadline_passed(period, today):
        return EntryDecision()
    closed = Reason("FINAL_MARK_DEADLINE_PASSED",
                    f"Итоговые отметки за период «{period.title}» выставляются не позднее "
                    f"{russian_date(period.final_marks_deadline)}; нужно разрешение заместителя директора")
    return _with_exception(closed, today, period, exception)


def lesson_locked(lesson_date: dt.date, today: dt.date, period: Period) -> bool:
    """M3: a lesson's marks and absences are locked (see the module's description)."""
    if today > period.end:
        return True
    return deadline_passed(period, today) and lesson_date <= period.final_marks_deadline


def journal_entry_allowed(
    lesson_date: dt.date, today: dt.date, period: Period, exception: DeadlineException | None = None,
) -> EntryDecision:
    """M3: an ordinary mark or absence for a lesson of `period` may be entered or changed today."""
    if lesson_date not in period:
        return EntryDecision((Reason("LESSON_OUTSIDE_PERIOD",
                                     f"Урок {russian_date(lesson_date)} не относится к периоду «{period.title}» "
                                     f"({russian_date(period.start)}–{russian_date(period.end)})"),))
    if lesson_date > today:
        return EntryDecision((Reason("LESSON_IN_FUTURE",
                                     f"Урок {russian_date(lesson_date)} ещё не прошёл — "
                                     f"отметки и пропуски за него ставить рано"),))
    if not lesson_locked(lesson_date, today, period):
        return EntryDecision()
    locked = Reason("PERIOD_LOCKED",
                    f"Период «{period.title}» закрыт: срок выставления итоговых отметок "
                    f"{russian_date(period.final_marks_deadline)} прошёл; нужно разрешение заместителя директора")
    return _with_exception(locked, today, period, exception)


def _with_exception(
    refusal: Reason, today: dt.date, period: Period, exception: DeadlineException | None,
) -> EntryDecision:
    if exception is None:
        return EntryDecision((refusal,))
    if exception.period_id != period.id:
        return EntryDecision((refusal, Reason("EXCEPTION_FOR_OTHER_PERIOD",
                                              "Разрешение выдано на другой период")))
    if today < exception.valid_from:
        return EntryDecision((refusal, Reason("EXCEPTION_NOT_YET_VALID",
                                              f"Разрешение действует с {russian_date(exception.valid_from)}")))
    if today > exception.valid_until:
        return EntryDecision((refusal, Reason("EXCEPTION_EXPIRED",
                                              f"Разрешение действовало до {russian_date(exception.valid_until)}")))
    return EntryDecision(exception=exception)
