"""The journal's change log (J8): reasons for late changes, and a tamper-evident hash chain.

Every change to a mark, absence, homework, lesson topic or final mark is a
`ChangeRecord`.  Each school's records form one chain: a record's hash is
sha256 over the previous record's hash and the record's canonical JSON, so
altering or removing a row breaks the chain from that row on.  Removing the
newest rows is only visible against a head hash kept elsewhere (`head`).
"""
from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from services.journal.rules.verdicts import ALLOWED, Verdict, refused

LATE_CHANGE_AFTER = dt.timedelta(hours=24)
GENESIS_HASH = "0" * 64


def change_reason_required(first_entered_at: dt.datetime, now: dt.datetime) -> bool:
    """J8: changing an entry more than 24 hours after it was first entered needs a reason."""
    return now - first_entered_at > LATE_CHANGE_AFTER


def change_allowed(first_entered_at: dt.datetime, now: dt.datetime, reason: str | None) -> Verdict:
    """J8: refused when a reason is required and none (or only spaces) is given."""
    if change_reason_required(first_entered_at, now) and not (reason or "").strip():
        return refused("CHANGE_REASON_REQUIRED",
                       "Запись внесена больше суток назад: укажите причину исправления")
    return ALLOWED


class ChangeEntity(enum.StrEnum):
    MARK = "mark"
    ABSENCE = "absence"
    FINAL_MARK = "final_mark"
    HOMEWORK = "homework"
    LESSON_TOPIC = "lesson_topic"
    PERIOD_EXCEPTION = "period_exception"  # M3: the deputy director's exception to a locked period


class ChangeAction(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"


@dataclass(frozen=True)
class ChangeRecord:
    """One change: who, when, what, old and new value, why.

    `sequence` is the record's position in its school's chain (1, 2, 3, …);
    `old_value`/`new_value` are JSON-compatible (decimals as strings are safest).
    """

    school_id: str
    sequence: int
    entity: ChangeEntity
    entity_id: str
    action: ChangeAction
    actor_id: str
    changed_at: dt.datetime
    old_value: Any = None
    new_value: Any = None
    reason: str = ""


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return _utc_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"cannot put {type(value).__name__} into a change record")


def _utc_text(moment: dt.datetime) -> str:
    """One spelling per instant: UTC, microseconds, 'Z' (naive values are UTC, as SQLite returns them)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_json(record: ChangeRecord) -> bytes:
    """Sorted keys, no spaces, UTF-8: the same record always gives the same bytes."""
    fields: Mapping[str, Any] = {
        "school_id": record.school_id,
        "sequence": record.sequence,
        "entity": str(record.entity),
        "entity_id": record.entity_id,
        "action": str(record.action),
        "actor_id": record.actor_id,
        "changed_at": _utc_text(record.changed_at),
        "old_value": record.old_value,
        "new_value": record.new_value,
        "reason": record.reason,
    }
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=_json_default).encode("utf-8")


def chain_hash(previous_hash: str, record: ChangeRecord) -> str:
    """sha256(previous hash, newline, canonical JSON) as hex; the first record follows GENESIS_HASH."""
    digest = hashlib.sha256()
    digest.update(previous_hash.encode("ascii"))
    digest.update(b"\n")
    digest.update(canonical_json(record))
    return digest.hexdigest()


@dataclass(frozen=True)
class ChainedChange:
    """A record as stored, with the hash stored beside it."""

    record: ChangeRecord
    hash: str


def verify_chain(
    entries: Sequence[ChainedChange], *, previous_hash: str = GENESIS_HASH, head: str | None = None,
) -> int | None:
    """J8: the position (0-based) of the first entry that breaks the chain, or None if it holds.

    `entries` are one school's records in sequence order; `previous_hash` is
    the hash before the first of them (to check a tail of the chain).  An
    altered row breaks at itself, a removed row at the row after it, swapped
    rows at the first of them.  With `head` (the newest hash known
    from elsewhere), a chain that ends elsewhere breaks at len(entries).
    """
    expected_hash = previous_hash
    for position, entry in enumerate(entries):
        expected_hash = chain_hash(expected_hash, entry.record)
        if entry.hash != expected_hash:
            return position
    if head is not None and head != expected_hash:
        return len(entries)
    return None
