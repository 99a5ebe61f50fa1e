"""Benchmark of notify: from a mark saved through the gateway to the parent's inbox entry (C1, G5).

Starts auth and the journal in process and notify as its own process, on fresh PostgreSQL databases with
RabbitMQ (or, with `--embedded`, on SQLite files with the embedded bus),
holding the demo district. The seed's history of marks is treated as
published before notify started (notify learns only the roster), so the
measured stream is the bench's own. Then, for `--duration` seconds, it
saves marks at a steady `--rate` per second through the gateway (the Flask
app in process, its gRPC clients, the services): each request changes one
student's mark at Friday's mathematics lesson of 5А, round-robin over the
class. Each mark goes journal → outbox → relay → bus → notify's consumer →
an inbox row for the student's parent.

Latency = the inbox row's creation time minus the moment the gateway
answered the save; the k-th save of a student is matched with the k-th
mark notification of their parent (events of one student are handled in
order). Prints the achieved rate and p50/p95/p99; the issue's goal is
p99 ≤ 2 s at 200 marks/s for 60 s with RabbitMQ.

    .venv/bin/python -m bench.notify_bench [--rate 20] [--duration 10] [--embedded]
    .venv/bin/python -m bench.notify_bench --rate 200 --duration 60
"""
from __future__ import annotations

import argparse
import datetime as dt
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
from pathlib import Path

import sqlalchemy as sa

from bench.common import DEFAULT_POSTGRES, drop_databases, percentile, scratch_databases
from gateway.app import create_app
from services.auth.definition import DEFINITION as AUTH
from services.auth.seed import seed_demo as seed_auth
from services.common import bus
from services.common.clock import as_utc
from services.common.database import Database
from services.common.demo import build_district, demo_id
from services.common.grpc_server import ServiceRuntime
from services.common.migrations import upgrade
from services.common.settings import Settings
from services.journal import store as journal_store
from services.journal.definition import journal_definition
from services.journal.entries import SCHOOL_TIMEZONE
from services.journal.seed import seed_demo as seed_journal
from services.notify import store as notify_store

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
    school_class = district.schools[0].classes[0]
    students = school_class.students[1:]  # each with their own parent
    lesson = demo_id("lesson", school_class.id, FRIDAY_1PM.date(), 1)
    urls = {} if args.embedded else scratch_databases(args.postgres, ["auth", "journal", "notify"])
    runtimes: list[ServiceRuntime] = []
    process = None
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
            journal = ServiceRuntime(journal_definition(lambda: FRIDAY_1PM.astimezone(dt.UTC)), settings,
                                     address="127.0.0.1:0")
            journal.start()
            runtimes.append(journal)
            # notify runs as its own process, as deployed: it does not share the GIL with the gateway.
            notify_address = _free_address()
            process = subprocess.Popen(
                [sys.executable, "-m", "services.notify"],
                env={**os.environ, **_environment(settings.model_copy(update={
                    "notify_grpc_address": notify_address}))})
            notify_db = Database(settings.database_url("notify"))
            deadline = time.monotonic() + 120
            while _count(notify_db, notify_store.guardian) < len(students):
                if time.monotonic() > deadline:
                    raise SystemExit("notify did not learn the roster in 2 minutes")
                time.sleep(0.2)
            app = create_app(settings.model_copy(update={"journal_grpc_address": f"127.0.0.1:{journal.port}",
                                                         "notify_grpc_address": notify_address}))
            client = app.test_client()
            response = client.post("/api/v1/auth/login", json={"login": "teacher", "password": PASSWORD})
            teacher = {"Authorization": f"Bearer {response.get_json()['access_token']}"}
            saved = _stream(client, teacher, lesson, students, args.rate, args.duration, args.workers)
            _report(notify_db, district, saved, args)
            notify_db.dispose()
            journal_db.dispose()
        finally:
            if process is not None:
                process.terminate()
                process.wait(timeout=30)
            for runtime in reversed(runtimes):
                runtime.stop(grace=0)
            if not args.embedded:
                drop_databases(args.postgres, urls)
                _delete_bus(settings)


