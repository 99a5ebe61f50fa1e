"""The journal rules of the regulation (J1–J8, M1–M4, G2, G4, R1) as pure functions."""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import replace
from decimal import Decimal

import pytest

from services.common.errors import FailedPrecondition, InvalidArgument
from services.common.roles import Role
from services.journal import rules
from services.journal.rules import (
    Absence, AbsenceKind, ChainedChange, ChangeAction, ChangeEntity, ChangeRecord, Confidence, DeadlineException,
    FinalMarkKind, FinalMarkSlot, Lesson, Mark, MarkPolicy, MarkScale, PassFail, Period, PeriodScheme, PlanItem,
    RoundingRule, RuleError, SpecialFinalValue, StudentStanding, Week, WorkType,
)

D = Decimal
NA = SpecialFinalValue.NOT_ATTESTED
EXEMPT = SpecialFinalValue.EXEMPT
PASS, FAIL = PassFail.PASS, PassFail.FAIL

SEPT_1 = dt.date(2026, 9, 1)
Q1 = Period("q1", "quarter", 1, SEPT_1, dt.date(2026, 10, 25))  # deadline 23.10.2026
Q2_FIRST_LESSON = dt.date(2026, 11, 5)


def day(n: int) -> dt.date:
    """The n-th day of the first quarter, 0 = 1 September."""
    return SEPT_1 + dt.timedelta(days=n)


def mark(value, kind: WorkType | str = WorkType.ORAL, on: int = 0, weight=None) -> Mark:
    return Mark(value=value, work_type=kind, date=day(on), weight=weight)


def codes(reasons) -> list[str]:
    return [reason.code for reason in reasons]


# --- marks and work types (J2, G2) ----------------------------------------------------------

@pytest.mark.parametrize("kind, title", [
    (WorkType.ORAL, "Устный ответ"), (WorkType.TEST, "Контрольная работа"),
    (WorkType.LABORATORY, "Лабораторная работа"), (WorkType.PRACTICAL, "Практическая работа"),
    (WorkType.ESSAY, "Сочинение"), (WorkType.INDEPENDENT, "Самостоятельная работа"),
])
def test_j2_work_types_have_russian_titles(kind, title):
    assert kind.title == title


def test_j2_every_work_type_has_a_title_and_a_default_weight():
    assert set(rules.WORK_TYPE_TITLES) == set(WorkType)
    assert set(rules.DEFAULT_WEIGHTS) == set(WorkType)


@pytest.mark.parametrize("kind, weight", [
    (WorkType.ORAL, "1"), (WorkType.HOMEWORK, "1"), (WorkType.PRESENTATION, "1"), (WorkType.OTHER, "1"),
    (WorkType.WRITTEN, "1.5"), (WorkType.LABORATORY, "1.5"), (WorkType.PRACTICAL, "1.5"),
    (WorkType.DICTATION, "1.5"), (WorkType.ESSAY, "1.5"), (WorkType.INDEPENDENT, "1.5"), (WorkType.TEST, "2"),
])
def test_g2_default_weight_per_work_type(kind, weight):
    assert rules.DEFAULT_WEIGHTS[kind] == D(weight)


def test_g2_school_weights_override_the_defaults():
    weights = rules.school_weights({"test": 3, WorkType.ORAL: "0.5", "homework": 1.25})
    assert weights[WorkType.TEST] == D(3)
    assert weights[WorkType.ORAL] == D("0.5")
    assert weights[WorkType.HOMEWORK] == D("1.25")
    assert weights[WorkType.LABORATORY] == D("1.5")


@pytest.mark.parametrize("raw", [0, -1, "11", "много", float("nan"), True])
def test_g2_bad_school_weight_names_the_field(raw):
    with pytest.raises(RuleError) as error:
        rules.school_weights({"test": raw})
    assert error.value.field == "weights.test"


def test_g2_unknown_work_type_in_school_weights_names_the_field():
    with pytest.raises(RuleError) as error:
        rules.school_weights({"exam_paper": 2})
    assert error.value.field == "weights"
    assert "exam_paper" in error.value.message


@pytest.mark.parametrize("raw, value", [
    (1, 1), (5, 5), ("3", 3), (" 4 ", 4), ("зачёт", PASS), ("зачет", PASS), ("зч", PASS), ("pass", PASS),
    ("незачёт", FAIL), ("нз", FAIL), ("fail", FAIL), (PassFail.FAIL, FAIL),
])
def test_j2_mark_is_1_to_5_or_pass_fail(raw, value):
    assert rules.mark_value(raw) == value


@pytest.mark.parametrize("raw", [0, 6, "6", -3, 3.5, "4+", True, None, "", "отлично"])
def test_j2_bad_mark_value_raises_a_rule_error_naming_the_field(raw):
    with pytest.raises(RuleError) as error:
        Mark(value=raw, work_type="oral", date=SEPT_1)
    assert error.value.field == "value"
    assert isinstance(error.value, InvalidArgument)
    assert error.value.metadata["field"] == "value"


def test_j2_mark_with_unknown_work_type_names_the_field():
    with pytest.raises(RuleError) as error:
        Mark(value=5, work_type="quiz", date=SEPT_1)
    assert error.value.field == "work_type"


@pytest.mark.parametrize("weight", [0, "-1", 10.5])
def test_j2_mark_with_bad_own_weight_names_the_field(weight):
    with pytest.raises(RuleError) as error:
        Mark(value=5, work_type="oral", date=SEPT_1, weight=weight)
    assert error.value.field == "weight"


def test_j2_mark_builds_from_row_values():
    built = Mark(value="5", work_type="test", date=dt.datetime(2026, 9, 3, 10, 0), weight="2.5", id="m1")
    assert (built.value, built.work_type, built.date, built.weight) == (5, WorkType.TEST, dt.date(2026, 9, 3), D("2.5"))


# --- weighted average and rounding (G2) -----------------------------------------------------

def test_g2_weighted_average_uses_work_type_weights():
    # (5·2 + 3·1) / 3 = 4.333…
    assert rules.weighted_average([mark(5, WorkType.TEST), mark(3, WorkType.ORAL)]) == D("4.33")


def test_g2_weight_set_on_a_mark_overrides_its_work_type():
    assert rules.weighted_average([mark(5, WorkType.ORAL, weight=3), mark(3, WorkType.ORAL)]) == D("4.50")


def test_g2_school_weights_change_the_average():
    weights = rules.school_weights({"test": 4})
    assert rules.weighted_average([mark(5, WorkType.TEST), mark(2, WorkType.ORAL)], weights) == D("4.40")


def test_g2_pass_fail_marks_are_not_averaged():
    assert rules.weighted_average([mark(4), mark(FAIL), mark(PASS), mark(5)]) == D("4.50")


@pytest.mark.parametrize("marks", [[], [mark(PASS), mark(FAIL)]])
def test_g2_no_average_without_1_to_5_marks(marks):
    assert rules.weighted_average(marks) is None


def test_g2_average_is_rounded_half_up_to_hundredths_not_to_even():
    # 33 / 8 = 4.125: banker's rounding would show 4.12
    marks = [mark(5)] + [mark(4)] * 7
    assert rules.weighted_average(marks) == D("4.13")


@pytest.mark.parametrize("average, expected", [
    ("1", 1), ("1.49", 1), ("1.5", 2), ("2.49", 2), ("2.5", 3), ("2.50", 3), ("3.49", 3), ("3.5", 4),
    ("4.49", 4), ("4.5", 5), ("5", 5), ("3.495", 4), ("2.4949", 2),
])
def test_g2_standard_rounding_x5_and_above_rounds_up(average, expected):
    assert rules.STANDARD_ROUNDING.round(D(average)) == expected


