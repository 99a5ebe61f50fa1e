"""The journal service's tables."""
from __future__ import annotations

from sqlalchemy import (
    BigInteger, Boolean, Column, Date, DateTime, ForeignKey, Index, Integer, MetaData, Numeric, String, Table, Text,
    UniqueConstraint, false, func, true,
)

from services.common.outbox import plumbing_tables

metadata = MetaData()
outbox, processed, replays, revoked = plumbing_tables(metadata)

# Schools as the journal knows them, from ezh.auth.school.created.v1.
school = Table(
    "school",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(200), nullable=False),
)

school_class = Table(
    "school_class",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("school_id", String(36), ForeignKey("school.id"), nullable=False, index=True),
    Column("grade", Integer, nullable=False),
    Column("letter", String(4), nullable=False),
    Column("class_teacher_id", String(36), nullable=True),
    Column("create_time", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("school_id", "grade", "letter", name="uq_school_class_name"),
)

student = Table(
    "student",
    metadata,
    Column("id", String(36), primary_key=True),  # the person's id
    Column("school_id", String(36), ForeignKey("school.id"), nullable=False, index=True),
    Column("last_name", String(100), nullable=False),
    Column("first_name", String(100), nullable=False),
    Column("middle_name", String(100), nullable=False, server_default=""),
    Column("birth_date", Date, nullable=True),
    # J1: contacts kept by the class teacher, and the last monthly check of the whole record.
    Column("phone", String(30), nullable=False, server_default=""),
    Column("email", String(200), nullable=False, server_default=""),
    Column("address", String(300), nullable=False, server_default=""),
    Column("last_verified_on", Date, nullable=True),
    Column("verified_by", String(36), nullable=True),
)

enrollment = Table(
    "enrollment",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("student_id", String(36), ForeignKey("student.id"), nullable=False, index=True),
    Column("class_id", String(36), ForeignKey("school_class.id"), nullable=False, index=True),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=True),
)

guardian = Table(
    "guardian",
    metadata,
    Column("id", String(36), primary_key=True),  # the person's id
    Column("school_id", String(36), ForeignKey("school.id"), nullable=False, index=True),
    Column("last_name", String(100), nullable=False),
    Column("first_name", String(100), nullable=False),
    Column("middle_name", String(100), nullable=False, server_default=""),
    Column("phone", String(30), nullable=False, server_default=""),
    Column("email", String(200), nullable=False, server_default=""),
    Column("address", String(300), nullable=False, server_default=""),
    Column("electronic_access", Boolean, nullable=False, server_default=true()),  # J7: false = on paper
)

guardianship = Table(
    "guardianship",
    metadata,
    Column("guardian_id", String(36), ForeignKey("guardian.id"), primary_key=True),
    Column("student_id", String(36), ForeignKey("student.id"), primary_key=True),
    Column("relation", String(20), nullable=False),
)

academic_year = Table(
    "academic_year",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("school_id", String(36), ForeignKey("school.id"), nullable=False, index=True),
    Column("name", String(20), nullable=False),  # "2026/27"
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    UniqueConstraint("school_id", "start_date", name="uq_academic_year_start"),
)

