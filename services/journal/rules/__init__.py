"""The regulation's journal rules as pure functions: no I/O, no database, no clock.

Callers pass `today`/`now` and what the database holds; the functions
decide.  A bad value raises `RuleError` naming the field; a broken rule is a
`Verdict`/`Reason` with an UPPER_SNAKE code and a Russian message.

Modules, by requirement:
  marks, rounding, averages    J2, G2, M4 — marks, work types, weights, averages
  attestation                  M2, G2, M4 — requirements and suggested marks
  final_marks, periods         M1 — final mark kinds, values, period schemes
  deadlines                    M3 — final-marks deadline, period lock, exceptions
  change_log                   J8 — late-change reasons, hash chain
  attendance                   J5 — absence kinds, weekly summary, reconciliation
  lesson_plan                  J3 — КТП placed on lessons, hours check
  subgroups                    J4 — moving students between subgroups
  personal_data                J1 — monthly re-verification
  alerts                       J6 — failing students, unexcused absences
  forecast                     G4 — student and class forecasts
  results                      R1 — успеваемость, качество, СОУ
  verdicts, wording            Reason/Verdict/RuleError; how numbers and dates read in Russian
"""
from services.journal.rules.alerts import DEFAULT_UNEXCUSED_ALERT_THRESHOLD, is_failing, unexcused_absences_alert
from services.journal.rules.attendance import (
    ABSENCE_CODES, ABSENCE_TITLES, MISSED_KINDS, Absence, AbsenceDifference, AbsenceKind, AttendanceCounts, Week,
    absence_kind, attendance_counts, reconcile_week, weekly_missed_lessons,
)
from services.journal.rules.attestation import (
    DEFAULT_POLICY, PASS_FAIL_RULE, REGULATION_MIN_MARKS, DerivedMarkSuggestion, MarkPolicy, PeriodMarkSuggestion,
    suggest_overall_mark, suggest_period_mark, suggest_year_mark, unmet_attestation_requirements,
)
from services.journal.rules.averages import MarkBasis, WeightedMark, mark_basis, weighted_average
from services.journal.rules.change_log import (
    GENESIS_HASH, LATE_CHANGE_AFTER, ChainedChange, ChangeAction, ChangeEntity, ChangeRecord, canonical_json,
    chain_hash, change_allowed, change_reason_required, verify_chain,
)
from services.journal.rules.deadlines import (
    EXCEPTION_GRANTORS, DeadlineException, EntryDecision, deadline_passed, final_mark_entry_allowed,
    journal_entry_allowed, lesson_locked, may_grant_exception,
)
from services.journal.rules.final_marks import (
    ATTESTATION_PERIOD_KINDS, FinalMarkKind, FinalMarkSlot, FinalMarkValue, SpecialFinalValue, final_mark_allowed,
    final_mark_slots, final_mark_value,
)
from services.journal.rules.forecast import (
    ClassForecast, Confidence, MarkForecast, confidence_for, forecast_class, forecast_period_mark,
)
from services.journal.rules.lesson_plan import (
    Lesson, LessonPlanCheck, LessonTopic, PlanItem, PlanMatch, UnplacedItem, check_lesson_plan,
    match_plan_to_lessons,
)
from services.journal.rules.marks import (
    CONTROL_WORK_TYPES, DEFAULT_WEIGHTS, WORK_TYPE_TITLES, Mark, MarkScale, MarkValue, PassFail, WorkType,
    mark_value, mark_weight, school_weights, weight_value, work_type,
)
from services.journal.rules.periods import (
    DEFAULT_DEADLINE_DAYS_BEFORE_END, Period, PeriodKind, PeriodScheme, period_title,
)
from services.journal.rules.personal_data import verification_due, verification_reminder_date
from services.journal.rules.results import (
    SOU_PERCENT, ClassResults, MarksSummary, StudentStanding, class_results, marks_summary, mean_mark, percent,
    sou, student_standing,
)
from services.journal.rules.rounding import (
    PASS_FROM_2_6_ROUNDING, STANDARD_ROUNDING, RoundingRule, to_hundredths,
)
from services.journal.rules.subgroups import SubgroupMoveWindow, subgroup_move_allowed, subgroup_move_window
from services.journal.rules.verdicts import ALLOWED, Reason, RuleError, Verdict, refused

__all__ = [
    "ABSENCE_CODES", "ABSENCE_TITLES", "ALLOWED", "ATTESTATION_PERIOD_KINDS", "Absence", "AbsenceDifference",
    "AbsenceKind", "AttendanceCounts", "CONTROL_WORK_TYPES", "ChainedChange", "ChangeAction", "ChangeEntity",
    "ChangeRecord", "ClassForecast", "ClassResults", "Confidence", "DEFAULT_DEADLINE_DAYS_BEFORE_END",
    "DEFAULT_POLICY", "DEFAULT_UNEXCUSED_ALERT_THRESHOLD", "DEFAULT_WEIGHTS", "DeadlineException",
    "DerivedMarkSuggestion", "EXCEPTION_GRANTORS", "EntryDecision", "FinalMarkKind", "FinalMarkSlot",
    "FinalMarkValue", "GENESIS_HASH", "LATE_CHANGE_AFTER", "Lesson", "LessonPlanCheck", "LessonTopic",
    "MISSED_KINDS", "Mark", "MarkBasis", "MarkForecast", "MarkPolicy", "MarkScale", "MarkValue", "MarksSummary",
    "PASS_FAIL_RULE", "PASS_FROM_2_6_ROUNDING", "PassFail", "Period", "PeriodKind", "PeriodMarkSuggestion",
    "PeriodScheme", "PlanItem", "PlanMatch", "REGULATION_MIN_MARKS", "Reason", "RoundingRule", "RuleError",
    "SOU_PERCENT", "STANDARD_ROUNDING", "SpecialFinalValue", "StudentStanding", "SubgroupMoveWindow",
    "UnplacedItem", "Verdict", "WORK_TYPE_TITLES", "Week", "WeightedMark", "WorkType", "absence_kind",
    "attendance_counts", "canonical_json", "chain_hash", "change_allowed", "change_reason_required",
    "check_lesson_plan", "class_results", "confidence_for", "deadline_passed", "final_mark_allowed",
    "final_mark_entry_allowed", "final_mark_slots", "final_mark_value", "forecast_class",
    "forecast_period_mark", "is_failing", "journal_entry_allowed", "lesson_locked", "mark_basis", "mark_value",
    "mark_weight", "marks_summary", "match_plan_to_lessons", "may_grant_exception", "mean_mark", "percent",
    "period_title", "reconcile_week", "refused", "school_weights", "sou", "student_standing",
    "subgroup_move_allowed", "subgroup_move_window", "suggest_overall_mark", "suggest_period_mark",
    "suggest_year_mark", "to_hundredths", "unexcused_absences_alert", "unmet_attestation_requirements",
    "verification_due", "verification_reminder_date", "verify_chain", "weekly_missed_lessons", "weight_value",
    "weighted_average", "work_type",
]
