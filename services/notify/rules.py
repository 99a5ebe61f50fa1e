"""notify's rules: pure functions, no I/O.

C1: who is told, in which words, by which channel and when.
C2: who may write to whom, and what may be attached.
J6: when a student's marks or absences raise an alert.
"""
from __future__ import annotations

import datetime as dt
import html
import re
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from services.common.errors import InvalidArgument
from services.common.roles import STAFF_ROLES, Role
from services.journal.rules.alerts import is_failing, unexcused_absences_alert
from services.journal.rules.averages import weighted_average
from services.journal.rules.marks import Mark
from services.journal.rules.verdicts import RuleError
from services.journal.rules.wording import russian_decimal

SCHOOL_TIMEZONE = zoneinfo.ZoneInfo("Europe/Moscow")

# ----------------------------------------------------------------- C1: kinds, channels, preferences

KINDS = ("mark", "absence", "homework", "final_mark", "schedule", "alert", "message", "school_event", "statement")
KIND_TITLES = {
    "mark": "Отметки", "absence": "Пропуски", "homework": "Домашние задания", "final_mark": "Итоговые отметки",
    "schedule": "Изменения расписания", "alert": "Оповещения классного руководителя", "message": "Сообщения",
    "school_event": "События школы и класса", "statement": "Еженедельные бумажные ведомости",
}
CHANNELS = ("in_app", "email")
MODES = ("immediate", "digest", "off")
IMMEDIATE, DIGEST, OFF = MODES

# C1 defaults: everything in the web client at once; e-mail once a day as a
# digest, except alerts and timetable changes, which cannot wait a day.
DEFAULT_MODES: dict[tuple[str, str], str] = {
    **{(kind, "in_app"): IMMEDIATE for kind in KINDS},
    **{(kind, "email"): DIGEST for kind in KINDS},
    ("alert", "email"): IMMEDIATE,
    ("schedule", "email"): IMMEDIATE,
}

DIGEST_HOUR = 18  # the daily digest leaves at 18:00 school time
# An event about a lesson older than this sends no e-mail (it still reaches the
# inbox): loading a journal's history (the demo seed, a late backfill) must not
# flood parents' mailboxes with news of last month.
EMAIL_FRESHNESS = dt.timedelta(days=3)


def c1_mode(kind: str, channel: str, chosen: dict[tuple[str, str], str]) -> str:
    """The mode a person gets `kind` by `channel`: their choice, else the default."""
    return chosen.get((kind, channel), DEFAULT_MODES[(kind, channel)])


def c1_check_preference(kind: str, channel: str, mode: str) -> None:
    if kind not in KINDS:
        raise InvalidArgument("kind", f"Неизвестный вид уведомлений «{kind}»", reason="UNKNOWN_KIND")
    if channel not in CHANNELS:
        raise InvalidArgument("channel", f"Неизвестный канал «{channel}»", reason="UNKNOWN_CHANNEL")
    if mode not in MODES:
        raise InvalidArgument("mode", "Режим — immediate, digest или off", reason="UNKNOWN_MODE")
    if channel == "in_app" and mode == DIGEST:
        raise InvalidArgument("mode", "В приложении уведомления не собираются в сводку", reason="NO_IN_APP_DIGEST")


_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def c1_clock_time(field_name: str, text: str) -> dt.time:
    match = _CLOCK.match(text or "")
    if not match:
        raise InvalidArgument(field_name, "Время указывается как ЧЧ:ММ, например 22:00", reason="BAD_TIME")
    return dt.time(int(match.group(1)), int(match.group(2)))


def c1_in_quiet_hours(moment: dt.time, start: dt.time | None, end: dt.time | None) -> bool:
    if start is None or end is None or start == end:
        return False
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end  # over midnight: 22:00–07:00


def c1_send_time(
    mode: str, now: dt.datetime, quiet_start: dt.time | None = None, quiet_end: dt.time | None = None
) -> dt.datetime | None:
    """When an e-mail of `mode` created at `now` (aware) leaves: None when off.

    Immediate: now, or the end of the quiet hours. Digest: the next 18:00
    school time, moved out of the quiet hours likewise.
    """
    if mode == OFF:
        return None
    local = now.astimezone(SCHOOL_TIMEZONE)
    if mode == DIGEST:
        due = local.replace(hour=DIGEST_HOUR, minute=0, second=0, microsecond=0)
        if due <= local:
            due += dt.timedelta(days=1)
        local = due
    if c1_in_quiet_hours(local.time(), quiet_start, quiet_end):
        end = local.replace(hour=quiet_end.hour, minute=quiet_end.minute, second=0, microsecond=0)
        if end <= local:
            end += dt.timedelta(days=1)
        local = end
    return local.astimezone(dt.UTC)


