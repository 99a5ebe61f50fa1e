"""Benchmark of the schedule: `make bench-schedule`.

1. Generates a typical school of 30 classes, 60 teachers and 40 rooms
   (`services.schedule.typical_school`: about 970 lessons a week with English
   and informatics in subgroups) and solves it with CP-SAT within the time
   limit (60 s by default); prints the solve time, what was placed, the
   quality numbers, and the S1 conflict rules' verdict on the result.
2. Puts that timetable into the demo school on a fresh PostgreSQL database,
   publishes it for the whole year (about 30,000 dated lessons), starts auth and
   the schedule with the embedded bus and times reading a week through the
   gateway (the Flask app in process, its gRPC client, the service, the
   database) by class, by teacher and by room: p50/p95/p99, the goal p95 ≤ 50 ms.

    .venv/bin/python -m bench.schedule_bench [--time-limit 60] [--requests 200] [--postgres URL]
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

from bench.common import DEFAULT_POSTGRES, drop_databases, measure, scratch_databases
from gateway.app import create_app
from services.auth.definition import DEFINITION as AUTH
from services.auth.seed import seed_demo as seed_auth
from services.common.database import Database
from services.common.demo import build_district, demo_id
from services.common.grpc_server import ServiceRuntime
from services.common.migrations import upgrade
from services.common.settings import Settings
from services.schedule import rules, server, solver, store
from services.schedule.definition import schedule_definition
from services.schedule.generation import placements
from services.schedule.seed import seed_demo as seed_schedule
from services.schedule.typical_school import typical_school

PASSWORD = "bench-password-123"
GOAL_MS = 50
NAMESPACE = uuid.UUID("0b6f5d4e-3c2a-4b1d-8e9f-7a6b5c4d3e2f")


def _uuid(key: str) -> str:
    return str(uuid.uuid5(NAMESPACE, key))


def solve(time_limit: float):
    school = typical_school(classes=30, teachers=60, rooms=40)
    problem = school.problem
    weekly = sum(demand.lessons for demand in problem.demands)
    print(f"school: {len(school.classes)} classes, {len(school.teachers)} teachers, {len(problem.rooms)} rooms, "
          f"{len(school.subgroups)} subgroups, {weekly} lessons a week, time limit {time_limit:g} s", flush=True)
    solution = solver.solve(problem, time_limit)
    quality = solution.quality
    conflicts = rules.s1_conflicts(placements(solution), rules.Names(),
                                   capacities={room.id: room.capacity for room in problem.rooms})
    print(f"solved in {solution.seconds:.1f} s ({solution.status}): placed {quality.placed} of {weekly}, "
          f"unplaced {quality.unplaced}; class gaps {quality.class_gaps}, teacher gaps {quality.teacher_gaps}, "
          f"hard subjects last {quality.hard_last}, days over {problem.max_lessons_per_day} lessons "
          f"{quality.over_daily_limit}; S1 conflicts in the result: {len(conflicts)}", flush=True)
    for item in solution.unplaced[:10]:
        print(f"  unplaced {item.count}: {problem.names.get(item.demand.class_id)} "
              f"{problem.names.get(item.demand.subject_id)}: {item.reason}")
    return school, solution


def load(database: Database, school, solution, school_id: str, year_id: str) -> tuple[dict, int]:
    """The solved school into the demo school's tables, as its timetable, published for the year."""
    ids = {key: _uuid(key) for key in (*school.classes, *school.subgroups, *school.subjects, *school.teachers,
                                       *school.rooms)}
    with database.transaction() as session:
        session.execute(store.school_class.insert(), [
            dict(id=ids[key], school_id=school_id, name=name, grade=grade, student_count=size)
            for key, (name, grade, size) in school.classes.items()])
        session.execute(store.subgroup.insert(), [
            dict(id=ids[key], school_id=school_id, class_id=ids[class_key], name=name, division=division,
                 student_count=size) for key, (class_key, name, division, size) in school.subgroups.items()])
        session.execute(store.subject.insert(), [
            dict(id=ids[key], school_id=school_id, name=name, hard=hard, room_kind=kind)
            for key, (name, kind, hard) in school.subjects.items()])
        session.execute(store.teacher.insert(), [
            dict(id=ids[key], school_id=school_id, full_name=name) for key, name in school.teachers.items()])
        session.execute(store.room.insert(), [
            dict(id=ids[key], school_id=school_id, name=f"Б-{name}", capacity=capacity, kind=kind)
            for key, (name, kind, capacity) in school.rooms.items()])
        timetable_id = server.create_timetable(session, school_id, year_id, "Решатель", "", dt.datetime.now(dt.UTC))
        session.execute(store.timetable_entry.insert(), [
            dict(id=str(uuid.uuid4()), timetable_id=timetable_id, school_id=school_id,
                 class_id=ids[lesson.demand.class_id],
                 subgroup_id=ids[lesson.demand.subgroup_id] if lesson.demand.subgroup_id else None,
                 subject_id=ids[lesson.demand.subject_id], teacher_id=ids[lesson.demand.teacher_id],
                 room_id=ids[lesson.room_id], weekday=lesson.weekday, slot=lesson.slot, weeks=lesson.weeks)
            for lesson in solution.lessons])
        timetable = session.execute(sa.select(store.timetable).where(store.timetable.c.id == timetable_id)).one()
        year = session.execute(sa.select(store.academic_year).where(store.academic_year.c.id == year_id)).one()
        count = server.publish(session, timetable, year.start_date, year.end_date, "")
    with database.transaction() as session:
        session.execute(sa.text("ANALYZE"))
    return ids, count


