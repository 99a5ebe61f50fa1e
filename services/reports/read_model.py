"""Resetting the read model so that replayed events build it again."""
from __future__ import annotations

from sqlalchemy import delete

from services.common import bus
from services.common.database import Database
from services.common.settings import Settings
from services.reports import store


def reset_read_model(settings: Settings) -> None:
    """Empty the read model and forget which events were applied, in one transaction.

    Then send the events again (`python -m services.common.outbox_replay
    <source> --to reports` for each source): each is applied once more.
    Events arriving meanwhile are applied and recorded, so their replayed
    copies change nothing.
    """
    database = Database(settings.database_url("reports"))
    try:
        with database.transaction() as session:
            for table in store.READ_MODEL:
                session.execute(delete(table))
            session.execute(
                delete(store.processed).where(
                    store.processed.c.consumer == bus.topology_from(settings).queue_name("reports")
                )
            )
    finally:
        database.dispose()