def c1_email_is_fresh(lesson_date: dt.date | None, event_time: dt.datetime) -> bool:
    """Only news of recent lessons goes by e-mail (EMAIL_FRESHNESS)."""
    if lesson_date is None:
        return True
    return event_time.astimezone(SCHOOL_TIMEZONE).date() - lesson_date <= EMAIL_FRESHNESS


def c1_retry_delay(attempt: int, base: float = 30.0, cap: float = 3600.0) -> dt.timedelta:
    """Backoff before the next e-mail attempt after `attempt` failures: 30 s, 1, 2, 4 min … up to an hour."""
    return dt.timedelta(seconds=min(base * 2 ** max(attempt - 1, 0), cap))


MAX_EMAIL_ATTEMPTS = 6


# ----------------------------------------------------------------- C1: wording

MONTHS_GENITIVE = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
                   "октября", "ноября", "декабря")
WEEKDAYS = ("понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье")

MARK_WORDS = {"pass": "«зачёт»", "fail": "«незачёт»", "not_attested": "«н/а»", "exempt": "«освобождён»"}
ABSENCE_WORDS = {"unexcused": "пропуск без уважительной причины (н)", "excused": "пропуск по уважительной причине (у)",
                 "ill": "пропуск по болезни (б)", "late": "опоздание (оп)"}
FINAL_KIND_WORDS = {"quarter": "за четверть", "trimester": "за триместр", "half_year": "за полугодие",
                    "year": "за год", "exam": "за экзамен", "final": "итоговая"}
WORK_TYPE_WORDS = {"oral": "устный ответ", "written": "письменная работа", "test": "контрольная работа",
                   "laboratory": "лабораторная работа", "practical": "практическая работа",
                   "homework": "домашняя работа", "dictation": "диктант", "essay": "сочинение"}


def plural(count: int, one: str, few: str, many: str) -> str:
    """The Russian noun form for `count`: 1 уведомление, 3 уведомления, 5 уведомлений."""
    if count % 10 == 1 and count % 100 != 11:
        return one
    if 2 <= count % 10 <= 4 and not 12 <= count % 100 <= 14:
        return few
    return many


def russian_day(day: dt.date) -> str:
    """25 ноября"""
    return f"{day.day} {MONTHS_GENITIVE[day.month - 1]}"


def mark_word(value: str) -> str:
    return MARK_WORDS.get(value, f"«{value}»")


@dataclass(frozen=True)
class Text:
    """A notification as people read it."""

    title: str
    body: str
    link: str


def _student_link(student_id: str) -> str:
    return f"/students/{student_id}/marks"


def c1_mark_text(student_name: str, student_id: str, subject: str, value: str, work_type: str,
                 lesson_date: dt.date, previous: str | None = None, deleted: bool = False) -> Text:
    work = WORK_TYPE_WORDS.get(work_type, "")
    work = f" ({work})" if work else ""
    day = russian_day(lesson_date)
    if deleted:
        return Text(f"Отметка отменена: {subject}",
                    f"{student_name}: отметка {mark_word(value)} по предмету «{subject}» за урок {day} отменена.",
                    _student_link(student_id))
    if previous is not None:
        return Text(f"Отметка изменена: {subject}",
                    f"{student_name}: отметка по предмету «{subject}» за урок {day} изменена "
                    f"с {mark_word(previous)} на {mark_word(value)}{work}.", _student_link(student_id))
    return Text(f"Новая отметка {mark_word(value)}: {subject}",
                f"{student_name} получил(а) отметку {mark_word(value)} по предмету «{subject}»{work} "
                f"за урок {day}.", _student_link(student_id))


def c1_absence_text(student_name: str, student_id: str, subject: str, kind: str, lesson_date: dt.date) -> Text:
    day = russian_day(lesson_date)
    if not kind:
        return Text(f"Пропуск отменён: {subject}",
                    f"{student_name}: отметка о пропуске урока «{subject}» {day} снята — ученик был на уроке.",
                    _student_link(student_id))
    return Text(f"Пропуск урока: {subject}",
                f"{student_name}: {ABSENCE_WORDS.get(kind, 'пропуск')} на уроке «{subject}» {day}.",
                _student_link(student_id))


def c1_homework_text(student_name: str, student_id: str, subject: str, homework: str, lesson_date: dt.date,
                     due_date: dt.date | None) -> Text:
    due = f" (к {russian_day(due_date)})" if due_date else ""
    return Text(f"Домашнее задание: {subject}",
                f"{student_name}: задано по предмету «{subject}» на уроке {russian_day(lesson_date)}{due}: "
                f"{homework}", f"/students/{student_id}/homework")


