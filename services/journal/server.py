"""JournalService: proto <-> store, no rules here."""
from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable
from decimal import Decimal

from ezh.journal.v1 import events_pb2, journal_pb2, journal_pb2_grpc
from sqlalchemy import and_, func, or_, select

from services.common import outbox, paging, replay
from services.common.clock import as_utc, utc_now
from services.common.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from services.common.events import new_event
from services.common.identity import require_identity
from services.common.roles import STAFF_ROLES, Role
from services.common.validation import identifier
from services.journal import access, change_history, entries, final_marks, locks, rules, snapshots, store

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


def _date(field: str, text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidArgument(field, f"Поле «{field}»: нужна дата в формате ГГГГ-ММ-ДД") from None


def _period_message(row) -> journal_pb2.Period:
    period = entries.period_rule(row)
    return journal_pb2.Period(
        id=row.id, kind=row.kind, number=row.number or 0, title=period.title,
        start_date=row.start_date.isoformat(), end_date=row.end_date.isoformat(),
        final_marks_deadline=period.final_marks_deadline.isoformat(),
    )


def _subject_message(row) -> journal_pb2.Subject:
    return journal_pb2.Subject(id=row.id, name=row.name, pass_fail=bool(row.pass_fail))


def _lesson_message(row, period_id: str = "", locked: bool = False) -> journal_pb2.Lesson:
    return journal_pb2.Lesson(
        id=row.id, class_id=row.class_id, subject_id=row.subject_id, teacher_id=row.teacher_id,
        date=row.date.isoformat(), number=row.number, topic=row.topic or "", homework=row.homework or "",
        period_id=period_id, cancelled=bool(row.cancelled),
        planned_teacher_id=row.planned_teacher_id if access.substituted(row) else "", locked=locked,
    )


def _mark_message(row, date: dt.date, subject_id: str = "",
                  weights=rules.DEFAULT_WEIGHTS, mark: rules.Mark | None = None) -> journal_pb2.Mark:
    mark = mark or entries.mark_rule(row, date)
    return journal_pb2.Mark(
        id=row.id, lesson_id=row.lesson_id, student_id=row.student_id, value=row.value, work_type=row.work_type,
        weight=entries.weight_text(rules.mark_weight(mark, weights)), weight_set=row.weight is not None,
        date=date.isoformat(), subject_id=subject_id,
    )


def _absence_message(row, date: dt.date, subject_id: str = "") -> journal_pb2.Absence:
    return journal_pb2.Absence(lesson_id=row.lesson_id, student_id=row.student_id, kind=row.kind,
                               date=date.isoformat(), subject_id=subject_id)


def _correction_reason(text: str) -> str:
    """The reason given for a correction (J8), spaces collapsed; at most 500 characters."""
    reason = " ".join(text.split())
    if len(reason) > 500:
        raise InvalidArgument("reason", "Причина исправления — не длиннее 500 символов")
    return reason


def _average_text(average: Decimal | None) -> str:
    return "" if average is None else str(average)


class JournalServicer(journal_pb2_grpc.JournalServiceServicer):
    def __init__(self, runtime, clock: Callable[[], dt.datetime] = utc_now) -> None:
        self.database = runtime.database
        self.relay = runtime.relay
        self.clock = clock

    def CreateClass(self, request, context):
        identity = require_identity()
        school_id = identifier("school_id", request.school_id)
        if not access.is_staff_of(identity, school_id):
            raise NotFound("Школа не найдена", reason="SCHOOL_NOT_FOUND", field="school_id")
        if school_id not in access.schools_where(identity, {Role.ADMINISTRATOR}):
            raise PermissionDenied("Открывать классы может администратор журнала школы", reason="ROLE_REQUIRED")
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
            outbox.record(session, store.outbox,
                          class_created_event(class_id, school_id, request.grade, letter, teacher_id or ""))
            row = session.execute(_class_query().where(store.school_class.c.id == class_id)).one()
            response = journal_pb2.CreateClassResponse(school_class=_class_message(row))
            replay.remember_response(session, store.replays, request.request_id, method, response)
        self.relay.wake()
        return response

    def ListClasses(self, request, context):
        identity = require_identity()
        school_id = identifier("school_id", request.school_id)
        if not (access.is_staff_of(identity, school_id) or identity.has_role(Role.DISTRICT_OPERATOR)):
            raise NotFound("Школа не найдена", reason="SCHOOL_NOT_FOUND", field="school_id")
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

    def ListPeriods(self, request, context):
        """A school's study periods, by start date (any person of the school; district staff, any school)."""
        identity = require_identity()
        school_id = identifier("school_id", request.school_id, required=False)
        day = _date("date", request.date) if request.date.strip() else None
        not_found = NotFound("Школа не найдена", reason="SCHOOL_NOT_FOUND", field="school_id")
        period = store.study_period
        with self.database.session() as session:
            own = access.schools_of(session, identity)
            if not school_id:
                if len(own) != 1:
                    raise InvalidArgument("school_id", "Поле «school_id»: укажите школу")
                school_id = next(iter(own))
            if school_id not in own and not identity.has_role(Role.DISTRICT_OPERATOR):
                raise not_found
            if not session.scalar(select(store.school.c.id).where(store.school.c.id == school_id)):
                raise not_found
            query = select(period).where(period.c.school_id == school_id)
            if day is not None:
                query = query.where(period.c.start_date <= day, period.c.end_date >= day)
            rows = session.execute(
                query.order_by(period.c.start_date, period.c.end_date.desc(), period.c.id)).all()
        return journal_pb2.ListPeriodsResponse(school_id=school_id, periods=[_period_message(row) for row in rows])

    # ------------------------------------------------------------ lessons and marks

    def _lesson(self, session, lesson_id: str):
        return session.execute(select(store.lesson).where(store.lesson.c.id == lesson_id)).first()

    def CreateLesson(self, request, context):
        identity = require_identity()
        class_id = identifier("class_id", request.class_id)
        subject_id = identifier("subject_id", request.subject_id)
        teacher_id = identifier("teacher_id", request.teacher_id, required=False) or identity.person_id
        day = _date("date", request.date)
        if not 1 <= request.number <= 12:
            raise InvalidArgument("number", "Номер урока — число от 1 до 12")
        if len(request.topic) > 500:
            raise InvalidArgument("topic", "Тема урока — не длиннее 500 символов")
        if len(request.homework) > 5000:
            raise InvalidArgument("homework", "Домашнее задание — не длиннее 5000 символов")
        class_not_found = NotFound("Класс не найден", reason="CLASS_NOT_FOUND", field="class_id")
        method = "CreateLesson"
        with self.database.transaction() as session:
            earlier = replay.earlier_response(
                session, store.replays, request.request_id, method, journal_pb2.CreateLessonResponse
            )
            if earlier is not None:
                return earlier
            school_class = session.execute(
                select(store.school_class).where(store.school_class.c.id == class_id)
            ).first()
            if school_class is None or not access.is_staff_of(identity, school_class.school_id):
                raise class_not_found
            school_id = school_class.school_id
            subject = session.execute(
                select(store.subject).where(store.subject.c.id == subject_id, store.subject.c.school_id == school_id)
            ).first()
            if subject is None:
                raise NotFound("Предмет не найден", reason="SUBJECT_NOT_FOUND", field="subject_id")
            assigned = session.scalar(select(store.teaching_assignment.c.id).where(
                store.teaching_assignment.c.teacher_id == teacher_id,
                store.teaching_assignment.c.class_id == class_id,
                store.teaching_assignment.c.subject_id == subject_id,
            ))
            if teacher_id == identity.person_id:
                if not access.teaches(session, identity, school_id, class_id, subject_id):
                    raise access.not_assigned()
            elif not access.is_administration_of(identity, school_id):
                raise PermissionDenied("Урок другого учителя добавляет администрация школы", reason="NOT_ASSIGNED")
            elif assigned is None:
                raise InvalidArgument("teacher_id", "Этот учитель не ведёт этот предмет в этом классе")
            period = entries.period_of_day(session, school_id, day)
            if period is None:
                raise InvalidArgument("date", "Дата не относится ни к одному учебному периоду")
            taken = session.scalar(select(store.lesson.c.id).where(
                store.lesson.c.class_id == class_id, store.lesson.c.date == day, store.lesson.c.number == request.number,
                store.lesson.c.cancelled.is_(False),
            ))
            if taken:
                raise AlreadyExists(f"У класса уже есть {request.number}-й урок в этот день",
                                    reason="LESSON_SLOT_TAKEN", field="number")
            lesson_id = str(uuid.uuid4())
            session.execute(store.lesson.insert().values(
                id=lesson_id, school_id=school_id, class_id=class_id, subject_id=subject_id, teacher_id=teacher_id,
                date=day, number=request.number, topic=" ".join(request.topic.split()),
                homework=request.homework.strip(),
            ))
            outbox.record(session, store.outbox, snapshots.lesson_changed_event(session, lesson_id, self.clock()))
            response = journal_pb2.CreateLessonResponse(
                lesson=_lesson_message(self._lesson(session, lesson_id), period.id)
            )
            replay.remember_response(session, store.replays, request.request_id, method, response)
        self.relay.wake()
        return response

    def GetJournalPage(self, request, context):
        identity = require_identity()
        class_id = identifier("class_id", request.class_id)
        subject_id = identifier("subject_id", request.subject_id)
        period_id = identifier("period_id", request.period_id)
        class_not_found = NotFound("Класс не найден", reason="CLASS_NOT_FOUND", field="class_id")
        lesson, mark, absence = store.lesson, store.mark, store.absence
        with self.database.session() as session:
            class_row = session.execute(_class_query().where(store.school_class.c.id == class_id)).first()
            if class_row is None:
                raise class_not_found
            school_id = class_row.school_id
            access.check_page_reader(session, identity, school_id, class_id, subject_id, class_not_found)
            subject = session.execute(
                select(store.subject).where(store.subject.c.id == subject_id, store.subject.c.school_id == school_id)
            ).first()
            if subject is None:
                raise NotFound("Предмет не найден", reason="SUBJECT_NOT_FOUND", field="subject_id")
            period = session.execute(select(store.study_period).where(
                store.study_period.c.id == period_id, store.study_period.c.school_id == school_id,
            )).first()
            if period is None:
                raise NotFound("Период не найден", reason="PERIOD_NOT_FOUND", field="period_id")
            with_entries = or_(select(mark.c.id).where(mark.c.lesson_id == lesson.c.id).exists(),
                               select(absence.c.id).where(absence.c.lesson_id == lesson.c.id).exists())
            in_page = and_(lesson.c.class_id == class_id, lesson.c.subject_id == subject_id,
                           lesson.c.date >= period.start_date, lesson.c.date <= period.end_date,
                           or_(lesson.c.cancelled.is_(False), with_entries))
            lessons = session.execute(select(lesson).where(in_page).order_by(lesson.c.date, lesson.c.number)).all()
            students = entries.student_names(session.execute(
                select(store.student).join(store.enrollment, store.enrollment.c.student_id == store.student.c.id)
                .where(entries.enrolled_on(class_id, period.start_date, period.end_date))
            ).all())
            lesson_ids = select(lesson.c.id).where(in_page)
            marks = session.execute(select(mark).where(mark.c.lesson_id.in_(lesson_ids))).all()
            absences = session.execute(select(absence).where(absence.c.lesson_id.in_(lesson_ids))).all()
            weights = entries.school_weights(session, school_id)
            locked = locks.locked_lessons(session, school_id, class_id, subject_id, lessons,
                                          entries.school_today(self.clock()))
        dates = {row.id: row.date for row in lessons}
        by_student: dict[str, list[rules.Mark]] = {}
        checked = {row.id: entries.mark_rule(row, dates[row.lesson_id]) for row in marks}
        for row in marks:
            by_student.setdefault(row.student_id, []).append(checked[row.id])
        seen_students = set()
        page_students = []
        for row in students:
            if row.id in seen_students:
                continue
            seen_students.add(row.id)
            own = by_student.get(row.id, [])
            page_students.append(journal_pb2.PageStudent(
                id=row.id, last_name=row.last_name, first_name=row.first_name, middle_name=row.middle_name or "",
                average=_average_text(rules.weighted_average(own, weights)), mark_count=len(own),
            ))
        order = {row.id: (row.date, row.number) for row in lessons}
        return journal_pb2.GetJournalPageResponse(
            school_class=_class_message(class_row),
            subject=_subject_message(subject),
            period=_period_message(period),
            lessons=[_lesson_message(row, period.id, locked=row.id in locked) for row in lessons],
            students=page_students,
            marks=[_mark_message(row, dates[row.lesson_id], weights=weights, mark=checked[row.id]) for row in
                   sorted(marks, key=lambda row: (order[row.lesson_id], row.student_id, row.create_time, row.id))],
            absences=[_absence_message(row, dates[row.lesson_id]) for row in
                      sorted(absences, key=lambda row: (order[row.lesson_id], row.student_id))],
        )

    def SaveLessonEntries(self, request, context):
        identity = require_identity()
        lesson_id = identifier("lesson_id", request.lesson_id)
        reason = _correction_reason(request.reason)
        not_found = NotFound("Урок не найден", reason="LESSON_NOT_FOUND", field="lesson_id")
        method = "SaveLessonEntries"
        now = self.clock()
        with self.database.transaction() as session:
            earlier = replay.earlier_response(
                session, store.replays, request.request_id, method, journal_pb2.SaveLessonEntriesResponse
            )
            if earlier is not None:
                return earlier
            lesson = self._lesson(session, lesson_id)
            if lesson is None:
                raise not_found
            access.check_lesson_writer(session, identity, lesson, not_found)
            if lesson.cancelled:
                raise FailedPrecondition("Урок отменён по расписанию: отметки и пропуски за него не ставятся",
                                         reason="LESSON_CANCELLED")
            pass_fail = session.scalar(select(store.subject.c.pass_fail).where(store.subject.c.id == lesson.subject_id))
            checked = entries.check_entries(request.entries, bool(pass_fail))
            exception_id = entries.entry_allowed(session, lesson, entries.school_today(now))
            result = entries.save_lesson_entries(
                session, lesson, checked, actor_id=identity.person_id, now=now, reason=reason,
                exception_id=exception_id,
            )
            marks = session.execute(
                select(store.mark).where(store.mark.c.lesson_id == lesson_id)
                .order_by(store.mark.c.student_id, store.mark.c.create_time, store.mark.c.id)
            ).all()
            absences = session.execute(
                select(store.absence).where(store.absence.c.lesson_id == lesson_id).order_by(store.absence.c.student_id)
            ).all()
            period = entries.period_of_day(session, lesson.school_id, lesson.date)
            weights = entries.school_weights(session, lesson.school_id)
            response = journal_pb2.SaveLessonEntriesResponse(
                lesson=_lesson_message(lesson, period.id if period else ""),
                marks=[_mark_message(row, lesson.date, weights=weights) for row in marks],
                absences=[_absence_message(row, lesson.date) for row in absences],
                change_count=result.change_count,
            )
            replay.remember_response(session, store.replays, request.request_id, method, response)
        if result.change_count:
            self.relay.wake()
        return response

    def GetStudentMarks(self, request, context):
        identity = require_identity()
        student_id = identifier("student_id", request.student_id)
        period_id = identifier("period_id", request.period_id)
        not_found = NotFound("Ученик не найден", reason="STUDENT_NOT_FOUND", field="student_id")
        lesson, mark, absence, subject = store.lesson, store.mark, store.absence, store.subject
        with self.database.session() as session:
            student = session.execute(select(store.student).where(store.student.c.id == student_id)).first()
            current_class = session.scalar(select(store.enrollment.c.class_id).where(
                store.enrollment.c.student_id == student_id, store.enrollment.c.end_date.is_(None),
            )) if student is not None else None
            access.check_student_reader(session, identity, student, current_class, not_found)
            period = session.execute(select(store.study_period).where(
                store.study_period.c.id == period_id, store.study_period.c.school_id == student.school_id,
            )).first()
            if period is None:
                raise NotFound("Период не найден", reason="PERIOD_NOT_FOUND", field="period_id")
            in_period = and_(lesson.c.date >= period.start_date, lesson.c.date <= period.end_date)
            marks = session.execute(
                select(mark, lesson.c.date, lesson.c.subject_id, lesson.c.number)
                .join(lesson, lesson.c.id == mark.c.lesson_id)
                .where(mark.c.student_id == student_id, in_period)
                .order_by(lesson.c.date, lesson.c.number, mark.c.create_time, mark.c.id)
            ).all()
            absences = session.execute(
                select(absence, lesson.c.date, lesson.c.subject_id)
                .join(lesson, lesson.c.id == absence.c.lesson_id)
                .where(absence.c.student_id == student_id, in_period)
                .order_by(lesson.c.date, lesson.c.number)
            ).all()
            enrolled_classes = select(store.enrollment.c.class_id).where(
                store.enrollment.c.student_id == student_id, store.enrollment.c.start_date <= period.end_date,
            )
            taught = select(lesson.c.subject_id).where(lesson.c.class_id.in_(enrolled_classes), in_period)
            finals: dict[str, list] = {}
            for row in session.execute(select(store.final_mark).where(
                store.final_mark.c.student_id == student_id, store.final_mark.c.period_id == period_id,
            ).order_by(store.final_mark.c.kind)):
                finals.setdefault(row.subject_id, []).append(final_marks.final_mark_message(row))
            subject_ids = {row.subject_id for row in marks} | {row.subject_id for row in absences} | set(finals)
            subjects = session.execute(
                select(subject).where(or_(subject.c.id.in_(subject_ids), subject.c.id.in_(taught)))
                .order_by(subject.c.name)
            ).all()
            weights = entries.school_weights(session, student.school_id)
        results = []
        for row in subjects:
            own = [item for item in marks if item.subject_id == row.id]
            results.append(journal_pb2.SubjectMarks(
                subject=_subject_message(row),
                marks=[_mark_message(item, item.date, row.id, weights) for item in own],
                absences=[_absence_message(item, item.date, row.id) for item in absences if item.subject_id == row.id],
                average=_average_text(rules.weighted_average((entries.mark_rule(item, item.date) for item in own),
                                                             weights)),
                final_marks=finals.get(row.id, []),
            ))
        return journal_pb2.GetStudentMarksResponse(
            student_id=student_id, period=_period_message(period), subjects=results,
        )

    def VerifyChangeLog(self, request, context):
        identity = require_identity()
        school_id = identifier("school_id", request.school_id)
        if not access.is_staff_of(identity, school_id):
            raise NotFound("Школа не найдена", reason="SCHOOL_NOT_FOUND", field="school_id")
        if not access.is_administration_of(identity, school_id):
            raise PermissionDenied("Проверять историю изменений может администрация школы", reason="ROLE_REQUIRED")
        with self.database.session() as session:
            result = change_history.verify(session, school_id)
        return journal_pb2.VerifyChangeLogResponse(
            intact=result.intact, checked_count=result.checked_count,
            first_broken_sequence=result.first_broken_sequence, head_hash=result.head_hash,
        )

    # ------------------------------------------------------------ final marks (M1–M4, G2)

    def _school_row(self, session, table, row_id: str, school_id: str, error: NotFound):
        row = session.execute(select(table).where(table.c.id == row_id, table.c.school_id == school_id)).first()
        if row is None:
            raise error
        return row

    def GetFinalMarkSuggestions(self, request, context):
        identity = require_identity()
        class_id = identifier("class_id", request.class_id)
        subject_id = identifier("subject_id", request.subject_id)
        period_id = identifier("period_id", request.period_id)
        student_id = identifier("student_id", request.student_id, required=False)
        class_not_found = NotFound("Класс не найден", reason="CLASS_NOT_FOUND", field="class_id")
        today = entries.school_today(self.clock())
        with self.database.session() as session:
            class_row = session.execute(_class_query().where(store.school_class.c.id == class_id)).first()
            if class_row is None:
                raise class_not_found
            school_id = class_row.school_id
            access.check_page_reader(session, identity, school_id, class_id, subject_id, class_not_found)
            subject = self._school_row(session, store.subject, subject_id, school_id, NotFound(
                "Предмет не найден", reason="SUBJECT_NOT_FOUND", field="subject_id"))
            period = self._school_row(session, store.study_period, period_id, school_id, NotFound(
                "Период не найден", reason="PERIOD_NOT_FOUND", field="period_id"))
            kind = final_marks.final_mark_kind(period, request.kind)
            students = entries.student_names(session.execute(
                select(store.student).join(store.enrollment, store.enrollment.c.student_id == store.student.c.id)
                .where(entries.enrolled_on(class_id, period.start_date, period.end_date))
            ).all())
            students = list({row.id: row for row in students}.values())
            if student_id:
                students = [row for row in students if row.id == student_id]
                if not students:
                    raise NotFound("Ученик не найден в этом классе", reason="STUDENT_NOT_FOUND", field="student_id")
            ids = [row.id for row in students]
            found = final_marks.suggestions(session, class_id, subject, period, kind, ids, today)
            current = {row.student_id: row for row in session.execute(select(store.final_mark).where(
                store.final_mark.c.student_id.in_(ids), store.final_mark.c.subject_id == subject_id,
                store.final_mark.c.period_id == period_id, store.final_mark.c.kind == kind.value,
            ))}
            exception = locks.applicable_exception(session, period_id, class_id, subject_id, today)
            response = journal_pb2.GetFinalMarkSuggestionsResponse(
                school_class=_class_message(class_row), subject=_subject_message(subject),
                period=_period_message(period), kind=kind.value, rounding_rule=found.rule,
                deadline_passed=rules.deadline_passed(entries.period_rule(period), today),
                suggestions=[final_marks.suggestion_message(row, found.by_student[row.id], current.get(row.id))
                             for row in students],
            )
            if exception is not None:
                response.exception.CopyFrom(locks.exception_message(exception, today))
        return response

    def SetFinalMark(self, request, context):
        identity = require_identity()
        student_id = identifier("student_id", request.student_id)
        subject_id = identifier("subject_id", request.subject_id)
        period_id = identifier("period_id", request.period_id)
        reason = _correction_reason(request.reason)
        not_found = NotFound("Ученик не найден", reason="STUDENT_NOT_FOUND", field="student_id")
        method = "SetFinalMark"
        now = self.clock()
        with self.database.transaction() as session:
            earlier = replay.earlier_response(
                session, store.replays, request.request_id, method, journal_pb2.SetFinalMarkResponse
            )
            if earlier is not None:
                return earlier
            student = session.execute(select(store.student).where(store.student.c.id == student_id)).first()
            if student is None or not access.is_staff_of(identity, student.school_id):
                raise not_found
            school_id = student.school_id
            subject = self._school_row(session, store.subject, subject_id, school_id, NotFound(
                "Предмет не найден", reason="SUBJECT_NOT_FOUND", field="subject_id"))
            period = self._school_row(session, store.study_period, period_id, school_id, NotFound(
                "Период не найден", reason="PERIOD_NOT_FOUND", field="period_id"))
            kind = final_marks.final_mark_kind(period, request.kind)
            class_id = final_marks.class_in_period(session, student_id, period)
            if class_id is None:
                raise InvalidArgument("student_id", "Ученик не учился в школе в этот период")
            if not access.teaches(session, identity, school_id, class_id, subject_id):
                raise access.not_assigned()
            scale = rules.MarkScale.PASS_FAIL if subject.pass_fail else rules.MarkScale.FIVE_POINT
            value = rules.final_mark_value(request.value.strip(), scale)
            target = final_marks.FinalMarkTarget(school_id, student_id, class_id, subject, period, kind)
            row, changed = final_marks.set_final_mark(session, target, value, actor_id=identity.person_id, now=now,
                                                      reason=reason)
            response = journal_pb2.SetFinalMarkResponse(final_mark=final_marks.final_mark_message(row),
                                                        changed=changed)
            replay.remember_response(session, store.replays, request.request_id, method, response)
        if changed:
            self.relay.wake()
        return response

    # ------------------------------------------------------------ exceptions to the lock (M3)

    def _grantor_period(self, session, identity, period_id: str):
        """The period, if the caller may open or close its exceptions (deputy director, director)."""
        period = session.execute(select(store.study_period).where(store.study_period.c.id == period_id)).first()
        if period is None or not access.is_staff_of(identity, period.school_id):
            raise NotFound("Период не найден", reason="PERIOD_NOT_FOUND", field="period_id")
        if period.school_id not in access.schools_where(identity, rules.EXCEPTION_GRANTORS):
            raise PermissionDenied("Разрешение на изменения после срока даёт заместитель директора или директор",
                                   reason="ROLE_REQUIRED")
        return period

    def OpenPeriodException(self, request, context):
        identity = require_identity()
        period_id = identifier("period_id", request.period_id)
        class_id = identifier("class_id", request.class_id, required=False)
        subject_id = identifier("subject_id", request.subject_id, required=False)
        now = self.clock()
        today = entries.school_today(now)
        valid_from = _date("valid_from", request.valid_from) if request.valid_from.strip() else today
        valid_until = _date("valid_until", request.valid_until)
        reason = " ".join(request.reason.split())
        if not reason:
            raise InvalidArgument("reason", "Укажите основание разрешения (например, номер приказа)")
        if len(reason) > 500:
            raise InvalidArgument("reason", "Основание — не длиннее 500 символов")
        if valid_until < today:
            raise InvalidArgument("valid_until", "Разрешение не может закончиться в прошлом")
        if valid_until - valid_from > dt.timedelta(days=31):
            raise InvalidArgument("valid_until", "Разрешение даётся не больше чем на 31 день")
        method = "OpenPeriodException"
        with self.database.transaction() as session:
            earlier = replay.earlier_response(
                session, store.replays, request.request_id, method, journal_pb2.OpenPeriodExceptionResponse
            )
            if earlier is not None:
                return earlier
            period = self._grantor_period(session, identity, period_id)
            if class_id:
                self._school_row(session, store.school_class, class_id, period.school_id, NotFound(
                    "Класс не найден", reason="CLASS_NOT_FOUND", field="class_id"))
            if subject_id:
                self._school_row(session, store.subject, subject_id, period.school_id, NotFound(
                    "Предмет не найден", reason="SUBJECT_NOT_FOUND", field="subject_id"))
            exception_id = str(uuid.uuid4())
            rules.DeadlineException(exception_id, period_id, valid_from, valid_until, identity.person_id, reason)
            session.execute(store.period_exception.insert().values(
                id=exception_id, school_id=period.school_id, period_id=period_id, class_id=class_id or None,
                subject_id=subject_id or None, valid_from=valid_from, valid_until=valid_until, reason=reason,
                granted_by=identity.person_id, grant_time=now,
            ))
            writer = change_history.ChangeWriter(session, period.school_id, identity.person_id, now, reason)
            writer.append(rules.ChangeEntity.PERIOD_EXCEPTION, exception_id, rules.ChangeAction.CREATED, None, dict(
                period_id=period_id, class_id=class_id or None, subject_id=subject_id or None,
                valid_from=valid_from.isoformat(), valid_until=valid_until.isoformat()))
            writer.finish()
            row = session.execute(select(store.period_exception)
                                  .where(store.period_exception.c.id == exception_id)).one()
            response = journal_pb2.OpenPeriodExceptionResponse(exception=locks.exception_message(row, today))
            replay.remember_response(session, store.replays, request.request_id, method, response)
        return response

    def ClosePeriodException(self, request, context):
        identity = require_identity()
        exception_id = identifier("exception_id", request.exception_id)
        now = self.clock()
        table = store.period_exception
        not_found = NotFound("Разрешение не найдено", reason="EXCEPTION_NOT_FOUND", field="exception_id")
        with self.database.transaction() as session:
            row = session.execute(select(table).where(table.c.id == exception_id)).first()
            if row is None or not access.is_staff_of(identity, row.school_id):
                raise not_found
            self._grantor_period(session, identity, row.period_id)
            if row.close_time is None:
                session.execute(table.update().where(table.c.id == exception_id)
                                .values(closed_by=identity.person_id, close_time=now))
                writer = change_history.ChangeWriter(session, row.school_id, identity.person_id, now)
                writer.append(rules.ChangeEntity.PERIOD_EXCEPTION, exception_id, rules.ChangeAction.UPDATED,
                              dict(close_time=None), dict(close_time=now.isoformat()))
                writer.finish()
            row = session.execute(select(table).where(table.c.id == exception_id)).one()
            return journal_pb2.ClosePeriodExceptionResponse(
                exception=locks.exception_message(row, entries.school_today(now)))

    def ListPeriodExceptions(self, request, context):
        identity = require_identity()
        school_id = identifier("school_id", request.school_id)
        period_id = identifier("period_id", request.period_id, required=False)
        if not access.is_staff_of(identity, school_id):
            raise NotFound("Школа не найдена", reason="SCHOOL_NOT_FOUND", field="school_id")
        table = store.period_exception
        query = select(table).where(table.c.school_id == school_id)
        if period_id:
            query = query.where(table.c.period_id == period_id)
        today = entries.school_today(self.clock())
        with self.database.session() as session:
            rows = session.execute(query.order_by(table.c.grant_time.desc(), table.c.id)).all()
        return journal_pb2.ListPeriodExceptionsResponse(
            exceptions=[locks.exception_message(row, today) for row in rows])

    # ------------------------------------------------------------ history of a cell (J8)

    def GetCellHistory(self, request, context):
        identity = require_identity()
        log = store.change_log
        with self.database.session() as session:
            if request.final_mark_id.strip():
                final_mark_id = identifier("final_mark_id", request.final_mark_id)
                not_found = final_marks.not_found_final_mark()
                row = session.execute(select(store.final_mark)
                                      .where(store.final_mark.c.id == final_mark_id)).first()
                if row is None:
                    raise not_found
                access.check_page_reader(session, identity, row.school_id, row.class_id, row.subject_id, not_found)
                where = and_(log.c.school_id == row.school_id, log.c.entity == rules.ChangeEntity.FINAL_MARK.value,
                             log.c.entity_id == final_mark_id)
            else:
                lesson_id = identifier("lesson_id", request.lesson_id)
                student_id = identifier("student_id", request.student_id, required=False)
                not_found = NotFound("Урок не найден", reason="LESSON_NOT_FOUND", field="lesson_id")
                lesson = self._lesson(session, lesson_id)
                if lesson is None:
                    raise not_found
                access.check_page_reader(session, identity, lesson.school_id, lesson.class_id, lesson.subject_id,
                                         not_found)
                where = and_(log.c.school_id == lesson.school_id, log.c.lesson_id == lesson_id,
                             log.c.student_id == student_id if student_id else log.c.student_id.is_(None))
            rows = session.execute(select(log).where(where).order_by(log.c.sequence)).all()
        return journal_pb2.GetCellHistoryResponse(entries=[
            journal_pb2.HistoryEntry(
                sequence=row.sequence, entity=row.entity, entity_id=row.entity_id, action=row.action,
                actor_id=row.actor_id, change_time=as_utc(row.changed_at).isoformat(),
                old_value=row.old_value or "", new_value=row.new_value or "", reason=row.reason or "",
            ) for row in rows
        ])

    # ------------------------------------------------------------ the school's weights of work types (J2, G2)

    def _weights_message(self, session, school_id: str) -> list:
        own = {row.work_type for row in session.execute(select(store.work_type_weight.c.work_type).where(
            store.work_type_weight.c.school_id == school_id))}
        weights = entries.school_weights(session, school_id)
        return [journal_pb2.WorkTypeWeight(
            work_type=kind.value, title=kind.title, weight=entries.weight_text(weights[kind]),
            default_weight=entries.weight_text(rules.DEFAULT_WEIGHTS[kind]), school_set=kind.value in own,
        ) for kind in rules.WorkType]

    def GetWorkTypeWeights(self, request, context):
        identity = require_identity()
        school_id = identifier("school_id", request.school_id)
        if not access.is_staff_of(identity, school_id):
            raise NotFound("Школа не найдена", reason="SCHOOL_NOT_FOUND", field="school_id")
        with self.database.session() as session:
            return journal_pb2.GetWorkTypeWeightsResponse(weights=self._weights_message(session, school_id))

    def SetWorkTypeWeights(self, request, context):
        identity = require_identity()
        school_id = identifier("school_id", request.school_id)
        if not access.is_staff_of(identity, school_id):
            raise NotFound("Школа не найдена", reason="SCHOOL_NOT_FOUND", field="school_id")
        if not access.is_administration_of(identity, school_id):
            raise PermissionDenied("Веса видов работ устанавливает администрация школы", reason="ROLE_REQUIRED")
        if not request.weights:
            raise InvalidArgument("weights", "Укажите хотя бы один вид работы")
        changes: dict[rules.WorkType, Decimal | None] = {}
        for index, item in enumerate(request.weights):
            kind = rules.work_type(item.work_type, f"weights[{index}].work_type")
            if kind in changes:
                raise InvalidArgument(f"weights[{index}].work_type", "Вид работы указан дважды")
            changes[kind] = (rules.weight_value(item.weight, f"weights[{index}].weight") if item.weight.strip()
                             else None)
        table = store.work_type_weight
        method = "SetWorkTypeWeights"
        with self.database.transaction() as session:
            earlier = replay.earlier_response(
                session, store.replays, request.request_id, method, journal_pb2.SetWorkTypeWeightsResponse
            )
            if earlier is not None:
                return earlier
            now = self.clock()
            for kind, weight in changes.items():
                session.execute(table.delete().where(table.c.school_id == school_id, table.c.work_type == kind.value))
                if weight is not None:
                    session.execute(table.insert().values(school_id=school_id, work_type=kind.value, weight=weight,
                                                          update_time=now, updated_by=identity.person_id))
            response = journal_pb2.SetWorkTypeWeightsResponse(weights=self._weights_message(session, school_id))
            replay.remember_response(session, store.replays, request.request_id, method, response)
        return response


def class_created_event(class_id: str, school_id: str, grade: int, letter: str, class_teacher_id: str = ""):
    return new_event(
        "ezh.journal.class.created.v1",
        "journal",
        f"classes/{class_id}",
        school_id,
        events_pb2.ClassCreated(class_id=class_id, school_id=school_id, name=f"{grade}{letter}", grade=grade,
                                class_teacher_id=class_teacher_id),
    )
