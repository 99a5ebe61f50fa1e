"""The reports read model built from the journal's events, and the reports over it (R1, R2, R3, R4, G1, G3, G4).

A small school is published event by event through the bus; every rate
below is computed by hand in the comments. Each test runs on PostgreSQL +
RabbitMQ and on SQLite + the embedded bus.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import io
import uuid

import grpc
import pytest
from ezh.auth.v1 import events_pb2 as auth_events
from ezh.journal.v1 import events_pb2 as je
from ezh.reports.v1 import reports_pb2, reports_pb2_grpc
from kombu import Producer
from openpyxl import load_workbook
from pypdf import PdfReader

from services.common import events as envelope
from services.common.errors import read_rpc_error
from services.common.identity import bearer_metadata
from services.common.roles import Role
from services.common.tokens import RoleGrant, SigningKey, TokenVerifier, issue_access_token
from services.reports.definition import reports_definition
from services.reports.read_model import reset_read_model

from .conftest import FixedClock, wait_for

pytestmark = pytest.mark.integration

KEY = SigningKey.generate()
MOSCOW = dt.timezone(dt.timedelta(hours=3))
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=MOSCOW).astimezone(dt.UTC)


def _id() -> str:
    return str(uuid.uuid4())


SCHOOL, OTHER_SCHOOL = _id(), _id()
CLASS = _id()
MATH, RUSSIAN, HISTORY = _id(), _id(), _id()
MATH_TEACHER, CLASS_TEACHER, DEPUTY, PARENT, OTHER_TEACHER = _id(), _id(), _id(), _id(), _id()
S = [_id() for _ in range(5)]
Q1, Q2 = _id(), _id()
NAMES = ["Андреев", "Борисова", "Волков", "Григорьева", "Дмитриев"]


def _event(kind: str, data, school=SCHOOL, at: dt.datetime = NOW - dt.timedelta(days=1)) -> envelope.Event:
    """An event of the journal, entered the day before the service's "now" unless `at` says otherwise."""
    return dataclasses.replace(envelope.new_event(f"ezh.journal.{kind}.v1", "journal", kind, school, data), time=at)


def _mark(mark_id, student, subject, day, value, lesson="", work="oral", weight="1", teacher=MATH_TEACHER,
          period=Q2, name="Математика"):
    return je.MarkData(mark_id=mark_id, school_id=SCHOOL, class_id=CLASS, subject_id=subject,
                       lesson_id=lesson or _id(), lesson_date=day, student_id=student, value=value, work_type=work,
                       weight=weight, subject_name=name, teacher_id=teacher, period_id=period)


def _final(student, subject, value, name, teacher=MATH_TEACHER):
    return je.FinalMarkSet(final_mark=je.FinalMarkData(
        final_mark_id=_id(), school_id=SCHOOL, class_id=CLASS, subject_id=subject, subject_name=name,
        student_id=student, period_id=Q2, kind="quarter", value=value, teacher_id=teacher))


def _lesson(lesson_id, subject, name, day, topic, homework, attendance, teacher=MATH_TEACHER, version=1):
    return je.LessonChanged(lesson_id=lesson_id, school_id=SCHOOL, class_id=CLASS, subject_id=subject,
                            subject_name=name, teacher_id=teacher, lesson_date=day, slot=1, period_id=Q2,
                            topic=topic, homework=homework, attendance_taken=attendance, version=version)


def _absence(lesson_id, student, day, kind):
    return je.AbsenceRecorded(school_id=SCHOOL, class_id=CLASS, subject_id=MATH, lesson_id=lesson_id,
                              lesson_date=day, student_id=student, kind=kind, subject_name="Математика",
                              teacher_id=MATH_TEACHER, period_id=Q2)


L1, L2, L3, L4 = _id(), _id(), _id(), _id()
FIRST_MARK = _id()