@pytest.mark.parametrize("average, expected", [(2.5, 3), (3.5, 4), (4.5, 5), (3.4999999999999996, 4)])
def test_g2_float_averages_round_up_at_one_half_as_shown(average, expected):
    # a float a hair below 3.5 shows as 3,50 and gives «4», as the teacher expects
    assert rules.STANDARD_ROUNDING.round(average) == expected


@pytest.mark.parametrize("average, expected", [("2.5", 2), ("2.59", 2), ("2.6", 3), ("3.5", 4), ("4.5", 5)])
def test_g2_school_variant_gives_3_only_from_2_6(average, expected):
    assert rules.PASS_FROM_2_6_ROUNDING.round(D(average)) == expected


@pytest.mark.parametrize("average, expected", [("2.59", 2), ("2.6", 3), ("3.59", 3), ("3.6", 4), ("4.6", 5)])
def test_g2_rounding_from_a_fraction_applies_to_every_mark(average, expected):
    assert RoundingRule.from_fraction("0.6").round(D(average)) == expected


def test_g2_rounding_rule_is_stated_in_words():
    text = rules.STANDARD_ROUNDING.describe()
    assert "«5» — от 4,50" in text and "«4» — от 3,50" in text and "«3» — от 2,50" in text
    assert "«3» — от 2,60" in rules.PASS_FROM_2_6_ROUNDING.describe()
    assert rules.STANDARD_ROUNDING.explain(D("3.5")) == "Средний балл 3,50 → «4» («4» — от 3,50)"


@pytest.mark.parametrize("settings, field", [({3: "3.6"}, "rounding.3"), ({5: "4"}, "rounding.5"),
                                             ({6: "5"}, "rounding"), ({3: "abc"}, "rounding.3")])
def test_g2_bad_rounding_threshold_names_the_field(settings, field):
    with pytest.raises(RuleError) as error:
        RoundingRule.from_settings(settings)
    assert error.value.field == field


# --- the suggested period mark and its basis (G2, M4) --------------------------------------

def test_g2_suggested_period_mark_states_the_rule_and_the_basis():
    marks = [mark(3, WorkType.ORAL, 1), mark(4, WorkType.TEST, 5), mark(4, WorkType.HOMEWORK, 8), mark(PASS, on=9)]
    suggestion = rules.suggest_period_mark(marks)
    # (3·1 + 4·2 + 4·1) / 4 = 3.75
    assert suggestion.value == 4
    assert suggestion.average == D("3.75")
    assert suggestion.rule == rules.STANDARD_ROUNDING.describe()
    assert suggestion.explanation == "Средний балл 3,75 → «4» («4» — от 3,50)"
    assert suggestion.can_set_mark


def test_m4_basis_shows_marks_weights_sums_counts_and_attendance():
    marks = [mark(5, WorkType.TEST, 3), mark(3, WorkType.ORAL, 1), mark(4, WorkType.ORAL, 2), mark(FAIL, on=4)]
    absences = [Absence("s1", day(6), "н"), Absence("s1", day(7), "б"), Absence("s1", day(8), "оп")]
    suggestion = rules.suggest_period_mark(marks, absences=absences, lessons_held=20)
    basis = suggestion.basis
    assert [(item.mark.value, item.weight) for item in basis.averaged] == [(3, D(1)), (4, D(1)), (5, D(2))]
    assert [m.value for m in basis.pass_fail] == [FAIL]
    assert (basis.weighted_sum, basis.weight_total, basis.average) == (D(17), D(4), D("4.25"))
    assert basis.count_by_work_type == {WorkType.TEST: 1, WorkType.ORAL: 3}
    assert basis.mark_count == 4
    assert basis.attendance.missed == 2
    assert basis.attendance.late == 1
    assert basis.attendance.missed_share == D("0.1")


def test_g2_school_rounding_variant_changes_the_suggestion():
    marks = [mark(2, on=1), mark(3, WorkType.WRITTEN, 2), mark(3, on=3), mark(2, on=4)]  # (2+4.5+3+2)/4.5 = 2.56
    assert rules.suggest_period_mark(marks).value == 3
    strict = MarkPolicy(rounding=rules.PASS_FROM_2_6_ROUNDING)
    assert rules.suggest_period_mark(marks, strict).value == 2


def test_g2_five_point_subject_with_only_pass_fail_marks_has_no_suggestion():
    suggestion = rules.suggest_period_mark([mark(PASS, WorkType.PRACTICAL, 1), mark(PASS, on=2), mark(FAIL, on=3)])
    assert suggestion.value is None
    assert suggestion.average is None
    assert "пятибалльной" in suggestion.explanation


@pytest.mark.parametrize("values, expected", [
    ([PASS, PASS, FAIL], PASS), ([PASS, FAIL], PASS), ([PASS, FAIL, FAIL], FAIL), ([], None),
])
def test_g2_pass_fail_subject_suggests_pass_when_at_least_half_are_passes(values, expected):
    marks = [mark(value, WorkType.PRACTICAL, n) for n, value in enumerate(values)]
    suggestion = rules.suggest_period_mark(marks, scale=MarkScale.PASS_FAIL)
    assert suggestion.value == expected
    assert suggestion.rule == rules.PASS_FAIL_RULE


def test_g2_policy_from_school_settings():
    policy = MarkPolicy.from_settings(weights={"test": 3}, rounding={3: "2.6"}, min_marks=4,
                                      required_work_types=["laboratory"], max_missed_share="0.5")
    assert policy.weights[WorkType.TEST] == D(3)
    assert policy.rounding.lowest_average(3) == D("2.6")
    assert policy.required_work_types == frozenset({WorkType.LABORATORY})
    assert policy.max_missed_share == D("0.5")


# --- period mark requirements (M2) ----------------------------------------------------------

def test_m2_quarter_mark_needs_three_marks():
    unmet = rules.unmet_attestation_requirements([mark(5, WorkType.TEST, 1), mark(4, on=2)])
    assert codes(unmet) == ["TOO_FEW_MARKS"]
    assert unmet[0].message == "Для отметки за период нужно не меньше 3 отметок, выставлено: 2"


def test_m2_exactly_three_marks_are_enough():
    assert rules.unmet_attestation_requirements([mark(5, WorkType.TEST, 1), mark(4, on=2), mark(3, on=3)]) == []


def test_m2_pass_fail_marks_count_towards_three():
    assert rules.unmet_attestation_requirements([mark(PASS, WorkType.PRACTICAL), mark(PASS), mark(FAIL)]) == []


def test_m2_quarter_mark_needs_a_written_laboratory_or_practical_mark():
    unmet = rules.unmet_attestation_requirements([mark(5), mark(4, WorkType.HOMEWORK), mark(5, WorkType.PRESENTATION)])
    assert codes(unmet) == ["NO_CONTROL_WORK_MARK"]
    assert "лабораторная работа" in unmet[0].message


@pytest.mark.parametrize("kind", sorted(rules.CONTROL_WORK_TYPES))
def test_m2_any_written_laboratory_or_practical_work_counts(kind):
    assert rules.unmet_attestation_requirements([mark(5), mark(4), mark(3, kind)]) == []


