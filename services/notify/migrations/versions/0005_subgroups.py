"""Subgroups and their members (ezh.journal.subgroup.changed.v1).

Revision ID: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    op.create_table(
        "subgroup",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("class_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "subgroup_member",
        sa.Column("subgroup_id", sa.String(length=36), nullable=False),
        sa.Column("student_id", sa.String(length=36), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
    )
    op.create_index("ix_subgroup_member_subgroup", "subgroup_member", ["subgroup_id"])


def downgrade() -> None:
    op.drop_index("ix_subgroup_member_subgroup", table_name="subgroup_member")
    op.drop_table("subgroup_member")
    op.drop_table("subgroup")
