"""Homework per lesson: text, due date and attached files (J2, J8).

Each change is appended to the school's change history (`homework` entity:
the text and due date under the lesson's id, each file under its own id) and
publishes the lesson's whole state (ezh.journal.lesson.changed.v1) through
the outbox, in the writer's transaction.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import uuid

from ezh.journal.v1 import records_pb2
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.common import outbox
from services.common.clock import as_utc
from services.common.errors import InvalidArgument, NotFound
from services.journal import access, rules, snapshots, store
from services.journal.attachments import AttachmentStorage, attachment_settings
from services.journal.change_history import ChangeWriter
from services.journal.record_access import check_lesson_reader, lesson_not_found
from services.journal.rules.homework import MAX_HOMEWORK_LENGTH, accept_attachment, homework_due_date


def attachment_not_found() -> NotFound:
    return NotFound("Файл не найден", reason="ATTACHMENT_NOT_FOUND", field="attachment_id")


def parse_date(field: str, text: str) -> dt.date | None:
    if not text.strip():
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidArgument(field, f"Поле «{field}»: нужна дата в формате ГГГГ-ММ-ДД") from None


def lesson_row(session: Session, lesson_id: str):
    row = session.execute(select(store.lesson).where(store.lesson.c.id == lesson_id)).first()
    if row is None:
        raise lesson_not_found()
    return row


def attachment_message(row) -> records_pb2.HomeworkAttachment:
    return records_pb2.HomeworkAttachment(
        id=row.id, lesson_id=row.lesson_id, file_name=row.file_name, content_type=row.content_type, size=row.size,
        sha256=row.sha256, uploaded_by=row.uploaded_by, create_time=as_utc(row.create_time).isoformat(),
    )


def homework_message(session: Session, lesson) -> records_pb2.Homework:
    files = session.execute(
        select(store.homework_attachment).where(store.homework_attachment.c.lesson_id == lesson.id)
        .order_by(store.homework_attachment.c.create_time, store.homework_attachment.c.id)
    ).all()
    return records_pb2.Homework(
        lesson_id=lesson.id, class_id=lesson.class_id, subject_id=lesson.subject_id,
        lesson_date=lesson.date.isoformat(), text=lesson.homework or "",
        due_date=lesson.homework_due_date.isoformat() if lesson.homework_due_date else "",
        attachments=[attachment_message(row) for row in files],
    )


def _first_entered(session: Session, lesson_id: str) -> dt.datetime | None:
    first = session.scalar(select(func.min(store.change_log.c.changed_at)).where(
        store.change_log.c.entity == rules.ChangeEntity.HOMEWORK.value, store.change_log.c.entity_id == lesson_id))
    return as_utc(first) if first is not None else None


def set_homework(session: Session, identity, lesson_id: str, text: str, due_text: str, reason: str,
                 now: dt.datetime) -> records_pb2.Homework:
    """J2: the lesson's teacher sets the homework; J8: a change after 24 hours needs a reason."""
    text = (text or "").strip()
    if len(text) > MAX_HOMEWORK_LENGTH:
        raise InvalidArgument("text", f"Домашнее задание — не длиннее {MAX_HOMEWORK_LENGTH} символов")
    due = parse_date("due_date", due_text)
    lesson = lesson_row(session, lesson_id)
    access.check_lesson_writer(session, identity, lesson, lesson_not_found())
    if not text and due is not None:
        raise InvalidArgument("due_date", "Срок сдачи указывается вместе с заданием")
    due = homework_due_date(lesson.date, due)
    old = {"text": lesson.homework or "",
           "due_date": lesson.homework_due_date.isoformat() if lesson.homework_due_date else None}
    new = {"text": text, "due_date": due.isoformat() if due else None}
    if old == new:
        return homework_message(session, lesson)
    first = _first_entered(session, lesson.id)
    if first is not None:
        rules.change_allowed(first, now, reason).raise_if_refused()
    action = (rules.ChangeAction.CREATED if not old["text"] else
              rules.ChangeAction.DELETED if not text else rules.ChangeAction.UPDATED)
    session.execute(store.lesson.update().where(store.lesson.c.id == lesson.id)
                    .values(homework=text, homework_due_date=due))
    writer = ChangeWriter(session, lesson.school_id, identity.person_id, now, reason)
    writer.append(rules.ChangeEntity.HOMEWORK, lesson.id, action,
                  old if old["text"] else None, new if text else None, lesson_id=lesson.id)
    writer.finish()
    outbox.record(session, store.outbox, snapshots.lesson_changed_event(session, lesson.id, now))
    return homework_message(session, lesson_row(session, lesson.id))


