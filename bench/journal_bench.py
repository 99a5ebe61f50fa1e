"""Benchmark of the journal through the gateway on PostgreSQL: `make bench`.

Builds a school of about 1,000 students (the demo school plus 34 classes of
30) with a quarter of marks (about 40 per student in each of three
subjects), starts auth and the journal on fresh PostgreSQL databases with
the embedded bus, and times through the gateway (the Flask app in process,
its gRPC clients, the services, the database):

- the journal page of a class of 30 and a subject for the quarter;
- saving one lesson's marks for 30 students;
- a parent's diary (their child's marks of the quarter).

Prints p50/p95/p99 and requests per second of each; the goals are p95 of
150 ms, 100 ms and 50 ms. The databases are dropped afterwards.

    .venv/bin/python -m bench.journal_bench [--requests 200] [--clients 1] [--postgres URL]
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import tempfile
import threading
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

from bench.common import DEFAULT_POSTGRES, drop_databases, measure, scratch_databases
from gateway.app import create_app
from services.auth.seed import seed_demo as seed_auth
from services.common.database import Database
from services.common.demo import build_district, demo_id
from services.common.grpc_server import ServiceRuntime
from services.common.migrations import upgrade
from services.common.settings import Settings
from services.journal import store
from services.journal.definition import journal_definition
from services.journal.entries import SCHOOL_TIMEZONE
from services.journal.seed import seed_demo as seed_journal
from services.auth.definition import DEFINITION as AUTH

PASSWORD = "bench-password-123"
CLASS_COUNT, CLASS_SIZE, LESSONS_PER_SUBJECT = 34, 30, 40
SUBJECTS = ("Математика", "Русский язык", "История")
LETTERS = "АБВГ"
TODAY = dt.date(2026, 12, 24)  # the 2nd quarter's last week before its deadline: almost all lessons held
GOALS_MS = {"journal page": 150, "save lesson": 100, "parent diary": 50}


def _weekdays(first: dt.date, last: dt.date) -> list[dt.date]:
    days, day = [], first
    while day <= last:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def build_school(database: Database, district) -> dict:
    """34 classes of 30 in the demo school, taught by the demo teacher, with a quarter of marks."""
    rng = random.Random(2026)
    school = district.schools[0]
    teacher = district.account("teacher").person.id
    subject_ids = [demo_id("subject", school.id, name) for name in SUBJECTS]
    taken = {(c.grade, c.letter) for c in school.classes}
    names = [(grade, letter) for grade in range(1, 12) for letter in LETTERS if (grade, letter) not in taken]
    classes = [dict(id=str(uuid.uuid4()), school_id=school.id, grade=grade, letter=letter, class_teacher_id=None)
               for grade, letter in names[:CLASS_COUNT]]
    students, enrollments, assignments, lessons, marks = [], [], [], [], []
    days = _weekdays(dt.date(2026, 11, 5), dt.date(2026, 12, 28))
    for school_class in classes:
        members = [str(uuid.uuid4()) for _ in range(CLASS_SIZE)]
        for index, student_id in enumerate(members):
            students.append(dict(id=student_id, school_id=school.id, last_name=f"Ученик{index:02d}",
                                 first_name="Тест", middle_name=""))
            enrollments.append(dict(id=str(uuid.uuid4()), student_id=student_id, class_id=school_class["id"],
                                    start_date=dt.date(2026, 9, 1)))
        for subject_id in subject_ids:
            assignments.append(dict(id=str(uuid.uuid4()), school_id=school.id, teacher_id=teacher,
                                    class_id=school_class["id"], subject_id=subject_id))
        counts = dict.fromkeys(subject_ids, 0)
        for day in days:
            for slot in range(1, 5):
                subject_id = subject_ids[(slot + day.toordinal()) % len(subject_ids)]
                if counts[subject_id] >= LESSONS_PER_SUBJECT and day != TODAY:
                    continue
                counts[subject_id] += 1
                lesson_id = str(uuid.uuid4())
                lessons.append(dict(id=lesson_id, school_id=school.id, class_id=school_class["id"],
                                    subject_id=subject_id, teacher_id=teacher, date=day, number=slot,
                                    topic="Тема урока" if day < TODAY else "", homework=""))
                if day >= TODAY:
                    continue
                entered = dt.datetime.combine(day, dt.time(15), SCHOOL_TIMEZONE)
                for student_id in members:
                    marks.append(dict(id=str(uuid.uuid4()), school_id=school.id, lesson_id=lesson_id,
                                      student_id=student_id, value=str(rng.choice((3, 4, 4, 5, 5))),
                                      work_type=rng.choice(("oral", "oral", "written", "test", "homework")),
                                      weight=None, create_time=entered, update_time=entered))
    with database.transaction() as session:
        session.execute(store.school_class.insert(), classes)
        session.execute(store.student.insert(), students)
        session.execute(store.enrollment.insert(), enrollments)
        session.execute(store.teaching_assignment.insert(), assignments)
        session.execute(store.lesson.insert(), lessons)
        for start in range(0, len(marks), 20000):
            session.execute(store.mark.insert(), marks[start:start + 20000])
    with database.transaction() as session:  # fresh statistics, as autovacuum would have them
        session.execute(sa.text("ANALYZE"))
    today_lessons = [lesson for lesson in lessons if lesson["date"] == TODAY]
    return dict(classes=classes, subject_ids=subject_ids, students=len(students) + sum(
        len(c.students) for c in school.classes), marks=len(marks), lessons=len(lessons),
        today_lessons=today_lessons, members={c["id"]: [s["student_id"] for s in enrollments
                                                        if s["class_id"] == c["id"]] for c in classes})


def run(server_url: str, requests: int, clients: int = 1) -> list[dict]:
    district = build_district()
    urls = scratch_databases(server_url, ["auth", "journal"])
    runtimes: list[ServiceRuntime] = []
    try:
        with tempfile.TemporaryDirectory() as folder:
            settings = Settings(data_dir=Path(folder), broker_url=f"sqla+sqlite:///{folder}/bus.sqlite",
                                auth_database_url=urls["auth"], journal_database_url=urls["journal"],
                                relay_interval_seconds=0.5)
            for service in ("auth", "journal"):
                upgrade(service, urls[service])
            print("building the school…", flush=True)
            begun = time.perf_counter()
            auth_db, journal_db = Database(urls["auth"]), Database(urls["journal"])
            seed_auth(auth_db, district, PASSWORD)
            seed_journal(journal_db, district, today=TODAY)
            school = build_school(journal_db, district)
            auth_db.dispose()
            journal_db.dispose()
            print(f"built in {time.perf_counter() - begun:.1f} s: {school['students']} students, "
                  f"{school['lessons']} lessons, {school['marks']} marks", flush=True)
            auth = ServiceRuntime(AUTH, settings, address="127.0.0.1:0")
            auth.start()
            runtimes.append(auth)
            settings = settings.model_copy(update={"auth_grpc_address": f"127.0.0.1:{auth.port}"})
            noon = dt.datetime.combine(TODAY, dt.time(13), SCHOOL_TIMEZONE).astimezone(dt.UTC)
            started_at = time.monotonic()
            journal = ServiceRuntime(
                journal_definition(lambda: noon + dt.timedelta(seconds=time.monotonic() - started_at)),
                settings, address="127.0.0.1:0")
            journal.start()
            runtimes.append(journal)
            app = create_app(settings.model_copy(update={"journal_grpc_address": f"127.0.0.1:{journal.port}"}))
            local = threading.local()

            def client():
                if not hasattr(local, "client"):
                    local.client = app.test_client()
                return local.client

            def headers(login: str) -> dict:
                response = client().post("/api/v1/auth/login", json={"login": login, "password": PASSWORD})
                assert response.status_code == 200, response.get_data(as_text=True)
                return {"Authorization": f"Bearer {response.get_json()['access_token']}"}

            teacher, parent = headers("teacher"), headers("parent")
            quarter = demo_id("period", district.schools[0].id, 2026, "quarter", 2)
            classes, subjects = school["classes"], school["subject_ids"]
            child = district.schools[0].classes[0].students[0].id

            def page(index: int) -> None:
                school_class = classes[index % len(classes)]
                response = client().get(f"/api/v1/journal/classes/{school_class['id']}/subjects/"
                                      f"{subjects[index % len(subjects)]}/periods/{quarter}", headers=teacher)
                assert response.status_code == 200, response.get_data(as_text=True)

            def save(index: int) -> None:
                lesson = school["today_lessons"][index % len(school["today_lessons"])]
                value = 4 + (index // len(school["today_lessons"])) % 2
                response = client().put(f"/api/v1/journal/lessons/{lesson['id']}/entries", headers=teacher, json={
                    "entries": [{"student_id": student, "marks": [{"value": value, "work_type": "oral"}]}
                                for student in school["members"][lesson["class_id"]]]})
                assert response.status_code == 200, response.get_data(as_text=True)

            def diary(index: int) -> None:
                response = client().get(f"/api/v1/students/{child}/marks?period_id={quarter}", headers=parent)
                assert response.status_code == 200, response.get_data(as_text=True)

            print(f"{requests} requests each, {clients} at a time:", flush=True)
            return [measure(name, requests, call, GOALS_MS[name], clients)
                    for name, call in (("journal page", page), ("save lesson", save), ("parent diary", diary))]
    finally:
        for runtime in reversed(runtimes):
            runtime.stop(grace=0)
        drop_databases(server_url, urls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--clients", type=int, default=1, help="requests in flight at once")
    parser.add_argument("--postgres", default=os.environ.get("EZH_BENCH_POSTGRES_URL", DEFAULT_POSTGRES),
                        help="a PostgreSQL server to create the bench databases on")
    arguments = parser.parse_args()
    run(arguments.postgres, arguments.requests, arguments.clients)


if __name__ == "__main__":
    main()
