"""The schedule (S1, S2, 3.6, 4.6.2): `/api/v1/schedule/...`.

The deputy director (and the director) keep the calendar, bells, rooms and
the weekly timetable, correct it during the year and may have it generated
by the solver; staff read the timetable by class, teacher or room; teachers,
students and parents read their own week and subscribe to it as an ICS
feed at a secret, revocable address. The route admits roles; the schedule
service decides by object (this school, this child).
"""
from __future__ import annotations

import uuid
from typing import Literal

from ezh.schedule.v1 import schedule_pb2, schedule_pb2_grpc
from flask import Response
from flask_openapi3 import APIBlueprint, Tag
from google.protobuf import json_format
from pydantic import BaseModel, Field

from gateway.access import allow, allow_anonymous
from gateway.auth_models import EmptyAllowed, PageQuery, RequestModel
from gateway.openapi import Day, problem_response
from gateway.services import call
from services.common.roles import Role

schedule = APIBlueprint(
    "schedule", __name__, url_prefix="/schedule",
    abp_tags=[Tag(name="schedule", description="Calendar, bells, rooms, the timetable, its changes and feeds")],
)

EDITORS = (Role.DEPUTY_DIRECTOR, Role.DIRECTOR)
STAFF = (Role.ADMINISTRATOR, Role.DIRECTOR, Role.DEPUTY_DIRECTOR, Role.SUBJECT_TEACHER, Role.CLASS_TEACHER)
OWN_WEEK = (Role.SUBJECT_TEACHER, Role.CLASS_TEACHER, Role.PARENT, Role.STUDENT)
RoomKind = Literal["classroom", "lab", "gym", "computer"]
Weeks = Literal["every", "odd", "even"]
CONFLICT = problem_response("A conflict: the message names every one (teacher, room, class, holiday, capacity)")
NOT_FOUND = problem_response("No such object in the caller's school")
TEXT = 200
# Reading the school's data and building the model around the solver's own time limit.
SOLVER_OVERHEAD_SECONDS = 30


def call_schedule(method: str, message, timeout: float | None = None):
    return call("schedule", schedule_pb2_grpc.ScheduleServiceStub, method, message, timeout=timeout)


def as_dict(message) -> dict:
    return json_format.MessageToDict(message, preserving_proto_field_name=True,
                                     always_print_fields_with_no_presence=True)


def _room_kind(kind: str) -> int:
    return schedule_pb2.RoomKind.Value(f"ROOM_KIND_{kind.upper()}")


def _room_kind_name(value) -> str:
    return str(value).removeprefix("ROOM_KIND_").lower()


# ----------------------------------------------------------------- shapes

class SchoolPath(RequestModel):
    school_id: uuid.UUID


class RoomPath(SchoolPath):
    room_id: uuid.UUID


class YearPath(SchoolPath):
    year_id: uuid.UUID


class SpecialDayPath(YearPath):
    date: Day


class BellsPath(SchoolPath):
    bell_schedule_id: uuid.UUID


class TimetablePath(RequestModel):
    timetable_id: uuid.UUID


class EntryPath(TimetablePath):
    entry_id: uuid.UUID


class LessonPath(RequestModel):
    lesson_id: uuid.UUID


class WeekClassPath(SchoolPath):
    class_id: uuid.UUID


class WeekTeacherPath(SchoolPath):
    teacher_id: uuid.UUID


class WeekRoomPath(SchoolPath):
    room_id: uuid.UUID


class FeedPath(RequestModel):
    token: str = Field(min_length=10, max_length=200)


class WeekQuery(RequestModel):
    date: Day = Field(description="Any day of the week")


class MyWeekQuery(WeekQuery):
    student_id: uuid.UUID | None = Field(default=None, description="A parent names their child")


class RoomIn(RequestModel):
    name: str = Field(min_length=1, max_length=60, examples=["203"])
    capacity: int = Field(ge=1, le=1000)
    kind: RoomKind