def school_events() -> list[envelope.Event]:
    """The hand-computed school: 5А with five students, Q1 marks, Q2 final marks, lessons and absences."""
    events = [
        envelope.new_event("ezh.auth.school.created.v1", "auth", "s", SCHOOL,
                           auth_events.SchoolCreated(school_id=SCHOOL, name="Школа № 7", short_name="№ 7")),
        envelope.new_event("ezh.auth.school.created.v1", "auth", "s", OTHER_SCHOOL,
                           auth_events.SchoolCreated(school_id=OTHER_SCHOOL, name="Школа № 8", short_name="№ 8")),
        _event("class.created", je.ClassCreated(class_id=CLASS, school_id=SCHOOL, name="5А", grade=5,
                                                class_teacher_id=CLASS_TEACHER)),
    ]
    for number, (period, start, end) in enumerate(((Q1, "2026-09-01", "2026-10-26"), (Q2, "2026-11-05",
                                                                                       "2026-12-28")), start=1):
        events.append(_event("period.changed", je.PeriodChanged(period=je.PeriodData(
            period_id=period, school_id=SCHOOL, academic_year_id="y2026", kind="quarter", number=number,
            start_date=start, end_date=end, deadline="2026-12-26" if number == 2 else ""))))
    for index, student in enumerate(S):
        guardians = [je.GuardianData(guardian_id=PARENT, full_name="Родитель")] if index == 0 else []
        events.append(_event("student.changed", je.StudentChanged(
            student_id=student, school_id=SCHOOL, class_id=CLASS, class_name="5А", last_name=NAMES[index],
            first_name="Имя", middle_name="Отчество", guardians=guardians, status="enrolled",
            version=1_795_000_000_000_000)))  # the journal counts versions in microseconds
    # Q1: one mark per subject.  Math 5,5,4,4,3; Russian 5,4,4,3,3 →
    # standings only-5, 4-and-5, 4-and-5, one-3, 3s: pass 100,0 %, quality 3/5 = 60,0 %.
    for student, math, russian in zip(S, "55443", "54433"):
        events.append(_event("mark.created", je.MarkCreated(mark=_mark(_id(), student, MATH, "2026-09-10", math,
                                                                         period=Q1))))
        events.append(_event("mark.created", je.MarkCreated(mark=_mark(
            _id(), student, RUSSIAN, "2026-09-11", russian, period=Q1, teacher=CLASS_TEACHER, name="Русский язык"))))
    # Q2 final marks: Math 5,4,3,2,н/а; Russian 5,5,4,н/а,4.
    for student, math, russian in zip(S, ["5", "4", "3", "2", "not_attested"],
                                      ["5", "5", "4", "not_attested", "4"]):
        events.append(_event("final_mark.set", _final(student, MATH, math, "Математика")))
        events.append(_event("final_mark.set", _final(student, RUSSIAN, russian, "Русский язык", CLASS_TEACHER)))
    events += [
        _event("lesson.changed", _lesson(L1, MATH, "Математика", "2026-11-09", "Дроби", "№ 12", True)),
        _event("lesson.changed", _lesson(L2, MATH, "Математика", "2026-11-10", "", "", False)),
        _event("lesson.changed", _lesson(L3, MATH, "Математика", "2026-11-16", "Проценты", "№ 14", True)),
        _event("lesson.changed", _lesson(L4, HISTORY, "История", "2026-11-11", "Киевская Русь", "§ 3", True)),
        _event("mark.created", je.MarkCreated(mark=_mark(FIRST_MARK, S[0], MATH, "2026-11-09", "5", lesson=L1))),
        _event("absence.recorded", _absence(L1, S[1], "2026-11-09", "unexcused")),
        _event("absence.recorded", _absence(L1, S[2], "2026-11-09", "excused")),
        _event("absence.recorded", _absence(L2, S[2], "2026-11-10", "ill")),
        _event("absence.recorded", _absence(L3, S[1], "2026-11-16", "unexcused")),
    ]
    return events


def publish(stack, events) -> None:
    with stack.connection() as connection:
        producer = Producer(connection.default_channel, exchange=stack.topology().events_exchange)
        for event in events:
            producer.publish(envelope.to_json(event), routing_key=event.routing_key,
                             content_type=envelope.CONTENT_TYPE, content_encoding="utf-8", delivery_mode=2,
                             message_id=event.id, retry=False)


