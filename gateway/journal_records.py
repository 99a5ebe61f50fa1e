"""The records around the lessons (J1, J2, J3, J4, J5, J6, A5): `/api/v1/journal/...`.

Homework with attached files (uploaded as multipart/form-data, downloaded by
whoever may see the lesson), the КТП with its hours check, students' and
guardians' personal data with the monthly check, arrivals and departures,
subgroups, the class teacher's week with the absence reconciliation and the
overview of the class's marks. The route admits roles; the journal decides by
object (this teacher's lesson, this class teacher's class, this parent's child).
"""
from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import quote

from ezh.journal.v1 import records_pb2, records_pb2_grpc
from flask import Response, request
from flask_openapi3 import APIBlueprint, FileStorage, Tag
from google.protobuf import json_format
from pydantic import BaseModel, Field

from gateway.access import allow
from gateway.auth_models import REQUEST_ID_MAX_LENGTH, RequestModel
from gateway.openapi import problem_response
from gateway.problems import FieldProblem, ProblemError
from gateway.services import call
from services.common.roles import Role
from services.journal.attachments import attachment_settings

attachment_settings()  # a bad EZH_ATTACHMENT_* stops the gateway at start

journal_records = APIBlueprint(
    "journal_records", __name__,
    abp_tags=[Tag(name="journal records", description="Homework, КТП, personal data, subgroups, weekly attendance")],
)

ADMINISTRATION = (Role.ADMINISTRATOR, Role.DIRECTOR, Role.DEPUTY_DIRECTOR)
LESSON_READERS = (*ADMINISTRATION, Role.SUBJECT_TEACHER, Role.CLASS_TEACHER, Role.PARENT, Role.STUDENT)
STAFF = (*ADMINISTRATION, Role.SUBJECT_TEACHER, Role.CLASS_TEACHER)
CLASS_KEEPERS = (Role.ADMINISTRATOR, Role.CLASS_TEACHER)
CLASS_READERS = (*ADMINISTRATION, Role.CLASS_TEACHER)
RECORD_READERS = (*ADMINISTRATION, Role.CLASS_TEACHER, Role.PARENT, Role.STUDENT)
REQUEST_ID = Field(default="", max_length=REQUEST_ID_MAX_LENGTH,
                   description="Any unique string: a retried request with the same one returns the first answer")
DAY = Annotated[str, Field(max_length=10, description="ISO 8601 day")]
SHORT = Annotated[str, Field(max_length=300)]


def call_records(method: str, message):
    return call("journal", records_pb2_grpc.JournalRecordsServiceStub, method, message)


def as_json(message) -> dict:
    return json_format.MessageToDict(message, preserving_proto_field_name=True,
                                     always_print_fields_with_no_presence=True)


# ----------------------------------------------------------------- answers (the gRPC messages' fields)

class HomeworkAttachmentOut(BaseModel):
    id: str
    lesson_id: str
    file_name: str
    content_type: str
    size: int = Field(description="Bytes")
    sha256: str
    uploaded_by: str
    create_time: str


class HomeworkOut(BaseModel):
    lesson_id: str
    class_id: str
    subject_id: str
    lesson_date: str
    text: str
    due_date: str = Field(description="ISO 8601 day, empty when unset")
    attachments: list[HomeworkAttachmentOut]


class LessonPlanItemOut(BaseModel):
    topic: str
    hours: int
    work_type: str


class PlannedLessonOut(BaseModel):
    lesson_id: str
    date: str
    number: int
    item_index: int = Field(description="The plan item placed on it, -1 for none")
    planned_topic: str
    topic: str = Field(description="The topic as recorded")
    work_type: str
    held: bool


class LessonPlanReasonOut(BaseModel):
    code: str
    message: str


class LessonPlanOut(BaseModel):
    id: str
    class_id: str
    subject_id: str
    subgroup_id: str
    academic_year_id: str
    items: list[LessonPlanItemOut]
    status: str = Field(description="`draft` or `complete`")
    planned_hours: int
    curriculum_hours: int
    lessons_held: int
    lessons_scheduled: int
    reasons: list[LessonPlanReasonOut] = Field(description="Why it cannot be complete; empty when it can")
    lessons: list[PlannedLessonOut]
    unplaced_hours: int


