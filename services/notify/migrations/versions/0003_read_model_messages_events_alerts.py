"""Notify's read model, deliveries, preferences, messages, school events and alerts.

Revision ID: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"

TABLES = ("delivery_attempt", "attachment", "message", "guardian", "event_response", "delivery",
          "conversation_member", "student", "staff_member", "school_setting", "school_event", "school_class",
          "preference", "person_setting", "mark_fact", "lesson_fact", "conversation", "class_teaching", "alert",
          "absence_fact")


def upgrade() -> None:
    op.create_table('absence_fact',
    sa.Column('lesson_id', sa.String(length=36), nullable=False),
    sa.Column('student_id', sa.String(length=36), nullable=False),
    sa.Column('school_id', sa.String(length=36), nullable=False),
    sa.Column('class_id', sa.String(length=36), nullable=False),
    sa.Column('subject_name', sa.String(length=200), nullable=False),
    sa.Column('lesson_date', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.PrimaryKeyConstraint('lesson_id', 'student_id')
    )
    with op.batch_alter_table('absence_fact', schema=None) as batch_op:
        batch_op.create_index('ix_absence_fact_student', ['student_id', 'lesson_date'], unique=False)

    op.create_table('alert',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('school_id', sa.String(length=36), nullable=False),
    sa.Column('class_id', sa.String(length=36), nullable=False),
    sa.Column('student_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('occurrence_key', sa.String(length=200), nullable=False),
    sa.Column('subject_name', sa.String(length=200), server_default='', nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('create_time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('action', sa.Text(), server_default='', nullable=False),
    sa.Column('action_time', sa.DateTime(timezone=True), nullable=True),
    sa.Column('action_by', sa.String(length=36), server_default='', nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('occurrence_key')
    )
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_class_id'), ['class_id'], unique=False)

    op.create_table('class_teaching',
    sa.Column('class_id', sa.String(length=36), nullable=False),
    sa.Column('subject_id', sa.String(length=36), nullable=False),
    sa.Column('teacher_id', sa.String(length=36), nullable=False),
    sa.Column('school_id', sa.String(length=36), nullable=False),
    sa.Column('subject_name', sa.String(length=200), server_default='', nullable=False),
    sa.PrimaryKeyConstraint('class_id', 'subject_id', 'teacher_id')
    )
    with op.batch_alter_table('class_teaching', schema=None) as batch_op:
        batch_op.create_index('ix_class_teaching_teacher', ['teacher_id'], unique=False)

    op.create_table('conversation',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('school_id', sa.String(length=36), nullable=False),
    sa.Column('title', sa.String(length=200), server_default='', nullable=False),
    sa.Column('creator_id', sa.String(length=36), nullable=False),
    sa.Column('create_time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_message_time', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('lesson_fact',
    sa.Column('lesson_id', sa.String(length=36), nullable=False),
    sa.Column('school_id', sa.String(length=36), nullable=False),
    sa.Column('class_id', sa.String(length=36), nullable=False),
    sa.Column('subgroup_id', sa.String(length=36), server_default='', nullable=False),
    sa.Column('subject_name', sa.String(length=200), nullable=False),
    sa.Column('lesson_date', sa.Date(), nullable=False),
    sa.Column('slot', sa.Integer(), server_default='0', nullable=False),
    sa.Column('topic', sa.Text(), server_default='', nullable=False),
    sa.Column('homework', sa.Text(), server_default='', nullable=False),
    sa.Column('version', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('lesson_id')
    )
    with op.batch_alter_table('lesson_fact', schema=None) as batch_op:
        batch_op.create_index('ix_lesson_fact_class', ['class_id', 'lesson_date'], unique=False)

    op.create_table('mark_fact',
    sa.Column('mark_id', sa.String(length=36), nullable=False),
    sa.Column('school_id', sa.String(length=36), nullable=False),
    sa.Column('class_id', sa.String(length=36), nullable=False),
    sa.Column('student_id', sa.String(length=36), nullable=False),
    sa.Column('subject_id', sa.String(length=36), nullable=False),
    sa.Column('subject_name', sa.String(length=200), nullable=False),
    sa.Column('period_id', sa.String(length=36), server_default='', nullable=False),
    sa.Column('lesson_date', sa.Date(), nullable=False),
    sa.Column('value', sa.String(length=20), nullable=False),
    sa.Column('work_type', sa.String(length=30), server_default='', nullable=False),
    sa.Column('weight', sa.String(length=10), server_default='', nullable=False),
    sa.PrimaryKeyConstraint('mark_id')
    )
    with op.batch_alter_table('mark_fact', schema=None) as batch_op:
        batch_op.create_index('ix_mark_fact_student', ['student_id', 'subject_id', 'period_id'], unique=False)

    op.create_table('person_setting',
    sa.Column('person_id', sa.String(length=36), nullable=False),
    sa.Column('quiet_start', sa.String(length=5), nullable=True),
    sa.Column('quiet_end', sa.String(length=5), nullable=True),
    sa.PrimaryKeyConstraint('person_id')
    )
    op.create_table('preference',
    sa.Column('person_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('mode', sa.String(length=20), nullable=False),
    sa.PrimaryKeyConstraint('person_id', 'kind', 'channel')
    )
    op.create_table('school_class',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('school_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=20), nullable=False),
    sa.Column('class_teacher_id', sa.String(length=36), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('school_class', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_school_class_class_teacher_id'), ['class_teacher_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_school_class_school_id'), ['school_id'], unique=False)

    op.create_table('school_event',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('school_id', sa.String(length=36), nullable=False),
    sa.Column('class_id', sa.String(length=36), server_default='', nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('start_time', sa.DateTime(timezone=True), nullable=True),
    sa.Column('place', sa.String(length=200), server_default='', nullable=False),
    sa.Column('audience', sa.String(length=20), nullable=False),
    sa.Column('rsvp_enabled', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('author_id', sa.String(length=36), nullable=False),
    sa.Column('create_time', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('school_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_school_event_school_id'), ['school_id'], unique=False)

    op.create_table('school_setting',
    sa.Column('school_id', sa.String(length=36), nullable=False),
    sa.Column('unexcused_absence_threshold', sa.Integer(), nullable=False),
    sa.Column('parents_may_message_parents', sa.Boolean(), nullable=False),
    sa.Column('students_may_message_anyone', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('school_id')
    )
    op.create_table('staff_member',
    sa.Column('person_id', sa.String(length=36), nullable=False),
    sa.Column('school_id', sa.String(length=36), nullable=False),
    sa.Column('roles', sa.String(length=300), nullable=False),
    sa.PrimaryKeyConstraint('person_id')
    )
    with op.batch_alter_table('staff_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_member_school_id'), ['school_id'], unique=False)

    op.create_table('student',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('school_id', sa.String(length=36), nullable=False),
    sa.Column('class_id', sa.String(length=36), nullable=True),
    sa.Column('class_name', sa.String(length=20), server_default='', nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('middle_name', sa.String(length=100), server_default='', nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('student', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_student_class_id'), ['class_id'], unique=False)

    op.create_table('conversation_member',
    sa.Column('conversation_id', sa.String(length=36), nullable=False),
    sa.Column('person_id', sa.String(length=36), nullable=False),
    sa.Column('last_read_time', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversation.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('conversation_id', 'person_id')
    )
    with op.batch_alter_table('conversation_member', schema=None) as batch_op:
        batch_op.create_index('ix_conversation_member_person', ['person_id'], unique=False)

    op.create_table('delivery',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('notification_id', sa.String(length=36), nullable=False),
    sa.Column('recipient_id', sa.String(length=36), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('address', sa.String(length=254), nullable=False),
    sa.Column('recipient_name', sa.String(length=300), server_default='', nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('due_time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('sent_time', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['notification_id'], ['notification.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('notification_id')
    )
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.create_index('ix_delivery_due', ['status', 'due_time'], unique=False)

    op.create_table('event_response',
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('person_id', sa.String(length=36), nullable=False),
    sa.Column('response', sa.String(length=10), nullable=False),
    sa.Column('response_time', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['school_event.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', 'person_id')
    )
    op.create_table('guardian',
    sa.Column('student_id', sa.String(length=36), nullable=False),
    sa.Column('guardian_id', sa.String(length=36), nullable=False),
    sa.Column('full_name', sa.String(length=300), nullable=False),
    sa.Column('relation', sa.String(length=20), server_default='', nullable=False),
    sa.Column('email', sa.String(length=254), server_default='', nullable=False),
    sa.Column('electronic_access', sa.Boolean(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('student_id', 'guardian_id')
    )
    with op.batch_alter_table('guardian', schema=None) as batch_op:
        batch_op.create_index('ix_guardian_person', ['guardian_id'], unique=False)

    op.create_table('message',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('conversation_id', sa.String(length=36), nullable=False),
    sa.Column('sender_id', sa.String(length=36), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('create_time', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversation.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.create_index('ix_message_conversation', ['conversation_id', 'create_time'], unique=False)

    op.create_table('attachment',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('message_id', sa.String(length=36), nullable=False),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=120), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('storage_path', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachment_message_id'), ['message_id'], unique=False)

    op.create_table('delivery_attempt',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('delivery_id', sa.String(length=36), nullable=False),
    sa.Column('attempt_time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), server_default='', nullable=False),
    sa.Column('batch', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['delivery_id'], ['delivery.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('delivery_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_attempt_delivery_id'), ['delivery_id'], unique=False)

    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_key', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('link', sa.String(length=300), server_default='', nullable=False))
        batch_op.add_column(sa.Column('student_id', sa.String(length=36), server_default='', nullable=False))
        batch_op.add_column(sa.Column('school_id', sa.String(length=36), server_default='', nullable=False))
        batch_op.add_column(sa.Column('shown', sa.Boolean(), server_default='1', nullable=False))
        batch_op.create_unique_constraint('uq_notification_source', ['recipient_id', 'source_key'])


def downgrade() -> None:
    with op.batch_alter_table("notification") as batch_op:
        batch_op.drop_constraint("uq_notification_source", type_="unique")
        for column in ("shown", "school_id", "student_id", "link", "source_key"):
            batch_op.drop_column(column)
    for table in TABLES:
        op.drop_table(table)