def token(person: str, *grants: tuple[Role, str | None], school=SCHOOL) -> tuple:
    value, _ = issue_access_token(KEY, person_id=person, school_id=school,
                                  roles=[RoleGrant(role, school, class_id) for role, class_id in grants])
    return bearer_metadata(value)


DEPUTY_TOKEN = lambda: token(DEPUTY, (Role.DEPUTY_DIRECTOR, None))  # noqa: E731


class Reports:
    def __init__(self, runtime) -> None:
        self.runtime = runtime

    def call(self, method, request, metadata=()):
        with grpc.insecure_channel(f"127.0.0.1:{self.runtime.port}") as channel:
            return getattr(reports_pb2_grpc.ReportsServiceStub(channel), method)(request, timeout=30,
                                                                                 metadata=metadata)

    def error(self, method, request, metadata=()):
        with pytest.raises(grpc.RpcError) as raised:
            self.call(method, request, metadata)
        return read_rpc_error(raised.value)

    def report(self, metadata=None, **query):
        query.setdefault("school_id", "")
        request = reports_pb2.GetReportRequest(query=reports_pb2.ReportQuery(**query))
        return self.call("GetReport", request, metadata or DEPUTY_TOKEN()).report

    def status(self):
        return self.call("GetReadModelStatus", reports_pb2.GetReadModelStatusRequest(), DEPUTY_TOKEN())


def table(report, key: str) -> list[list[str]]:
    found = next(t for t in report.tables if t.key == key)
    return [[cell.text for cell in row.cells] for row in found.rows]


@pytest.fixture
def reports(stack):
    stack.migrate("reports")
    clock = FixedClock(NOW)
    definition = dataclasses.replace(
        reports_definition(clock, archive_interval=0),
        verifier_factory=lambda runtime: TokenVerifier(lambda kid: KEY.public_key, runtime.revocations))
    runtime = stack.start("reports", definition)
    events = school_events()
    publish(stack, events)
    reports = Reports(runtime)
    wait_for(lambda: sum(s.applied_count for s in reports.status().sources) >= len(events), timeout=40,
             what="the school's events applied")
    reports.clock, reports.events, reports.stack = clock, events, stack
    return reports