class LessonPlanImportOut(BaseModel):
    plan: LessonPlanOut
    topics_filled: int = Field(description="Lessons whose empty topic was filled from the plan")


class CurriculumHoursOut(BaseModel):
    class_id: str
    subject_id: str
    academic_year_id: str
    hours: int


class GuardianRecordOut(BaseModel):
    guardian_id: str
    last_name: str
    first_name: str
    middle_name: str
    relation: str
    phone: str
    email: str
    address: str
    electronic_access: bool


class StudentRecordOut(BaseModel):
    student_id: str
    school_id: str
    class_id: str
    class_name: str
    last_name: str
    first_name: str
    middle_name: str
    birth_date: str
    phone: str
    email: str
    address: str
    guardians: list[GuardianRecordOut]
    last_verified: str = Field(description="Day of the last check, empty if never")
    verified_by: str
    verification_due_date: str
    verification_due: bool
    status: str = Field(description="`enrolled` or `departed`")


class RecordsDueOut(BaseModel):
    records: list[StudentRecordOut]
    checked_count: int


class ArrivingStudentOut(BaseModel):
    last_name: str
    first_name: str
    middle_name: str
    birth_date: str


class RosterChangeOut(BaseModel):
    id: str
    school_id: str
    class_id: str
    kind: str
    student_id: str
    student_name: str
    date: str
    note: str
    status: str = Field(description="`requested` or `done`")
    requested_by: str
    carried_out_by: str
    new_student: ArrivingStudentOut | None = None


class RosterChangesOut(BaseModel):
    changes: list[RosterChangeOut]


class SubgroupMembershipOut(BaseModel):
    student_id: str
    start_date: str
    end_date: str = Field(description="Last day in the subgroup, empty while in it")


class SubgroupOut(BaseModel):
    id: str
    class_id: str
    subject_id: str
    name: str
    teacher_id: str
    student_ids: list[str]
    history: list[SubgroupMembershipOut]


class SubgroupsOut(BaseModel):
    subgroups: list[SubgroupOut]
    effective_date: str | None = Field(default=None, description="After a move: the first day in the new subgroup")


class AbsenceNoteOut(BaseModel):
    id: str
    student_id: str
    first_date: str
    last_date: str
    kind: str
    document: str
    recorded_by: str


class AttendanceStudentWeekOut(BaseModel):
    student_id: str
    student_name: str
    missed: int = Field(description="н + у + б")
    unexcused: int
    excused: int
    ill: int
    late: int


class AttendanceDifferenceOut(BaseModel):
    student_id: str
    lesson_id: str
    lesson_date: str
    subject_id: str
    class_teacher_kind: str
    subject_teacher_kind: str
    message: str
    resolvable: bool = Field(description="The reconciliation changes the subject teacher's mark")


class ReconciliationOut(BaseModel):
    id: str
    week: str
    reconciled_by: str
    reconcile_time: str
    changed_count: int
    unresolved_count: int


class AttendanceWeekOut(BaseModel):
    class_id: str
    week: str
    students: list[AttendanceStudentWeekOut]
    notes: list[AbsenceNoteOut]
    differences: list[AttendanceDifferenceOut]
    reconciliations: list[ReconciliationOut]


class ReconcileWeekOut(BaseModel):
    reconciliation: ReconciliationOut
    unresolved: list[AttendanceDifferenceOut]


class StudentMarksRowOut(BaseModel):
    student_id: str
    marks: list[str]
    average: str
    missed: int


class SubjectOverviewOut(BaseModel):
    subject_id: str
    subject_name: str
    teacher_ids: list[str]
    lessons_held: int
    students: list[StudentMarksRowOut]


class ClassOverviewStudentOut(BaseModel):
    student_id: str
    name: str


