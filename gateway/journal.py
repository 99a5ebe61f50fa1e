"""The journal, lesson by lesson (J2, J6, J8, M3, A5): `/api/v1/journal/...` and a student's marks.

The page of a class, a subject and a period (students × lessons with marks,
absences, topics, homework and each student's weighted average); saving a
whole lesson's marks and absences in one request; a student's marks of a
period by subject. The route admits roles; the journal service decides by
object (this teacher's lesson, this parent's child, this school).
"""
from __future__ import annotations

import json
import uuid
from typing import Annotated

from ezh.journal.v1 import journal_pb2, journal_pb2_grpc
from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, Field

from gateway.access import allow
from gateway.auth_models import REQUEST_ID_MAX_LENGTH, RequestModel
from gateway.openapi import Day, problem_response
from gateway.services import call
from services.common.roles import Role

journal = APIBlueprint(
    "journal", __name__,
    abp_tags=[Tag(name="journal", description="The journal page, lessons' marks and absences, students' marks")],
)

# Who may open a page: the service lets each see only their own classes and subjects.
PAGE_READERS = (Role.ADMINISTRATOR, Role.DIRECTOR, Role.DEPUTY_DIRECTOR, Role.SUBJECT_TEACHER, Role.CLASS_TEACHER)
STUDENT_MARKS_READERS = (Role.ADMINISTRATOR, Role.DIRECTOR, Role.DEPUTY_DIRECTOR, Role.CLASS_TEACHER, Role.PARENT,
                         Role.STUDENT)
MAX_STUDENTS_PER_LESSON = 60
MAX_MARKS_PER_STUDENT = 5


def call_journal(method: str, message):
    return call("journal", journal_pb2_grpc.JournalServiceStub, method, message)


# ----------------------------------------------------------------- shapes

class PagePath(RequestModel):
    class_id: uuid.UUID
    subject_id: uuid.UUID
    period_id: uuid.UUID


class LessonPath(RequestModel):
    lesson_id: uuid.UUID


class StudentPath(RequestModel):
    student_id: uuid.UUID


class PeriodQuery(RequestModel):
    period_id: uuid.UUID


class MarkIn(RequestModel):
    id: uuid.UUID | None = Field(default=None, description="A mark the student already has at this lesson, to change")
    value: int | Annotated[str, Field(max_length=10)] = Field(
        description="1…5, or `pass`/`fail` (зачёт/незачёт) in a pass/fail subject", examples=[5])
    work_type: str = Field(max_length=30, description="`oral`, `written`, `test`, `laboratory`, `practical`, "
                                                      "`homework`, `dictation`, `essay`, …", examples=["oral"])
    weight: Annotated[str, Field(max_length=10)] | float | None = Field(
        default=None, description="Empty for the school's weight of the work type", examples=["1.5"])

    def to_proto(self) -> journal_pb2.MarkInput:
        weight = "" if self.weight is None else str(self.weight)
        return journal_pb2.MarkInput(id=str(self.id) if self.id else "", value=str(self.value),
                                     work_type=self.work_type, weight=weight)


class LessonEntryIn(RequestModel):
    student_id: uuid.UUID
    marks: list[MarkIn] = Field(default_factory=list, max_length=MAX_MARKS_PER_STUDENT,
                                description="The student's marks at the lesson after the save; others are deleted")
    absence: Annotated[str, Field(max_length=20)] | None = Field(
        default=None, description="`unexcused` (н), `excused` (у), `ill` (б), `late` (оп), or null when present")


class LessonEntriesIn(RequestModel):
    entries: list[LessonEntryIn] = Field(min_length=1, max_length=MAX_STUDENTS_PER_LESSON)
    reason: str = Field(default="", max_length=500,
                        description="Why entries made more than 24 hours ago change (required then)")
    request_id: str = Field(
        default="", max_length=REQUEST_ID_MAX_LENGTH,
        description="Any unique string: a retried request with the same one returns the first answer",
    )


class PeriodOut(BaseModel):
    id: str
    kind: str
    number: int | None
    title: str = Field(examples=["2 четверть"])
    start_date: str
    end_date: str
    final_marks_deadline: str

    @classmethod
    def from_proto(cls, period) -> PeriodOut:
        return cls(id=period.id, kind=period.kind, number=period.number or None, title=period.title,
                   start_date=period.start_date, end_date=period.end_date,
                   final_marks_deadline=period.final_marks_deadline)