def test_r1_progress_and_quality_of_a_school_by_hand(reports):
    progress = reports.report(kind=reports_pb2.REPORT_KIND_PROGRESS, period_id=Q2)
    # Q2 standings: s1 only «5», s2 «4» and «5», s3 one «3», s4 a «2», s5 н/а → 5 graded;
    # pass rate 3/5 = 60,0 %, quality 2/5 = 40,0 %; marks 5,4,3,2,5,5,4,4: mean 32/8 = 4,00,
    # СОУ (100+64+36+16+100+100+64+64)/8 = 68,0 %; Q1: pass 100,0 %, quality 60,0 %.
    header = [c for c in next(t for t in progress.tables if t.key == "classes").columns]
    row = dict(zip(header, table(progress, "classes")[0]))
    assert row["Класс"] == "5А" and row["Учеников"] == "5" and row["Аттестовано"] == "5"
    assert (row["Только на «5»"], row["На «4» и «5»"], row["С одной «3»"], row["С «3»"], row["С «2»"],
            row["Не аттестованы"]) == ("1", "1", "1", "0", "1", "1")
    assert (row["Успеваемость, %"], row["Качество, %"], row["Средний балл"], row["СОУ, %"]) == \
        ("60,0", "40,0", "4,00", "68,0")
    assert (row["Успеваемость пред., %"], row["Качество пред., %"]) == ("100,0", "60,0")
    assert table(progress, "school")[0][0] == "Школа № 7" and progress.school_name == "Школа № 7"
    subjects = {r[0]: r for r in table(progress, "subjects")}
    # Math 5,4,3,2,н/а: pass 3/5 = 60,0, quality 2/5 = 40,0, mean 14/4 = 3,50, СОУ 216/4 = 54,0.
    assert subjects["Математика"][1:] == ["5", "1", "1", "1", "1", "1", "60,0", "40,0", "3,50", "54,0"]
    # Russian 5,5,4,4,н/а: pass 4/5 = 80,0, quality 4/5 = 80,0, mean 4,50, СОУ 328/4 = 82,0.
    assert subjects["Русский язык"][1:] == ["5", "2", "2", "0", "0", "1", "80,0", "80,0", "4,50", "82,0"]
    teachers = {r[0]: r for r in table(progress, "teachers")}
    assert teachers[MATH_TEACHER][-4:] == ["60,0", "40,0", "3,50", "54,0"]
    assert {c.key for c in progress.charts} >= {"distribution", "trend"}

    # A range of days has no final marks: Q1's single marks count (the rounded average).
    by_dates = reports.report(kind=reports_pb2.REPORT_KIND_PROGRESS, start_date="2026-09-01", end_date="2026-10-26")
    assert table(by_dates, "classes")[0][9:13] == ["100,0", "60,0", "4,00", "66,4"]  # СОУ (3·100+4·64+3·36)/10

    teacher = reports.report(token(CLASS_TEACHER, (Role.SUBJECT_TEACHER, None), (Role.CLASS_TEACHER, CLASS)),
                             kind=reports_pb2.REPORT_KIND_CLASS_TEACHER, class_id=CLASS, period_id=Q2)
    assert table(teacher, "one_three") == [["Волков И.О.", "Математика"]]
    assert table(teacher, "with_two") == [["Григорьева И.О.", "Математика"]]
    assert table(teacher, "not_attested") == [["Григорьева И.О.", "Русский язык"], ["Дмитриев И.О.", "Математика"]]
    attendance = {r[0]: r[2:] for r in table(teacher, "attendance")}
    assert attendance["Борисова И.О."] == ["2", "0", "2", "0"] and attendance["Волков И.О."] == ["2", "2", "0", "0"]

    subject = reports.report(token(MATH_TEACHER, (Role.SUBJECT_TEACHER, None)),
                             kind=reports_pb2.REPORT_KIND_SUBJECT_TEACHER, period_id=Q2)
    assert table(subject, "classes") == [
        ["5А", "История", "0", "0", "0", "0", "0", "0", "—", "—", "—", "—"],  # lessons, no marks yet
        ["5А", "Математика", "5", "1", "1", "1", "1", "1", "60,0", "40,0", "3,50", "54,0"]]

    weekly = reports.report(kind=reports_pb2.REPORT_KIND_ATTENDANCE, class_id=CLASS, period_id=Q2)
    assert table(weekly, "weeks") == [["09.11.2026", "3", "2", "1", "0"], ["16.11.2026", "1", "0", "1", "0"]]

    operator = token(_id(), (Role.DISTRICT_OPERATOR, None), school=None)
    district = reports.report(operator, kind=reports_pb2.REPORT_KIND_DISTRICT, start_date="2026-09-01",
                              end_date="2026-10-26")
    assert [r[0] for r in table(district, "schools")] == ["Школа № 7", "Школа № 8"]
    assert table(district, "schools")[0][9:11] == ["100,0", "60,0"]
    own_only = reports.report(kind=reports_pb2.REPORT_KIND_DISTRICT, start_date="2026-09-01", end_date="2026-10-26")
    assert [r[0] for r in table(own_only, "schools")] == ["Школа № 7"]

    # Replayed events change nothing; the lag is shown.
    before = reports.report(kind=reports_pb2.REPORT_KIND_PROGRESS, period_id=Q2)
    applied = sum(s.applied_count for s in reports.status().sources)
    publish(reports.stack, reports.events[-6:])
    wait_for(lambda: reports.status().events_behind == 0, what="the replayed events consumed")
    assert sum(s.applied_count for s in reports.status().sources) == applied
    assert reports.report(kind=reports_pb2.REPORT_KIND_PROGRESS, period_id=Q2).tables == before.tables
    journal = next(s for s in reports.status().sources if s.source == "journal")
    assert journal.lag_seconds >= 0 and journal.newest_event_time.seconds > 0