def run(server_url: str, requests: int, time_limit: float) -> list[dict]:
    school, solution = solve(time_limit)
    district = build_district()
    school_id = district.schools[0].id
    year_id = demo_id("academic-year", school_id, 2026)
    urls = scratch_databases(server_url, ["auth", "schedule"])
    runtimes: list[ServiceRuntime] = []
    try:
        with tempfile.TemporaryDirectory() as folder:
            settings = Settings(data_dir=Path(folder), broker_url=f"sqla+sqlite:///{folder}/bus.sqlite",
                                auth_database_url=urls["auth"], schedule_database_url=urls["schedule"],
                                relay_interval_seconds=0.5)
            for service in ("auth", "schedule"):
                upgrade(service, urls[service])
            begun = time.perf_counter()
            auth_db, schedule_db = Database(urls["auth"]), Database(urls["schedule"])
            seed_auth(auth_db, district, PASSWORD)
            seed_schedule(schedule_db, district)
            ids, count = load(schedule_db, school, solution, school_id, year_id)
            auth_db.dispose()
            schedule_db.dispose()
            print(f"published {count} dated lessons for the year in {time.perf_counter() - begun:.1f} s",
                  flush=True)
            auth = ServiceRuntime(AUTH, settings, address="127.0.0.1:0")
            auth.start()
            runtimes.append(auth)
            settings = settings.model_copy(update={"auth_grpc_address": f"127.0.0.1:{auth.port}"})
            schedule = ServiceRuntime(schedule_definition(), settings, address="127.0.0.1:0")
            schedule.start()
            runtimes.append(schedule)
            app = create_app(settings.model_copy(update={"schedule_grpc_address": f"127.0.0.1:{schedule.port}"}))
            client = app.test_client()
            response = client.post("/api/v1/auth/login", json={"login": "deputy", "password": PASSWORD})
            assert response.status_code == 200, response.get_data(as_text=True)
            headers = {"Authorization": f"Bearer {response.get_json()['access_token']}"}
            weeks = [dt.date(2026, 9, 7) + dt.timedelta(weeks=n) for n in range(7)]  # before the autumn vacation
            classes = [ids[key] for key in school.classes]
            teachers = [ids[key] for key in school.teachers]
            rooms = [ids[key] for key in school.rooms]

            def reader(kind: str, keys: list[str]):
                def read(index: int) -> None:
                    url = (f"/api/v1/schedule/schools/{school_id}/weeks/{kind}/{keys[index % len(keys)]}"
                           f"?date={weeks[index % len(weeks)].isoformat()}")
                    answer = client.get(url, headers=headers)
                    assert answer.status_code == 200, answer.get_data(as_text=True)
                    seen[kind] = seen.get(kind, 0) + len(answer.get_json()["lessons"])
                return read

            seen: dict[str, int] = {}

            print(f"{requests} requests each, one at a time:", flush=True)
            results = [measure("class week", requests, reader("classes", classes), GOAL_MS),
                       measure("teacher week", requests, reader("teachers", teachers), GOAL_MS),
                       measure("room week", requests, reader("rooms", rooms), GOAL_MS)]
            print("lessons per week read on average: " + ", ".join(
                f"{kind} {count / (requests + 1):.1f}" for kind, count in seen.items()), flush=True)
            return results
    finally:
        for runtime in reversed(runtimes):
            runtime.stop(grace=0)
        drop_databases(server_url, urls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--postgres", default=os.environ.get("EZH_BENCH_POSTGRES_URL", DEFAULT_POSTGRES),
                        help="a PostgreSQL server to create the bench databases on")
    arguments = parser.parse_args()
    run(arguments.postgres, arguments.requests, arguments.time_limit)


if __name__ == "__main__":
    main()