class SubjectOut(BaseModel):
    id: str
    name: str
    pass_fail: bool


class LessonOut(BaseModel):
    id: str
    date: str
    number: int
    teacher_id: str
    topic: str
    homework: str
    cancelled: bool = Field(description="Cancelled by the timetable; shown only when it has marks or absences")
    planned_teacher_id: str | None = Field(description="The timetable's teacher when a substitute gives the lesson")
    locked: bool = Field(description="Its period is locked today and no exception opens it (on the journal page)")

    @classmethod
    def from_proto(cls, lesson) -> LessonOut:
        return cls(id=lesson.id, date=lesson.date, number=lesson.number, teacher_id=lesson.teacher_id,
                   topic=lesson.topic, homework=lesson.homework, cancelled=lesson.cancelled,
                   planned_teacher_id=lesson.planned_teacher_id or None, locked=lesson.locked)


class MarkOut(BaseModel):
    id: str
    lesson_id: str
    student_id: str
    date: str
    value: str = Field(examples=["5"])
    work_type: str
    weight: str = Field(description="The weight it counts with", examples=["1.5"])
    weight_set: bool = Field(description="The teacher set the weight on the mark itself")

    @classmethod
    def from_proto(cls, mark) -> MarkOut:
        return cls(id=mark.id, lesson_id=mark.lesson_id, student_id=mark.student_id, date=mark.date,
                   value=mark.value, work_type=mark.work_type, weight=mark.weight, weight_set=mark.weight_set)


class AbsenceOut(BaseModel):
    lesson_id: str
    student_id: str
    date: str
    kind: str

    @classmethod
    def from_proto(cls, absence) -> AbsenceOut:
        return cls(lesson_id=absence.lesson_id, student_id=absence.student_id, date=absence.date, kind=absence.kind)


class PageStudentOut(BaseModel):
    id: str
    last_name: str
    first_name: str
    middle_name: str
    average: str | None = Field(description="Weighted average to hundredths, null without 1…5 marks")
    mark_count: int


class ClassOut(BaseModel):
    id: str
    name: str


class JournalPageOut(BaseModel):
    school_class: ClassOut
    subject: SubjectOut
    period: PeriodOut
    lessons: list[LessonOut]
    students: list[PageStudentOut]
    marks: list[MarkOut]
    absences: list[AbsenceOut]


class LessonEntriesOut(BaseModel):
    lesson: LessonOut
    marks: list[MarkOut]
    absences: list[AbsenceOut]
    change_count: int = Field(description="How many marks and absences changed")


class FinalMarkOut(BaseModel):
    id: str
    student_id: str
    class_id: str
    subject_id: str
    period_id: str
    kind: str
    value: str = Field(examples=["4"])
    value_title: str = Field(examples=["4", "зачёт", "н/а", "освобождён"])
    teacher_id: str
    exception_id: str | None = Field(description="The deputy director's exception that allowed a late setting")
    update_time: str

    @classmethod
    def from_proto(cls, mark) -> FinalMarkOut:
        return cls(id=mark.id, student_id=mark.student_id, class_id=mark.class_id, subject_id=mark.subject_id,
                   period_id=mark.period_id, kind=mark.kind, value=mark.value, value_title=mark.value_title,
                   teacher_id=mark.teacher_id, exception_id=mark.exception_id or None, update_time=mark.update_time)


class SubjectMarksOut(BaseModel):
    subject: SubjectOut
    marks: list[MarkOut]
    absences: list[AbsenceOut]
    average: str | None
    final_marks: list[FinalMarkOut] = Field(description="The period's final marks in the subject")


class StudentMarksOut(BaseModel):
    student_id: str
    period: PeriodOut
    subjects: list[SubjectMarksOut]


def _subject(subject) -> SubjectOut:
    return SubjectOut(id=subject.id, name=subject.name, pass_fail=subject.pass_fail)


# ----------------------------------------------------------------- routes