class ClassMarksOverviewOut(BaseModel):
    class_id: str
    period_id: str
    students: list[ClassOverviewStudentOut]
    subjects: list[SubjectOverviewOut]


def out(model: type[BaseModel], message) -> dict:
    """The message as the route's declared model says (checked), as JSON."""
    return model.model_validate(as_json(message)).model_dump(mode="json")


# ----------------------------------------------------------------- paths and bodies

class HomeworkLessonPath(RequestModel):
    lesson_id: uuid.UUID


class HomeworkAttachmentPath(RequestModel):
    attachment_id: uuid.UUID


class RecordsClassPath(RequestModel):
    class_id: uuid.UUID


class RecordsClassSubjectPath(RequestModel):
    class_id: uuid.UUID
    subject_id: uuid.UUID


class RecordsStudentPath(RequestModel):
    student_id: uuid.UUID


class RosterSchoolPath(RequestModel):
    school_id: uuid.UUID


class RosterChangePath(RequestModel):
    change_id: uuid.UUID


class PlanSubgroupQuery(RequestModel):
    subgroup_id: uuid.UUID | None = Field(default=None, description="A subgroup's plan; none: the whole class")


class AttendanceWeekQuery(RequestModel):
    week: DAY = Field(description="The week's Monday")


class OverviewPeriodQuery(RequestModel):
    period_id: uuid.UUID


class RosterStatusQuery(RequestModel):
    status: Annotated[str, Field(max_length=20)] = Field(default="", description="`requested`, `done` or empty")


class HomeworkSetIn(RequestModel):
    text: str = Field(default="", max_length=5000)
    due_date: DAY = ""
    reason: str = Field(default="", max_length=500, description="Required when changing homework set over 24 h ago")
    request_id: str = REQUEST_ID


class HomeworkAttachmentForm(BaseModel):
    file: FileStorage = Field(description="PDF, a picture, an office document or text")


class LessonPlanItemIn(RequestModel):
    topic: str = Field(max_length=500)
    hours: int = Field(ge=1, le=200)
    work_type: str = Field(default="", max_length=30, description="``, `practical`, `laboratory`, `test`, …")


class LessonPlanIn(RequestModel):
    subgroup_id: uuid.UUID | None = None
    items: list[LessonPlanItemIn] = Field(min_length=1, max_length=400)
    request_id: str = REQUEST_ID


class LessonPlanFileForm(BaseModel):
    file: FileStorage = Field(description="CSV (`;` or `,`) or xlsx: topic, hours, type of work")
    subgroup_id: str = Field(default="", max_length=36)


class CurriculumHoursIn(RequestModel):
    hours: int = Field(ge=0, le=400)


class GuardianRecordIn(RequestModel):
    guardian_id: uuid.UUID | None = Field(default=None, description="A guardian of the student; none adds one")
    last_name: str = Field(max_length=100)
    first_name: str = Field(max_length=100)
    middle_name: str = Field(default="", max_length=100)
    relation: str = Field(max_length=20, description="`mother`, `father` or `guardian`")
    phone: str = Field(default="", max_length=30)
    email: str = Field(default="", max_length=200)
    address: str = Field(default="", max_length=300)
    electronic_access: bool = Field(default=True, description="False: informed on paper weekly (J7)")


class StudentRecordUpdateIn(RequestModel):
    last_name: str = Field(max_length=100)
    first_name: str = Field(max_length=100)
    middle_name: str = Field(default="", max_length=100)
    birth_date: DAY = ""
    phone: str = Field(default="", max_length=30)
    email: str = Field(default="", max_length=200)
    address: str = Field(default="", max_length=300)
    guardians: list[GuardianRecordIn] = Field(default_factory=list, max_length=6)
    request_id: str = REQUEST_ID


class ArrivingStudentIn(RequestModel):
    last_name: str = Field(max_length=100)
    first_name: str = Field(max_length=100)
    middle_name: str = Field(default="", max_length=100)
    birth_date: DAY = ""


