"""What the parts of the auth service share: database, keys, clock and policies."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from services.auth import rules
from services.auth.journal_client import ClassDirectory
from services.auth.keys import KeyRing
from services.auth.throttling import Throttle
from services.common.database import Database


@dataclass
class AuthContext:
    database: Database
    keys: KeyRing
    journal: ClassDirectory
    clock: Callable[[], dt.datetime]
    wake_relay: Callable[[], None]
    forget_revocations: Callable[[], None]
    lifetimes: dict[rules.SessionKind, rules.SessionLifetime] = field(
        default_factory=lambda: dict(rules.SESSION_LIFETIMES)
    )
    throttle: Throttle = field(default_factory=Throttle)

    def committed(self, *, revoked: bool = False) -> None:
        """After a commit that wrote events (and maybe revocations): publish them, and
        make auth's own verifier see the revocation at once."""
        self.wake_relay()
        if revoked:
            self.forget_revocations()
