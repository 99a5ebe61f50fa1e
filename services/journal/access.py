"""Who may see and change which journal objects (A5, the object-level half).

The gateway has already checked the caller's role for the route; here the
journal decides by object, deny by default:

- a subject teacher writes (and reads) only the classes and subjects assigned to them;
- a class teacher reads every subject of their class;
- the administration (administrator, director, deputy director) reads its school;
- a parent reads only their own children, a student only themself.

An object of another school, or a student who is not the caller's child,
answers NOT_FOUND, exactly as a missing one does. Staff of the object's
school who lack the right are told PERMISSION_DENIED: the classes and
subjects of their own school are no secret to them.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.errors import NotFound, PermissionDenied
from services.common.roles import STAFF_ROLES, Role
from services.common.tokens import Identity
from services.journal import store

ADMINISTRATION = frozenset({Role.ADMINISTRATOR, Role.DIRECTOR, Role.DEPUTY_DIRECTOR})


def schools_where(identity: Identity, roles) -> set[str]:
    """The schools in which the caller holds one of `roles`."""
    return {grant.school_id for grant in identity.roles if grant.role in roles and grant.school_id}


def is_staff_of(identity: Identity, school_id: str) -> bool:
    return school_id in schools_where(identity, STAFF_ROLES)


def is_administration_of(identity: Identity, school_id: str) -> bool:
    return school_id in schools_where(identity, ADMINISTRATION)


def schools_of(session: Session, identity: Identity) -> set[str]:
    """The schools the caller belongs to: where they work, where they study, where their children study.

    A student's and a parent's school come from the journal's own rows (the
    student, the guardianship), not from the token: a parent's school is
    the school of their children.
    """
    schools = schools_where(identity, STAFF_ROLES)
    if identity.has_role(Role.STUDENT):
        schools |= set(session.scalars(select(store.student.c.school_id).where(
            store.student.c.id == identity.person_id)))
    if identity.has_role(Role.PARENT):
        schools |= set(session.scalars(
            select(store.student.c.school_id)
            .join(store.guardianship, store.guardianship.c.student_id == store.student.c.id)
            .where(store.guardianship.c.guardian_id == identity.person_id)))
    return schools


def leads_class(identity: Identity, school_id: str, class_id: str) -> bool:
    return any(
        grant.role is Role.CLASS_TEACHER and grant.class_id == class_id and grant.school_id in (None, school_id)
        for grant in identity.roles
    ) and is_staff_of(identity, school_id)


def teaches(session: Session, identity: Identity, school_id: str, class_id: str, subject_id: str) -> bool:
    """The caller is a subject teacher of the school assigned to this class and subject."""
    if school_id not in schools_where(identity, {Role.SUBJECT_TEACHER}):
        return False
    assignment = store.teaching_assignment
    return session.scalar(
        select(assignment.c.id).where(
            assignment.c.teacher_id == identity.person_id,
            assignment.c.school_id == school_id,
            assignment.c.class_id == class_id,
            assignment.c.subject_id == subject_id,
        )
    ) is not None


def not_assigned() -> PermissionDenied:
    return PermissionDenied("Вы не ведёте этот предмет в этом классе", reason="NOT_ASSIGNED")


def check_page_reader(session: Session, identity: Identity, school_id: str, class_id: str, subject_id: str,
                      not_found: NotFound) -> None:
    """Reading a class's journal page of one subject."""
    if not is_staff_of(identity, school_id):
        raise not_found
    if (is_administration_of(identity, school_id) or leads_class(identity, school_id, class_id)
            or teaches(session, identity, school_id, class_id, subject_id)):
        return
    raise not_assigned()


def substituted(lesson) -> bool:
    """The timetable gave this lesson to a substitute teacher."""
    return bool(lesson.planned_teacher_id) and lesson.planned_teacher_id != lesson.teacher_id


def check_lesson_writer(session: Session, identity: Identity, lesson, not_found: NotFound) -> None:
    """Writing a lesson's marks and absences: a teacher assigned to its class and subject; for a
    substituted lesson, the substitute giving it and not the absent planned teacher."""
    if not is_staff_of(identity, lesson.school_id):
        raise not_found
    if substituted(lesson):
        if lesson.teacher_id == identity.person_id and lesson.school_id in schools_where(
                identity, {Role.SUBJECT_TEACHER}):
            return
        raise PermissionDenied("Этот урок ведёт учитель на замене", reason="LESSON_SUBSTITUTED")
    if not teaches(session, identity, lesson.school_id, lesson.class_id, lesson.subject_id):
        raise not_assigned()


def is_guardian(session: Session, identity: Identity, student_id: str) -> bool:
    if not identity.has_role(Role.PARENT):
        return False
    return session.scalar(
        select(store.guardianship.c.student_id).where(
            store.guardianship.c.guardian_id == identity.person_id,
            store.guardianship.c.student_id == student_id,
        )
    ) is not None


def check_student_reader(session: Session, identity: Identity, student, current_class_id: str | None,
                         not_found: NotFound) -> None:
    """Reading one student's marks: themself, their guardians, their class teacher, the administration."""
    if student is None:
        raise not_found
    if identity.has_role(Role.STUDENT) and identity.person_id == student.id:
        return
    if is_guardian(session, identity, student.id):
        return
    if is_administration_of(identity, student.school_id):
        return
    if current_class_id and leads_class(identity, student.school_id, current_class_id):
        return
    raise not_found
