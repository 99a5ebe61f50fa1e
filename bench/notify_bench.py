"""Benchmark of notify: from a mark saved through the gateway to the parent's inbox entry (C1, G5).

Starts auth and the gateway in process, the journal (on the demo's clock,
bench/journal_at.py) and notify as their own processes, on fresh PostgreSQL
databases with RabbitMQ (or, with `--embedded`, on SQLite files with the
embedded bus), holding the demo district. The seed's history of marks is treated as
published before notify started (notify learns only the roster), so the
measured stream is the bench's own. Then, for `--duration` seconds, it
saves marks at a steady `--rate` per second through the gateway (the Flask
app in process, its gRPC clients, the services) the way a teacher's lesson
grid saves: one PUT /api/v1/journal/lessons/{lesson}/entries changes the
marks of `--marks-per-save` students at once (200 marks/s with 10 a save
is 20 saves/s). The students are those of 5А and 9Б whose parent has no
other child there, in fixed groups at each of the teacher's Friday lessons
of their class; the groups take turns, and a group's next save waits for
its last. Each mark goes journal → outbox → relay
→ bus → notify's consumer → an inbox row for the student's parent.

Latency: from the moment the gateway answered the save to the parent's
inbox row; the k-th save of a student (in the order the answers came) is
matched with the k-th mark notification of their parent (in the order
they were made).
Two figures: by the row's creation time (stamped while notify handles the
event, before its transaction commits), and by the moment a poll of
notify's database every `--poll` seconds first saw it committed (an upper
bound, late by up to one poll). Prints the achieved rate, notify's
throughput, p50/p95/p99 and the load average; the issue's goal is
p99 ≤ 2 s at 200 marks/s for 60 s with RabbitMQ.

With `--gunicorn` the gateway runs under gunicorn as its own process and the
saves go over HTTP, as deployed.

    .venv/bin/python -m bench.notify_bench [--rate 20] [--duration 10] [--marks-per-save 10] [--embedded]
    .venv/bin/python -m bench.notify_bench --rate 200 --duration 60 [--gunicorn]
"""
from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from bench.common import DEFAULT_POSTGRES, drop_databases, percentile, scratch_databases
from gateway.app import create_app
from services.auth.definition import DEFINITION as AUTH
from services.auth.seed import seed_demo as seed_auth
from services.common import bus
from services.common.clock import as_utc
from services.common.database import Database
from services.common.demo import build_district
from services.common.grpc_server import ServiceRuntime
from services.common.migrations import upgrade
from services.common.settings import Settings
from services.journal import store as journal_store
from services.journal.entries import SCHOOL_TIMEZONE
from services.journal.seed import seed_demo as seed_journal
from services.notify import store as notify_store

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "bench-password-123"
DEFAULT_AMQP = "amqp://guest:guest@127.0.0.1:5672//"
SEEDED_ON = dt.date(2026, 11, 26)
FRIDAY_1PM = dt.datetime(2026, 11, 27, 13, 0, tzinfo=SCHOOL_TIMEZONE)
HISTORY = ("ezh.journal.mark.%", "ezh.journal.absence.%", "ezh.journal.lesson.%", "ezh.journal.final_mark.%")


def _settings(args, data_dir: Path, urls: dict[str, str]) -> Settings:
    fast = dict(relay_interval_seconds=0.05, bus_polling_interval_seconds=0.05, log_level="WARNING",
                health_check_interval_seconds=1.0, shutdown_grace_seconds=0)
    namespace = f"bench{uuid.uuid4().hex[:8]}"
    if args.embedded:
        return Settings(data_dir=data_dir, bus_namespace=namespace, **fast)
    return Settings(data_dir=data_dir, broker_url=args.amqp, bus_namespace=namespace,
                    **{f"{service}_database_url": url for service, url in urls.items()}, **fast)