@journal.get(
    "/journal/classes/<class_id>/subjects/<subject_id>/periods/<period_id>",
    responses={200: JournalPageOut, 403: problem_response("Not the caller's class or subject"),
               404: problem_response("No such class, subject or period in the caller's school")},
)
@allow(*PAGE_READERS)
def get_journal_page(path: PagePath):
    """The journal page: students × lessons of the period with marks, absences and averages."""
    reply = call_journal("GetJournalPage", journal_pb2.GetJournalPageRequest(
        class_id=str(path.class_id), subject_id=str(path.subject_id), period_id=str(path.period_id),
    ))
    page = JournalPageOut(
        school_class=ClassOut(id=reply.school_class.id, name=reply.school_class.name),
        subject=_subject(reply.subject),
        period=PeriodOut.from_proto(reply.period),
        lessons=[LessonOut.from_proto(lesson) for lesson in reply.lessons],
        students=[
            PageStudentOut(id=row.id, last_name=row.last_name, first_name=row.first_name,
                           middle_name=row.middle_name, average=row.average or None, mark_count=row.mark_count)
            for row in reply.students
        ],
        marks=[MarkOut.from_proto(mark) for mark in reply.marks],
        absences=[AbsenceOut.from_proto(absence) for absence in reply.absences],
    )
    return page.model_dump(mode="json")


@journal.put(
    "/journal/lessons/<lesson_id>/entries",
    responses={200: LessonEntriesOut, 403: problem_response("Not a lesson of the caller's assignments"),
               404: problem_response("No such lesson"),
               422: problem_response("A rule forbids it: a locked period, a late change without a reason")},
)
@allow(Role.SUBJECT_TEACHER)
def save_lesson_entries(path: LessonPath, body: LessonEntriesIn):
    """Save a lesson's marks and absences for the given students, all or nothing."""
    reply = call_journal("SaveLessonEntries", journal_pb2.SaveLessonEntriesRequest(
        request_id=body.request_id, lesson_id=str(path.lesson_id), reason=body.reason,
        entries=[
            journal_pb2.LessonEntry(student_id=str(entry.student_id), marks=[mark.to_proto() for mark in entry.marks],
                                    absence=entry.absence or "")
            for entry in body.entries
        ],
    ))
    out = LessonEntriesOut(
        lesson=LessonOut.from_proto(reply.lesson),
        marks=[MarkOut.from_proto(mark) for mark in reply.marks],
        absences=[AbsenceOut.from_proto(absence) for absence in reply.absences],
        change_count=reply.change_count,
    )
    return out.model_dump(mode="json")


@journal.get(
    "/students/<student_id>/marks",
    responses={200: StudentMarksOut, 404: problem_response("No such student among those the caller may see")},
)
@allow(*STUDENT_MARKS_READERS)
def get_student_marks(path: StudentPath, query: PeriodQuery):
    """A student's marks of a period by subject, with weighted averages (the diary)."""
    reply = call_journal("GetStudentMarks", journal_pb2.GetStudentMarksRequest(
        student_id=str(path.student_id), period_id=str(query.period_id),
    ))
    out = StudentMarksOut(
        student_id=reply.student_id,
        period=PeriodOut.from_proto(reply.period),
        subjects=[
            SubjectMarksOut(
                subject=_subject(item.subject),
                marks=[MarkOut.from_proto(mark) for mark in item.marks],
                absences=[AbsenceOut.from_proto(absence) for absence in item.absences],
                average=item.average or None,
                final_marks=[FinalMarkOut.from_proto(mark) for mark in item.final_marks],
            )
            for item in reply.subjects
        ],
    )
    return out.model_dump(mode="json")


# ----------------------------------------------------------------- study periods

# Every person of a school needs its periods (the journal page, the diary, the class overview).
PERIOD_READERS = tuple(Role)


class PeriodsQuery(RequestModel):
    school_id: uuid.UUID | None = Field(
        default=None, description="The school; left out, the caller's own (a parent's: their children's)")
    date: Day | None = Field(default=None, description="Only the periods containing this day (2026-11-30)")


class PeriodsOut(BaseModel):
    school_id: str
    periods: list[PeriodOut] = Field(description="By start date; on the same day, the longer period first")