class RosterChangeRequestIn(RequestModel):
    kind: str = Field(max_length=20, description="`arrival` or `departure`")
    student_id: uuid.UUID | None = Field(default=None, description="A student of the school")
    new_student: ArrivingStudentIn | None = Field(default=None, description="A student arriving from outside")
    date: DAY = Field(description="First day in the class (arrival) or first day no longer in it (departure)")
    note: str = Field(default="", max_length=500)
    request_id: str = REQUEST_ID


class RosterCarryOutIn(RequestModel):
    request_id: str = REQUEST_ID


class SubgroupDivisionIn(RequestModel):
    name: str = Field(max_length=100)
    teacher_id: uuid.UUID | None = None
    student_ids: list[uuid.UUID] = Field(min_length=1, max_length=60)


class SubgroupsDivisionIn(RequestModel):
    subgroups: list[SubgroupDivisionIn] = Field(min_length=2, max_length=6)
    request_id: str = REQUEST_ID


class SubgroupMoveIn(RequestModel):
    subgroup_id: uuid.UUID = Field(description="The subgroup to move to")
    request_id: str = REQUEST_ID


class AbsenceNoteIn(RequestModel):
    student_id: uuid.UUID
    first_date: DAY
    last_date: DAY = ""
    kind: str = Field(max_length=20, description="`ill` (б) or `excused` (у)")
    document: str = Field(max_length=300, description="The document: an illness note, a parent's statement…")
    request_id: str = REQUEST_ID


class ReconcileWeekIn(RequestModel):
    week: DAY = Field(description="The week's Monday")
    request_id: str = REQUEST_ID


def _id(value) -> str:
    return str(value) if value else ""


PLAN_FILE_MAX_BYTES = 2 * 1024 * 1024
MULTIPART_OVERHEAD = 64 * 1024  # the form's boundaries, headers and other fields


def _too_big(limit: int) -> ProblemError:
    detail = f"Поле «file»: файл больше допустимого размера ({limit // 1024} КБ)"
    return ProblemError(400, detail, reason="INVALID_ARGUMENT", errors=[FieldProblem(field="file", detail=detail)])


def _upload_limit(endpoint: str) -> int | None:
    name = endpoint.rpartition(".")[2]
    if name == "add_attachment":
        return attachment_settings().max_bytes
    if name == "import_lesson_plan":
        return PLAN_FILE_MAX_BYTES
    return None


@journal_records.before_request
def limit_uploads() -> None:
    """An upload larger than its limit is refused before its body is read (after the role check)."""
    limit = _upload_limit(request.endpoint or "")
    if limit is None:
        return
    if request.content_length is not None and request.content_length > limit + MULTIPART_OVERHEAD:
        raise _too_big(limit)
    request.max_content_length = limit + MULTIPART_OVERHEAD  # a body without a length stops there (413)


def _file(storage: FileStorage, limit: int) -> tuple[str, bytes]:
    """The uploaded file's name and bytes, refused (400 naming `file`) when too big, before reading it all."""
    content = storage.stream.read(limit + 1)
    if len(content) > limit:
        raise _too_big(limit)
    return storage.filename or "", content


# ----------------------------------------------------------------- homework

NOT_SEEN = problem_response("No such lesson among those the caller may see")


@journal_records.get("/journal/lessons/<lesson_id>/homework", responses={200: HomeworkOut, 404: NOT_SEEN})
@allow(*LESSON_READERS)
def get_homework(path: HomeworkLessonPath):
    """A lesson's homework with its attached files."""
    reply = call_records("GetHomework", records_pb2.GetHomeworkRequest(lesson_id=str(path.lesson_id)))
    return out(HomeworkOut, reply.homework)


@journal_records.put("/journal/lessons/<lesson_id>/homework",
                     responses={200: HomeworkOut, 403: problem_response("Not the caller's lesson"), 404: NOT_SEEN,
                                422: problem_response("A change after 24 hours without a reason")})
