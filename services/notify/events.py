"""Events notify consumes: its read model, the notifications they cause (C1) and the alerts (J6).

Each handler runs in the consumer's transaction, beside the processed-event
row: a redelivered event changes nothing, and each notification also carries
a (recipient, source) key that is unique.
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from ezh.auth.v1 import events_pb2 as auth_events
from ezh.journal.v1 import events_pb2 as journal_events
from ezh.schedule.v1 import events_pb2 as schedule_events
from sqlalchemy import and_, func, or_, select, tuple_
from sqlalchemy.orm import Session

from services.common.clock import utc_now
from services.common.events import Event
from services.notify import rules, store
from services.notify.subgroups import subgroup_students
from services.notify.inbox import (
    Channels, NotificationBatch, Recipient, insert_ignoring_duplicate, notify, notify_all, upsert,
)


@dataclass
class EventContext:
    """What handlers need from the running service."""

    channels: Channels
    clock: Callable[[], dt.datetime] = utc_now


def parse_day(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


# ----------------------------------------------------------------- read model

def on_school_created(session: Session, event: Event) -> None:
    data = event.data_as(auth_events.SchoolCreated)
    if session.scalar(select(store.school.c.id).where(store.school.c.id == data.school_id)) is None:
        session.execute(
            store.school.insert().values(id=data.school_id, name=data.name, short_name=data.short_name or data.name)
        )


def on_class_created(session: Session, event: Event) -> None:
    data = event.data_as(journal_events.ClassCreated)
    values = dict(school_id=data.school_id, name=data.name, class_teacher_id=data.class_teacher_id or None)
    table = store.school_class
    if session.scalar(select(table.c.id).where(table.c.id == data.class_id)) is None:
        session.execute(table.insert().values(id=data.class_id, **values))
    else:
        session.execute(table.update().where(table.c.id == data.class_id).values(**values))


def on_student_changed(session: Session, event: Event) -> None:
    """The whole record replaces what notify holds; an older version is ignored."""
    data = event.data_as(journal_events.StudentChanged)
    table = store.student
    current = session.scalar(select(table.c.version).where(table.c.id == data.student_id))
    if current is not None and current >= data.version:
        return
    values = dict(
        school_id=data.school_id, class_id=data.class_id or None, class_name=data.class_name,
        last_name=data.last_name, first_name=data.first_name, middle_name=data.middle_name,
        status=data.status or "enrolled", version=data.version, email=data.email,
    )
    if current is None:
        session.execute(table.insert().values(id=data.student_id, **values))
    else:
        session.execute(table.update().where(table.c.id == data.student_id).values(**values))
    session.execute(store.guardian.delete().where(store.guardian.c.student_id == data.student_id))
    for item in data.guardians:
        if not item.guardian_id:
            continue
        session.execute(store.guardian.insert().values(
            student_id=data.student_id, guardian_id=item.guardian_id, full_name=item.full_name,
            relation=item.relation, email=item.email, electronic_access=item.electronic_access,
        ))


def learn_teaching(session: Session, marks) -> None:
    """Who teaches which subject in which class, from marks: one read, an insert for each pair not known."""
    table = store.class_teaching
    wanted = {(mark.class_id, mark.subject_id, mark.teacher_id): mark for mark in marks
              if mark.class_id and mark.subject_id and mark.teacher_id}
    if not wanted:
        return
    known = set(session.execute(select(table.c.class_id, table.c.subject_id, table.c.teacher_id).where(
        tuple_(table.c.class_id, table.c.subject_id, table.c.teacher_id).in_(sorted(wanted)))))
    for key, mark in wanted.items():
        if key not in known:
            _teaching(session, mark.school_id, *key, mark.subject_name)


def _teaching(session: Session, school_id: str, class_id: str, subject_id: str, teacher_id: str,
              subject_name: str) -> None:
    if not (class_id and subject_id and teacher_id):
        return
    insert_ignoring_duplicate(session, store.class_teaching, dict(
        class_id=class_id, subject_id=subject_id, teacher_id=teacher_id, school_id=school_id,
        subject_name=subject_name))


# ----------------------------------------------------------------- who is told

@dataclass(frozen=True)
class StudentView:
    id: str
    school_id: str
    class_id: str
    class_name: str
    name: str  # "Пётр Иванов"
    recipients: tuple[Recipient, ...]  # the student and their guardians who use the journal
    # The recipients' own choices of kind × channel (`chosen_modes`), read with the student.
    chosen: dict[str, dict[tuple[str, str], str]] = field(default_factory=dict, compare=False)


def _student_query(student_id: str | list[str], *columns):
    """The student (or students) with their guardians and the preferences of all; `columns` join in more."""
    guardian, preference = store.guardian, store.preference
    return (
        select(store.student, guardian.c.guardian_id, guardian.c.full_name,
               guardian.c.email.label("guardian_email"), guardian.c.electronic_access, preference.c.person_id.label("preference_person_id"),
               preference.c.kind.label("preference_kind"), preference.c.channel.label("preference_channel"),
               preference.c.mode.label("preference_mode"), *columns)
        .outerjoin(guardian, guardian.c.student_id == store.student.c.id)
        .outerjoin(preference, or_(preference.c.person_id == store.student.c.id,
                                   preference.c.person_id == guardian.c.guardian_id))
        .where(store.student.c.id.in_(student_id) if isinstance(student_id, list)
               else store.student.c.id == student_id)
    )


def _student_from_rows(rows) -> StudentView | None:
    """The view from `_student_query`'s rows (one per guardian × preference × joined row)."""
    if not rows or rows[0].status == "departed":
        return None
    row = rows[0]
    recipients = {row.id: Recipient(row.id, f"{row.first_name} {row.last_name}", row.email)}
    guardians = sorted({item.guardian_id: item for item in rows if item.guardian_id}.values(),
                       key=lambda item: item.guardian_id)
    for item in guardians:
        if item.electronic_access and item.guardian_id not in recipients:  # J7: the others are informed on paper
            recipients[item.guardian_id] = Recipient(item.guardian_id, item.full_name, item.guardian_email)
    chosen: dict[str, dict[tuple[str, str], str]] = {person_id: {} for person_id in recipients}
    for item in rows:
        if item.preference_person_id in chosen:
            chosen[item.preference_person_id][(item.preference_kind, item.preference_channel)] = item.preference_mode
    return StudentView(row.id, row.school_id, row.class_id or "", row.class_name,
                       f"{row.first_name} {row.last_name}", tuple(recipients.values()), chosen)


