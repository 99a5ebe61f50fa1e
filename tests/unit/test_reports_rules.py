"""The reports' pure rules (R1, R2, R3, J5, G4)."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from services.common.errors import InvalidArgument
from services.journal.rules.final_marks import SpecialFinalValue
from services.journal.rules.marks import Mark, PassFail
from services.reports.documents import Chart, Document, Table
from services.reports.render import Certification, to_pdf, to_xlsx
from services.reports.printouts import new_code, normalise_code
from services.reports.rules.attendance import AbsenceFact, j5_missed_by_student, j5_missed_by_week
from services.reports.rules.control import LessonFact, r2_journal_omissions
from services.reports.rules.forecast_model import (
    DEFAULT_MODEL, Example, Features, Model, accuracy, baseline_mark, g4_fit, g4_forecast,
)
from services.reports.rules.progress import r1_counted_mark, r1_threes_and_twos
from services.reports.rules.spans import r1_date_range, r1_previous_range

DAY = dt.date(2026, 11, 9)


def test_r1_counted_mark_prefers_the_final_mark_then_the_rounded_average():
    marks = [Mark(3, "oral", DAY), Mark(4, "test", DAY, weight=Decimal(2))]  # (3 + 8) / 3 = 3,67 → «4»
    assert r1_counted_mark("5", marks).value == 5 and r1_counted_mark("5", marks).from_final_mark
    counted = r1_counted_mark(None, marks)
    assert (counted.value, counted.average, counted.from_final_mark) == (4, Decimal("3.67"), False)
    assert r1_counted_mark("not_attested", []).value is SpecialFinalValue.NOT_ATTESTED
    assert r1_counted_mark(None, []) is None
    assert r1_counted_mark(None, [Mark("pass", "oral", DAY), Mark("fail", "oral", DAY)]).value is PassFail.PASS


def test_r1_threes_twos_and_not_attested_of_a_student():
    assert r1_threes_and_twos({"Математика": 3, "Русский": 2, "История": SpecialFinalValue.NOT_ATTESTED,
                               "Физкультура": PassFail.FAIL, "Музыка": 5}) == \
        (["Математика"], ["Русский", "Физкультура"], ["История"])


def test_r1_date_range_and_the_one_before():
    span = r1_date_range("2026-11-01", "2026-11-30")
    assert span.title == "с 01.11.2026 по 30.11.2026" and DAY in span
    before = r1_previous_range(span)
    assert (before.start, before.end) == (dt.date(2026, 10, 2), dt.date(2026, 10, 31))
    with pytest.raises(InvalidArgument) as reversed_range:
        r1_date_range("2026-11-30", "2026-11-01")
    assert reversed_range.value.metadata["field"] == "end_date"
    with pytest.raises(InvalidArgument) as missing:
        r1_date_range("2026-11-01", "")
    assert missing.value.metadata["field"] == "end_date"
    with pytest.raises(InvalidArgument):
        r1_date_range("2020-01-01", "2026-01-01")


def test_j5_missed_lessons_per_student_and_week():
    facts = [AbsenceFact("a", DAY, "unexcused"), AbsenceFact("a", DAY, "late"), AbsenceFact("b", DAY, "ill"),
             AbsenceFact("b", DAY + dt.timedelta(days=7), "excused")]
    by_student = j5_missed_by_student(facts)
    assert (by_student["a"].missed, by_student["a"].unexcused, by_student["a"].late) == (1, 1, 1)
    assert (by_student["b"].missed, by_student["b"].excused) == (2, 2)
    weeks = j5_missed_by_week(facts)
    assert list(weeks) == [dt.date(2026, 11, 9), dt.date(2026, 11, 16)]
    assert (weeks[dt.date(2026, 11, 9)].missed, weeks[dt.date(2026, 11, 9)].unexcused) == (2, 1)


def test_r2_omissions_found_only_when_due():
    lessons = [LessonFact(DAY, "Дроби", "№ 1", True), LessonFact(DAY + dt.timedelta(days=1), "", " ", False),
               LessonFact(DAY + dt.timedelta(days=30), "", "", False)]  # not held yet
    early = r2_journal_omissions(lessons, {"a": 1, "b": 3}, ["a", "b"], {"b"}, period_end=dt.date(2026, 12, 28),
                                 deadline=dt.date(2026, 12, 26), today=DAY + dt.timedelta(days=2))
    assert early.lessons_held == 2 and early.without_topic == (DAY + dt.timedelta(days=1),)
    assert len(early.without_homework) == 1 and len(early.without_attendance) == 1
    assert early.few_marks == () and early.missing_final == ()  # the end is far away
    late = r2_journal_omissions(lessons, {"a": 1, "b": 3}, ["a", "b"], {"b"}, period_end=dt.date(2026, 12, 28),
                                deadline=dt.date(2026, 12, 26), today=dt.date(2026, 12, 21))
    assert late.few_marks == ("a",) and late.missing_final == ("a",) and late.total == 3 * 2 + 2  # by then the 9 December lesson was held too


def test_g4_forecast_shrinks_few_marks_towards_the_students_level_and_explains():
    f = Features(average=2.0, count=1, overall=4.5, previous=4.0, last_marks=(2,), remaining_share=0.5)
    forecast = g4_forecast(f)
    assert baseline_mark(f) == 2 and forecast.mark == 4  # (2 + 2·4,5 + 0,5·4) / 3,5 = 3,71
    assert "отметок 1 — для аттестации нужно не меньше трёх" in forecast.reasons
    weak = g4_forecast(Features(average=2.4, count=8, overall=2.6, previous=2.0, last_marks=(3, 2, 3, 2),
                                written_average=2.7, unexcused=6))
    assert weak.mark == 2 and weak.failing_probability > 0.5
    assert "4 из последних 4 отметок — «3» или ниже" in weak.reasons
    assert "средний балл за письменные работы — 2,7" in weak.reasons
    assert "6 пропусков без уважительной причины" in weak.reasons
    assert g4_forecast(Features(average=None, count=0, overall=None, previous=None)).mark is None


def test_g4_fit_learns_the_shrinkage_that_beats_the_baseline():
    # A student's true level is their overall average; one noisy mark says little.
    examples = [Example(Features(average=float(noisy), count=1, overall=level, previous=None), round(level))
                for level, noisy in ((4.0, 2), (3.0, 5), (5.0, 3), (4.0, 5), (3.0, 2))] * 3
    fitted = g4_fit(examples)
    model_accuracy = accuracy(examples, lambda f: g4_forecast(f, fitted).mark)
    assert model_accuracy > accuracy(examples, baseline_mark)
    assert isinstance(fitted, Model) and fitted.k_overall > 0
    assert DEFAULT_MODEL.sigma(1) >= DEFAULT_MODEL.sigma(10)


def _document() -> Document:
    return Document("Отчёт об успеваемости", "2 четверть", "Школа № 7",
                    [Table("classes", "По классам", ["Класс", "Качество, %"], [["5А", Decimal("40.0")],
                                                                               ["5Б", None]])],
                    [Chart("distribution", "bar", "Распределение отметок", ["«5»", "«4»"], {"Отметок": [3, 4]})])


def test_r3_content_hash_depends_on_content_only():
    first, second = _document(), _document()
    assert first.content_hash() == second.content_hash()
    second.tables[0].rows[0][1] = Decimal("40.1")
    assert first.content_hash() != second.content_hash()


def test_g3_xlsx_and_pdf_with_cyrillic_charts_and_certification():
    workbook = load_workbook(io.BytesIO(to_xlsx(_document())))
    sheet = workbook["По классам"]
    assert (sheet["A1"].value, sheet["A4"].value, sheet["B4"].value, sheet["B5"].value) == \
        ("Отчёт об успеваемости", "5А", 40.0, None)  # no figure: an empty cell
    code = new_code()
    pdf = PdfReader(io.BytesIO(to_pdf(_document(), Certification(code, f"http://ezh/api/v1/printouts/{code}",
                                                                 dt.datetime(2026, 11, 20, 9, 0)))))
    text = "\n".join(page.extract_text() for page in pdf.pages)
    for expected in ("Отчёт об успеваемости", "Школа № 7", "40,0", "Стр. 1 из", "М. П.", code, "20.11.2026"):
        assert expected in text
    assert sum(len(page.images) for page in pdf.pages) == 2  # the chart and the QR


def test_r3_verification_codes_are_short_and_forgiving():
    code = new_code()
    assert len(code) == 11 and code[5] == "-"
    assert normalise_code(code.lower().replace("-", " ")) == code
    with pytest.raises(InvalidArgument):
        normalise_code("O0O0O-I1I1I")


def test_r1_counted_mark_of_groups_equals_the_mark_by_mark_figure():
    import random
    from collections import Counter

    from services.reports.rules.progress import MarkGroup, r1_counted_mark_of_groups

    rng = random.Random(5)
    for _ in range(300):
        marks = [Mark(rng.choice((1, 2, 3, 4, 5, 5, "pass", "fail")), rng.choice(("oral", "test", "homework")), DAY,
                      weight=Decimal(rng.choice(("0.5", "1", "1.5", "2")))) for _ in range(rng.randrange(1, 9))]
        groups = Counter((str(m.value), str(m.weight), m.work_type.value) for m in marks)
        grouped = r1_counted_mark_of_groups(None, [MarkGroup(v, w, t, n) for (v, w, t), n in groups.items()])
        assert grouped == r1_counted_mark(None, marks)


def test_r1_counted_mark_of_sums_adds_up_to_the_mark_by_mark_figure():
    from services.reports.rules.progress import MarkGroup, MarkSums, r1_counted_mark_of_sums, r1_mark_sums

    # 3 × 1 + 4 × 2 (a test without its own weight) + 5 × 0,5 = 13,5 over a weight of 3,5 → 3,857… → 3,86 → «4».
    sums = r1_mark_sums([MarkGroup("3", "1", "", 1), MarkGroup("4", "", "test", 1)]) + \
        r1_mark_sums([MarkGroup("5", "0.5", "", 1), MarkGroup("н", "1", "", 2)])
    assert sums == MarkSums(Decimal("13.5"), Decimal("3.5"), 0, 0)
    counted = r1_counted_mark_of_sums(None, sums)
    assert (counted.value, counted.average, counted.from_final_mark) == (4, Decimal("3.86"), False)
    assert r1_counted_mark_of_sums("2", sums).value == 2 and r1_counted_mark_of_sums("2", None).from_final_mark
    assert r1_counted_mark_of_sums(None, None) is None and r1_counted_mark_of_sums(None, MarkSums()) is None
    assert r1_counted_mark_of_sums(None, MarkSums(passes=1, fails=1)).value is PassFail.PASS
    assert r1_counted_mark_of_sums(None, MarkSums(passes=1, fails=2)).value is PassFail.FAIL
