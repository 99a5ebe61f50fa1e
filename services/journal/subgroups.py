"""Subgroups of a class for a subject (J4): the division at the start of the year and moves.

The class teacher or the administrator divides the class (rules.check_subgroup_split),
naming each subgroup's teacher among those assigned to the class and subject.
Only the administrator moves a student, only in the window at a period's end
(rules.subgroup_move_allowed); the move ends the old membership the day
before the next period's first lesson and starts the new one that day, so
the history of who was where stays.
"""
from __future__ import annotations

import datetime as dt
import uuid

from ezh.journal.v1 import records_pb2
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from services.journal import access, entries, store
from services.journal.lesson_plan import subject_row
from services.journal.record_access import (
    academic_year_of, check_class_keeper, class_not_found, class_row, is_administrator_of, student_not_found,
)
from services.journal.rules.subgroup_split import SubgroupPlan, check_subgroup_split
from services.journal.rules.subgroups import subgroup_move_allowed
from services.journal.snapshots import record_events, subgroup_changed_events

ATTESTATION_KINDS = ("quarter", "trimester")


def _groups(session: Session, class_id: str, subject_id: str, year_id: str) -> list[records_pb2.Subgroup]:
    rows = session.execute(select(store.subgroup).where(
        store.subgroup.c.class_id == class_id, store.subgroup.c.subject_id == subject_id,
        store.subgroup.c.academic_year_id == year_id).order_by(store.subgroup.c.name, store.subgroup.c.id)).all()
    members = session.execute(select(store.subgroup_member).where(
        store.subgroup_member.c.subgroup_id.in_([row.id for row in rows]))
        .order_by(store.subgroup_member.c.start_date, store.subgroup_member.c.student_id)).all()
    result = []
    for row in rows:
        own = [member for member in members if member.subgroup_id == row.id]
        result.append(records_pb2.Subgroup(
            id=row.id, class_id=row.class_id, subject_id=row.subject_id, name=row.name, teacher_id=row.teacher_id or "",
            student_ids=sorted(member.student_id for member in own if member.end_date is None),
            history=[records_pb2.SubgroupMembership(
                student_id=member.student_id, start_date=member.start_date.isoformat(),
                end_date=member.end_date.isoformat() if member.end_date else "") for member in own],
        ))
    return result


def _changed(session: Session, class_id: str, subject_id: str, year_id: str) -> list[records_pb2.Subgroup]:
    """The subgroups after a change, with their snapshots in the outbox for notify (homework to a subgroup)."""
    record_events(session, subgroup_changed_events(session, class_id, subject_id, year_id))
    return _groups(session, class_id, subject_id, year_id)


def _year(session: Session, school_id: str, today: dt.date):
    year = academic_year_of(session, school_id, today)
    if year is None:
        raise FailedPrecondition("В школе не задан учебный год", reason="NO_ACADEMIC_YEAR")
    return year


def set_subgroups(session: Session, identity, request, now: dt.datetime, today: dt.date):
    school_class = class_row(session, request.class_id)
    if school_class is None:
        raise class_not_found()
    check_class_keeper(identity, school_class)
    school_id = school_class.school_id
    subject_row(session, school_id, request.subject_id)
    year = _year(session, school_id, today)
    if session.scalar(select(store.subgroup.c.id).where(
            store.subgroup.c.class_id == school_class.id, store.subgroup.c.subject_id == request.subject_id,
            store.subgroup.c.academic_year_id == year.id)):
        raise FailedPrecondition("Класс по этому предмету уже разделён на подгруппы; перевести ученика может "
                                 "администратор по окончании учебного периода", reason="SUBGROUPS_ALREADY_SET")
    start = max(today, year.start_date)
    students = set(session.scalars(select(store.enrollment.c.student_id).where(
        entries.enrolled_on(school_class.id, start, start))))
    plans = check_subgroup_split(
        [SubgroupPlan(group.name, tuple(group.student_ids)) for group in request.subgroups], students)
    assigned = set(session.scalars(select(store.teaching_assignment.c.teacher_id).where(
        store.teaching_assignment.c.class_id == school_class.id,
        store.teaching_assignment.c.subject_id == request.subject_id)))
    for index, group in enumerate(request.subgroups):
        if group.teacher_id and group.teacher_id not in assigned:
            raise InvalidArgument(f"subgroups[{index}].teacher_id", "Этот учитель не ведёт этот предмет в этом классе")
    for plan, group in zip(plans, request.subgroups, strict=True):
        subgroup_id = str(uuid.uuid4())
        session.execute(store.subgroup.insert().values(
            id=subgroup_id, school_id=school_id, academic_year_id=year.id, class_id=school_class.id,
            subject_id=request.subject_id, name=plan.name, teacher_id=group.teacher_id or None, create_time=now))
        session.execute(store.subgroup_member.insert(), [
            dict(id=str(uuid.uuid4()), subgroup_id=subgroup_id, student_id=student_id, start_date=start,
                 end_date=None, changed_by=identity.person_id) for student_id in plan.student_ids])
    return _changed(session, school_class.id, request.subject_id, year.id)


