"""Who a person is in a school, as notify's read model knows them (for C2 and C3)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.errors import PermissionDenied
from services.common.roles import STAFF_ROLES, Role
from services.common.tokens import Identity
from services.notify import store
from services.notify.rules import ADMINISTRATION, Participant


def participant(session: Session, person_id: str, school_id: str) -> Participant | None:
    """The person's place in the school, None when notify knows nothing of them there."""
    roles: set[Role] = set()
    staff = session.execute(select(store.staff_member).where(store.staff_member.c.person_id == person_id,
                                                             store.staff_member.c.school_id == school_id)).first()
    if staff is not None:
        roles |= {Role(name) for name in staff.roles.split(",") if name in Role.__members__.values()}
    taught = set(session.scalars(select(store.class_teaching.c.class_id).where(
        store.class_teaching.c.teacher_id == person_id, store.class_teaching.c.school_id == school_id)))
    led = set(session.scalars(select(store.school_class.c.id).where(
        store.school_class.c.class_teacher_id == person_id, store.school_class.c.school_id == school_id)))
    children = set(session.scalars(
        select(store.student.c.class_id).join(store.guardian, store.guardian.c.student_id == store.student.c.id)
        .where(store.guardian.c.guardian_id == person_id, store.student.c.school_id == school_id,
               store.student.c.status != "departed", store.student.c.class_id.is_not(None))
    ))
    own = session.execute(select(store.student.c.class_id).where(
        store.student.c.id == person_id, store.student.c.school_id == school_id, store.student.c.status != "departed",
    )).scalar()
    if taught or led:
        roles.add(Role.SUBJECT_TEACHER if taught else Role.CLASS_TEACHER)
    if children:
        roles.add(Role.PARENT)
    if own:
        roles.add(Role.STUDENT)
    if not roles:
        return None
    return Participant(person_id, school_id, frozenset(roles), frozenset(taught), frozenset(led),
                       frozenset(children), own or "")


def remember_staff(session: Session, identity: Identity) -> None:
    """Staff are known to notify from their tokens (administration is in no event)."""
    names = sorted(grant.role.value for grant in identity.roles if grant.role in STAFF_ROLES)
    if not names or not identity.school_id:
        return
    value = ",".join(names)
    table = store.staff_member
    current = session.execute(select(table).where(table.c.person_id == identity.person_id)).first()
    if current is None:
        session.execute(table.insert().values(person_id=identity.person_id, school_id=identity.school_id,
                                              roles=value))
    elif current.roles != value or current.school_id != identity.school_id:
        session.execute(table.update().where(table.c.person_id == identity.person_id)
                        .values(school_id=identity.school_id, roles=value))


def caller_participant(session: Session, identity: Identity) -> Participant:
    """The caller, from their token's roles and the read model; only people of a school."""
    if not identity.school_id:
        raise PermissionDenied("Доступно только сотрудникам, ученикам и родителям школы", reason="NO_SCHOOL")
    known = participant(session, identity.person_id, identity.school_id)
    token_roles = frozenset(grant.role for grant in identity.roles)
    if known is None:
        return Participant(identity.person_id, identity.school_id, token_roles,
                           classes_led=frozenset(identity.classes_led()))
    return Participant(identity.person_id, identity.school_id, known.roles | token_roles, known.classes_taught,
                       known.classes_led | frozenset(identity.classes_led()), known.children_classes, known.own_class)


@dataclass(frozen=True)
class Named:
    person_id: str
    display_name: str
    role: str
    class_name: str = ""


def school_directory(session: Session, school_id: str) -> list[Named]:
    """Everyone notify knows in the school, with a name to show."""
    people: dict[str, Named] = {}
    classes = {row.id: row for row in session.execute(select(store.school_class)
                                                      .where(store.school_class.c.school_id == school_id))}
    staff = {row.person_id: row for row in session.execute(
        select(store.staff_member).where(store.staff_member.c.school_id == school_id))}

    def staff_label(person_id: str, what: str) -> str:
        row = staff.get(person_id)
        return f"{row.full_name} ({what[0].lower()}{what[1:]})" if row is not None and row.full_name else what

    for row in staff.values():
        if row.blocked:
            continue
        roles = set(row.roles.split(","))
        label = "Администрация" if roles & {role.value for role in ADMINISTRATION} else "Учитель"
        people[row.person_id] = Named(row.person_id, staff_label(row.person_id, label),
                                      "administration" if label == "Администрация" else "teacher")
    subjects: dict[str, set[str]] = {}
    for row in session.execute(select(store.class_teaching).where(store.class_teaching.c.school_id == school_id)):
        subjects.setdefault(row.teacher_id, set()).add(row.subject_name)
    for teacher_id, names in subjects.items():
        if teacher_id not in people or people[teacher_id].role == "teacher":
            people[teacher_id] = Named(teacher_id, staff_label(teacher_id, "Учитель: " + ", ".join(sorted(names))),
                                       "teacher")
    for class_row in classes.values():
        if class_row.class_teacher_id:
            people[class_row.class_teacher_id] = Named(
                class_row.class_teacher_id,
                staff_label(class_row.class_teacher_id, f"Классный руководитель {class_row.name}"),
                "class_teacher", class_row.name)
    blocked = {person_id for person_id, row in staff.items() if row.blocked}
    for person_id in blocked:
        people.pop(person_id, None)
    students = session.execute(select(store.student).where(store.student.c.school_id == school_id,
                                                           store.student.c.status != "departed")).all()
    for row in students:
        people[row.id] = Named(row.id, f"{row.last_name} {row.first_name}", "student", row.class_name)
    for row in session.execute(
        select(store.guardian, store.student.c.class_name, store.student.c.first_name)
        .join(store.student, store.student.c.id == store.guardian.c.student_id)
        .where(store.student.c.school_id == school_id, store.student.c.status != "departed")
    ):
        if row.guardian_id not in people:
            people[row.guardian_id] = Named(row.guardian_id, f"{row.full_name} (родитель: {row.first_name})",
                                            "parent", row.class_name)
    return sorted(people.values(), key=lambda named: (named.role, named.class_name, named.display_name))


def email_of(session: Session, person_id: str) -> tuple[str, str]:
    """A guardian's e-mail and name (the only addresses notify learns), else empty."""
    row = session.execute(select(store.guardian.c.email, store.guardian.c.full_name)
                          .where(store.guardian.c.guardian_id == person_id, store.guardian.c.email != "")).first()
    return (row.email, row.full_name) if row else ("", "")