def c1_final_mark_text(student_name: str, student_id: str, subject: str, kind: str, value: str,
                       previous: str | None) -> Text:
    what = FINAL_KIND_WORDS.get(kind, "итоговая")
    changed = f" (была {mark_word(previous)})" if previous else ""
    return Text(f"Итоговая отметка: {subject}",
                f"{student_name}: выставлена отметка {what} по предмету «{subject}» — {mark_word(value)}{changed}.",
                _student_link(student_id))


def c1_schedule_text(student_name: str | None, subject: str, status: str, day: dt.date, slot: int,
                     new_day: dt.date | None = None, new_slot: int | None = None, for_teacher: bool = False,
                     class_name: str = "") -> Text:
    named = f" «{subject}»" if subject else ""  # a subject notify has not seen yet goes unnamed
    lesson = f"{slot}-й урок{named} {russian_day(day)} ({WEEKDAYS[day.weekday()]})"
    who = f"{student_name}: " if student_name else ""
    link = "/schedule"
    subject = subject or f"{slot}-й урок {russian_day(day)}"
    if for_teacher:
        cls = f" в {class_name}" if class_name else ""
        return Text(f"Вам назначена замена: {russian_day(day)}",
                    f"Вы заменяете {lesson}{cls}.", link)
    if status == "cancelled":
        return Text(f"Урок отменён: {subject}", f"{who}{lesson} отменён.", link)
    if status == "moved" and new_day is not None:
        return Text(f"Урок перенесён: {subject}",
                    f"{who}{lesson} перенесён на {new_slot}-й урок {russian_day(new_day)} "
                    f"({WEEKDAYS[new_day.weekday()]}).", link)
    return Text(f"Замена урока: {subject}", f"{who}{lesson} проведёт другой учитель.", link)


def c1_alert_text(student_name: str, student_id: str, kind: str, subject: str, details: str) -> Text:
    title = {"failing_average": "Неуспеваемость", "failing_period_mark": "Неудовлетворительная итоговая отметка",
             "unexcused_absences": "Пропуски без уважительной причины",
             "marks_falling": "Резкое снижение отметок"}[kind]
    return Text(f"{title}: {student_name}", f"{student_name}: {details}", _student_link(student_id))


def c1_email_parts(recipient_name: str, items: list[Text], base_url: str) -> tuple[str, str, str]:
    """Subject, plain text and HTML of an e-mail with one or more notifications (a digest)."""
    greeting = f"Здравствуйте, {recipient_name}!" if recipient_name else "Здравствуйте!"
    if len(items) == 1:
        subject = items[0].title
        intro = "Новость из электронного журнала:"
    else:
        count = len(items)
        subject = f"Электронный журнал: {count} {plural(count, 'новое уведомление', 'новых уведомления', 'новых уведомлений')}"
        intro = "Новости из электронного журнала за день:"
    base = base_url.rstrip("/")
    plain = [greeting, "", intro, ""]
    rows = []
    for item in items:
        plain += [f"• {item.title}", f"  {item.body}", f"  {base}{item.link}", ""]
        rows.append(
            f"<li><p><strong>{html.escape(item.title)}</strong><br>{html.escape(item.body)}<br>"
            f"<a href=\"{html.escape(base + item.link)}\">Открыть в журнале</a></p></li>"
        )
    footer = "Настроить уведомления можно в журнале: раздел «Уведомления»."
    plain += ["—", footer]
    body_html = (
        f"<!doctype html><html lang=\"ru\"><body><p>{html.escape(greeting)}</p><p>{html.escape(intro)}</p>"
        f"<ul>{''.join(rows)}</ul><hr><p>{html.escape(footer)}</p></body></html>"
    )
    return subject, "\n".join(plain), body_html


# ----------------------------------------------------------------- C2: who may write to whom

ADMINISTRATION = frozenset({Role.ADMINISTRATOR, Role.DIRECTOR, Role.DEPUTY_DIRECTOR})


@dataclass(frozen=True)
class Participant:
    """A person of a school as messaging sees them."""

    person_id: str
    school_id: str
    roles: frozenset[Role] = frozenset()
    classes_taught: frozenset[str] = frozenset()  # classes whose lessons they give
    classes_led: frozenset[str] = frozenset()  # classes of which they are the class teacher
    children_classes: frozenset[str] = frozenset()  # for a parent: their children's classes
    own_class: str = ""  # for a student

    @property
    def is_staff(self) -> bool:
        return bool(self.roles & STAFF_ROLES) or bool(self.classes_taught or self.classes_led)

    @property
    def is_administration(self) -> bool:
        return bool(self.roles & ADMINISTRATION)


