"""Records around the lessons: homework due dates and attachments, the curriculum and the КТП (J3),
students' and guardians' contacts with the monthly check (J1), arrivals and departures (4.3.6),
subgroups with their history (J4), absence notes and weekly reconciliations (J5).

Revision ID: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"

TABLES = ("attendance_reconciliation", "absence_note", "subgroup_member", "subgroup", "roster_change",
          "lesson_plan_item", "lesson_plan", "curriculum", "homework_attachment")


def upgrade() -> None:
    with op.batch_alter_table("lesson") as batch:
        batch.add_column(sa.Column("homework_due_date", sa.Date, nullable=True))
        batch.add_column(sa.Column("work_kind", sa.String(20), nullable=False, server_default=""))
        batch.add_column(sa.Column("subgroup_id", sa.String(36), nullable=True))
    with op.batch_alter_table("student") as batch:
        batch.add_column(sa.Column("phone", sa.String(30), nullable=False, server_default=""))
        batch.add_column(sa.Column("email", sa.String(200), nullable=False, server_default=""))
        batch.add_column(sa.Column("address", sa.String(300), nullable=False, server_default=""))
        batch.add_column(sa.Column("last_verified_on", sa.Date, nullable=True))
        batch.add_column(sa.Column("verified_by", sa.String(36), nullable=True))
    with op.batch_alter_table("guardian") as batch:
        batch.add_column(sa.Column("phone", sa.String(30), nullable=False, server_default=""))
        batch.add_column(sa.Column("email", sa.String(200), nullable=False, server_default=""))
        batch.add_column(sa.Column("address", sa.String(300), nullable=False, server_default=""))
        batch.add_column(sa.Column("electronic_access", sa.Boolean, nullable=False, server_default=sa.true()))
    op.create_table(
        "homework_attachment",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("school_id", sa.String(36), sa.ForeignKey("school.id"), nullable=False),
        sa.Column("lesson_id", sa.String(36), sa.ForeignKey("lesson.id"), nullable=False, index=True),
        sa.Column("file_name", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.BigInteger().with_variant(sa.Integer, "sqlite"), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("storage_key", sa.String(200), nullable=False),
        sa.Column("uploaded_by", sa.String(36), nullable=False),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "curriculum",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("school_id", sa.String(36), sa.ForeignKey("school.id"), nullable=False),
        sa.Column("academic_year_id", sa.String(36), sa.ForeignKey("academic_year.id"), nullable=False),
        sa.Column("class_id", sa.String(36), sa.ForeignKey("school_class.id"), nullable=False),
        sa.Column("subject_id", sa.String(36), sa.ForeignKey("subject.id"), nullable=False),
        sa.Column("hours", sa.Integer, nullable=False),
        sa.UniqueConstraint("academic_year_id", "class_id", "subject_id", name="uq_curriculum_class_subject"),
    )
    op.create_table(
        "lesson_plan",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("school_id", sa.String(36), sa.ForeignKey("school.id"), nullable=False),
        sa.Column("academic_year_id", sa.String(36), sa.ForeignKey("academic_year.id"), nullable=False),
        sa.Column("class_id", sa.String(36), sa.ForeignKey("school_class.id"), nullable=False),
        sa.Column("subject_id", sa.String(36), sa.ForeignKey("subject.id"), nullable=False),
        sa.Column("subgroup_id", sa.String(36), nullable=False, server_default=""),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("updated_by", sa.String(36), nullable=False),
        sa.Column("update_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_by", sa.String(36), nullable=True),
        sa.Column("complete_time", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("academic_year_id", "class_id", "subject_id", "subgroup_id", name="uq_lesson_plan"),
    )
    op.create_table(
        "lesson_plan_item",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("plan_id", sa.String(36), sa.ForeignKey("lesson_plan.id"), nullable=False, index=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("topic", sa.String(500), nullable=False),
        sa.Column("hours", sa.Integer, nullable=False),
        sa.Column("work_type", sa.String(20), nullable=False, server_default=""),
    )
    op.create_table(
        "roster_change",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("school_id", sa.String(36), sa.ForeignKey("school.id"), nullable=False, index=True),
        sa.Column("class_id", sa.String(36), sa.ForeignKey("school_class.id"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("student_id", sa.String(36), nullable=True),
        sa.Column("last_name", sa.String(100), nullable=False, server_default=""),
        sa.Column("first_name", sa.String(100), nullable=False, server_default=""),
        sa.Column("middle_name", sa.String(100), nullable=False, server_default=""),
        sa.Column("birth_date", sa.Date, nullable=True),
        sa.Column("change_date", sa.Date, nullable=False),
        sa.Column("note", sa.String(500), nullable=False, server_default=""),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("requested_by", sa.String(36), nullable=False),
        sa.Column("request_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("carried_out_by", sa.String(36), nullable=True),
        sa.Column("carry_out_time", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "subgroup",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("school_id", sa.String(36), sa.ForeignKey("school.id"), nullable=False),
        sa.Column("academic_year_id", sa.String(36), sa.ForeignKey("academic_year.id"), nullable=False),
        sa.Column("class_id", sa.String(36), sa.ForeignKey("school_class.id"), nullable=False),
        sa.Column("subject_id", sa.String(36), sa.ForeignKey("subject.id"), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("teacher_id", sa.String(36), nullable=True),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
        sa.Index("ix_subgroup_class_subject", "class_id", "subject_id"),
    )
    op.create_table(
        "subgroup_member",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("subgroup_id", sa.String(36), sa.ForeignKey("subgroup.id"), nullable=False, index=True),
        sa.Column("student_id", sa.String(36), sa.ForeignKey("student.id"), nullable=False, index=True),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("end_date", sa.Date, nullable=True),
        sa.Column("changed_by", sa.String(36), nullable=False),
    )
    op.create_table(
        "absence_note",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("school_id", sa.String(36), sa.ForeignKey("school.id"), nullable=False),
        sa.Column("class_id", sa.String(36), sa.ForeignKey("school_class.id"), nullable=False),
        sa.Column("student_id", sa.String(36), sa.ForeignKey("student.id"), nullable=False),
        sa.Column("first_date", sa.Date, nullable=False),
        sa.Column("last_date", sa.Date, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("document", sa.String(300), nullable=False),
        sa.Column("recorded_by", sa.String(36), nullable=False),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
        sa.Index("ix_absence_note_class_dates", "class_id", "first_date"),
    )
    op.create_table(
        "attendance_reconciliation",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("school_id", sa.String(36), sa.ForeignKey("school.id"), nullable=False),
        sa.Column("class_id", sa.String(36), sa.ForeignKey("school_class.id"), nullable=False),
        sa.Column("week_monday", sa.Date, nullable=False),
        sa.Column("reconciled_by", sa.String(36), nullable=False),
        sa.Column("reconcile_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_count", sa.Integer, nullable=False),
        sa.Column("unresolved_count", sa.Integer, nullable=False),
        sa.Index("ix_attendance_reconciliation_class_week", "class_id", "week_monday"),
    )


def downgrade() -> None:
    for name in TABLES:
        op.drop_table(name)
    with op.batch_alter_table("guardian") as batch:
        for column in ("electronic_access", "address", "email", "phone"):
            batch.drop_column(column)
    with op.batch_alter_table("student") as batch:
        for column in ("verified_by", "last_verified_on", "address", "email", "phone"):
            batch.drop_column(column)
    with op.batch_alter_table("lesson") as batch:
        for column in ("subgroup_id", "work_kind", "homework_due_date"):
            batch.drop_column(column)
