"""Schools and the in-app inbox.

Revision ID: 0001
"""
import sqlalchemy as sa
from alembic import op

from services.common.migrations import create_plumbing_tables_v1

revision = "0001"
down_revision = None


def upgrade() -> None:
    create_plumbing_tables_v1()
    op.create_table(
        "school",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("short_name", sa.String(60), nullable=False),
    )
    op.create_table(
        "notification",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("recipient_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(60), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("read_time", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_notification_recipient", "notification", ["recipient_id", "create_time"])


def downgrade() -> None:
    for table in ("notification", "school", "request_replay", "processed_event", "outbox_event"):
        op.drop_table(table)
