"""A student's own e-mail address (ezh.journal.student.changed.v1), for their e-mail notifications.

Revision ID: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    with op.batch_alter_table("student") as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=254), server_default="", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("student") as batch_op:
        batch_op.drop_column("email")
