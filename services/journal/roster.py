"""Students' and guardians' personal data (J1, 4.3.7) and arrivals and departures (4.3.6).

The class teacher keeps the data of the class (the administrator may too),
checks it at least monthly (rules.verification_due) and asks for arrivals
and departures, which the administrator carries out. Every change of a
student's data, guardians or class publishes the student's whole record
(ezh.journal.student.changed.v1) through the outbox.
"""
from __future__ import annotations

import datetime as dt
import re
import uuid

from ezh.journal.v1 import records_pb2
from sqlalchemy import desc, select
from sqlalchemy.orm import Session

from services.common import outbox
from services.common.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from services.common.roles import Role
from services.journal import access, rules, snapshots, store
from services.journal.homework import parse_date
from services.journal.record_access import (
    academic_year_of, check_class_keeper, class_not_found, class_row, current_class_id, full_name,
    is_administrator_of, student_not_found,
)
from services.journal.rules.roster import enrolment_end, roster_date_allowed, roster_kind

NAME = re.compile(r"^[A-Za-zА-Яа-яЁё][A-Za-zА-Яа-яЁё' -]*$")
PHONE = re.compile(r"^\+?[0-9 ()-]{5,25}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
RELATIONS = ("mother", "father", "guardian")


def _name(field: str, value: str, required: bool = True) -> str:
    text = " ".join((value or "").split())
    if not text:
        if required:
            raise InvalidArgument(field, f"Поле «{field}» не заполнено")
        return ""
    if len(text) > 100 or not NAME.match(text):
        raise InvalidArgument(field, f"Поле «{field}»: только буквы, дефис и пробел, не длиннее 100 символов")
    return text


def _phone(field: str, value: str) -> str:
    text = " ".join((value or "").split())
    if text and (not PHONE.match(text) or not 5 <= sum(char.isdigit() for char in text) <= 15):
        raise InvalidArgument(field, f"Поле «{field}»: телефон из цифр, например +7 912 345-67-89")
    return text


def _email(field: str, value: str) -> str:
    text = (value or "").strip()
    if text and (len(text) > 200 or not EMAIL.match(text)):
        raise InvalidArgument(field, f"Поле «{field}»: адрес электронной почты вида name@example.ru")
    return text


def _address(field: str, value: str) -> str:
    text = " ".join((value or "").split())
    if len(text) > 300:
        raise InvalidArgument(field, f"Поле «{field}»: не длиннее 300 символов")
    return text


def _birth_date(field: str, value: str, today: dt.date) -> dt.date | None:
    day = parse_date(field, value)
    if day is not None and not today.year - 25 <= day.year <= today.year - 5:
        raise InvalidArgument(field, "Дата рождения ученика — от 5 до 25 лет назад")
    return day


# ------------------------------------------------------------------ the record

def _student(session: Session, student_id: str):
    return session.execute(select(store.student).where(store.student.c.id == student_id)).first()


def record_message(session: Session, student_id: str, today: dt.date) -> records_pb2.StudentRecord:
    row = _student(session, student_id)
    class_id = current_class_id(session, student_id)
    school_class = class_row(session, class_id) if class_id else None
    links = session.execute(
        select(store.guardian, store.guardianship.c.relation)
        .join(store.guardianship, store.guardianship.c.guardian_id == store.guardian.c.id)
        .where(store.guardianship.c.student_id == student_id)
        .order_by(store.guardian.c.last_name, store.guardian.c.first_name, store.guardian.c.id)
    ).all()
    last = row.last_verified_on
    return records_pb2.StudentRecord(
        student_id=row.id, school_id=row.school_id, class_id=class_id or "",
        class_name=f"{school_class.grade}{school_class.letter}" if school_class else "",
        last_name=row.last_name, first_name=row.first_name, middle_name=row.middle_name or "",
        birth_date=row.birth_date.isoformat() if row.birth_date else "", phone=row.phone or "",
        email=row.email or "", address=row.address or "",
        guardians=[records_pb2.GuardianRecord(
            guardian_id=link.id, last_name=link.last_name, first_name=link.first_name,
            middle_name=link.middle_name or "", relation=link.relation, phone=link.phone or "",
            email=link.email or "", address=link.address or "", electronic_access=bool(link.electronic_access),
        ) for link in links],
        last_verified=last.isoformat() if last else "", verified_by=row.verified_by or "",
        verification_due_date=(rules.verification_reminder_date(last) if last else today).isoformat(),
        verification_due=rules.verification_due(last, today),
        status="enrolled" if class_id else "departed",
    )


def _check_reader(session: Session, identity, row) -> None:
    if row is None:
        raise student_not_found()
    if identity.has_role(Role.STUDENT) and identity.person_id == row.id:
        return
    if access.is_guardian(session, identity, row.id):
        return
    if access.is_staff_of(identity, row.school_id):
        class_id = current_class_id(session, row.id)
        if access.is_administration_of(identity, row.school_id) or (
                class_id and access.leads_class(identity, row.school_id, class_id)):
            return
        raise access.not_assigned()
    raise student_not_found()


def _check_keeper(session: Session, identity, row) -> None:
    if row is None or not access.is_staff_of(identity, row.school_id):
        raise student_not_found()
    class_id = current_class_id(session, row.id)
    if is_administrator_of(identity, row.school_id) or (
            class_id and access.leads_class(identity, row.school_id, class_id)):
        return
    raise PermissionDenied("Личные данные ведёт классный руководитель ученика", reason="CLASS_TEACHER_REQUIRED")


def get_record(session: Session, identity, student_id: str, today: dt.date) -> records_pb2.StudentRecord:
    row = _student(session, student_id)
    _check_reader(session, identity, row)
    return record_message(session, student_id, today)


def update_record(session: Session, identity, request, now: dt.datetime, today: dt.date):
    values = dict(
        last_name=_name("last_name", request.last_name), first_name=_name("first_name", request.first_name),
        middle_name=_name("middle_name", request.middle_name, required=False),
        birth_date=_birth_date("birth_date", request.birth_date, today),
        phone=_phone("phone", request.phone), email=_email("email", request.email),
        address=_address("address", request.address),
    )
    guardians = []
    for index, given in enumerate(request.guardians):
        where = f"guardians[{index}]"
        relation = given.relation.strip().lower()
        if relation not in RELATIONS:
            raise InvalidArgument(f"{where}.relation", "Кем приходится: mother (мать), father (отец) или guardian "
                                                      "(опекун)")
        guardians.append((given.guardian_id.strip(), relation, dict(
            last_name=_name(f"{where}.last_name", given.last_name),
            first_name=_name(f"{where}.first_name", given.first_name),
            middle_name=_name(f"{where}.middle_name", given.middle_name, required=False),
            phone=_phone(f"{where}.phone", given.phone), email=_email(f"{where}.email", given.email),
            address=_address(f"{where}.address", given.address), electronic_access=given.electronic_access,
        )))
    row = _student(session, request.student_id)
    _check_keeper(session, identity, row)
    linked = set(session.scalars(select(store.guardianship.c.guardian_id)
                                 .where(store.guardianship.c.student_id == row.id)))
    for index, (guardian_id, _, _) in enumerate(guardians):
        if guardian_id and guardian_id not in linked:
            raise InvalidArgument(f"guardians[{index}].guardian_id", "Это не представитель этого ученика")
    session.execute(store.student.update().where(store.student.c.id == row.id).values(**values))
    for guardian_id, relation, data in guardians:
        if guardian_id:
            session.execute(store.guardian.update().where(store.guardian.c.id == guardian_id).values(**data))
            session.execute(store.guardianship.update().where(
                store.guardianship.c.guardian_id == guardian_id, store.guardianship.c.student_id == row.id,
            ).values(relation=relation))
        else:
            guardian_id = str(uuid.uuid4())
            session.execute(store.guardian.insert().values(id=guardian_id, school_id=row.school_id, **data))
            session.execute(store.guardianship.insert().values(guardian_id=guardian_id, student_id=row.id,
                                                                relation=relation))
    outbox.record(session, store.outbox, snapshots.student_changed_event(session, row.id, now))
    return record_message(session, row.id, today)


def verify_record(session: Session, identity, student_id: str, today: dt.date):
    row = _student(session, student_id)
    _check_keeper(session, identity, row)
    session.execute(store.student.update().where(store.student.c.id == row.id)
                    .values(last_verified_on=today, verified_by=identity.person_id))
    return record_message(session, row.id, today)


def records_due(session: Session, identity, class_id: str, today: dt.date):
    school_class = class_row(session, class_id)
    if school_class is None:
        raise class_not_found()
    check_class_keeper(identity, school_class)
    students = session.execute(
        select(store.student.c.id, store.student.c.last_verified_on)
        .join(store.enrollment, store.enrollment.c.student_id == store.student.c.id)
        .where(store.enrollment.c.class_id == class_id, store.enrollment.c.end_date.is_(None))
    ).all()
    due = [row for row in students if rules.verification_due(row.last_verified_on, today)]
    due.sort(key=lambda row: (row.last_verified_on or dt.date.min, row.id))
    return records_pb2.ListRecordsDueResponse(
        records=[record_message(session, row.id, today) for row in due], checked_count=len(students) - len(due))


# ------------------------------------------------------------------ arrivals and departures

def change_message(row) -> records_pb2.RosterChange:
    return records_pb2.RosterChange(
        id=row.id, school_id=row.school_id, class_id=row.class_id, kind=row.kind, student_id=row.student_id or "",
        student_name=full_name(row), date=row.change_date.isoformat(), note=row.note or "", status=row.status,
        requested_by=row.requested_by, carried_out_by=row.carried_out_by or "",
        new_student=records_pb2.NewStudent(
            last_name=row.last_name, first_name=row.first_name, middle_name=row.middle_name or "",
            birth_date=row.birth_date.isoformat() if row.birth_date else "",
        ) if row.kind == "arrival" and not row.student_id else None,
    )


def _change(session: Session, change_id: str):
    return session.execute(select(store.roster_change).where(store.roster_change.c.id == change_id)).first()


def request_change(session: Session, identity, request, now: dt.datetime, today: dt.date):
    kind = roster_kind(request.kind)
    day = parse_date("date", request.date)
    if day is None:
        raise InvalidArgument("date", "Поле «date» не заполнено")
    note = " ".join(request.note.split())
    if len(note) > 500:
        raise InvalidArgument("note", "Примечание — не длиннее 500 символов")
    school_class = class_row(session, request.class_id)
    if school_class is None:
        raise class_not_found()
    check_class_keeper(identity, school_class, class_teacher_only=True)
    school_id = school_class.school_id
    student_id = request.student_id.strip()
    person = dict(last_name="", first_name="", middle_name="", birth_date=None)
    enrolled_since = None
    if student_id:
        student = _student(session, student_id)
        if student is None or student.school_id != school_id:
            raise InvalidArgument("student_id", "Такого ученика в школе нет")
        person = dict(last_name=student.last_name, first_name=student.first_name,
                      middle_name=student.middle_name or "", birth_date=student.birth_date)
        now_in = current_class_id(session, student_id)
        if kind == "departure":
            if now_in != school_class.id:
                raise InvalidArgument("student_id", "Ученик не числится в этом классе")
            enrolled_since = session.scalar(select(store.enrollment.c.start_date).where(
                store.enrollment.c.student_id == student_id, store.enrollment.c.end_date.is_(None)))
        elif now_in == school_class.id:
            raise InvalidArgument("student_id", "Ученик уже числится в этом классе")
    elif kind == "departure":
        raise InvalidArgument("student_id", "Укажите выбывающего ученика")
    else:
        given = request.new_student
        person = dict(last_name=_name("new_student.last_name", given.last_name),
                      first_name=_name("new_student.first_name", given.first_name),
                      middle_name=_name("new_student.middle_name", given.middle_name, required=False),
                      birth_date=_birth_date("new_student.birth_date", given.birth_date, today))
    year = academic_year_of(session, school_id, day)
    if year is None:
        raise FailedPrecondition("В школе не задан учебный год", reason="NO_ACADEMIC_YEAR")
    roster_date_allowed(kind, day, year.start_date, year.end_date, enrolled_since).raise_if_refused()
    if student_id and session.scalar(select(store.roster_change.c.id).where(
            store.roster_change.c.student_id == student_id, store.roster_change.c.kind == kind,
            store.roster_change.c.status == "requested")):
        raise AlreadyExists("Такой запрос по этому ученику уже ждёт администратора", reason="ROSTER_CHANGE_PENDING")
    change_id = str(uuid.uuid4())
    session.execute(store.roster_change.insert().values(
        id=change_id, school_id=school_id, class_id=school_class.id, kind=kind, student_id=student_id or None,
        change_date=day, note=note, status="requested", requested_by=identity.person_id, request_time=now,
        **person))
    return change_message(_change(session, change_id))


def list_changes(session: Session, identity, school_id: str, status: str):
    if not access.is_staff_of(identity, school_id):
        raise NotFound("Школа не найдена", reason="SCHOOL_NOT_FOUND", field="school_id")
    change = store.roster_change
    query = select(change).where(change.c.school_id == school_id)
    if status:
        if status not in ("requested", "done"):
            raise InvalidArgument("status", "Состояние — requested или done")
        query = query.where(change.c.status == status)
    if not access.is_administration_of(identity, school_id):
        led = identity.classes_led()
        if not led:
            raise access.not_assigned()
        query = query.where(change.c.class_id.in_(led))
    rows = session.execute(query.order_by(desc(change.c.request_time), change.c.id).limit(500)).all()
    return records_pb2.ListRosterChangesResponse(changes=[change_message(row) for row in rows])


def carry_out(session: Session, identity, change_id: str, now: dt.datetime):
    row = _change(session, change_id)
    not_found = NotFound("Запрос не найден", reason="ROSTER_CHANGE_NOT_FOUND", field="change_id")
    if row is None or not access.is_staff_of(identity, row.school_id):
        raise not_found
    school_class = class_row(session, row.class_id)
    check_class_keeper(identity, school_class, administrator_only=True)
    if row.status != "requested":
        raise FailedPrecondition("Запрос уже выполнен", reason="ROSTER_CHANGE_DONE")
    enrollment = store.enrollment
    student_id = row.student_id
    if row.kind == "arrival":
        if student_id is None:
            student_id = str(uuid.uuid4())
            session.execute(store.student.insert().values(
                id=student_id, school_id=row.school_id, last_name=row.last_name, first_name=row.first_name,
                middle_name=row.middle_name or "", birth_date=row.birth_date))
        else:
            current = session.execute(select(enrollment).where(
                enrollment.c.student_id == student_id, enrollment.c.end_date.is_(None))).first()
            if current is not None:
                if current.class_id == row.class_id:
                    raise FailedPrecondition("Ученик уже числится в этом классе", reason="ALREADY_ENROLLED")
                if current.start_date >= row.change_date:
                    raise FailedPrecondition("Дата перевода — позже зачисления в прежний класс",
                                             reason="DEPARTURE_BEFORE_ENROLMENT")
                _leave(session, current, row.change_date)
        session.execute(enrollment.insert().values(
            id=str(uuid.uuid4()), student_id=student_id, class_id=row.class_id, start_date=row.change_date))
    else:
        current = session.execute(select(enrollment).where(
            enrollment.c.student_id == student_id, enrollment.c.class_id == row.class_id,
            enrollment.c.end_date.is_(None))).first()
        if current is None:
            raise FailedPrecondition("Ученик уже не числится в этом классе", reason="NOT_ENROLLED")
        roster_date_allowed("departure", row.change_date, row.change_date, row.change_date,
                                  current.start_date).raise_if_refused()
        _leave(session, current, row.change_date)
    session.execute(store.roster_change.update().where(store.roster_change.c.id == row.id).values(
        status="done", student_id=student_id, carried_out_by=identity.person_id, carry_out_time=now))
    outbox.record(session, store.outbox, snapshots.student_changed_event(session, student_id, now))
    return change_message(_change(session, row.id))


def _leave(session: Session, current, day: dt.date) -> None:
    """End the enrolment (and the subgroups of that class) the day before `day`; past records stay."""
    last = enrolment_end(day)
    session.execute(store.enrollment.update().where(store.enrollment.c.id == current.id).values(end_date=last))
    groups = select(store.subgroup.c.id).where(store.subgroup.c.class_id == current.class_id)
    session.execute(store.subgroup_member.update().where(
        store.subgroup_member.c.student_id == current.student_id, store.subgroup_member.c.end_date.is_(None),
        store.subgroup_member.c.subgroup_id.in_(groups),
    ).values(end_date=last))
