"""The access rules of the regulation (A1–A5) as pure functions: no I/O, no clock.

Callers pass the current time and whatever the database holds; the functions
decide.  Messages are for people and therefore in Russian.
"""
from __future__ import annotations

import datetime as dt
import enum
import hashlib
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from services.common.roles import STAFF_ROLES, Role

# --- logins and passwords (A2) ------------------------------------------------

LOGIN_PATTERN = re.compile(r"^[a-z0-9._-]{3,64}$")
LOGIN_MAX_LENGTH = 64
PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 128


def normalize_login(text: str) -> str:
    """Logins are compared without case and surrounding spaces."""
    return (text or "").strip().lower()


def login_problem(login: str) -> str | None:
    """Why `login` (normalized) cannot be chosen, or None."""
    if not login:
        return "Придумайте логин"
    if not LOGIN_PATTERN.match(login):
        return "Логин: от 3 до 64 символов — латинские буквы, цифры, точка, дефис и подчёркивание"
    return None


def password_problem(password: str, *, login: str, common_passwords: Collection[str]) -> str | None:
    """Why `password` cannot be chosen, or None (NIST SP 800-63B, OWASP ASVS 2.1)."""
    if len(password) < PASSWORD_MIN_LENGTH:
        return f"Пароль должен быть не короче {PASSWORD_MIN_LENGTH} символов"
    if len(password) > PASSWORD_MAX_LENGTH:
        return f"Пароль должен быть не длиннее {PASSWORD_MAX_LENGTH} символов"
    if not password.strip():
        return "Пароль не может состоять из одних пробелов"
    lowered = password.lower()
    if login and lowered == normalize_login(login):
        return "Пароль не должен совпадать с логином"
    if lowered in common_passwords:
        return "Это один из самых распространённых паролей, его легко подобрать. Придумайте другой"
    return None


# --- sign-in throttling (issue 3: per account and per address) ----------------


@dataclass(frozen=True)
class ThrottlePolicy:
    """`max_failures` failures within `window` lock sign-in for `lockout`."""

    max_failures: int
    window: dt.timedelta
    lockout: dt.timedelta

    @property
    def lookback(self) -> dt.timedelta:
        """How far back failures can still matter."""
        return self.window + self.lockout


LOGIN_THROTTLE = ThrottlePolicy(max_failures=5, window=dt.timedelta(minutes=15), lockout=dt.timedelta(minutes=15))
ADDRESS_THROTTLE = ThrottlePolicy(max_failures=30, window=dt.timedelta(minutes=15), lockout=dt.timedelta(minutes=15))


def locked_until(failures: Iterable[dt.datetime], policy: ThrottlePolicy, now: dt.datetime) -> dt.datetime | None:
    """When the lock ends, or None if sign-in is open now.

    `failures` are the failed attempts that were checked (attempts refused
    while locked are not failures): a lock starts at the failure that makes
    `max_failures` within `window`, and lasts `lockout` from it, so it always
    ends by itself.
    """
    times = sorted(failures)
    last = policy.max_failures
    end: dt.datetime | None = None
    for index in range(last - 1, len(times)):
        if times[index] - times[index - last + 1] < policy.window:
            end = times[index] + policy.lockout
    return end if end is not None and end > now else None


# --- sessions (A3) ------------------------------------------------------------


class SessionKind(enum.StrEnum):
    STAFF = "staff"  # staff and the district operator: short sessions
    FAMILY = "family"  # parents and students


@dataclass(frozen=True)
class SessionLifetime:
    idle: dt.timedelta
    absolute: dt.timedelta


# ASVS L2 3.3.2: staff sessions end after 30 minutes idle and 12 hours in any
# case.  Parents and students sign in from their own phones, less often, with
# no one else's data at stake: a week idle, a month in any case.
SESSION_LIFETIMES: dict[SessionKind, SessionLifetime] = {
    SessionKind.STAFF: SessionLifetime(idle=dt.timedelta(minutes=30), absolute=dt.timedelta(hours=12)),
    SessionKind.FAMILY: SessionLifetime(idle=dt.timedelta(days=7), absolute=dt.timedelta(days=30)),
}

SECOND_FACTOR_ROLES = STAFF_ROLES | {Role.DISTRICT_OPERATOR}


def is_staff(roles: Iterable[Role]) -> bool:
    """Staff of a school or of the district: may use, or be required to use, a second factor."""
    return any(role in SECOND_FACTOR_ROLES for role in roles)


def session_kind(roles: Iterable[Role]) -> SessionKind:
    """Anyone who holds a staff role gets the staff limits, whatever else they hold."""
    return SessionKind.STAFF if is_staff(roles) else SessionKind.FAMILY


class SessionEnd(enum.StrEnum):
    IDLE = "idle"
    ABSOLUTE = "absolute"


def session_expired(
    kind: SessionKind,
    created: dt.datetime,
    last_used: dt.datetime,
    now: dt.datetime,
    lifetimes: dict[SessionKind, SessionLifetime] = SESSION_LIFETIMES,
) -> SessionEnd | None:
    """Why the session has ended by itself by `now`, or None while it is live."""
    lifetime = lifetimes[kind]
    if now >= created + lifetime.absolute:
        return SessionEnd.ABSOLUTE
    if now >= last_used + lifetime.idle:
        return SessionEnd.IDLE
    return None