class RoomOut(BaseModel):
    id: str
    name: str
    capacity: int
    kind: str

    @classmethod
    def from_proto(cls, room) -> RoomOut:
        return cls(id=room.id, name=room.name, capacity=room.capacity,
                   kind=_room_kind_name(schedule_pb2.RoomKind.Name(room.kind)))


class RoomsPage(BaseModel):
    rooms: list[RoomOut]
    next_page_token: str | None


class ClassIn(RequestModel):
    id: uuid.UUID
    name: str = Field(max_length=10)
    grade: int = Field(ge=1, le=11)
    student_count: int = Field(ge=0, le=1000)


class SubgroupIn(RequestModel):
    id: uuid.UUID
    class_id: uuid.UUID
    name: str = Field(max_length=60, examples=["Английский, группа 1"])
    division: str = Field(max_length=60, description="Subgroups of one division share no students",
                          examples=["Английский язык"])
    student_count: int = Field(ge=0, le=1000)
    student_ids: list[uuid.UUID] = Field(default_factory=list, max_length=1000)


class SubjectIn(RequestModel):
    id: uuid.UUID
    name: str = Field(max_length=100)
    hard: bool = Field(default=False, description="Should not be the last lesson of the day")
    room_kind: RoomKind = "classroom"


class TeacherIn(RequestModel):
    id: uuid.UUID
    full_name: str = Field(max_length=200)


class AssignmentIn(RequestModel):
    id: uuid.UUID
    teacher_id: uuid.UUID
    class_id: uuid.UUID
    subgroup_id: uuid.UUID | None = None
    subject_id: uuid.UUID


class CurriculumIn(RequestModel):
    class_id: uuid.UUID
    subgroup_id: uuid.UUID | None = None
    subject_id: uuid.UUID
    year_hours: int = Field(ge=0, le=400)


class UnavailableIn(RequestModel):
    teacher_id: uuid.UUID
    weekday: int = Field(ge=1, le=6)
    slot: int = Field(ge=1, le=10)


class StudentIn(RequestModel):
    student_id: uuid.UUID
    class_id: uuid.UUID


class GuardianIn(RequestModel):
    guardian_id: uuid.UUID
    student_id: uuid.UUID


class ReferenceIn(RequestModel):
    academic_year_id: uuid.UUID | None = Field(default=None, description="Needed with curriculum hours")
    classes: list[ClassIn] = Field(default_factory=list, max_length=200)
    subgroups: list[SubgroupIn] = Field(default_factory=list, max_length=500)
    subjects: list[SubjectIn] = Field(default_factory=list, max_length=200)
    teachers: list[TeacherIn] = Field(default_factory=list, max_length=500)
    assignments: list[AssignmentIn] = Field(default_factory=list, max_length=3000)
    curriculum: list[CurriculumIn] = Field(default_factory=list, max_length=3000)
    unavailable: list[UnavailableIn] = Field(default_factory=list, max_length=5000)
    students: list[StudentIn] = Field(default_factory=list, max_length=5000)
    guardians: list[GuardianIn] = Field(default_factory=list, max_length=10000)


class SavedOut(BaseModel):
    saved_count: int


class PeriodIn(RequestModel):
    kind: Literal["quarter", "trimester", "half_year", "year"]
    number: int = Field(default=0, ge=0, le=4)
    start_date: Day
    end_date: Day


class YearIn(RequestModel):
    name: str = Field(max_length=20, examples=["2026/27"])
    start_date: Day
    end_date: Day
    periods: list[PeriodIn] = Field(default_factory=list, max_length=10)


class PeriodOut(BaseModel):
    id: str
    kind: str
    number: int
    start_date: str
    end_date: str


class YearSummaryOut(BaseModel):
    id: str
    name: str
    start_date: str
    end_date: str


class YearsOut(BaseModel):
    academic_years: list[YearSummaryOut] = Field(description="Newest first")


class YearOut(BaseModel):
    id: str
    school_id: str
    name: str
    start_date: str
    end_date: str
    periods: list[PeriodOut]


class HolidayIn(RequestModel):
    kind: Literal["holiday", "vacation", "day_off"]
    title: str = Field(max_length=200, examples=["Осенние каникулы"])
    start_date: Day
    end_date: Day | None = None


