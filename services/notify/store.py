"""The notify service's tables.

The read model (students, guardians, classes, who teaches which class,
recent marks, absences and lessons) is built from the journal's and the
schedule's events only; the rest is notify's own: the inbox, deliveries by
e-mail with each attempt, preferences, conversations, school events and alerts.
"""
from __future__ import annotations

from sqlalchemy import (
    BigInteger, Boolean, Column, Date, DateTime, ForeignKey, Index, Integer, MetaData, String, Table, Text, UniqueConstraint,
    false, func,
)

from services.common.outbox import plumbing_tables

metadata = MetaData()
outbox, processed, replays, revoked = plumbing_tables(metadata)

# Schools as notify knows them (names for messages), from ezh.auth.school.created.v1.
school = Table(
    "school",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("short_name", String(60), nullable=False),
)

# ----------------------------------------------------------------- read model from events

school_class = Table(
    "school_class",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("school_id", String(36), nullable=False, index=True),
    Column("name", String(20), nullable=False),
    Column("class_teacher_id", String(36), nullable=True, index=True),
)

student = Table(
    "student",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("school_id", String(36), nullable=False),
    Column("class_id", String(36), nullable=True, index=True),
    Column("class_name", String(20), nullable=False, server_default=""),
    Column("last_name", String(100), nullable=False),
    Column("first_name", String(100), nullable=False),
    Column("middle_name", String(100), nullable=False, server_default=""),
    Column("status", String(20), nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("email", String(254), nullable=False, server_default=""),  # the student's own, for e-mail
)

guardian = Table(
    "guardian",
    metadata,
    Column("student_id", String(36), ForeignKey("student.id", ondelete="CASCADE"), primary_key=True),
    Column("guardian_id", String(36), primary_key=True),
    Column("full_name", String(300), nullable=False),
    Column("relation", String(20), nullable=False, server_default=""),
    Column("email", String(254), nullable=False, server_default=""),
    Column("electronic_access", Boolean, nullable=False, server_default="1"),
    Index("ix_guardian_person", "guardian_id"),
)

# Who gives lessons in which class and subject (from lessons and marks).
class_teaching = Table(
    "class_teaching",
    metadata,
    Column("class_id", String(36), primary_key=True),
    Column("subject_id", String(36), primary_key=True),
    Column("teacher_id", String(36), primary_key=True),
    Column("school_id", String(36), nullable=False),
    Column("subject_name", String(200), nullable=False, server_default=""),
    Index("ix_class_teaching_teacher", "teacher_id"),
)

# Staff who signed in to notify, with their roles (administration is known this way).
staff_member = Table(
    "staff_member",
    metadata,
    Column("person_id", String(36), primary_key=True),
    Column("school_id", String(36), nullable=False, index=True),
    Column("roles", String(300), nullable=False),
    # From ezh.auth.staff.changed.v1; empty for staff known only from their token.
    Column("full_name", String(300), nullable=False, server_default=""),
    Column("blocked", Boolean, nullable=False, server_default=false()),
    Column("change_time", String(40), nullable=False, server_default=""),
)

# Subgroups and who was in which when (ezh.journal.subgroup.changed.v1): homework given to a subgroup
# reaches its students and their parents only.
subgroup = Table(
    "subgroup",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("class_id", String(36), nullable=False),
    Column("version", BigInteger, nullable=False),
)

subgroup_member = Table(
    "subgroup_member",
    metadata,
    Column("subgroup_id", String(36), nullable=False),
    Column("student_id", String(36), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=True),
    Index("ix_subgroup_member_subgroup", "subgroup_id"),
)

mark_fact = Table(
    "mark_fact",
    metadata,
    Column("mark_id", String(36), primary_key=True),
    Column("school_id", String(36), nullable=False),
    Column("class_id", String(36), nullable=False),
    Column("student_id", String(36), nullable=False),
    Column("subject_id", String(36), nullable=False),
    Column("subject_name", String(200), nullable=False),
    Column("period_id", String(36), nullable=False, server_default=""),
    Column("lesson_date", Date, nullable=False),
    Column("value", String(20), nullable=False),
    Column("work_type", String(30), nullable=False, server_default=""),
    Column("weight", String(10), nullable=False, server_default=""),
    Index("ix_mark_fact_student", "student_id", "subject_id", "period_id"),
)

absence_fact = Table(
    "absence_fact",
    metadata,
    Column("lesson_id", String(36), primary_key=True),
    Column("student_id", String(36), primary_key=True),
    Column("school_id", String(36), nullable=False),
    Column("class_id", String(36), nullable=False),
    Column("subject_name", String(200), nullable=False),
    Column("lesson_date", Date, nullable=False),
    Column("kind", String(20), nullable=False),
    Index("ix_absence_fact_student", "student_id", "lesson_date"),
)

lesson_fact = Table(
    "lesson_fact",
    metadata,
    Column("lesson_id", String(36), primary_key=True),
    Column("school_id", String(36), nullable=False),
    Column("class_id", String(36), nullable=False),
    Column("subgroup_id", String(36), nullable=False, server_default=""),
    Column("subject_name", String(200), nullable=False),
    Column("lesson_date", Date, nullable=False),
    Column("slot", Integer, nullable=False, server_default="0"),
    Column("topic", Text, nullable=False, server_default=""),
    Column("homework", Text, nullable=False, server_default=""),
    Column("version", BigInteger, nullable=False, server_default="0"),
    Index("ix_lesson_fact_class", "class_id", "lesson_date"),
)

# ----------------------------------------------------------------- notifications and deliveries

notification = Table(
    "notification",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("recipient_id", String(36), nullable=False),
    Column("kind", String(60), nullable=False),
    Column("title", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("create_time", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("read_time", DateTime(timezone=True), nullable=True),
    Column("source_key", String(200), nullable=True),
    Column("link", String(300), nullable=False, server_default=""),
    Column("student_id", String(36), nullable=False, server_default=""),
    Column("school_id", String(36), nullable=False, server_default=""),
    # False when the person turned the kind off in the web client (the row still feeds e-mail).
    Column("shown", Boolean, nullable=False, server_default="1"),
    UniqueConstraint("recipient_id", "source_key", name="uq_notification_source"),
    Index("ix_notification_recipient", "recipient_id", "create_time"),
)

preference = Table(
    "preference",
    metadata,
    Column("person_id", String(36), primary_key=True),
    Column("kind", String(30), primary_key=True),
    Column("channel", String(20), primary_key=True),
    Column("mode", String(20), nullable=False),
)

person_setting = Table(
    "person_setting",
    metadata,
    Column("person_id", String(36), primary_key=True),
    Column("quiet_start", String(5), nullable=True),
    Column("quiet_end", String(5), nullable=True),
)

delivery = Table(
    "delivery",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("notification_id", String(36), ForeignKey("notification.id", ondelete="CASCADE"), nullable=False,
           unique=True),
    Column("recipient_id", String(36), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("address", String(254), nullable=False),
    Column("recipient_name", String(300), nullable=False, server_default=""),
    Column("status", String(20), nullable=False),  # pending, sent, failed
    Column("due_time", DateTime(timezone=True), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_error", Text, nullable=True),
    Column("sent_time", DateTime(timezone=True), nullable=True),
    Index("ix_delivery_due", "status", "due_time"),
)

delivery_attempt = Table(
    "delivery_attempt",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("delivery_id", String(36), ForeignKey("delivery.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("attempt_time", DateTime(timezone=True), nullable=False),
    Column("outcome", String(20), nullable=False),  # sent, failed
    Column("reason", Text, nullable=False, server_default=""),
    Column("batch", String(36), nullable=False),  # one e-mail may carry several deliveries (a digest)
)

# ----------------------------------------------------------------- messages

conversation = Table(
    "conversation",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("school_id", String(36), nullable=False),
    Column("title", String(200), nullable=False, server_default=""),
    Column("creator_id", String(36), nullable=False),
    Column("create_time", DateTime(timezone=True), nullable=False),
    Column("last_message_time", DateTime(timezone=True), nullable=False),
)

conversation_member = Table(
    "conversation_member",
    metadata,
    Column("conversation_id", String(36), ForeignKey("conversation.id", ondelete="CASCADE"), primary_key=True),
    Column("person_id", String(36), primary_key=True),
    Column("last_read_time", DateTime(timezone=True), nullable=True),
    Index("ix_conversation_member_person", "person_id"),
)

message = Table(
    "message",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("conversation_id", String(36), ForeignKey("conversation.id", ondelete="CASCADE"), nullable=False),
    Column("sender_id", String(36), nullable=False),
    Column("text", Text, nullable=False),
    Column("create_time", DateTime(timezone=True), nullable=False),
    Index("ix_message_conversation", "conversation_id", "create_time"),
)

attachment = Table(
    "attachment",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("message_id", String(36), ForeignKey("message.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("file_name", String(200), nullable=False),
    Column("content_type", String(120), nullable=False),
    Column("size", Integer, nullable=False),
    Column("storage_path", String(300), nullable=False),
)

# ----------------------------------------------------------------- school events, alerts, settings

school_event = Table(
    "school_event",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("school_id", String(36), nullable=False, index=True),
    Column("class_id", String(36), nullable=False, server_default=""),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("start_time", DateTime(timezone=True), nullable=True),
    Column("place", String(200), nullable=False, server_default=""),
    Column("audience", String(20), nullable=False),
    Column("rsvp_enabled", Boolean, nullable=False, server_default="0"),
    Column("author_id", String(36), nullable=False),
    Column("create_time", DateTime(timezone=True), nullable=False),
)

event_response = Table(
    "event_response",
    metadata,
    Column("event_id", String(36), ForeignKey("school_event.id", ondelete="CASCADE"), primary_key=True),
    Column("person_id", String(36), primary_key=True),
    Column("response", String(10), nullable=False),
    Column("response_time", DateTime(timezone=True), nullable=False),
)

alert = Table(
    "alert",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("school_id", String(36), nullable=False),
    Column("class_id", String(36), nullable=False, index=True),
    Column("student_id", String(36), nullable=False),
    Column("kind", String(30), nullable=False),
    # One alert per occurrence: student, kind and subject/week/period.
    Column("occurrence_key", String(200), nullable=False, unique=True),
    Column("subject_name", String(200), nullable=False, server_default=""),
    Column("details", Text, nullable=False),
    Column("create_time", DateTime(timezone=True), nullable=False),
    Column("action", Text, nullable=False, server_default=""),
    Column("action_time", DateTime(timezone=True), nullable=True),
    Column("action_by", String(36), nullable=False, server_default=""),
)

school_setting = Table(
    "school_setting",
    metadata,
    Column("school_id", String(36), primary_key=True),
    Column("unexcused_absence_threshold", Integer, nullable=False),
    Column("parents_may_message_parents", Boolean, nullable=False),
    Column("students_may_message_anyone", Boolean, nullable=False),
)