@journal.get(
    "/journal/periods",
    responses={200: PeriodsOut, 400: problem_response("A bad day, or no school named by one of several schools"),
               404: problem_response("Not the caller's school")},
)
@allow(*PERIOD_READERS)
def list_periods(query: PeriodsQuery):
    """A school's study periods: quarters or trimesters, half-years and the year, with their dates."""
    reply = call_journal("ListPeriods", journal_pb2.ListPeriodsRequest(
        school_id=str(query.school_id) if query.school_id else "",
        date=query.date.isoformat() if query.date else "",
    ))
    return PeriodsOut(school_id=reply.school_id,
                      periods=[PeriodOut.from_proto(period) for period in reply.periods]).model_dump(mode="json")


# ----------------------------------------------------------------- final marks (M1–M4, G2)

ADMINISTRATION = (Role.ADMINISTRATOR, Role.DIRECTOR, Role.DEPUTY_DIRECTOR)
EXCEPTION_GRANTORS = (Role.DEPUTY_DIRECTOR, Role.DIRECTOR)


class SuggestionsQuery(RequestModel):
    kind: str = Field(default="", max_length=20,
                      description="`quarter`, `trimester`, `half_year`, `year`, `exam` or `final`; "
                                  "by default the period's own kind")
    student_id: uuid.UUID | None = Field(default=None, description="Only this student")


class FinalMarkPath(RequestModel):
    student_id: uuid.UUID
    subject_id: uuid.UUID
    period_id: uuid.UUID
    kind: str = Field(max_length=20, description="`quarter`, `trimester`, `half_year`, `year`, `exam` or `final`")


class FinalMarkIn(RequestModel):
    value: int | Annotated[str, Field(max_length=20)] = Field(
        description="1…5, `pass`/`fail`, `not_attested` (н/а) or `exempt` (освобождён)", examples=[4])
    reason: str = Field(default="", max_length=500,
                        description="Why a mark set more than 24 hours ago changes (required then)")
    request_id: str = Field(default="", max_length=REQUEST_ID_MAX_LENGTH,
                            description="Any unique string: a retried request with the same one returns the first "
                                        "answer")


class SetFinalMarkOut(BaseModel):
    final_mark: FinalMarkOut
    changed: bool = Field(description="False when the mark already had this value")


class ExceptionOut(BaseModel):
    id: str
    school_id: str
    period_id: str
    class_id: str | None
    subject_id: str | None
    valid_from: str
    valid_until: str
    reason: str
    granted_by: str
    grant_time: str
    closed: bool
    closed_by: str | None
    close_time: str | None
    active: bool = Field(description="It allows entries today")

    @classmethod
    def from_proto(cls, row) -> ExceptionOut:
        return cls(id=row.id, school_id=row.school_id, period_id=row.period_id, class_id=row.class_id or None,
                   subject_id=row.subject_id or None, valid_from=row.valid_from, valid_until=row.valid_until,
                   reason=row.reason, granted_by=row.granted_by, grant_time=row.grant_time, closed=row.closed,
                   closed_by=row.closed_by or None, close_time=row.close_time or None, active=row.active)


class BasisMarkOut(BaseModel):
    mark_id: str
    date: str
    value: str
    work_type: str
    work_type_title: str
    weight: str | None = Field(description="The weight it counted with; null for зачёт/незачёт")


class RequirementOut(BaseModel):
    code: str = Field(examples=["TOO_FEW_MARKS"])
    message: str


class AttendanceOut(BaseModel):
    unexcused: int
    excused: int
    ill: int
    late: int
    missed: int
    lessons_held: int


class SuggestionOut(BaseModel):
    student_id: str
    last_name: str
    first_name: str
    middle_name: str
    suggested_value: str | None = Field(description="Null when no mark follows from the basis")
    explanation: str = Field(examples=["Средний балл 3,50 → «4» («4» — от 3,50)"])
    weighted_average: str | None
    weighted_sum: str | None
    weight_total: str | None
    marks: list[BasisMarkOut]
    attendance: AttendanceOut | None
    unmet: list[RequirementOut] = Field(description="M2 requirements not met yet: then only н/а or освобождён")
    can_set_mark: bool
    current: FinalMarkOut | None = Field(description="The mark set so far")


class SuggestionsOut(BaseModel):
    school_class: ClassOut
    subject: SubjectOut
    period: PeriodOut
    kind: str
    rounding_rule: str = Field(description="The rounding rule in words")
    deadline_passed: bool
    exception: ExceptionOut | None = Field(description="The open exception that allows late marks, if any")
    suggestions: list[SuggestionOut]


