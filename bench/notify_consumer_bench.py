"""Benchmark of notify's consumer alone: mark events per second into a PostgreSQL (or SQLite) read model.

The bus is left out (the messages are handed to the consumer as the bus
hands them), so the figure is what notify's handling costs: parsing, the
read model, the inbox rows and their e-mail deliveries.  A school of
`--classes` × 30 students with two parents each (one with e-mail) gets
`--marks` mark events (created, a tenth of them changed) in batches of
`--batch` — once with each event's own handler (a savepoint each), once
with the mark batch handler — each into a fresh database.  Prints events
per second, the time per batch (p50/p95/p99) and the load average.

    .venv/bin/python -m bench.notify_consumer_bench [--marks 6000] [--batch 50] [--sqlite]
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ezh.journal.v1 import events_pb2 as journal_events  # noqa: E402
from kombu import Connection  # noqa: E402

from bench.common import DEFAULT_POSTGRES, HandedMessage, drop_databases, percentile, scratch_databases  # noqa: E402
from services.common import events as envelope  # noqa: E402
from services.common.bus import Topology  # noqa: E402
from services.common.consumer import EventConsumer  # noqa: E402
from services.common.database import Database  # noqa: E402
from services.common.migrations import upgrade  # noqa: E402
from services.notify import store  # noqa: E402
from services.notify.events import EventContext, event_handlers  # noqa: E402
from services.notify.inbox import Channels  # noqa: E402
from services.notify.mark_batches import mark_batch_handlers  # noqa: E402

SCHOOL = "bench-school"
NOW = dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC)
SUBJECTS = [f"subject-{number}" for number in range(12)]


def _roster(classes: int) -> tuple[list[envelope.Event], list[tuple[str, str]]]:
    events, students = [], []
    for number in range(classes):
        class_id = f"class-{number}"
        events.append(envelope.new_event("ezh.journal.class.created.v1", "journal", class_id, SCHOOL,
                                         journal_events.ClassCreated(class_id=class_id, school_id=SCHOOL,
                                                                     name=f"{5 + number % 7}-{number}", grade=5)))
        for seat in range(30):
            student_id = str(uuid.uuid4())
            students.append((student_id, class_id))
            events.append(envelope.new_event(
                "ezh.journal.student.changed.v1", "journal", student_id, SCHOOL, journal_events.StudentChanged(
                    student_id=student_id, school_id=SCHOOL, class_id=class_id, class_name="5А",
                    last_name=f"Фамилия{seat}", first_name="Имя", status="enrolled", version=1, guardians=[
                        journal_events.GuardianData(guardian_id=str(uuid.uuid4()), full_name="Мать",
                                                    email=f"parent{seat}@example.org", electronic_access=True),
                        journal_events.GuardianData(guardian_id=str(uuid.uuid4()), full_name="Отец",
                                                    electronic_access=True)])))
    return events, students


def _marks(students: list[tuple[str, str]], count: int, seed: int = 7) -> list[envelope.Event]:
    chance = random.Random(seed)
    events, made = [], []
    for _ in range(count):
        student_id, class_id = chance.choice(students)
        subject = chance.choice(SUBJECTS)
        mark = journal_events.MarkData(
            mark_id=str(uuid.uuid4()), school_id=SCHOOL, class_id=class_id, subject_id=subject,
            lesson_id=str(uuid.uuid4()), lesson_date=f"2026-11-{chance.randint(16, 27):02d}", student_id=student_id,
            value=str(chance.choice((2, 3, 3, 4, 4, 4, 5, 5, 5, 5))), work_type="oral", weight="1",
            subject_name="Предмет", teacher_id=f"teacher-{subject}", period_id="q2")
        if made and chance.random() < 0.1:
            earlier = chance.choice(made)
            changed = journal_events.MarkData()
            changed.CopyFrom(earlier)
            changed.value = "5" if earlier.value != "5" else "4"
            events.append(envelope.new_event("ezh.journal.mark.updated.v1", "journal", earlier.mark_id, SCHOOL,
                                             journal_events.MarkUpdated(mark=changed, previous=earlier)))
            continue
        made.append(mark)
        events.append(envelope.new_event("ezh.journal.mark.created.v1", "journal", mark.mark_id, SCHOOL,
                                         journal_events.MarkCreated(mark=mark)))
    return events


def _run(url: str, roster, marks, batch: int, batched: bool) -> tuple[float, list[float]]:
    upgrade("notify", url)
    database = Database(url)
    context = EventContext(Channels(email=True), lambda: NOW)
    consumer = EventConsumer("notify", database, store.processed, Topology("bench"), lambda: Connection("memory://"),
                             event_handlers(context), batch_size=batch,
                             batch_handlers=mark_batch_handlers(context) if batched else None)
    messages = [HandedMessage(event) for event in roster]
    for begin in range(0, len(messages), batch):
        consumer.handle_batch(messages[begin:begin + batch])
    messages = [HandedMessage(event) for event in marks]
    times = []
    started = time.perf_counter()
    for begin in range(0, len(messages), batch):
        before = time.perf_counter()
        consumer.handle_batch(messages[begin:begin + batch])
        times.append(time.perf_counter() - before)
    elapsed = time.perf_counter() - started
    database.dispose()
    return len(messages) / elapsed, times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--marks", type=int, default=6000)
    parser.add_argument("--batch", type=int, default=50, help="events a consumer batch holds (EZH_CONSUMER_BATCH_SIZE)")
    parser.add_argument("--classes", type=int, default=30)
    parser.add_argument("--sqlite", action="store_true", help="SQLite files instead of PostgreSQL")
    parser.add_argument("--postgres", default=os.environ.get("EZH_BENCH_POSTGRES_URL", DEFAULT_POSTGRES))
    args = parser.parse_args()
    roster, students = _roster(args.classes)
    marks = _marks(students, args.marks)
    print(f"notify's consumer: {len(students)} students, {len(marks)} mark events, batches of {args.batch}, "
          f"{'SQLite' if args.sqlite else 'PostgreSQL'}; load average before {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as folder:
        urls = ({name: f"sqlite:///{folder}/{name}.sqlite" for name in ("alone", "together")} if args.sqlite
                else scratch_databases(args.postgres, ["notify_alone", "notify_together"]))
        try:
            for (label, batched), url in zip((("each event's own handler", False), ("mark batch handler", True)),
                                             urls.values()):
                rate, times = _run(url, roster, marks, args.batch, batched)
                milliseconds = [seconds * 1000 for seconds in times]
                print(f"  {label:26} {rate:8.0f} events/s; a batch p50 {percentile(milliseconds, 0.5):.0f} ms, "
                      f"p95 {percentile(milliseconds, 0.95):.0f} ms, p99 {percentile(milliseconds, 0.99):.0f} ms; "
                      f"load {os.getloadavg()[0]:.1f}")
        finally:
            if not args.sqlite:
                drop_databases(args.postgres, urls)


if __name__ == "__main__":
    main()