def student_view(session: Session, student_id: str) -> StudentView | None:
    """The student, their guardians and the recipients' preferences, in one query."""
    return _student_from_rows(session.execute(_student_query(student_id)).all())


def student_views(session: Session, student_ids: list[str]) -> dict[str, StudentView]:
    """The views of many students in one query (those notify does not know or who departed are left out)."""
    rows_by_student: dict[str, list] = {}
    for row in session.execute(_student_query(student_ids)):
        rows_by_student.setdefault(row.id, []).append(row)
    views = {student_id: _student_from_rows(rows) for student_id, rows in rows_by_student.items()}
    return {student_id: view for student_id, view in views.items() if view is not None}


def class_students(session: Session, class_id: str) -> list[str]:
    return list(session.scalars(
        select(store.student.c.id).where(store.student.c.class_id == class_id, store.student.c.status != "departed")
        .order_by(store.student.c.last_name, store.student.c.first_name)
    ))


def _tell_student(session: Session, context: EventContext, event: Event, student: StudentView, kind: str,
                  text: rules.Text, lesson_date: dt.date | None) -> None:
    now = context.clock()
    fresh = rules.c1_email_is_fresh(lesson_date, min(event.time, now))
    notify_all(session, source_key=f"{event.id}:{student.id}", recipients=student.recipients, kind=kind, text=text,
               now=now, channels=context.channels, school_id=student.school_id, student_id=student.id,
               email_allowed=fresh, chosen=student.chosen)


# ----------------------------------------------------------------- marks, absences, lessons, final marks

def _mark_fact_values(mark) -> dict:
    return dict(school_id=mark.school_id, class_id=mark.class_id, student_id=mark.student_id,
                subject_id=mark.subject_id, subject_name=mark.subject_name, period_id=mark.period_id,
                lesson_date=parse_day(mark.lesson_date) or dt.date.min, value=mark.value, work_type=mark.work_type,
                weight=mark.weight)