@dataclass(frozen=True)
class SchoolMessaging:
    """What a school allows beyond the C2 matrix."""

    parents_may_message_parents: bool = False
    students_may_message_anyone: bool = False


def _teaches_or_leads(person: Participant, classes: Iterable[str]) -> bool:
    wanted = set(classes)
    return bool(wanted & (person.classes_taught | person.classes_led))


def c2_may_write(sender: Participant, recipient: Participant, school: SchoolMessaging = SchoolMessaging()) -> bool:
    """C2: staff write to anyone of their school; a parent to the teachers, class teacher and
    administration of their children's classes; a student to their teachers and class
    teacher. Parent-to-parent and student-to-stranger only if the school allows it.
    Never across schools, never to oneself."""
    if sender.person_id == recipient.person_id or sender.school_id != recipient.school_id:
        return False
    if sender.is_staff:
        return True
    if Role.PARENT in sender.roles or sender.children_classes:
        if recipient.is_administration:
            return True
        if _teaches_or_leads(recipient, sender.children_classes):
            return True
        if school.parents_may_message_parents and (Role.PARENT in recipient.roles or recipient.children_classes):
            return True
    if Role.STUDENT in sender.roles or sender.own_class:
        if sender.own_class and _teaches_or_leads(recipient, [sender.own_class]):
            return True
        if school.students_may_message_anyone:
            return True
    return False


MAX_GROUP_MEMBERS = 10  # the sender and up to nine others
MAX_MESSAGE_LENGTH = 5000
MAX_ATTACHMENTS = 5
# One message with its attachments must fit a gRPC message (4 MB by default).
MAX_ATTACHMENT_BYTES = 3 * 1024 * 1024
MAX_ATTACHMENTS_TOTAL_BYTES = 3 * 1024 * 1024
ALLOWED_ATTACHMENT_TYPES = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "text/plain": (),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (b"PK\x03\x04",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (b"PK\x03\x04",),
}
_SAFE_NAME = re.compile(r"[^\w.\- ()]+", re.UNICODE)


def c2_message_text(text: str, *, allow_empty: bool = False) -> str:
    """Plain text as typed, trimmed; stored as is and never rendered as HTML."""
    text = (text or "").strip()
    if not text and not allow_empty:
        raise InvalidArgument("text", "Сообщение не может быть пустым", reason="EMPTY_MESSAGE")
    if len(text) > MAX_MESSAGE_LENGTH:
        raise InvalidArgument("text", f"Сообщение длиннее {MAX_MESSAGE_LENGTH} символов", reason="MESSAGE_TOO_LONG")
    return text


def c2_attachment_name(file_name: str) -> str:
    name = _SAFE_NAME.sub("_", (file_name or "").replace("\\", "/").rsplit("/", 1)[-1]).strip(" .")
    if not name:
        raise InvalidArgument("attachments.file_name", "У вложения нет имени файла", reason="NO_FILE_NAME")
    return name[:120]


def c2_check_attachment(file_name: str, content_type: str, content: bytes) -> str:
    """C2: an attachment within the size limit, of an allowed type whose content matches; its safe name."""
    name = c2_attachment_name(file_name)
    if content_type not in ALLOWED_ATTACHMENT_TYPES:
        raise InvalidArgument("attachments.content_type",
                              f"Файлы типа «{content_type or 'неизвестно'}» прикладывать нельзя: "
                              "допустимы PDF, PNG, JPEG, текст, DOCX и XLSX", reason="ATTACHMENT_TYPE")
    if not content:
        raise InvalidArgument("attachments.content", f"Файл «{name}» пуст", reason="ATTACHMENT_EMPTY")
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise InvalidArgument("attachments.content", f"Файл «{name}» больше 3 МБ", reason="ATTACHMENT_TOO_LARGE")
    signatures = ALLOWED_ATTACHMENT_TYPES[content_type]
    if signatures and not any(content.startswith(signature) for signature in signatures):
        raise InvalidArgument("attachments.content", f"Содержимое файла «{name}» не соответствует его типу",
                              reason="ATTACHMENT_MISMATCH")
    if content_type == "text/plain":
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidArgument("attachments.content", f"Файл «{name}» не является текстом в UTF-8",
                                  reason="ATTACHMENT_MISMATCH") from None
    return name


# ----------------------------------------------------------------- C3: school events

