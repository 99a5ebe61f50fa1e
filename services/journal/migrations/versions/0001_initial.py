"""Schools, classes, students with enrolment history, guardians.

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
    )
    op.create_table(
        "school_class",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("school_id", sa.String(36), sa.ForeignKey("school.id"), nullable=False, index=True),
        sa.Column("grade", sa.Integer, nullable=False),
        sa.Column("letter", sa.String(4), nullable=False),
        sa.Column("class_teacher_id", sa.String(36), nullable=True),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("school_id", "grade", "letter", name="uq_school_class_name"),
    )
    person_columns = lambda: (  # noqa: E731
        sa.Column("last_name", sa.String(100), nullable=False),
        sa.Column("first_name", sa.String(100), nullable=False),
        sa.Column("middle_name", sa.String(100), nullable=False, server_default=""),
    )
    op.create_table(
        "student",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("school_id", sa.String(36), sa.ForeignKey("school.id"), nullable=False, index=True),
        *person_columns(),
        sa.Column("birth_date", sa.Date, nullable=True),
    )
    op.create_table(
        "enrollment",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("student_id", sa.String(36), sa.ForeignKey("student.id"), nullable=False, index=True),
        sa.Column("class_id", sa.String(36), sa.ForeignKey("school_class.id"), nullable=False, index=True),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("end_date", sa.Date, nullable=True),
    )
    op.create_table(
        "guardian",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("school_id", sa.String(36), sa.ForeignKey("school.id"), nullable=False, index=True),
        *person_columns(),
    )
    op.create_table(
        "guardianship",
        sa.Column("guardian_id", sa.String(36), sa.ForeignKey("guardian.id"), primary_key=True),
        sa.Column("student_id", sa.String(36), sa.ForeignKey("student.id"), primary_key=True),
        sa.Column("relation", sa.String(20), nullable=False),
    )


def downgrade() -> None:
    for table in ("guardianship", "guardian", "enrollment", "student", "school_class", "school",
                  "request_replay", "processed_event", "outbox_event"):
        op.drop_table(table)
