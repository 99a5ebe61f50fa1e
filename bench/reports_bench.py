"""Benchmark of the reports service: report speed at the issue's size (R1), read-model rebuild, forecasts (G4).

    .venv/bin/python -m bench.reports_bench                       # 20 schools × 1,000 students, ~10 M marks
    .venv/bin/python -m bench.reports_bench --schools 2 --students 200 --skip-demo   # a quick look
    .venv/bin/python -m bench.reports_bench --keep                # keep the scratch databases …
    .venv/bin/python -m bench.reports_bench --reuse postgresql+psycopg://…/ezh_bench_reports_full_…  # … measure again
    .venv/bin/python -m bench.reports_bench --reuse … --skip-rebuild --skip-district   # the school reports only

1. Report speed: a district's year goes straight into the read model's tables
   by bulk SQL (INSERT … SELECT generate_series, no events): 20 schools of
   1,000 students in 40 classes, 30 lessons a week in 12 subjects, a mark on
   52 % of a student's lessons (~10 M marks), 5 % missed, final marks of
   quarters 1–3 (the 4th is in progress). Then the school's quarter report
   (closed quarter 2 and open quarter 4) and the district's 2nd quarter
   through the gRPC servicer (GetReport, as the gateway calls it), p50/p95/p99
   of repeated requests, each beside a hand-written SQL aggregate of the same
   figures over the same tables, and whether the figures agree.
2. Rebuild: a smaller district's year as the journal's events (classes,
   students, four quarters, lessons, marks, absences, final marks), 500 a
   transaction, into fresh read models: the first 5,000 through each event's
   own handler (as the consumer applies them), all of them through
   `apply_events` (a batch at once): events per second. Then the same events
   through the reports consumer itself, as it takes them from its queue
   (50 a transaction, the bus left out): the first 5,000 with each event's
   handler, all of them with the definition's batch handlers.
3. Forecasts on that smaller district, with a time-ordered split: the model
   is fitted on quarters 1–2 and evaluated on quarters 3–4, each forecast made
   at 30 %, 50 % and 70 % of the quarter from what the journal held that day,
   against the quarter mark it came to. Then the same model on the demo
   district's journal (its 2nd quarter, forecast at the middle against the
   whole quarter's rounded average). Beside it the naive baseline: the
   current weighted average rounded.

The read models are scratch PostgreSQL databases, dropped at the end (unless --keep); the demo journal
is seeded into SQLite files in a temporary folder. The peak RSS of the bench process is printed at the end.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import random
import resource
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402
from ezh.auth.v1 import events_pb2 as auth_events  # noqa: E402
from ezh.journal.v1 import events_pb2 as je  # noqa: E402
from ezh.reports.v1 import reports_pb2  # noqa: E402
from kombu import Connection  # noqa: E402
from sqlalchemy import text  # noqa: E402

from bench.common import DEFAULT_POSTGRES, HandedMessage, drop_databases, measure, scratch_databases  # noqa: E402
from services.common import events as envelope  # noqa: E402
from services.common.bus import Topology  # noqa: E402
from services.common.consumer import DEFAULT_BATCH_SIZE, EventConsumer  # noqa: E402
from services.common.database import Database  # noqa: E402
from services.common.identity import bind_identity, reset_identity  # noqa: E402
from services.common.migrations import upgrade  # noqa: E402
from services.common.roles import Role  # noqa: E402
from services.common.tokens import Identity, RoleGrant  # noqa: E402
from services.reports import catalog, queries  # noqa: E402
from services.reports.events import HANDLERS, apply_events  # noqa: E402
from services.reports.forecasts import features_as_of  # noqa: E402
from services.reports.progress_reports import counted_marks  # noqa: E402
from services.reports.rules.forecast_model import (  # noqa: E402
    Example, accuracy, baseline_mark, g4_fit, g4_forecast, round_mark,
)
from services.reports.definition import reports_definition  # noqa: E402
from services.reports.server import ReportsServicer  # noqa: E402

SUBJECTS = ["Математика", "Русский язык", "Литература", "История", "Физика", "Английский язык"]
QUARTERS = ((dt.date(2026, 9, 1), dt.date(2026, 10, 26)), (dt.date(2026, 11, 5), dt.date(2026, 12, 28)),
            (dt.date(2027, 1, 12), dt.date(2027, 3, 20)), (dt.date(2027, 3, 30), dt.date(2027, 5, 25)))
WORK = [("oral", "1"), ("oral", "1"), ("homework", "0.5"), ("written", "1.5"), ("test", "2")]
CUTS = (0.3, 0.5, 0.7)


def _id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def generate_district(schools: int, students: int, seed: int = 7):
    """The events of a district's year; yields (event, ...) and returns school ids and period ids."""
    rng = random.Random(seed)
    stamp = dt.datetime(2026, 9, 1, tzinfo=dt.UTC)
    events: list[envelope.Event] = []

    def add(kind, data, school_id, source="journal"):
        nonlocal stamp
        stamp += dt.timedelta(seconds=1)
        event = envelope.new_event(f"ezh.{source}.{kind}.v1", source, kind, school_id, data)
        events.append(dataclasses.replace(event, time=stamp))

    layout = []
    for number in range(schools):
        school_id = _id(rng)
        add("school.created", auth_events.SchoolCreated(school_id=school_id, name=f"Школа № {number + 1}"),
            school_id, "auth")
        periods = []
        for index, (start, end) in enumerate(QUARTERS, start=1):
            period_id = _id(rng)
            periods.append((period_id, start, end))
            add("period.changed", je.PeriodChanged(period=je.PeriodData(
                period_id=period_id, school_id=school_id, academic_year_id="2026", kind="quarter", number=index,
                start_date=start.isoformat(), end_date=end.isoformat())), school_id)
        class_count = max(1, students // 25)
        for class_number in range(class_count):
            class_id = _id(rng)
            name = f"{5 + class_number % 7}{'АБВГДЕ'[class_number // 7 % 6]}"
            add("class.created", je.ClassCreated(class_id=class_id, school_id=school_id, name=name, grade=5,
                                                 class_teacher_id=_id(rng)), school_id)
            pupils = []
            for _ in range(min(25, students - class_number * 25) or 25):
                student_id = _id(rng)
                pupils.append((student_id, rng.gauss(3.8, 0.6), rng.uniform(-0.9, 0.9)))
                add("student.changed", je.StudentChanged(
                    student_id=student_id, school_id=school_id, class_id=class_id, class_name=name,
                    last_name=f"Ученик{len(pupils)}", first_name="Имя", status="enrolled", version=1), school_id)
            for subject_name in SUBJECTS:
                subject_id, teacher_id = _id(rng), _id(rng)
                offset = rng.uniform(-0.4, 0.3)
                weekday = rng.randrange(3)  # and two days later
                for period_id, start, end in periods:
                    sums: dict[str, list] = {s: [] for s, _, _ in pupils}
                    day = start + dt.timedelta(days=(weekday - start.weekday()) % 7)
                    while day <= end:
                        lesson_id = _id(rng)
                        add("lesson.changed", je.LessonChanged(
                            lesson_id=lesson_id, school_id=school_id, class_id=class_id, subject_id=subject_id,
                            subject_name=subject_name, teacher_id=teacher_id, lesson_date=day.isoformat(),
                            period_id=period_id, topic="Тема" if rng.random() > 0.05 else "",
                            homework="§" if rng.random() > 0.1 else "", attendance_taken=True, version=1),
                            school_id)
                        progress = (day - QUARTERS[0][0]).days / 270
                        for student_id, level, drift in pupils:
                            if rng.random() < 0.05:
                                add("absence.recorded", je.AbsenceRecorded(
                                    school_id=school_id, class_id=class_id, subject_id=subject_id,
                                    lesson_id=lesson_id, lesson_date=day.isoformat(), student_id=student_id,
                                    kind=rng.choice(["unexcused", "ill", "excused"]), subject_name=subject_name,
                                    teacher_id=teacher_id, period_id=period_id), school_id)
                                continue
                            if rng.random() < 0.3:
                                work, weight = rng.choice(WORK)
                                value = min(5, max(2, round(rng.gauss(level + offset + drift * progress, 0.8))))
                                sums[student_id].append((value, float(weight)))
                                add("mark.created", je.MarkCreated(mark=je.MarkData(
                                    mark_id=_id(rng), school_id=school_id, class_id=class_id, subject_id=subject_id,
                                    lesson_id=lesson_id, lesson_date=day.isoformat(), student_id=student_id,
                                    value=str(value), work_type=work, weight=weight, subject_name=subject_name,
                                    teacher_id=teacher_id, period_id=period_id)), school_id)
                        day += dt.timedelta(days=2 if day.weekday() == weekday else 5)  # two lessons a week
                    for student_id, marks in sums.items():
                        if len(marks) < 3:
                            value = "not_attested"
                        else:
                            average = sum(v * w for v, w in marks) / sum(w for _, w in marks)
                            mark = round_mark(average)
                            if rng.random() < 0.05:
                                mark = min(5, max(2, mark + rng.choice((-1, 1))))
                            value = str(mark)
                        add("final_mark.set", je.FinalMarkSet(final_mark=je.FinalMarkData(
                            final_mark_id=_id(rng), school_id=school_id, class_id=class_id, subject_id=subject_id,
                            subject_name=subject_name, student_id=student_id, period_id=period_id, kind="quarter",
                            value=value, teacher_id=teacher_id)), school_id)
        layout.append((school_id, periods))
    return events, layout


def apply(database: Database, events, together: bool = True) -> float:
    """Apply events 500 at a time in one transaction (as the consumer takes a batch): events per second.

    `together`: through `apply_events`, each table's rows written at once; else each event's own handler."""
    started = time.perf_counter()
    for begin in range(0, len(events), 500):
        with database.transaction() as session:
            if together:
                apply_events(session, events[begin:begin + 500])
            else:
                for event in events[begin:begin + 500]:
                    HANDLERS[event.type](session, event)
    return len(events) / (time.perf_counter() - started)


def through_consumer(database: Database, events, batched: bool) -> float:
    """Events given to the reports consumer as it takes them from its queue, DEFAULT_BATCH_SIZE at a time (the
    bus left out): with each event's handler, or with the definition's batch handlers; events per second."""
    definition = reports_definition(archive_interval=0)
    consumer = EventConsumer("reports", database, definition.processed, Topology("bench"),
                             lambda: Connection("memory://"), definition.handlers,
                             batch_handlers=definition.batch_handlers if batched else None)
    messages = [HandedMessage(event) for event in events]
    started = time.perf_counter()
    for begin in range(0, len(messages), DEFAULT_BATCH_SIZE):
        consumer.handle_batch(messages[begin:begin + DEFAULT_BATCH_SIZE])
    return len(events) / (time.perf_counter() - started)


def examples_for(database: Database, school_id: str, period_id: str) -> list[Example]:
    with database.session() as session:
        period = queries.find_period(session, period_id)
        actual = counted_marks(queries.load_school(session, school_id, period.span()))
        found = []
        total = (period.end - period.start).days
        for cut in CUTS:
            as_of = period.start + dt.timedelta(days=int(total * cut))
            _, features = features_as_of(session, school_id, period, as_of)
            for (student_id, subject_id), f in features.items():
                value = actual.get(student_id, {}).get(subject_id)
                if isinstance(value, int) and f.count:
                    found.append(Example(f, value))
    return found


def evaluate(name: str, model, examples) -> None:
    def model_mark(f):
        return g4_forecast(f, model).mark

    base, ours = accuracy(examples, baseline_mark), accuracy(examples, model_mark)
    mae_base = statistics.fmean(abs(baseline_mark(e.features) - e.actual) for e in examples)
    mae_model = statistics.fmean(abs(model_mark(e.features) - e.actual) for e in examples)
    print(f"  {name}: {len(examples)} forecasts; exact mark — model {ours:.1%}, baseline {base:.1%}; "
          f"mean error — model {mae_model:.3f}, baseline {mae_base:.3f}")
    fails = [e for e in examples if e.actual <= 2]
    if fails:
        caught = sum(1 for e in fails if g4_forecast(e.features, model).failing_probability >= 0.5)
        print(f"    failing («2»): {len(fails)}, of them flagged at ≥ 50 %: {caught}")


def demo_examples(tmp: Path) -> list[Example]:
    """The demo district's 2nd quarter, seeded through the quarter's end, its events applied to a read model."""
    from services.common.demo import build_district
    from services.journal import store as journal_store
    from services.journal.seed import seed_demo

    journal_url, reports_url = f"sqlite:///{tmp / 'journal.sqlite'}", f"sqlite:///{tmp / 'demo-reports.sqlite'}"
    upgrade("journal", journal_url)
    upgrade("reports", reports_url)
    journal = Database(journal_url)
    seed_demo(journal, build_district(), today=dt.date(2026, 12, 28))
    with journal.session() as session:
        payloads = [row.payload for row in session.execute(
            journal_store.outbox.select().order_by(journal_store.outbox.c.seq))]
    journal.dispose()
    events = [envelope.from_json(payload) for payload in payloads]
    database = Database(reports_url)
    apply(database, [event for event in events if event.type in HANDLERS])
    found: list[Example] = []
    with database.session() as session:
        periods = [row for row in session.execute(text("SELECT school_id, period_id FROM rm_period "
                                                       "WHERE kind = 'quarter' AND number = 2"))]
    for school_id, period_id in periods:
        with database.session() as session:
            period = queries.find_period(session, period_id)
            actual = counted_marks(queries.load_school(session, school_id, period.span()))
            as_of = period.start + (period.end - period.start) / 2
            _, features = features_as_of(session, school_id, period, as_of)
        for (student_id, subject_id), f in features.items():
            value = actual.get(student_id, {}).get(subject_id)
            if isinstance(value, int) and f.count:
                found.append(Example(f, value))
    database.dispose()
    return found


def forecasts(database: Database, layout, tmp: Path, skip_demo: bool) -> None:
    print("Forecasts (G4), time-ordered split: fitted on quarters 1–2, evaluated on quarters 3–4")
    train = [e for school_id, periods in layout for period_id, _, _ in periods[:2]
             for e in examples_for(database, school_id, period_id)]
    test = [e for school_id, periods in layout for period_id, _, _ in periods[2:]
            for e in examples_for(database, school_id, period_id)]
    model = g4_fit(train)
    print(f"  fitted: k_overall={model.k_overall}, k_previous={model.k_previous}, spread={model.spread}")
    evaluate("training (quarters 1–2)", model, train)
    evaluate("test (quarters 3–4)", model, test)
    if not skip_demo:
        evaluate("demo district, 2nd quarter at its middle", model, demo_examples(tmp))



# ---------------------------------------------------------------- the full-size read model, in bulk SQL

# A week of 30 lessons: (subject, lessons a week).
TIMETABLE = (("Математика", 5), ("Русский язык", 4), ("Литература", 3), ("Английский язык", 3), ("История", 2),
             ("Обществознание", 1), ("География", 2), ("Биология", 2), ("Физика", 2), ("Химия", 2),
             ("Информатика", 1), ("Физическая культура", 3))
MARK_SHARE = 0.52  # of a student's lessons get a mark, and 5 % are missed
ABSENT_SHARE = 0.05
CLOSED_QUARTERS = 3  # quarters 1–3 have their final marks; the 4th is the one in progress
LAST_NAMES = ("Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков",
              "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов", "Козлов")
FIRST_NAMES = ("Александр", "Мария", "Дмитрий", "Анна", "Максим", "Софья", "Иван", "Виктория", "Артём", "Полина")
TEACHER_NAMES = ("Ольга", "Елена", "Ирина", "Наталья", "Татьяна", "Светлана", "Марина")
BULK_TABLES = ("rm_lesson", "rm_mark", "rm_mark_total", "rm_absence", "rm_final_mark")
# An id that looks like the others (36 characters) and sorts in the order it was made: kind and number.
BENCH_ID = """CREATE FUNCTION pg_temp.bench_id(kind integer, n bigint) RETURNS text LANGUAGE sql IMMUTABLE AS
$$ SELECT lpad(to_hex(kind), 8, '0') || '-0000-4000-8000-' || lpad(to_hex(n), 12, '0') $$"""
GAUSS = "sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())"


# The teachers as auth announces them: each subject teacher and class teacher with a name.
STAFF_SQL = f"""
    INSERT INTO rm_staff (person_id, school_id, last_name, first_name, middle_name, roles, blocked, change_time)
    SELECT person_id, school_id, ({{last}})[1 + n % {len(LAST_NAMES)}] || 'а',
           ({{first}})[1 + n % {len(TEACHER_NAMES)}], 'Петровна', roles, false, now()
    FROM (SELECT DISTINCT ON (person_id) person_id, school_id, roles,
                 row_number() OVER (ORDER BY person_id) AS n
          FROM (SELECT teacher_id AS person_id, school_id, 'subject_teacher' AS roles FROM bench_subject
                UNION ALL
                SELECT class_teacher_id, school_id, 'class_teacher' FROM rm_class) people) staff"""


def _sql_list(values) -> str:
    return "ARRAY[" + ", ".join("'" + value.replace("'", "''") + "'" for value in values) + "]"


def bulk_district(url: str, schools: int, students: int) -> dict:
    """A district's year straight into the read model's tables: INSERT … SELECT generate_series, no events.

    The same tables the service reads, with its own indexes: the secondary indexes of the big tables are
    dropped for the load and created again from their own definitions, then VACUUM ANALYZE.
    """
    engine = sa.create_engine(url)
    classes_per_school = -(-students // 25)
    steps: list[tuple[str, float]] = []
    with engine.begin() as connection:
        def step(name: str, statement: str, **values) -> int:
            started = time.perf_counter()
            count = connection.execute(text(statement), values).rowcount
            steps.append((name, time.perf_counter() - started))
            return count

        connection.execute(text("SET max_parallel_workers_per_gather = 0"))  # one stream of random()
        connection.execute(text("SELECT setseed(0.7)"))
        connection.execute(text(BENCH_ID))
        connection.execute(text("SET maintenance_work_mem = '512MB'"))
        connection.execute(text("SET work_mem = '256MB'"))
        indexes = connection.execute(text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(:tables) "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)"), {"tables": list(BULK_TABLES)}).all()
        for name, _ in indexes:
            connection.execute(text(f'DROP INDEX "{name}"'))
        step("schools", """
            INSERT INTO school_summary (school_id, name, class_count, update_time)
            SELECT pg_temp.bench_id(1, s), 'Школа № ' || s, :classes, now() FROM generate_series(1, :schools) s""",
             schools=schools, classes=classes_per_school)
        step("periods", """
            INSERT INTO rm_period (period_id, school_id, academic_year_id, kind, number, start_date, end_date)
            SELECT pg_temp.bench_id(2, (s - 1) * 4 + q.n), pg_temp.bench_id(1, s), '2026', 'quarter', q.n,
                   q.start_date, q.end_date
            FROM generate_series(1, :schools) s,
                 unnest(CAST(:starts AS date[]), CAST(:ends AS date[])) WITH ORDINALITY AS q(start_date, end_date, n)""",
             schools=schools, starts=[start for start, _ in QUARTERS], ends=[end for _, end in QUARTERS])
        step("classes", """
            INSERT INTO rm_class (class_id, school_id, name, grade, class_teacher_id)
            SELECT pg_temp.bench_id(3, (s - 1) * :classes + c), pg_temp.bench_id(1, s),
                   (5 + c % 7) || substr('АБВГДЕЖЗИК', 1 + (c / 7) % 10, 1) ||
                   CASE WHEN c >= 70 THEN (c / 70)::text ELSE '' END,
                   5 + c % 7, pg_temp.bench_id(6, (s - 1) * 1000 + c)
            FROM generate_series(1, :schools) s, generate_series(0, :classes - 1) c""",
             schools=schools, classes=classes_per_school)
        connection.execute(text("""
            CREATE TEMP TABLE bench_student AS
            SELECT pg_temp.bench_id(4, (s - 1) * :students + n) AS student_id, pg_temp.bench_id(1, s) AS school_id,
                   pg_temp.bench_id(3, (s - 1) * :classes + n / 25) AS class_id, n,
                   3.8 + 0.6 * """ + GAUSS + """ AS level, 1.8 * random() - 0.9 AS drift
            FROM generate_series(1, :schools) s, generate_series(0, :students - 1) n"""),
            dict(schools=schools, students=students, classes=classes_per_school))
        step("students", f"""
            INSERT INTO rm_student (student_id, school_id, class_id, class_name, last_name, first_name, middle_name,
                                    status, version)
            SELECT b.student_id, b.school_id, b.class_id, c.name, ({_sql_list(LAST_NAMES)})[1 + b.n % {len(LAST_NAMES)}],
                   ({_sql_list(FIRST_NAMES)})[1 + (b.n / 7) % {len(FIRST_NAMES)}], '', 'enrolled', 1
            FROM bench_student b JOIN rm_class c ON c.class_id = b.class_id""")
        # Each class's subjects: its teacher (one per subject and four classes), weekdays and how hard it is.
        connection.execute(text("""
            CREATE TEMP TABLE bench_subject AS
            SELECT pg_temp.bench_id(3, (s - 1) * :classes + c) AS class_id, pg_temp.bench_id(1, s) AS school_id,
                   t.n AS subject_no, pg_temp.bench_id(5, (s - 1) * 100 + t.n) AS subject_id, t.name AS subject_name,
                   pg_temp.bench_id(6, (s - 1) * 1000 + 100 + t.n * 40 + c / 4) AS teacher_id,
                   (SELECT array_agg(1 + (t.first_day + k) % 5) FROM generate_series(0, t.hours - 1) k) AS weekdays,
                   0.7 * random() - 0.4 AS offset_
            FROM generate_series(1, :schools) s, generate_series(0, :classes - 1) c,
                 unnest(CAST(:names AS text[]), CAST(:hours AS integer[]), CAST(:first_days AS integer[]))
                     WITH ORDINALITY AS t(name, hours, first_day, n)"""),
            dict(schools=schools, classes=classes_per_school, names=[name for name, _ in TIMETABLE],
                 hours=[hours for _, hours in TIMETABLE],
                 first_days=[sum(hours for _, hours in TIMETABLE[:index]) for index in range(len(TIMETABLE))]))
        step("lessons", """
            INSERT INTO rm_lesson (lesson_id, school_id, class_id, subject_id, subject_name, teacher_id, lesson_date,
                                   slot, period_id, topic, homework, attendance_taken, version, change_time)
            SELECT pg_temp.bench_id(7, row_number() OVER (ORDER BY b.class_id, d.day, b.subject_no)),
                   b.school_id, b.class_id, b.subject_id, b.subject_name, b.teacher_id, d.day,
                   row_number() OVER (PARTITION BY b.class_id, d.day ORDER BY b.subject_no), p.period_id,
                   CASE WHEN random() < 0.95 THEN 'Тема урока' ELSE '' END,
                   CASE WHEN random() < 0.9 THEN '§ 12, упр. 3' ELSE '' END, true, 1, d.day + time '15:00'
            FROM bench_subject b JOIN rm_period p ON p.school_id = b.school_id
            CROSS JOIN LATERAL (SELECT p.start_date + k AS day FROM generate_series(0, p.end_date - p.start_date) k) d
            WHERE extract(isodow FROM d.day)::integer = ANY(b.weekdays)""")
        step("staff", STAFF_SQL.format(last=_sql_list(LAST_NAMES), first=_sql_list(TEACHER_NAMES)))
        connection.execute(text("CREATE TEMP SEQUENCE bench_mark_seq"))
        connection.execute(text("CREATE INDEX ON bench_student (class_id)"))
        connection.execute(text("CREATE INDEX ON bench_subject (class_id, subject_id)"))
        connection.execute(text("ANALYZE bench_student; ANALYZE bench_subject"))
        school_ids = connection.scalars(text("SELECT school_id FROM school_summary ORDER BY school_id")).all()
        started = time.perf_counter()
        for number, school_id in enumerate(school_ids, start=1):
            # One draw per student and lesson: missed (5 %), marked (52 %) or neither.
            connection.execute(text(f"""
                WITH draw AS MATERIALIZED (
                    SELECT l.lesson_id, l.school_id, l.class_id, l.subject_id, l.subject_name, l.teacher_id,
                           l.period_id, l.lesson_date, s.student_id, s.level + b.offset_ +
                           s.drift * (l.lesson_date - DATE '2026-09-01') / 270.0 AS expected,
                           random() AS r, random() AS w
                    FROM rm_lesson l
                    JOIN bench_student s ON s.class_id = l.class_id
                    JOIN bench_subject b ON b.class_id = l.class_id AND b.subject_id = l.subject_id
                    WHERE l.school_id = :school),
                missed AS (
                    INSERT INTO rm_absence (lesson_id, student_id, school_id, class_id, subject_id, subject_name,
                                            teacher_id, period_id, lesson_date, kind, change_time)
                    SELECT lesson_id, student_id, school_id, class_id, subject_id, subject_name, teacher_id, period_id,
                           lesson_date, (ARRAY['unexcused', 'ill', 'excused'])[1 + floor(r * 60)::integer % 3],
                           lesson_date + time '09:00'
                    FROM draw WHERE r < {ABSENT_SHARE})
                INSERT INTO rm_mark (mark_id, school_id, class_id, subject_id, subject_name, teacher_id, period_id,
                                     lesson_id, lesson_date, student_id, value, work_type, weight, deleted,
                                     change_time)
                SELECT pg_temp.bench_id(8, nextval('bench_mark_seq')), school_id, class_id, subject_id, subject_name,
                       teacher_id, period_id, lesson_id, lesson_date, student_id,
                       greatest(2, least(5, round(expected + 0.8 * {GAUSS})))::integer::text,
                       CASE WHEN w < 0.4 THEN 'oral' WHEN w < 0.6 THEN 'homework' WHEN w < 0.8 THEN 'written'
                            ELSE 'test' END,
                       CASE WHEN w < 0.4 THEN '1' WHEN w < 0.6 THEN '0.5' WHEN w < 0.8 THEN '1.5' ELSE '2' END,
                       false, lesson_date + time '15:00'
                FROM draw WHERE r >= {ABSENT_SHARE} AND r < {ABSENT_SHARE + MARK_SHARE}"""), {"school": school_id})
            elapsed = time.perf_counter() - started
            print(f"\r  marks and absences: school {number}/{len(school_ids)}, {elapsed:.0f} s", end="", flush=True)
        print()
        steps.append(("marks and absences", time.perf_counter() - started))
        step("final marks", f"""
            INSERT INTO rm_final_mark (final_mark_id, school_id, class_id, subject_id, subject_name, student_id,
                                       period_id, kind, value, teacher_id, change_time)
            SELECT pg_temp.bench_id(9, row_number() OVER (ORDER BY m.period_id, m.student_id, m.subject_id)),
                   m.school_id, m.class_id, m.subject_id, max(m.subject_name), m.student_id, m.period_id, 'quarter',
                   CASE WHEN count(*) < 3 THEN 'not_attested'
                        ELSE greatest(2, least(5, round(sum(m.value::integer * m.weight::numeric) /
                                                        sum(m.weight::numeric))
                                               + CASE WHEN random() < 0.05 THEN sign(random() - 0.5) ELSE 0 END
                             ))::integer::text END,
                   max(m.teacher_id), max(p.end_date) + time '16:00'
            FROM rm_mark m JOIN rm_period p ON p.period_id = m.period_id
            WHERE p.number <= {CLOSED_QUARTERS}
            GROUP BY m.school_id, m.class_id, m.subject_id, m.student_id, m.period_id""")
        # What the mark handlers keep: each student's marks per subject, class and period, summed.
        step("mark totals", """
            INSERT INTO rm_mark_total (period_id, student_id, subject_id, class_id, school_id, subject_name, teacher_id,
                                       weighted_sum, weight_sum, passes, fails, mark_count)
            SELECT p.period_id, m.student_id, m.subject_id, m.class_id, m.school_id, max(m.subject_name),
                   max(m.teacher_id),
                   CAST(coalesce(sum(m.value::integer * m.weight::numeric)
                                 FILTER (WHERE m.value IN ('1', '2', '3', '4', '5')), 0) AS text),
                   CAST(coalesce(sum(m.weight::numeric) FILTER (WHERE m.value IN ('1', '2', '3', '4', '5')), 0)
                        AS text),
                   count(*) FILTER (WHERE m.value = 'pass'), count(*) FILTER (WHERE m.value = 'fail'), count(*)
            FROM rm_mark m JOIN rm_period p ON p.school_id = m.school_id
                                           AND m.lesson_date BETWEEN p.start_date AND p.end_date
            WHERE NOT m.deleted
            GROUP BY p.period_id, m.student_id, m.subject_id, m.class_id, m.school_id""")
        step("progress", """
            INSERT INTO rm_progress (source, applied_count, newest_event_time, last_apply_time)
            SELECT 'journal', (SELECT count(*) FROM rm_mark) + (SELECT count(*) FROM rm_lesson), now(), now()""")
        for name, definition in indexes:
            step(f"index {name}", definition)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        started = time.perf_counter()
        for table in (*BULK_TABLES, "rm_student", "rm_class", "rm_period", "school_summary"):
            connection.execute(text(f"VACUUM ANALYZE {table}"))
        steps.append(("vacuum analyze", time.perf_counter() - started))
        counts = {table: connection.scalar(text(f"SELECT count(*) FROM {table}"))
                  for table in ("rm_student", "rm_lesson", "rm_mark", "rm_mark_total", "rm_absence", "rm_final_mark")}
        size = connection.scalar(text("SELECT pg_database_size(current_database())"))
    engine.dispose()
    for name, seconds in steps:
        print(f"  {name:40s} {seconds:7.1f} s")
    return dict(counts=counts, size=size)


# ---------------------------------------------------------------- report speed at full size

# The same figures as the report's «По школе» row, by hand: each student's counted mark per subject (the
# period's final mark, else the weighted average rounded 1,50/2,50/3,50/4,50), the student's group, the rates;
# from the marks themselves or from their totals per student, subject and period (which the report reads).
FROM_MARKS = """
    SELECT q.period_id, m.student_id, m.subject_id,
           round(sum(m.value::integer * m.weight::numeric) / sum(m.weight::numeric), 2) AS average
    FROM q JOIN rm_mark m ON m.school_id = q.school_id AND m.lesson_date BETWEEN q.start_date AND q.end_date
    WHERE NOT m.deleted AND m.value IN ('1', '2', '3', '4', '5')
      AND NOT EXISTS (SELECT 1 FROM rm_final_mark f WHERE f.period_id = q.period_id
                      AND f.student_id = m.student_id AND f.subject_id = m.subject_id)
    GROUP BY q.period_id, m.student_id, m.subject_id"""
FROM_TOTALS = """
    SELECT q.period_id, t.student_id, t.subject_id,
           round(sum(t.weighted_sum::numeric) / sum(t.weight_sum::numeric), 2) AS average
    FROM q JOIN rm_mark_total t ON t.period_id = q.period_id AND t.school_id = q.school_id
    WHERE NOT EXISTS (SELECT 1 FROM rm_final_mark f WHERE f.period_id = q.period_id
                      AND f.student_id = t.student_id AND f.subject_id = t.subject_id)
    GROUP BY q.period_id, t.student_id, t.subject_id HAVING sum(t.weight_sum::numeric) > 0"""
SQL_RESULTS = """
WITH q AS (
    SELECT * FROM unnest(CAST(:schools AS text[]), CAST(:periods AS text[]), CAST(:starts AS date[]),
                         CAST(:ends AS date[])) AS q(school_id, period_id, start_date, end_date)),
averages AS ({averages}),
counted AS (
    SELECT q.period_id, f.student_id, f.value
    FROM q JOIN rm_final_mark f ON f.school_id = q.school_id AND f.period_id = q.period_id
    UNION ALL
    SELECT period_id, student_id, CASE WHEN average >= 4.5 THEN '5' WHEN average >= 3.5 THEN '4'
                                       WHEN average >= 2.5 THEN '3' WHEN average >= 1.5 THEN '2' ELSE '1' END
    FROM averages),
standing AS (
    SELECT period_id, student_id,
           CASE WHEN bool_or(value IN ('1', '2', 'fail')) THEN 'failing'
                WHEN bool_or(value = 'not_attested') THEN 'not_attested'
                WHEN count(*) FILTER (WHERE value IN ('1', '2', '3', '4', '5')) = 0 THEN NULL
                WHEN count(*) FILTER (WHERE value = '3') > 1 THEN 'threes'
                WHEN count(*) FILTER (WHERE value = '3') = 1 THEN 'one_three'
                WHEN bool_or(value = '4') THEN 'fours_and_fives' ELSE 'only_fives' END AS standing
    FROM counted GROUP BY period_id, student_id),
totals AS (
    SELECT q.school_id, q.period_id, count(*) AS students, count(st.standing) AS graded,
           count(*) FILTER (WHERE st.standing = 'only_fives') AS only_fives,
           count(*) FILTER (WHERE st.standing = 'fours_and_fives') AS fours_and_fives,
           count(*) FILTER (WHERE st.standing = 'one_three') AS one_three,
           count(*) FILTER (WHERE st.standing = 'threes') AS threes,
           count(*) FILTER (WHERE st.standing = 'failing') AS failing,
           count(*) FILTER (WHERE st.standing = 'not_attested') AS not_attested
    FROM q JOIN rm_student s ON s.school_id = q.school_id AND s.status <> 'departed'
    LEFT JOIN standing st ON st.period_id = q.period_id AND st.student_id = s.student_id
    GROUP BY q.school_id, q.period_id)
SELECT school_id, period_id, students, graded, only_fives, fours_and_fives, one_three, threes, failing, not_attested,
       round(100.0 * (graded - failing - not_attested) / nullif(graded, 0), 1) AS pass_rate,
       round(100.0 * (only_fives + fours_and_fives) / nullif(graded, 0), 1) AS quality_rate
FROM totals
"""


def _identity(role: Role, school_id: str | None) -> Identity:
    return Identity(person_id=str(uuid.uuid4()), school_id=school_id, roles=(RoleGrant(role, school_id),),
                    token_id="bench", session_id=None, issued_at=0.0, expires_at=0.0)


def _through_servicer(servicer: ReportsServicer, identity: Identity, query: reports_pb2.ReportQuery):
    """GetReport as the gateway calls it: the caller's identity bound, the query resolved, built and encoded."""
    token = bind_identity(identity)
    try:
        return servicer.GetReport(reports_pb2.GetReportRequest(query=query), None)
    finally:
        reset_identity(token)


def _hand_written(connection, rows: list[tuple[str, queries.PeriodRow]], source: str = FROM_TOTALS) -> list:
    return connection.execute(text(SQL_RESULTS.format(averages=source)), {
        "schools": [school for school, _ in rows], "periods": [period.id for _, period in rows],
        "starts": [period.start for _, period in rows], "ends": [period.end for _, period in rows]}).all()


def _same_figures(document, table_key: str, sql_rows, names: dict[str, str]) -> str:
    """The report's rows (students, graded, the six groups, успеваемость, качество) against the SQL's."""
    wanted = {names[row.school_id]: [row.students, row.graded, row.only_fives, row.fours_and_fives, row.one_three,
                                     row.threes, row.failing, row.not_attested, row.pass_rate, row.quality_rate]
              for row in sql_rows}
    table = next(t for t in document.tables if t.key == table_key)
    got = {row[0]: list(row[1:11]) for row in table.rows}
    wrong = [name for name in wanted if got.get(name) != wanted[name]]
    return "the same figures" if not wrong else f"DIFFERENT figures for {', '.join(wrong[:3])}: {got.get(wrong[0])} " \
                                                f"against {wanted[wrong[0]]}"


def _once(function) -> tuple[float, object]:
    started = time.perf_counter()
    result = function()
    return (time.perf_counter() - started) * 1000, result


def _load() -> str:
    """The machine's load average (1, 5, 15 minutes) beside the figures: they are comparable only at a like load."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} ({os.cpu_count()} CPUs)"


def report_speed(url: str, repeat: int, district_repeat: int, skip_district: bool = False) -> dict:
    """The school and district quarter reports through the servicer, each beside the hand-written SQL."""
    database = Database(url)
    servicer = ReportsServicer(SimpleNamespace(database=database, settings=SimpleNamespace(notify_web_url="")),
                               clock=lambda: dt.datetime(2027, 5, 20, 9, tzinfo=dt.UTC))
    with database.session() as session:
        school_ids = sorted(queries.all_schools(session))
        names = {school: queries.school_name(session, school) for school in school_ids}
        periods = {school: [p for p in queries.school_periods(session, school) if p.kind == "quarter"]
                   for school in school_ids}
    results = {}
    print(f"Report speed (R1) over {len(school_ids)} school(s), requests spread over the schools; "
          f"p95 goals: school 1 s, district 10 s; {_load()}")
    for number, what in ((2, "closed: final marks set"), (4, "in progress: no final marks yet")):
        label = f"school Q{number}"
        print(f"  {label}: the school's quarter {number} ({what}), quarter {number - 1} beside it and the trend "
              f"over quarters 1–{number}; the SQL computes the same quarters")

        def school_report(index: int, number=number) -> None:
            school = school_ids[index % len(school_ids)]
            query = reports_pb2.ReportQuery(kind=reports_pb2.REPORT_KIND_PROGRESS, school_id=school,
                                            period_id=periods[school][number - 1].id)
            _through_servicer(servicer, _identity(Role.DIRECTOR, school), query)

        def school_sql(index: int, number=number, source: str = FROM_TOTALS) -> list:
            school = school_ids[index % len(school_ids)]
            with database.engine.connect() as connection:
                return _hand_written(connection, [(school, period) for period in periods[school][:number]], source)

        report = measure(f"{label} report", repeat, school_report, goal_ms=1000)
        print(f"  {_load()}")
        sql = measure(f"{label} SQL", repeat, school_sql)
        print(f"  {_load()}")
        results[label] = (report, sql)
        raw_ms, rows = _once(lambda: school_sql(0, source=FROM_MARKS))
        print(f"  {label}: report p95 {report['p95']:.0f} ms, hand-written SQL p95 {sql['p95']:.0f} ms, "
              f"ratio {report['p95'] / sql['p95']:.1f}×; the same SQL over every mark instead of their totals "
              f"{raw_ms:.0f} ms (once)", flush=True)
        school = school_ids[0]
        with database.session() as session:
            resolved = catalog.Resolved("progress", school_id=school, period_id=periods[school][number - 1].id)
            document = catalog.build(session, resolved, dt.date(2027, 5, 20))
        rows = [row for row in rows if row.period_id == periods[school][number - 1].id]
        print(f"  {label}: {_same_figures(document, 'school', rows, names)} in the report and in the SQL over "
              f"the marks")

    if skip_district:
        database.dispose()
        return results
    quarter = periods[school_ids[0]][1]
    print(f"  district: the 2nd quarter ({quarter.start:%d.%m}–{quarter.end:%d.%m}) of every school (its own "
          f"period), the 1st beside it")
    operator = _identity(Role.DISTRICT_OPERATOR, None)
    query = reports_pb2.ReportQuery(kind=reports_pb2.REPORT_KIND_DISTRICT, start_date=quarter.start.isoformat(),
                                    end_date=quarter.end.isoformat())

    def district_sql(index: int, source: str = FROM_TOTALS) -> list:
        with database.engine.connect() as connection:
            return _hand_written(connection, [(school, periods[school][n]) for school in school_ids for n in (1, 0)],
                                 source)

    report = measure("district report", district_repeat, lambda index: _through_servicer(servicer, operator, query),
                     goal_ms=10000)
    print(f"  {_load()}")
    sql = measure("district SQL", district_repeat, district_sql)
    print(f"  {_load()}")
    results["district"] = (report, sql)
    raw_ms, rows = _once(lambda: district_sql(0, FROM_MARKS))
    print(f"  district: report p95 {report['p95']:.0f} ms, hand-written SQL p95 {sql['p95']:.0f} ms, "
          f"ratio {report['p95'] / sql['p95']:.1f}×; the SQL over every mark {raw_ms:.0f} ms (once)")
    with database.session() as session:
        resolved = catalog.Resolved("district", start_date=quarter.start.isoformat(),
                                    end_date=quarter.end.isoformat(), school_ids=tuple(school_ids))
        document = catalog.build(session, resolved, dt.date(2027, 5, 20))
    rows = [row for row in rows if row.period_id == periods[row.school_id][1].id]
    print(f"  district: {_same_figures(document, 'schools', rows, names)} in the report and in the SQL over the "
          f"marks")
    database.dispose()
    return results


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rebuild(url: str, single_url: str, schools: int, students: int, with_forecasts: bool, skip_demo: bool,
            consumer_url: str = "", consumer_single_url: str = "") -> None:
    upgrade("reports", url)
    upgrade("reports", single_url)
    database = Database(url)
    print(f"Rebuild: {schools} school(s) × {students} students, one year, as the journal's events …")
    events, layout = generate_district(schools, students)
    marks = sum(1 for event in events if event.type.endswith("mark.created.v1"))
    print(f"  {len(events)} events ({marks} marks), 500 a transaction: the first {min(len(events), 5000)} through "
          f"each event's handler, then all of them through apply_events into another read model")
    single = Database(single_url)
    one_by_one = apply(single, events[:5000], together=False)
    single.dispose()
    rate = apply(database, events)
    print(f"  rebuild: {one_by_one:,.0f} events/s through the handlers one by one, {rate:,.0f} events/s "
          f"through apply_events")
    if consumer_url:
        upgrade("reports", consumer_url)
        upgrade("reports", consumer_single_url)
        consumer_database, consumer_single = Database(consumer_url), Database(consumer_single_url)
        alone = through_consumer(consumer_single, events[:5000], batched=False)
        batched = through_consumer(consumer_database, events, batched=True)
        consumer_database.dispose()
        consumer_single.dispose()
        print(f"  through the consumer, {DEFAULT_BATCH_SIZE} a transaction: {alone:,.0f} events/s with each "
              f"event's handler (the first {min(len(events), 5000)}), {batched:,.0f} events/s with the batch "
              f"handlers (all); {_load()}")
    if with_forecasts:
        with tempfile.TemporaryDirectory() as folder:
            forecasts(database, layout, Path(folder), skip_demo)
    database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=20)
    parser.add_argument("--students", type=int, default=1000, help="students per school")
    parser.add_argument("--rebuild-schools", type=int, default=1)
    parser.add_argument("--rebuild-students", type=int, default=300)
    parser.add_argument("--server-url", default=DEFAULT_POSTGRES, help="the PostgreSQL server for scratch databases")
    parser.add_argument("--reuse", default="", help="a read model generated before (with --keep): measure only")
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases (their URLs are printed)")
    parser.add_argument("--repeat", type=int, default=40, help="requests of each school report")
    parser.add_argument("--district-repeat", type=int, default=5)
    parser.add_argument("--skip-rebuild", action="store_true")
    parser.add_argument("--skip-speed", action="store_true", help="no full-size read model, no report speed")
    parser.add_argument("--skip-district", action="store_true", help="only the school reports' speed")
    parser.add_argument("--skip-forecast", action="store_true")
    parser.add_argument("--skip-demo", action="store_true")
    arguments = parser.parse_args()
    names = ([] if arguments.reuse or arguments.skip_speed else ["reports_full"]) + \
        ([] if arguments.skip_rebuild else ["reports_rebuild", "reports_single", "reports_consumer",
                                            "reports_consumer_single"])
    urls = scratch_databases(arguments.server_url, names)
    try:
        if not arguments.skip_rebuild:
            rebuild(urls["reports_rebuild"], urls["reports_single"], arguments.rebuild_schools, arguments.rebuild_students,
                    not arguments.skip_forecast, arguments.skip_demo, urls["reports_consumer"],
                    urls["reports_consumer_single"])
        if arguments.skip_speed:
            return
        url = arguments.reuse or urls["reports_full"]
        if not arguments.reuse:
            upgrade("reports", url)
            print(f"Generating {arguments.schools} school(s) × {arguments.students} students, a year, in bulk SQL …")
            started = time.perf_counter()
            made = bulk_district(url, arguments.schools, arguments.students)
            counts = ", ".join(f"{table} {count:,}" for table, count in made["counts"].items())
            print(f"  generated in {time.perf_counter() - started:.0f} s: {counts}; database "
                  f"{made['size'] / 2**30:.1f} GiB")
        report_speed(url, arguments.repeat, arguments.district_repeat, arguments.skip_district)
        print(f"Peak RSS of the benchmark process: {peak_rss_mb():.0f} MiB")
    finally:
        if arguments.keep:
            for name, url in urls.items():
                print(f"  kept {name}: {url}")
        else:
            drop_databases(arguments.server_url, urls)


if __name__ == "__main__":
    main()
