"""The audit log: who did what, when and from where (issue 3, "Security").

Every sign-in (and failed one), code issue and activation, role change,
block and credential change is written in the same transaction as the
change it reports.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy.orm import Session

from services.auth import store
from services.common.identity import CLIENT_ADDRESS_HEADER, CLIENT_USER_AGENT_HEADER

SIGN_IN_SUCCEEDED = "sign_in.succeeded"
SIGN_IN_FAILED = "sign_in.failed"
SIGN_IN_ACTIONS = (SIGN_IN_SUCCEEDED, SIGN_IN_FAILED)
ADDRESS_METADATA = CLIENT_ADDRESS_HEADER
USER_AGENT_METADATA = CLIENT_USER_AGENT_HEADER


@dataclass(frozen=True)
class Client:
    """Where a request came from, as the gateway says."""

    address: str = ""
    user_agent: str = ""

    @classmethod
    def from_message(cls, message) -> "Client":
        return cls(address=(message.address or "")[:64], user_agent=(message.user_agent or "")[:300])

    @classmethod
    def from_metadata(cls, metadata: dict[str, str]) -> "Client":
        """The gateway passes the client's address on with calls made for a signed-in person."""
        return cls(
            address=(metadata.get(ADDRESS_METADATA) or "")[:64],
            user_agent=(metadata.get(USER_AGENT_METADATA) or "")[:300],
        )


def record(
    session: Session,
    action: str,
    *,
    now: dt.datetime,
    person_id: str | None = None,
    target: str = "",
    school_id: str | None = None,
    client: Client = Client(),
    **details,
) -> None:
    session.execute(
        store.audit_event.insert().values(
            time=now, person_id=person_id, action=action, target=target[:100], school_id=school_id,
            address=client.address, user_agent=client.user_agent,
            details=json.dumps(details, ensure_ascii=False, default=str),
        )
    )