class HolidayOut(BaseModel):
    id: str
    kind: str
    title: str
    start_date: str
    end_date: str


class HolidayAdded(BaseModel):
    holiday: HolidayOut
    cancelled_count: int = Field(description="Published lessons on those days, now cancelled")


class SpecialDayIn(RequestModel):
    timetable_weekday: int = Field(default=0, ge=0, le=6, description="Whose lessons the day has; 0 its own")
    bell_schedule_id: uuid.UUID | None = Field(default=None, description="Other bells (a shortened day)")
    title: str = Field(max_length=200, examples=["Рабочая суббота за понедельник"])


class SpecialDayOut(BaseModel):
    date: str
    timetable_weekday: int
    bell_schedule_id: str
    title: str


class BellSlotIn(RequestModel):
    slot: int = Field(ge=1, le=10)
    start_time: str = Field(max_length=5, examples=["08:30"])
    end_time: str = Field(max_length=5, examples=["09:15"])


class BellsIn(RequestModel):
    name: str = Field(max_length=100)
    is_default: bool = False
    slots: list[BellSlotIn] = Field(min_length=1, max_length=10)


class BellSlotOut(BaseModel):
    slot: int
    start_time: str
    end_time: str


class BellsOut(BaseModel):
    id: str
    name: str
    is_default: bool
    slots: list[BellSlotOut]


class CalendarOut(BaseModel):
    academic_year: YearOut
    holidays: list[HolidayOut]
    special_days: list[SpecialDayOut]
    bell_schedules: list[BellsOut]
    study_day_count: int


class TimetableIn(RequestModel):
    academic_year_id: uuid.UUID
    name: str = Field(max_length=200)


class EntryIn(RequestModel):
    class_id: uuid.UUID
    subgroup_id: uuid.UUID | None = None
    subject_id: uuid.UUID
    teacher_id: uuid.UUID
    room_id: uuid.UUID
    weekday: int = Field(ge=1, le=6, description="1 Monday … 6 Saturday")
    slot: int = Field(ge=1, le=10)
    weeks: Weeks = "every"

    def to_proto(self) -> schedule_pb2.TimetableEntry:
        return schedule_pb2.TimetableEntry(
            class_id=str(self.class_id), subgroup_id=str(self.subgroup_id or ""), subject_id=str(self.subject_id),
            teacher_id=str(self.teacher_id), room_id=str(self.room_id), weekday=self.weekday, slot=self.slot,
            weeks=self.weeks)


class EntriesIn(RequestModel):
    entries: list[EntryIn] = Field(min_length=1, max_length=2000)


class EntryOut(BaseModel):
    id: str
    class_id: str
    subgroup_id: str
    subject_id: str
    teacher_id: str
    room_id: str
    weekday: int
    slot: int
    weeks: str


class EntriesOut(BaseModel):
    entries: list[EntryOut]


class TimetableOut(BaseModel):
    id: str
    school_id: str
    academic_year_id: str
    name: str
    status: str
    entries: list[EntryOut]


class PublishIn(RequestModel):
    from_date: Day
    to_date: Day


class PublishedOut(BaseModel):
    lesson_count: int


class CurriculumLineOut(BaseModel):
    class_id: str
    subgroup_id: str
    subject_id: str
    curriculum_hours: int
    timetable_hours: int
    message: str


class CurriculumOut(BaseModel):
    lines: list[CurriculumLineOut]
    ok: bool


class GenerateIn(EmptyAllowed):
    time_limit_seconds: int = Field(default=20, ge=1, le=120)
    max_lessons_per_day: int = Field(default=6, ge=1, le=10)
    days: int = Field(default=5, ge=5, le=6)
    slots_per_day: int = Field(default=7, ge=1, le=10)
    accept: bool = Field(default=False, description="Save the result as a new draft timetable")
    name: str = Field(default="", max_length=200)


class UnplacedOut(BaseModel):
    class_id: str
    subgroup_id: str
    subject_id: str
    teacher_id: str
    count: int
    reason: str