def test_m2_control_work_is_required_only_when_the_subject_had_such_work():
    oral_only = [mark(5), mark(4), mark(4)]
    assert rules.unmet_attestation_requirements(oral_only, held_work_types={WorkType.ORAL}) == []
    assert rules.unmet_attestation_requirements(oral_only, held_work_types=set()) == []
    unmet = rules.unmet_attestation_requirements(oral_only, held_work_types={WorkType.ORAL, WorkType.LABORATORY})
    assert codes(unmet) == ["NO_CONTROL_WORK_MARK"]
    assert "(лабораторная работа)" in unmet[0].message


def test_m2_a_held_laboratory_work_needs_a_laboratory_mark():
    marks = [mark(5, WorkType.WRITTEN), mark(4), mark(4)]
    unmet = rules.unmet_attestation_requirements(marks, held_work_types={WorkType.LABORATORY})
    assert codes(unmet) == ["NO_CONTROL_WORK_MARK"]


def test_m2_required_work_types_are_a_school_parameter():
    physical_education = MarkPolicy(required_work_types=frozenset())
    assert rules.unmet_attestation_requirements([mark(5), mark(4), mark(4)], physical_education) == []
    labs_only = MarkPolicy(required_work_types=frozenset({WorkType.LABORATORY}))
    marks = [mark(5, WorkType.TEST), mark(4), mark(4)]
    assert codes(rules.unmet_attestation_requirements(marks, labs_only)) == ["NO_CONTROL_WORK_MARK"]


def test_m2_every_unmet_requirement_is_listed():
    unmet = rules.unmet_attestation_requirements([])
    assert codes(unmet) == ["TOO_FEW_MARKS", "NO_CONTROL_WORK_MARK"]
    assert all(reason.message for reason in unmet)


def test_m2_school_may_require_more_marks_but_not_fewer_than_three():
    assert codes(rules.unmet_attestation_requirements(
        [mark(5, WorkType.TEST), mark(4), mark(4)], MarkPolicy(min_marks=5))) == ["TOO_FEW_MARKS"]
    with pytest.raises(RuleError) as error:
        MarkPolicy(min_marks=2)
    assert error.value.field == "min_marks"


def test_m2_too_many_absences_when_the_school_sets_a_limit():
    marks = [mark(5, WorkType.TEST), mark(4), mark(4)]
    absences = [Absence("s1", day(n), AbsenceKind.ILL) for n in range(11)] + [Absence("s1", day(12), "оп")]
    policy = MarkPolicy(max_missed_share=D("0.5"))
    over = rules.suggest_period_mark(marks, policy, absences=absences, lessons_held=20)  # 11 of 20 missed
    assert codes(over.unmet) == ["TOO_MANY_ABSENCES"]
    assert "55 %" in over.unmet[0].message
    assert rules.suggest_period_mark(marks, policy, absences=absences[:10], lessons_held=20).unmet == ()
    assert rules.suggest_period_mark(marks, absences=absences, lessons_held=20).unmet == ()  # no limit by default


def test_m2_mark_is_refused_with_the_reason_while_requirements_are_unmet():
    suggestion = rules.suggest_period_mark([mark(5), mark(4)])
    verdict = suggestion.allows(5)
    assert not verdict.allowed
    assert verdict.codes == ("TOO_FEW_MARKS", "NO_CONTROL_WORK_MARK")
    with pytest.raises(FailedPrecondition) as error:
        verdict.raise_if_refused()
    assert error.value.reason == "TOO_FEW_MARKS"
    assert error.value.metadata["reasons"] == "TOO_FEW_MARKS,NO_CONTROL_WORK_MARK"


def test_m2_not_attested_is_allowed_exactly_when_requirements_are_unmet():
    unmet = rules.suggest_period_mark([mark(5)])
    met = rules.suggest_period_mark([mark(5, WorkType.TEST), mark(4), mark(4)])
    assert unmet.allows(NA).allowed
    assert met.allows(NA).codes == ("NOT_ATTESTED_BUT_REQUIREMENTS_MET",)
    assert met.allows(4).allowed


@pytest.mark.parametrize("marks", [[], [mark(5)], [mark(5, WorkType.TEST), mark(4), mark(4)]])
def test_m2_exempt_bypasses_the_requirements(marks):
    assert rules.suggest_period_mark(marks).allows(EXEMPT).allowed


# --- final mark kinds (M1) ------------------------------------------------------------------

@pytest.mark.parametrize("scheme, titles", [
    (PeriodScheme.QUARTERS, ["1 четверть", "2 четверть", "3 четверть", "4 четверть", "Год"]),
    (PeriodScheme.TRIMESTERS, ["1 триместр", "2 триместр", "3 триместр", "Год"]),
    (PeriodScheme.HALF_YEARS, ["1 полугодие", "2 полугодие", "Год"]),
])
def test_m1_final_marks_of_a_school_year(scheme, titles):
    assert [slot.title for slot in rules.final_mark_slots(scheme)] == titles


def test_m1_exam_and_final_marks_follow_the_year_where_there_is_an_exam():
    slots = rules.final_mark_slots(PeriodScheme.QUARTERS, with_exam=True)
    assert [slot.kind for slot in slots[-3:]] == [FinalMarkKind.YEAR, FinalMarkKind.EXAM, FinalMarkKind.FINAL]
    assert [slot.title for slot in slots[-2:]] == ["Экзамен", "Итоговая"]


@pytest.mark.parametrize("kind, number, field", [
    ("quarter", 5, "number"), ("quarter", 0, "number"), ("quarter", None, "number"), ("trimester", 4, "number"),
    ("half_year", 3, "number"), ("year", 1, "number"), ("exam", 2, "number"), ("semester", 1, "kind"),
])
def test_m1_final_mark_slot_is_checked(kind, number, field):
    with pytest.raises(RuleError) as error:
        FinalMarkSlot(kind, number)
    assert error.value.field == field


@pytest.mark.parametrize("raw, scale, value", [
    ("5", MarkScale.FIVE_POINT, 5), ("н/а", MarkScale.FIVE_POINT, NA), ("освобождён", MarkScale.FIVE_POINT, EXEMPT),
    ("осв", MarkScale.PASS_FAIL, EXEMPT), ("зачёт", MarkScale.PASS_FAIL, PASS),
    ("not_attested", MarkScale.PASS_FAIL, NA),
])
def test_m1_final_mark_values(raw, scale, value):
    assert rules.final_mark_value(raw, scale) == value


@pytest.mark.parametrize("raw, scale", [
    ("зачёт", MarkScale.FIVE_POINT), (4, MarkScale.PASS_FAIL), (6, MarkScale.FIVE_POINT), ("н", MarkScale.FIVE_POINT),
])
def test_m1_bad_final_mark_value_names_the_field(raw, scale):
    with pytest.raises(RuleError) as error:
        rules.final_mark_value(raw, scale, field="final_mark")
    assert error.value.field == "final_mark"


@pytest.mark.parametrize("scheme, marks, expected, average", [
    (PeriodScheme.QUARTERS, {1: 4, 2: 4, 3: 3, 4: 3}, 4, "3.50"),
    (PeriodScheme.QUARTERS, {1: 3, 2: 3, 3: 3, 4: 4}, 3, "3.25"),
    (PeriodScheme.QUARTERS, {1: 5, 2: 5, 3: 4, 4: 5}, 5, "4.75"),
    (PeriodScheme.TRIMESTERS, {1: 5, 2: 4, 3: 4}, 4, "4.33"),
    (PeriodScheme.HALF_YEARS, {1: 2, 2: 3}, 3, "2.50"),
])
def test_m1_year_mark_is_the_rounded_mean_of_the_period_marks(scheme, marks, expected, average):
    suggestion = rules.suggest_year_mark(marks, scheme)
    assert (suggestion.value, suggestion.average) == (expected, D(average))
    assert suggestion.problems == ()
    assert suggestion.allows(expected).allowed