@allow(Role.SUBJECT_TEACHER)
def set_homework(path: HomeworkLessonPath, body: HomeworkSetIn):
    """Set a lesson's homework text and due date (the lesson's teacher)."""
    reply = call_records("SetHomework", records_pb2.SetHomeworkRequest(
        request_id=body.request_id, lesson_id=str(path.lesson_id), text=body.text, due_date=body.due_date,
        reason=body.reason))
    return out(HomeworkOut, reply.homework)


@journal_records.post("/journal/lessons/<lesson_id>/homework/attachments",
                      responses={201: HomeworkAttachmentOut, 403: problem_response("Not the caller's lesson"), 404: NOT_SEEN})
@allow(Role.SUBJECT_TEACHER)
def add_attachment(path: HomeworkLessonPath, form: HomeworkAttachmentForm):
    """Attach a file to a lesson's homework (multipart/form-data, field `file`)."""
    name, content = _file(form.file, attachment_settings().max_bytes)
    reply = call_records("AddHomeworkAttachment", records_pb2.AddHomeworkAttachmentRequest(
        lesson_id=str(path.lesson_id), file_name=name, content_type=form.file.mimetype or "", content=content))
    return out(HomeworkAttachmentOut, reply.attachment), 201


@journal_records.get("/journal/homework/attachments/<attachment_id>",
                     responses={200: {"description": "The file", "content": {"application/octet-stream": {}}},
                                404: problem_response("No such file among those the caller may see")})
@allow(*LESSON_READERS)
def download_attachment(path: HomeworkAttachmentPath):
    """Download an attached file: the lesson's teacher, class teacher, administration, the class and its parents."""
    reply = call_records("GetHomeworkAttachment",
                         records_pb2.GetHomeworkAttachmentRequest(attachment_id=str(path.attachment_id)))
    response = Response(reply.content, mimetype=reply.attachment.content_type)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(reply.attachment.file_name)}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@journal_records.delete("/journal/homework/attachments/<attachment_id>",
                        responses={204: None, 403: problem_response("Not the caller's lesson"),
                                   404: problem_response("No such file")})
@allow(Role.SUBJECT_TEACHER)
def delete_attachment(path: HomeworkAttachmentPath):
    """Remove an attached file (the lesson's teacher)."""
    call_records("DeleteHomeworkAttachment",
                 records_pb2.DeleteHomeworkAttachmentRequest(attachment_id=str(path.attachment_id)))
    return "", 204


# ----------------------------------------------------------------- КТП (J3)

PLAN_PATH = "/journal/classes/<class_id>/subjects/<subject_id>/lesson-plan"
NOT_CLASS = problem_response("No such class or subject in the caller's school")


@journal_records.get(PLAN_PATH, responses={200: LessonPlanOut, 403: problem_response("Not the caller's class"),
                                           404: NOT_CLASS})
@allow(*STAFF, Role.PARENT, Role.STUDENT)
def get_lesson_plan(path: RecordsClassSubjectPath, query: PlanSubgroupQuery):
    """The КТП with its check: planned hours, curriculum hours, lessons held and scheduled.

    Staff who keep or oversee the class; the class's students and their parents
    read it to follow the programme's progress (G5)."""
    reply = call_records("GetLessonPlan", records_pb2.GetLessonPlanRequest(
        class_id=str(path.class_id), subject_id=str(path.subject_id), subgroup_id=_id(query.subgroup_id)))
    return out(LessonPlanOut, reply.plan)


@journal_records.put(PLAN_PATH, responses={200: LessonPlanImportOut, 403: problem_response("Not the caller's subject"),
                                           404: NOT_CLASS})
@allow(Role.SUBJECT_TEACHER)
def put_lesson_plan(path: RecordsClassSubjectPath, body: LessonPlanIn):
    """Enter the КТП as a list of topics (replaces the plan; fills empty lesson topics)."""
    reply = call_records("ImportLessonPlan", records_pb2.ImportLessonPlanRequest(
        request_id=body.request_id, class_id=str(path.class_id), subject_id=str(path.subject_id),
        subgroup_id=_id(body.subgroup_id),
        items=[records_pb2.PlanItem(topic=item.topic, hours=item.hours, work_type=item.work_type)
               for item in body.items]))
    return out(LessonPlanImportOut, reply)


