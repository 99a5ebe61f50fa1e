"""The reports service's read model (built from events only)."""
from __future__ import annotations

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, func

from services.common.outbox import plumbing_tables

metadata = MetaData()
outbox, processed, replays, revoked = plumbing_tables(metadata)

school_summary = Table(
    "school_summary",
    metadata,
    Column("school_id", String(36), primary_key=True),
    Column("name", String(200), nullable=False, server_default=""),
    Column("class_count", Integer, nullable=False, server_default="0"),
    Column("update_time", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# Everything built from events: emptied by `python -m services.reports rebuild-read-model`.
READ_MODEL = (school_summary,)