def test_m1_year_mark_uses_the_school_rounding():
    assert rules.suggest_year_mark({1: 2, 2: 3}, PeriodScheme.HALF_YEARS, rules.PASS_FROM_2_6_ROUNDING).value == 2


def test_m1_year_mark_needs_every_period_and_not_attested_leaves_it_to_the_teacher():
    suggestion = rules.suggest_year_mark({1: 4, 2: NA, 3: 4}, PeriodScheme.QUARTERS)
    assert suggestion.value is None
    assert codes(suggestion.problems) == ["PERIOD_NOT_ATTESTED", "PERIOD_MARK_MISSING"]
    assert "4 четверть" in suggestion.problems[1].message
    assert not suggestion.allows(4).allowed
    assert suggestion.allows(NA).allowed


def test_m1_year_mark_leaves_out_exempt_periods():
    assert rules.suggest_year_mark({1: EXEMPT, 2: 5, 3: 4}, PeriodScheme.TRIMESTERS).value == 5  # 4,50
    assert rules.suggest_year_mark({1: EXEMPT, 2: EXEMPT}, PeriodScheme.HALF_YEARS).value is EXEMPT


def test_m1_pass_fail_year_mark():
    assert rules.suggest_year_mark({1: PASS, 2: FAIL}, PeriodScheme.HALF_YEARS).value is PASS
    assert rules.suggest_year_mark({1: FAIL, 2: FAIL, 3: PASS}, PeriodScheme.TRIMESTERS).value is FAIL


@pytest.mark.parametrize("year, exam, expected", [
    (4, 3, 4), (5, 3, 4), (3, 4, 4), (3, 2, 3), (5, 4, 5), (2, 2, 2), (4, None, 4), (4, EXEMPT, 4),
    (PASS, None, PASS), (EXEMPT, None, EXEMPT),
])
def test_m1_final_mark_is_the_year_mark_or_its_rounded_mean_with_the_exam(year, exam, expected):
    assert rules.suggest_overall_mark(year, exam).value == expected


@pytest.mark.parametrize("year, exam, code", [
    (None, 4, "YEAR_MARK_MISSING"), (NA, 4, "YEAR_NOT_ATTESTED"), (4, NA, "EXAM_NOT_ATTESTED"),
])
def test_m1_final_mark_is_left_to_the_teacher_without_a_year_or_exam_mark(year, exam, code):
    suggestion = rules.suggest_overall_mark(year, exam)
    assert suggestion.value is None
    assert codes(suggestion.problems) == [code]
    assert suggestion.allows(NA).allowed


# --- final-marks deadline and the period lock (M3) -------------------------------------------

def test_m3_default_deadline_is_two_days_before_the_period_ends():
    assert Q1.final_marks_deadline == dt.date(2026, 10, 23)


def test_m3_deadline_set_by_school_order():
    by_order = replace(Q1, deadline_by_order=dt.date(2026, 10, 27))
    assert by_order.final_marks_deadline == dt.date(2026, 10, 27)
    assert rules.final_mark_entry_allowed(dt.date(2026, 10, 27), by_order).allowed


@pytest.mark.parametrize("today, allowed", [
    (dt.date(2026, 10, 1), True), (dt.date(2026, 10, 22), True), (dt.date(2026, 10, 23), True),
    (dt.date(2026, 10, 24), False), (dt.date(2026, 10, 25), False), (dt.date(2026, 11, 10), False),
])
def test_m3_final_marks_are_set_no_later_than_the_deadline_day(today, allowed):
    decision = rules.final_mark_entry_allowed(today, Q1)
    assert decision.allowed is allowed
    if not allowed:
        assert decision.codes == ("FINAL_MARK_DEADLINE_PASSED",)
        assert "23.10.2026" in decision.reasons[0].message


def test_m3_final_mark_refused_before_the_period_starts():
    assert rules.final_mark_entry_allowed(dt.date(2026, 8, 31), Q1).codes == ("PERIOD_NOT_STARTED",)


EXCEPTION = DeadlineException("x1", "q1", valid_from=dt.date(2026, 10, 26), valid_until=dt.date(2026, 10, 28),
                              granted_by="deputy-1", reason="Болезнь учителя")


@pytest.mark.parametrize("today, codes_expected", [
    (dt.date(2026, 10, 24), ("FINAL_MARK_DEADLINE_PASSED", "EXCEPTION_NOT_YET_VALID")),
    (dt.date(2026, 10, 26), ()),
    (dt.date(2026, 10, 28), ()),
    (dt.date(2026, 10, 29), ("FINAL_MARK_DEADLINE_PASSED", "EXCEPTION_EXPIRED")),
])
def test_m3_deputy_exception_allows_late_final_marks_within_its_window(today, codes_expected):
    decision = rules.final_mark_entry_allowed(today, Q1, EXCEPTION)
    assert decision.codes == codes_expected
    assert decision.late is (not codes_expected)
    if not codes_expected:
        assert decision.exception is EXCEPTION


def test_m3_exception_is_not_needed_before_the_deadline():
    decision = rules.final_mark_entry_allowed(dt.date(2026, 10, 20), Q1, EXCEPTION)
    assert decision.allowed and not decision.late


def test_m3_exception_for_another_period_does_not_apply():
    other = replace(EXCEPTION, period_id="q2")
    assert rules.final_mark_entry_allowed(dt.date(2026, 10, 27), Q1, other).codes == (
        "FINAL_MARK_DEADLINE_PASSED", "EXCEPTION_FOR_OTHER_PERIOD")


def test_m3_exception_window_cannot_end_before_it_starts():
    with pytest.raises(RuleError) as error:
        DeadlineException("x", "q1", valid_from=dt.date(2026, 10, 28), valid_until=dt.date(2026, 10, 27))
    assert error.value.field == "valid_until"


@pytest.mark.parametrize("roles, allowed", [
    ({Role.DEPUTY_DIRECTOR}, True), ({Role.DIRECTOR}, True), ({Role.SUBJECT_TEACHER, Role.CLASS_TEACHER}, False),
    ({Role.ADMINISTRATOR}, False),
])
def test_m3_exceptions_are_granted_by_the_deputy_director(roles, allowed):
    assert rules.may_grant_exception(roles) is allowed


@pytest.mark.parametrize("lesson, today, expected", [
    (dt.date(2026, 10, 20), dt.date(2026, 10, 20), ()),
    (dt.date(2026, 10, 20), dt.date(2026, 10, 23), ()),  # the deadline day itself
    (dt.date(2026, 10, 20), dt.date(2026, 10, 24), ("PERIOD_LOCKED",)),
    (dt.date(2026, 10, 23), dt.date(2026, 10, 24), ("PERIOD_LOCKED",)),
    (dt.date(2026, 10, 24), dt.date(2026, 10, 24), ()),  # the last days' lessons, until the period ends
    (dt.date(2026, 10, 24), dt.date(2026, 10, 25), ()),
    (dt.date(2026, 10, 24), dt.date(2026, 10, 26), ("PERIOD_LOCKED",)),
    (dt.date(2026, 10, 21), dt.date(2026, 10, 20), ("LESSON_IN_FUTURE",)),
    (dt.date(2026, 10, 26), dt.date(2026, 10, 26), ("LESSON_OUTSIDE_PERIOD",)),
    (dt.date(2026, 8, 31), dt.date(2026, 9, 1), ("LESSON_OUTSIDE_PERIOD",)),
])
def test_m3_period_is_locked_after_the_deadline_for_marks_and_absences(lesson, today, expected):
    assert rules.journal_entry_allowed(lesson, today, Q1).codes == expected