def run(args) -> None:
    district = build_district()
    students = _students_with_their_own_parent(district)
    urls = {} if args.embedded else scratch_databases(args.postgres, ["auth", "journal", "notify"])
    runtimes: list[ServiceRuntime] = []
    processes: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory() as folder:
        settings = _settings(args, Path(folder), urls)
        try:
            for service in ("auth", "journal", "notify"):
                upgrade(service, settings.database_url(service))
            auth_db, journal_db = (Database(settings.database_url(name)) for name in ("auth", "journal"))
            seed_auth(auth_db, district, PASSWORD)
            seed_journal(journal_db, district, today=SEEDED_ON)
            with journal_db.transaction() as session:
                session.execute(sa.update(journal_store.outbox).where(sa.or_(*(
                    journal_store.outbox.c.event_type.like(pattern) for pattern in HISTORY))).values(
                    sent_time=dt.datetime.now(dt.UTC)))
            auth_db.dispose()
            auth = ServiceRuntime(AUTH, settings, address="127.0.0.1:0")
            auth.start()
            runtimes.append(auth)
            settings = settings.model_copy(update={"auth_grpc_address": f"127.0.0.1:{auth.port}"})
            # The journal and notify run as their own processes, as deployed: they do not share the GIL
            # with the gateway (which runs here, in process) or with each other.
            journal_address, notify_address = _free_address(), _free_address()
            settings = settings.model_copy(update={"journal_grpc_address": journal_address,
                                                   "notify_grpc_address": notify_address})
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "bench.journal_at", FRIDAY_1PM.astimezone(dt.UTC).isoformat()],
                env={**os.environ, **_environment(settings)}))
            processes.append(subprocess.Popen([sys.executable, "-m", "services.notify"],
                                              env={**os.environ, **_environment(settings)}))
            _wait_for_port(journal_address)
            notify_db = Database(settings.database_url("notify"))
            deadline = time.monotonic() + 120
            while _known_guardians(notify_db, [student.id for student in students]) < len(students):
                if time.monotonic() > deadline:
                    raise SystemExit("notify did not learn the roster in 2 minutes")
                time.sleep(0.2)
            students = _told_electronically(notify_db, students)
            if args.gunicorn:  # the gateway as deployed: gunicorn's workers, over HTTP
                gateway_address = _free_address()
                settings = settings.model_copy(update={"gateway_bind": gateway_address})
                processes.append(subprocess.Popen(
                    [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gateway" / "gunicorn.conf.py"),
                     "gateway.app:create_app()"], cwd=ROOT, env={**os.environ, **_environment(settings)},
                    stdout=subprocess.DEVNULL))
                _wait_for_port(gateway_address)
                client = HttpClient(gateway_address)
            else:
                client = create_app(settings).test_client()
            response = client.post("/api/v1/auth/login", json={"login": "teacher", "password": PASSWORD})
            teacher = {"Authorization": f"Bearer {response.get_json()['access_token']}"}
            groups = _save_groups(journal_db, district, students, args.marks_per_save)
            parents = {student.id: district.guardian_of(student.id).id for group in groups for student in group.students}
            watcher = InboxWatcher(notify_db, parents, args.poll)
            watcher.start()
            load_before = os.getloadavg()
            saved = _stream(client, teacher, groups, args.rate, args.duration, args.workers)
            _report(watcher, parents, saved, args, load_before)
            notify_db.dispose()
            journal_db.dispose()
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(timeout=30)
            for runtime in reversed(runtimes):
                runtime.stop(grace=0)
            if not args.embedded:
                drop_databases(args.postgres, urls)
                _delete_bus(settings)


@dataclass(frozen=True)
class SaveGroup:
    """Students whose marks one save changes, at their class's lesson."""

    lesson_id: str
    students: tuple


def _students_with_their_own_parent(district) -> list:
    """Students of 5А and 9Б whose parent has no other child there (their inbox holds only this child's marks)."""
    students = [student for school_class in district.schools[0].classes for student in school_class.students]
    children = defaultdict(int)
    for student in students:
        children[district.guardian_of(student.id).id] += 1
    return [student for student in students if children[district.guardian_of(student.id).id] == 1]


def _save_groups(journal_db: Database, district, students, marks_per_save: int) -> list[SaveGroup]:
    """Fixed groups of `marks_per_save` students of one class, at each of the teacher's Friday lessons of it.

    A group's saves are made one after another; a student is in one group per lesson, so their saves at
    different lessons may overlap in time (their latencies are matched in time order, see `_report`)."""
    teacher = district.account("teacher").person.id
    lesson = journal_store.lesson
    with journal_db.session() as session:
        rows = session.execute(sa.select(lesson.c.id, lesson.c.class_id).where(
            lesson.c.teacher_id == teacher, lesson.c.date == FRIDAY_1PM.date(), lesson.c.subgroup_id.is_(None),
        ).order_by(lesson.c.number)).all()
    lessons: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        lessons[row.class_id].append(row.id)
    groups = []
    for school_class in district.schools[0].classes:
        mine = [student for student in students if student in school_class.students]
        for lesson_id in lessons.get(school_class.id, []):
            for start in range(0, len(mine) - marks_per_save + 1, marks_per_save):
                groups.append(SaveGroup(lesson_id, tuple(mine[start:start + marks_per_save])))
    if not groups:
        raise SystemExit(f"no class has {marks_per_save} students for one save")
    return groups