AUDIENCES = ("all", "parents", "students")
RSVP_ANSWERS = ("yes", "no", "maybe")


def c3_announced_to(audience: str, *, is_student: bool) -> bool:
    """C3: an event for parents is not pushed to students, one for students not to parents."""
    return not ((audience == "parents" and is_student) or (audience == "students" and not is_student))


def c3_may_see(audience: str, event_class: str, viewer: Participant) -> bool:
    """C3/A5: staff see their school's events; parents and students the school's and their own class's."""
    if viewer.is_staff:
        return True
    is_parent = Role.PARENT in viewer.roles or bool(viewer.children_classes)
    if audience == "parents" and not is_parent:
        return False
    if audience == "students" and not (Role.STUDENT in viewer.roles or viewer.own_class):
        return False
    if not event_class:
        return True
    return event_class == viewer.own_class or event_class in viewer.children_classes


# ----------------------------------------------------------------- J6: alerts

DEFAULT_UNEXCUSED_THRESHOLD = 3  # notify's default N for "N unexcused absences in a week"


@dataclass(frozen=True)
class MarkFact:
    value: str
    work_type: str
    weight: str
    lesson_date: dt.date
    mark_id: str = ""  # orders marks of one day, so the verdict does not depend on the order read


@dataclass(frozen=True)
class AverageVerdict:
    failing: bool
    average: Decimal | None = None
    details: str = ""
    marks: tuple = field(default=())


def j6_current_average(marks: Iterable[MarkFact]) -> AverageVerdict:
    """J6: неуспевающий by the current weighted average of a subject's period marks."""
    converted = []
    for fact in marks:
        if fact.value not in ("1", "2", "3", "4", "5"):
            continue
        weight = Decimal(fact.weight) if fact.weight else None
        try:
            converted.append(Mark(value=int(fact.value), work_type=fact.work_type or "oral", date=fact.lesson_date,
                                  weight=weight))
        except RuleError:  # a work type this code does not know still counts, with its weight
            converted.append(Mark(value=int(fact.value), work_type="oral", date=fact.lesson_date, weight=weight))
    if not converted:
        return AverageVerdict(False)
    average = weighted_average(converted)
    failing = is_failing(average)
    return AverageVerdict(failing, average,
                          f"текущий средний балл {russian_decimal(average)}" if average is not None else "")


FALL_RECENT_MARKS = 3  # the recent marks compared with the earlier ones
FALL_MIN_EARLIER_MARKS = 2
FALL_THRESHOLD = Decimal("1.0")  # a fall of a whole point …
FALL_CEILING = Decimal("3.0")  # … to a recent average of «3» or lower


def j6_marks_falling(marks: Iterable[MarkFact]) -> bool:
    """J6: the marks fall sharply — the last three 1…5 marks average at least a point below the
    earlier ones of the period and no higher than 3 (a plain, explainable test, not a forecast)."""
    numeric = sorted((fact for fact in marks if fact.value in ("1", "2", "3", "4", "5")),
                     key=lambda fact: (fact.lesson_date, fact.mark_id))
    if len(numeric) < FALL_RECENT_MARKS + FALL_MIN_EARLIER_MARKS:
        return False
    recent, earlier = numeric[-FALL_RECENT_MARKS:], numeric[:-FALL_RECENT_MARKS]
    recent_average = Decimal(sum(int(fact.value) for fact in recent)) / len(recent)
    earlier_average = Decimal(sum(int(fact.value) for fact in earlier)) / len(earlier)
    return recent_average <= FALL_CEILING and earlier_average - recent_average >= FALL_THRESHOLD


def j6_failing_period_mark(value: str) -> bool:
    """J6: a «2» (or «1», незачёт) as a period mark."""
    return value in ("1", "2", "fail")


def j6_unexcused_alert(count_in_week: int, threshold: int = DEFAULT_UNEXCUSED_THRESHOLD) -> bool:
    return unexcused_absences_alert(count_in_week, threshold)


STATEMENT_HOUR = 8  # the class teacher is reminded of last week's paper statements on Monday from 08:00


def j7_statement_week(now: dt.datetime) -> dt.date:
    """J7: the Monday of the week whose paper statements are due now: the last full week once this
    week's Monday 08:00 (school time) has come, else the week before it."""
    local = now.astimezone(SCHOOL_TIMEZONE)
    monday = local.date() - dt.timedelta(days=local.weekday())
    if local.weekday() == 0 and local.hour < STATEMENT_HOUR:
        monday -= dt.timedelta(days=7)
    return monday - dt.timedelta(days=7)


def week_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """The Monday and the Sunday of the week holding `day`."""
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=6)