def test_m3_deputy_exception_opens_the_locked_period():
    decision = rules.journal_entry_allowed(dt.date(2026, 10, 10), dt.date(2026, 10, 27), Q1, EXCEPTION)
    assert decision.allowed and decision.exception is EXCEPTION
    expired = rules.journal_entry_allowed(dt.date(2026, 10, 10), dt.date(2026, 10, 29), Q1, EXCEPTION)
    assert expired.codes == ("PERIOD_LOCKED", "EXCEPTION_EXPIRED")


@pytest.mark.parametrize("changes, field", [
    (dict(end=dt.date(2026, 8, 31)), "end"), (dict(number=5), "number"), (dict(kind="season"), "kind"),
    (dict(deadline_by_order=dt.date(2026, 8, 1)), "deadline_by_order"),
])
def test_m3_bad_period_names_the_field(changes, field):
    with pytest.raises(RuleError) as error:
        replace(Q1, **changes)
    assert error.value.field == field


# --- change log (J8) ---------------------------------------------------------------------------

ENTERED = dt.datetime(2026, 10, 1, 9, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("after, required", [
    (dt.timedelta(minutes=5), False), (dt.timedelta(hours=23, minutes=59), False), (dt.timedelta(hours=24), False),
    (dt.timedelta(hours=24, seconds=1), True), (dt.timedelta(days=30), True),
])
def test_j8_change_after_24_hours_requires_a_reason(after, required):
    assert rules.change_reason_required(ENTERED, ENTERED + after) is required


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_j8_late_change_without_a_reason_is_refused(reason):
    verdict = rules.change_allowed(ENTERED, ENTERED + dt.timedelta(days=2), reason)
    assert verdict.codes == ("CHANGE_REASON_REQUIRED",)
    assert "причину" in verdict.reasons[0].message


def test_j8_late_change_with_a_reason_and_early_change_without_one_are_allowed():
    assert rules.change_allowed(ENTERED, ENTERED + dt.timedelta(days=2), "Ошибка при вводе").allowed
    assert rules.change_allowed(ENTERED, ENTERED + dt.timedelta(hours=1), None).allowed


def _record(sequence: int, new_value=None, **changes) -> ChangeRecord:
    record = ChangeRecord(
        school_id="school-1", sequence=sequence, entity=ChangeEntity.MARK, entity_id=f"mark-{sequence}",
        action=ChangeAction.UPDATED, actor_id="teacher-1",
        changed_at=ENTERED + dt.timedelta(minutes=sequence),
        old_value={"value": 3, "work_type": "oral"}, new_value=new_value or {"value": 4, "work_type": "oral"},
        reason="Ошибка при вводе",
    )
    return replace(record, **changes)


def _chain(count: int = 5) -> list[ChainedChange]:
    entries, previous = [], rules.GENESIS_HASH
    for sequence in range(1, count + 1):
        record = _record(sequence)
        previous = rules.chain_hash(previous, record)
        entries.append(ChainedChange(record, previous))
    return entries


def test_j8_chain_hash_is_sha256_over_the_previous_hash_and_canonical_json():
    record = _record(1)
    expected_json = (
        '{"action":"updated","actor_id":"teacher-1","changed_at":"2026-10-01T09:01:00.000000Z",'
        '"entity":"mark","entity_id":"mark-1","new_value":{"value":4,"work_type":"oral"},'
        '"old_value":{"value":3,"work_type":"oral"},"reason":"Ошибка при вводе","school_id":"school-1",'
        '"sequence":1}'
    ).encode()
    assert rules.canonical_json(record) == expected_json
    expected = hashlib.sha256(rules.GENESIS_HASH.encode() + b"\n" + expected_json).hexdigest()
    assert rules.chain_hash(rules.GENESIS_HASH, record) == expected


def test_j8_canonical_json_does_not_depend_on_time_zone_spelling_or_key_order():
    utc = _record(1)
    moscow = replace(utc, changed_at=utc.changed_at.astimezone(dt.timezone(dt.timedelta(hours=3))))
    naive = replace(utc, changed_at=utc.changed_at.replace(tzinfo=None))
    reordered = replace(utc, old_value={"work_type": "oral", "value": 3})
    assert {rules.chain_hash("", r) for r in (utc, moscow, naive, reordered)} == {rules.chain_hash("", utc)}


def test_j8_canonical_json_holds_dates_and_decimals():
    record = _record(1, new_value={"weight": D("1.5"), "date": dt.date(2026, 10, 1)})
    assert b'"new_value":{"date":"2026-10-01","weight":"1.5"}' in rules.canonical_json(record)


def test_j8_intact_chain_verifies():
    assert rules.verify_chain(_chain()) is None
    assert rules.verify_chain([]) is None


def test_j8_altered_row_is_found_at_its_position():
    chain = _chain()
    chain[2] = ChainedChange(_record(3, new_value={"value": 5, "work_type": "oral"}), chain[2].hash)
    assert rules.verify_chain(chain) == 2


def test_j8_altered_hash_is_found_at_its_position():
    chain = _chain()
    chain[3] = ChainedChange(chain[3].record, "f" * 64)
    assert rules.verify_chain(chain) == 3


@pytest.mark.parametrize("removed", [0, 2, 3])
def test_j8_removed_row_breaks_the_chain_where_it_was(removed):
    chain = _chain()
    del chain[removed]
    assert rules.verify_chain(chain) == removed


def test_j8_removed_newest_row_is_found_against_the_head_hash():
    chain = _chain()
    head = chain[-1].hash
    assert rules.verify_chain(chain[:-1]) is None  # a chain alone cannot tell
    assert rules.verify_chain(chain[:-1], head=head) == 4
    assert rules.verify_chain(chain, head=head) is None


def test_j8_swapped_rows_break_the_chain():
    chain = _chain()
    chain[1], chain[2] = chain[2], chain[1]
    assert rules.verify_chain(chain) == 1


def test_j8_tail_of_the_chain_verifies_from_the_previous_hash():
    chain = _chain()
    assert rules.verify_chain(chain[2:], previous_hash=chain[1].hash) is None
    assert rules.verify_chain(chain[2:]) == 0


# --- attendance (J5) --------------------------------------------------------------------------

@pytest.mark.parametrize("kind, code, title", [
    (AbsenceKind.UNEXCUSED, "н", "Пропуск без уважительной причины"),
    (AbsenceKind.EXCUSED, "у", "Пропуск по уважительной причине"),
    (AbsenceKind.ILL, "б", "Пропуск по болезни"),
    (AbsenceKind.LATE, "оп", "Опоздание"),
])
def test_j5_absence_kinds_have_journal_letters_and_titles(kind, code, title):
    assert (kind.code, kind.title) == (code, title)
    assert rules.absence_kind(code) is kind
    assert rules.absence_kind(kind.value) is kind


@pytest.mark.parametrize("raw", ["x", "", "опоздал", None])
def test_j5_unknown_absence_kind_names_the_field(raw):
    with pytest.raises(RuleError) as error:
        Absence("s1", SEPT_1, raw)
    assert error.value.field == "kind"


def test_j5_absence_needs_a_lesson_date():
    with pytest.raises(RuleError) as error:
        Absence("s1", None, "н")
    assert error.value.field == "lesson_date"


WEEK = Week(dt.date(2026, 9, 7))  # Monday 7 to Sunday 13 September


def test_j5_weekly_missed_lessons_count_each_kind_and_late_is_not_missed():
    absences = [
        Absence("s1", dt.date(2026, 9, 7), "н"), Absence("s1", dt.date(2026, 9, 7), "н"),
        Absence("s1", dt.date(2026, 9, 8), "б"), Absence("s1", dt.date(2026, 9, 9), "у"),
        Absence("s1", dt.date(2026, 9, 10), "оп"), Absence("s2", dt.date(2026, 9, 11), "оп"),
    ]
    summary = rules.weekly_missed_lessons(absences, WEEK)
    assert summary["s1"].missed == 4
    assert summary["s1"].unexcused == 2
    assert summary["s1"].late == 1
    assert summary["s1"].count(AbsenceKind.ILL) == 1
    assert (summary["s2"].missed, summary["s2"].late) == (0, 1)


def test_j5_weekly_summary_counts_monday_to_sunday_only():
    absences = [Absence("s1", dt.date(2026, 9, 6), "н"), Absence("s1", dt.date(2026, 9, 7), "н"),
                Absence("s1", dt.date(2026, 9, 13), "н"), Absence("s1", dt.date(2026, 9, 14), "н")]
    assert rules.weekly_missed_lessons(absences, WEEK)["s1"].missed == 2
    assert rules.weekly_missed_lessons([], WEEK) == {}


def test_j5_week_starts_on_monday():
    assert Week.containing(dt.date(2026, 9, 13)) == WEEK
    with pytest.raises(RuleError) as error:
        Week(dt.date(2026, 9, 8))
    assert error.value.field == "week"


def test_j5_reconciliation_lists_where_the_class_and_subject_teachers_differ():
    class_teacher = [
        Absence("s1", dt.date(2026, 9, 8), "б", "L1"),   # subject teacher wrote н
        Absence("s2", dt.date(2026, 9, 8), "у", "L1"),   # subject teacher saw the student
        Absence("s3", dt.date(2026, 9, 9), "н", "L2"),   # both agree
        Absence("s1", dt.date(2026, 9, 1), "б", "L0"),   # another week
    ]
    subject_teacher = [
        Absence("s1", dt.date(2026, 9, 8), "н", "L1"),
        Absence("s3", dt.date(2026, 9, 9), "н", "L2"),
        Absence("s4", dt.date(2026, 9, 7), "оп", "L9"),  # class teacher has nothing
        Absence("s1", dt.date(2026, 9, 2), "н", "L5"),   # another week
    ]
    differences = rules.reconcile_week(class_teacher, subject_teacher, WEEK)
    assert [(d.student_id, d.lesson_id, d.class_teacher, d.subject_teacher) for d in differences] == [
        ("s4", "L9", None, AbsenceKind.LATE),
        ("s1", "L1", AbsenceKind.ILL, AbsenceKind.UNEXCUSED),
        ("s2", "L1", AbsenceKind.EXCUSED, None),
    ]
    assert differences[1].message == ("08.09.2026: у классного руководителя — «б» (пропуск по болезни), "
                                      "у учителя-предметника — «н» (пропуск без уважительной причины)")
    assert "присутствовал" in differences[2].message


def test_j5_reconciliation_needs_lessons():
    with pytest.raises(RuleError) as error:
        rules.reconcile_week([Absence("s1", dt.date(2026, 9, 8), "н")], [], WEEK)
    assert error.value.field == "class_teacher_view.lesson_id"


# --- J6 alerts ---------------------------------------------------------------------------------

@pytest.mark.parametrize("average, period_marks, failing", [
    (D("2.49"), (), True), (D("2.5"), (), False), ("1.2", (), True), (None, (), False), (D("4.8"), (), False),
    (D("4.2"), (5, 2), True), (None, (1,), True), (D("4.0"), (FAIL,), True), (D("4.0"), (NA, EXEMPT, 3), False),
])
def test_j6_failing_when_the_average_rounds_to_2_or_a_period_mark_is_2(average, period_marks, failing):
    assert rules.is_failing(average, period_marks) is failing


def test_j6_failing_follows_the_school_rounding():
    assert not rules.is_failing(D("2.55"))
    assert rules.is_failing(D("2.55"), policy=MarkPolicy(rounding=rules.PASS_FROM_2_6_ROUNDING))


@pytest.mark.parametrize("marks, failing", [
    ([mark(2), mark(2), mark(3)], True),  # 2,33
    ([mark(2), mark(3, WorkType.TEST)], False),  # (2 + 6) / 3 = 2,67
    ([mark(2), mark(PASS)], True),
    ([mark(PASS)], False),
    ([], False),
])
def test_j6_failing_from_the_current_marks_with_the_school_weights(marks, failing):
    assert rules.is_failing(marks) is failing


@pytest.mark.parametrize("count, threshold, alert", [(0, 1, False), (1, 1, True), (2, 3, False), (3, 3, True)])
def test_j6_unexcused_absences_alert_at_the_threshold(count, threshold, alert):
    assert rules.unexcused_absences_alert(count, threshold) is alert


def test_j6_unexcused_absences_alert_defaults_to_any_absence_and_checks_its_inputs():
    assert rules.unexcused_absences_alert(1)
    with pytest.raises(RuleError) as error:
        rules.unexcused_absences_alert(1, 0)
    assert error.value.field == "threshold"
    with pytest.raises(RuleError) as error:
        rules.unexcused_absences_alert(-1)
    assert error.value.field == "count_in_week"


# --- КТП (J3) ----------------------------------------------------------------------------------

PLAN = [PlanItem("Введение", 1), PlanItem("Механическое движение", 2),
        PlanItem("Измерение плотности", 1, WorkType.LABORATORY), PlanItem("Контрольная работа № 1", 1, "test")]


def _lessons(count: int, start: dt.date = SEPT_1, cancelled: set[int] = frozenset()) -> list[Lesson]:
    return [Lesson(f"L{n}", start + dt.timedelta(days=2 * n), cancelled=n in cancelled) for n in range(count)]


def test_j3_plan_items_take_as_many_lessons_as_hours_in_date_order():
    lessons = list(reversed(_lessons(5)))  # order of input does not matter
    match = rules.match_plan_to_lessons(PLAN, lessons)
    assert [(t.lesson_id, t.topic, t.hour, t.hours) for t in match.topics] == [
        ("L0", "Введение", 1, 1), ("L1", "Механическое движение", 1, 2), ("L2", "Механическое движение", 2, 2),
        ("L3", "Измерение плотности", 1, 1), ("L4", "Контрольная работа № 1", 1, 1),
    ]
    assert match.topics[3].work_type is WorkType.LABORATORY
    assert match.unplaced == () and match.lessons_without_topic == ()


def test_j3_lessons_of_one_day_are_ordered_by_their_number():
    lessons = [Lesson("second", SEPT_1, number=3), Lesson("first", SEPT_1, number=2)]
    match = rules.match_plan_to_lessons([PlanItem("Тема", 2)], lessons)
    assert [t.lesson_id for t in match.topics] == ["first", "second"]


def test_j3_cancelled_lessons_take_no_topic():
    match = rules.match_plan_to_lessons(PLAN, _lessons(6, cancelled={1}))
    assert [t.lesson_id for t in match.topics] == ["L0", "L2", "L3", "L4", "L5"]


def test_j3_hours_without_lessons_and_lessons_without_topics_are_shown():
    short = rules.match_plan_to_lessons(PLAN, _lessons(2))
    assert [(u.item_index, u.hours_missing) for u in short.unplaced] == [(1, 1), (2, 1), (3, 1)]
    extra = rules.match_plan_to_lessons(PLAN[:1], _lessons(3))
    assert [lesson.id for lesson in extra.lessons_without_topic] == ["L1", "L2"]


def test_j3_plan_can_be_marked_complete_when_plan_curriculum_and_lessons_agree():
    check = rules.check_lesson_plan(PLAN, _lessons(5), curriculum_hours=5, today=day(4))
    assert check.can_mark_complete and check.reasons == ()
    assert (check.planned_hours, check.curriculum_hours, check.lessons_scheduled, check.lessons_held) == (5, 5, 5, 3)
    assert check.lessons_to_come == 2


def test_j3_plan_hours_must_equal_curriculum_hours():
    check = rules.check_lesson_plan(PLAN, _lessons(5), curriculum_hours=6, today=day(0))
    assert not check.can_mark_complete
    assert codes(check.reasons) == ["PLAN_HOURS_DIFFER_FROM_CURRICULUM"]
    assert check.reasons[0].message == "В КТП 5 ч, по учебному плану 6 ч"


def test_j3_lessons_of_the_timetable_must_match_plan_hours():
    check = rules.check_lesson_plan(PLAN, _lessons(6, cancelled={5}) + _lessons(1, day(20)), 5, today=day(30))
    assert codes(check.reasons) == ["LESSONS_DIFFER_FROM_PLAN"]
    assert check.lessons_scheduled == 6


def test_j3_empty_plan_cannot_be_complete():
    check = rules.check_lesson_plan([], [], curriculum_hours=0, today=SEPT_1)
    assert codes(check.reasons) == ["PLAN_EMPTY"]


@pytest.mark.parametrize("topic, hours, field", [("", 1, "topic"), ("  ", 1, "topic"), ("Тема", 0, "hours"),
                                                 ("Тема", 1.5, "hours")])
def test_j3_bad_plan_item_names_the_field(topic, hours, field):
    with pytest.raises(RuleError) as error:
        PlanItem(topic, hours)
    assert error.value.field == field


def test_j3_planned_work_types_of_a_period_feed_the_m2_check():
    match = rules.match_plan_to_lessons(PLAN, _lessons(5))
    assert match.work_types_between(day(0), day(5)) == frozenset()
    held = match.work_types_between(day(0), day(8))
    assert held == {WorkType.LABORATORY, WorkType.TEST}
    marks = [mark(5, WorkType.TEST), mark(4), mark(4)]
    assert codes(rules.unmet_attestation_requirements(marks, held_work_types=held)) == []


# --- subgroups (J4) ----------------------------------------------------------------------------

@pytest.mark.parametrize("roles, today, expected", [
    ({Role.ADMINISTRATOR}, dt.date(2026, 10, 24), ("SUBGROUP_MOVE_OUTSIDE_PERIOD_END",)),
    ({Role.ADMINISTRATOR}, dt.date(2026, 10, 25), ()),  # the period's last day
    ({Role.ADMINISTRATOR}, dt.date(2026, 11, 4), ()),  # the day before the next period's first lesson
    ({Role.ADMINISTRATOR}, dt.date(2026, 11, 5), ("SUBGROUP_MOVE_OUTSIDE_PERIOD_END",)),
    ({Role.CLASS_TEACHER}, dt.date(2026, 10, 30), ("SUBGROUP_MOVE_ONLY_BY_ADMINISTRATOR",)),
    ({Role.SUBJECT_TEACHER}, dt.date(2026, 10, 1),
     ("SUBGROUP_MOVE_ONLY_BY_ADMINISTRATOR", "SUBGROUP_MOVE_OUTSIDE_PERIOD_END")),
    ({Role.CLASS_TEACHER, Role.ADMINISTRATOR}, dt.date(2026, 10, 30), ()),
])
def test_j4_subgroup_move_only_by_the_administrator_at_the_end_of_a_period(roles, today, expected):
    assert rules.subgroup_move_allowed(roles, today, Q1, Q2_FIRST_LESSON).codes == expected


def test_j4_refusal_states_the_window():
    verdict = rules.subgroup_move_allowed({Role.ADMINISTRATOR}, dt.date(2026, 10, 1), Q1, Q2_FIRST_LESSON)
    assert "с 25.10.2026 до 04.11.2026" in verdict.reasons[0].message


def test_j4_after_the_last_period_the_window_stays_open():
    year_end = Period("q4", "quarter", 4, dt.date(2027, 4, 1), dt.date(2027, 5, 31))
    assert rules.subgroup_move_allowed({Role.ADMINISTRATOR}, dt.date(2027, 7, 1), year_end, None).allowed
    assert not rules.subgroup_move_allowed({Role.ADMINISTRATOR}, dt.date(2027, 5, 30), year_end, None).allowed


def test_j4_next_period_must_start_after_this_one():
    with pytest.raises(RuleError) as error:
        rules.subgroup_move_allowed({Role.ADMINISTRATOR}, dt.date(2026, 10, 25), Q1, dt.date(2026, 10, 25))
    assert error.value.field == "next_period_first_lesson"


# --- personal data (J1) ------------------------------------------------------------------------

@pytest.mark.parametrize("last, reminder", [
    (dt.date(2026, 1, 15), dt.date(2026, 2, 15)), (dt.date(2026, 1, 31), dt.date(2026, 2, 28)),
    (dt.date(2028, 1, 31), dt.date(2028, 2, 29)), (dt.date(2026, 3, 31), dt.date(2026, 4, 30)),
    (dt.date(2026, 12, 10), dt.date(2027, 1, 10)),
])
def test_j1_personal_data_reminder_comes_one_calendar_month_after_the_last_check(last, reminder):
    assert rules.verification_reminder_date(last) == reminder


@pytest.mark.parametrize("last, today, due", [
    (dt.date(2026, 1, 15), dt.date(2026, 2, 14), False), (dt.date(2026, 1, 15), dt.date(2026, 2, 15), True),
    (dt.date(2026, 1, 15), dt.date(2026, 6, 1), True), (None, dt.date(2026, 1, 1), True),
])
def test_j1_personal_data_verification_is_due_after_a_month(last, today, due):
    assert rules.verification_due(last, today) is due


# --- forecast (G4) -----------------------------------------------------------------------------

def test_g4_no_forecast_without_marks():
    forecast = rules.forecast_period_mark([mark(PASS)], Q1, day(10))
    assert forecast.value is None and forecast.confidence is Confidence.NONE


def test_g4_steady_marks_forecast_their_average():
    forecast = rules.forecast_period_mark([mark(4, on=n) for n in (1, 5, 9, 13)], Q1, day(14))
    assert (forecast.value, forecast.projected_average, forecast.trend_per_week) == (4, D("4.00"), D("0.00"))


def test_g4_rising_marks_raise_the_forecast_by_the_trend_for_the_rest_of_the_period():
    marks = [mark(3, on=0), mark(4, on=7), mark(5, on=14)]
    early = rules.forecast_period_mark(marks, Q1, day(14))
    # average 4, slope 1 a week; the shift is capped at half a mark, 40 of 55 days remain: 4 + 0.5 · 40/55
    assert early.current_average == D("4.00")
    assert early.trend_per_week == D("1.00")
    assert early.projected_average == D("4.36")
    assert early.value == 4
    assert early.confidence is Confidence.MEDIUM
    assert "изменение +1,00 в неделю" in early.explanation
    assert "прогноз 4,36 → «4»" in early.explanation
    late = rules.forecast_period_mark(marks, Q1, day(49))  # 5 of 55 days remain
    assert late.projected_average == D("4.05")


def test_g4_falling_marks_lower_the_forecast():
    forecast = rules.forecast_period_mark([mark(5, on=0), mark(4, on=7), mark(3, on=14)], Q1, day(14))
    assert forecast.trend_per_week == D("-1.00")
    assert forecast.projected_average == D("3.64")  # 4 − 0.5 · 40/55


def test_g4_trend_can_change_the_forecast_mark():
    rising = [mark(3, on=0), mark(3, on=7), mark(4, on=14)]  # average 3.33, rising
    forecast = rules.forecast_period_mark(rising, Q1, day(14))
    assert forecast.current_average == D("3.33") and forecast.value == 4
    falling = [mark(4, on=0), mark(4, on=7), mark(3, on=14)]  # average 3.67, falling
    forecast = rules.forecast_period_mark(falling, Q1, day(14))
    assert forecast.projected_average < D("3.5") and forecast.value == 3


def test_g4_trend_needs_three_marks_on_different_days():
    two = rules.forecast_period_mark([mark(2, on=0), mark(5, on=10)], Q1, day(10))
    same_day = rules.forecast_period_mark([mark(2, on=3), mark(3, on=3), mark(5, on=3)], Q1, day(10))
    assert two.trend_per_week == 0 and two.projected_average == D("3.50")
    assert same_day.trend_per_week == 0


def test_g4_forecast_at_the_period_end_is_the_rounded_average():
    marks = [mark(3, on=0), mark(4, on=7), mark(5, on=14)]
    forecast = rules.forecast_period_mark(marks, Q1, Q1.end)
    assert forecast.remaining_share == 0
    assert (forecast.projected_average, forecast.value) == (D("4.00"), 4)


def test_g4_forecast_stays_within_1_and_5():
    top = rules.forecast_period_mark([mark(4, on=0), mark(5, on=1), mark(5, on=2), mark(5, on=3)], Q1, day(3))
    bottom = rules.forecast_period_mark([mark(2, on=0), mark(1, on=1), mark(1, on=2), mark(1, on=3)], Q1, day(3))
    assert top.projected_average <= 5 and top.value == 5
    assert bottom.projected_average >= 1 and bottom.value == 1


def test_g4_forecast_ignores_marks_outside_the_period():
    forecast = rules.forecast_period_mark([Mark(2, "oral", dt.date(2026, 8, 20)), mark(5, on=2)], Q1, day(3))
    assert forecast.mark_count == 1 and forecast.value == 5


@pytest.mark.parametrize("count, confidence", [(0, Confidence.NONE), (1, Confidence.LOW), (2, Confidence.LOW),
                                               (3, Confidence.MEDIUM), (5, Confidence.MEDIUM), (6, Confidence.HIGH)])
def test_g4_confidence_grows_with_the_number_of_marks(count, confidence):
    assert rules.confidence_for(count) is confidence


def test_g4_class_forecast_gives_expected_pass_and_quality_rates():
    def forecast(*values):
        return [rules.forecast_period_mark([mark(v, on=n) for n, v in enumerate(values)], Q1, Q1.end)]

    class_forecast = rules.forecast_class({
        "a": forecast(5, 5, 5), "b": forecast(4, 5, 4), "c": forecast(3, 3, 3), "d": forecast(2, 2, 3),
        "e": forecast(),
    })
    assert class_forecast.pass_rate == D("75.0")
    assert class_forecast.quality_rate == D("50.0")
    assert class_forecast.without_forecast == ("e",)
    assert class_forecast.results.students(StudentStanding.FAILING) == ["d"]


# --- results for reports (R1) ------------------------------------------------------------------

@pytest.mark.parametrize("value, percent", [(5, "100.0"), (4, "64.0"), (3, "36.0"), (2, "16.0"), (1, "7.0")])
def test_r1_sou_of_each_mark(value, percent):
    assert rules.sou([value]) == D(percent)


def test_r1_summary_of_a_list_of_final_marks():
    summary = rules.marks_summary([5, 5, 4, 3, 2])
    assert summary.pass_rate == D("80.0")
    assert summary.quality_rate == D("60.0")
    assert summary.mean == D("3.80")
    assert summary.sou == D("63.2")  # (100 + 100 + 64 + 36 + 16) / 5
    assert summary.count_by_value == {5: 2, 4: 1, 3: 1, 2: 1, 1: 0}


def test_r1_not_attested_is_not_passing_and_exempt_is_left_out():
    summary = rules.marks_summary([5, 4, NA, EXEMPT])
    assert (summary.assessed, summary.not_attested, summary.exempt) == (3, 1, 1)
    assert summary.pass_rate == D("66.7")
    assert summary.quality_rate == D("66.7")
    assert summary.mean == D("4.50")


def test_r1_pass_fail_marks_count_for_passing_not_for_quality():
    summary = rules.marks_summary([PASS, PASS, FAIL])
    assert summary.pass_rate == D("66.7")
    assert summary.quality_rate is None and summary.mean is None and summary.sou is None


def test_r1_empty_list_has_no_rates():
    summary = rules.marks_summary([])
    assert (summary.pass_rate, summary.quality_rate, summary.mean, summary.sou) == (None, None, None, None)


@pytest.mark.parametrize("marks, standing", [
    ([5, 5, PASS], StudentStanding.ONLY_FIVES), ([5, 4, 4], StudentStanding.FOURS_AND_FIVES),
    ([5, 4, 3], StudentStanding.ONE_THREE), ([3, 3, 5], StudentStanding.THREES),
    ([5, 2], StudentStanding.FAILING), ([5, FAIL], StudentStanding.FAILING), ([4, 1], StudentStanding.FAILING),
    ([5, NA], StudentStanding.NOT_ATTESTED), ([2, NA], StudentStanding.FAILING),
    ([5, EXEMPT], StudentStanding.ONLY_FIVES),
    ([EXEMPT, PASS], None), ([], None),
])
def test_r1_student_standing_by_marks_across_subjects(marks, standing):
    assert rules.student_standing(marks) is standing


def test_r1_class_results_count_students_and_rates():
    results = rules.class_results({
        "a": [5, 5, 5], "b": [5, 4], "c": [4, 3, 5], "d": [3, 3, 4], "e": [2, 5], "f": [NA, 4], "g": [EXEMPT],
    })
    assert results.counts == {
        StudentStanding.ONLY_FIVES: 1, StudentStanding.FOURS_AND_FIVES: 1, StudentStanding.ONE_THREE: 1,
        StudentStanding.THREES: 1, StudentStanding.FAILING: 1, StudentStanding.NOT_ATTESTED: 1,
    }
    assert (results.graded, results.not_graded) == (6, 1)
    assert results.pass_rate == D("66.7")  # 4 of 6
    assert results.quality_rate == D("33.3")  # 2 of 6
    assert results.mean == D("4.07")  # 57 / 14: н/а and освобождён are not numbers
    assert results.students(StudentStanding.NOT_ATTESTED) == ["f"]
    assert StudentStanding.ONE_THREE.title == "С одной «3»"


# --- verdicts ----------------------------------------------------------------------------------

def test_allowed_verdict_does_not_raise_and_is_truthy():
    rules.ALLOWED.raise_if_refused()
    assert rules.ALLOWED and not rules.refused("X", "нельзя")
