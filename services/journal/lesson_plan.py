"""The calendar-thematic plan, КТП (J3): import, placing on the lessons, the hours check, completion.

A plan belongs to a class, a subject and (optionally) a subgroup for the
academic year. Importing replaces its items (from the request or from a CSV
or xlsx file: topic, hours, type of work) and fills the empty topics of the
lessons the items fall on (rules.match_plan_to_lessons), each filled topic a
change-history record and a lesson.changed event. The check compares the
plan's hours with the curriculum's and with the lessons of the timetable;
marking the plan complete is refused while they differ.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from collections.abc import Sequence

from ezh.journal.v1 import records_pb2
from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from services.common import outbox
from services.common.demo import School, demo_id
from services.common.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from services.journal import access, rules, snapshots, store
from services.journal.change_history import ChangeWriter
from services.journal.record_access import academic_year_of, class_not_found, class_row, family_of_class_on
from services.journal.rules.verdicts import RuleError

MAX_PLAN_ITEMS = 400
MAX_TOPIC = 500
MAX_PLAN_FILE_BYTES = 2 * 1024 * 1024
WEEKS_IN_YEAR = 34

# How people write the type of work in a plan file.
WORK_WORDS = {
    "": None, "урок": None, "-": None,
    "практическая": rules.WorkType.PRACTICAL, "практическая работа": rules.WorkType.PRACTICAL,
    "лабораторная": rules.WorkType.LABORATORY, "лабораторная работа": rules.WorkType.LABORATORY,
    "контрольная": rules.WorkType.TEST, "контрольная работа": rules.WorkType.TEST,
    "проверочная": rules.WorkType.TEST, "проверочная работа": rules.WorkType.TEST,
}
HEADER_WORDS = {"тема", "topic", "темы"}


def plan_work_type(raw: str, field: str) -> rules.WorkType | None:
    text = " ".join((raw or "").strip().lower().split())
    if text in WORK_WORDS:
        return WORK_WORDS[text]
    return rules.work_type(text, field)


def plan_items(given: Sequence[tuple[str, object, str]], field: str = "items") -> list[rules.PlanItem]:
    """Items from (topic, hours, work type) rows; RuleError names the row."""
    if len(given) > MAX_PLAN_ITEMS:
        raise InvalidArgument(field, f"В КТП не больше {MAX_PLAN_ITEMS} тем")
    items = []
    for index, (topic, hours, work) in enumerate(given):
        where = f"{field}[{index}]"
        topic = " ".join(str(topic or "").split())
        if len(topic) > MAX_TOPIC:
            raise InvalidArgument(f"{where}.topic", f"Тема — не длиннее {MAX_TOPIC} символов")
        if isinstance(hours, float) and hours.is_integer():
            hours = int(hours)
        if isinstance(hours, str) and hours.strip().isdigit():
            hours = int(hours.strip())
        if not isinstance(hours, int) or isinstance(hours, bool) or not 1 <= hours <= 200:
            raise InvalidArgument(f"{where}.hours", f"Часы по теме «{topic}» — целое число от 1 до 200")
        try:
            items.append(rules.PlanItem(topic, hours, plan_work_type(str(work or ""), f"{where}.work_type")))
        except RuleError as error:
            raise InvalidArgument(f"{where}.{error.field}" if not error.field.startswith(field) else error.field,
                                  error.message) from None
    return items


def _rows_from_csv(content: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InvalidArgument("file", "Файл КТП: не удалось прочитать текст (нужна кодировка UTF-8 или Windows-1251)")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=";,\t")
    except csv.Error:
        dialect = csv.excel
        dialect.delimiter = ";" if text.count(";") > text.count(",") else ","
    return [row for row in csv.reader(io.StringIO(text), dialect) if any(cell.strip() for cell in row)]


def _rows_from_xlsx(content: bytes) -> list[list[object]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged file
        raise InvalidArgument("file", "Файл КТП: не удалось прочитать таблицу xlsx") from None
    try:
        sheet = book.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)
                if any(cell not in (None, "") for cell in row)]
    finally:
        book.close()


def items_from_file(file_name: str, content: bytes) -> list[rules.PlanItem]:
    """A plan file: rows of topic, hours and (optionally) the type of work; a header row is skipped."""
    if len(content) > MAX_PLAN_FILE_BYTES:
        raise InvalidArgument("file", "Файл КТП — не больше 2 МБ")
    extension = (file_name or "").rpartition(".")[2].lower()
    if extension == "csv":
        rows = _rows_from_csv(content)
    elif extension == "xlsx":
        rows = _rows_from_xlsx(content)
    else:
        raise InvalidArgument("file", "Файл КТП — таблица CSV или xlsx")
    if rows and str(rows[0][0] or "").strip().lower() in HEADER_WORDS:
        rows = rows[1:]
    if not rows:
        raise InvalidArgument("file", "В файле КТП нет ни одной темы")
    given = []
    for number, row in enumerate(rows, start=1):
        cells = list(row) + [None, None, None]
        given.append((cells[0], cells[1], cells[2] or ""))
    try:
        return plan_items(given, field="file.rows")
    except InvalidArgument as error:
        # Name the row as people count them (1-based, after the header).
        field = error.metadata.get("field", "file")
        raise InvalidArgument("file", f"Файл КТП, строка {_row_number(field)}: {error.message}") from None


def _row_number(field: str) -> int:
    try:
        return int(field.split("[", 1)[1].split("]", 1)[0]) + 1
    except (IndexError, ValueError):
        return 0


# ------------------------------------------------------------------ the plan and its check

def _subgroup(session: Session, subgroup_id: str, school_class, subject_id: str):
    if not subgroup_id:
        return None
    row = session.execute(select(store.subgroup).where(store.subgroup.c.id == subgroup_id)).first()
    if row is None or row.class_id != school_class.id or row.subject_id != subject_id:
        raise NotFound("Подгруппа не найдена", reason="SUBGROUP_NOT_FOUND", field="subgroup_id")
    return row


def subject_row(session: Session, school_id: str, subject_id: str):
    row = session.execute(select(store.subject).where(store.subject.c.id == subject_id,
                                                      store.subject.c.school_id == school_id)).first()
    if row is None:
        raise NotFound("Предмет не найден", reason="SUBJECT_NOT_FOUND", field="subject_id")
    return row


def _context(session: Session, identity, class_id: str, subject_id: str, subgroup_id: str, today: dt.date,
             write: bool):
    school_class = class_row(session, class_id)
    if school_class is None:
        raise class_not_found()
    school_id = school_class.school_id
    # G5: the class's students and their parents follow the programme's progress, read-only.
    family = not write and family_of_class_on(session, identity, class_id, today)
    if not (family or access.is_staff_of(identity, school_id)):
        raise class_not_found()
    subject_row(session, school_id, subject_id)
    subgroup = _subgroup(session, subgroup_id, school_class, subject_id)
    if not family:
        teaches = access.teaches(session, identity, school_id, class_id, subject_id)
        if subgroup is not None and subgroup.teacher_id and write:
            teaches = subgroup.teacher_id == identity.person_id
        if write and not teaches:
            raise access.not_assigned()
        if not write and not (teaches or access.is_administration_of(identity, school_id)
                              or access.leads_class(identity, school_id, class_id)):
            raise access.not_assigned()
    year = academic_year_of(session, school_id, today)
    if year is None:
        raise FailedPrecondition("В школе не задан учебный год", reason="NO_ACADEMIC_YEAR")
    return school_class, year


def _plan_lessons(session: Session, school_class, subject_id: str, subgroup_id: str, year):
    lesson = store.lesson
    in_plan = and_(lesson.c.class_id == school_class.id, lesson.c.subject_id == subject_id,
                   lesson.c.date >= year.start_date, lesson.c.date <= year.end_date,
                   lesson.c.subgroup_id == subgroup_id if subgroup_id else lesson.c.subgroup_id.is_(None))
    return session.execute(select(lesson).where(in_plan).order_by(lesson.c.date, lesson.c.number, lesson.c.id)).all()


def _plan_row(session: Session, year_id: str, class_id: str, subject_id: str, subgroup_id: str):
    plan = store.lesson_plan
    return session.execute(select(plan).where(
        plan.c.academic_year_id == year_id, plan.c.class_id == class_id, plan.c.subject_id == subject_id,
        plan.c.subgroup_id == subgroup_id)).first()


def _stored_items(session: Session, plan_id: str | None) -> list[rules.PlanItem]:
    if plan_id is None:
        return []
    item = store.lesson_plan_item
    rows = session.execute(select(item).where(item.c.plan_id == plan_id).order_by(item.c.position)).all()
    return [rules.PlanItem(row.topic, row.hours, row.work_type or None, id=row.id) for row in rows]


def curriculum_hours(session: Session, year_id: str, class_id: str, subject_id: str) -> int:
    curriculum = store.curriculum
    return session.scalar(select(curriculum.c.hours).where(
        curriculum.c.academic_year_id == year_id, curriculum.c.class_id == class_id,
        curriculum.c.subject_id == subject_id)) or 0


def _plan_message(plan_row, school_class, subject_id: str, subgroup_id: str, year, items, lessons,
                  check: rules.LessonPlanCheck, today: dt.date) -> records_pb2.LessonPlan:
    by_lesson = {topic.lesson_id: topic for topic in check.match.topics}
    return records_pb2.LessonPlan(
        id=plan_row.id if plan_row else "", class_id=school_class.id, subject_id=subject_id,
        subgroup_id=subgroup_id, academic_year_id=year.id,
        items=[records_pb2.PlanItem(topic=item.topic, hours=item.hours,
                                    work_type=item.work_type.value if item.work_type else "") for item in items],
        status=plan_row.status if plan_row else "draft",
        planned_hours=check.planned_hours, curriculum_hours=check.curriculum_hours,
        lessons_held=check.lessons_held, lessons_scheduled=check.lessons_scheduled,
        reasons=[records_pb2.PlanReason(code=reason.code, message=reason.message) for reason in check.reasons],
        lessons=[
            records_pb2.PlannedLesson(
                lesson_id=row.id, date=row.date.isoformat(), number=row.number,
                item_index=by_lesson[row.id].item_index if row.id in by_lesson else -1,
                planned_topic=by_lesson[row.id].topic if row.id in by_lesson else "", topic=row.topic or "",
                work_type=(by_lesson[row.id].work_type.value if row.id in by_lesson and by_lesson[row.id].work_type
                           else ""),
                held=row.date <= today and not row.cancelled,
            )
            for row in lessons
        ],
        unplaced_hours=sum(item.hours_missing for item in check.match.unplaced),
    )


def _check(session: Session, year, school_class, subject_id: str, subgroup_id: str, items, today: dt.date):
    lessons = _plan_lessons(session, school_class, subject_id, subgroup_id, year)
    check = rules.check_lesson_plan(
        items, [rules.Lesson(row.id, row.date, row.number, bool(row.cancelled)) for row in lessons],
        curriculum_hours(session, year.id, school_class.id, subject_id), today,
    )
    return lessons, check


def get_plan(session: Session, identity, class_id: str, subject_id: str, subgroup_id: str,
             today: dt.date) -> records_pb2.LessonPlan:
    school_class, year = _context(session, identity, class_id, subject_id, subgroup_id, today, write=False)
    plan_row = _plan_row(session, year.id, class_id, subject_id, subgroup_id)
    items = _stored_items(session, plan_row.id if plan_row else None)
    lessons, check = _check(session, year, school_class, subject_id, subgroup_id, items, today)
    return _plan_message(plan_row, school_class, subject_id, subgroup_id, year, items, lessons, check, today)


def import_plan(session: Session, identity, class_id: str, subject_id: str, subgroup_id: str,
                items: list[rules.PlanItem], now: dt.datetime, today: dt.date):
    """Replace the plan's items and fill the empty topics of the lessons they fall on."""
    if not items:
        raise InvalidArgument("items", "КТП пустое: нет ни одной темы")
    school_class, year = _context(session, identity, class_id, subject_id, subgroup_id, today, write=True)
    plan = store.lesson_plan
    plan_row = _plan_row(session, year.id, class_id, subject_id, subgroup_id)
    if plan_row is None:
        plan_id = str(uuid.uuid4())
        session.execute(plan.insert().values(
            id=plan_id, school_id=school_class.school_id, academic_year_id=year.id, class_id=class_id,
            subject_id=subject_id, subgroup_id=subgroup_id, status="draft", updated_by=identity.person_id,
            update_time=now))
    else:
        plan_id = plan_row.id
        session.execute(store.lesson_plan_item.delete().where(store.lesson_plan_item.c.plan_id == plan_id))
        session.execute(plan.update().where(plan.c.id == plan_id).values(
            status="draft", updated_by=identity.person_id, update_time=now, completed_by=None, complete_time=None))
    session.execute(store.lesson_plan_item.insert(), [
        dict(id=str(uuid.uuid4()), plan_id=plan_id, position=index, topic=item.topic, hours=item.hours,
             work_type=item.work_type.value if item.work_type else "")
        for index, item in enumerate(items)
    ])
    lessons, check = _check(session, year, school_class, subject_id, subgroup_id, items, today)
    filled = 0
    writer = ChangeWriter(session, school_class.school_id, identity.person_id, now)
    current = {row.id: row for row in lessons}
    for topic in check.match.topics:
        row = current[topic.lesson_id]
        if row.topic:
            continue
        kind = topic.work_type.value if topic.work_type else ""
        session.execute(store.lesson.update().where(store.lesson.c.id == row.id)
                        .values(topic=topic.topic, work_kind=row.work_kind or kind))
        writer.append(rules.ChangeEntity.LESSON_TOPIC, row.id, rules.ChangeAction.CREATED, None,
                      {"topic": topic.topic, "work_kind": row.work_kind or kind, "from_plan": True},
                      lesson_id=row.id)
        outbox.record(session, store.outbox, snapshots.lesson_changed_event(session, row.id, now))
        filled += 1
    writer.finish()
    plan_row = _plan_row(session, year.id, class_id, subject_id, subgroup_id)
    lessons = _plan_lessons(session, school_class, subject_id, subgroup_id, year)
    return _plan_message(plan_row, school_class, subject_id, subgroup_id, year, items, lessons, check, today), filled


