"""Arrivals and departures (J1, section 4.3.6).

The class teacher asks, the administrator carries out.  An arrival's date is
the student's first day in the class; a departure's date is the first day
the student is no longer in it, so the enrolment ends the day before and
every record up to then stays.  Both fall within the academic year, and a
departure comes after the enrolment began.
"""
from __future__ import annotations

import datetime as dt

from services.journal.rules.verdicts import Reason, RuleError, Verdict
from services.journal.rules.wording import russian_date

ROSTER_KINDS = ("arrival", "departure")


def roster_kind(raw: str, field: str = "kind") -> str:
    kind = (raw or "").strip().lower()
    if kind not in ROSTER_KINDS:
        raise RuleError(field, "Вид изменения — «arrival» (прибытие) или «departure» (выбытие)")
    return kind


def roster_date_allowed(kind: str, day: dt.date, year_start: dt.date, year_end: dt.date,
                        enrolled_since: dt.date | None = None) -> Verdict:
    """4.3.6: the date lies in the academic year; a departure comes after the enrolment began."""
    reasons = []
    if not year_start <= day <= year_end:
        reasons.append(Reason("ROSTER_DATE_OUTSIDE_YEAR",
                              f"Дата должна быть в учебном году: с {russian_date(year_start)} "
                              f"по {russian_date(year_end)}"))
    if kind == "departure" and enrolled_since is not None and day <= enrolled_since:
        reasons.append(Reason("DEPARTURE_BEFORE_ENROLMENT",
                              f"Ученик зачислен в класс {russian_date(enrolled_since)}: "
                              f"выбыть он может только позже"))
    return Verdict(tuple(reasons))


def enrolment_end(departure: dt.date) -> dt.date:
    """The last day in the class for a departure on `departure`."""
    return departure - dt.timedelta(days=1)
