"""Staff names, block state and change time (ezh.auth.staff.changed.v1).

Revision ID: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    with op.batch_alter_table("staff_member") as batch_op:
        batch_op.add_column(sa.Column("full_name", sa.String(length=300), server_default="", nullable=False))
        batch_op.add_column(sa.Column("blocked", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("change_time", sa.String(length=40), server_default="", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("staff_member") as batch_op:
        batch_op.drop_column("change_time")
        batch_op.drop_column("blocked")
        batch_op.drop_column("full_name")
