"""The schedule service's tables."""
from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, String, Table, UniqueConstraint

from services.common.outbox import plumbing_tables

metadata = MetaData()
outbox, processed, replays, revoked = plumbing_tables(metadata)

room = Table(
    "room",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("school_id", String(36), nullable=False, index=True),
    Column("name", String(60), nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("kind", String(20), nullable=False),
    UniqueConstraint("school_id", "name", name="uq_room_name"),
)