def _stream(client, teacher, groups: list[SaveGroup], rate, duration, workers):
    """Saves at a steady pace from a few threads; the saves of one group (so of each student) stay in order."""
    marks_per_save = len(groups[0].students)
    total = int(rate * duration / marks_per_save)
    saved: dict[str, list[float]] = defaultdict(list)
    state = {(group.lesson_id, student.id): {"id": None, "value": 3} for group in groups for student in group.students}
    locks = [threading.Lock() for _ in groups]
    started = time.monotonic()
    errors = []
    save_seconds = []

    def worker(offset: int) -> None:
        for index in range(offset, total, workers):
            group_index = index % len(groups)
            group = groups[group_index]
            pause = started + index * marks_per_save / rate - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            with locks[group_index]:
                entries = []
                for student in group.students:
                    mark = state[(group.lesson_id, student.id)]
                    mark["value"] = 3 + (mark["value"] - 2) % 3  # 3, 4, 5, 3 … a change every time
                    body = {"value": mark["value"], "work_type": "oral"}
                    if mark["id"]:
                        body["id"] = mark["id"]
                    entries.append({"student_id": student.id, "marks": [body]})
                begun = time.monotonic()
                response = client.put(f"/api/v1/journal/lessons/{group.lesson_id}/entries", headers=teacher,
                                      json={"entries": entries})
                answered = time.time()
                save_seconds.append(time.monotonic() - begun)
                if response.status_code != 200:
                    errors.append(response.get_data(as_text=True))
                    continue
                marks = {item["student_id"]: item["id"] for item in response.get_json()["marks"]}
                for student in group.students:
                    saved[student.id].append(answered)
                    state[(group.lesson_id, student.id)]["id"] = marks[student.id]

    threads = [threading.Thread(target=worker, args=(offset,)) for offset in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    count = sum(len(times) for times in saved.values())
    print(f"saved {count} marks in {len(save_seconds)} saves of {marks_per_save} ({len(groups)} groups) in {elapsed:.1f} s: "
          f"{count / elapsed:.1f} marks/s (asked {rate}/s); a save took p50 "
          f"{percentile(save_seconds, 0.5) * 1000:.0f} ms, p95 {percentile(save_seconds, 0.95) * 1000:.0f} ms; "
          f"{len(errors)} refused{': ' + errors[0][:200] if errors else ''}", flush=True)
    return saved


class InboxWatcher:
    """Polls notify's database for each parent's count of committed mark notifications."""

    def __init__(self, database: Database, parents: dict[str, str], interval: float) -> None:
        self.database = database
        self.parents = sorted(set(parents.values()))
        self.interval = interval
        # Per parent: the times at which their k-th notification was first seen.
        self.seen: dict[str, list[float]] = defaultdict(list)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def total(self) -> int:
        return sum(len(times) for times in self.seen.values())

    def _run(self) -> None:
        table = notify_store.notification
        query = sa.select(table.c.recipient_id, sa.func.count()).where(
            table.c.kind == "mark", table.c.recipient_id.in_(self.parents)).group_by(table.c.recipient_id)
        while not self._stop.is_set():
            with self.database.session() as session:
                counts = session.execute(query).all()
            now = time.time()
            for parent, count in counts:
                times = self.seen[parent]
                times.extend([now] * (count - len(times)))
            self._stop.wait(self.interval)


def _report(watcher: InboxWatcher, parents: dict[str, str], saved: dict[str, list[float]], args,
            load_before) -> None:
    expected = sum(len(times) for times in saved.values())
    deadline = time.monotonic() + 300
    while watcher.total() < expected and time.monotonic() < deadline:
        time.sleep(0.5)
    watcher.stop()
    table = notify_store.notification
    with watcher.database.session() as session:
        rows = session.execute(sa.select(table.c.recipient_id, table.c.create_time).where(
            table.c.kind == "mark", table.c.recipient_id.in_(parents.values())).order_by(
            table.c.create_time)).all()
    created: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        created[row.recipient_id].append(as_utc(row.create_time).timestamp())
    by_creation, by_commit = [], []
    for student_id, times in saved.items():
        parent, times = parents[student_id], sorted(times)
        by_creation.extend(came - sent for sent, came in zip(times, created[parent]))
        by_commit.extend(came - sent for sent, came in zip(times, watcher.seen[parent]))
    if not by_creation:
        print("no notification arrived")
        return
    arrivals = sorted(time for times in watcher.seen.values() for time in times)
    first_save = min(times[0] for times in saved.values() if times)
    drained = len(arrivals) / max(arrivals[-1] - first_save, 1e-9)
    mode = "SQLite + embedded bus" if args.embedded else "PostgreSQL + RabbitMQ"
    print(f"{mode}: {len(by_creation)} of {expected} inbox entries; notify drained {drained:.1f} events/s "
          f"(first save to last entry seen)")
    for name, latencies in (("by the row's creation time", by_creation),
                            (f"by commit (seen by a poll every {args.poll:g} s)", by_commit)):
        print(f"  mark saved → parent's inbox, {name}: p50 {percentile(latencies, 0.5) * 1000:.0f} ms, "
              f"p95 {percentile(latencies, 0.95) * 1000:.0f} ms, p99 {percentile(latencies, 0.99) * 1000:.0f} ms, "
              f"max {max(latencies) * 1000:.0f} ms, mean {statistics.fmean(latencies) * 1000:.0f} ms "
              f"(goal p99 ≤ 2000 ms)")
    print("  load average (1, 5, 15 min) before: {:.2f} {:.2f} {:.2f}; after: {:.2f} {:.2f} {:.2f}".format(
        *load_before, *os.getloadavg()), flush=True)


def _free_address() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{probe.getsockname()[1]}"


class HttpResponse:
    """The parts of a Flask test response the bench reads."""

    def __init__(self, status: int, body: bytes) -> None:
        self.status_code, self.body = status, body

    def get_json(self):
        return json.loads(self.body)

    def get_data(self, as_text: bool = False):
        return self.body.decode() if as_text else self.body


class HttpClient:
    """The gateway over HTTP with keep-alive, a connection per thread; `put` and `post` as the test client's."""

    def __init__(self, address: str) -> None:
        self.host, port = address.rsplit(":", 1)
        self.port = int(port)
        self.local = threading.local()

    def _request(self, method: str, path: str, headers: dict | None = None, json_body=None) -> HttpResponse:
        body = json.dumps(json_body).encode()
        for attempt in (1, 2):  # a kept-alive connection the server closed is opened again once
            connection = getattr(self.local, "connection", None)
            if connection is None:
                connection = self.local.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                connection.request(method, path, body=body,
                                   headers={"Content-Type": "application/json", **(headers or {})})
                response = connection.getresponse()
                return HttpResponse(response.status, response.read())
            except (http.client.HTTPException, ConnectionError):
                connection.close()
                self.local.connection = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def put(self, path: str, headers: dict | None = None, json=None) -> HttpResponse:
        return self._request("PUT", path, headers, json)

    def post(self, path: str, headers: dict | None = None, json=None) -> HttpResponse:
        return self._request("POST", path, headers, json)


def _wait_for_port(address: str, timeout: float = 60) -> None:
    host, port = address.rsplit(":", 1)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection((host, int(port)), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"nothing listens on {address} after {timeout:g} s")


def _environment(settings: Settings) -> dict[str, str]:
    """The settings as EZH_* variables for a child process."""
    env = {}
    for name, value in settings.model_dump().items():
        if value is not None:
            value = value.get_secret_value() if hasattr(value, "get_secret_value") else value
            env[f"EZH_{name.upper()}"] = str(value)
    return env


def _told_electronically(database: Database, students: list) -> list:
    """The students whose parent uses the journal (J7: the others are told on paper) and who have not left."""
    guardian, student = notify_store.guardian, notify_store.student
    with database.session() as session:
        told = set(session.scalars(sa.select(guardian.c.student_id).join(
            student, student.c.id == guardian.c.student_id).where(
            guardian.c.student_id.in_([item.id for item in students]), guardian.c.electronic_access,
            student.c.status != "departed")))
    return [item for item in students if item.id in told]


def _known_guardians(database: Database, student_ids: list[str]) -> int:
    table = notify_store.guardian
    with database.session() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(table).where(table.c.student_id.in_(student_ids)))


