"""JournalService: proto <-> store, no rules here."""
from __future__ import annotations

import re
import uuid

from ezh.journal.v1 import events_pb2, journal_pb2, journal_pb2_grpc
from sqlalchemy import and_, func, select

from services.common import outbox, paging, replay
from services.common.errors import AlreadyExists, InvalidArgument, NotFound
from services.common.events import new_event
from services.common.identity import require_identity
from services.common.roles import STAFF_ROLES, Role
from services.common.validation import identifier
from services.journal import store

CLASS_LETTER = re.compile(r"^[А-ЯЁ]{1,2}$")


def _class_query():
    active = and_(store.enrollment.c.class_id == store.school_class.c.id, store.enrollment.c.end_date.is_(None))
    count = select(func.count()).select_from(store.enrollment).where(active).scalar_subquery()
    return select(store.school_class, count.label("student_count"))


def _class_message(row) -> journal_pb2.SchoolClass:
    return journal_pb2.SchoolClass(
        id=row.id, school_id=row.school_id, name=f"{row.grade}{row.letter}", grade=row.grade,
        class_teacher_id=row.class_teacher_id or "", student_count=row.student_count,
    )


class JournalServicer(journal_pb2_grpc.JournalServiceServicer):
    def __init__(self, runtime) -> None:
        self.database = runtime.database
        self.relay = runtime.relay

    def CreateClass(self, request, context):
        school_id = identifier("school_id", request.school_id)
        if not 1 <= request.grade <= 11:
            raise InvalidArgument("grade", "Параллель — число от 1 до 11")
        letter = request.letter.strip().upper()
        if not CLASS_LETTER.match(letter):
            raise InvalidArgument("letter", "Литера класса — одна или две русские буквы, например «А»")
        teacher_id = identifier("class_teacher_id", request.class_teacher_id, required=False)
        method = "CreateClass"
        with self.database.transaction() as session:
            earlier = replay.earlier_response(
                session, store.replays, request.request_id, method, journal_pb2.CreateClassResponse
            )
            if earlier is not None:
                return earlier
            if not session.scalar(select(store.school.c.id).where(store.school.c.id == school_id)):
                raise NotFound("Школа не найдена", reason="SCHOOL_NOT_FOUND", field="school_id")
            exists = session.scalar(
                select(store.school_class.c.id).where(
                    store.school_class.c.school_id == school_id,
                    store.school_class.c.grade == request.grade,
                    store.school_class.c.letter == letter,
                )
            )
            if exists:
                raise AlreadyExists(f"Класс {request.grade}{letter} уже есть", reason="CLASS_EXISTS", field="letter")
            class_id = str(uuid.uuid4())
            session.execute(
                store.school_class.insert().values(
                    id=class_id, school_id=school_id, grade=request.grade, letter=letter,
                    class_teacher_id=teacher_id or None,
                )
            )
            outbox.record(session, store.outbox, class_created_event(class_id, school_id, request.grade, letter))
            row = session.execute(_class_query().where(store.school_class.c.id == class_id)).one()
            response = journal_pb2.CreateClassResponse(school_class=_class_message(row))
            replay.remember_response(session, store.replays, request.request_id, method, response)
        self.relay.wake()
        return response

    def ListClasses(self, request, context):
        school_id = identifier("school_id", request.school_id)
        size = paging.page_size(request.page_size)
        offset = paging.decode_token(request.page_token)
        with self.database.session() as session:
            rows = session.execute(
                _class_query()
                .where(store.school_class.c.school_id == school_id)
                .order_by(store.school_class.c.grade, store.school_class.c.letter)
                .offset(offset)
                .limit(size + 1)
            ).all()
        return journal_pb2.ListClassesResponse(
            classes=[_class_message(row) for row in rows[:size]],
            next_page_token=paging.next_token(offset, size, len(rows)),
        )

    def ListClassMembers(self, request, context):
        identity = require_identity()
        class_id = identifier("class_id", request.class_id)
        not_found = NotFound("Класс не найден", reason="CLASS_NOT_FOUND", field="class_id")
        with self.database.session() as session:
            row = session.execute(_class_query().where(store.school_class.c.id == class_id)).first()
            # Staff of the class's school only; another school's class answers like a missing one.
            staff_schools = {grant.school_id for grant in identity.roles if grant.role in STAFF_ROLES}
            if row is None or row.school_id not in staff_schools:
                raise not_found
            students = session.execute(
                select(store.student)
                .join(store.enrollment, store.enrollment.c.student_id == store.student.c.id)
                .where(store.enrollment.c.class_id == class_id, store.enrollment.c.end_date.is_(None))
                .order_by(store.student.c.last_name, store.student.c.first_name, store.student.c.middle_name,
                          store.student.c.id)
            ).all()
            links = session.execute(
                select(store.guardian, store.guardianship.c.student_id, store.guardianship.c.relation)
                .join(store.guardianship, store.guardianship.c.guardian_id == store.guardian.c.id)
                .where(store.guardianship.c.student_id.in_([student.id for student in students]))
                .order_by(store.guardian.c.last_name, store.guardian.c.first_name, store.guardian.c.id)
            ).all()
        guardians: dict[str, list] = {}
        for link in links:
            guardians.setdefault(link.student_id, []).append(
                journal_pb2.Guardian(
                    id=link.id, last_name=link.last_name, first_name=link.first_name,
                    middle_name=link.middle_name or "", relation=link.relation,
                )
            )
        return journal_pb2.ListClassMembersResponse(
            school_class=_class_message(row),
            students=[
                journal_pb2.ClassStudent(
                    id=student.id, last_name=student.last_name, first_name=student.first_name,
                    middle_name=student.middle_name or "", guardians=guardians.get(student.id, []),
                )
                for student in students
            ],
        )


    def ListMyChildren(self, request, context):
        """A guardian's children with their current class (A5: only their own)."""
        identity = require_identity(Role.PARENT)
        student, school_class = store.student, store.school_class
        enrolled = and_(store.enrollment.c.student_id == student.c.id, store.enrollment.c.end_date.is_(None))
        with self.database.session() as session:
            rows = session.execute(
                select(
                    student.c.id, student.c.last_name, student.c.first_name, student.c.middle_name,
                    student.c.school_id, store.guardianship.c.relation,
                    school_class.c.id.label("class_id"), school_class.c.grade, school_class.c.letter,
                )
                .join(store.guardianship, store.guardianship.c.student_id == student.c.id)
                .outerjoin(store.enrollment, enrolled)
                .outerjoin(school_class, school_class.c.id == store.enrollment.c.class_id)
                .where(store.guardianship.c.guardian_id == identity.person_id)
                .order_by(student.c.last_name, student.c.first_name, student.c.id)
            ).all()
        return journal_pb2.ListMyChildrenResponse(
            children=[
                journal_pb2.Child(
                    student_id=row.id, last_name=row.last_name, first_name=row.first_name,
                    middle_name=row.middle_name or "", school_id=row.school_id, relation=row.relation,
                    class_id=row.class_id or "", class_name=f"{row.grade}{row.letter}" if row.class_id else "",
                )
                for row in rows
            ]
        )


def class_created_event(class_id: str, school_id: str, grade: int, letter: str):
    return new_event(
        "ezh.journal.class.created.v1",
        "journal",
        f"classes/{class_id}",
        school_id,
        events_pb2.ClassCreated(class_id=class_id, school_id=school_id, name=f"{grade}{letter}", grade=grade),
    )