class QualityOut(BaseModel):
    class_gaps: int
    teacher_gaps: int
    hard_last: int
    over_daily_limit: int
    placed: int
    unplaced: int
    solve_seconds: float
    solver_status: str


class GeneratedOut(BaseModel):
    entries: list[EntryOut]
    unplaced: list[UnplacedOut]
    quality: QualityOut
    timetable_id: str


class WeekLessonOut(BaseModel):
    lesson_id: str
    class_id: str
    class_name: str
    subgroup_id: str
    subgroup_name: str
    subject_id: str
    subject_name: str
    teacher_id: str
    teacher_name: str
    planned_teacher_id: str
    room_id: str
    room_name: str
    date: str
    slot: int
    start_time: str
    end_time: str
    status: str = Field(description="`scheduled`, `substituted`, `moved` or `cancelled`")
    reason: str
    substituted: bool


class WeekOut(BaseModel):
    week_start: str
    lessons: list[WeekLessonOut]


class SubstitutionIn(RequestModel):
    teacher_id: uuid.UUID
    reason: str = Field(min_length=1, max_length=500)


class ReasonIn(RequestModel):
    reason: str = Field(min_length=1, max_length=500)


class MoveIn(RequestModel):
    date: Day
    slot: int = Field(ge=1, le=10)
    room_id: uuid.UUID | None = None
    reason: str = Field(min_length=1, max_length=500)


class RoomChangeIn(RequestModel):
    room_id: uuid.UUID
    reason: str = Field(min_length=1, max_length=500)


class FeedOut(BaseModel):
    token: str = Field(description="The secret: shown once; the feed is at /api/v1/schedule/feeds/{token}")
    url: str


class RevokedOut(BaseModel):
    revoked: bool


def _week(reply) -> dict:
    return WeekOut.model_validate(as_dict(reply)).model_dump(mode="json")


def _lesson(reply) -> dict:
    return WeekLessonOut.model_validate(as_dict(reply.lesson)).model_dump(mode="json")


# ----------------------------------------------------------------- rooms and reference data

@schedule.get("/schools/<school_id>/rooms", responses={200: RoomsPage, 404: NOT_FOUND})
@allow(*STAFF)
def list_rooms(path: SchoolPath, query: PageQuery):
    """The school's rooms, by name."""
    reply = call_schedule("ListRooms", schedule_pb2.ListRoomsRequest(
        school_id=str(path.school_id), page_size=query.page_size, page_token=query.page_token))
    return RoomsPage(rooms=[RoomOut.from_proto(room) for room in reply.rooms],
                     next_page_token=reply.next_page_token or None).model_dump(mode="json")


def _save_room(school_id, room_id, body: RoomIn):
    reply = call_schedule("SaveRoom", schedule_pb2.SaveRoomRequest(room=schedule_pb2.Room(
        id=room_id, school_id=str(school_id), name=body.name, capacity=body.capacity, kind=_room_kind(body.kind))))
    return RoomOut.from_proto(reply.room).model_dump(mode="json")


@schedule.post("/schools/<school_id>/rooms", responses={201: RoomOut, 404: NOT_FOUND})
@allow(*EDITORS)
def create_room(path: SchoolPath, body: RoomIn):
    """Add a room: capacity and kind (classroom, lab, gym, computer class)."""
    return _save_room(path.school_id, "", body), 201


@schedule.put("/schools/<school_id>/rooms/<room_id>", responses={200: RoomOut, 404: NOT_FOUND})
@allow(*EDITORS)
def update_room(path: RoomPath, body: RoomIn):
    """Change a room."""
    return _save_room(path.school_id, str(path.room_id), body)