# Quarters, trimesters, half-years and the year itself (rules.periods).
study_period = Table(
    "study_period",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("school_id", String(36), ForeignKey("school.id"), nullable=False, index=True),
    Column("academic_year_id", String(36), ForeignKey("academic_year.id"), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("number", Integer, nullable=True),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("deadline_by_order", Date, nullable=True),  # M3: else two days before the end
    UniqueConstraint("academic_year_id", "kind", "number", name="uq_study_period_number"),
)

subject = Table(
    "subject",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("school_id", String(36), ForeignKey("school.id"), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("pass_fail", Boolean, nullable=False, server_default=false()),  # graded зачёт / незачёт
    UniqueConstraint("school_id", "name", name="uq_subject_name"),
)

teaching_assignment = Table(
    "teaching_assignment",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("school_id", String(36), ForeignKey("school.id"), nullable=False, index=True),
    Column("teacher_id", String(36), nullable=False, index=True),  # the person's id
    Column("class_id", String(36), ForeignKey("school_class.id"), nullable=False),
    Column("subject_id", String(36), ForeignKey("subject.id"), nullable=False),
    UniqueConstraint("teacher_id", "class_id", "subject_id", name="uq_teaching_assignment"),
)

lesson = Table(
    "lesson",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("school_id", String(36), ForeignKey("school.id"), nullable=False),
    Column("class_id", String(36), ForeignKey("school_class.id"), nullable=False),
    Column("subject_id", String(36), ForeignKey("subject.id"), nullable=False),
    Column("teacher_id", String(36), nullable=False),
    Column("date", Date, nullable=False),
    Column("number", Integer, nullable=False),  # the lesson's place in the day: 1, 2, …
    Column("topic", String(500), nullable=False, server_default=""),
    Column("homework", Text, nullable=False, server_default=""),
    Column("homework_due_date", Date, nullable=True),
    Column("work_kind", String(20), nullable=False, server_default=""),  # from the КТП: practical, laboratory, test
    Column("subgroup_id", String(36), nullable=True),  # None: the whole class
    # From the timetable (ezh.schedule.*): its version (the newest wins), a
    # cancellation (a cancelled lesson with marks is kept, flagged) and the
    # planned teacher when a substitute gives the lesson.
    Column("version", BigInteger().with_variant(Integer, "sqlite"), nullable=False, server_default="0"),
    Column("cancelled", Boolean, nullable=False, server_default=false()),
    Column("planned_teacher_id", String(36), nullable=True),
    Column("attendance_time", DateTime(timezone=True), nullable=True),  # when attendance was first saved
    Index("ix_lesson_class_subject_date", "class_id", "subject_id", "date"),
    Index("ix_lesson_class_slot", "class_id", "date", "number"),
)

mark = Table(
    "mark",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("school_id", String(36), ForeignKey("school.id"), nullable=False),
    Column("lesson_id", String(36), ForeignKey("lesson.id"), nullable=False, index=True),
    Column("student_id", String(36), ForeignKey("student.id"), nullable=False, index=True),
    Column("value", String(10), nullable=False),  # "1"…"5", "pass", "fail"
    Column("work_type", String(20), nullable=False),
    Column("weight", Numeric(4, 2), nullable=True),  # None: the school's weight for the work type
    Column("create_time", DateTime(timezone=True), nullable=False),  # first entered (J8: 24 hours)
    Column("update_time", DateTime(timezone=True), nullable=False),
)

absence = Table(
    "absence",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("school_id", String(36), ForeignKey("school.id"), nullable=False),
    Column("lesson_id", String(36), ForeignKey("lesson.id"), nullable=False),
    Column("student_id", String(36), ForeignKey("student.id"), nullable=False, index=True),
    Column("kind", String(20), nullable=False),  # rules.AbsenceKind
    Column("create_time", DateTime(timezone=True), nullable=False),
    Column("update_time", DateTime(timezone=True), nullable=False),
    UniqueConstraint("lesson_id", "student_id", name="uq_absence_lesson_student"),
)

# J8: every change, hash-chained per school (rules.change_log). `change_chain`
# holds each school's newest sequence and hash: writers lock it to append in
# order, and the verification compares the chain's end with it.
change_log = Table(
    "change_log",
    metadata,
    Column("school_id", String(36), primary_key=True),
    Column("sequence", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("entity", String(20), nullable=False),
    Column("entity_id", String(36), nullable=False),
    Column("action", String(10), nullable=False),
    Column("actor_id", String(36), nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Column("old_value", Text, nullable=True),  # JSON
    Column("new_value", Text, nullable=True),  # JSON
    Column("reason", String(500), nullable=False, server_default=""),
    Column("lesson_id", String(36), nullable=True),
    Column("student_id", String(36), nullable=True),
    Column("hash", String(64), nullable=False),
    Index("ix_change_log_entity", "entity_id"),
)

change_chain = Table(
    "change_chain",
    metadata,
    Column("school_id", String(36), primary_key=True),
    Column("sequence", BigInteger().with_variant(Integer, "sqlite"), nullable=False),
    Column("hash", String(64), nullable=False),
)

# M1–M4: final marks. Year, exam and final marks hang on the year's period.
final_mark = Table(
    "final_mark",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("school_id", String(36), ForeignKey("school.id"), nullable=False),
    Column("student_id", String(36), ForeignKey("student.id"), nullable=False, index=True),
    Column("class_id", String(36), ForeignKey("school_class.id"), nullable=False),
    Column("subject_id", String(36), ForeignKey("subject.id"), nullable=False),
    Column("period_id", String(36), ForeignKey("study_period.id"), nullable=False),
    Column("kind", String(20), nullable=False),  # rules.final_marks.FinalMarkKind
    Column("value", String(20), nullable=False),  # "1"…"5", "pass", "fail", "not_attested", "exempt"
    Column("teacher_id", String(36), nullable=False),  # who set it last
    Column("exception_id", String(36), nullable=True),  # M3: set late under this exception
    Column("create_time", DateTime(timezone=True), nullable=False),
    Column("update_time", DateTime(timezone=True), nullable=False),
    UniqueConstraint("student_id", "subject_id", "period_id", "kind", name="uq_final_mark_slot"),
    Index("ix_final_mark_class_subject_period", "class_id", "subject_id", "period_id"),
)

# M3: the deputy director's exception to a locked period (optionally one class
# and/or subject), valid on the days from valid_from to valid_until.
period_exception = Table(
    "period_exception",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("school_id", String(36), ForeignKey("school.id"), nullable=False),
    Column("period_id", String(36), ForeignKey("study_period.id"), nullable=False, index=True),
    Column("class_id", String(36), ForeignKey("school_class.id"), nullable=True),
    Column("subject_id", String(36), ForeignKey("subject.id"), nullable=True),
    Column("valid_from", Date, nullable=False),
    Column("valid_until", Date, nullable=False),
    Column("reason", String(500), nullable=False),
    Column("granted_by", String(36), nullable=False),
    Column("grant_time", DateTime(timezone=True), nullable=False),
    Column("closed_by", String(36), nullable=True),
    Column("close_time", DateTime(timezone=True), nullable=True),
)

# ------------------------------------------------------------------ records around the lessons

# Files attached to a lesson's homework; the content lives in the attachment storage under `storage_key`.
homework_attachment = Table(
    "homework_attachment",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("school_id", String(36), ForeignKey("school.id"), nullable=False),
    Column("lesson_id", String(36), ForeignKey("lesson.id"), nullable=False, index=True),
    Column("file_name", String(200), nullable=False),
    Column("content_type", String(100), nullable=False),
    Column("size", BigInteger().with_variant(Integer, "sqlite"), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("storage_key", String(200), nullable=False),
    Column("uploaded_by", String(36), nullable=False),
    Column("create_time", DateTime(timezone=True), nullable=False),
)

# Curriculum (учебный план): hours of a subject in a class for the academic year (J3).
curriculum = Table(
    "curriculum",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("school_id", String(36), ForeignKey("school.id"), nullable=False),
    Column("academic_year_id", String(36), ForeignKey("academic_year.id"), nullable=False),
    Column("class_id", String(36), ForeignKey("school_class.id"), nullable=False),
    Column("subject_id", String(36), ForeignKey("subject.id"), nullable=False),
    Column("hours", Integer, nullable=False),
    UniqueConstraint("academic_year_id", "class_id", "subject_id", name="uq_curriculum_class_subject"),
)

# КТП of a class and subject ("" subgroup: the whole class) for the year (J3).
lesson_plan = Table(
    "lesson_plan",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("school_id", String(36), ForeignKey("school.id"), nullable=False),
    Column("academic_year_id", String(36), ForeignKey("academic_year.id"), nullable=False),
    Column("class_id", String(36), ForeignKey("school_class.id"), nullable=False),
    Column("subject_id", String(36), ForeignKey("subject.id"), nullable=False),
    Column("subgroup_id", String(36), nullable=False, server_default=""),
    Column("status", String(20), nullable=False),  # draft, complete
    Column("updated_by", String(36), nullable=False),
    Column("update_time", DateTime(timezone=True), nullable=False),
    Column("completed_by", String(36), nullable=True),
    Column("complete_time", DateTime(timezone=True), nullable=True),
    UniqueConstraint("academic_year_id", "class_id", "subject_id", "subgroup_id", name="uq_lesson_plan"),
)

lesson_plan_item = Table(
    "lesson_plan_item",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("plan_id", String(36), ForeignKey("lesson_plan.id"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("topic", String(500), nullable=False),
    Column("hours", Integer, nullable=False),
    Column("work_type", String(20), nullable=False, server_default=""),
)

# Arrivals and departures (4.3.6): requested by the class teacher, carried out by the administrator.
roster_change = Table(
    "roster_change",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("school_id", String(36), ForeignKey("school.id"), nullable=False, index=True),
    Column("class_id", String(36), ForeignKey("school_class.id"), nullable=False),
    Column("kind", String(20), nullable=False),  # arrival, departure
    Column("student_id", String(36), nullable=True),  # None: a new student, described below
    Column("last_name", String(100), nullable=False, server_default=""),
    Column("first_name", String(100), nullable=False, server_default=""),
    Column("middle_name", String(100), nullable=False, server_default=""),
    Column("birth_date", Date, nullable=True),
    Column("change_date", Date, nullable=False),
    Column("note", String(500), nullable=False, server_default=""),
    Column("status", String(20), nullable=False),  # requested, done
    Column("requested_by", String(36), nullable=False),
    Column("request_time", DateTime(timezone=True), nullable=False),
    Column("carried_out_by", String(36), nullable=True),
    Column("carry_out_time", DateTime(timezone=True), nullable=True),
)

# Subgroups of a class for a subject in a year (J4), and who was in which when.
subgroup = Table(
    "subgroup",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("school_id", String(36), ForeignKey("school.id"), nullable=False),
    Column("academic_year_id", String(36), ForeignKey("academic_year.id"), nullable=False),
    Column("class_id", String(36), ForeignKey("school_class.id"), nullable=False),
    Column("subject_id", String(36), ForeignKey("subject.id"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("teacher_id", String(36), nullable=True),
    Column("create_time", DateTime(timezone=True), nullable=False),
    Index("ix_subgroup_class_subject", "class_id", "subject_id"),
)

subgroup_member = Table(
    "subgroup_member",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("subgroup_id", String(36), ForeignKey("subgroup.id"), nullable=False, index=True),
    Column("student_id", String(36), ForeignKey("student.id"), nullable=False, index=True),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=True),  # the last day in the subgroup
    Column("changed_by", String(36), nullable=False),
)

# J5: documents the class teacher holds (an illness note) for a student's days.
absence_note = Table(
    "absence_note",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("school_id", String(36), ForeignKey("school.id"), nullable=False),
    Column("class_id", String(36), ForeignKey("school_class.id"), nullable=False),
    Column("student_id", String(36), ForeignKey("student.id"), nullable=False),
    Column("first_date", Date, nullable=False),
    Column("last_date", Date, nullable=False),
    Column("kind", String(20), nullable=False),  # ill, excused
    Column("document", String(300), nullable=False),
    Column("recorded_by", String(36), nullable=False),
    Column("create_time", DateTime(timezone=True), nullable=False),
    Index("ix_absence_note_class_dates", "class_id", "first_date"),
)

attendance_reconciliation = Table(
    "attendance_reconciliation",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("school_id", String(36), ForeignKey("school.id"), nullable=False),
    Column("class_id", String(36), ForeignKey("school_class.id"), nullable=False),
    Column("week_monday", Date, nullable=False),
    Column("reconciled_by", String(36), nullable=False),
    Column("reconcile_time", DateTime(timezone=True), nullable=False),
    Column("changed_count", Integer, nullable=False),
    Column("unresolved_count", Integer, nullable=False),
    Index("ix_attendance_reconciliation_class_week", "class_id", "week_monday"),
)

# J2, G2: a school's own weight of a work type (else rules.DEFAULT_WEIGHTS).
work_type_weight = Table(
    "work_type_weight",
    metadata,
    Column("school_id", String(36), ForeignKey("school.id"), primary_key=True),
    Column("work_type", String(20), primary_key=True),  # rules.WorkType
    Column("weight", Numeric(4, 2), nullable=False),
    Column("update_time", DateTime(timezone=True), nullable=False),
    Column("updated_by", String(36), nullable=False),
)
