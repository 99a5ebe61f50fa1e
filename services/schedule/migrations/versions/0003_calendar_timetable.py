"""Calendar, bells, the schedule's copy of classes and subjects, timetables, dated lessons, feeds.

Revision ID: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.create_table('academic_year',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('school_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=20), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_academic_year_school_id'), 'academic_year', ['school_id'], unique=False)
    op.create_table('bell_schedule',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('school_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_bell_schedule_school_id'), 'bell_schedule', ['school_id'], unique=False)
    op.create_table('calendar_feed',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('person_id', sa.String(length=36), nullable=False),
    sa.Column('school_id', sa.String(length=36), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('create_time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoke_time', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_index(op.f('ix_calendar_feed_person_id'), 'calendar_feed', ['person_id'], unique=False)
    op.create_table('curriculum',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('school_id', sa.String(length=36), nullable=False),
    sa.Column('academic_year_id', sa.String(length=36), nullable=False),
    sa.Column('class_id', sa.String(length=36), nullable=False),
    sa.Column('subgroup_id', sa.String(length=36), nullable=True),
    sa.Column('subject_id', sa.String(length=36), nullable=False),
    sa.Column('year_hours', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_curriculum_school_id'), 'curriculum', ['school_id'], unique=False)
    op.create_table('dated_lesson',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('school_id', sa.String(length=36), nullable=False),
    sa.Column('timetable_id', sa.String(length=36), nullable=True),
    sa.Column('class_id', sa.String(length=36), nullable=False),
    sa.Column('subgroup_id', sa.String(length=36), nullable=True),
    sa.Column('subject_id', sa.String(length=36), nullable=False),
    sa.Column('teacher_id', sa.String(length=36), nullable=False),
    sa.Column('planned_teacher_id', sa.String(length=36), nullable=False),
    sa.Column('room_id', sa.String(length=36), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('slot', sa.Integer(), nullable=False),
    sa.Column('start_time', sa.String(length=5), nullable=False),
    sa.Column('end_time', sa.String(length=5), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_dated_lesson_class_date', 'dated_lesson', ['class_id', 'date'], unique=False)
    op.create_index('ix_dated_lesson_room_date', 'dated_lesson', ['room_id', 'date'], unique=False)
    op.create_index('ix_dated_lesson_school_date', 'dated_lesson', ['school_id', 'date'], unique=False)
    op.create_index('ix_dated_lesson_teacher_date', 'dated_lesson', ['teacher_id', 'date'], unique=False)
    op.create_table('guardianship',
    sa.Column('guardian_id', sa.String(length=36), nullable=False),
    sa.Column('student_id', sa.String(length=36), nullable=False),
    sa.PrimaryKeyConstraint('guardian_id', 'student_id')
    )
    op.create_table('lesson_change',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('lesson_id', sa.String(length=36), nullable=False),
    sa.Column('school_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('author_id', sa.String(length=36), nullable=False),
    sa.Column('change_time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('before', sa.String(length=2000), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_lesson_change_lesson_id'), 'lesson_change', ['lesson_id'], unique=False)
    op.create_table('school_class',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('school_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=10), nullable=False),
    sa.Column('grade', sa.Integer(), nullable=False),
    sa.Column('student_count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_school_class_school_id'), 'school_class', ['school_id'], unique=False)
    op.create_table('student_class',
    sa.Column('student_id', sa.String(length=36), nullable=False),
    sa.Column('school_id', sa.String(length=36), nullable=False),
    sa.Column('class_id', sa.String(length=36), nullable=False),
    sa.PrimaryKeyConstraint('student_id')
    )
    op.create_index(op.f('ix_student_class_class_id'), 'student_class', ['class_id'], unique=False)
    op.create_table('subgroup',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('school_id', sa.String(length=36), nullable=False),
    sa.Column('class_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('division', sa.String(length=60), nullable=False),
    sa.Column('student_count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_subgroup_class_id'), 'subgroup', ['class_id'], unique=False)
    op.create_index(op.f('ix_subgroup_school_id'), 'subgroup', ['school_id'], unique=False)
    op.create_table('subject',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('school_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('hard', sa.Boolean(), nullable=False),
    sa.Column('room_kind', sa.String(length=20), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_subject_school_id'), 'subject', ['school_id'], unique=False)
    op.create_table('teacher',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('school_id', sa.String(length=36), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_teacher_school_id'), 'teacher', ['school_id'], unique=False)
    op.create_table('teacher_unavailable',
    sa.Column('teacher_id', sa.String(length=36), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('slot', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.String(length=36), nullable=False),
    sa.PrimaryKeyConstraint('teacher_id', 'weekday', 'slot')
    )
    op.create_table('teaching_assignment',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('school_id', sa.String(length=36), nullable=False),
    sa.Column('teacher_id', sa.String(length=36), nullable=False),
    sa.Column('class_id', sa.String(length=36), nullable=False),
    sa.Column('subgroup_id', sa.String(length=36), nullable=True),
    sa.Column('subject_id', sa.String(length=36), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_teaching_assignment_school_id'), 'teaching_assignment', ['school_id'], unique=False)
    op.create_table('timetable',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('school_id', sa.String(length=36), nullable=False),
    sa.Column('academic_year_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('author_id', sa.String(length=36), nullable=False),
    sa.Column('create_time', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_timetable_school_id'), 'timetable', ['school_id'], unique=False)
    op.create_table('bell_slot',
    sa.Column('bell_schedule_id', sa.String(length=36), nullable=False),
    sa.Column('slot', sa.Integer(), nullable=False),
    sa.Column('start_time', sa.String(length=5), nullable=False),
    sa.Column('end_time', sa.String(length=5), nullable=False),
    sa.ForeignKeyConstraint(['bell_schedule_id'], ['bell_schedule.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('bell_schedule_id', 'slot')
    )
    op.create_table('holiday',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('school_id', sa.String(length=36), nullable=False),
    sa.Column('academic_year_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['academic_year_id'], ['academic_year.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_holiday_academic_year_id'), 'holiday', ['academic_year_id'], unique=False)
    op.create_table('special_day',
    sa.Column('school_id', sa.String(length=36), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('academic_year_id', sa.String(length=36), nullable=False),
    sa.Column('timetable_weekday', sa.Integer(), nullable=True),
    sa.Column('bell_schedule_id', sa.String(length=36), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['academic_year_id'], ['academic_year.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('school_id', 'date')
    )
    op.create_table('study_period',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('school_id', sa.String(length=36), nullable=False),
    sa.Column('academic_year_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('number', sa.Integer(), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['academic_year_id'], ['academic_year.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_study_period_academic_year_id'), 'study_period', ['academic_year_id'], unique=False)
    op.create_table('subgroup_member',
    sa.Column('subgroup_id', sa.String(length=36), nullable=False),
    sa.Column('student_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['subgroup_id'], ['subgroup.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('subgroup_id', 'student_id')
    )
    op.create_table('timetable_entry',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('timetable_id', sa.String(length=36), nullable=False),
    sa.Column('school_id', sa.String(length=36), nullable=False),
    sa.Column('class_id', sa.String(length=36), nullable=False),
    sa.Column('subgroup_id', sa.String(length=36), nullable=True),
    sa.Column('subject_id', sa.String(length=36), nullable=False),
    sa.Column('teacher_id', sa.String(length=36), nullable=False),
    sa.Column('room_id', sa.String(length=36), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('slot', sa.Integer(), nullable=False),
    sa.Column('weeks', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['timetable_id'], ['timetable.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_timetable_entry_timetable_id'), 'timetable_entry', ['timetable_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_timetable_entry_timetable_id'), table_name='timetable_entry')
    op.drop_table('timetable_entry')
    op.drop_table('subgroup_member')
    op.drop_index(op.f('ix_study_period_academic_year_id'), table_name='study_period')
    op.drop_table('study_period')
    op.drop_table('special_day')
    op.drop_index(op.f('ix_holiday_academic_year_id'), table_name='holiday')
    op.drop_table('holiday')
    op.drop_table('bell_slot')
    op.drop_index(op.f('ix_timetable_school_id'), table_name='timetable')
    op.drop_table('timetable')
    op.drop_index(op.f('ix_teaching_assignment_school_id'), table_name='teaching_assignment')
    op.drop_table('teaching_assignment')
    op.drop_table('teacher_unavailable')
    op.drop_index(op.f('ix_teacher_school_id'), table_name='teacher')
    op.drop_table('teacher')
    op.drop_index(op.f('ix_subject_school_id'), table_name='subject')
    op.drop_table('subject')
    op.drop_index(op.f('ix_subgroup_school_id'), table_name='subgroup')
    op.drop_index(op.f('ix_subgroup_class_id'), table_name='subgroup')
    op.drop_table('subgroup')
    op.drop_index(op.f('ix_student_class_class_id'), table_name='student_class')
    op.drop_table('student_class')
    op.drop_index(op.f('ix_school_class_school_id'), table_name='school_class')
    op.drop_table('school_class')
    op.drop_index(op.f('ix_lesson_change_lesson_id'), table_name='lesson_change')
    op.drop_table('lesson_change')
    op.drop_table('guardianship')
    op.drop_index('ix_dated_lesson_teacher_date', table_name='dated_lesson')
    op.drop_index('ix_dated_lesson_school_date', table_name='dated_lesson')
    op.drop_index('ix_dated_lesson_room_date', table_name='dated_lesson')
    op.drop_index('ix_dated_lesson_class_date', table_name='dated_lesson')
    op.drop_table('dated_lesson')
    op.drop_index(op.f('ix_curriculum_school_id'), table_name='curriculum')
    op.drop_table('curriculum')
    op.drop_index(op.f('ix_calendar_feed_person_id'), table_name='calendar_feed')
    op.drop_table('calendar_feed')
    op.drop_index(op.f('ix_bell_schedule_school_id'), table_name='bell_schedule')
    op.drop_table('bell_schedule')
    op.drop_index(op.f('ix_academic_year_school_id'), table_name='academic_year')
    op.drop_table('academic_year')
