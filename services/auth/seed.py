"""The demo district's schools, people with accounts, and their roles.

Demo accounts are activated accounts with the demo password.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from services.auth import store
from services.auth.passwords import hash_password
from services.auth.server import school_created_event
from services.auth.staff_events import record_staff_change
from services.common import outbox
from services.common.database import Database
from services.common.demo import District, demo_id


def seed_demo(database: Database, district: District, password: str) -> bool:
    """Write the demo data once; False if it is there already."""
    now = dt.datetime.now(dt.UTC)
    # One hash for the one shared demo password (seeding stays fast).
    password_hash = hash_password(password)
    with database.transaction() as session:
        if session.scalar(select(store.school.c.id).where(store.school.c.id == district.schools[0].id)):
            return False
        for school in district.schools:
            session.execute(store.school.insert().values(id=school.id, name=school.name, short_name=school.short_name))
            outbox.record(session, store.outbox, school_created_event(school.id, school.name, school.short_name))
        for account in district.accounts:
            person = account.person
            session.execute(
                store.person.insert().values(
                    id=person.id, school_id=account.school_id, last_name=person.last_name,
                    first_name=person.first_name, middle_name=person.middle_name,
                )
            )
            session.execute(
                store.account.insert().values(
                    id=demo_id("account", account.login), person_id=person.id, login=account.login,
                    password_hash=password_hash, activate_time=now, password_change_time=now,
                )
            )
            for role, class_id in account.roles:
                session.execute(
                    store.role_grant.insert().values(
                        id=demo_id("grant", person.id, role, class_id), person_id=person.id,
                        school_id=account.school_id, role=role.value, class_id=class_id,
                    )
                )
            record_staff_change(session, person.id, now, was_staff=False)
    return True