def _suggestion(row) -> SuggestionOut:
    return SuggestionOut(
        student_id=row.student_id, last_name=row.last_name, first_name=row.first_name, middle_name=row.middle_name,
        suggested_value=row.suggested_value or None, explanation=row.explanation,
        weighted_average=row.weighted_average or None, weighted_sum=row.weighted_sum or None,
        weight_total=row.weight_total or None,
        marks=[BasisMarkOut(mark_id=mark.mark_id, date=mark.date, value=mark.value, work_type=mark.work_type,
                            work_type_title=mark.work_type_title, weight=mark.weight or None) for mark in row.marks],
        attendance=AttendanceOut(unexcused=row.attendance.unexcused, excused=row.attendance.excused,
                                 ill=row.attendance.ill, late=row.attendance.late, missed=row.attendance.missed,
                                 lessons_held=row.attendance.lessons_held) if row.HasField("attendance") else None,
        unmet=[RequirementOut(code=item.code, message=item.message) for item in row.unmet],
        can_set_mark=row.can_set_mark,
        current=FinalMarkOut.from_proto(row.current) if row.HasField("current") else None,
    )


@journal.get(
    "/journal/classes/<class_id>/subjects/<subject_id>/periods/<period_id>/final-marks",
    responses={200: SuggestionsOut, 403: problem_response("Not the caller's class or subject"),
               404: problem_response("No such class, subject, period or student in the caller's school")},
)
@allow(*PAGE_READERS)
def get_final_mark_suggestions(path: PagePath, query: SuggestionsQuery):
    """Suggested final marks with the rounding rule, their basis and unmet requirements (G2, M2, M4)."""
    reply = call_journal("GetFinalMarkSuggestions", journal_pb2.GetFinalMarkSuggestionsRequest(
        class_id=str(path.class_id), subject_id=str(path.subject_id), period_id=str(path.period_id),
        kind=query.kind, student_id=str(query.student_id) if query.student_id else "",
    ))
    out = SuggestionsOut(
        school_class=ClassOut(id=reply.school_class.id, name=reply.school_class.name),
        subject=_subject(reply.subject), period=PeriodOut.from_proto(reply.period), kind=reply.kind,
        rounding_rule=reply.rounding_rule, deadline_passed=reply.deadline_passed,
        exception=ExceptionOut.from_proto(reply.exception) if reply.HasField("exception") else None,
        suggestions=[_suggestion(row) for row in reply.suggestions],
    )
    return out.model_dump(mode="json")


@journal.put(
    "/journal/students/<student_id>/subjects/<subject_id>/periods/<period_id>/final-marks/<kind>",
    responses={200: SetFinalMarkOut, 403: problem_response("Not the caller's class or subject"),
               404: problem_response("No such student, subject or period in the caller's school"),
               422: problem_response("A rule forbids it: too few marks, no written work, the deadline passed, "
                                     "a late change without a reason")},
)
@allow(Role.SUBJECT_TEACHER)
def set_final_mark(path: FinalMarkPath, body: FinalMarkIn):
    """Set or change a final mark (M1–M3); every change goes into the history (J8)."""
    reply = call_journal("SetFinalMark", journal_pb2.SetFinalMarkRequest(
        request_id=body.request_id, student_id=str(path.student_id), subject_id=str(path.subject_id),
        period_id=str(path.period_id), kind=path.kind, value=str(body.value), reason=body.reason,
    ))
    return SetFinalMarkOut(final_mark=FinalMarkOut.from_proto(reply.final_mark),
                           changed=reply.changed).model_dump(mode="json")


# ----------------------------------------------------------------- exceptions to the lock (M3)

class PeriodPath(RequestModel):
    period_id: uuid.UUID


class ExceptionPath(RequestModel):
    exception_id: uuid.UUID


class SchoolPath(RequestModel):
    school_id: uuid.UUID


class ExceptionsQuery(RequestModel):
    period_id: uuid.UUID | None = None


