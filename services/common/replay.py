"""Calls that change data carry an optional `request_id`; a replay returns
the first answer instead of doing the work twice (a client retrying after a
lost response must not create a second school or a second mark)."""
from __future__ import annotations

from sqlalchemy import Column, DateTime, LargeBinary, MetaData, String, Table, func, select
from sqlalchemy.orm import Session

from services.common.errors import InvalidArgument

MAX_REQUEST_ID_LENGTH = 100


def request_replay_table(metadata: MetaData) -> Table:
    return Table(
        "request_replay",
        metadata,
        Column("request_id", String(MAX_REQUEST_ID_LENGTH), primary_key=True),
        Column("method", String(200), nullable=False),
        Column("response", LargeBinary, nullable=False),
        Column("create_time", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


def earlier_response(session: Session, table: Table, request_id: str, method: str, response_class):
    """The stored answer to this request id, or None if it is new."""
    if not request_id:
        return None
    if len(request_id) > MAX_REQUEST_ID_LENGTH:
        raise InvalidArgument("request_id", f"Идентификатор запроса длиннее {MAX_REQUEST_ID_LENGTH} символов")
    row = session.execute(select(table.c.method, table.c.response).where(table.c.request_id == request_id)).first()
    if row is None:
        return None
    if row.method != method:
        raise InvalidArgument("request_id", "Этот идентификатор запроса уже использован для другого действия")
    return response_class.FromString(row.response)


def remember_response(session: Session, table: Table, request_id: str, method: str, response) -> None:
    """Store the answer in the same transaction as the work it reports."""
    if request_id:
        session.execute(
            table.insert().values(request_id=request_id, method=method, response=response.SerializeToString())
        )