def mark_facts_of(session: Session, keys: set[tuple[str, str, str]]) -> dict[tuple, dict[str, rules.MarkFact]]:
    """The mark facts of each (student, subject, period), in one query."""
    table = store.mark_fact
    facts: dict[tuple, dict[str, rules.MarkFact]] = {key: {} for key in keys}
    rows = session.execute(select(table).where(
        tuple_(table.c.student_id, table.c.subject_id, table.c.period_id).in_(sorted(keys))))
    for row in rows:
        facts[(row.student_id, row.subject_id, row.period_id)][row.mark_id] = rules.MarkFact(
            row.value, row.work_type, row.weight, row.lesson_date, row.mark_id)
    return facts


def _mark_context(session: Session, mark) -> tuple[StudentView | None, dict[str, rules.MarkFact], bool]:
    """For a mark event, in one query: the student's view, the subject's mark facts of the period and
    whether notify already knows who teaches the subject in the class."""
    fact, teaching = store.mark_fact, store.class_teaching
    known_teaching = select(teaching.c.class_id).where(
        teaching.c.class_id == mark.class_id, teaching.c.subject_id == mark.subject_id,
        teaching.c.teacher_id == mark.teacher_id).exists().label("teaching_known")
    query = _student_query(
        mark.student_id, fact.c.mark_id, fact.c.value.label("fact_value"), fact.c.work_type.label("fact_work_type"),
        fact.c.weight.label("fact_weight"), fact.c.lesson_date.label("fact_lesson_date"), known_teaching,
    ).outerjoin(fact, and_(fact.c.student_id == store.student.c.id, fact.c.subject_id == mark.subject_id,
                           fact.c.period_id == mark.period_id))
    rows = session.execute(query).all()
    if not rows:  # a student notify does not know (yet): their marks are kept all the same
        key = (mark.student_id, mark.subject_id, mark.period_id)
        return None, mark_facts_of(session, {key})[key], False
    facts = {
        row.mark_id: rules.MarkFact(row.fact_value, row.fact_work_type, row.fact_weight, row.fact_lesson_date,
                                    row.mark_id)
        for row in rows if row.mark_id is not None
    }
    return _student_from_rows(rows), facts, bool(rows[0].teaching_known)


@dataclass(frozen=True)
class MarkJudgement:
    """What a change of a mark did to the subject's marks of the period (J6)."""

    before: rules.AverageVerdict
    after: rules.AverageVerdict
    falling: bool  # the marks began to fall sharply with this change
    row: dict | None  # the mark's fact row now, None once deleted


def judge_mark_change(mark, deleted: bool, facts: dict[str, rules.MarkFact]) -> MarkJudgement:
    """Apply the change to the subject's mark facts (in memory) and judge the averages before and after."""
    before = rules.j6_current_average(facts.values())
    falling_before = rules.j6_marks_falling(facts.values())
    row = None
    if deleted:
        facts.pop(mark.mark_id, None)
    else:
        row = dict(mark_id=mark.mark_id, **_mark_fact_values(mark))
        facts[mark.mark_id] = rules.MarkFact(mark.value, mark.work_type, mark.weight, row["lesson_date"],
                                             mark.mark_id)
    falling = rules.j6_marks_falling(facts.values()) and not falling_before
    return MarkJudgement(before, rules.j6_current_average(facts.values()), falling, row)


def _apply_mark(session: Session, mark, deleted: bool, facts: dict[str, rules.MarkFact]) -> MarkJudgement:
    """Update the mark facts, in memory and in the database."""
    judgement = judge_mark_change(mark, deleted, facts)
    if judgement.row is None:
        session.execute(store.mark_fact.delete().where(store.mark_fact.c.mark_id == mark.mark_id))
    else:
        upsert(session, store.mark_fact, judgement.row, key="mark_id")
    return judgement


def _handle_mark(session: Session, context: EventContext, event: Event, mark, previous=None,
                 deleted: bool = False) -> None:
    student, facts, teaching_known = _mark_context(session, mark)
    if not teaching_known:
        _teaching(session, mark.school_id, mark.class_id, mark.subject_id, mark.teacher_id, mark.subject_name)
    judgement = _apply_mark(session, mark, deleted, facts)
    if student is None:
        return
    text = mark_news(student, mark, previous, deleted)
    if text is not None:
        _tell_student(session, context, event, student, "mark", text, parse_day(mark.lesson_date))
    alert_on_mark(session, context, event, student, mark, judgement)