@schedule.put("/schools/<school_id>/reference", responses={200: SavedOut, 404: NOT_FOUND})
@allow(*EDITORS)
def save_reference(path: SchoolPath, body: ReferenceIn):
    """Add or change the schedule's classes, subgroups, subjects, teachers, assignments and curriculum hours."""
    data = body.model_dump(mode="json", exclude_none=True)
    for item in data["subjects"]:
        item["room_kind"] = f"ROOM_KIND_{item['room_kind'].upper()}"
    message = json_format.ParseDict(data, schedule_pb2.SaveReferenceDataRequest())
    message.school_id = str(path.school_id)
    return SavedOut(saved_count=call_schedule("SaveReferenceData", message).saved_count).model_dump()


# ----------------------------------------------------------------- calendar and bells

def _year_proto(school_id, year_id: str, body: YearIn) -> schedule_pb2.AcademicYear:
    return schedule_pb2.AcademicYear(
        id=year_id, school_id=str(school_id), name=body.name, start_date=body.start_date.isoformat(),
        end_date=body.end_date.isoformat(),
        periods=[schedule_pb2.Period(kind=period.kind, number=period.number, start_date=period.start_date.isoformat(),
                                     end_date=period.end_date.isoformat()) for period in body.periods])


@schedule.get("/schools/<school_id>/years", responses={200: YearsOut, 404: NOT_FOUND})
@allow(*STAFF)
def list_years(path: SchoolPath):
    """The school's academic years, newest first."""
    reply = call_schedule("ListAcademicYears", schedule_pb2.ListAcademicYearsRequest(school_id=str(path.school_id)))
    return YearsOut(academic_years=[YearSummaryOut(id=year.id, name=year.name, start_date=year.start_date,
                                                   end_date=year.end_date) for year in reply.academic_years]
                    ).model_dump(mode="json")


@schedule.post("/schools/<school_id>/years", responses={201: YearOut, 404: NOT_FOUND})
@allow(*EDITORS)
def create_year(path: SchoolPath, body: YearIn):
    """Start an academic year with its periods (quarters, trimesters, half-years)."""
    reply = call_schedule("SaveAcademicYear", schedule_pb2.SaveAcademicYearRequest(
        academic_year=_year_proto(path.school_id, "", body)))
    return YearOut.model_validate(as_dict(reply.academic_year)).model_dump(mode="json"), 201


@schedule.put("/schools/<school_id>/years/<year_id>", responses={200: YearOut, 404: NOT_FOUND})
@allow(*EDITORS)
def update_year(path: YearPath, body: YearIn):
    """Change an academic year and its periods."""
    reply = call_schedule("SaveAcademicYear", schedule_pb2.SaveAcademicYearRequest(
        academic_year=_year_proto(path.school_id, str(path.year_id), body)))
    return YearOut.model_validate(as_dict(reply.academic_year)).model_dump(mode="json")


@schedule.get("/schools/<school_id>/years/<year_id>/calendar", responses={200: CalendarOut, 404: NOT_FOUND})
@allow(*STAFF)
def get_calendar(path: YearPath):
    """The year's periods, holidays and vacations, special days and bells."""
    reply = call_schedule("GetCalendar", schedule_pb2.GetCalendarRequest(
        school_id=str(path.school_id), academic_year_id=str(path.year_id)))
    return CalendarOut.model_validate(as_dict(reply)).model_dump(mode="json")


@schedule.post("/schools/<school_id>/years/<year_id>/holidays", responses={201: HolidayAdded, 404: NOT_FOUND})
@allow(*EDITORS)
def add_holiday(path: YearPath, body: HolidayIn):
    """Add a holiday, vacation or day off; published lessons on those days are cancelled."""
    reply = call_schedule("AddHoliday", schedule_pb2.AddHolidayRequest(
        school_id=str(path.school_id), academic_year_id=str(path.year_id), holiday=schedule_pb2.Holiday(
            kind=body.kind, title=body.title, start_date=body.start_date.isoformat(),
            end_date=(body.end_date or body.start_date).isoformat())))
    return HolidayAdded.model_validate(as_dict(reply)).model_dump(mode="json"), 201


@schedule.put("/schools/<school_id>/years/<year_id>/special-days/<date>",
              responses={200: SpecialDayOut, 404: NOT_FOUND})
