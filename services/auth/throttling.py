"""Sign-in throttling per login and per client address.

Failures are counted per login (known or not: an unknown login locks the
same way, so a lock-out tells nothing about which logins exist) and per
address (code guessing at activation counts there too).  A successful
sign-in clears the login's count, never the address's.  Attempts refused
while locked are not counted, so a lock always ends by itself.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from services.auth import rules, store
from services.common.clock import as_utc
from services.common.errors import ResourceExhausted

LOGIN = "login"
ACTIVATE = "activate"
KEEP_ATTEMPTS = dt.timedelta(days=1)


@dataclass(frozen=True)
class Throttle:
    per_login: rules.ThrottlePolicy = rules.LOGIN_THROTTLE
    per_address: rules.ThrottlePolicy = rules.ADDRESS_THROTTLE

    def locked_until(self, session: Session, *, login: str, address: str, now: dt.datetime) -> dt.datetime | None:
        table = store.login_attempt
        ends: list[dt.datetime] = []
        if login:
            since = now - self.per_login.lookback
            last_success = as_utc(
                session.scalar(
                    select(func.max(table.c.time)).where(
                        table.c.login == login, table.c.kind == LOGIN, table.c.succeeded.is_(True)
                    )
                )
            )
            if last_success is not None and last_success > since:
                since = last_success
            failures = session.scalars(
                select(table.c.time).where(
                    table.c.login == login, table.c.kind == LOGIN, table.c.succeeded.is_(False), table.c.time > since
                )
            ).all()
            ends.append(rules.locked_until([as_utc(t) for t in failures], self.per_login, now))
        if address:
            failures = session.scalars(
                select(table.c.time).where(
                    table.c.address == address, table.c.succeeded.is_(False),
                    table.c.time > now - self.per_address.lookback,
                )
            ).all()
            ends.append(rules.locked_until([as_utc(t) for t in failures], self.per_address, now))
        return max((end for end in ends if end is not None), default=None)

    def record(
        self, session: Session, *, kind: str, login: str, address: str, now: dt.datetime, succeeded: bool
    ) -> None:
        table = store.login_attempt
        session.execute(
            table.insert().values(kind=kind, login=login[:64], address=address[:64], time=now, succeeded=succeeded)
        )
        if succeeded:
            session.execute(delete(table).where(table.c.time < now - KEEP_ATTEMPTS))


def too_many_attempts(until: dt.datetime, now: dt.datetime) -> ResourceExhausted:
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    return ResourceExhausted(
        f"Слишком много неудачных попыток. Повторите через {minutes} мин.",
        reason="TOO_MANY_ATTEMPTS",
        retry_after_seconds=str(max(1, math.ceil((until - now).total_seconds()))),
    )
