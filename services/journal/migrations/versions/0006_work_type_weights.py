"""A school's own weights of work types (J2, G2): what a mark without its own weight counts with.

Revision ID: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    op.create_table(
        "work_type_weight",
        sa.Column("school_id", sa.String(36), sa.ForeignKey("school.id"), primary_key=True),
        sa.Column("work_type", sa.String(20), primary_key=True),
        sa.Column("weight", sa.Numeric(4, 2), nullable=False),
        sa.Column("update_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(36), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("work_type_weight")