def _stream(client, teacher, lesson, students, rate, duration, workers):
    """Saves at a steady pace from a few threads; each student's saves stay in order."""
    total = int(rate * duration)
    saved: dict[str, list[float]] = defaultdict(list)
    state = {student.id: {"id": None, "value": 3} for student in students}
    locks = {student.id: threading.Lock() for student in students}
    started = time.monotonic()
    errors = []

    def worker(offset: int) -> None:
        for index in range(offset, total, workers):
            student = students[index % len(students)]
            pause = started + index / rate - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            with locks[student.id]:
                mark = state[student.id]
                mark["value"] = 3 + (mark["value"] - 2) % 3  # 3, 4, 5, 3 … a change every time
                body = {"value": mark["value"], "work_type": "oral"}
                if mark["id"]:
                    body["id"] = mark["id"]
                response = client.put(f"/api/v1/journal/lessons/{lesson}/entries", headers=teacher, json={
                    "entries": [{"student_id": student.id, "marks": [body]}]})
                if response.status_code != 200:
                    errors.append(response.get_data(as_text=True))
                    continue
                saved[student.id].append(time.time())
                mark["id"] = next(item["id"] for item in response.get_json()["marks"]
                                  if item["student_id"] == student.id)

    threads = [threading.Thread(target=worker, args=(offset,)) for offset in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    count = sum(len(times) for times in saved.values())
    print(f"saved {count} marks in {elapsed:.1f} s: {count / elapsed:.1f}/s (asked {rate}/s); "
          f"{len(errors)} refused{': ' + errors[0][:200] if errors else ''}", flush=True)
    return saved


def _report(notify_db: Database, district, saved: dict[str, list[float]], args) -> None:
    parents = {student_id: district.guardian_of(student_id).id for student_id in saved}
    expected = sum(len(times) for times in saved.values())
    table = notify_store.notification
    deadline = time.monotonic() + 300
    while True:
        with notify_db.session() as session:
            rows = session.execute(sa.select(table.c.recipient_id, table.c.create_time).where(
                table.c.kind == "mark", table.c.recipient_id.in_(parents.values())).order_by(
                table.c.create_time)).all()
        if len(rows) >= expected or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    arrived: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        arrived[row.recipient_id].append(as_utc(row.create_time).timestamp())
    latencies = []
    for student_id, times in saved.items():
        for sent, came in zip(times, arrived[parents[student_id]]):
            latencies.append(came - sent)
    if not latencies:
        print("no notification arrived")
        return
    mode = "SQLite + embedded bus" if args.embedded else "PostgreSQL + RabbitMQ"
    print(f"{mode}: {len(latencies)} of {expected} inbox entries; mark saved → parent's inbox: "
          f"p50 {percentile(latencies, 0.5) * 1000:.0f} ms, p95 {percentile(latencies, 0.95) * 1000:.0f} ms, "
          f"p99 {percentile(latencies, 0.99) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms, "
          f"mean {statistics.fmean(latencies) * 1000:.0f} ms (goal p99 ≤ 2000 ms)")


def _free_address() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{probe.getsockname()[1]}"


def _environment(settings: Settings) -> dict[str, str]:
    """The settings as EZH_* variables for a child process."""
    env = {}
    for name, value in settings.model_dump().items():
        if value is not None:
            value = value.get_secret_value() if hasattr(value, "get_secret_value") else value
            env[f"EZH_{name.upper()}"] = str(value)
    return env


def _count(database: Database, table) -> int:
    with database.session() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(table))


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
    parser.add_argument("--workers", type=int, default=8, help="threads sending requests")
    parser.add_argument("--embedded", action="store_true", help="SQLite and the embedded bus")
    parser.add_argument("--postgres", default=os.environ.get("EZH_BENCH_POSTGRES_URL", DEFAULT_POSTGRES))
    parser.add_argument("--amqp", default=os.environ.get("EZH_BENCH_AMQP_URL", DEFAULT_AMQP))
    run(parser.parse_args())


if __name__ == "__main__":
    main()
