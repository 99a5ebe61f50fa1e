"""Pure rules and helpers of the journal's records: homework (J2), КТП files (J3), arrivals and departures (J1),
subgroup division (J4), the class teacher's notes in the weekly reconciliation (J5), attachment storage."""
from __future__ import annotations

import datetime as dt
import io
import uuid

import pytest
from openpyxl import Workbook

from services.common.errors import InvalidArgument
from services.journal import rules
from services.journal.attachments import AttachmentSettings, LocalDiskStorage
from services.journal.lesson_plan import items_from_file, plan_items
from services.journal.rules.absence_notes import (
    AbsenceNote, LessonSlot, absence_note, class_teacher_view, resolvable,
)
from services.journal.rules.homework import accept_attachment, homework_due_date
from services.journal.rules.roster import enrolment_end, roster_date_allowed, roster_kind
from services.journal.rules.subgroup_split import SubgroupPlan, check_subgroup_split
from services.journal.rules.verdicts import RuleError

LESSON_DAY = dt.date(2026, 11, 27)
PDF = b"%PDF-1.7\n%%EOF\n"
LIMITS = dict(max_bytes=1024, allowed_extensions=("pdf", "png", "docx", "txt"))


# ------------------------------------------------------------------ J2 homework

def test_j2_homework_due_date_after_the_lesson_and_within_a_term():
    assert homework_due_date(LESSON_DAY, None) is None
    assert homework_due_date(LESSON_DAY, dt.date(2026, 12, 1)) == dt.date(2026, 12, 1)
    for day in (LESSON_DAY, dt.date(2026, 11, 20), dt.date(2027, 3, 1)):
        with pytest.raises(RuleError) as raised:
            homework_due_date(LESSON_DAY, day)
        assert raised.value.field == "due_date"


def test_j2_attachment_accepted_by_extension_and_content():
    accepted = accept_attachment("C:\\Users\\teacher\\задание.PDF", PDF, **LIMITS)
    assert (accepted.file_name, accepted.extension, accepted.content_type, accepted.size) == (
        "задание.PDF", "pdf", "application/pdf", len(PDF))
    assert accept_attachment("../../etc/notes.txt", "Текст".encode("cp1251"), **LIMITS).file_name == "notes.txt"
    assert accept_attachment("work.docx", b"PK\x03\x04rest", **LIMITS).content_type.endswith("document")


@pytest.mark.parametrize(("name", "content", "words"), [
    ("virus.exe", b"MZ", "нельзя"),
    ("picture.gif", b"GIF89a", "нельзя"),  # not in this school's list
    ("fake.pdf", b"MZ\x90\x00", "не похоже"),
    ("fake.png", PDF, "не похоже"),
    ("binary.txt", b"\x00\x01\x02", "не похоже"),
    ("big.pdf", b"%PDF-" + b"0" * 2000, "больше"),
    ("empty.pdf", b"", "пустой"),
    ("", PDF, "нет имени"),
])
def test_j2_attachment_refused_naming_the_file_field(name, content, words):
    with pytest.raises(RuleError) as raised:
        accept_attachment(name, content, **LIMITS)
    assert raised.value.field == "file" and words in raised.value.message


def test_j2_attachment_settings_refuse_unknown_types_and_sizes_over_grpc_limit():
    assert "pdf" in AttachmentSettings().allowed_extensions
    with pytest.raises(ValueError):
        AttachmentSettings(extensions="pdf,exe")
    with pytest.raises(ValueError):
        AttachmentSettings(max_bytes=8 * 1024 * 1024)


def test_j2_local_disk_storage_round_trip_and_refuses_paths(tmp_path):
    storage = LocalDiskStorage(tmp_path)
    key = f"{uuid.uuid4()}/{uuid.uuid4()}"
    storage.put(key, PDF)
    assert storage.get(key) == PDF
    storage.delete(key)
    storage.delete(key)  # already gone: nothing to do
    with pytest.raises(FileNotFoundError):
        storage.get(key)
    with pytest.raises(ValueError):
        storage.put("../outside", PDF)


# ------------------------------------------------------------------ J3 КТП files