class ExceptionIn(RequestModel):
    class_id: uuid.UUID | None = Field(default=None, description="Only this class")
    subject_id: uuid.UUID | None = Field(default=None, description="Only this subject")
    valid_from: str = Field(default="", max_length=10, description="ISO day; today when left out")
    valid_until: str = Field(max_length=10, description="ISO day, inclusive", examples=["2026-12-30"])
    reason: str = Field(min_length=1, max_length=500, description="The ground, e.g. the order's number")
    request_id: str = Field(default="", max_length=REQUEST_ID_MAX_LENGTH)


class ExceptionsOut(BaseModel):
    exceptions: list[ExceptionOut]


@journal.post(
    "/journal/periods/<period_id>/exceptions",
    responses={201: ExceptionOut, 403: problem_response("Only the deputy director or the director"),
               404: problem_response("No such period, class or subject in the caller's school")},
)
@allow(*EXCEPTION_GRANTORS)
def open_period_exception(path: PeriodPath, body: ExceptionIn):
    """Open an exception: marks of a locked period, and late final marks, may be entered (M3)."""
    reply = call_journal("OpenPeriodException", journal_pb2.OpenPeriodExceptionRequest(
        request_id=body.request_id, period_id=str(path.period_id),
        class_id=str(body.class_id) if body.class_id else "", subject_id=str(body.subject_id) if body.subject_id
        else "", valid_from=body.valid_from, valid_until=body.valid_until, reason=body.reason,
    ))
    return ExceptionOut.from_proto(reply.exception).model_dump(mode="json"), 201


@journal.post(
    "/journal/exceptions/<exception_id>/close",
    responses={200: ExceptionOut, 403: problem_response("Only the deputy director or the director"),
               404: problem_response("No such exception in the caller's school")},
)
@allow(*EXCEPTION_GRANTORS)
def close_period_exception(path: ExceptionPath):
    """Close an exception before its last day."""
    reply = call_journal("ClosePeriodException", journal_pb2.ClosePeriodExceptionRequest(
        exception_id=str(path.exception_id)))
    return ExceptionOut.from_proto(reply.exception).model_dump(mode="json")


@journal.get(
    "/journal/schools/<school_id>/exceptions",
    responses={200: ExceptionsOut, 404: problem_response("Not the caller's school")},
)
@allow(*PAGE_READERS)
def list_period_exceptions(path: SchoolPath, query: ExceptionsQuery):
    """The school's exceptions, newest first."""
    reply = call_journal("ListPeriodExceptions", journal_pb2.ListPeriodExceptionsRequest(
        school_id=str(path.school_id), period_id=str(query.period_id) if query.period_id else ""))
    return ExceptionsOut(exceptions=[ExceptionOut.from_proto(row) for row in reply.exceptions]).model_dump(
        mode="json")


# ----------------------------------------------------------------- history (J8)

class CellPath(RequestModel):
    lesson_id: uuid.UUID
    student_id: uuid.UUID


class FinalMarkIdPath(RequestModel):
    final_mark_id: uuid.UUID


class HistoryEntryOut(BaseModel):
    sequence: int
    entity: str = Field(examples=["mark", "absence", "final_mark"])
    entity_id: str
    action: str = Field(examples=["created", "updated", "deleted"])
    actor_id: str
    change_time: str
    old_value: dict | None
    new_value: dict | None
    reason: str


class HistoryOut(BaseModel):
    entries: list[HistoryEntryOut]


class VerificationOut(BaseModel):
    intact: bool = Field(description="No record was altered or removed")
    checked_count: int
    first_broken_sequence: int | None
    head_hash: str


def _history(reply) -> dict:
    return HistoryOut(entries=[
        HistoryEntryOut(sequence=row.sequence, entity=row.entity, entity_id=row.entity_id, action=row.action,
                        actor_id=row.actor_id, change_time=row.change_time,
                        old_value=json.loads(row.old_value) if row.old_value else None,
                        new_value=json.loads(row.new_value) if row.new_value else None, reason=row.reason)
        for row in reply.entries
    ]).model_dump(mode="json")


@journal.get(
    "/journal/lessons/<lesson_id>/students/<student_id>/history",
    responses={200: HistoryOut, 403: problem_response("Not the caller's class or subject"),
               404: problem_response("No such lesson in the caller's school")},
)
@allow(*PAGE_READERS)
def get_cell_history(path: CellPath):
    """Every change of a student's marks and absence at a lesson: who, when, old, new, why."""
    return _history(call_journal("GetCellHistory", journal_pb2.GetCellHistoryRequest(
        lesson_id=str(path.lesson_id), student_id=str(path.student_id))))


