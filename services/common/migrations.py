"""Alembic, one history per service, driven from code.

Each service keeps its revisions in `services/<name>/migrations/versions/`;
its `env.py` calls `run_env(metadata)`.  `python -m services.common.migrate`
upgrades databases to head: `make up` runs it before starting the embedded
stack, and the district runs it as a Job before a rollout, never at boot.
"""
from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command, context, op
from alembic.config import Config
from sqlalchemy.pool import NullPool

from services.common.database import make_engine

SERVICES_DIR = Path(__file__).resolve().parent.parent


def alembic_config(service: str, url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SERVICES_DIR / service / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(service: str, url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(service, url), revision)


def run_env(target_metadata: sa.MetaData) -> None:
    """The body of every service's `migrations/env.py` (online mode only)."""
    url = context.config.get_main_option("sqlalchemy.url")
    engine = make_engine(url, poolclass=NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


def create_plumbing_tables_v1() -> None:
    """Outbox, processed events and request replays, as first created.

    Frozen here (not derived from the live table objects) so that the
    history stays the same when the code moves on.
    """
    op.create_table(
        "outbox_event",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("routing_key", sa.String(200), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("sent_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text, nullable=True),
    )
    op.create_index("ix_outbox_event_pending", "outbox_event", ["sent_time", "seq"])
    op.create_table(
        "processed_event",
        sa.Column("consumer", sa.String(200), primary_key=True),
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("process_time", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "request_replay",
        sa.Column("request_id", sa.String(100), primary_key=True),
        sa.Column("method", sa.String(200), nullable=False),
        sa.Column("response", sa.LargeBinary, nullable=False),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )


def create_revoked_account_table_v1() -> None:
    op.create_table(
        "revoked_account",
        sa.Column("person_id", sa.String(36), primary_key=True),
        sa.Column("revoke_time", sa.Float, nullable=False),
        sa.Column("reason", sa.String(200), nullable=False, server_default=""),
        sa.Column("record_time", sa.DateTime(timezone=True), nullable=False),
    )
