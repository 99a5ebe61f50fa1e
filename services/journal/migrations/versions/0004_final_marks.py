"""Final marks, the deputy director's exceptions to a locked period, lessons from the timetable.

Lessons get the timetable's version, a cancelled flag, the planned teacher
(a substitution gives the lesson to another teacher) and when attendance was
first saved. The one-lesson-per-slot constraint becomes an index: a cancelled lesson that keeps its marks and the
lesson put in its place share the slot, and so do subgroups' lessons.

Revision ID: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.create_table(
        "final_mark",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("school_id", sa.String(36), sa.ForeignKey("school.id"), nullable=False),
        sa.Column("student_id", sa.String(36), sa.ForeignKey("student.id"), nullable=False, index=True),
        sa.Column("class_id", sa.String(36), sa.ForeignKey("school_class.id"), nullable=False),
        sa.Column("subject_id", sa.String(36), sa.ForeignKey("subject.id"), nullable=False),
        sa.Column("period_id", sa.String(36), sa.ForeignKey("study_period.id"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("value", sa.String(20), nullable=False),
        sa.Column("teacher_id", sa.String(36), nullable=False),
        sa.Column("exception_id", sa.String(36), nullable=True),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("update_time", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("student_id", "subject_id", "period_id", "kind", name="uq_final_mark_slot"),
        sa.Index("ix_final_mark_class_subject_period", "class_id", "subject_id", "period_id"),
    )
    op.create_table(
        "period_exception",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("school_id", sa.String(36), sa.ForeignKey("school.id"), nullable=False),
        sa.Column("period_id", sa.String(36), sa.ForeignKey("study_period.id"), nullable=False, index=True),
        sa.Column("class_id", sa.String(36), sa.ForeignKey("school_class.id"), nullable=True),
        sa.Column("subject_id", sa.String(36), sa.ForeignKey("subject.id"), nullable=True),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_until", sa.Date, nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("granted_by", sa.String(36), nullable=False),
        sa.Column("grant_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by", sa.String(36), nullable=True),
        sa.Column("close_time", sa.DateTime(timezone=True), nullable=True),
    )
    with op.batch_alter_table("lesson") as batch:
        batch.add_column(sa.Column("version", sa.BigInteger().with_variant(sa.Integer, "sqlite"), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("cancelled", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("planned_teacher_id", sa.String(36), nullable=True))
        batch.add_column(sa.Column("attendance_time", sa.DateTime(timezone=True), nullable=True))
        batch.drop_constraint("uq_lesson_class_slot", type_="unique")
        batch.create_index("ix_lesson_class_slot", ["class_id", "date", "number"])


def downgrade() -> None:
    with op.batch_alter_table("lesson") as batch:
        batch.drop_index("ix_lesson_class_slot")
        batch.create_unique_constraint("uq_lesson_class_slot", ["class_id", "date", "number"])
        batch.drop_column("attendance_time")
        batch.drop_column("planned_teacher_id")
        batch.drop_column("cancelled")
        batch.drop_column("version")
    op.drop_table("period_exception")
    op.drop_table("final_mark")