def test_j3_plan_from_csv_with_header_semicolons_and_russian_work_types():
    text = "Тема;Часы;Вид работы\nДроби;4;Практическая работа\nКонтрольная;1;контрольная\nПовторение;2;\n"
    items = items_from_file("ktp.csv", text.encode("cp1251"))
    assert [(item.topic, item.hours, item.work_type) for item in items] == [
        ("Дроби", 4, rules.WorkType.PRACTICAL), ("Контрольная", 1, rules.WorkType.TEST), ("Повторение", 2, None)]


def test_j3_plan_from_xlsx():
    book = Workbook()
    sheet = book.active
    sheet.append(["Тема", "Часы", "Вид"])
    sheet.append(["Клетка", 2, "лабораторная"])
    sheet.append(["Ткани", 3.0, None])
    buffer = io.BytesIO()
    book.save(buffer)
    items = items_from_file("plan.xlsx", buffer.getvalue())
    assert [(item.topic, item.hours, item.work_type) for item in items] == [
        ("Клетка", 2, rules.WorkType.LABORATORY), ("Ткани", 3, None)]


@pytest.mark.parametrize(("name", "content", "words"), [
    ("plan.csv", "Дроби;четыре\n".encode(), "строка 1"),
    ("plan.csv", "Тема;Часы\nДроби;2\n;3\n".encode(), "строка 2"),
    ("plan.csv", "Тема;Часы\nДроби;2;гадание\n".encode(), "строка 1"),
    ("plan.csv", b"", "нет ни одной"),
    ("plan.xlsx", b"not a workbook", "xlsx"),
    ("plan.pdf", PDF, "CSV или xlsx"),
])
def test_j3_bad_plan_file_is_refused_naming_the_row(name, content, words):
    with pytest.raises(InvalidArgument) as raised:
        items_from_file(name, content)
    assert raised.value.metadata["field"] == "file" and words in raised.value.message


def test_j3_plan_items_name_the_bad_item():
    with pytest.raises(InvalidArgument) as raised:
        plan_items([("Дроби", 2, ""), ("Степени", 0, "")])
    assert raised.value.metadata["field"] == "items[1].hours"
    with pytest.raises(InvalidArgument) as raised:
        plan_items([("Дроби", 2, "танцы")])
    assert raised.value.metadata["field"] == "items[0].work_type"


# ------------------------------------------------------------------ J1 arrivals and departures

def test_j1_roster_dates_within_the_year_and_departure_after_enrolment():
    start, end = dt.date(2026, 9, 1), dt.date(2027, 5, 25)
    assert roster_date_allowed("arrival", dt.date(2026, 11, 30), start, end)
    assert roster_date_allowed("departure", dt.date(2026, 12, 1), start, end, enrolled_since=start)
    assert roster_date_allowed("arrival", dt.date(2027, 6, 1), start, end).codes == ("ROSTER_DATE_OUTSIDE_YEAR",)
    assert roster_date_allowed("departure", start, start, end, enrolled_since=start).codes == (
        "DEPARTURE_BEFORE_ENROLMENT",)
    assert enrolment_end(dt.date(2026, 12, 1)) == dt.date(2026, 11, 30)
    assert roster_kind(" Arrival ") == "arrival"
    with pytest.raises(RuleError):
        roster_kind("transfer")


# ------------------------------------------------------------------ J4 division

def test_j4_subgroup_split_puts_every_student_in_exactly_one_group():
    students = {"a", "b", "c"}
    split = check_subgroup_split([SubgroupPlan(" 1  группа ", ("a", "b")), SubgroupPlan("2 группа", ("c",))],
                                 students)
    assert [group.name for group in split] == ["1 группа", "2 группа"]
    cases = [
        ([SubgroupPlan("1", ("a", "b", "c"))], "subgroups"),
        ([SubgroupPlan("1", ("a", "b")), SubgroupPlan("1", ("c",))], "subgroups[1].name"),
        ([SubgroupPlan("1", ("a", "b")), SubgroupPlan("2", ("b", "c"))], "subgroups[1].student_ids"),
        ([SubgroupPlan("1", ("a", "b")), SubgroupPlan("2", ("x", "c"))], "subgroups[1].student_ids"),
        ([SubgroupPlan("1", ("a",)), SubgroupPlan("2", ("c",))], "subgroups"),
        ([SubgroupPlan("1", ("a", "b", "c")), SubgroupPlan("2", ())], "subgroups[1].student_ids"),
        ([SubgroupPlan("", ("a", "b")), SubgroupPlan("2", ("c",))], "subgroups[0].name"),
    ]
    for groups, field in cases:
        with pytest.raises(RuleError) as raised:
            check_subgroup_split(groups, students)
        assert raised.value.field == field, groups