def complete_plan(session: Session, identity, class_id: str, subject_id: str, subgroup_id: str,
                  now: dt.datetime, today: dt.date) -> records_pb2.LessonPlan:
    """J3: refused (FAILED_PRECONDITION with the three numbers) while the hours differ."""
    school_class, year = _context(session, identity, class_id, subject_id, subgroup_id, today, write=True)
    plan_row = _plan_row(session, year.id, class_id, subject_id, subgroup_id)
    items = _stored_items(session, plan_row.id if plan_row else None)
    lessons, check = _check(session, year, school_class, subject_id, subgroup_id, items, today)
    if not check.can_mark_complete:
        raise FailedPrecondition(
            f"КТП нельзя отметить выполненным: в КТП {check.planned_hours} ч, по учебному плану "
            f"{check.curriculum_hours} ч, уроков по расписанию {check.lessons_scheduled} "
            f"(проведено {check.lessons_held})",
            reason=check.reasons[0].code, reasons=",".join(reason.code for reason in check.reasons),
            planned_hours=check.planned_hours, curriculum_hours=check.curriculum_hours,
            lessons_scheduled=check.lessons_scheduled,
        )
    session.execute(store.lesson_plan.update().where(store.lesson_plan.c.id == plan_row.id).values(
        status="complete", completed_by=identity.person_id, complete_time=now))
    plan_row = _plan_row(session, year.id, class_id, subject_id, subgroup_id)
    return _plan_message(plan_row, school_class, subject_id, subgroup_id, year, items, lessons, check, today)