def test_r1_read_model_rebuilt_by_replay_gives_identical_reports(reports):
    kinds = [dict(kind=reports_pb2.REPORT_KIND_PROGRESS, period_id=Q2),
             dict(kind=reports_pb2.REPORT_KIND_ATTENDANCE, class_id=CLASS, period_id=Q2),
             dict(kind=reports_pb2.REPORT_KIND_JOURNAL_PAGE, class_id=CLASS, subject_id=MATH, period_id=Q2)]
    before = [reports.report(**query).tables for query in kinds]
    reset_read_model(reports.stack.settings)
    assert reports.status().sources == []
    publish(reports.stack, reports.events)
    wait_for(lambda: sum(s.applied_count for s in reports.status().sources) >= len(reports.events), timeout=40,
             what="the rebuilt read model")
    assert [reports.report(**query).tables for query in kinds] == before
    # A late, older copy of a change does not undo a newer one (the newest wins).
    newer = _event("mark.updated", je.MarkUpdated(mark=_mark(FIRST_MARK, S[0], MATH, "2026-11-09", "4", lesson=L1)),
                   at=NOW)
    older = _event("mark.updated", je.MarkUpdated(mark=_mark(FIRST_MARK, S[0], MATH, "2026-11-09", "3", lesson=L1)),
                   at=NOW - dt.timedelta(hours=1))
    publish(reports.stack, [newer, older])
    wait_for(lambda: reports.status().events_behind == 0 and
             table(reports.report(**kinds[2]), "page")[0][2] == "4", what="the newer value kept")


def test_r4_report_card_record_and_attackers(reports):
    parent = token(PARENT, (Role.PARENT, None))
    card = reports.report(parent, kind=reports_pb2.REPORT_KIND_REPORT_CARD, student_id=S[0])
    assert card.title.startswith("Табель успеваемости — Андреев Имя Отчество, 5А")
    rows = {r[0]: r[1:] for r in table(card, "card")}
    assert rows["Математика"] == ["(5,00)", "5"] and rows["Русский язык"] == ["(5,00)", "5"]
    record = reports.report(token(S[0], (Role.STUDENT, None)), kind=reports_pb2.REPORT_KIND_STUDENT_RECORD,
                            student_id=S[0])
    assert ["2026/2027", "1 четверть", "Математика", "5", "5,00", "—"] in table(record, "record")
    assert ["2026/2027", "2 четверть", "Математика", "5", "5,00", "5"] in table(record, "record")

    def refused(metadata, **query):
        query.setdefault("school_id", "")
        return reports.error("GetReport", reports_pb2.GetReportRequest(query=reports_pb2.ReportQuery(**query)),
                             metadata).code

    # A parent asking for another child's card; a student for the class report; a teacher of another school.
    assert refused(parent, kind=reports_pb2.REPORT_KIND_REPORT_CARD, student_id=S[1]) == grpc.StatusCode.NOT_FOUND
    assert refused(token(S[0], (Role.STUDENT, None)), kind=reports_pb2.REPORT_KIND_CLASS_TEACHER, class_id=CLASS,
                   period_id=Q2) in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.PERMISSION_DENIED)
    stranger = token(OTHER_TEACHER, (Role.DEPUTY_DIRECTOR, None), school=OTHER_SCHOOL)
    assert refused(stranger, kind=reports_pb2.REPORT_KIND_PROGRESS, school_id=SCHOOL,
                   period_id=Q2) == grpc.StatusCode.NOT_FOUND
    assert refused(stranger, kind=reports_pb2.REPORT_KIND_REPORT_CARD, student_id=S[0]) == grpc.StatusCode.NOT_FOUND
    assert refused(token(OTHER_TEACHER, (Role.SUBJECT_TEACHER, None)), kind=reports_pb2.REPORT_KIND_JOURNAL_PAGE,
                   class_id=CLASS, subject_id=MATH, period_id=Q2) == grpc.StatusCode.NOT_FOUND
    bad = reports.error("GetReport", reports_pb2.GetReportRequest(query=reports_pb2.ReportQuery(
        kind=reports_pb2.REPORT_KIND_PROGRESS, start_date="2026-13-01", end_date="2026-12-01")), DEPUTY_TOKEN())
    assert bad.code == grpc.StatusCode.INVALID_ARGUMENT and bad.metadata["field"] == "start_date"
    assert "ГГГГ-ММ-ДД" in bad.message


