"""Each student's marks per subject, class and study period, summed (`rm_mark_total`), filled from the marks
already in the read model; final marks found by period, student and subject.

Revision ID: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    op.create_table(
        "rm_mark_total",
        sa.Column("period_id", sa.String(length=36), nullable=False),
        sa.Column("student_id", sa.String(length=36), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("class_id", sa.String(length=36), nullable=False),
        sa.Column("school_id", sa.String(length=36), nullable=False),
        sa.Column("subject_name", sa.String(length=200), server_default="", nullable=False),
        sa.Column("teacher_id", sa.String(length=36), server_default="", nullable=False),
        sa.Column("weighted_sum", sa.String(length=40), server_default="0", nullable=False),
        sa.Column("weight_sum", sa.String(length=40), server_default="0", nullable=False),
        sa.Column("passes", sa.Integer(), server_default="0", nullable=False),
        sa.Column("fails", sa.Integer(), server_default="0", nullable=False),
        sa.Column("mark_count", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("period_id", "student_id", "subject_id", "class_id"),
    )
    op.create_index("ix_rm_mark_total_pair", "rm_mark_total", ["school_id", "student_id", "subject_id"])
    op.create_index("ix_rm_final_mark_period", "rm_final_mark", ["period_id", "student_id", "subject_id"])
    from services.reports import mark_totals

    mark_totals.recompute_all(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_rm_final_mark_period", table_name="rm_final_mark")
    op.drop_index("ix_rm_mark_total_pair", table_name="rm_mark_total")
    op.drop_table("rm_mark_total")
