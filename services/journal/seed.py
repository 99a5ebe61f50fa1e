"""The demo district's classes, students and guardians."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from services.common import outbox
from services.common.database import Database
from services.common.demo import District, demo_id
from services.journal import store
from services.journal.server import class_created_event


def seed_demo(database: Database, district: District, year: int = 2026) -> bool:
    with database.transaction() as session:
        if session.scalar(select(store.school.c.id).where(store.school.c.id == district.schools[0].id)):
            return False
        start = dt.date(year, 9, 1)
        for school in district.schools:
            session.execute(store.school.insert().values(id=school.id, name=school.name))
            for school_class in school.classes:
                session.execute(
                    store.school_class.insert().values(
                        id=school_class.id, school_id=school.id, grade=school_class.grade,
                        letter=school_class.letter, class_teacher_id=school_class.class_teacher.id,
                    )
                )
                outbox.record(
                    session, store.outbox,
                    class_created_event(school_class.id, school.id, school_class.grade, school_class.letter),
                )
                for person in school_class.students:
                    session.execute(
                        store.student.insert().values(
                            id=person.id, school_id=school.id, last_name=person.last_name,
                            first_name=person.first_name, middle_name=person.middle_name,
                            birth_date=person.birth_date,
                        )
                    )
                    session.execute(
                        store.enrollment.insert().values(
                            id=demo_id("enrollment", person.id), student_id=person.id,
                            class_id=school_class.id, start_date=start,
                        )
                    )
            seen: set[str] = set()
            for link in school.guardianships:
                parent = link.guardian
                if parent.id not in seen:
                    seen.add(parent.id)
                    session.execute(
                        store.guardian.insert().values(
                            id=parent.id, school_id=school.id, last_name=parent.last_name,
                            first_name=parent.first_name, middle_name=parent.middle_name,
                        )
                    )
                session.execute(
                    store.guardianship.insert().values(
                        guardian_id=parent.id, student_id=link.student.id, relation=link.relation
                    )
                )
    return True
