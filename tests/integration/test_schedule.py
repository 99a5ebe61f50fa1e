"""The schedule through the gateway (S1, S2, 3.6): the timetable refused on conflicts with
every conflict named, corrections published as events, the three week views, the
curriculum check, everyone's own week and the ICS feed; also from the attacker's side.

The demo district is seeded; the schedule's clock stands at Friday 27 November 2026,
13:00 in Moscow. Each test runs on PostgreSQL + RabbitMQ and on SQLite + the embedded bus.
"""
from __future__ import annotations

import datetime as dt
import json
import uuid

import icalendar
import pytest
from sqlalchemy import select

from services.auth.seed import seed_demo as seed_auth
from services.common.database import Database
from services.common.demo import build_district, demo_id
from services.schedule import store
from services.schedule.definition import schedule_definition
from services.schedule.feeds import SCHOOL_TIMEZONE
from services.schedule.seed import seed_demo as seed_schedule

from .conftest import FixedClock

pytestmark = pytest.mark.integration

PASSWORD = "some-password-123"
DISTRICT = build_district()
SCHOOL, SCHOOL2 = DISTRICT.schools
CLASS_5A, CLASS_9B = SCHOOL.classes
YEAR = demo_id("academic-year", SCHOOL.id, 2026)
YEAR2 = demo_id("academic-year", SCHOOL2.id, 2026)
TIMETABLE = demo_id("timetable", SCHOOL.id, 2026)
ENGLISH = demo_id("subject", SCHOOL.id, "Английский язык")
MATH = demo_id("subject", SCHOOL.id, "Математика")
HISTORY = demo_id("subject", SCHOOL.id, "История")
ROOM = {name: demo_id("room", SCHOOL.id, name) for name, _, _ in SCHOOL.rooms}
FRIDAY = dt.date(2026, 11, 27)
# 5А, Friday 27 November: 1st lesson Математика (teacher), 2nd Русский язык (classteacher).
MATH_TODAY = demo_id("lesson", CLASS_5A.id, FRIDAY, 1)
RUSSIAN_TODAY = demo_id("lesson", CLASS_5A.id, FRIDAY, 2)
OWN_CHILD, OTHER_CHILD = CLASS_5A.students[0], CLASS_5A.students[1]


class Schedule:
    def __init__(self, client, token, database) -> None:
        self.client, self.token, self.database = client, token, database

    def headers(self, login: str) -> dict:
        return {"Authorization": f"Bearer {self.token(login)}"}

    def get(self, login: str, url: str, **query):
        return self.client.get(f"/api/v1/schedule{url}", query_string=query, headers=self.headers(login))

    def post(self, login: str, url: str, body: dict | None = None):
        return self.client.post(f"/api/v1/schedule{url}", json=body or {}, headers=self.headers(login))

    def person(self, login: str) -> str:
        return DISTRICT.account(login).person.id

    def events(self, event_type: str) -> list[dict]:
        with self.database.session() as session:
            payloads = session.scalars(select(store.outbox.c.payload).where(
                store.outbox.c.event_type == event_type).order_by(store.outbox.c.seq))
            return [json.loads(payload) for payload in payloads]

    def outbox_count(self) -> int:
        with self.database.session() as session:
            return len(session.scalars(select(store.outbox.c.seq)).all())


@pytest.fixture
def schedule(stack):
    stack.migrate("auth", "schedule")
    stack.seed("auth", lambda db: seed_auth(db, DISTRICT, PASSWORD))
    stack.seed("schedule", lambda db: seed_schedule(db, DISTRICT))
    auth = stack.start("auth")
    stack.with_settings(auth_grpc_address=f"127.0.0.1:{auth.port}")
    clock = FixedClock(dt.datetime(2026, 11, 27, 13, 0, tzinfo=SCHOOL_TIMEZONE).astimezone(dt.UTC))
    runtime = stack.start("schedule", schedule_definition(clock))
    gateway = stack.gateway(PASSWORD, schedule_grpc_address=f"127.0.0.1:{runtime.port}")
    database = Database(stack.settings.database_url("schedule"))
    yield Schedule(gateway.client, gateway.token, database)
    database.dispose()