def list_subgroups(session: Session, identity, class_id: str, subject_id: str, today: dt.date):
    school_class = class_row(session, class_id)
    if school_class is None or not access.is_staff_of(identity, school_class.school_id):
        raise class_not_found()
    subject_row(session, school_class.school_id, subject_id)
    year = _year(session, school_class.school_id, today)
    return _groups(session, class_id, subject_id, year.id)


def _window(session: Session, school_id: str, year, class_id: str, subject_id: str, today: dt.date):
    """The period whose end opens the window (the last ended, else the current) and the next one's first lesson."""
    period = store.study_period
    rows = session.execute(select(period).where(
        period.c.academic_year_id == year.id, period.c.kind.in_(ATTESTATION_KINDS)).order_by(period.c.start_date)
    ).all()
    if not rows:
        raise FailedPrecondition("В учебном году не заданы четверти или триместры", reason="NO_PERIODS")
    ended = [row for row in rows if row.end_date <= today]
    current = ended[-1] if ended else rows[0]
    following = [row for row in rows if row.start_date > current.end_date]
    next_start = following[0].start_date if following else None
    first_lesson = session.scalar(select(store.lesson.c.date).where(
        store.lesson.c.class_id == class_id, store.lesson.c.subject_id == subject_id,
        store.lesson.c.date > current.end_date, store.lesson.c.cancelled.is_(False),
    ).order_by(store.lesson.c.date).limit(1))
    if first_lesson is None or (next_start is not None and next_start < first_lesson):
        first_lesson = next_start
    return entries.period_rule(current), first_lesson


def move_student(session: Session, identity, student_id: str, subgroup_id: str, today: dt.date):
    target = session.execute(select(store.subgroup).where(store.subgroup.c.id == subgroup_id)).first()
    if target is None or not access.is_staff_of(identity, target.school_id):
        raise NotFound("Подгруппа не найдена", reason="SUBGROUP_NOT_FOUND", field="subgroup_id")
    siblings = select(store.subgroup.c.id).where(
        store.subgroup.c.class_id == target.class_id, store.subgroup.c.subject_id == target.subject_id,
        store.subgroup.c.academic_year_id == target.academic_year_id)
    current = session.execute(select(store.subgroup_member).where(
        store.subgroup_member.c.student_id == student_id, store.subgroup_member.c.end_date.is_(None),
        store.subgroup_member.c.subgroup_id.in_(siblings))).first()
    if current is None:
        # A student who arrived after the division joins a subgroup at once (the class teacher or administrator).
        return _place_newcomer(session, identity, target, student_id, today)
    if not is_administrator_of(identity, target.school_id):
        raise PermissionDenied("Переводить учеников из группы в группу может только администратор журнала",
                               reason="SUBGROUP_MOVE_ONLY_BY_ADMINISTRATOR")
    if current.subgroup_id == target.id:
        raise InvalidArgument("subgroup_id", "Ученик уже в этой подгруппе")
    year = session.execute(select(store.academic_year).where(
        store.academic_year.c.id == target.academic_year_id)).one()
    period, first_lesson = _window(session, target.school_id, year, target.class_id, target.subject_id, today)
    roles = [grant.role for grant in identity.roles if grant.school_id in (None, target.school_id)]
    subgroup_move_allowed(roles, today, period, first_lesson).raise_if_refused()
    effective = first_lesson if first_lesson is not None and first_lesson > today else today + dt.timedelta(days=1)
    effective = max(effective, current.start_date + dt.timedelta(days=1))
    session.execute(store.subgroup_member.update().where(store.subgroup_member.c.id == current.id)
                    .values(end_date=effective - dt.timedelta(days=1)))
    session.execute(store.subgroup_member.insert().values(
        id=str(uuid.uuid4()), subgroup_id=target.id, student_id=student_id, start_date=effective, end_date=None,
        changed_by=identity.person_id))
    return _changed(session, target.class_id, target.subject_id, year.id), effective



def _place_newcomer(session: Session, identity, target, student_id: str, today: dt.date):
    school_class = class_row(session, target.class_id)
    check_class_keeper(identity, school_class)
    if not session.scalar(select(store.enrollment.c.id).where(
            store.enrollment.c.student_id == student_id, store.enrollment.c.class_id == target.class_id,
            store.enrollment.c.end_date.is_(None))):
        raise student_not_found()
    start = max(today, session.scalar(select(store.enrollment.c.start_date).where(
        store.enrollment.c.student_id == student_id, store.enrollment.c.class_id == target.class_id,
        store.enrollment.c.end_date.is_(None))))
    session.execute(store.subgroup_member.insert().values(
        id=str(uuid.uuid4()), subgroup_id=target.id, student_id=student_id, start_date=start, end_date=None,
        changed_by=identity.person_id))
    return _changed(session, target.class_id, target.subject_id, target.academic_year_id), start
