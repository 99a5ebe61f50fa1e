"""Reports (R1–R4, G1, G3, G4): `/api/v1/reports/...`, students' report cards and records, printouts,
remarks on journals and period archives.

Every report answers as JSON (tables and charts) or, with `format=xlsx` or
`format=pdf`, as a file. The route admits roles; the reports service decides
by object (this school, this class, this child). Checking a printout's code
needs no sign-in: anyone holding a certified paper may check it.
"""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from ezh.reports.v1 import reports_pb2, reports_pb2_grpc
from flask import Response
from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, Field

from gateway.access import allow, allow_anonymous
from gateway.auth_models import PAGE_TOKEN_MAX_LENGTH, REQUEST_ID_MAX_LENGTH, RequestModel, time_from_proto
from gateway.openapi import Day, problem_response
from gateway.services import call
from services.common.roles import Role

reports = APIBlueprint(
    "reports", __name__,
    abp_tags=[Tag(name="reports", description="Reports, exports, certified printouts, remarks on journals")],
)

ADMINISTRATION = (Role.ADMINISTRATOR, Role.DIRECTOR, Role.DEPUTY_DIRECTOR)
STAFF = (*ADMINISTRATION, Role.SUBJECT_TEACHER, Role.CLASS_TEACHER)
TEACHERS = (Role.SUBJECT_TEACHER, Role.CLASS_TEACHER)
STUDENT_READERS = (*STAFF, Role.PARENT, Role.STUDENT)
FILE_TYPES = {"xlsx": reports_pb2.EXPORT_FORMAT_XLSX, "pdf": reports_pb2.EXPORT_FORMAT_PDF}
K = reports_pb2.ReportKind


def call_reports(method: str, message):
    return call("reports", reports_pb2_grpc.ReportsServiceStub, method, message)


# ----------------------------------------------------------------- shapes

# An ISO day is never longer than 10 characters; the schema says so.


class ReportSpanIn(RequestModel):
    period_id: uuid.UUID | None = Field(default=None, description="A study period; or give start_date and end_date")
    start_date: Day | None = None
    end_date: Day | None = None
    school_id: uuid.UUID | None = Field(default=None, description="The district operator names a school")
    class_id: uuid.UUID | None = None
    subject_id: uuid.UUID | None = None
    teacher_id: uuid.UUID | None = Field(default=None, description="Defaults to the caller")
    as_of_date: Day | None = Field(default=None, description="Forecasts and control as of a past day")

    def to_proto(self, kind: int, student_id: str = "") -> reports_pb2.ReportQuery:
        def text(value) -> str:
            return "" if value is None else str(value)

        return reports_pb2.ReportQuery(
            kind=kind, school_id=text(self.school_id), class_id=text(self.class_id), subject_id=text(self.subject_id),
            teacher_id=text(self.teacher_id), student_id=student_id, period_id=text(self.period_id),
            start_date=text(self.start_date), end_date=text(self.end_date), as_of_date=text(self.as_of_date))


class ReportQueryIn(ReportSpanIn):
    format: Literal["json", "xlsx", "pdf"] = "json"


class StudentPath(RequestModel):
    student_id: uuid.UUID


class CellOut(BaseModel):
    text: str
    number: float | None


class TableOut(BaseModel):
    key: str
    title: str
    columns: list[str]
    rows: list[list[CellOut]]


class ChartOut(BaseModel):
    key: str
    kind: str = Field(examples=["bar"])
    title: str
    labels: list[str]
    series: dict[str, list[float]]


class ReportOut(BaseModel):
    title: str
    subtitle: str
    school_name: str
    tables: list[TableOut]
    charts: list[ChartOut]
    generate_time: dt.datetime | None

    @classmethod
    def from_proto(cls, report) -> ReportOut:
        return cls(
            title=report.title, subtitle=report.subtitle, school_name=report.school_name,
            tables=[TableOut(key=t.key, title=t.title, columns=list(t.columns), rows=[
                [CellOut(text=c.text, number=c.number if c.HasField("number") else None) for c in row.cells]
                for row in t.rows]) for t in report.tables],
            charts=[ChartOut(key=c.key, kind=c.kind, title=c.title, labels=list(c.labels),
                             series={s.name: list(s.values) for s in c.series}) for c in report.charts],
            generate_time=time_from_proto(report.generate_time),
        )


FILE_RESPONSE = {"description": "The report as a file with format=xlsx or format=pdf",
                 "content": {"application/pdf": {}, "application/vnd.openxmlformats-officedocument."
                                                    "spreadsheetml.sheet": {}}}