@allow(*EDITORS)
def save_special_day(path: SpecialDayPath, body: SpecialDayIn):
    """Make a day a working one with a weekday's lessons (a moved day off), or give it other bells."""
    reply = call_schedule("SaveSpecialDay", schedule_pb2.SaveSpecialDayRequest(
        school_id=str(path.school_id), academic_year_id=str(path.year_id), special_day=schedule_pb2.SpecialDay(
            date=path.date.isoformat(), timetable_weekday=body.timetable_weekday,
            bell_schedule_id=str(body.bell_schedule_id or ""), title=body.title)))
    return SpecialDayOut.model_validate(as_dict(reply.special_day)).model_dump(mode="json")


def _save_bells(school_id, bell_id: str, body: BellsIn):
    reply = call_schedule("SaveBellSchedule", schedule_pb2.SaveBellScheduleRequest(
        school_id=str(school_id), bell_schedule=schedule_pb2.BellSchedule(
            id=bell_id, name=body.name, is_default=body.is_default,
            slots=[schedule_pb2.BellSlot(slot=slot.slot, start_time=slot.start_time, end_time=slot.end_time)
                   for slot in body.slots])))
    return BellsOut.model_validate(as_dict(reply.bell_schedule)).model_dump(mode="json")


@schedule.post("/schools/<school_id>/bells", responses={201: BellsOut, 404: NOT_FOUND})
@allow(*EDITORS)
def create_bells(path: SchoolPath, body: BellsIn):
    """Add a bell schedule (lesson times)."""
    return _save_bells(path.school_id, "", body), 201


@schedule.put("/schools/<school_id>/bells/<bell_schedule_id>", responses={200: BellsOut, 404: NOT_FOUND})
@allow(*EDITORS)
def update_bells(path: BellsPath, body: BellsIn):
    """Change a bell schedule."""
    return _save_bells(path.school_id, str(path.bell_schedule_id), body)


# ----------------------------------------------------------------- timetables

@schedule.post("/schools/<school_id>/timetables", responses={201: TimetableOut, 404: NOT_FOUND})
@allow(*EDITORS)
def create_timetable(path: SchoolPath, body: TimetableIn):
    """Start an empty draft timetable of a year."""
    reply = call_schedule("CreateTimetable", schedule_pb2.CreateTimetableRequest(
        school_id=str(path.school_id), academic_year_id=str(body.academic_year_id), name=body.name))
    return TimetableOut.model_validate(as_dict(reply.timetable)).model_dump(mode="json"), 201


class TimetableSummaryOut(BaseModel):
    id: str
    academic_year_id: str
    name: str
    status: str = Field(description="draft or published")


class TimetablesOut(BaseModel):
    timetables: list[TimetableSummaryOut] = Field(description="Newest first")


@schedule.get("/schools/<school_id>/timetables", responses={200: TimetablesOut, 404: NOT_FOUND})
@allow(*STAFF)
def list_timetables(path: SchoolPath):
    """The school's timetables, drafts and published, newest first (their lessons by id)."""
    reply = call_schedule("ListTimetables", schedule_pb2.ListTimetablesRequest(school_id=str(path.school_id)))
    return TimetablesOut(timetables=[TimetableSummaryOut(id=item.id, academic_year_id=item.academic_year_id,
                                                         name=item.name, status=item.status)
                                     for item in reply.timetables]).model_dump(mode="json")


@schedule.get("/timetables/<timetable_id>", responses={200: TimetableOut, 404: NOT_FOUND})
@allow(*STAFF)
def get_timetable(path: TimetablePath):
    """A timetable with its weekly entries."""
    reply = call_schedule("GetTimetable", schedule_pb2.GetTimetableRequest(timetable_id=str(path.timetable_id)))
    return TimetableOut.model_validate(as_dict(reply.timetable)).model_dump(mode="json")


