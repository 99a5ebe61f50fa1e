"""The journal service's tables."""
from __future__ import annotations

from sqlalchemy import (
    Column, Date, DateTime, ForeignKey, Integer, MetaData, String, Table, UniqueConstraint, func,
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