def _delete_bus(settings: Settings) -> None:
    from kombu import Queue

    topology = bus.topology_from(settings)
    with bus.connect(settings) as connection:
        channel = connection.default_channel
        for service in bus.SUBSCRIPTIONS:
            for name in (topology.queue_name(service), topology.dead_queue_name(service)):
                Queue(name)(channel).delete()
        for exchange in (topology.events_exchange, topology.retry_exchange, topology.dead_exchange):
            exchange(channel).delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=20, help="marks per second")
    parser.add_argument("--duration", type=float, default=10, help="seconds")
    parser.add_argument("--marks-per-save", type=int, default=10,
                        help="students' marks saved by one request (a lesson grid's save)")
    parser.add_argument("--workers", type=int, default=8, help="threads sending requests")
    parser.add_argument("--poll", type=float, default=0.1, help="seconds between polls of the inbox")
    parser.add_argument("--embedded", action="store_true", help="SQLite and the embedded bus")
    parser.add_argument("--gunicorn", action="store_true",
                        help="the gateway under gunicorn as its own process, over HTTP (else the Flask app in process)")
    parser.add_argument("--postgres", default=os.environ.get("EZH_BENCH_POSTGRES_URL", DEFAULT_POSTGRES))
    parser.add_argument("--amqp", default=os.environ.get("EZH_BENCH_AMQP_URL", DEFAULT_AMQP))
    run(parser.parse_args())


if __name__ == "__main__":
    main()
