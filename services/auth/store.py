"""The auth service's tables."""
from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, MetaData, String, Table, UniqueConstraint, false, func

from services.common.outbox import plumbing_tables

metadata = MetaData()
outbox, processed, replays, revoked = plumbing_tables(metadata)

school = Table(
    "school",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("short_name", String(60), nullable=False),
    Column("create_time", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

person = Table(
    "person",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("school_id", String(36), ForeignKey("school.id"), nullable=True, index=True),
    Column("last_name", String(100), nullable=False),
    Column("first_name", String(100), nullable=False),
    Column("middle_name", String(100), nullable=False, server_default=""),
)

account = Table(
    "account",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("person_id", String(36), ForeignKey("person.id"), nullable=False, unique=True),
    Column("login", String(64), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=False),
    Column("blocked", Boolean, nullable=False, server_default=false()),
    Column("create_time", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

role_grant = Table(
    "role_grant",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("person_id", String(36), ForeignKey("person.id"), nullable=False, index=True),
    Column("school_id", String(36), ForeignKey("school.id"), nullable=True),
    Column("role", String(40), nullable=False),
    Column("class_id", String(36), nullable=True),
    Column("grant_time", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("person_id", "school_id", "role", "class_id", name="uq_role_grant"),
)