def set_curriculum_hours(session: Session, identity, class_id: str, subject_id: str, hours: int,
                         today: dt.date) -> records_pb2.SetCurriculumHoursResponse:
    school_class = class_row(session, class_id)
    if school_class is None or not access.is_staff_of(identity, school_class.school_id):
        raise class_not_found()
    if not access.is_administration_of(identity, school_class.school_id):
        raise PermissionDenied("Учебный план задаёт администрация школы", reason="ROLE_REQUIRED")
    if not 0 <= hours <= 400:
        raise InvalidArgument("hours", "Часы по учебному плану — целое число от 0 до 400")
    subject_row(session, school_class.school_id, subject_id)
    year = academic_year_of(session, school_class.school_id, today)
    if year is None:
        raise FailedPrecondition("В школе не задан учебный год", reason="NO_ACADEMIC_YEAR")
    curriculum = store.curriculum
    existing = session.scalar(select(curriculum.c.id).where(
        curriculum.c.academic_year_id == year.id, curriculum.c.class_id == class_id,
        curriculum.c.subject_id == subject_id))
    if existing:
        session.execute(curriculum.update().where(curriculum.c.id == existing).values(hours=hours))
    else:
        session.execute(curriculum.insert().values(
            id=str(uuid.uuid4()), school_id=school_class.school_id, academic_year_id=year.id, class_id=class_id,
            subject_id=subject_id, hours=hours))
    return records_pb2.SetCurriculumHoursResponse(class_id=class_id, subject_id=subject_id,
                                                  academic_year_id=year.id, hours=hours)


def demo_curriculum(school: School, year: int, weeks: dict[str, tuple[tuple[str, ...], ...]]) -> list[dict]:
    """The demo school's curriculum: 34 weeks × the timetable's lessons a week, per class and subject."""
    rows = []
    year_id = demo_id("academic-year", school.id, year)
    for school_class in school.classes:
        week = weeks.get(school_class.name)
        if week is None:
            continue
        per_week: dict[str, int] = {}
        for day in week:
            for subject_name in day:
                per_week[subject_name] = per_week.get(subject_name, 0) + 1
        for subject_name, count in sorted(per_week.items()):
            rows.append(dict(id=demo_id("curriculum", school_class.id, year, subject_name), school_id=school.id,
                             academic_year_id=year_id, class_id=school_class.id,
                             subject_id=demo_id("subject", school.id, subject_name), hours=WEEKS_IN_YEAR * count))
    return rows
