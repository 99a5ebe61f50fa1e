"""Staff members' names, roles and block state from ezh.auth.staff.changed.v1 (`rm_staff`).

Revision ID: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    op.create_table(
        "rm_staff",
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("school_id", sa.String(length=36), nullable=False),
        sa.Column("last_name", sa.String(length=100), server_default="", nullable=False),
        sa.Column("first_name", sa.String(length=100), server_default="", nullable=False),
        sa.Column("middle_name", sa.String(length=100), server_default="", nullable=False),
        sa.Column("roles", sa.String(length=200), server_default="", nullable=False),
        sa.Column("blocked", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("change_time", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("person_id"),
    )
    op.create_index(op.f("ix_rm_staff_school_id"), "rm_staff", ["school_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_rm_staff_school_id"), table_name="rm_staff")
    op.drop_table("rm_staff")
