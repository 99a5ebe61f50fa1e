"""Who may see and keep the records around the lessons (A5, object level), on top of `access`.

- a lesson (its homework and attachments) is seen by its teacher, the class
  teacher, the school's administration, the class's students and their parents;
- a class's personal data, subgroups and weekly attendance are kept by its
  class teacher (and the administrator); the administration reads them.

Another school's object, or one a parent or student may not see, answers
NOT_FOUND like a missing one; staff of the school lacking the right are told
PERMISSION_DENIED.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from services.common.errors import NotFound, PermissionDenied
from services.common.roles import Role
from services.common.tokens import Identity
from services.journal import access, store


def class_not_found() -> NotFound:
    return NotFound("Класс не найден", reason="CLASS_NOT_FOUND", field="class_id")


def lesson_not_found() -> NotFound:
    return NotFound("Урок не найден", reason="LESSON_NOT_FOUND", field="lesson_id")


def student_not_found() -> NotFound:
    return NotFound("Ученик не найден", reason="STUDENT_NOT_FOUND", field="student_id")


def is_administrator_of(identity: Identity, school_id: str) -> bool:
    return school_id in access.schools_where(identity, {Role.ADMINISTRATOR})


def class_row(session: Session, class_id: str):
    return session.execute(select(store.school_class).where(store.school_class.c.id == class_id)).first()


def enrolled_in_class_on(session: Session, student_ids, class_id: str, day: dt.date) -> set[str]:
    enrollment = store.enrollment
    return set(session.scalars(select(enrollment.c.student_id).where(
        enrollment.c.class_id == class_id, enrollment.c.student_id.in_(list(student_ids)),
        enrollment.c.start_date <= day, or_(enrollment.c.end_date.is_(None), enrollment.c.end_date >= day),
    )))


def check_lesson_reader(session: Session, identity: Identity, lesson) -> None:
    """The lesson's teacher, the class teacher, the administration, the class's students and their parents."""
    school_id = lesson.school_id
    if access.is_staff_of(identity, school_id):
        if (access.is_administration_of(identity, school_id) or access.leads_class(identity, school_id, lesson.class_id)
                or identity.person_id == lesson.teacher_id
                or access.teaches(session, identity, school_id, lesson.class_id, lesson.subject_id)):
            return
        raise access.not_assigned()
    if family_of_class_on(session, identity, lesson.class_id, lesson.date):
        return
    raise lesson_not_found()


def family_of_class_on(session: Session, identity: Identity, class_id: str, day: dt.date) -> bool:
    """Whether the caller is a student of the class on `day`, or a parent of one."""
    own = set()
    if identity.has_role(Role.STUDENT):
        own.add(identity.person_id)
    if identity.has_role(Role.PARENT):
        own.update(session.scalars(select(store.guardianship.c.student_id).where(
            store.guardianship.c.guardian_id == identity.person_id)))
    return bool(own) and bool(enrolled_in_class_on(session, own, class_id, day))


def check_class_keeper(identity: Identity, school_class, *, administrator_only: bool = False,
                       class_teacher_only: bool = False) -> None:
    """The class teacher of `school_class` or the school's administrator (or only one of them)."""
    school_id = school_class.school_id
    if not access.is_staff_of(identity, school_id):
        raise class_not_found()
    leads = access.leads_class(identity, school_id, school_class.id)
    administrator = is_administrator_of(identity, school_id)
    if administrator_only:
        if not administrator:
            raise PermissionDenied("Это делает администратор журнала школы", reason="ADMINISTRATOR_REQUIRED")
        return
    if class_teacher_only:
        if not leads:
            raise PermissionDenied("Это делает классный руководитель класса", reason="CLASS_TEACHER_REQUIRED")
        return
    if not (leads or administrator):
        raise PermissionDenied("Это делает классный руководитель класса или администратор журнала",
                               reason="CLASS_TEACHER_REQUIRED")


def check_class_reader(identity: Identity, school_class) -> None:
    """The class teacher and the school's administration."""
    school_id = school_class.school_id
    if not access.is_staff_of(identity, school_id):
        raise class_not_found()
    if not (access.leads_class(identity, school_id, school_class.id)
            or access.is_administration_of(identity, school_id)):
        raise PermissionDenied("Это видят классный руководитель и администрация школы",
                               reason="CLASS_TEACHER_REQUIRED")


def current_class_id(session: Session, student_id: str) -> str | None:
    return session.scalar(select(store.enrollment.c.class_id).where(
        store.enrollment.c.student_id == student_id, store.enrollment.c.end_date.is_(None)))


def academic_year_of(session: Session, school_id: str, day: dt.date):
    """The academic year holding `day`, else the next to start, else the last one."""
    year = store.academic_year
    rows = session.execute(select(year).where(year.c.school_id == school_id).order_by(year.c.start_date)).all()
    holding = [row for row in rows if row.start_date <= day <= row.end_date]
    if holding:
        return holding[0]
    coming = [row for row in rows if row.start_date > day]
    return coming[0] if coming else (rows[-1] if rows else None)


def students_enrolled_between(session: Session, class_id: str, first: dt.date, last: dt.date):
    """The class's students enrolled on some day of [first, last], ordered by name."""
    enrollment, student = store.enrollment, store.student
    return session.execute(
        select(student).join(enrollment, enrollment.c.student_id == student.c.id).where(and_(
            enrollment.c.class_id == class_id, enrollment.c.start_date <= last,
            or_(enrollment.c.end_date.is_(None), enrollment.c.end_date >= first),
        )).distinct().order_by(student.c.last_name, student.c.first_name, student.c.middle_name, student.c.id)
    ).all()


def full_name(row) -> str:
    return " ".join(part for part in (row.last_name, row.first_name, row.middle_name) if part)
