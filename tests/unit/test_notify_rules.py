"""notify's pure rules: C1 (wording, channels, timing), C2 (who may write to whom, attachments),
C3 (who sees an event) and J6 (alerts)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from services.common.errors import InvalidArgument
from services.common.roles import Role
from services.notify import rules
from services.notify.rules import Participant, SchoolMessaging, c2_may_write

SCHOOL, OTHER_SCHOOL = "school-1", "school-2"
CLASS_5A, CLASS_9B = "class-5a", "class-9b"
MSK = rules.SCHOOL_TIMEZONE

DIRECTOR = Participant("director", SCHOOL, frozenset({Role.DIRECTOR}))
MATH_TEACHER_5A = Participant("math", SCHOOL, frozenset({Role.SUBJECT_TEACHER}), classes_taught=frozenset({CLASS_5A}))
TEACHER_9B = Participant("t9b", SCHOOL, frozenset({Role.SUBJECT_TEACHER}), classes_taught=frozenset({CLASS_9B}))
CLASS_TEACHER_5A = Participant("ct5a", SCHOOL, frozenset({Role.CLASS_TEACHER}), classes_led=frozenset({CLASS_5A}))
PARENT_5A = Participant("p5a", SCHOOL, frozenset({Role.PARENT}), children_classes=frozenset({CLASS_5A}))
PARENT_5A_OTHER = Participant("p5a2", SCHOOL, frozenset({Role.PARENT}), children_classes=frozenset({CLASS_5A}))
STUDENT_5A = Participant("s5a", SCHOOL, frozenset({Role.STUDENT}), own_class=CLASS_5A)
STUDENT_5A_OTHER = Participant("s5a2", SCHOOL, frozenset({Role.STUDENT}), own_class=CLASS_5A)
FOREIGN_TEACHER = Participant("foreign", OTHER_SCHOOL, frozenset({Role.SUBJECT_TEACHER}),
                              classes_taught=frozenset({"class-7v"}))


# ------------------------------------------------------------------ C2: the matrix

@pytest.mark.parametrize("recipient", [DIRECTOR, TEACHER_9B, PARENT_5A, STUDENT_5A, CLASS_TEACHER_5A])
def test_c2_staff_write_to_anyone_in_their_school(recipient):
    assert c2_may_write(MATH_TEACHER_5A, recipient)
    assert not c2_may_write(FOREIGN_TEACHER, recipient)


@pytest.mark.parametrize("recipient", [MATH_TEACHER_5A, CLASS_TEACHER_5A, DIRECTOR])
def test_c2_parent_writes_to_teachers_class_teacher_and_administration_of_their_childs_class(recipient):
    assert c2_may_write(PARENT_5A, recipient)


def test_c2_parent_cannot_message_other_parent_or_another_classes_teacher_or_a_student():
    assert not c2_may_write(PARENT_5A, PARENT_5A_OTHER)
    assert not c2_may_write(PARENT_5A, TEACHER_9B)
    assert not c2_may_write(PARENT_5A, STUDENT_5A_OTHER)
    assert c2_may_write(PARENT_5A, PARENT_5A_OTHER, SchoolMessaging(parents_may_message_parents=True))


def test_c2_student_writes_to_their_teachers_and_class_teacher_only():
    assert c2_may_write(STUDENT_5A, MATH_TEACHER_5A)
    assert c2_may_write(STUDENT_5A, CLASS_TEACHER_5A)
    for stranger in (TEACHER_9B, DIRECTOR, PARENT_5A, STUDENT_5A_OTHER, FOREIGN_TEACHER):
        assert not c2_may_write(STUDENT_5A, stranger)
    assert c2_may_write(STUDENT_5A, STUDENT_5A_OTHER, SchoolMessaging(students_may_message_anyone=True))
    assert not c2_may_write(STUDENT_5A, FOREIGN_TEACHER, SchoolMessaging(students_may_message_anyone=True))


def test_c2_nobody_writes_to_themselves():
    assert not c2_may_write(DIRECTOR, DIRECTOR)


# ------------------------------------------------------------------ C2: text and attachments

def test_c2_message_text_is_kept_as_typed_and_limited():
    assert rules.c2_message_text("  <script>alert(1)</script>  ") == "<script>alert(1)</script>"
    with pytest.raises(InvalidArgument) as empty:
        rules.c2_message_text("   ")
    assert empty.value.metadata["field"] == "text"
    with pytest.raises(InvalidArgument):
        rules.c2_message_text("я" * (rules.MAX_MESSAGE_LENGTH + 1))


def test_c2_attachment_limits_type_content_and_name():
    assert rules.c2_check_attachment("../../etc/справка.pdf", "application/pdf", b"%PDF-1.7 ...") == "справка.pdf"
    assert rules.c2_check_attachment("note.txt", "text/plain", "текст".encode()) == "note.txt"
    cases = [
        ("a.exe", "application/x-msdownload", b"MZ", "ATTACHMENT_TYPE"),
        ("a.html", "text/html", b"<b>", "ATTACHMENT_TYPE"),
        ("a.pdf", "application/pdf", b"MZ not a pdf", "ATTACHMENT_MISMATCH"),
        ("a.png", "image/png", b"%PDF-", "ATTACHMENT_MISMATCH"),
        ("a.txt", "text/plain", b"\xff\xfe\x00", "ATTACHMENT_MISMATCH"),
        ("a.pdf", "application/pdf", b"", "ATTACHMENT_EMPTY"),
        ("a.pdf", "application/pdf", b"%PDF-" + b"0" * rules.MAX_ATTACHMENT_BYTES, "ATTACHMENT_TOO_LARGE"),
        ("", "application/pdf", b"%PDF-", "NO_FILE_NAME"),
    ]
    for name, content_type, content, reason in cases:
        with pytest.raises(InvalidArgument) as raised:
            rules.c2_check_attachment(name, content_type, content)
        assert raised.value.reason == reason, (name, content_type)


# ------------------------------------------------------------------ C1: wording and timing

def test_c1_mark_text_names_child_subject_date_and_links_into_the_diary():
    text = rules.c1_mark_text("Анна Иванова", "s1", "Математика", "5", "test", dt.date(2026, 11, 25))
    assert text.title == "Новая отметка «5»: Математика"
    assert text.body == ("Анна Иванова получил(а) отметку «5» по предмету «Математика» (контрольная работа) "
                         "за урок 25 ноября.")
    assert text.link == "/students/s1/marks"
    changed = rules.c1_mark_text("Анна Иванова", "s1", "Математика", "4", "oral", dt.date(2026, 11, 25), previous="3")
    assert "изменена с «3» на «4»" in changed.body
    assert "отменена" in rules.c1_mark_text("А", "s1", "Физика", "pass", "", dt.date(2026, 1, 3), deleted=True).body


def test_c1_absence_final_mark_schedule_texts():
    assert "по болезни (б) на уроке «История» 2 декабря" in rules.c1_absence_text(
        "Пётр", "s", "История", "ill", dt.date(2026, 12, 2)).body
    assert "за четверть" in rules.c1_final_mark_text("Пётр", "s", "История", "quarter", "4", None).body
    moved = rules.c1_schedule_text("Пётр", "Физика", "moved", dt.date(2026, 12, 1), 2, dt.date(2026, 12, 3), 5)
    assert moved.body == "Пётр: 2-й урок «Физика» 1 декабря (вторник) перенесён на 5-й урок 3 декабря (четверг)."
    unnamed = rules.c1_schedule_text("Пётр", "", "cancelled", dt.date(2026, 12, 1), 2)
    assert unnamed.title == "Урок отменён: 2-й урок 1 декабря" and unnamed.body == (
        "Пётр: 2-й урок 1 декабря (вторник) отменён.")
    assert rules.c1_schedule_text(None, "Физика", "substituted", dt.date(2026, 12, 1), 2, for_teacher=True,
                                  class_name="5А").body == "Вы заменяете 2-й урок «Физика» 1 декабря (вторник) в 5А."


def test_c1_email_parts_have_plain_and_escaped_html():
    items = [rules.Text("Новая отметка «5»: Физика", "Пётр <b>молодец</b>", "/students/s/marks")]
    subject, plain, body_html = rules.c1_email_parts("Мария Петрова", items, "https://ezh.example/")
    assert subject == "Новая отметка «5»: Физика"
    assert "https://ezh.example/students/s/marks" in plain and "Здравствуйте, Мария Петрова!" in plain
    assert "&lt;b&gt;молодец&lt;/b&gt;" in body_html and "<b>молодец" not in body_html
    digest_subject, _, _ = rules.c1_email_parts("", items * 3, "https://ezh.example")
    assert digest_subject == "Электронный журнал: 3 новых уведомления"
    assert [rules.plural(n, "урок", "урока", "уроков") for n in (1, 2, 5, 11, 12, 21, 22, 25, 111)] == [
        "урок", "урока", "уроков", "уроков", "уроков", "урок", "урока", "уроков", "уроков"]


def test_c1_defaults_marks_in_app_at_once_email_as_daily_digest():
    assert rules.c1_mode("mark", "in_app", {}) == rules.IMMEDIATE
    assert rules.c1_mode("absence", "email", {}) == rules.DIGEST
    assert rules.c1_mode("mark", "email", {("mark", "email"): "off"}) == rules.OFF
    with pytest.raises(InvalidArgument):
        rules.c1_check_preference("mark", "in_app", "digest")
    with pytest.raises(InvalidArgument):
        rules.c1_check_preference("weather", "email", "immediate")


def test_c1_send_time_digest_at_18_and_quiet_hours():
    morning = dt.datetime(2026, 11, 27, 9, 0, tzinfo=MSK)
    assert rules.c1_send_time("immediate", morning) == morning.astimezone(dt.UTC)
    assert rules.c1_send_time("digest", morning) == dt.datetime(2026, 11, 27, 18, 0, tzinfo=MSK)
    evening = dt.datetime(2026, 11, 27, 19, 0, tzinfo=MSK)
    assert rules.c1_send_time("digest", evening) == dt.datetime(2026, 11, 28, 18, 0, tzinfo=MSK)
    late = dt.datetime(2026, 11, 27, 23, 30, tzinfo=MSK)
    assert rules.c1_send_time("immediate", late, dt.time(22, 0), dt.time(7, 0)) == dt.datetime(
        2026, 11, 28, 7, 0, tzinfo=MSK)
    assert rules.c1_send_time("digest", morning, dt.time(17, 0), dt.time(20, 30)) == dt.datetime(
        2026, 11, 27, 20, 30, tzinfo=MSK)
    assert rules.c1_send_time("off", morning) is None


def test_c1_old_lessons_send_no_email_and_retries_back_off():
    event_time = dt.datetime(2026, 11, 27, 10, 0, tzinfo=MSK)
    assert rules.c1_email_is_fresh(dt.date(2026, 11, 25), event_time)
    assert not rules.c1_email_is_fresh(dt.date(2026, 10, 1), event_time)
    delays = [rules.c1_retry_delay(attempt).total_seconds() for attempt in (1, 2, 3, 20)]
    assert delays == [30, 60, 120, 3600]


# ------------------------------------------------------------------ C3

def test_c3_parents_and_students_see_the_school_and_their_own_class():
    assert rules.c3_may_see("all", "", PARENT_5A)
    assert rules.c3_may_see("parents", CLASS_5A, PARENT_5A)
    assert not rules.c3_may_see("all", CLASS_9B, PARENT_5A)
    assert not rules.c3_may_see("parents", CLASS_5A, STUDENT_5A)
    assert rules.c3_may_see("students", CLASS_5A, STUDENT_5A)
    assert rules.c3_may_see("parents", CLASS_9B, TEACHER_9B)


# ------------------------------------------------------------------ J6

def _marks(*values: str) -> list[rules.MarkFact]:
    return [rules.MarkFact(value, "oral", "1", dt.date(2026, 11, 20)) for value in values]


def test_j6_failing_when_the_current_average_rounds_to_two():
    failing = rules.j6_current_average(_marks("3", "2", "2"))
    assert failing.failing and failing.average == Decimal("2.33")
    assert not rules.j6_current_average(_marks("3", "2")).failing
    assert not rules.j6_current_average(_marks("pass")).failing
    weighted = [rules.MarkFact("2", "test", "2", dt.date(2026, 11, 20)), *_marks("4")]
    assert rules.j6_current_average(weighted).average == Decimal("2.67")
    assert rules.j6_current_average([rules.MarkFact("2", "unknown-kind", "", dt.date(2026, 11, 20))]).failing


def test_j6_period_mark_two_and_unexcused_absence_threshold():
    assert rules.j6_failing_period_mark("2") and rules.j6_failing_period_mark("fail")
    assert not rules.j6_failing_period_mark("3") and not rules.j6_failing_period_mark("not_attested")
    assert not rules.j6_unexcused_alert(2) and rules.j6_unexcused_alert(3)
    assert rules.j6_unexcused_alert(1, threshold=1)
    assert rules.week_of(dt.date(2026, 11, 27)) == (dt.date(2026, 11, 23), dt.date(2026, 11, 29))


def test_j6_marks_falling_sharply():
    def dated(*values: str) -> list[rules.MarkFact]:
        return [rules.MarkFact(value, "oral", "1", dt.date(2026, 11, 1) + dt.timedelta(days=index))
                for index, value in enumerate(values)]

    assert rules.j6_marks_falling(dated("5", "5", "3", "3", "3"))
    assert rules.j6_marks_falling(list(reversed(dated("5", "4", "3", "2", "3"))))  # date order, not list order
    assert not rules.j6_marks_falling(dated("4", "4", "3", "4", "3"))  # a third of a point
    assert not rules.j6_marks_falling(dated("5", "5", "4", "4", "4"))  # still good marks
    assert not rules.j6_marks_falling(dated("5", "3", "3", "3"))  # too few earlier marks
    assert not rules.j6_marks_falling(dated("5", "5", "pass", "3", "3"))


def test_j7_statements_of_the_last_full_week_from_monday_8_am():
    assert rules.j7_statement_week(dt.datetime(2026, 11, 30, 8, 0, tzinfo=MSK)) == dt.date(2026, 11, 23)
    assert rules.j7_statement_week(dt.datetime(2026, 12, 4, 15, 0, tzinfo=MSK)) == dt.date(2026, 11, 23)
    assert rules.j7_statement_week(dt.datetime(2026, 11, 30, 7, 59, tzinfo=MSK)) == dt.date(2026, 11, 16)
    assert rules.j7_statement_week(dt.datetime(2026, 11, 29, 23, 0, tzinfo=MSK)) == dt.date(2026, 11, 16)


def test_c3_an_event_is_announced_only_to_its_audience():
    assert rules.c3_announced_to("all", is_student=True) and rules.c3_announced_to("all", is_student=False)
    assert rules.c3_announced_to("parents", is_student=False) and not rules.c3_announced_to("parents", is_student=True)
    assert rules.c3_announced_to("students", is_student=True) and not rules.c3_announced_to("students",
                                                                                             is_student=False)
