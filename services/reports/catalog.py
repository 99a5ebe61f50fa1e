"""Which report a query asks for: checked against the caller (`resolve`), then built (`build`).

A resolved query names everything (school, teacher, dates), so that the same
report can be built again later without the caller — which is how a
printout is verified.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json

from ezh.reports.v1 import reports_pb2
from sqlalchemy.orm import Session

from services.common.errors import InvalidArgument, PermissionDenied
from services.common.roles import Role
from services.common.tokens import Identity
from services.common.validation import identifier
from services.reports import access, queries
from services.reports.collector import collection_paused
from services.reports.documents import Document
from services.reports.rules.spans import Span, parse_day, r1_date_range, r1_previous_range

K = reports_pb2.ReportKind
KIND_NAMES = {
    K.REPORT_KIND_PROGRESS: "progress", K.REPORT_KIND_DISTRICT: "district",
    K.REPORT_KIND_SUBJECT_TEACHER: "subject_teacher", K.REPORT_KIND_CLASS_TEACHER: "class_teacher",
    K.REPORT_KIND_ATTENDANCE: "attendance", K.REPORT_KIND_REPORT_CARD: "report_card",
    K.REPORT_KIND_STUDENT_RECORD: "student_record", K.REPORT_KIND_JOURNAL_PAGE: "journal_page",
    K.REPORT_KIND_JOURNAL_CONTROL: "journal_control", K.REPORT_KIND_STUDENT_FORECAST: "student_forecast",
    K.REPORT_KIND_CLASS_FORECAST: "class_forecast",
}
KINDS_BY_NAME = {name: kind for kind, name in KIND_NAMES.items()}
ADMINISTRATION = access.SCHOOL_ADMINISTRATION


@dataclasses.dataclass(frozen=True)
class Resolved:
    kind: str
    school_id: str = ""
    class_id: str = ""
    subject_id: str = ""
    teacher_id: str = ""
    student_id: str = ""
    period_id: str = ""
    start_date: str = ""
    end_date: str = ""
    as_of_date: str = ""
    school_ids: tuple[str, ...] = ()

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Resolved:
        values = json.loads(text)
        values["school_ids"] = tuple(values.get("school_ids", ()))
        return cls(**values)


def _ids(query) -> dict[str, str]:
    return {name: identifier(name, getattr(query, name), required=False)
            for name in ("school_id", "class_id", "subject_id", "teacher_id", "student_id", "period_id")}


def _require(field: str, value: str) -> str:
    if not value:
        raise InvalidArgument(field, f"Поле «{field}» не заполнено")
    return value


def _check_dates(query) -> None:
    for field in ("start_date", "end_date", "as_of_date"):
        if getattr(query, field):
            parse_day(field, getattr(query, field))
    if not query.period_id and (query.start_date or query.end_date):
        r1_date_range(query.start_date, query.end_date)


def _span_fields(session: Session, school_id: str, ids: dict, query, *, needed: bool = True) -> dict:
    if ids["period_id"]:
        queries.find_period(session, ids["period_id"], school_id)
        return {"period_id": ids["period_id"]}
    if query.start_date or query.end_date or needed:
        r1_date_range(query.start_date, query.end_date)
        return {"start_date": query.start_date, "end_date": query.end_date}
    return {}


def resolve(session: Session, identity: Identity, query) -> Resolved:
    """The query with every default filled in, if the caller may see it; else NOT_FOUND or PERMISSION_DENIED."""
    kind = KIND_NAMES.get(query.kind)
    if kind is None:
        raise InvalidArgument("kind", "Неизвестный вид отчёта")
    ids = _ids(query)
    _check_dates(query)
    as_of = {"as_of_date": query.as_of_date} if query.as_of_date else {}
    if kind == "district":
        if not identity.has_role(Role.DISTRICT_OPERATOR, *ADMINISTRATION):
            raise PermissionDenied("Отчёт по району доступен оператору района и администрации школы",
                                   reason="ROLE_REQUIRED")
        if identity.has_role(Role.DISTRICT_OPERATOR):
            schools = tuple(queries.all_schools(session))
        else:
            schools = (access.own_school(identity, ""),)
        if ids["period_id"]:
            raise InvalidArgument("period_id", "Отчёт по району строится за промежуток дат: укажите start_date "
                                               "и end_date, или вид и номер периода")
        spans = _span_fields(session, "", ids, query)
        return Resolved(kind, school_ids=schools, **spans)
    if kind in ("report_card", "student_record", "student_forecast"):
        student_id = _require("student_id", ids["student_id"])
        school_id = access.may_see_student(session, identity, student_id)
        spans = {"period_id": ids["period_id"]} if ids["period_id"] else {}
        if ids["period_id"]:
            queries.find_period(session, ids["period_id"], school_id)
        return Resolved(kind, school_id=school_id, student_id=student_id, **spans, **as_of)
    school_id = access.own_school(identity, ids["school_id"])
    if not queries.school_exists(session, school_id):
        raise access.not_found("Школа")
    if kind == "progress":
        if not (identity.has_role(Role.DISTRICT_OPERATOR) or access.is_administration(identity, school_id)):
            raise access.not_found()
        return Resolved(kind, school_id=school_id, **_span_fields(session, school_id, ids, query))
    if kind in ("subject_teacher", "journal_control"):
        teacher_id = access.may_see_teacher(identity, school_id, ids["teacher_id"])
        if kind == "journal_control" and not ids["teacher_id"] and access.is_administration(identity, school_id):
            teacher_id = ""  # the whole school
        spans = _span_fields(session, school_id, ids, query, needed=kind == "subject_teacher")
        return Resolved(kind, school_id=school_id, teacher_id=teacher_id, class_id=ids["class_id"], **spans, **as_of)
    if kind in ("class_teacher", "class_forecast", "attendance"):
        class_id = ids["class_id"] if kind == "attendance" else _require("class_id", ids["class_id"])
        if class_id:
            access.may_see_class(session, identity, school_id, class_id, teachers_too=kind != "class_teacher")
        elif not access.is_administration(identity, school_id):
            raise InvalidArgument("class_id", "Поле «class_id» не заполнено")
        spans = _span_fields(session, school_id, ids, query, needed=kind != "class_forecast")
        return Resolved(kind, school_id=school_id, class_id=class_id, **spans, **as_of)
    if kind == "journal_page":
        class_id = _require("class_id", ids["class_id"])
        subject_id = _require("subject_id", ids["subject_id"])
        period_id = _require("period_id", ids["period_id"])
        access.may_see_class(session, identity, school_id, class_id, subject_id)
        queries.find_period(session, period_id, school_id)
        return Resolved(kind, school_id=school_id, class_id=class_id, subject_id=subject_id, period_id=period_id)
    raise InvalidArgument("kind", "Неизвестный вид отчёта")


def span_of(session: Session, resolved: Resolved) -> tuple[Span, Span | None]:
    """The report's span and the one to compare with."""
    if resolved.period_id:
        period = queries.find_period(session, resolved.period_id)
        previous = queries.previous_period(session, period)
        return period.span(), previous.span() if previous else None
    span = r1_date_range(resolved.start_date, resolved.end_date)
    return span, r1_previous_range(span)