def mark_news(student: StudentView, mark, previous, deleted: bool) -> rules.Text | None:
    """The message about a mark's change, or None when it is not news (a change of the weight alone,
    though it may move the average)."""
    if previous is not None and previous.value == mark.value and previous.work_type == mark.work_type:
        return None
    return rules.c1_mark_text(student.name, student.id, mark.subject_name, mark.value, mark.work_type,
                              parse_day(mark.lesson_date) or dt.date.today(),
                              previous=previous.value if previous else None, deleted=deleted)


def alert_on_mark(session: Session, context: EventContext, event: Event, student: StudentView, mark,
                  judgement: MarkJudgement) -> None:
    """J6: the subject's average became a 2, or the marks began to fall sharply."""
    before, after, falling = judgement.before, judgement.after, judgement.falling
    if after.failing and not before.failing:
        raise_alert(session, context, student, "failing_average", mark.subject_name,
                    failing_average_details(mark.subject_name, after.average),
                    occurrence=f"{average_occurrence(student.id, mark.subject_id, mark.period_id)}{event.id}")
    elif falling:
        raise_alert(session, context, student, "marks_falling", mark.subject_name,
                    marks_falling_details(mark.subject_name),
                    occurrence=falling_occurrence(student.id, mark.subject_id, mark.period_id))


def average_occurrence(student_id: str, subject_id: str, period_id: str) -> str:
    """The start of a failing average's occurrence key (the event that made it so follows)."""
    return f"average:{student_id}:{subject_id}:{period_id}:"


def falling_occurrence(student_id: str, subject_id: str, period_id: str) -> str:
    return f"falling:{student_id}:{subject_id}:{period_id}"


def absences_occurrence(student_id: str, monday: dt.date) -> str:
    return f"absences:{student_id}:{monday.isoformat()}"


def failing_average_details(subject_name: str, average) -> str:
    return (f"текущий средний балл по предмету «{subject_name}» опустился до "
            f"{rules.russian_decimal(average)} — это «2».")


def marks_falling_details(subject_name: str) -> str:
    return f"отметки по предмету «{subject_name}» резко снизились: последние три отметки заметно ниже прежних."


def unexcused_details(count: int, monday: dt.date) -> str:
    sunday = monday + dt.timedelta(days=6)
    return (f"{count} {rules.plural(count, 'пропуск', 'пропуска', 'пропусков')} без уважительной причины "
            f"за неделю {rules.russian_day(monday)} — {rules.russian_day(sunday)}.")


def on_mark_created(context: EventContext):
    def handle(session: Session, event: Event) -> None:
        data = event.data_as(journal_events.MarkCreated)
        _handle_mark(session, context, event, data.mark)
    return handle


def on_mark_updated(context: EventContext):
    def handle(session: Session, event: Event) -> None:
        data = event.data_as(journal_events.MarkUpdated)
        _handle_mark(session, context, event, data.mark, previous=data.previous)
    return handle


def on_mark_deleted(context: EventContext):
    def handle(session: Session, event: Event) -> None:
        data = event.data_as(journal_events.MarkDeleted)
        _handle_mark(session, context, event, data.mark, deleted=True)
    return handle


def unexcused_in_week(session: Session, student_id: str, day: dt.date) -> int:
    monday, sunday = rules.week_of(day)
    table = store.absence_fact
    return session.scalar(select(func.count()).select_from(table).where(
        table.c.student_id == student_id, table.c.kind == "unexcused",
        table.c.lesson_date >= monday, table.c.lesson_date <= sunday,
    )) or 0


def school_threshold(session: Session, school_id: str) -> int:
    value = session.scalar(select(store.school_setting.c.unexcused_absence_threshold)
                           .where(store.school_setting.c.school_id == school_id))
    return value or rules.DEFAULT_UNEXCUSED_THRESHOLD


