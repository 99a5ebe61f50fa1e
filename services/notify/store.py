"""The notify service's tables."""
from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, MetaData, String, Table, Text, func

from services.common.outbox import plumbing_tables

metadata = MetaData()
outbox, processed, replays, revoked = plumbing_tables(metadata)

# Schools as notify knows them (names for messages), from ezh.auth.school.created.v1.
school = Table(
    "school",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("short_name", String(60), nullable=False),
)

notification = Table(
    "notification",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("recipient_id", String(36), nullable=False),
    Column("kind", String(60), nullable=False),
    Column("title", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("create_time", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("read_time", DateTime(timezone=True), nullable=True),
    Index("ix_notification_recipient", "recipient_id", "create_time"),
)
