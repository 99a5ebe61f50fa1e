"""Benchmark of the reports service: forecast accuracy (G4), read-model rebuild and report speed (R1).

    .venv/bin/python bench/reports_bench.py                      # small district on SQLite
    .venv/bin/python bench/reports_bench.py --schools 20 --students 1000 \
        --database-url postgresql+psycopg://postgres@127.0.0.1/ezh_reports_bench   # the issue's size

1. A district's year is generated as the journal's events (classes, students,
   four quarters, lessons, marks, absences, final marks): each student has a
   level that drifts through the year, each subject its own offset, marks
   are noisy around it, and the teacher's quarter mark is the rounded
   weighted average, now and then one mark off. The events go through the
   reports service's own handlers into a fresh read model: events per second.
2. Forecasts, with a time-ordered split: the model is fitted on quarters 1–2
   and evaluated on quarters 3–4, each forecast made at 30 %, 50 % and 70 %
   of the quarter from what the journal held that day, against the quarter
   mark it came to. Then the same model on the demo district's journal
   (its 2nd quarter, forecast at the middle against the whole quarter's
   rounded average). Beside it the naive baseline: the current weighted
   average rounded.
3. Report speed: the school quarter report (p95 of several runs) and the
   district quarter report, each beside a hand-written SQL aggregate of the
   same figures over the same read model.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ezh.auth.v1 import events_pb2 as auth_events  # noqa: E402
from ezh.journal.v1 import events_pb2 as je  # noqa: E402
from sqlalchemy import bindparam, text  # noqa: E402

from services.common import events as envelope  # noqa: E402
from services.common.database import Database  # noqa: E402
from services.common.migrations import upgrade  # noqa: E402
from services.reports import queries  # noqa: E402
from services.reports.events import HANDLERS  # noqa: E402
from services.reports.forecasts import features_as_of  # noqa: E402
from services.reports.progress_reports import counted_marks, district_progress, school_progress  # noqa: E402
from services.reports.rules.forecast_model import (  # noqa: E402
    Example, accuracy, baseline_mark, g4_fit, g4_forecast, round_mark,
)
from services.reports.catalog import Resolved, _district_span  # noqa: E402

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


def apply(database: Database, events) -> float:
    """Apply events through the service's handlers, in batches; events per second."""
    started = time.perf_counter()
    for begin in range(0, len(events), 500):
        with database.transaction() as session:
            for event in events[begin:begin + 500]:
                HANDLERS[event.type](session, event)
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


SQL_SCHOOL = """
SELECT class_id,
       COUNT(DISTINCT student_id) AS graded,
       COUNT(DISTINCT CASE WHEN value IN ('1', '2', 'fail', 'not_attested') THEN student_id END) AS failing,
       COUNT(DISTINCT CASE WHEN value IN ('1', '2', '3', 'fail', 'not_attested') THEN student_id END) AS below_four,
       AVG(CASE WHEN value IN ('1', '2', '3', '4', '5') THEN CAST(value AS INTEGER) END) AS mean
FROM rm_final_mark WHERE school_id = :school AND period_id = :period
GROUP BY class_id
"""
SQL_DISTRICT = """
SELECT school_id, COUNT(DISTINCT student_id),
       COUNT(DISTINCT CASE WHEN value IN ('1', '2', 'fail', 'not_attested') THEN student_id END),
       AVG(CASE WHEN value IN ('1', '2', '3', '4', '5') THEN CAST(value AS INTEGER) END)
FROM rm_final_mark WHERE period_id IN :periods GROUP BY school_id
"""


def timed(function, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return times


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=2)
    parser.add_argument("--students", type=int, default=100, help="students per school")
    parser.add_argument("--database-url", default="", help="an empty database for the read model (default SQLite)")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--skip-demo", action="store_true")
    parser.add_argument("--skip-forecast", action="store_true", help="measure the rebuild and the reports only")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        url = arguments.database_url or f"sqlite:///{tmp / 'reports.sqlite'}"
        upgrade("reports", url)
        database = Database(url)
        print(f"Generating {arguments.schools} school(s) × {arguments.students} students, one year …")
        events, layout = generate_district(arguments.schools, arguments.students)
        marks = sum(1 for event in events if event.type.endswith("mark.created.v1"))
        print(f"Rebuilding the read model from {len(events)} events ({marks} marks) through the handlers …")
        rate = apply(database, events)
        print(f"  rebuild: {rate:,.0f} events/s")

        if not arguments.skip_forecast:
            forecasts(database, layout, tmp, arguments.skip_demo)
        speed(database, layout, arguments.repeat)
        database.dispose()


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


def speed(database: Database, layout, repeat: int) -> None:
    """The 2nd quarter's school report (with the 1st beside it) and the district's, beside hand-written SQL."""
    print("Report speed (R1), 2nd quarter with the 1st for comparison")
    school_id, periods = layout[0]
    district_repeat = max(1, repeat // 5)
    with database.session() as session:
        period, previous = (queries.find_period(session, periods[index][0]) for index in (1, 0))
        school_times = timed(lambda: school_progress(session, school_id, period.span(), previous.span()), repeat)
        sql_times = timed(lambda: session.execute(text(SQL_SCHOOL), {"school": school_id, "period": period.id}).all(),
                          repeat)
        # The district report over the 2nd quarter's dates: each school's own 2nd quarter, as the service finds it.
        resolved = Resolved("district", start_date=QUARTERS[1][0].isoformat(), end_date=QUARTERS[1][1].isoformat())
        ids = [school for school, _ in layout]
        spans = {school: _district_span(session, school, resolved) for school in ids}
        district_times = timed(lambda: district_progress(session, ids, spans, "2 четверть"), district_repeat)
        district_sql = text(SQL_DISTRICT).bindparams(bindparam("periods", expanding=True))
        district_sql_times = timed(lambda: session.execute(district_sql, {
            "periods": [p[1][0] for _, p in layout]}).all(), district_repeat)
    print(f"  school report p95 {p95(school_times) * 1000:.0f} ms; hand-written SQL p95 "
          f"{p95(sql_times) * 1000:.1f} ms; ratio {p95(school_times) / max(p95(sql_times), 1e-6):.0f}×")
    print(f"  district report {max(district_times) * 1000:.0f} ms; hand-written SQL "
          f"{max(district_sql_times) * 1000:.1f} ms; ratio {max(district_times) / max(max(district_sql_times), 1e-6):.0f}×")

if __name__ == "__main__":
    main()
