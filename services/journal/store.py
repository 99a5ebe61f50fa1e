"""The journal service's tables."""
from __future__ import annotations

from sqlalchemy import (
    BigInteger, Boolean, Column, Date, DateTime, ForeignKey, Index, Integer, MetaData, Numeric, String, Table, Text,
    UniqueConstraint, false, func,
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
