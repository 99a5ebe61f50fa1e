"""The school's change history (J8): appended in the writer's transaction, hash-chained, verified.

Each school's records form one chain (`rules.chain_hash`). `change_chain`
holds the newest sequence and hash of each school: a writer locks that row
(FOR UPDATE on PostgreSQL; SQLite has one writer at a time anyway), so
records are appended in order without gaps, and the verification compares
the end of the chain with it, so removing the newest rows is detected too.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.database import insert_on_conflict
from services.journal import rules, store


def _insert_ignoring_conflict(session: Session, table, values: dict) -> None:
    session.execute(insert_on_conflict(session, table).values(**values).on_conflict_do_nothing())


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True, ensure_ascii=False)


@dataclass
class ChangeWriter:
    """Appends one school's changes within one transaction."""

    session: Session
    school_id: str
    actor_id: str
    changed_at: dt.datetime
    reason: str = ""
    # M3: the deputy director's exception that let these changes into a locked period, noted in each new value.
    exception_id: str = ""
    _sequence: int | None = None
    _hash: str = rules.GENESIS_HASH
    _rows: list = field(default_factory=list)

    def _lock(self) -> None:
        chain = store.change_chain
        _insert_ignoring_conflict(self.session, chain,
                                  {"school_id": self.school_id, "sequence": 0, "hash": rules.GENESIS_HASH})
        query = select(chain.c.sequence, chain.c.hash).where(chain.c.school_id == self.school_id)
        if self.session.bind.dialect.name == "postgresql":
            query = query.with_for_update()
        head = self.session.execute(query).one()
        self._sequence, self._hash = head.sequence, head.hash

    def append(self, entity: rules.ChangeEntity, entity_id: str, action: rules.ChangeAction,
               old_value: Any, new_value: Any, *, lesson_id: str | None = None,
               student_id: str | None = None, actor_id: str | None = None,
               changed_at: dt.datetime | None = None) -> None:
        """One record; `actor_id`/`changed_at` default to the writer's (the demo seed sets its own)."""
        actor_id = actor_id or self.actor_id
        changed_at = changed_at or self.changed_at
        if self._sequence is None:
            self._lock()
        # Stored as JSON and read back the same way, so the hash is over what the row holds.
        old_value = None if old_value is None else json.loads(_json(old_value))
        if new_value is not None and self.exception_id:
            new_value = {**new_value, "exception_id": self.exception_id}
        new_value = None if new_value is None else json.loads(_json(new_value))
        record = rules.ChangeRecord(
            school_id=self.school_id, sequence=self._sequence + 1, entity=entity, entity_id=entity_id,
            action=action, actor_id=actor_id, changed_at=changed_at, old_value=old_value,
            new_value=new_value, reason=self.reason,
        )
        digest = rules.chain_hash(self._hash, record)
        self._rows.append(dict(
            school_id=self.school_id, sequence=record.sequence, entity=str(entity), entity_id=entity_id,
            action=str(action), actor_id=actor_id, changed_at=changed_at, old_value=_json(old_value),
            new_value=_json(new_value), reason=self.reason, lesson_id=lesson_id, student_id=student_id,
            hash=digest,
        ))
        self._sequence, self._hash = record.sequence, digest

    def finish(self) -> None:
        """Write the records (in one statement) and move the school's head."""
        if self._rows:
            self.session.execute(store.change_log.insert(), self._rows)
            self._rows = []
        if self._sequence is not None:
            self.session.execute(
                store.change_chain.update().where(store.change_chain.c.school_id == self.school_id)
                .values(sequence=self._sequence, hash=self._hash)
            )


def chained_change(row) -> rules.ChainedChange:
    return rules.ChainedChange(
        record=rules.ChangeRecord(
            school_id=row.school_id, sequence=row.sequence, entity=rules.ChangeEntity(row.entity),
            entity_id=row.entity_id, action=rules.ChangeAction(row.action), actor_id=row.actor_id,
            changed_at=row.changed_at,
            old_value=None if row.old_value is None else json.loads(row.old_value),
            new_value=None if row.new_value is None else json.loads(row.new_value),
            reason=row.reason or "",
        ),
        hash=row.hash,
    )


@dataclass(frozen=True)
class Verification:
    intact: bool
    checked_count: int
    first_broken_sequence: int  # 0 when intact
    head_hash: str


def verify(session: Session, school_id: str) -> Verification:
    rows = session.execute(
        select(store.change_log).where(store.change_log.c.school_id == school_id).order_by(store.change_log.c.sequence)
    ).all()
    head = session.execute(
        select(store.change_chain.c.sequence, store.change_chain.c.hash)
        .where(store.change_chain.c.school_id == school_id)
    ).first()
    entries = [chained_change(row) for row in rows]
    broken = rules.verify_chain(entries, head=head.hash if head else rules.GENESIS_HASH)
    if broken is None:
        # A sequence with a hole whose hashes were rewritten still cannot pass: hashes cover
        # the sequence; and the head keeps the count honest.
        expected = list(range(1, len(rows) + 1))
        if [row.sequence for row in rows] != expected or (head and head.sequence != len(rows)):
            broken = next((i for i, row in enumerate(rows) if row.sequence != i + 1), len(rows))
    first = 0
    if broken is not None:
        first = rows[broken].sequence if broken < len(rows) else (rows[-1].sequence + 1 if rows else 1)
    return Verification(
        intact=broken is None, checked_count=len(rows), first_broken_sequence=first,
        head_hash=head.hash if head else rules.GENESIS_HASH,
    )
