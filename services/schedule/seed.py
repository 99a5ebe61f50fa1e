"""The demo district's rooms."""
from __future__ import annotations

from sqlalchemy import select

from services.common.database import Database
from services.common.demo import District, demo_id
from services.schedule import store


def seed_demo(database: Database, district: District) -> bool:
    with database.transaction() as session:
        if session.scalar(select(store.room.c.id).limit(1)):
            return False
        for school in district.schools:
            for name, capacity, kind in school.rooms:
                session.execute(
                    store.room.insert().values(
                        id=demo_id("room", school.id, name), school_id=school.id, name=name,
                        capacity=capacity, kind=kind,
                    )
                )
    return True