@journal_records.post(f"{PLAN_PATH}/import", responses={200: LessonPlanImportOut, 403: problem_response("Not the caller's subject"),
                                                        404: NOT_CLASS})
@allow(Role.SUBJECT_TEACHER)
def import_lesson_plan(path: RecordsClassSubjectPath, form: LessonPlanFileForm):
    """Import the КТП from a CSV or xlsx file (multipart/form-data, field `file`)."""
    name, content = _file(form.file, PLAN_FILE_MAX_BYTES)
    reply = call_records("ImportLessonPlan", records_pb2.ImportLessonPlanRequest(
        class_id=str(path.class_id), subject_id=str(path.subject_id), subgroup_id=form.subgroup_id.strip(),
        file_name=name, file_content=content))
    return out(LessonPlanImportOut, reply)


@journal_records.post(f"{PLAN_PATH}/complete",
                      responses={200: LessonPlanOut, 403: problem_response("Not the caller's subject"), 404: NOT_CLASS,
                                 422: problem_response("Planned, curriculum and scheduled hours differ")})
@allow(Role.SUBJECT_TEACHER)
def complete_lesson_plan(path: RecordsClassSubjectPath, query: PlanSubgroupQuery):
    """Mark the КТП complete; refused while its hours differ from the curriculum's or the lessons'."""
    reply = call_records("CompleteLessonPlan", records_pb2.CompleteLessonPlanRequest(
        class_id=str(path.class_id), subject_id=str(path.subject_id), subgroup_id=_id(query.subgroup_id)))
    return out(LessonPlanOut, reply.plan)


@journal_records.put("/journal/classes/<class_id>/subjects/<subject_id>/curriculum",
                     responses={200: CurriculumHoursOut, 403: problem_response("Not the school's administration"),
                                404: NOT_CLASS})
@allow(*ADMINISTRATION)
def set_curriculum(path: RecordsClassSubjectPath, body: CurriculumHoursIn):
    """Set the curriculum's hours of a subject in a class for the current academic year."""
    reply = call_records("SetCurriculumHours", records_pb2.SetCurriculumHoursRequest(
        class_id=str(path.class_id), subject_id=str(path.subject_id), hours=body.hours))
    return out(CurriculumHoursOut, reply)


# ----------------------------------------------------------------- personal data, arrivals, departures (J1)

NOT_STUDENT = problem_response("No such student among those the caller may see")


@journal_records.get("/journal/students/<student_id>/record", responses={200: StudentRecordOut, 404: NOT_STUDENT})
@allow(*RECORD_READERS)
def get_student_record(path: RecordsStudentPath):
    """A student's personal data with the guardians' and the date of the last check."""
    reply = call_records("GetStudentRecord", records_pb2.GetStudentRecordRequest(student_id=str(path.student_id)))
    return out(StudentRecordOut, reply.record)


@journal_records.put("/journal/students/<student_id>/record",
                     responses={200: StudentRecordOut, 403: problem_response("Not the student's class teacher"),
                                404: NOT_STUDENT})
@allow(*CLASS_KEEPERS)
def update_student_record(path: RecordsStudentPath, body: StudentRecordUpdateIn):
    """Change a student's and guardians' personal data (the class teacher)."""
    reply = call_records("UpdateStudentRecord", records_pb2.UpdateStudentRecordRequest(
        request_id=body.request_id, student_id=str(path.student_id), last_name=body.last_name,
        first_name=body.first_name, middle_name=body.middle_name, birth_date=body.birth_date, phone=body.phone,
        email=body.email, address=body.address,
        guardians=[records_pb2.GuardianRecord(
            guardian_id=_id(item.guardian_id), last_name=item.last_name, first_name=item.first_name,
            middle_name=item.middle_name, relation=item.relation, phone=item.phone, email=item.email,
            address=item.address, electronic_access=item.electronic_access) for item in body.guardians]))
    return out(StudentRecordOut, reply.record)


