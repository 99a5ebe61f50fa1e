"""The second factor: TOTP (RFC 6238) codes from an authenticator app."""
from __future__ import annotations

import datetime as dt

import pyotp
from pyotp.utils import strings_equal

ISSUER = "ezh"
VALID_WINDOW = 1  # one 30-second step either side, for clock drift


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, login: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=login, issuer_name=ISSUER)


def accepted_step(secret: str, otp: str, now: dt.datetime, last_step: int | None) -> int | None:
    """The time step the code belongs to, or None if it is wrong or was used already."""
    code = "".join((otp or "").split())
    if not code.isdigit() or len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if strings_equal(code, totp.generate_otp(step)):
            return step if last_step is None or step > last_step else None
    return None