REPORT_RESPONSES = {200: ReportOut, 400: problem_response("A bad field, named"),
                    404: problem_response("Nothing of that kind among what the caller may see")}


def _answer(query: ReportQueryIn, kind: int, student_id: str = ""):
    message = query.to_proto(kind, student_id)
    if query.format == "json":
        reply = call_reports("GetReport", reports_pb2.GetReportRequest(query=message))
        return ReportOut.from_proto(reply.report).model_dump(mode="json")
    reply = call_reports("ExportReport", reports_pb2.ExportReportRequest(query=message,
                                                                         format=FILE_TYPES[query.format]))
    return Response(reply.content, mimetype=reply.content_type,
                    headers={"Content-Disposition": f'attachment; filename="{reply.filename}"'})


# ----------------------------------------------------------------- reports

@reports.get("/reports/progress", responses=REPORT_RESPONSES)
@allow(Role.DISTRICT_OPERATOR, *ADMINISTRATION)
def get_progress_report(query: ReportQueryIn):
    """R1: progress and quality of a school by class, subject and teacher, with the previous period."""
    return _answer(query, K.REPORT_KIND_PROGRESS)


@reports.get("/reports/district", responses=REPORT_RESPONSES)
@allow(Role.DISTRICT_OPERATOR, *ADMINISTRATION)
def get_district_report(query: ReportQueryIn):
    """R1: progress and quality per school (the district operator sees every school, others their own)."""
    return _answer(query, K.REPORT_KIND_DISTRICT)


@reports.get("/reports/subject-teacher", responses=REPORT_RESPONSES)
@allow(*STAFF)
def get_subject_teacher_report(query: ReportQueryIn):
    """G3: a subject teacher's report on their classes (their own, or any teacher's for the administration)."""
    return _answer(query, K.REPORT_KIND_SUBJECT_TEACHER)


@reports.get("/reports/class-teacher", responses=REPORT_RESPONSES)
@allow(*ADMINISTRATION, Role.CLASS_TEACHER)
def get_class_teacher_report(query: ReportQueryIn):
    """G3: a class's results, subjects, attendance and students with one «3», a «2», not attested."""
    return _answer(query, K.REPORT_KIND_CLASS_TEACHER)


@reports.get("/reports/attendance", responses=REPORT_RESPONSES)
@allow(*STAFF)
def get_attendance_report(query: ReportQueryIn):
    """J5, G3: lessons missed per student, excused and unexcused, per week."""
    return _answer(query, K.REPORT_KIND_ATTENDANCE)


@reports.get("/reports/journal-page", responses=REPORT_RESPONSES)
@allow(*STAFF)
def get_journal_page_report(query: ReportQueryIn):
    """R3: a journal page (class × subject × period) from the read model."""
    return _answer(query, K.REPORT_KIND_JOURNAL_PAGE)


@reports.get("/reports/journal-control", responses=REPORT_RESPONSES)
@allow(*STAFF)
def get_journal_control_report(query: ReportQueryIn):
    """R2: lessons without topic, homework or attendance, too few marks, missing final marks."""
    return _answer(query, K.REPORT_KIND_JOURNAL_CONTROL)


@reports.get("/reports/class-forecast", responses=REPORT_RESPONSES)
@allow(*STAFF)
def get_class_forecast(query: ReportQueryIn):
    """G4: a class's expected distribution, pass and quality rates, and the students most at risk."""
    return _answer(query, K.REPORT_KIND_CLASS_FORECAST)


@reports.get("/students/<student_id>/report-card", responses=REPORT_RESPONSES)
@allow(*STUDENT_READERS)
def get_report_card(path: StudentPath, query: ReportQueryIn):
    """R4: a student's report card (табель) for the academic year."""
    return _answer(query, K.REPORT_KIND_REPORT_CARD, str(path.student_id))


@reports.get("/students/<student_id>/record", responses=REPORT_RESPONSES)
@allow(*STUDENT_READERS)
def get_student_record(path: StudentPath, query: ReportQueryIn):
    """G1: a student's marks over all the years the journal has been kept."""
    return _answer(query, K.REPORT_KIND_STUDENT_RECORD, str(path.student_id))


@reports.get("/students/<student_id>/forecast", responses=REPORT_RESPONSES)
@allow(*STUDENT_READERS)
def get_student_forecast(path: StudentPath, query: ReportQueryIn):
    """G4: a student's expected period marks and the probability of failing, with reasons."""
    return _answer(query, K.REPORT_KIND_STUDENT_FORECAST, str(path.student_id))


class SourceOut(BaseModel):
    source: str
    applied_count: int
    newest_event_time: dt.datetime | None
    lag_seconds: float
    last_apply_time: dt.datetime | None