def on_absence_recorded(context: EventContext):
    def handle(session: Session, event: Event) -> None:
        data = event.data_as(journal_events.AbsenceRecorded)
        _teaching(session, data.school_id, data.class_id, data.subject_id, data.teacher_id, data.subject_name)
        lesson_date = parse_day(data.lesson_date)
        if lesson_date is None:
            return
        table = store.absence_fact
        before = unexcused_in_week(session, data.student_id, lesson_date)
        session.execute(table.delete().where(table.c.lesson_id == data.lesson_id,
                                             table.c.student_id == data.student_id))
        if data.kind:
            session.execute(table.insert().values(
                lesson_id=data.lesson_id, student_id=data.student_id, school_id=data.school_id,
                class_id=data.class_id, subject_name=data.subject_name, lesson_date=lesson_date, kind=data.kind,
            ))
        after = unexcused_in_week(session, data.student_id, lesson_date)
        student = student_view(session, data.student_id)
        if student is None or (not data.kind and not data.previous_kind) or data.kind == data.previous_kind:
            return
        text = rules.c1_absence_text(student.name, student.id, data.subject_name, data.kind, lesson_date)
        _tell_student(session, context, event, student, "absence", text, lesson_date)
        threshold = school_threshold(session, data.school_id)
        if rules.j6_unexcused_alert(after, threshold) and not rules.j6_unexcused_alert(before, threshold):
            monday, _ = rules.week_of(lesson_date)
            raise_alert(session, context, student, "unexcused_absences", "", unexcused_details(after, monday),
                        occurrence=absences_occurrence(student.id, monday))
    return handle


def on_lesson_changed(context: EventContext):
    def handle(session: Session, event: Event) -> None:
        data = event.data_as(journal_events.LessonChanged)
        _teaching(session, data.school_id, data.class_id, data.subject_id, data.teacher_id, data.subject_name)
        lesson_date = parse_day(data.lesson_date)
        if lesson_date is None:
            return
        table = store.lesson_fact
        current = session.execute(select(table).where(table.c.lesson_id == data.lesson_id)).first()
        if current is not None and current.version > data.version:
            return
        values = dict(school_id=data.school_id, class_id=data.class_id, subgroup_id=data.subgroup_id,
                      subject_name=data.subject_name, lesson_date=lesson_date, slot=data.slot, topic=data.topic,
                      homework=data.homework, version=data.version)
        if current is None:
            session.execute(table.insert().values(lesson_id=data.lesson_id, **values))
        else:
            session.execute(table.update().where(table.c.lesson_id == data.lesson_id).values(**values))
        homework = data.homework.strip()
        if not homework or (current is not None and current.homework.strip() == homework):
            return
        students = (subgroup_students(session, data.subgroup_id, lesson_date) if data.subgroup_id
                    else class_students(session, data.class_id))
        views = student_views(session, students)
        now = context.clock()
        notifications = NotificationBatch(context.channels, now)
        fresh = rules.c1_email_is_fresh(lesson_date, min(event.time, now))
        for student in (views[student_id] for student_id in students if student_id in views):
            text = rules.c1_homework_text(student.name, student.id, data.subject_name, homework, lesson_date,
                                          parse_day(data.homework_due_date))
            notifications.add(source_key=f"{event.id}:{student.id}", recipients=student.recipients, kind="homework",
                              text=text, school_id=student.school_id, student_id=student.id, email_allowed=fresh,
                              chosen=student.chosen)
        notifications.insert(session)  # the class's notifications in one insert
    return handle


def on_final_mark_set(context: EventContext):
    def handle(session: Session, event: Event) -> None:
        data = event.data_as(journal_events.FinalMarkSet)
        mark = data.final_mark
        student = student_view(session, mark.student_id)
        if student is None:
            return
        text = rules.c1_final_mark_text(student.name, student.id, mark.subject_name, mark.kind, mark.value,
                                        data.previous_value or None)
        _tell_student(session, context, event, student, "final_mark", text, None)
        if rules.j6_failing_period_mark(mark.value):
            what = rules.FINAL_KIND_WORDS.get(mark.kind, "итоговая")
            raise_alert(session, context, student, "failing_period_mark", mark.subject_name,
                        f"отметка {what} по предмету «{mark.subject_name}» — {rules.mark_word(mark.value)}.",
                        occurrence=f"period:{student.id}:{mark.subject_id}:{mark.period_id or mark.kind}")
    return handle


# ----------------------------------------------------------------- timetable changes