def session_expire_time(
    kind: SessionKind,
    created: dt.datetime,
    last_used: dt.datetime,
    lifetimes: dict[SessionKind, SessionLifetime] = SESSION_LIFETIMES,
) -> dt.datetime:
    """When the session ends if it is not used again."""
    lifetime = lifetimes[kind]
    return min(created + lifetime.absolute, last_used + lifetime.idle)


# --- second factor (A3) -------------------------------------------------------


class SecondFactor(enum.Enum):
    NOT_NEEDED = "not_needed"
    CODE = "code"  # enrolled: the one-time code is required
    ENROLLMENT = "enrollment"  # the school requires it and the account has none yet


def second_factor(roles: Iterable[Role], *, totp_enabled: bool, school_requires: bool) -> SecondFactor:
    """What sign-in asks beyond the password.

    An enrolled account always needs its code.  When the school requires a
    second factor for staff, a staff account without one cannot sign in
    until it enrolls (with its login and password, see the AuthService API);
    parents and students are never asked.
    """
    if totp_enabled:
        return SecondFactor.CODE
    if school_requires and is_staff(roles):
        return SecondFactor.ENROLLMENT
    return SecondFactor.NOT_NEEDED


# --- activation codes (A1, 4.3.9) ---------------------------------------------

# No 0/O, 1/I/L: a code is read off paper and typed in.  31 symbols, 10 of
# them: about 49.5 bits, so a fast hash (SHA-256) stores it safely, and
# online guessing is throttled per address.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
CODE_GROUPS = (4, 4, 2)
CODE_LIFETIME_DAYS_DEFAULT = 14
CODE_LIFETIME_DAYS_MAX = 90

# Cyrillic letters that look like the Latin ones of the alphabet: a code typed
# on the Russian layout still matches.
_LOOKALIKES = str.maketrans("АВЕКМНРСТХУ", "ABEKMHPCTXY")


def format_code(raw: str) -> str:
    """K7QM9XPA2F → K7QM-9XPA-2F, as printed on the slip."""
    parts, start = [], 0
    for size in CODE_GROUPS:
        parts.append(raw[start:start + size])
        start += size
    return "-".join(parts)


def normalize_code(text: str) -> str | None:
    """The code as stored (no dashes or spaces, upper case), or None if it cannot be one."""
    raw = "".join((text or "").split()).replace("-", "").upper().translate(_LOOKALIKES)
    if len(raw) != CODE_LENGTH or any(symbol not in CODE_ALPHABET for symbol in raw):
        return None
    return raw


def code_hash(code: str) -> str:
    """What is stored instead of the code: SHA-256 of its normalized form."""
    normalized = normalize_code(code)
    if normalized is None:
        raise ValueError("not an activation code")
    return hashlib.sha256(normalized.encode()).hexdigest()


def code_expire_time(issued: dt.datetime, lifetime_days: int) -> dt.datetime:
    return issued + dt.timedelta(days=lifetime_days)


class CodeState(enum.Enum):
    VALID = "valid"
    USED = "used"
    EXPIRED = "expired"


def code_state(*, used: dt.datetime | None, expires: dt.datetime, now: dt.datetime) -> CodeState:
    """A code works once, before it expires."""
    if used is not None:
        return CodeState.USED
    if now >= expires:
        return CodeState.EXPIRED
    return CodeState.VALID


FAMILY_ROLES = frozenset({Role.PARENT, Role.STUDENT})


def code_issuers(role: Role) -> frozenset[Role]:
    """Who may issue a code for `role` (A1, A4).

    The school's administrator issues codes to its staff; the district
    operator names administrators; the class teacher issues codes to the
    parents and students of their own class.  Nobody issues a code for the
    district operator.
    """
    if role is Role.ADMINISTRATOR:
        return frozenset({Role.ADMINISTRATOR, Role.DISTRICT_OPERATOR})
    if role in STAFF_ROLES:
        return frozenset({Role.ADMINISTRATOR})
    if role in FAMILY_ROLES:
        return frozenset({Role.CLASS_TEACHER})
    return frozenset()


def code_may_restore_account(code_role: Role, account_roles: Iterable[Role]) -> bool:
    """May a code for a person who already has an account give that account a new
    login and password (access recovered through the issuer, A2)?

    Only when everything the account holds is within what the code's issuer
    manages: a class teacher's code restores a parent's or student's account,
    never a staff member's (else a class teacher could take over a director
    who is also a parent); an administrator's code restores a staff account.
    A person never gets a second account.
    """
    held = set(account_roles)
    if code_role in FAMILY_ROLES:
        return held <= FAMILY_ROLES
    if code_role in STAFF_ROLES:
        return Role.DISTRICT_OPERATOR not in held and Role.STUDENT not in held
    return False


# --- roles given by people (A4) -----------------------------------------------


def assignable_roles(caller_roles: Iterable[Role]) -> frozenset[Role]:
    """The roles the caller may grant or withdraw.

    The district operator names administrators; a school's administrator
    gives staff roles, and the parent role to a staff member who is also a
    parent in the school (their own account, not a second one).
    """
    held = set(caller_roles)
    allowed: set[Role] = set()
    if Role.DISTRICT_OPERATOR in held:
        allowed.add(Role.ADMINISTRATOR)
    if Role.ADMINISTRATOR in held:
        allowed |= STAFF_ROLES | {Role.PARENT}
    return frozenset(allowed)
