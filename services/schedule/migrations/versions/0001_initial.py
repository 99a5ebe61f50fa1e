"""Rooms.

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
        "room",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("school_id", sa.String(36), nullable=False, index=True),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("capacity", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.UniqueConstraint("school_id", "name", name="uq_room_name"),
    )


def downgrade() -> None:
    for table in ("room", "request_replay", "processed_event", "outbox_event"):
        op.drop_table(table)
