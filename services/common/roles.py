"""The roles people hold (REQUIREMENTS.md "Roles")."""
from __future__ import annotations

import enum


class Role(enum.StrEnum):
    DISTRICT_OPERATOR = "district_operator"
    ADMINISTRATOR = "administrator"  # journal administrator of a school
    DIRECTOR = "director"
    DEPUTY_DIRECTOR = "deputy_director"
    SUBJECT_TEACHER = "subject_teacher"
    CLASS_TEACHER = "class_teacher"  # held over one class
    PARENT = "parent"
    STUDENT = "student"


STAFF_ROLES = frozenset(
    {Role.ADMINISTRATOR, Role.DIRECTOR, Role.DEPUTY_DIRECTOR, Role.SUBJECT_TEACHER, Role.CLASS_TEACHER}
)

ROLE_TITLES = {
    Role.DISTRICT_OPERATOR: "Оператор района",
    Role.ADMINISTRATOR: "Администратор журнала",
    Role.DIRECTOR: "Директор",
    Role.DEPUTY_DIRECTOR: "Заместитель директора",
    Role.SUBJECT_TEACHER: "Учитель-предметник",
    Role.CLASS_TEACHER: "Классный руководитель",
    Role.PARENT: "Родитель",
    Role.STUDENT: "Ученик",
}