# ------------------------------------------------------------------ J5 the class teacher's notes

MONDAY = dt.date(2026, 11, 23)


def test_j5_note_turns_unexcused_into_ill_and_leaves_present_for_the_teachers():
    note = absence_note("s1", MONDAY, MONDAY + dt.timedelta(days=2), "б")
    slots = [LessonSlot("math-mon", MONDAY, "s1"), LessonSlot("rus-tue", MONDAY + dt.timedelta(days=1), "s1"),
             LessonSlot("lit-thu", MONDAY + dt.timedelta(days=3), "s1"), LessonSlot("math-mon", MONDAY, "s2")]
    records = [rules.Absence("s1", MONDAY, "unexcused", "math-mon"),
               rules.Absence("s1", MONDAY + dt.timedelta(days=3), "unexcused", "lit-thu"),
               rules.Absence("s2", MONDAY, "late", "math-mon")]
    view = class_teacher_view([note], slots, records)
    differences = rules.reconcile_week(view, records, rules.Week(MONDAY))
    assert [(item.lesson_id, item.class_teacher, item.subject_teacher, resolvable(item)) for item in differences] == [
        ("math-mon", rules.AbsenceKind.ILL, rules.AbsenceKind.UNEXCUSED, True),
        ("rus-tue", rules.AbsenceKind.ILL, None, False),
    ]


def test_j5_note_checks_its_fields():
    with pytest.raises(RuleError) as raised:
        absence_note("s1", MONDAY, MONDAY - dt.timedelta(days=1), "ill")
    assert raised.value.field == "last_date"
    with pytest.raises(RuleError) as raised:
        absence_note("s1", MONDAY, MONDAY, "н")
    assert raised.value.field == "kind"
    with pytest.raises(RuleError):
        absence_note("s1", MONDAY, MONDAY + dt.timedelta(days=200), "ill")
    assert AbsenceNote("s1", MONDAY, MONDAY, rules.AbsenceKind.EXCUSED).covers("s1", MONDAY)


# ------------------------------------------------------------------ J1 personal data fields

def test_j1_personal_data_fields_are_checked_naming_the_field():
    from services.journal import roster

    assert roster._phone("phone", " +7 (912) 345-67-89 ") == "+7 (912) 345-67-89"
    assert roster._email("email", "mama@example.ru") == "mama@example.ru"
    assert roster._name("first_name", "Анна-Мария") == "Анна-Мария"
    assert roster._birth_date("birth_date", "2015-03-14", dt.date(2028, 2, 29)) == dt.date(2015, 3, 14)
    for check, field, value in ((roster._phone, "phone", "позвоните маме"), (roster._email, "email", "mama@"),
                                (roster._name, "last_name", "R2D2"), (roster._name, "last_name", "")):
        with pytest.raises(InvalidArgument) as raised:
            check(field, value)
        assert raised.value.metadata["field"] == field
    with pytest.raises(InvalidArgument) as raised:
        roster._birth_date("birth_date", "1990-01-01", dt.date(2026, 11, 27))
    assert raised.value.metadata["field"] == "birth_date"


def test_j2_a_bad_attachment_setting_stops_the_process_naming_the_variable(monkeypatch, capsys):
    from services.journal.attachments import attachment_settings

    attachment_settings.cache_clear()
    monkeypatch.setenv("EZH_ATTACHMENT_EXTENSIONS", "pdf,exe")
    try:
        with pytest.raises(SystemExit):
            attachment_settings()
        assert "EZH_ATTACHMENT_EXTENSIONS" in capsys.readouterr().err
    finally:
        attachment_settings.cache_clear()