@schedule.post("/timetables/<timetable_id>/entries", responses={201: EntriesOut, 404: NOT_FOUND, 422: CONFLICT})
@allow(*EDITORS)
def add_entries(path: TimetablePath, body: EntriesIn):
    """Add weekly lessons, all or none; refused with every conflict named."""
    reply = call_schedule("AddTimetableEntries", schedule_pb2.AddTimetableEntriesRequest(
        timetable_id=str(path.timetable_id), entries=[entry.to_proto() for entry in body.entries]))
    return EntriesOut.model_validate(as_dict(reply)).model_dump(mode="json"), 201


@schedule.delete("/timetables/<timetable_id>/entries/<entry_id>", responses={204: None, 404: NOT_FOUND})
@allow(*EDITORS)
def delete_entry(path: EntryPath):
    """Remove a weekly lesson."""
    call_schedule("DeleteTimetableEntry", schedule_pb2.DeleteTimetableEntryRequest(
        timetable_id=str(path.timetable_id), entry_id=str(path.entry_id)))
    return Response(status=204)


@schedule.post("/timetables/<timetable_id>/publish", responses={200: PublishedOut, 404: NOT_FOUND})
@allow(*EDITORS)
def publish_timetable(path: TimetablePath, body: PublishIn):
    """Make the dated lessons of a date range; the journal's lessons follow (timetable.published)."""
    reply = call_schedule("PublishTimetable", schedule_pb2.PublishTimetableRequest(
        timetable_id=str(path.timetable_id), from_date=body.from_date.isoformat(), to_date=body.to_date.isoformat()))
    return PublishedOut(lesson_count=reply.lesson_count).model_dump()


@schedule.get("/timetables/<timetable_id>/curriculum-check", responses={200: CurriculumOut, 404: NOT_FOUND})
@allow(*STAFF)
def check_curriculum(path: TimetablePath):
    """Hours per class and subject over the year by the timetable vs the curriculum."""
    reply = call_schedule("CheckCurriculum", schedule_pb2.CheckCurriculumRequest(timetable_id=str(path.timetable_id)))
    return CurriculumOut.model_validate(as_dict(reply)).model_dump(mode="json")


@schedule.post("/schools/<school_id>/years/<year_id>/generate", responses={200: GeneratedOut, 404: NOT_FOUND})
@allow(*EDITORS)
def generate_timetable(path: YearPath, body: GenerateIn):
    """Generate a weekly timetable with the constraint solver; optionally keep it as a draft."""
    reply = call_schedule("GenerateTimetable", schedule_pb2.GenerateTimetableRequest(
        school_id=str(path.school_id), academic_year_id=str(path.year_id), time_limit_seconds=body.time_limit_seconds,
        max_lessons_per_day=body.max_lessons_per_day, days=body.days, slots_per_day=body.slots_per_day,
        accept=body.accept, name=body.name), timeout=body.time_limit_seconds + SOLVER_OVERHEAD_SECONDS)
    return GeneratedOut.model_validate(as_dict(reply)).model_dump(mode="json")


# ----------------------------------------------------------------- weeks

def _get_week(school_id, query: WeekQuery, **who):
    reply = call_schedule("GetWeek", schedule_pb2.GetWeekRequest(
        school_id=str(school_id), date=query.date.isoformat(), **{key: str(value) for key, value in who.items()}))
    return _week(reply)


@schedule.get("/schools/<school_id>/weeks/classes/<class_id>", responses={200: WeekOut, 404: NOT_FOUND})
@allow(*STAFF)
def class_week(path: WeekClassPath, query: WeekQuery):
    """A class's lessons of the week."""
    return _get_week(path.school_id, query, class_id=path.class_id)


@schedule.get("/schools/<school_id>/weeks/teachers/<teacher_id>", responses={200: WeekOut, 404: NOT_FOUND})
@allow(*STAFF)
def teacher_week(path: WeekTeacherPath, query: WeekQuery):
    """A teacher's lessons of the week (also those given to a substitute)."""
    return _get_week(path.school_id, query, teacher_id=path.teacher_id)


@schedule.get("/schools/<school_id>/weeks/rooms/<room_id>", responses={200: WeekOut, 404: NOT_FOUND})
@allow(*STAFF)
def room_week(path: WeekRoomPath, query: WeekQuery):
    """A room's lessons of the week."""
    return _get_week(path.school_id, query, room_id=path.room_id)