def test_r2_control_remarks_and_g3_exports(reports):
    control = reports.report(kind=reports_pb2.REPORT_KIND_JOURNAL_CONTROL, period_id=Q2, as_of_date="2026-12-21")
    rows = {(r[0], r[2]): r[3:] for r in table(control, "summary")}
    # Math: 3 lessons held, one without topic, homework and attendance; all five have fewer than three
    # Q2 marks 7 days before the end; every final mark is set.  History: no final marks 5 days before the deadline.
    assert rows[(MATH_TEACHER, "Математика")] == ["3", "1", "1", "1", "5", "0", "0"]
    assert rows[(MATH_TEACHER, "История")] == ["1", "0", "0", "0", "5", "5", "0"]
    details = table(control, "details")
    assert [MATH_TEACHER, "5А", "Математика", "Нет темы урока", "10.11"] in details

    deputy = DEPUTY_TOKEN()
    remark = reports.call("CreateRemark", reports_pb2.CreateRemarkRequest(
        teacher_id=MATH_TEACHER, class_id=CLASS, subject_id=MATH, text="Заполните тему урока 10.11"), deputy).remark
    teacher = token(MATH_TEACHER, (Role.SUBJECT_TEACHER, None))
    seen = reports.call("ListRemarks", reports_pb2.ListRemarksRequest(open_only=True), teacher).remarks
    assert [r.text for r in seen] == ["Заполните тему урока 10.11"]
    other = token(OTHER_TEACHER, (Role.SUBJECT_TEACHER, None))
    assert reports.call("ListRemarks", reports_pb2.ListRemarksRequest(), other).remarks == []
    assert reports.error("FixRemark", reports_pb2.FixRemarkRequest(remark_id=remark.remark_id),
                         other).code == grpc.StatusCode.NOT_FOUND
    fixed = reports.call("FixRemark", reports_pb2.FixRemarkRequest(remark_id=remark.remark_id, comment="Готово"),
                         teacher).remark
    assert fixed.fix_time.seconds > 0 and fixed.fix_comment == "Готово"
    assert reports.call("ListRemarks", reports_pb2.ListRemarksRequest(open_only=True), deputy).remarks == []
    assert reports.error("CreateRemark", reports_pb2.CreateRemarkRequest(teacher_id=MATH_TEACHER, text=" "),
                         deputy).metadata["field"] == "text"
    assert reports.error("CreateRemark", reports_pb2.CreateRemarkRequest(teacher_id=MATH_TEACHER, text="x"),
                         teacher).code == grpc.StatusCode.PERMISSION_DENIED

    query = reports_pb2.ReportQuery(kind=reports_pb2.REPORT_KIND_PROGRESS, period_id=Q2)
    xlsx = reports.call("ExportReport", reports_pb2.ExportReportRequest(query=query,
                                                                       format=reports_pb2.EXPORT_FORMAT_XLSX), deputy)
    workbook = load_workbook(io.BytesIO(xlsx.content))
    sheet = workbook["По классам"]
    assert sheet["A4"].value == "5А" and sheet.cell(4, 10).value == 60.0 and sheet.cell(4, 11).value == 40.0
    pdf = reports.call("ExportReport", reports_pb2.ExportReportRequest(query=query,
                                                                      format=reports_pb2.EXPORT_FORMAT_PDF), deputy)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Отчёт об успеваемости и качестве знаний" in text and "Школа № 7" in text and "60,0" in text
    assert len(PdfReader(io.BytesIO(pdf.content)).pages[-1].images) >= 1  # the charts


