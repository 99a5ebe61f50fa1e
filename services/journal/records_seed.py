"""The demo school's records: its curriculum (34 weeks of the demo timetable), contacts and checks (J1).

Deterministic for a given school and `today`; called from the journal's demo seed in its transaction.
"""
from __future__ import annotations

import datetime as dt
import random

from sqlalchemy.orm import Session

from services.common.demo import School
from services.journal import store
from services.journal.lesson_plan import demo_curriculum

STREETS = ("ул. Ленина", "ул. Садовая", "ул. Школьная", "пр. Мира", "ул. Набережная", "ул. Гагарина")


def seed_records(session: Session, school: School, year: int, today: dt.date,
                 weeks: dict[str, tuple[tuple[str, ...], ...]]) -> None:
    rows = demo_curriculum(school, year, weeks)
    if rows:
        session.execute(store.curriculum.insert(), rows)
    rng = random.Random(f"records/{school.id}/{today.isoformat()}")
    for school_class in school.classes:
        for index, person in enumerate(school_class.students):
            # Most records were checked within the month; every fourth is overdue.
            checked = today - dt.timedelta(days=rng.randrange(40, 70) if index % 4 == 3 else rng.randrange(1, 25))
            session.execute(store.student.update().where(store.student.c.id == person.id).values(
                address=f"{rng.choice(STREETS)}, д. {rng.randrange(1, 60)}, кв. {rng.randrange(1, 120)}",
                last_verified_on=checked, verified_by=school_class.class_teacher.id,
            ))
    for number, link in enumerate(school.guardianships):
        guardian = link.guardian
        session.execute(store.guardian.update().where(store.guardian.c.id == guardian.id).values(
            phone=f"+7 9{rng.randrange(10, 99)} {rng.randrange(100, 999)}-{rng.randrange(10, 99)}-"
                  f"{rng.randrange(10, 99)}",
            email=f"parent{number + 1}@{school.short_name.replace(' ', '').replace('№', 'n').lower()}.example.ru",
            electronic_access=number % 10 != 9,  # every tenth parent is informed on paper (J7)
        ))