@journal_records.post("/journal/students/<student_id>/record/verified",
                      responses={200: StudentRecordOut, 403: problem_response("Not the student's class teacher"),
                                 404: NOT_STUDENT})
@allow(*CLASS_KEEPERS)
def verify_student_record(path: RecordsStudentPath):
    """Record that the personal data was checked today."""
    reply = call_records("VerifyStudentRecord",
                         records_pb2.VerifyStudentRecordRequest(student_id=str(path.student_id)))
    return out(StudentRecordOut, reply.record)


@journal_records.get("/journal/classes/<class_id>/records-due",
                     responses={200: RecordsDueOut, 403: problem_response("Not the class's teacher"), 404: NOT_CLASS})
@allow(*CLASS_KEEPERS)
def records_due(path: RecordsClassPath):
    """The class's records due for the monthly check, oldest first."""
    reply = call_records("ListRecordsDue", records_pb2.ListRecordsDueRequest(class_id=str(path.class_id)))
    return out(RecordsDueOut, reply)


@journal_records.post("/journal/classes/<class_id>/roster-changes",
                      responses={201: RosterChangeOut, 403: problem_response("Not the class's teacher"), 404: NOT_CLASS,
                                 409: problem_response("The same request is already waiting")})
@allow(Role.CLASS_TEACHER)
def request_roster_change(path: RecordsClassPath, body: RosterChangeRequestIn):
    """Ask the administrator for an arrival or a departure (the class teacher)."""
    given = body.new_student
    reply = call_records("RequestRosterChange", records_pb2.RequestRosterChangeRequest(
        request_id=body.request_id, class_id=str(path.class_id), kind=body.kind, student_id=_id(body.student_id),
        new_student=records_pb2.NewStudent(last_name=given.last_name, first_name=given.first_name,
                                           middle_name=given.middle_name, birth_date=given.birth_date)
        if given else None, date=body.date, note=body.note))
    return out(RosterChangeOut, reply.change), 201


@journal_records.get("/journal/schools/<school_id>/roster-changes",
                     responses={200: RosterChangesOut, 404: problem_response("No such school")})
@allow(*CLASS_READERS)
def list_roster_changes(path: RosterSchoolPath, query: RosterStatusQuery):
    """The school's arrival and departure requests (a class teacher sees their class's)."""
    return out(RosterChangesOut, call_records("ListRosterChanges", records_pb2.ListRosterChangesRequest(
        school_id=str(path.school_id), status=query.status)))


@journal_records.post("/journal/roster-changes/<change_id>/carry-out",
                      responses={200: RosterChangeOut, 403: problem_response("Not the school's administrator"),
                                 404: problem_response("No such request"),
                                 422: problem_response("Already done, or the dates do not fit")})
@allow(Role.ADMINISTRATOR)
def carry_out_roster_change(path: RosterChangePath, body: RosterCarryOutIn):
    """Enrol or remove the student as requested (the administrator)."""
    reply = call_records("CarryOutRosterChange", records_pb2.CarryOutRosterChangeRequest(
        request_id=body.request_id, change_id=str(path.change_id)))
    return out(RosterChangeOut, reply.change)


# ----------------------------------------------------------------- subgroups (J4)

SUBGROUPS_PATH = "/journal/classes/<class_id>/subjects/<subject_id>/subgroups"


@journal_records.get(SUBGROUPS_PATH, responses={200: SubgroupsOut, 404: NOT_CLASS})
@allow(*STAFF)
def list_subgroups(path: RecordsClassSubjectPath):
    """The class's subgroups of the subject with members and history."""
    return out(SubgroupsOut, call_records("ListSubgroups", records_pb2.ListSubgroupsRequest(
        class_id=str(path.class_id), subject_id=str(path.subject_id))))


@journal_records.put(SUBGROUPS_PATH, responses={200: SubgroupsOut, 403: problem_response("Not the class's teacher"),
                                                404: NOT_CLASS, 422: problem_response("Already divided")})