def test_r3_printout_verified_until_a_mark_changes_and_period_archive(reports):
    query = reports_pb2.ReportQuery(kind=reports_pb2.REPORT_KIND_JOURNAL_PAGE, class_id=CLASS, subject_id=MATH,
                                    period_id=Q2)
    printed = reports.call("PrintDocument", reports_pb2.PrintDocumentRequest(query=query), DEPUTY_TOKEN())
    reader = PdfReader(io.BytesIO(printed.pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Школа № 7" in text and "Журнал 5А, Математика" in text and "Дроби" in text
    assert printed.code in text and "М. П." in text and "Директор" in text and "Стр. 1 из" in text
    assert len(reader.pages[-1].images) >= 1  # the QR code
    anonymous = reports.call("VerifyPrintout", reports_pb2.VerifyPrintoutRequest(code=printed.code.lower()))
    assert anonymous.matches and anonymous.content_hash == printed.content_hash
    assert anonymous.title == "Журнал 5А, Математика — 2 четверть (2026/27)"

    changed_at = NOW + dt.timedelta(days=2)
    publish(reports.stack, [_event("mark.updated", je.MarkUpdated(
        mark=_mark(FIRST_MARK, S[0], MATH, "2026-11-09", "3", lesson=L1)), at=changed_at)])
    check = wait_for(lambda: (lambda r: r if not r.matches else None)(reports.call(
        "VerifyPrintout", reports_pb2.VerifyPrintoutRequest(code=printed.code))), what="the change seen")
    assert check.change_time.ToDatetime(dt.UTC) == changed_at
    assert "изменено 22.11.2026" in check.message
    missing = reports.error("VerifyPrintout", reports_pb2.VerifyPrintoutRequest(code="ABCDE-23456"))
    assert missing.code == grpc.StatusCode.NOT_FOUND
    assert reports.error("VerifyPrintout", reports_pb2.VerifyPrintoutRequest(code="nonsense")).metadata["field"] == \
        "code"

    from services.common.database import Database
    from services.reports.printouts import archive_ended_periods

    database = Database(reports.stack.settings.database_url("reports"))
    try:
        assert archive_ended_periods(database, dt.date(2026, 12, 29), changed_at) == 2  # Q1 and Q2 ended
        assert archive_ended_periods(database, dt.date(2026, 12, 30), changed_at) == 0  # kept, never redone
    finally:
        database.dispose()
    archives = reports.call("ListPeriodArchives", reports_pb2.ListPeriodArchivesRequest(), DEPUTY_TOKEN()).archives
    assert sorted(a.period_id for a in archives) == sorted([Q1, Q2])
    q2 = next(a for a in archives if a.period_id == Q2)
    pdf = reports.call("GetPeriodArchive", reports_pb2.GetPeriodArchiveRequest(archive_id=q2.archive_id),
                       DEPUTY_TOKEN()).pdf
    assert q2.page_count == 3 and len(q2.content_hash) == 64
    assert "Архив журнала — 2 четверть" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def test_g4_forecasts_of_a_student_and_a_class(reports):
    forecast = reports.report(token(PARENT, (Role.PARENT, None)), kind=reports_pb2.REPORT_KIND_STUDENT_FORECAST,
                              student_id=S[0], period_id=Q2)
    rows = {r[0]: r for r in table(forecast, "subjects")}
    assert rows["Математика"][3] == "5"  # one «5» in Q2, a «5» in Q1
    assert rows["Математика"][4] == "5"  # the year: «5» in Q1 and «5» expected in Q2
    assert "для аттестации нужно не меньше трёх" in rows["Математика"][6]
    assert rows["Математика"][2] == "1"
    # As it would have looked on 8 November, before the first Q2 mark: no mark seen, the Q1 «5» carries it.
    then = reports.report(token(PARENT, (Role.PARENT, None)), kind=reports_pb2.REPORT_KIND_STUDENT_FORECAST,
                          student_id=S[0], period_id=Q2, as_of_date="2026-11-08")
    earlier = {r[0]: r for r in table(then, "subjects")}
    assert earlier["Математика"][1:4] == ["—", "0", "5"] and then.subtitle.endswith("на 08.11.2026")
    cls = reports.report(kind=reports_pb2.REPORT_KIND_CLASS_FORECAST, class_id=CLASS, period_id=Q2,
                         as_of_date="2026-11-20")
    assert table(cls, "class")[0][0] == "5А"
    assert cls.subtitle.endswith("на 20.11.2026")


def _staff(person: str, last: str, first: str, middle: str, at: dt.datetime,
           roles: tuple[str, ...] = ("subject_teacher",)) -> envelope.Event:
    data = auth_events.StaffChanged(person_id=person, school_id=SCHOOL, last_name=last, first_name=first,
                                    middle_name=middle, roles=[auth_events.StaffRole(role=role) for role in roles],
                                    change_time=at.isoformat())
    event = envelope.new_event("ezh.auth.staff.changed.v1", "auth", f"people/{person}", SCHOOL, data)
    return dataclasses.replace(event, time=at)


def test_r1_teachers_named_as_auth_announces_them(reports):
    def teachers(report) -> list[str]:
        return [row[0] for row in table(report, "teachers")]

    # Before auth has announced them, a teacher is shown by their id.
    assert set(teachers(reports.report(kind=reports_pb2.REPORT_KIND_PROGRESS, period_id=Q2))) == {
        MATH_TEACHER, CLASS_TEACHER}
    applied = sum(s.applied_count for s in reports.status().sources)
    changes = [_staff(MATH_TEACHER, "Кравцова", "Ольга", "Петровна", NOW),
               _staff(MATH_TEACHER, "Старая", "Фамилия", "", NOW - dt.timedelta(hours=1)),  # older, arriving late
               _staff(CLASS_TEACHER, "Лебедева", "Анна", "", NOW, ("class_teacher", "subject_teacher"))]
    publish(reports.stack, changes)
    wait_for(lambda: sum(s.applied_count for s in reports.status().sources) >= applied + len(changes),
             what="the staff changes applied")
    progress = reports.report(kind=reports_pb2.REPORT_KIND_PROGRESS, period_id=Q2)
    assert teachers(progress) == ["Кравцова О.П.", "Лебедева А."]
    assert {r[0]: r for r in table(progress, "teachers")}["Кравцова О.П."][-4:] == ["60,0", "40,0", "3,50", "54,0"]
    control = reports.report(kind=reports_pb2.REPORT_KIND_JOURNAL_CONTROL, period_id=Q2, as_of_date="2026-12-21")
    assert {(r[0], r[2]) for r in table(control, "summary")} == {("Кравцова О.П.", "Математика"),
                                                                  ("Кравцова О.П.", "История")}
    subject = reports.report(token(MATH_TEACHER, (Role.SUBJECT_TEACHER, None)),
                             kind=reports_pb2.REPORT_KIND_SUBJECT_TEACHER, period_id=Q2)
    assert subject.subtitle.startswith("Учитель: Кравцова О.П.")
    own_class = reports.report(kind=reports_pb2.REPORT_KIND_CLASS_TEACHER, class_id=CLASS, period_id=Q2)
    assert own_class.subtitle.startswith("Классный руководитель: Лебедева А.")
    # A teacher who has left (no staff roles any more) keeps their name in the reports of the time they taught.
    publish(reports.stack, [_staff(MATH_TEACHER, "Кравцова", "Ольга", "Петровна", NOW + dt.timedelta(hours=1), ())])
    wait_for(lambda: sum(s.applied_count for s in reports.status().sources) >= applied + len(changes) + 1,
             what="the departure applied")
    assert teachers(reports.report(kind=reports_pb2.REPORT_KIND_PROGRESS, period_id=Q2))[0] == "Кравцова О.П."
