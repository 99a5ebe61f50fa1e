"""The auth service's tables."""
from __future__ import annotations

from sqlalchemy import (
    Boolean, Column, DateTime, ForeignKey, Index, Integer, MetaData, String, Table, Text, UniqueConstraint, false,
    func,
)

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
    # The school's access policy: how long an activation code lives, and
    # whether staff must use a second factor.
    Column("code_lifetime_days", Integer, nullable=False, server_default="14"),
    Column("staff_totp_required", Boolean, nullable=False, server_default=false()),
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
    Column("activate_time", DateTime(timezone=True), nullable=True),
    Column("last_sign_in_time", DateTime(timezone=True), nullable=True),
    Column("password_change_time", DateTime(timezone=True), nullable=True),
    # Base32 TOTP secret: pending until totp_enabled, then in use.
    Column("totp_secret", String(64), nullable=True),
    Column("totp_enabled", Boolean, nullable=False, server_default=false()),
    # The last time step whose code was accepted: a code works once.
    Column("totp_last_step", Integer, nullable=True),
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

# Keys that sign access tokens; see keys.py.
signing_key = Table(
    "signing_key",
    metadata,
    Column("kid", String(64), primary_key=True),
    Column("private_key_pem", Text, nullable=False),
    Column("create_time", DateTime(timezone=True), nullable=False),
    Column("activate_time", DateTime(timezone=True), nullable=False),
    Column("retire_time", DateTime(timezone=True), nullable=True),
)

# Only the SHA-256 of a code is kept; the code itself is shown once, on the slip.
activation_code = Table(
    "activation_code",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("code_hash", String(64), nullable=False, unique=True),
    Column("person_id", String(36), ForeignKey("person.id"), nullable=False),
    Column("school_id", String(36), ForeignKey("school.id"), nullable=True),
    Column("role", String(40), nullable=False),
    Column("class_id", String(36), nullable=True),
    Column("issued_by", String(36), nullable=False),
    Column("issue_time", DateTime(timezone=True), nullable=False),
    Column("expire_time", DateTime(timezone=True), nullable=False),
    Column("use_time", DateTime(timezone=True), nullable=True),
    Index("ix_activation_code_person", "person_id", "role"),
)

# A signed-in device.  Its refresh tokens form one family: reusing a spent
# one ends the session.
session = Table(
    "session",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("person_id", String(36), ForeignKey("person.id"), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("user_agent", String(300), nullable=False, server_default=""),
    Column("address", String(64), nullable=False, server_default=""),
    Column("create_time", DateTime(timezone=True), nullable=False),
    Column("last_use_time", DateTime(timezone=True), nullable=False),
    Column("absolute_expire_time", DateTime(timezone=True), nullable=False),
    Column("end_time", DateTime(timezone=True), nullable=True),
    Column("end_reason", String(40), nullable=True),
)

refresh_token = Table(
    "refresh_token",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("session_id", String(36), ForeignKey("session.id"), nullable=False, index=True),
    Column("issue_time", DateTime(timezone=True), nullable=False),
    Column("use_time", DateTime(timezone=True), nullable=True),
)

# Attempts to sign in or to activate a code, for throttling.
login_attempt = Table(
    "login_attempt",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(20), nullable=False),  # "login" or "activate"
    Column("login", String(64), nullable=False, server_default=""),
    Column("address", String(64), nullable=False, server_default=""),
    Column("time", DateTime(timezone=True), nullable=False),
    Column("succeeded", Boolean, nullable=False),
    Index("ix_login_attempt_login", "login", "time"),
    Index("ix_login_attempt_address", "address", "time"),
)

# Who did what, when, from where: sign-ins, codes, roles, blocks.
audit_event = Table(
    "audit_event",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("time", DateTime(timezone=True), nullable=False),
    Column("person_id", String(36), nullable=True),  # who acted (or tried to)
    Column("action", String(60), nullable=False),
    Column("target", String(100), nullable=False, server_default=""),
    Column("school_id", String(36), nullable=True),
    Column("address", String(64), nullable=False, server_default=""),
    Column("user_agent", String(300), nullable=False, server_default=""),
    Column("details", Text, nullable=False, server_default="{}"),
    Index("ix_audit_event_school_action", "school_id", "action", "id"),
)
