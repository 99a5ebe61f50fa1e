"""Schools, people, accounts and role grants.

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
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("short_name", sa.String(60), nullable=False),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "person",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("school_id", sa.String(36), sa.ForeignKey("school.id"), nullable=True, index=True),
        sa.Column("last_name", sa.String(100), nullable=False),
        sa.Column("first_name", sa.String(100), nullable=False),
        sa.Column("middle_name", sa.String(100), nullable=False, server_default=""),
    )
    op.create_table(
        "account",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("person_id", sa.String(36), sa.ForeignKey("person.id"), nullable=False, unique=True),
        sa.Column("login", sa.String(64), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("blocked", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "role_grant",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("person_id", sa.String(36), sa.ForeignKey("person.id"), nullable=False, index=True),
        sa.Column("school_id", sa.String(36), sa.ForeignKey("school.id"), nullable=True),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("class_id", sa.String(36), nullable=True),
        sa.Column("grant_time", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("person_id", "school_id", "role", "class_id", name="uq_role_grant"),
    )


def downgrade() -> None:
    for table in ("role_grant", "account", "person", "school", "request_replay", "processed_event", "outbox_event"):
        op.drop_table(table)
