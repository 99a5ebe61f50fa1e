"""The reports service's read model (built from events only) and its own records.

The read model mirrors what the journal's events say: classes, students and
their guardians, periods, lessons, marks, absences and final marks.  Each
row keeps the time of the event that last changed it (`change_time`): an
older event arriving late changes nothing (the newest wins), a replayed one
changes nothing either, and a printout can tell when its content changed.
A deleted mark stays as a tombstone so that a late `created` cannot bring it back.

The service's own records (remarks on journals, printouts, period archives)
are not built from events and survive a rebuild of the read model.
"""
from __future__ import annotations

from sqlalchemy import (
    BigInteger, Boolean, Column, Date, DateTime, Index, Integer, LargeBinary, MetaData, String, Table, Text, func,
)

from services.common.outbox import plumbing_tables

metadata = MetaData()
outbox, processed, replays, revoked = plumbing_tables(metadata)

school_summary = Table(
    "school_summary",
    metadata,
    Column("school_id", String(36), primary_key=True),
    Column("name", String(200), nullable=False, server_default=""),
    Column("class_count", Integer, nullable=False, server_default="0"),
    Column("update_time", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

school_class = Table(
    "rm_class",
    metadata,
    Column("class_id", String(36), primary_key=True),
    Column("school_id", String(36), nullable=False, index=True),
    Column("name", String(20), nullable=False),
    Column("grade", Integer, nullable=False),
    Column("class_teacher_id", String(36), nullable=False, server_default=""),
)

student = Table(
    "rm_student",
    metadata,
    Column("student_id", String(36), primary_key=True),
    Column("school_id", String(36), nullable=False, index=True),
    Column("class_id", String(36), nullable=False, server_default="", index=True),
    Column("class_name", String(20), nullable=False, server_default=""),
    Column("last_name", String(100), nullable=False, server_default=""),
    Column("first_name", String(100), nullable=False, server_default=""),
    Column("middle_name", String(100), nullable=False, server_default=""),
    Column("status", String(20), nullable=False, server_default="enrolled"),
    Column("version", BigInteger, nullable=False, server_default="0"),
)

guardianship = Table(
    "rm_guardianship",
    metadata,
    Column("student_id", String(36), primary_key=True),
    Column("guardian_id", String(36), primary_key=True, index=True),
)

period = Table(
    "rm_period",
    metadata,
    Column("period_id", String(36), primary_key=True),
    Column("school_id", String(36), nullable=False, index=True),
    Column("academic_year_id", String(36), nullable=False, server_default=""),
    Column("kind", String(20), nullable=False),
    Column("number", Integer, nullable=False, server_default="0"),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("deadline", Date, nullable=True),
)

lesson = Table(
    "rm_lesson",
    metadata,
    Column("lesson_id", String(36), primary_key=True),
    Column("school_id", String(36), nullable=False),
    Column("class_id", String(36), nullable=False),
    Column("subject_id", String(36), nullable=False),
    Column("subject_name", String(200), nullable=False, server_default=""),
    Column("teacher_id", String(36), nullable=False, server_default=""),
    Column("subgroup_id", String(36), nullable=False, server_default=""),
    Column("lesson_date", Date, nullable=False),
    Column("slot", Integer, nullable=False, server_default="0"),
    Column("period_id", String(36), nullable=False, server_default=""),
    Column("topic", Text, nullable=False, server_default=""),
    Column("work_kind", String(20), nullable=False, server_default=""),
    Column("homework", Text, nullable=False, server_default=""),
    Column("attendance_taken", Boolean, nullable=False, server_default="0"),
    Column("cancelled", Boolean, nullable=False, server_default="0"),
    Column("version", BigInteger, nullable=False, server_default="0"),
    Column("change_time", DateTime(timezone=True), nullable=False),
    Index("ix_rm_lesson_school_date", "school_id", "lesson_date"),
    Index("ix_rm_lesson_class_subject", "class_id", "subject_id", "lesson_date"),
)

mark = Table(
    "rm_mark",
    metadata,
    Column("mark_id", String(36), primary_key=True),
    Column("school_id", String(36), nullable=False),
    Column("class_id", String(36), nullable=False),
    Column("subject_id", String(36), nullable=False),
    Column("subject_name", String(200), nullable=False, server_default=""),
    Column("teacher_id", String(36), nullable=False, server_default=""),
    Column("period_id", String(36), nullable=False, server_default=""),
    Column("lesson_id", String(36), nullable=False, server_default=""),
    Column("lesson_date", Date, nullable=False),
    Column("student_id", String(36), nullable=False),
    Column("value", String(10), nullable=False),
    Column("work_type", String(30), nullable=False, server_default=""),
    Column("weight", String(10), nullable=False, server_default="1"),
    Column("deleted", Boolean, nullable=False, server_default="0"),
    Column("change_time", DateTime(timezone=True), nullable=False),
    Index("ix_rm_mark_school_date", "school_id", "lesson_date"),
    Index("ix_rm_mark_student", "student_id", "lesson_date"),
    Index("ix_rm_mark_class_subject", "class_id", "subject_id", "lesson_date"),
)

# Each student's marks per subject, class and study period, summed (what a period's report reads): kept by the
# mark and period handlers from `rm_mark` and `rm_period` (services/reports/mark_totals.py). The sums are exact
# decimals as text: Σ value × weight and Σ weight of the «1»…«5» marks, and the зачёт and незачёт counted.
mark_total = Table(
    "rm_mark_total",
    metadata,
    Column("period_id", String(36), primary_key=True),
    Column("student_id", String(36), primary_key=True),
    Column("subject_id", String(36), primary_key=True),
    Column("class_id", String(36), primary_key=True),
    Column("school_id", String(36), nullable=False),
    Column("subject_name", String(200), nullable=False, server_default=""),
    Column("teacher_id", String(36), nullable=False, server_default=""),
    Column("weighted_sum", String(40), nullable=False, server_default="0"),
    Column("weight_sum", String(40), nullable=False, server_default="0"),
    Column("passes", Integer, nullable=False, server_default="0"),
    Column("fails", Integer, nullable=False, server_default="0"),
    Column("mark_count", Integer, nullable=False, server_default="0"),
    Index("ix_rm_mark_total_pair", "school_id", "student_id", "subject_id"),
    # A period's rows read from the index alone on PostgreSQL (they are scattered over the table).
    Index("ix_rm_mark_total_period", "period_id", "school_id", postgresql_include=[
        "student_id", "subject_id", "class_id", "subject_name", "teacher_id", "weighted_sum", "weight_sum", "passes",
        "fails"]),
)

absence = Table(
    "rm_absence",
    metadata,
    Column("lesson_id", String(36), primary_key=True),
    Column("student_id", String(36), primary_key=True),
    Column("school_id", String(36), nullable=False),
    Column("class_id", String(36), nullable=False),
    Column("subject_id", String(36), nullable=False),
    Column("subject_name", String(200), nullable=False, server_default=""),
    Column("teacher_id", String(36), nullable=False, server_default=""),
    Column("period_id", String(36), nullable=False, server_default=""),
    Column("lesson_date", Date, nullable=False),
    Column("kind", String(20), nullable=False, server_default=""),  # "" once present again
    Column("change_time", DateTime(timezone=True), nullable=False),
    Index("ix_rm_absence_school_date", "school_id", "lesson_date"),
    Index("ix_rm_absence_student", "student_id", "lesson_date"),
)

final_mark = Table(
    "rm_final_mark",
    metadata,
    Column("final_mark_id", String(36), primary_key=True),
    Column("school_id", String(36), nullable=False),
    Column("class_id", String(36), nullable=False),
    Column("subject_id", String(36), nullable=False),
    Column("subject_name", String(200), nullable=False, server_default=""),
    Column("student_id", String(36), nullable=False),
    Column("period_id", String(36), nullable=False, server_default=""),
    Column("kind", String(20), nullable=False),
    Column("value", String(20), nullable=False),
    Column("teacher_id", String(36), nullable=False, server_default=""),
    Column("change_time", DateTime(timezone=True), nullable=False),
    Index("ix_rm_final_mark_school_period", "school_id", "period_id"),
    Index("ix_rm_final_mark_student", "student_id"),
    Index("ix_rm_final_mark_period", "period_id", "student_id", "subject_id"),
)

# Staff members as auth announces them (ezh.auth.staff.changed.v1): reports name teachers by them. A former
# staff member (no roles left) keeps their name for the reports of the time they taught.
staff = Table(
    "rm_staff",
    metadata,
    Column("person_id", String(36), primary_key=True),
    Column("school_id", String(36), nullable=False, index=True),
    Column("last_name", String(100), nullable=False, server_default=""),
    Column("first_name", String(100), nullable=False, server_default=""),
    Column("middle_name", String(100), nullable=False, server_default=""),
    Column("roles", String(200), nullable=False, server_default=""),
    Column("blocked", Boolean, nullable=False, server_default="0"),
    Column("change_time", DateTime(timezone=True), nullable=False),
)

# How far the read model has got: one row per source service.
progress = Table(
    "rm_progress",
    metadata,
    Column("source", String(50), primary_key=True),
    Column("applied_count", BigInteger, nullable=False, server_default="0"),
    Column("newest_event_time", DateTime(timezone=True), nullable=True),
    Column("last_apply_time", DateTime(timezone=True), nullable=True),
)

# ---------------------------------------------------------------- the service's own records

remark = Table(
    "journal_remark",
    metadata,
    Column("remark_id", String(36), primary_key=True),
    Column("school_id", String(36), nullable=False, index=True),
    Column("teacher_id", String(36), nullable=False, index=True),
    Column("class_id", String(36), nullable=False, server_default=""),
    Column("subject_id", String(36), nullable=False, server_default=""),
    Column("text", Text, nullable=False),
    Column("author_id", String(36), nullable=False),
    Column("create_time", DateTime(timezone=True), nullable=False),
    Column("fixed_time", DateTime(timezone=True), nullable=True),
    Column("fixed_comment", Text, nullable=False, server_default=""),
)

printout = Table(
    "printout",
    metadata,
    Column("code", String(20), primary_key=True),
    Column("school_id", String(36), nullable=False, index=True),
    Column("kind", String(30), nullable=False),
    Column("scope_json", Text, nullable=False),  # what to rebuild to verify
    Column("title", String(300), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("pdf_hash", String(64), nullable=False),
    Column("printed_by", String(36), nullable=False, server_default=""),
    Column("print_time", DateTime(timezone=True), nullable=False),
)

period_archive = Table(
    "period_archive",
    metadata,
    Column("archive_id", String(36), primary_key=True),
    Column("school_id", String(36), nullable=False),
    Column("period_id", String(36), nullable=False),
    Column("title", String(300), nullable=False),
    Column("page_count", Integer, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("pdf", LargeBinary, nullable=False),
    Column("create_time", DateTime(timezone=True), nullable=False),
    Index("ux_period_archive_school_period", "school_id", "period_id", unique=True),
)

# Everything built from events: emptied by `python -m services.reports reset-read-model`.
READ_MODEL = (school_summary, school_class, student, guardianship, period, lesson, mark, mark_total, absence, final_mark,
              staff, progress)