@schedule.get("/my-week", responses={200: WeekOut, 404: problem_response("Not the caller's child")})
@allow(*OWN_WEEK)
def my_week(query: MyWeekQuery):
    """The caller's own week with substitutions marked; a parent's child's week."""
    reply = call_schedule("GetMyWeek", schedule_pb2.GetMyWeekRequest(
        date=query.date.isoformat(), student_id=str(query.student_id or "")))
    return _week(reply)


# ----------------------------------------------------------------- corrections

@schedule.post("/lessons/<lesson_id>/substitution", responses={200: WeekLessonOut, 404: NOT_FOUND, 422: CONFLICT})
@allow(*EDITORS)
def substitute_lesson(path: LessonPath, body: SubstitutionIn):
    """Give one lesson to another teacher (lesson.substituted)."""
    return _lesson(call_schedule("SubstituteLesson", schedule_pb2.SubstituteLessonRequest(
        lesson_id=str(path.lesson_id), teacher_id=str(body.teacher_id), reason=body.reason)))


@schedule.post("/lessons/<lesson_id>/cancellation", responses={200: WeekLessonOut, 404: NOT_FOUND, 422: CONFLICT})
@allow(*EDITORS)
def cancel_lesson(path: LessonPath, body: ReasonIn):
    """Cancel one lesson (lesson.cancelled)."""
    return _lesson(call_schedule("CancelLesson", schedule_pb2.CancelLessonRequest(
        lesson_id=str(path.lesson_id), reason=body.reason)))


@schedule.post("/lessons/<lesson_id>/move", responses={200: WeekLessonOut, 404: NOT_FOUND, 422: CONFLICT})
@allow(*EDITORS)
def move_lesson(path: LessonPath, body: MoveIn):
    """Move one lesson to another day, slot or room; it keeps its id (lesson.moved)."""
    return _lesson(call_schedule("MoveLesson", schedule_pb2.MoveLessonRequest(
        lesson_id=str(path.lesson_id), date=body.date.isoformat(), slot=body.slot,
        room_id=str(body.room_id or ""), reason=body.reason)))


@schedule.post("/lessons/<lesson_id>/room", responses={200: WeekLessonOut, 404: NOT_FOUND, 422: CONFLICT})
@allow(*EDITORS)
def change_lesson_room(path: LessonPath, body: RoomChangeIn):
    """Put one lesson in another room for its day (lesson.moved, same day and slot)."""
    return _lesson(call_schedule("ChangeLessonRoom", schedule_pb2.ChangeLessonRoomRequest(
        lesson_id=str(path.lesson_id), room_id=str(body.room_id), reason=body.reason)))


# ----------------------------------------------------------------- calendar feeds

@schedule.post("/feed", responses={201: FeedOut})
@allow(*OWN_WEEK)
def create_feed():
    """A new secret ICS feed address of the caller's own week; the earlier one stops working."""
    token = call_schedule("CreateCalendarFeed", schedule_pb2.CreateCalendarFeedRequest()).token
    return FeedOut(token=token, url=f"/api/v1/schedule/feeds/{token}").model_dump(), 201


@schedule.delete("/feed", responses={200: RevokedOut})
@allow(*OWN_WEEK)
def revoke_feed():
    """Revoke the caller's feed address."""
    reply = call_schedule("RevokeCalendarFeed", schedule_pb2.RevokeCalendarFeedRequest())
    return RevokedOut(revoked=reply.revoked).model_dump()


@schedule.get("/feeds/<token>", responses={TEXT: None, 404: problem_response("Unknown or revoked feed")})
@allow_anonymous
def get_feed(path: FeedPath):
    """The ICS calendar (text/calendar) of a feed; the secret in the address is the credential."""
    reply = call_schedule("GetCalendarFeed", schedule_pb2.GetCalendarFeedRequest(token=path.token))
    return Response(reply.ics, mimetype="text/calendar", headers={
        "Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
        "Content-Disposition": 'inline; filename="schedule.ics"'})
