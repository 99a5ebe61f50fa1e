"""The journal, lesson by lesson (J2, J6, J8, M3, A5): `/api/v1/journal/...` and a student's marks.

The page of a class, a subject and a period (students × lessons with marks,
absences, topics, homework and each student's weighted average); saving a
whole lesson's marks and absences in one request; a student's marks of a
period by subject. The route admits roles; the journal service decides by
object (this teacher's lesson, this parent's child, this school).
"""
from __future__ import annotations

import uuid
from typing import Annotated

from ezh.journal.v1 import journal_pb2, journal_pb2_grpc
from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, Field

from gateway.access import allow
from gateway.auth_models import REQUEST_ID_MAX_LENGTH, RequestModel
from gateway.openapi import problem_response
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

    @classmethod
    def from_proto(cls, lesson) -> LessonOut:
        return cls(id=lesson.id, date=lesson.date, number=lesson.number, teacher_id=lesson.teacher_id,
                   topic=lesson.topic, homework=lesson.homework)


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


class SubjectMarksOut(BaseModel):
    subject: SubjectOut
    marks: list[MarkOut]
    absences: list[AbsenceOut]
    average: str | None


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
            )
            for item in reply.subjects
        ],
    )
    return out.model_dump(mode="json")