class ReadModelStatusOut(BaseModel):
    sources: list[SourceOut]
    events_behind: int = Field(description="Events waiting in the reports queue; -1 when the bus does not answer")


@reports.get("/reports/read-model-status", responses={200: ReadModelStatusOut})
@allow(Role.DISTRICT_OPERATOR, *ADMINISTRATION)
def get_read_model_status():
    """How far the reports' read model is behind the journal."""
    reply = call_reports("GetReadModelStatus", reports_pb2.GetReadModelStatusRequest())
    return ReadModelStatusOut(
        sources=[SourceOut(source=s.source, applied_count=s.applied_count,
                           newest_event_time=time_from_proto(s.newest_event_time), lag_seconds=s.lag_seconds,
                           last_apply_time=time_from_proto(s.last_apply_time)) for s in reply.sources],
        events_behind=reply.events_behind,
    ).model_dump(mode="json")


# ----------------------------------------------------------------- printouts (R3)

PRINTABLE = {"progress": K.REPORT_KIND_PROGRESS, "subject_teacher": K.REPORT_KIND_SUBJECT_TEACHER,
             "class_teacher": K.REPORT_KIND_CLASS_TEACHER, "attendance": K.REPORT_KIND_ATTENDANCE,
             "journal_page": K.REPORT_KIND_JOURNAL_PAGE, "report_card": K.REPORT_KIND_REPORT_CARD,
             "student_record": K.REPORT_KIND_STUDENT_RECORD, "journal_control": K.REPORT_KIND_JOURNAL_CONTROL}


class PrintIn(ReportSpanIn):
    kind: Literal["progress", "subject_teacher", "class_teacher", "attendance", "journal_page", "report_card",
                  "student_record", "journal_control"]
    student_id: uuid.UUID | None = None


@reports.post("/printouts", responses={
    200: {"description": "The certified PDF; its code is in the X-Verification-Code header",
          "content": {"application/pdf": {}}},
    404: problem_response("Nothing of that kind among what the caller may see")})
@allow(*STAFF)
def print_document(body: PrintIn):
    """R3: print a report or journal page as a PDF to be certified, with a verification code and QR."""
    message = body.to_proto(PRINTABLE[body.kind], str(body.student_id) if body.student_id else "")
    reply = call_reports("PrintDocument", reports_pb2.PrintDocumentRequest(query=message))
    return Response(reply.pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{reply.filename}"', "X-Verification-Code": reply.code,
        "X-Content-Hash": reply.content_hash})


class CodePath(RequestModel):
    code: str = Field(max_length=20, description="The code printed on the document, e.g. ABCDE-23456")


class VerificationOut(BaseModel):
    code: str
    title: str
    school_name: str
    print_time: dt.datetime | None
    content_hash: str
    matches: bool = Field(description="The journal holds now what was printed")
    change_time: dt.datetime | None = Field(description="When the content changed after printing")
    message: str
    pdf_hash: str = Field(description="SHA-256 of the PDF as issued: a digital copy must have the same")


@reports.get("/printouts/<code>", responses={200: VerificationOut, 404: problem_response("No printout has this code")})
@allow_anonymous
def verify_printout(path: CodePath):
    """R3: check by its code that a printout matches what the journal holds (anyone, no sign-in)."""
    reply = call_reports("VerifyPrintout", reports_pb2.VerifyPrintoutRequest(code=path.code))
    return VerificationOut(code=reply.code, title=reply.title, school_name=reply.school_name,
                           print_time=time_from_proto(reply.print_time), content_hash=reply.content_hash,
                           matches=reply.matches, change_time=time_from_proto(reply.change_time),
                           message=reply.message, pdf_hash=reply.pdf_hash).model_dump(mode="json")


# ----------------------------------------------------------------- remarks on journals (R2, 6.2)

class RemarkOut(BaseModel):
    id: str
    teacher_id: str
    class_id: str | None
    subject_id: str | None
    text: str
    author_id: str
    create_time: dt.datetime | None
    fix_time: dt.datetime | None
    fix_comment: str

    @classmethod
    def from_proto(cls, r) -> RemarkOut:
        return cls(id=r.remark_id, teacher_id=r.teacher_id, class_id=r.class_id or None,
                   subject_id=r.subject_id or None, text=r.text, author_id=r.author_id,
                   create_time=time_from_proto(r.create_time), fix_time=time_from_proto(r.fix_time),
                   fix_comment=r.fix_comment)