def add_attachment(session: Session, storage: AttachmentStorage, identity, lesson_id: str, file_name: str,
                   content: bytes, now: dt.datetime, stored: list[str]) -> records_pb2.HomeworkAttachment:
    """Stores the file, then its row; the key goes into `stored` so a failed transaction can remove the file."""
    settings = attachment_settings()
    accepted = accept_attachment(file_name, content, max_bytes=settings.max_bytes,
                                 allowed_extensions=settings.allowed_extensions)
    lesson = lesson_row(session, lesson_id)
    access.check_lesson_writer(session, identity, lesson, lesson_not_found())
    attachment_id = str(uuid.uuid4())
    key = f"{lesson.school_id}/{attachment_id}"
    digest = hashlib.sha256(content).hexdigest()
    storage.put(key, content)
    stored.append(key)
    session.execute(store.homework_attachment.insert().values(
        id=attachment_id, school_id=lesson.school_id, lesson_id=lesson.id, file_name=accepted.file_name,
        content_type=accepted.content_type, size=accepted.size, sha256=digest, storage_key=key,
        uploaded_by=identity.person_id, create_time=now,
    ))
    writer = ChangeWriter(session, lesson.school_id, identity.person_id, now)
    writer.append(rules.ChangeEntity.HOMEWORK, attachment_id, rules.ChangeAction.CREATED, None,
                  {"file_name": accepted.file_name, "size": accepted.size, "sha256": digest}, lesson_id=lesson.id)
    writer.finish()
    outbox.record(session, store.outbox, snapshots.lesson_changed_event(session, lesson.id, now))
    return attachment_message(session.execute(
        select(store.homework_attachment).where(store.homework_attachment.c.id == attachment_id)).one())


def _attachment(session: Session, attachment_id: str):
    row = session.execute(select(store.homework_attachment)
                          .where(store.homework_attachment.c.id == attachment_id)).first()
    if row is None:
        raise attachment_not_found()
    return row


def delete_attachment(session: Session, identity, attachment_id: str, now: dt.datetime) -> str:
    """Removes the row (the caller deletes the stored file after the commit); returns its storage key."""
    row = _attachment(session, attachment_id)
    lesson = lesson_row(session, row.lesson_id)
    access.check_lesson_writer(session, identity, lesson, attachment_not_found())
    session.execute(store.homework_attachment.delete().where(store.homework_attachment.c.id == row.id))
    writer = ChangeWriter(session, lesson.school_id, identity.person_id, now)
    writer.append(rules.ChangeEntity.HOMEWORK, row.id, rules.ChangeAction.DELETED,
                  {"file_name": row.file_name, "size": row.size, "sha256": row.sha256}, None, lesson_id=lesson.id)
    writer.finish()
    outbox.record(session, store.outbox, snapshots.lesson_changed_event(session, lesson.id, now))
    return row.storage_key


def read_attachment(session: Session, storage: AttachmentStorage, identity, attachment_id: str):
    row = _attachment(session, attachment_id)
    lesson = lesson_row(session, row.lesson_id)
    try:
        check_lesson_reader(session, identity, lesson)
    except NotFound:
        raise attachment_not_found() from None
    content = storage.get(row.storage_key)
    if hashlib.sha256(content).hexdigest() != row.sha256:
        raise RuntimeError(f"attachment {row.id} does not match its checksum")
    return attachment_message(row), content


def get_homework(session: Session, identity, lesson_id: str) -> records_pb2.Homework:
    lesson = lesson_row(session, lesson_id)
    check_lesson_reader(session, identity, lesson)
    return homework_message(session, lesson)