def on_schedule_lesson_changed(context: EventContext):
    def handle(session: Session, event: Event) -> None:
        data = event.data_as(schedule_events.LessonChanged)
        lesson, previous = data.lesson, data.previous
        day = parse_day(previous.date) if previous.date else parse_day(lesson.date)
        if day is None:
            return
        subject = session.scalar(
            select(store.class_teaching.c.subject_name).where(store.class_teaching.c.class_id == lesson.class_id,
                                                              store.class_teaching.c.subject_id == lesson.subject_id)
        ) or ""
        status = event.type.split(".")[3]  # substituted / cancelled / moved
        now = context.clock()
        slot = previous.slot or lesson.slot
        fresh = rules.c1_email_is_fresh(day, min(event.time, now))
        if status == "substituted" and lesson.teacher_id:
            class_name = session.scalar(select(store.school_class.c.name)
                                        .where(store.school_class.c.id == lesson.class_id)) or ""
            text = rules.c1_schedule_text(None, subject, status, day, slot, for_teacher=True, class_name=class_name)
            notify(session, source_key=event.id, recipient=Recipient(lesson.teacher_id), kind="schedule", text=text,
                   now=now, channels=context.channels, school_id=lesson.school_id, email_allowed=fresh)
        if lesson.subgroup_id:
            return
        students = class_students(session, lesson.class_id)
        views = student_views(session, students)
        notifications = NotificationBatch(context.channels, now)
        for student in (views[student_id] for student_id in students if student_id in views):
            text = rules.c1_schedule_text(student.name, subject, status, day, slot,
                                          new_day=parse_day(lesson.date), new_slot=lesson.slot)
            notifications.add(source_key=f"{event.id}:{student.id}", recipients=student.recipients, kind="schedule",
                              text=text, school_id=student.school_id, student_id=student.id, email_allowed=fresh,
                              chosen=student.chosen)
        notifications.insert(session)  # the class's notifications in one insert
    return handle


# ----------------------------------------------------------------- J6 alerts

def raise_alert(session: Session, context: EventContext, student: StudentView, kind: str,
                subject_name: str, details: str, *, occurrence: str) -> bool:
    """J6: one alert per occurrence, told to the class teacher and the parents; False if it was raised before."""
    table = store.alert
    if session.scalar(select(table.c.id).where(table.c.occurrence_key == occurrence)) is not None:
        return False
    now = context.clock()
    alert_id = str(uuid.uuid4())
    session.execute(table.insert().values(
        id=alert_id, school_id=student.school_id, class_id=student.class_id, student_id=student.id, kind=kind,
        occurrence_key=occurrence[:200], subject_name=subject_name, details=details, create_time=now,
    ))
    text = rules.c1_alert_text(student.name, student.id, kind, subject_name, details)
    class_teacher = session.scalar(select(store.school_class.c.class_teacher_id)
                                   .where(store.school_class.c.id == student.class_id))
    recipients = [recipient for recipient in student.recipients if recipient.person_id != student.id]
    if class_teacher:
        recipients.append(Recipient(class_teacher))
    for recipient in recipients:
        link = f"/alerts/{alert_id}" if recipient.person_id == class_teacher else text.link
        notify(session, source_key=f"alert:{alert_id}", recipient=recipient, kind="alert",
               text=rules.Text(text.title, text.body, link), now=now, channels=context.channels,
               school_id=student.school_id, student_id=student.id)
    return True


def event_handlers(context: EventContext) -> dict[str, Callable[[Session, Event], None]]:
    schedule = on_schedule_lesson_changed(context)
    return {
        "ezh.auth.school.created.v1": on_school_created,
        "ezh.journal.class.created.v1": on_class_created,
        "ezh.journal.student.changed.v1": on_student_changed,
        "ezh.journal.mark.created.v1": on_mark_created(context),
        "ezh.journal.mark.updated.v1": on_mark_updated(context),
        "ezh.journal.mark.deleted.v1": on_mark_deleted(context),
        "ezh.journal.absence.recorded.v1": on_absence_recorded(context),
        "ezh.journal.lesson.changed.v1": on_lesson_changed(context),
        "ezh.journal.final_mark.set.v1": on_final_mark_set(context),
        "ezh.schedule.lesson.substituted.v1": schedule,
        "ezh.schedule.lesson.cancelled.v1": schedule,
        "ezh.schedule.lesson.moved.v1": schedule,
    }


# The handlers' keys (the consumer binds them to the running service at start).
HANDLERS = event_handlers(EventContext(Channels()))