@journal.get(
    "/journal/lessons/<lesson_id>/history",
    responses={200: HistoryOut, 403: problem_response("Not the caller's class or subject"),
               404: problem_response("No such lesson in the caller's school")},
)
@allow(*PAGE_READERS)
def get_lesson_history(path: LessonPath):
    """Every change of a lesson's topic and homework: who, when, old, new, why."""
    return _history(call_journal("GetCellHistory", journal_pb2.GetCellHistoryRequest(lesson_id=str(path.lesson_id))))


@journal.get(
    "/journal/final-marks/<final_mark_id>/history",
    responses={200: HistoryOut, 403: problem_response("Not the caller's class or subject"),
               404: problem_response("No such final mark in the caller's school")},
)
@allow(*PAGE_READERS)
def get_final_mark_history(path: FinalMarkIdPath):
    """Every change of a final mark: who, when, old, new, why."""
    return _history(call_journal("GetCellHistory", journal_pb2.GetCellHistoryRequest(
        final_mark_id=str(path.final_mark_id))))


@journal.get(
    "/journal/schools/<school_id>/change-log/verification",
    responses={200: VerificationOut, 403: problem_response("Only the school's administration"),
               404: problem_response("Not the caller's school")},
)
@allow(*ADMINISTRATION)
def verify_change_log(path: SchoolPath):
    """Check the school's hash-chained change history: no record altered or removed (J8)."""
    reply = call_journal("VerifyChangeLog", journal_pb2.VerifyChangeLogRequest(school_id=str(path.school_id)))
    return VerificationOut(intact=reply.intact, checked_count=reply.checked_count,
                           first_broken_sequence=reply.first_broken_sequence or None,
                           head_hash=reply.head_hash).model_dump(mode="json")


# ----------------------------------------------------------------- the school's weights of work types (J2, G2)

class WeightIn(RequestModel):
    work_type: str = Field(max_length=30, examples=["test"])
    weight: Annotated[str, Field(max_length=10)] | float | None = Field(
        description="More than 0, at most 10; null returns to the default", examples=["3"])


class WeightsIn(RequestModel):
    weights: list[WeightIn] = Field(min_length=1, max_length=30)
    request_id: str = Field(default="", max_length=REQUEST_ID_MAX_LENGTH)


class WeightOut(BaseModel):
    work_type: str
    title: str = Field(examples=["Контрольная работа"])
    weight: str = Field(examples=["2"])
    default_weight: str
    school_set: bool = Field(description="The school set its own weight")


class WeightsOut(BaseModel):
    weights: list[WeightOut]


def _weights(reply) -> dict:
    return WeightsOut(weights=[
        WeightOut(work_type=row.work_type, title=row.title, weight=row.weight, default_weight=row.default_weight,
                  school_set=row.school_set) for row in reply.weights
    ]).model_dump(mode="json")


@journal.get(
    "/journal/schools/<school_id>/work-type-weights",
    responses={200: WeightsOut, 404: problem_response("Not the caller's school")},
)
@allow(*PAGE_READERS)
def get_work_type_weights(path: SchoolPath):
    """The weight each work type's marks count with in the school's averages."""
    return _weights(call_journal("GetWorkTypeWeights", journal_pb2.GetWorkTypeWeightsRequest(
        school_id=str(path.school_id))))


@journal.put(
    "/journal/schools/<school_id>/work-type-weights",
    responses={200: WeightsOut, 403: problem_response("Only the school's administration"),
               404: problem_response("Not the caller's school")},
)
@allow(*ADMINISTRATION)
def set_work_type_weights(path: SchoolPath, body: WeightsIn):
    """Set the school's own weights of work types (the others keep theirs)."""
    return _weights(call_journal("SetWorkTypeWeights", journal_pb2.SetWorkTypeWeightsRequest(
        request_id=body.request_id, school_id=str(path.school_id),
        weights=[journal_pb2.WorkTypeWeightInput(work_type=item.work_type,
                                                 weight="" if item.weight is None else str(item.weight))
                 for item in body.weights])))
