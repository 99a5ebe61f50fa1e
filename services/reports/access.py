"""Who may see which report, decided by object (A5, R1): the gateway has already checked the role.

The district operator sees every school's progress reports; everyone else
only their own school.  A teacher sees the classes and subjects they teach,
a class teacher their class, a parent their own children, a student
themselves.  What the caller may not see answers as if it did not exist.
"""
from __future__ import annotations

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from services.common.errors import InvalidArgument, NotFound, PermissionDenied
from services.common.roles import Role
from services.common.tokens import Identity
from services.reports import queries, store

SCHOOL_ADMINISTRATION = (Role.ADMINISTRATOR, Role.DIRECTOR, Role.DEPUTY_DIRECTOR)
TEACHERS = (Role.SUBJECT_TEACHER, Role.CLASS_TEACHER)


def not_found(what: str = "Отчёт") -> NotFound:
    return NotFound(f"{what} не найден среди доступных вам", reason="NOT_FOUND")


def own_school(identity: Identity, requested: str) -> str:
    """The school of a report: any for the district operator (named), else the caller's own."""
    if identity.has_role(Role.DISTRICT_OPERATOR):
        if not requested:
            raise InvalidArgument("school_id", "Укажите школу (school_id)")
        return requested
    if not identity.school_id or (requested and requested != identity.school_id):
        raise NotFound("Школа не найдена среди доступных вам", reason="SCHOOL_NOT_FOUND")
    return identity.school_id


def is_administration(identity: Identity, school_id: str) -> bool:
    return identity.school_id == school_id and identity.has_role(*SCHOOL_ADMINISTRATION)


def leads_class(session: Session, identity: Identity, class_id: str) -> bool:
    if class_id in identity.classes_led():
        return True
    row = queries.class_row(session, class_id)
    return row is not None and identity.has_role(Role.CLASS_TEACHER) and row.class_teacher_id == identity.person_id


def teaches(session: Session, identity: Identity, class_id: str, subject_id: str | None = None) -> bool:
    if not identity.has_role(*TEACHERS):
        return False
    conditions = []
    for table in (store.lesson, store.mark):
        where = [table.c.class_id == class_id, table.c.teacher_id == identity.person_id]
        if subject_id:
            where.append(table.c.subject_id == subject_id)
        conditions.append(exists(select(table.c.class_id).where(*where)))
    return bool(session.scalar(select(or_(*conditions))))


def may_see_class(session: Session, identity: Identity, school_id: str, class_id: str,
                  subject_id: str | None = None, *, teachers_too: bool = True) -> None:
    row = queries.class_row(session, class_id)
    if row is None or row.school_id != school_id:
        raise not_found("Класс")
    if is_administration(identity, school_id) or leads_class(session, identity, class_id):
        return
    if teachers_too and teaches(session, identity, class_id, subject_id):
        return
    raise not_found("Класс")


def may_see_student(session: Session, identity: Identity, student_id: str) -> str:
    """The student's school, if the caller is the student, their guardian or staff of their school."""
    school_id = queries.student_school(session, student_id)
    if school_id is None:
        raise not_found("Ученик")
    if identity.has_role(Role.STUDENT) and identity.person_id == student_id:
        return school_id
    if identity.has_role(Role.PARENT) and identity.person_id in queries.guardians_of(session, student_id):
        return school_id
    if identity.school_id == school_id and identity.has_role(*SCHOOL_ADMINISTRATION, *TEACHERS):
        return school_id
    raise not_found("Ученик")


def may_see_teacher(identity: Identity, school_id: str, teacher_id: str) -> str:
    """A teacher sees their own reports; the school's administration anyone's."""
    if not teacher_id or teacher_id == identity.person_id:
        if identity.has_role(*TEACHERS) or not teacher_id:
            if not identity.has_role(*TEACHERS, *SCHOOL_ADMINISTRATION):
                raise PermissionDenied("Недостаточно прав", reason="ROLE_REQUIRED")
            return teacher_id or identity.person_id
    if is_administration(identity, school_id):
        return teacher_id
    raise not_found("Учитель")
