"""The read model of the journal's events (classes, students, guardians, periods,
lessons, marks, absences, final marks, progress) and the service's own records
(remarks on journals, printouts, period archives).

Revision ID: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.create_table('journal_remark',
    sa.Column('remark_id', sa.String(length=36), nullable=False),
    sa.Column('school_id', sa.String(length=36), nullable=False),
    sa.Column('teacher_id', sa.String(length=36), nullable=False),
    sa.Column('class_id', sa.String(length=36), server_default='', nullable=False),
    sa.Column('subject_id', sa.String(length=36), server_default='', nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('author_id', sa.String(length=36), nullable=False),
    sa.Column('create_time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('fixed_time', sa.DateTime(timezone=True), nullable=True),
    sa.Column('fixed_comment', sa.Text(), server_default='', nullable=False),
    sa.PrimaryKeyConstraint('remark_id')
    )
    op.create_index(op.f('ix_journal_remark_school_id'), 'journal_remark', ['school_id'], unique=False)
    op.create_index(op.f('ix_journal_remark_teacher_id'), 'journal_remark', ['teacher_id'], unique=False)
    op.create_table('period_archive',
    sa.Column('archive_id', sa.String(length=36), nullable=False),
    sa.Column('school_id', sa.String(length=36), nullable=False),
    sa.Column('period_id', sa.String(length=36), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('page_count', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('create_time', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('archive_id')
    )
    op.create_index('ux_period_archive_school_period', 'period_archive', ['school_id', 'period_id'], unique=True)
    op.create_table('printout',
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('school_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('scope_json', sa.Text(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('pdf_hash', sa.String(length=64), nullable=False),
    sa.Column('printed_by', sa.String(length=36), server_default='', nullable=False),
    sa.Column('print_time', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_index(op.f('ix_printout_school_id'), 'printout', ['school_id'], unique=False)
    op.create_table('rm_absence',
    sa.Column('lesson_id', sa.String(length=36), nullable=False),
    sa.Column('student_id', sa.String(length=36), nullable=False),
    sa.Column('school_id', sa.String(length=36), nullable=False),
    sa.Column('class_id', sa.String(length=36), nullable=False),
    sa.Column('subject_id', sa.String(length=36), nullable=False),
    sa.Column('subject_name', sa.String(length=200), server_default='', nullable=False),
    sa.Column('teacher_id', sa.String(length=36), server_default='', nullable=False),
    sa.Column('period_id', sa.String(length=36), server_default='', nullable=False),
    sa.Column('lesson_date', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=20), server_default='', nullable=False),
    sa.Column('change_time', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('lesson_id', 'student_id')
    )
    op.create_index('ix_rm_absence_school_date', 'rm_absence', ['school_id', 'lesson_date'], unique=False)
    op.create_index('ix_rm_absence_student', 'rm_absence', ['student_id', 'lesson_date'], unique=False)
    op.create_table('rm_class',
    sa.Column('class_id', sa.String(length=36), nullable=False),
    sa.Column('school_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=20), nullable=False),
    sa.Column('grade', sa.Integer(), nullable=False),
    sa.Column('class_teacher_id', sa.String(length=36), server_default='', nullable=False),
    sa.PrimaryKeyConstraint('class_id')
    )
    op.create_index(op.f('ix_rm_class_school_id'), 'rm_class', ['school_id'], unique=False)
    op.create_table('rm_final_mark',
    sa.Column('final_mark_id', sa.String(length=36), nullable=False),
    sa.Column('school_id', sa.String(length=36), nullable=False),
    sa.Column('class_id', sa.String(length=36), nullable=False),
    sa.Column('subject_id', sa.String(length=36), nullable=False),
    sa.Column('subject_name', sa.String(length=200), server_default='', nullable=False),
    sa.Column('student_id', sa.String(length=36), nullable=False),
    sa.Column('period_id', sa.String(length=36), server_default='', nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('value', sa.String(length=20), nullable=False),
    sa.Column('teacher_id', sa.String(length=36), server_default='', nullable=False),
    sa.Column('change_time', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('final_mark_id')
    )
    op.create_index('ix_rm_final_mark_school_period', 'rm_final_mark', ['school_id', 'period_id'], unique=False)
    op.create_index('ix_rm_final_mark_student', 'rm_final_mark', ['student_id'], unique=False)
    op.create_table('rm_guardianship',
    sa.Column('student_id', sa.String(length=36), nullable=False),
    sa.Column('guardian_id', sa.String(length=36), nullable=False),
    sa.PrimaryKeyConstraint('student_id', 'guardian_id')
    )
    op.create_index(op.f('ix_rm_guardianship_guardian_id'), 'rm_guardianship', ['guardian_id'], unique=False)
    op.create_table('rm_lesson',
    sa.Column('lesson_id', sa.String(length=36), nullable=False),
    sa.Column('school_id', sa.String(length=36), nullable=False),
    sa.Column('class_id', sa.String(length=36), nullable=False),
    sa.Column('subject_id', sa.String(length=36), nullable=False),
    sa.Column('subject_name', sa.String(length=200), server_default='', nullable=False),
    sa.Column('teacher_id', sa.String(length=36), server_default='', nullable=False),
    sa.Column('subgroup_id', sa.String(length=36), server_default='', nullable=False),
    sa.Column('lesson_date', sa.Date(), nullable=False),
    sa.Column('slot', sa.Integer(), server_default='0', nullable=False),
    sa.Column('period_id', sa.String(length=36), server_default='', nullable=False),
    sa.Column('topic', sa.Text(), server_default='', nullable=False),
    sa.Column('work_kind', sa.String(length=20), server_default='', nullable=False),
    sa.Column('homework', sa.Text(), server_default='', nullable=False),
    sa.Column('attendance_taken', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('cancelled', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('version', sa.Integer(), server_default='0', nullable=False),
    sa.Column('change_time', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('lesson_id')
    )
    op.create_index('ix_rm_lesson_class_subject', 'rm_lesson', ['class_id', 'subject_id', 'lesson_date'], unique=False)
    op.create_index('ix_rm_lesson_school_date', 'rm_lesson', ['school_id', 'lesson_date'], unique=False)
    op.create_table('rm_mark',
    sa.Column('mark_id', sa.String(length=36), nullable=False),
    sa.Column('school_id', sa.String(length=36), nullable=False),
    sa.Column('class_id', sa.String(length=36), nullable=False),
    sa.Column('subject_id', sa.String(length=36), nullable=False),
    sa.Column('subject_name', sa.String(length=200), server_default='', nullable=False),
    sa.Column('teacher_id', sa.String(length=36), server_default='', nullable=False),
    sa.Column('period_id', sa.String(length=36), server_default='', nullable=False),
    sa.Column('lesson_id', sa.String(length=36), server_default='', nullable=False),
    sa.Column('lesson_date', sa.Date(), nullable=False),
    sa.Column('student_id', sa.String(length=36), nullable=False),
    sa.Column('value', sa.String(length=10), nullable=False),
    sa.Column('work_type', sa.String(length=30), server_default='', nullable=False),
    sa.Column('weight', sa.String(length=10), server_default='1', nullable=False),
    sa.Column('deleted', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('change_time', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('mark_id')
    )
    op.create_index('ix_rm_mark_class_subject', 'rm_mark', ['class_id', 'subject_id', 'lesson_date'], unique=False)
    op.create_index('ix_rm_mark_school_date', 'rm_mark', ['school_id', 'lesson_date'], unique=False)
    op.create_index('ix_rm_mark_student', 'rm_mark', ['student_id', 'lesson_date'], unique=False)
    op.create_table('rm_period',
    sa.Column('period_id', sa.String(length=36), nullable=False),
    sa.Column('school_id', sa.String(length=36), nullable=False),
    sa.Column('academic_year_id', sa.String(length=36), server_default='', nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('number', sa.Integer(), server_default='0', nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('period_id')
    )
    op.create_index(op.f('ix_rm_period_school_id'), 'rm_period', ['school_id'], unique=False)
    op.create_table('rm_progress',
    sa.Column('source', sa.String(length=50), nullable=False),
    sa.Column('applied_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('newest_event_time', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_apply_time', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('source')
    )
    op.create_table('rm_student',
    sa.Column('student_id', sa.String(length=36), nullable=False),
    sa.Column('school_id', sa.String(length=36), nullable=False),
    sa.Column('class_id', sa.String(length=36), server_default='', nullable=False),
    sa.Column('class_name', sa.String(length=20), server_default='', nullable=False),
    sa.Column('last_name', sa.String(length=100), server_default='', nullable=False),
    sa.Column('first_name', sa.String(length=100), server_default='', nullable=False),
    sa.Column('middle_name', sa.String(length=100), server_default='', nullable=False),
    sa.Column('status', sa.String(length=20), server_default='enrolled', nullable=False),
    sa.Column('version', sa.Integer(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('student_id')
    )
    op.create_index(op.f('ix_rm_student_class_id'), 'rm_student', ['class_id'], unique=False)
    op.create_index(op.f('ix_rm_student_school_id'), 'rm_student', ['school_id'], unique=False)


def downgrade() -> None:
    for table in ['journal_remark', 'period_archive', 'printout', 'rm_absence', 'rm_class', 'rm_final_mark', 'rm_guardianship', 'rm_lesson', 'rm_mark', 'rm_period', 'rm_progress', 'rm_student']:
        op.drop_table(table)