def _body(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json(force=True)


def _entry(class_id, subject_id, teacher_login, room, weekday, slot, subgroup_id=None, weeks="every") -> dict:
    entry = dict(class_id=class_id, subject_id=subject_id, teacher_id=DISTRICT.account(teacher_login).person.id,
                 room_id=ROOM[room], weekday=weekday, slot=slot, weeks=weeks)
    if subgroup_id:
        entry["subgroup_id"] = subgroup_id
    return entry


# ------------------------------------------------------------------ S1: building the timetable

def test_s1_timetable_conflicts_refused_naming_every_one(schedule):
    s = schedule
    group1, group2, informatics = (str(uuid.uuid4()) for _ in range(3))
    half = [student.id for student in CLASS_5A.students]
    _body(s.client.put(f"/api/v1/schedule/schools/{SCHOOL.id}/reference", headers=s.headers("deputy"), json={
        "subgroups": [
            {"id": group1, "class_id": CLASS_5A.id, "name": "Английский, группа 1", "division": "Английский язык",
             "student_count": 13, "student_ids": half[:13]},
            {"id": group2, "class_id": CLASS_5A.id, "name": "Английский, группа 2", "division": "Английский язык",
             "student_count": 12, "student_ids": half[13:]},
            {"id": informatics, "class_id": CLASS_5A.id, "name": "Информатика, группа 1", "division": "Информатика",
             "student_count": 12},
        ]}), 200)
    draft = _body(s.post("deputy", f"/schools/{SCHOOL.id}/timetables",
                         {"academic_year_id": YEAR, "name": "Черновик"}), 201)["id"]
    entries = f"/timetables/{draft}/entries"
    # Two English groups in parallel in two rooms, and alternating weeks in one slot: no conflict.
    saved = _body(s.post("deputy", entries, {"entries": [
        _entry(CLASS_5A.id, ENGLISH, "teacher4", "101", 1, 1, group1),
        _entry(CLASS_5A.id, ENGLISH, "teacher2", "102", 1, 1, group2),
        _entry(CLASS_9B.id, HISTORY, "teacher3", "201", 1, 2, weeks="odd"),
        _entry(CLASS_9B.id, MATH, "teacher3", "201", 1, 2, weeks="even"),
    ]}), 201)
    assert len(saved["entries"]) == 4

    teacher4 = DISTRICT.account("teacher4").person.full_name
    refused = _body(s.post("deputy", entries, {"entries": [
        _entry(CLASS_9B.id, ENGLISH, "teacher4", "Спортзал", 1, 1),  # teacher4 is with group 1
        _entry(CLASS_9B.id, MATH, "teacher", "101", 1, 3),
        _entry(CLASS_9B.id, HISTORY, "teacher5", "101", 1, 3),  # room 101 twice, and 9Б twice
        _entry(CLASS_5A.id, MATH, "classteacher", "305", 1, 1),  # 5А (25) while its groups learn English; 305 holds 15
        _entry(CLASS_5A.id, MATH, "teacher", "Спортзал", 1, 4, informatics),
        _entry(CLASS_5A.id, ENGLISH, "teacher4", "102", 1, 4, group1),  # overlaps the informatics group
    ]}), 422)
    detail = refused["detail"]
    assert refused["reason"] == "SCHEDULE_CONFLICT"
    assert f"Учитель {teacher4} в одно время ведёт два урока" in detail
    assert "Кабинет 101 занят дважды" in detail
    assert detail.count("У класса 9Б два урока в одно время") == 1
    assert detail.count("У класса 5А два урока в одно время") == 3  # the whole class meets both groups
    assert "5А (Английский, группа 2), Английский язык, пн, 1-й урок и 5А, Математика, пн, 1-й урок" in detail
    assert "Кабинет 305 вмещает 15 чел., а в группе 25" in detail
    assert "Информатика, группа 1" in detail and "Английский, группа 1" in detail
    # Nothing of the refused request was saved.
    timetable = _body(s.get("deputy", f"/timetables/{draft}"), 200)
    assert len(timetable["entries"]) == 4 and timetable["status"] == "draft"
    # Alternating weeks: an every-week lesson meets both.
    assert "нечётные недели" in _body(s.post("deputy", entries, {"entries": [
        _entry(CLASS_9B.id, MATH, "teacher", "102", 1, 2)]}), 422)["detail"]
    # A bad field is named and changes nothing.
    bad = _body(s.post("deputy", entries, {"entries": [{**_entry(CLASS_9B.id, MATH, "teacher", "102", 7, 2)}]}), 400)
    assert bad["field"] == "entries[0].weekday"
    unknown = _entry(CLASS_9B.id, MATH, "teacher", "102", 2, 2)
    unknown["room_id"] = str(uuid.uuid4())
    assert _body(s.post("deputy", entries, {"entries": [unknown]}), 404)["field"] == "entries[0].room_id"
    assert len(_body(s.get("deputy", f"/timetables/{draft}"), 200)["entries"]) == 4

    # S2 / 4.4.4: the demo timetable's hours over the year against the curriculum.
    check = _body(s.get("deputy", f"/timetables/{TIMETABLE}/curriculum-check"), 200)
    math_5a = next(line for line in check["lines"] if line["class_id"] == CLASS_5A.id and line["subject_id"] == MATH)
    assert math_5a["curriculum_hours"] == 5 * 34
    assert 150 < math_5a["timetable_hours"] < 180
    assert (math_5a["message"] == "") == (math_5a["timetable_hours"] == 170)
    assert "по расписанию" in math_5a["message"] or check["ok"]

    # The attacker's side: a teacher may not edit; another school's staff find nothing.
    assert _body(s.post("teacher", entries, {"entries": [_entry(CLASS_9B.id, MATH, "teacher", "102", 2, 2)]}),
                 403)["reason"] == "ROLE_REQUIRED"
    assert _body(s.get("teacher7", f"/timetables/{draft}"), 404)["reason"] == "TIMETABLE_NOT_FOUND"
    assert _body(s.post("deputy", f"/schools/{SCHOOL2.id}/timetables",
                        {"academic_year_id": YEAR2, "name": "Чужое"}), 404)["reason"] == "SCHOOL_NOT_FOUND"
    # The school's timetables are listed to its staff, newest first, the demo's published one among them.
    listed = _body(s.get("deputy", f"/schools/{SCHOOL.id}/timetables"), 200)["timetables"]
    assert listed[0]["id"] == draft and listed[0]["status"] == "draft"
    assert any(item["status"] == "published" for item in listed[1:])
    assert _body(s.get("teacher7", f"/schools/{SCHOOL.id}/timetables"), 404)["reason"] == "SCHOOL_NOT_FOUND"


# ------------------------------------------------------------------ S1: corrections during the year

def test_s1_corrections_published_as_events_and_shown_in_the_weeks(schedule):
    s = schedule
    events_before = s.outbox_count()
    teacher2 = s.person("teacher2")
    # A substitution: teacher2 takes the 5А mathematics lesson today.
    substituted = _body(s.post("deputy", f"/lessons/{MATH_TODAY}/substitution",
                               {"teacher_id": teacher2, "reason": "Больничный"}), 200)
    assert (substituted["status"], substituted["teacher_id"], substituted["substituted"]) == (
        "substituted", teacher2, True)
    [event] = s.events("ezh.schedule.lesson.substituted.v1")
    assert event["data"]["lesson"]["lesson_id"] == MATH_TODAY
    assert event["data"]["lesson"]["teacher_id"] == teacher2
    assert event["data"]["lesson"]["planned_teacher_id"] == s.person("teacher")
    assert event["data"]["actor_id"] == s.person("deputy")
    assert int(event["data"]["lesson"]["version"]) > int(event["data"]["previous"]["version"])
    # Both the substitute and the absent teacher see it in their week.
    teacher_week = _body(s.get("deputy", f"/schools/{SCHOOL.id}/weeks/teachers/{s.person('teacher')}",
                               date="2026-11-25"), 200)
    assert any(lesson["lesson_id"] == MATH_TODAY and lesson["substituted"] for lesson in teacher_week["lessons"])
    assert teacher_week["week_start"] == "2026-11-23"
    mine = _body(s.get("teacher2", "/my-week", date=FRIDAY.isoformat()), 200)
    assert any(lesson["lesson_id"] == MATH_TODAY for lesson in mine["lessons"])
    # A substitute busy at that time is refused, naming them.
    busy = _body(s.post("deputy", f"/lessons/{RUSSIAN_TODAY}/substitution",  # 9Б's mathematics at that time
                        {"teacher_id": s.person("teacher"), "reason": "Курсы"}), 422)
    assert DISTRICT.account("teacher").person.full_name in busy["detail"]
    # A reason is required.
    assert _body(s.post("deputy", f"/lessons/{RUSSIAN_TODAY}/cancellation", {"reason": ""}), 400)["field"] == "reason"

    # A moved lesson keeps its id; moving onto a holiday or an occupied slot is refused.
    holiday = _body(s.post("deputy", f"/lessons/{RUSSIAN_TODAY}/move",
                           {"date": "2027-02-23", "slot": 6, "reason": "Перенос"}), 422)
    assert "День защитника Отечества" in holiday["detail"]
    occupied = _body(s.post("deputy", f"/lessons/{RUSSIAN_TODAY}/move",
                            {"date": "2026-11-30", "slot": 1, "reason": "Перенос"}), 422)
    assert "У класса 5А два урока в одно время" in occupied["detail"]
    moved = _body(s.post("deputy", f"/lessons/{RUSSIAN_TODAY}/move",
                         {"date": "2026-11-30", "slot": 6, "reason": "Учитель на олимпиаде"}), 200)
    assert (moved["lesson_id"], moved["date"], moved["slot"], moved["status"]) == (
        RUSSIAN_TODAY, "2026-11-30", 6, "moved")
    assert moved["start_time"] == "13:25"
    [move] = s.events("ezh.schedule.lesson.moved.v1")
    assert move["data"]["previous"]["date"] == "2026-11-27" and move["data"]["lesson"]["date"] == "2026-11-30"

    # A one-day room change, and a cancellation.
    room = _body(s.post("deputy", f"/lessons/{MATH_TODAY}/room",
                        {"room_id": ROOM["102"], "reason": "Ремонт"}), 422)  # 9Б is in 102 on its 1st lesson
    assert "Кабинет 102 занят дважды" in room["detail"]
    roomed = _body(s.post("deputy", f"/lessons/{MATH_TODAY}/room", {"room_id": ROOM["Спортзал"],
                                                                    "reason": "Ремонт"}), 200)
    assert roomed["room_name"] == "Спортзал"
    cancelled = _body(s.post("deputy", f"/lessons/{demo_id('lesson', CLASS_5A.id, FRIDAY, 3)}/cancellation",
                             {"reason": "Экскурсия"}), 200)
    assert cancelled["status"] == "cancelled"
    assert len(s.events("ezh.schedule.lesson.cancelled.v1")) == 1
    assert len(s.events("ezh.schedule.lesson.moved.v1")) == 2

    # The class's week shows the changes; the room's week the room change.
    week = {lesson["lesson_id"]: lesson for lesson in _body(
        s.get("teacher", f"/schools/{SCHOOL.id}/weeks/classes/{CLASS_5A.id}", date="2026-11-27"), 200)["lessons"]}
    assert week[MATH_TODAY]["teacher_name"] == DISTRICT.account("teacher2").person.full_name
    assert RUSSIAN_TODAY not in week  # moved to next week
    assert len(week) == 4 * 5 - 1
    gym = _body(s.get("deputy", f"/schools/{SCHOOL.id}/weeks/rooms/{ROOM['Спортзал']}", date="2026-11-27"), 200)
    assert [lesson["lesson_id"] for lesson in gym["lessons"]] == [MATH_TODAY]

    # S2: a holiday added later cancels the published lessons on it and tells the journal.
    added = _body(s.post("deputy", f"/schools/{SCHOOL.id}/years/{YEAR}/holidays",
                         {"kind": "day_off", "title": "Карантин", "start_date": "2026-12-01"}), 201)
    assert added["cancelled_count"] == 8  # 5А and 9Б on a Tuesday
    assert len(s.events("ezh.schedule.calendar.changed.v1")) == 1
    assert len(s.events("ezh.schedule.lesson.cancelled.v1")) == 9
    calendar = _body(s.get("director", f"/schools/{SCHOOL.id}/years/{YEAR}/calendar"), 200)
    assert {holiday["title"] for holiday in calendar["holidays"]} >= {"Осенние каникулы", "Карантин"}
    assert [bells["name"] for bells in calendar["bell_schedules"]] == ["Основное", "Сокращённый день"]
    assert len(calendar["academic_year"]["periods"]) == 5

    # The attacker's side: a teacher may not correct; another school's staff find no lesson.
    before = s.outbox_count()
    assert _body(s.post("teacher", f"/lessons/{MATH_TODAY}/cancellation", {"reason": "x"}), 403)
    assert _body(s.post("teacher7", f"/lessons/{MATH_TODAY}/cancellation", {"reason": "x"}), 403)
    assert _body(s.get("teacher7", f"/schools/{SCHOOL.id}/weeks/classes/{CLASS_5A.id}", date="2026-11-27"), 404)
    # Nor may this school's deputy touch another school's lessons or timetable: they are not found.
    lesson_7v = demo_id("lesson", SCHOOL2.classes[0].id, FRIDAY, 1)
    assert _body(s.post("deputy", f"/lessons/{lesson_7v}/cancellation", {"reason": "x"}), 404)["reason"] == \
        "LESSON_NOT_FOUND"
    assert _body(s.post("deputy", f"/timetables/{demo_id('timetable', SCHOOL2.id, 2026)}/entries", {"entries": [
        _entry(CLASS_5A.id, MATH, "teacher", "101", 1, 1)]}), 404)["reason"] == "TIMETABLE_NOT_FOUND"
    assert s.outbox_count() == before > events_before


def test_s1_published_timetable_keeps_the_journals_lesson_ids(schedule):
    s = schedule
    # The demo year is published: the journal's lesson ids, on study days only.
    week = _body(s.get("deputy", f"/schools/{SCHOOL.id}/weeks/classes/{CLASS_5A.id}", date="2026-11-27"), 200)
    assert {lesson["lesson_id"] for lesson in week["lessons"]} == {
        demo_id("lesson", CLASS_5A.id, dt.date(2026, 11, 23) + dt.timedelta(days=day), slot)
        for day in range(5) for slot in range(1, 5)}
    assert _body(s.get("deputy", f"/schools/{SCHOOL.id}/weeks/classes/{CLASS_5A.id}", date="2027-01-05"),
                 200)["lessons"] == []  # the winter vacation
    shortened = _body(s.get("deputy", f"/schools/{SCHOOL.id}/weeks/classes/{CLASS_5A.id}", date="2026-12-28"), 200)
    assert {lesson["end_time"] for lesson in shortened["lessons"] if lesson["date"] == "2026-12-28"} >= {"09:05"}
    published = s.events("ezh.schedule.timetable.published.v1")
    assert {event["data"]["class_id"] for event in published} == {CLASS_5A.id, CLASS_9B.id,
                                                                   SCHOOL2.classes[0].id}
    november = next(event for event in published if event["data"]["class_id"] == CLASS_5A.id
                    and event["data"]["from_date"] == "2026-11-01")
    assert MATH_TODAY in {lesson["lesson_id"] for lesson in november["data"]["lessons"]}
    # Publishing again replaces the range with newer versions of the same ids.
    count = _body(s.post("deputy", f"/timetables/{TIMETABLE}/publish",
                         {"from_date": "2026-11-23", "to_date": "2026-11-29"}), 200)["lesson_count"]
    assert count == 4 * 5 + 22
    again = s.events("ezh.schedule.timetable.published.v1")[-3:]
    lesson = next(item for event in again for item in event["data"].get("lessons", [])
                  if item["lesson_id"] == MATH_TODAY)
    assert int(lesson["version"]) == 2


# ------------------------------------------------------------------ 3.6: everyone's own week, ICS

def test_s1_own_weeks_and_ics_feed(schedule):
    s = schedule
    _body(s.post("deputy", f"/lessons/{MATH_TODAY}/substitution",
                 {"teacher_id": s.person("teacher2"), "reason": "Больничный"}), 200)
    child = _body(s.get("parent", "/my-week", date="2026-11-27", student_id=OWN_CHILD.id), 200)
    assert len(child["lessons"]) == 20
    assert next(lesson for lesson in child["lessons"] if lesson["lesson_id"] == MATH_TODAY)["substituted"]
    assert _body(s.get("student", "/my-week", date="2026-11-27"), 200) == child
    teacher = _body(s.get("teacher", "/my-week", date="2026-11-27"), 200)
    assert {lesson["subject_name"] for lesson in teacher["lessons"]} == {"Математика"}
    # The attacker's side: a parent reading another child's week, a student another's.
    assert _body(s.get("parent", "/my-week", date="2026-11-27", student_id=OTHER_CHILD.id),
                 404)["reason"] == "STUDENT_NOT_FOUND"
    assert _body(s.get("student", "/my-week", date="2026-11-27", student_id=OTHER_CHILD.id), 404)
    assert _body(s.get("parent", "/my-week", date="2026-11-27"), 400)["field"] == "student_id"

    feed = _body(s.post("parent", "/feed"), 201)
    response = s.client.get(feed["url"])
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar = icalendar.Calendar.from_ical(response.data)
    events = {str(event["UID"]): event for event in calendar.walk("VEVENT")}
    # Both children (5А and 9Б), two weeks back to eight ahead, no lessons in the winter vacation.
    assert f"{MATH_TODAY}@ezh" in events
    assert str(events[f"{MATH_TODAY}@ezh"]["SUMMARY"]).startswith("Замена: Математика")
    start = events[f"{MATH_TODAY}@ezh"].decoded("DTSTART")
    assert start == dt.datetime(2026, 11, 27, 8, 30, tzinfo=SCHOOL_TIMEZONE)
    assert any(str(event["SUMMARY"]).endswith("9Б") for event in events.values())
    assert not any(dt.date(2026, 12, 29) <= event.decoded("DTSTART").date() <= dt.date(2027, 1, 11)
                   for event in events.values())
    # A new link revokes the old one; a revoked link answers like one that never existed.
    second = _body(s.post("parent", "/feed"), 201)
    assert _body(s.client.get(feed["url"]), 404)["reason"] == "FEED_NOT_FOUND"
    assert s.client.get(second["url"]).status_code == 200
    assert _body(s.client.delete("/api/v1/schedule/feed", headers=s.headers("parent")), 200)["revoked"] is True
    assert _body(s.client.get(second["url"]), 404)["reason"] == "FEED_NOT_FOUND"
    assert _body(s.client.get("/api/v1/schedule/feeds/" + "x" * 43), 404)["reason"] == "FEED_NOT_FOUND"
    # The feed route is anonymous; creating one is not.
    assert s.client.post("/api/v1/schedule/feed").status_code == 401


# ------------------------------------------------------------------ S1: automatic timetabling

def test_s1_generated_timetable_for_the_demo_school_accepted_as_a_draft(schedule):
    pytest.importorskip("ortools.sat.python.cp_model")
    s = schedule
    url = f"/schools/{SCHOOL.id}/years/{YEAR}/generate"
    assert _body(s.post("teacher", url, {"time_limit_seconds": 2}), 403)["reason"] == "ROLE_REQUIRED"
    assert _body(s.post("deputy", url, {"time_limit_seconds": 0}), 400)["field"] == "time_limit_seconds"
    result = _body(s.post("deputy", url, {"time_limit_seconds": 4, "max_lessons_per_day": 5, "accept": True,
                                          "name": "Вариант решателя"}), 200)
    assert result["unplaced"] == []
    assert result["quality"]["placed"] == 20 + 22 and result["quality"]["class_gaps"] == 0
    assert result["quality"]["solver_status"] in ("optimal", "feasible")
    draft = _body(s.get("deputy", f"/timetables/{result['timetable_id']}"), 200)
    assert (draft["status"], draft["name"], len(draft["entries"])) == ("draft", "Вариант решателя", 42)
    # The same hours a week as the curriculum, per class and subject.
    per_subject = {}
    for entry in draft["entries"]:
        key = (entry["class_id"], entry["subject_id"])
        per_subject[key] = per_subject.get(key, 0) + 1
    assert per_subject[(CLASS_5A.id, MATH)] == 5
    # Every hard constraint holds: re-adding any entry to the draft is refused as a double booking.
    entry = {key: value for key, value in draft["entries"][0].items() if key not in ("id", "subgroup_id")}
    assert "в одно время" in _body(s.post("deputy", f"/timetables/{draft['id']}/entries",
                                          {"entries": [entry]}), 422)["detail"]
    # A teacher of another school is refused too.
    assert _body(s.post("teacher7", url, {"time_limit_seconds": 2}), 403)


def test_s2_deputy_lists_the_schools_academic_years(schedule):
    s = schedule
    years = _body(s.get("deputy", f"/schools/{SCHOOL.id}/years"), 200)["academic_years"]
    assert years[0]["id"] == YEAR and YEAR2 not in [year["id"] for year in years]
    assert [year["start_date"] for year in years] == sorted((year["start_date"] for year in years), reverse=True)
    assert _body(s.get("teacher7", f"/schools/{SCHOOL.id}/years"), 404)["reason"] == "SCHOOL_NOT_FOUND"