def _district_span(session: Session, school_id: str, resolved: Resolved) -> tuple[Span, Span | None]:
    """The school's own study period when the dates are exactly one of its periods (its final marks count), else
    the range of days."""
    span, previous = span_of(session, resolved)
    for period in queries.school_periods(session, school_id):
        if (period.start, period.end) == (span.start, span.end):
            before = queries.previous_period(session, period)
            return period.span(), before.span() if before else previous
    return span, previous


def build(session: Session, resolved: Resolved, today: dt.date) -> Document:
    """The report of a resolved query, from the read model as it is now."""
    with collection_paused():
        return _build(session, resolved, today)


def _build(session: Session, resolved: Resolved, today: dt.date) -> Document:
    from services.reports import control, forecasts, progress_reports as progress, student_reports

    kind = resolved.kind
    if kind == "district":
        spans = {school: _district_span(session, school, resolved) for school in resolved.school_ids}
        title = next(iter(spans.values()))[0].title if spans else ""
        return progress.district_progress(session, list(resolved.school_ids), spans, title)
    if kind == "progress":
        span, previous = span_of(session, resolved)
        return progress.school_progress(session, resolved.school_id, span, previous)
    if kind == "subject_teacher":
        return progress.subject_teacher_report(session, resolved.school_id, resolved.teacher_id,
                                               span_of(session, resolved)[0])
    if kind == "class_teacher":
        return progress.class_teacher_report(session, resolved.school_id, resolved.class_id,
                                             span_of(session, resolved)[0])
    if kind == "attendance":
        return progress.attendance_report(session, resolved.school_id, resolved.class_id or None,
                                          span_of(session, resolved)[0])
    if kind in ("report_card", "student_record", "student_forecast"):
        student = queries.find_student(session, resolved.student_id)
        if kind == "student_record":
            return student_reports.student_record(session, student, resolved.school_id)
        if kind == "report_card":
            year = _academic_year(session, resolved, today)
            return student_reports.report_card(session, student, resolved.school_id, year)
        return forecasts.student_forecast(session, student, resolved.school_id,
                                          _forecast_period(session, resolved, today), _as_of(resolved, today))
    if kind == "class_forecast":
        return forecasts.class_forecast(session, resolved.school_id, resolved.class_id,
                                        _forecast_period(session, resolved, today), _as_of(resolved, today))
    if kind == "journal_page":
        return student_reports.journal_page(session, resolved.school_id, resolved.class_id, resolved.subject_id,
                                            queries.find_period(session, resolved.period_id))
    if kind == "journal_control":
        period = _forecast_period(session, resolved, today)
        return control.journal_control(session, resolved.school_id, resolved.teacher_id or None, period,
                                       _as_of(resolved, today))
    raise InvalidArgument("kind", "Неизвестный вид отчёта")


def _as_of(resolved: Resolved, today: dt.date) -> dt.date:
    return dt.date.fromisoformat(resolved.as_of_date) if resolved.as_of_date else today


def _academic_year(session: Session, resolved: Resolved, today: dt.date) -> str:
    if resolved.period_id:
        return queries.find_period(session, resolved.period_id).academic_year_id
    periods = queries.school_periods(session, resolved.school_id)
    current = [p for p in periods if p.start <= today] or periods
    if not current:
        raise access.not_found("Учебный год")
    return current[-1].academic_year_id


def _forecast_period(session: Session, resolved: Resolved, today: dt.date) -> queries.PeriodRow:
    """The period asked for, else the quarter (trimester) that holds the day, else the last one begun."""
    if resolved.period_id:
        return queries.find_period(session, resolved.period_id)
    day = _as_of(resolved, today)
    periods = [p for p in queries.school_periods(session, resolved.school_id) if p.kind not in ("year", "half_year")]
    holding = [p for p in periods if p.start <= day <= p.end]
    begun = [p for p in periods if p.start <= day]
    chosen = holding or begun or periods
    if not chosen:
        raise access.not_found("Учебный период")
    return chosen[-1]