class RemarkIn(RequestModel):
    teacher_id: uuid.UUID
    class_id: uuid.UUID | None = None
    subject_id: uuid.UUID | None = None
    text: str = Field(max_length=2000, examples=["Не заполнены темы уроков за 10.11"])
    request_id: str = Field(default="", max_length=REQUEST_ID_MAX_LENGTH)


class RemarksQuery(RequestModel):
    teacher_id: uuid.UUID | None = None
    open_only: bool = False
    page_size: int = Field(default=0, ge=0, le=500)
    page_token: str = Field(default="", max_length=PAGE_TOKEN_MAX_LENGTH)


class RemarksOut(BaseModel):
    remarks: list[RemarkOut]
    next_page_token: str


class RemarkPath(RequestModel):
    remark_id: uuid.UUID


class FixIn(RequestModel):
    comment: str = Field(default="", max_length=2000)
    request_id: str = Field(default="", max_length=REQUEST_ID_MAX_LENGTH)


@reports.post("/journal-remarks", responses={201: RemarkOut, 404: problem_response("No such teacher in the school")})
@allow(Role.DEPUTY_DIRECTOR, Role.DIRECTOR)
def create_remark(body: RemarkIn):
    """R2, 6.2: the deputy director's remark on a teacher's journal."""
    reply = call_reports("CreateRemark", reports_pb2.CreateRemarkRequest(
        teacher_id=str(body.teacher_id), class_id=str(body.class_id or ""), subject_id=str(body.subject_id or ""),
        text=body.text, request_id=body.request_id))
    return RemarkOut.from_proto(reply.remark).model_dump(mode="json"), 201


@reports.get("/journal-remarks", responses={200: RemarksOut})
@allow(*STAFF)
def list_remarks(query: RemarksQuery):
    """Remarks on journals: a teacher sees those on their own journal, the administration the school's."""
    reply = call_reports("ListRemarks", reports_pb2.ListRemarksRequest(
        teacher_id=str(query.teacher_id or ""), open_only=query.open_only, page_size=query.page_size,
        page_token=query.page_token))
    return RemarksOut(remarks=[RemarkOut.from_proto(r) for r in reply.remarks],
                      next_page_token=reply.next_page_token).model_dump(mode="json")


@reports.post("/journal-remarks/<remark_id>/fixed",
              responses={200: RemarkOut, 404: problem_response("No such remark on the caller's journal"),
                         422: problem_response("Already marked fixed")})
@allow(*TEACHERS)
def fix_remark(path: RemarkPath, body: FixIn):
    """6.2: the teacher marks a remark on their journal as fixed."""
    reply = call_reports("FixRemark", reports_pb2.FixRemarkRequest(
        remark_id=str(path.remark_id), comment=body.comment, request_id=body.request_id))
    return RemarkOut.from_proto(reply.remark).model_dump(mode="json")


# ----------------------------------------------------------------- period archives (4.6.6)

class ArchiveOut(BaseModel):
    id: str
    period_id: str
    title: str
    page_count: int
    content_hash: str
    create_time: dt.datetime | None


class ArchivesOut(BaseModel):
    archives: list[ArchiveOut]


class SchoolQuery(RequestModel):
    school_id: uuid.UUID | None = None


class ArchivePath(RequestModel):
    archive_id: uuid.UUID


def _archive(a) -> ArchiveOut:
    return ArchiveOut(id=a.archive_id, period_id=a.period_id, title=a.title, page_count=a.page_count,
                      content_hash=a.content_hash, create_time=time_from_proto(a.create_time))


@reports.get("/period-archives", responses={200: ArchivesOut})
@allow(Role.DISTRICT_OPERATOR, *ADMINISTRATION)
def list_period_archives(query: SchoolQuery):
    """4.6.6: the school's period-end snapshots of the journal, each with its hash."""
    reply = call_reports("ListPeriodArchives", reports_pb2.ListPeriodArchivesRequest(
        school_id=str(query.school_id or "")))
    return ArchivesOut(archives=[_archive(a) for a in reply.archives]).model_dump(mode="json")


@reports.get("/period-archives/<archive_id>/pdf", responses={
    200: {"description": "The archive as PDF", "content": {"application/pdf": {}}},
    404: problem_response("No such archive")})
@allow(Role.DISTRICT_OPERATOR, *ADMINISTRATION)
def get_period_archive(path: ArchivePath):
    """4.6.6: one period archive as PDF; its hash is in the X-Content-Hash header."""
    reply = call_reports("GetPeriodArchive", reports_pb2.GetPeriodArchiveRequest(archive_id=str(path.archive_id)))
    return Response(reply.pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="archive-{reply.archive.archive_id}.pdf"',
        "X-Content-Hash": reply.archive.content_hash})
