"""A study period's mark totals read from one index (PostgreSQL: the columns a report needs included).

Revision ID: 0007
"""
from alembic import op

revision = "0007"
down_revision = "0006"

INCLUDED = ["student_id", "subject_id", "class_id", "subject_name", "teacher_id", "weighted_sum", "weight_sum",
            "passes", "fails"]


def upgrade() -> None:
    op.create_index("ix_rm_mark_total_period", "rm_mark_total", ["period_id", "school_id"],
                    postgresql_include=INCLUDED)


def downgrade() -> None:
    op.drop_index("ix_rm_mark_total_period", table_name="rm_mark_total")
