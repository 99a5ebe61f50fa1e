"""Re-verification of students' and parents' personal data (J1, section 4.3.7).

The class teacher checks the data at least once a month.  The next check is
due one calendar month after the last (31 January → 28/29 February, the
month's last day when the date does not exist), and from that day on the
reminder shows; data never checked is due at once.
"""
from __future__ import annotations

import calendar
import datetime as dt


def verification_reminder_date(last_verified: dt.date) -> dt.date:
    """The day the next check is due: the same day next month, or that month's last day."""
    year, month = (last_verified.year + 1, 1) if last_verified.month == 12 else (last_verified.year,
                                                                                   last_verified.month + 1)
    day = min(last_verified.day, calendar.monthrange(year, month)[1])
    return dt.date(year, month, day)


def verification_due(last_verified: dt.date | None, today: dt.date) -> bool:
    """J1: true once a calendar month has passed since the last check (or if there was none)."""
    return last_verified is None or today >= verification_reminder_date(last_verified)
