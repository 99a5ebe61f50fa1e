"""The schedule service's tables.

Besides its own data (calendar, bells, rooms, timetables, dated lessons,
calendar feeds) the schedule keeps its own copy of what it needs from the
journal: classes, subgroups, subjects, teachers, teaching assignments,
curriculum hours, which class a student is in and whose guardian a parent
is. The demo seed fills it; the deputy director keeps it up to date.
"""
from __future__ import annotations

from sqlalchemy import (
    Boolean, Column, Date, DateTime, ForeignKey, Index, Integer, MetaData, String, Table, UniqueConstraint,
)

from services.common.outbox import plumbing_tables

metadata = MetaData()
outbox, processed, replays, revoked = plumbing_tables(metadata)

room = Table(
    "room",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("school_id", String(36), nullable=False, index=True),
    Column("name", String(60), nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("kind", String(20), nullable=False),
    UniqueConstraint("school_id", "name", name="uq_room_name"),
)

# ---------------------------------------------------------------- reference copy

school_class = Table(
    "school_class", metadata,
    Column("id", String(36), primary_key=True),
    Column("school_id", String(36), nullable=False, index=True),
    Column("name", String(10), nullable=False),
    Column("grade", Integer, nullable=False),
    Column("student_count", Integer, nullable=False),
)

subgroup = Table(
    "subgroup", metadata,
    Column("id", String(36), primary_key=True),
    Column("school_id", String(36), nullable=False, index=True),
    Column("class_id", String(36), nullable=False, index=True),
    Column("name", String(60), nullable=False),
    # Subgroups of one division of a class share no students.
    Column("division", String(60), nullable=False),
    Column("student_count", Integer, nullable=False),
)

subgroup_member = Table(
    "subgroup_member", metadata,
    Column("subgroup_id", String(36), ForeignKey("subgroup.id", ondelete="CASCADE"), primary_key=True),
    Column("student_id", String(36), primary_key=True),
)

subject = Table(
    "subject", metadata,
    Column("id", String(36), primary_key=True),
    Column("school_id", String(36), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("hard", Boolean, nullable=False, default=False),
    Column("room_kind", String(20), nullable=False, default="classroom"),
)

teacher = Table(
    "teacher", metadata,
    Column("id", String(36), primary_key=True),
    Column("school_id", String(36), nullable=False, index=True),
    Column("full_name", String(200), nullable=False),
)

teaching_assignment = Table(
    "teaching_assignment", metadata,
    Column("id", String(36), primary_key=True),
    Column("school_id", String(36), nullable=False, index=True),
    Column("teacher_id", String(36), nullable=False),
    Column("class_id", String(36), nullable=False),
    Column("subgroup_id", String(36), nullable=True),
    Column("subject_id", String(36), nullable=False),
)

curriculum = Table(
    "curriculum", metadata,
    Column("id", String(36), primary_key=True),
    Column("school_id", String(36), nullable=False, index=True),
    Column("academic_year_id", String(36), nullable=False),
    Column("class_id", String(36), nullable=False),
    Column("subgroup_id", String(36), nullable=True),
    Column("subject_id", String(36), nullable=False),
    Column("year_hours", Integer, nullable=False),
)

teacher_unavailable = Table(
    "teacher_unavailable", metadata,
    Column("teacher_id", String(36), primary_key=True),
    Column("weekday", Integer, primary_key=True),
    Column("slot", Integer, primary_key=True),
    Column("school_id", String(36), nullable=False),
)

student_class = Table(
    "student_class", metadata,
    Column("student_id", String(36), primary_key=True),
    Column("school_id", String(36), nullable=False),
    Column("class_id", String(36), nullable=False, index=True),
)

guardianship = Table(
    "guardianship", metadata,
    Column("guardian_id", String(36), primary_key=True),
    Column("student_id", String(36), primary_key=True),
)

# ---------------------------------------------------------------- calendar and bells

academic_year = Table(
    "academic_year", metadata,
    Column("id", String(36), primary_key=True),
    Column("school_id", String(36), nullable=False, index=True),
    Column("name", String(20), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
)

study_period = Table(
    "study_period", metadata,
    Column("id", String(36), primary_key=True),
    Column("school_id", String(36), nullable=False),
    Column("academic_year_id", String(36), ForeignKey("academic_year.id", ondelete="CASCADE"), nullable=False,
           index=True),
    Column("kind", String(20), nullable=False),
    Column("number", Integer, nullable=True),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
)

holiday = Table(
    "holiday", metadata,
    Column("id", String(36), primary_key=True),
    Column("school_id", String(36), nullable=False),
    Column("academic_year_id", String(36), ForeignKey("academic_year.id", ondelete="CASCADE"), nullable=False,
           index=True),
    Column("kind", String(20), nullable=False),
    Column("title", String(200), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
)

special_day = Table(
    "special_day", metadata,
    Column("school_id", String(36), primary_key=True),
    Column("date", Date, primary_key=True),
    Column("academic_year_id", String(36), ForeignKey("academic_year.id", ondelete="CASCADE"), nullable=False),
    Column("timetable_weekday", Integer, nullable=True),
    Column("bell_schedule_id", String(36), nullable=True),
    Column("title", String(200), nullable=False, default=""),
)

bell_schedule = Table(
    "bell_schedule", metadata,
    Column("id", String(36), primary_key=True),
    Column("school_id", String(36), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("is_default", Boolean, nullable=False, default=False),
)

bell_slot = Table(
    "bell_slot", metadata,
    Column("bell_schedule_id", String(36), ForeignKey("bell_schedule.id", ondelete="CASCADE"), primary_key=True),
    Column("slot", Integer, primary_key=True),
    Column("start_time", String(5), nullable=False),
    Column("end_time", String(5), nullable=False),
)

# ---------------------------------------------------------------- timetables

timetable = Table(
    "timetable", metadata,
    Column("id", String(36), primary_key=True),
    Column("school_id", String(36), nullable=False, index=True),
    Column("academic_year_id", String(36), nullable=False),
    Column("name", String(200), nullable=False),
    Column("status", String(20), nullable=False),
    Column("author_id", String(36), nullable=False),
    Column("create_time", DateTime(timezone=True), nullable=False),
)

timetable_entry = Table(
    "timetable_entry", metadata,
    Column("id", String(36), primary_key=True),
    Column("timetable_id", String(36), ForeignKey("timetable.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("school_id", String(36), nullable=False),
    Column("class_id", String(36), nullable=False),
    Column("subgroup_id", String(36), nullable=True),
    Column("subject_id", String(36), nullable=False),
    Column("teacher_id", String(36), nullable=False),
    Column("room_id", String(36), nullable=False),
    Column("weekday", Integer, nullable=False),
    Column("slot", Integer, nullable=False),
    Column("weeks", String(10), nullable=False),
)

dated_lesson = Table(
    "dated_lesson", metadata,
    Column("id", String(36), primary_key=True),
    Column("school_id", String(36), nullable=False),
    Column("timetable_id", String(36), nullable=True),
    Column("class_id", String(36), nullable=False),
    Column("subgroup_id", String(36), nullable=True),
    Column("subject_id", String(36), nullable=False),
    Column("teacher_id", String(36), nullable=False),
    Column("planned_teacher_id", String(36), nullable=False),
    Column("room_id", String(36), nullable=False),
    Column("date", Date, nullable=False),
    Column("slot", Integer, nullable=False),
    Column("start_time", String(5), nullable=False),
    Column("end_time", String(5), nullable=False),
    Column("status", String(20), nullable=False),
    Column("reason", String(500), nullable=False, default=""),
    Column("version", Integer, nullable=False),
    Index("ix_dated_lesson_school_date", "school_id", "date"),
    Index("ix_dated_lesson_class_date", "class_id", "date"),
    Index("ix_dated_lesson_teacher_date", "teacher_id", "date"),
    Index("ix_dated_lesson_room_date", "room_id", "date"),
)

lesson_change = Table(
    "lesson_change", metadata,
    Column("id", String(36), primary_key=True),
    Column("lesson_id", String(36), nullable=False, index=True),
    Column("school_id", String(36), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("reason", String(500), nullable=False),
    Column("author_id", String(36), nullable=False),
    Column("change_time", DateTime(timezone=True), nullable=False),
    Column("before", String(2000), nullable=False),
)

calendar_feed = Table(
    "calendar_feed", metadata,
    Column("id", String(36), primary_key=True),
    Column("person_id", String(36), nullable=False, index=True),
    Column("school_id", String(36), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    # role is whose week the feed shows: "teacher", "student" or "parent".
    Column("role", String(20), nullable=False),
    Column("create_time", DateTime(timezone=True), nullable=False),
    Column("revoke_time", DateTime(timezone=True), nullable=True),
)
