"""Academic years, periods, subjects, teaching assignments, lessons, marks, absences, change log.

Revision ID: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"

SEQUENCE = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "academic_year",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("school_id", sa.String(36), sa.ForeignKey("school.id"), nullable=False, index=True),
        sa.Column("name", sa.String(20), nullable=False),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("end_date", sa.Date, nullable=False),
        sa.UniqueConstraint("school_id", "start_date", name="uq_academic_year_start"),
    )
    op.create_table(
        "study_period",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("school_id", sa.String(36), sa.ForeignKey("school.id"), nullable=False, index=True),
        sa.Column("academic_year_id", sa.String(36), sa.ForeignKey("academic_year.id"), nullable=False, index=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("number", sa.Integer, nullable=True),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("end_date", sa.Date, nullable=False),
        sa.Column("deadline_by_order", sa.Date, nullable=True),
        sa.UniqueConstraint("academic_year_id", "kind", "number", name="uq_study_period_number"),
    )
    op.create_table(
        "subject",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("school_id", sa.String(36), sa.ForeignKey("school.id"), nullable=False, index=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("pass_fail", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.UniqueConstraint("school_id", "name", name="uq_subject_name"),
    )
    op.create_table(
        "teaching_assignment",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("school_id", sa.String(36), sa.ForeignKey("school.id"), nullable=False, index=True),
        sa.Column("teacher_id", sa.String(36), nullable=False, index=True),
        sa.Column("class_id", sa.String(36), sa.ForeignKey("school_class.id"), nullable=False),
        sa.Column("subject_id", sa.String(36), sa.ForeignKey("subject.id"), nullable=False),
        sa.UniqueConstraint("teacher_id", "class_id", "subject_id", name="uq_teaching_assignment"),
    )
    op.create_table(
        "lesson",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("school_id", sa.String(36), sa.ForeignKey("school.id"), nullable=False),
        sa.Column("class_id", sa.String(36), sa.ForeignKey("school_class.id"), nullable=False),
        sa.Column("subject_id", sa.String(36), sa.ForeignKey("subject.id"), nullable=False),
        sa.Column("teacher_id", sa.String(36), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("topic", sa.String(500), nullable=False, server_default=""),
        sa.Column("homework", sa.Text, nullable=False, server_default=""),
        sa.Index("ix_lesson_class_subject_date", "class_id", "subject_id", "date"),
        sa.UniqueConstraint("class_id", "date", "number", name="uq_lesson_class_slot"),
    )
    op.create_table(
        "mark",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("school_id", sa.String(36), sa.ForeignKey("school.id"), nullable=False),
        sa.Column("lesson_id", sa.String(36), sa.ForeignKey("lesson.id"), nullable=False, index=True),
        sa.Column("student_id", sa.String(36), sa.ForeignKey("student.id"), nullable=False, index=True),
        sa.Column("value", sa.String(10), nullable=False),
        sa.Column("work_type", sa.String(20), nullable=False),
        sa.Column("weight", sa.Numeric(4, 2), nullable=True),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("update_time", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "absence",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("school_id", sa.String(36), sa.ForeignKey("school.id"), nullable=False),
        sa.Column("lesson_id", sa.String(36), sa.ForeignKey("lesson.id"), nullable=False),
        sa.Column("student_id", sa.String(36), sa.ForeignKey("student.id"), nullable=False, index=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("update_time", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("lesson_id", "student_id", name="uq_absence_lesson_student"),
    )
    op.create_table(
        "change_log",
        sa.Column("school_id", sa.String(36), primary_key=True),
        sa.Column("sequence", SEQUENCE, primary_key=True),
        sa.Column("entity", sa.String(20), nullable=False),
        sa.Column("entity_id", sa.String(36), nullable=False),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("actor_id", sa.String(36), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("old_value", sa.Text, nullable=True),
        sa.Column("new_value", sa.Text, nullable=True),
        sa.Column("reason", sa.String(500), nullable=False, server_default=""),
        sa.Column("lesson_id", sa.String(36), nullable=True),
        sa.Column("student_id", sa.String(36), nullable=True),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Index("ix_change_log_entity", "entity_id"),
    )
    op.create_table(
        "change_chain",
        sa.Column("school_id", sa.String(36), primary_key=True),
        sa.Column("sequence", SEQUENCE, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    for table in ("change_chain", "change_log", "absence", "mark", "lesson", "teaching_assignment", "subject",
                  "study_period", "academic_year"):
        op.drop_table(table)
