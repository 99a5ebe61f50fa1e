"""The demo district's conversations and events in notify (O2: a newcomer has something to look at)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from services.common.database import Database
from services.common.demo import build_district
from services.common.migrations import upgrade
from services.notify import store
from services.notify.seed import seed_demo


def test_demo_seed_writes_conversations_events_and_unread_messages_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'notify.sqlite'}"
    upgrade("notify", url)
    database = Database(url)
    district = build_district()
    parent = district.account("parent").person.id
    try:
        assert seed_demo(database, district, today=dt.date(2026, 11, 27))
        assert not seed_demo(database, district, today=dt.date(2026, 11, 27))
        with database.session() as session:
            count = lambda table, *where: session.scalar(select(func.count()).select_from(table).where(*where))  # noqa: E731
            assert count(store.conversation) == 5 and count(store.school_event) == 4
            assert count(store.conversation_member, store.conversation_member.c.person_id == parent) == 3
            unread = session.scalars(select(store.notification.c.title).where(
                store.notification.c.recipient_id == parent, store.notification.c.read_time.is_(None))).all()
            assert unread == ["Новое сообщение"]  # the class teacher's message; the parent wrote last elsewhere
            assert count(store.school_event, store.school_event.c.rsvp_enabled.is_(True)) == 2
    finally:
        database.dispose()