@allow(*CLASS_KEEPERS)
def set_subgroups(path: RecordsClassSubjectPath, body: SubgroupsDivisionIn):
    """Divide the class into subgroups for the subject at the start of the year."""
    return out(SubgroupsOut, call_records("SetSubgroups", records_pb2.SetSubgroupsRequest(
        request_id=body.request_id, class_id=str(path.class_id), subject_id=str(path.subject_id),
        subgroups=[records_pb2.SubgroupInput(name=group.name, teacher_id=_id(group.teacher_id),
                                             student_ids=[str(item) for item in group.student_ids])
                   for group in body.subgroups])))


@journal_records.post("/journal/students/<student_id>/subgroup",
                      responses={200: SubgroupsOut, 403: problem_response("Not the administrator"),
                                 404: problem_response("No such subgroup or student"),
                                 422: problem_response("Not at the end of a study period")})
@allow(Role.ADMINISTRATOR)
def move_to_subgroup(path: RecordsStudentPath, body: SubgroupMoveIn):
    """Move a student to another subgroup (the administrator, at the end of a study period)."""
    return out(SubgroupsOut, call_records("MoveStudentToSubgroup", records_pb2.MoveStudentToSubgroupRequest(
        request_id=body.request_id, student_id=str(path.student_id), subgroup_id=str(body.subgroup_id))))


# ----------------------------------------------------------------- the class teacher's week and overview (J5, J6)

@journal_records.post("/journal/classes/<class_id>/absence-notes",
                      responses={201: AbsenceNoteOut, 403: problem_response("Not the class's teacher"), 404: NOT_CLASS})
@allow(Role.CLASS_TEACHER)
def record_absence_note(path: RecordsClassPath, body: AbsenceNoteIn):
    """Record a document (an illness note) covering a student's days."""
    reply = call_records("RecordAbsenceNote", records_pb2.RecordAbsenceNoteRequest(
        request_id=body.request_id, class_id=str(path.class_id), student_id=str(body.student_id),
        first_date=body.first_date, last_date=body.last_date, kind=body.kind, document=body.document))
    return out(AbsenceNoteOut, reply.note), 201


@journal_records.get("/journal/classes/<class_id>/attendance/week",
                     responses={200: AttendanceWeekOut, 403: problem_response("Not the class's teacher"), 404: NOT_CLASS})
@allow(*CLASS_READERS)
def weekly_attendance(path: RecordsClassPath, query: AttendanceWeekQuery):
    """Missed lessons per student in the week by kind, the notes and the differences to reconcile."""
    return out(AttendanceWeekOut, call_records("GetWeeklyAttendance", records_pb2.GetWeeklyAttendanceRequest(
        class_id=str(path.class_id), week=query.week)))


@journal_records.post("/journal/classes/<class_id>/attendance/reconciliations",
                      responses={201: ReconcileWeekOut, 403: problem_response("Not the class's teacher"), 404: NOT_CLASS,
                                 422: problem_response("A lesson of the week is in a locked period")})
@allow(Role.CLASS_TEACHER)
def reconcile_week(path: RecordsClassPath, body: ReconcileWeekIn):
    """Reconcile the week: apply the notes to the subject teachers' marks and record it."""
    return out(ReconcileWeekOut, call_records("ReconcileWeek", records_pb2.ReconcileWeekRequest(
        request_id=body.request_id, class_id=str(path.class_id), week=body.week))), 201


@journal_records.get("/journal/classes/<class_id>/marks-overview",
                     responses={200: ClassMarksOverviewOut, 403: problem_response("Not the class's teacher"), 404: NOT_CLASS})
@allow(*CLASS_READERS)
def marks_overview(path: RecordsClassPath, query: OverviewPeriodQuery):
    """Every subject's marks of the class in a period, with averages (read-only)."""
    return out(ClassMarksOverviewOut, call_records("GetClassMarksOverview", records_pb2.GetClassMarksOverviewRequest(
        class_id=str(path.class_id), period_id=str(query.period_id))))
