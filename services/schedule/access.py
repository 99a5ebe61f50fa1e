"""Who may see and change which schedule objects (the object-level half of A5).

- the deputy director and the director edit their school's calendar, bells,
  rooms and timetable;
- staff of a school read its timetable by class, teacher or room;
- everyone reads their own week: a teacher theirs, a student theirs, a
  parent their own child's.

A school the caller is not staff of answers NOT_FOUND, exactly as a missing
one does; staff of the school without the right get PERMISSION_DENIED.
"""
from __future__ import annotations

from services.common.errors import NotFound, PermissionDenied
from services.common.roles import STAFF_ROLES, Role
from services.common.tokens import Identity

EDITORS = frozenset({Role.DEPUTY_DIRECTOR, Role.DIRECTOR})
TEACHERS = frozenset({Role.SUBJECT_TEACHER, Role.CLASS_TEACHER})


def schools_where(identity: Identity, roles) -> set[str]:
    return {grant.school_id for grant in identity.roles if grant.role in roles and grant.school_id}


def school_not_found() -> NotFound:
    return NotFound("Школа не найдена", reason="SCHOOL_NOT_FOUND", field="school_id")


def check_reader(identity: Identity, school_id: str, not_found: NotFound | None = None) -> None:
    if school_id not in schools_where(identity, STAFF_ROLES):
        raise not_found or school_not_found()


def check_editor(identity: Identity, school_id: str, not_found: NotFound | None = None) -> None:
    check_reader(identity, school_id, not_found)
    if school_id not in schools_where(identity, EDITORS):
        raise PermissionDenied("Менять расписание и календарь может заместитель директора или директор",
                               reason="ROLE_REQUIRED")
