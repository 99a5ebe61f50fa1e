"""Certified printouts (R3, 6.3) and the period-end archive (4.6.6).

A printout stores the resolved query, the SHA-256 of the document's content
(its canonical JSON, not the PDF bytes) and the time.  Verifying builds the
same document from the read model as it is now: the same hash means the
journal still holds what was printed; otherwise the answer names when the
content changed (the newest change in the printout's scope after printing).

When a study period has ended (by the service's clock), every journal page
of the school for that period goes into one PDF, kept with its hash; an
archive row is written once and never changed.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import uuid
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.common.clock import as_utc
from services.common.errors import InvalidArgument, NotFound
from services.reports import queries, store
from services.reports.catalog import Resolved, build
from services.reports.documents import Document, Table
from services.reports.render import Certification, to_pdf
from services.reports.student_reports import journal_page

log = logging.getLogger(__name__)

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I
CODE_LENGTH = 10
VERIFY_PATH = "/api/v1/printouts/"
SCHOOL_TIMEZONE = ZoneInfo("Europe/Moscow")


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def normalise_code(text: str) -> str:
    compact = "".join(ch for ch in (text or "").upper() if ch.isalnum())
    if len(compact) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in compact):
        raise InvalidArgument("code", "Код проверки — 10 букв и цифр, например ABCDE-23456")
    return f"{compact[:5]}-{compact[5:]}"


def print_document(session: Session, resolved: Resolved, printed_by: str, now: dt.datetime, today: dt.date,
                   public_url: str) -> tuple[str, str, bytes, Document]:
    """Build, certify and record a printout: (code, content hash, PDF, document)."""
    document = build(session, resolved, today)
    code = new_code()
    certification = Certification(code, f"{public_url.rstrip('/')}{VERIFY_PATH}{code}", now)
    pdf = to_pdf(document, certification)
    content_hash = document.content_hash()
    session.execute(store.printout.insert().values(
        code=code, school_id=resolved.school_id or "", kind=resolved.kind, scope_json=resolved.to_json(),
        title=document.title[:300], content_hash=content_hash, pdf_hash=hashlib.sha256(pdf).hexdigest(),
        printed_by=printed_by, print_time=now,
    ))
    return code, content_hash, pdf, document


def _change_after(session: Session, resolved: Resolved, since: dt.datetime) -> dt.datetime | None:
    newest = None
    for table in (store.mark, store.absence, store.final_mark, store.lesson):
        where = [table.c.change_time > since]
        if resolved.school_id:
            where.append(table.c.school_id == resolved.school_id)
        if resolved.student_id and "student_id" in table.c:
            where.append(table.c.student_id == resolved.student_id)
        if resolved.class_id:
            where.append(table.c.class_id == resolved.class_id)
        if resolved.subject_id:
            where.append(table.c.subject_id == resolved.subject_id)
        value = as_utc(session.scalar(select(func.max(table.c.change_time)).where(*where)))
        if value is not None and (newest is None or value > newest):
            newest = value
    return newest


def verify_printout(session: Session, code: str, today: dt.date):
    """(printout row, matches, change time or None)."""
    row = session.execute(select(store.printout).where(store.printout.c.code == normalise_code(code))).first()
    if row is None:
        raise NotFound("Распечатка с таким кодом не найдена", reason="PRINTOUT_NOT_FOUND")
    resolved = Resolved.from_json(row.scope_json)
    try:
        current = build(session, resolved, today).content_hash()
    except NotFound:
        current = ""
    matches = current == row.content_hash
    changed = None if matches else (_change_after(session, resolved, as_utc(row.print_time)) or as_utc(row.print_time))
    return row, matches, changed


# ------------------------------------------------------------------ the period-end archive

def period_pages(session: Session, period: queries.PeriodRow) -> list[Document]:
    data = queries.load_school(session, period.school_id, period.span())
    pairs = sorted({(row.class_id, row.subject_id) for row in data.lessons} |
                   {(row.class_id, row.subject_id) for row in data.marks} |
                   {(row.class_id, row.subject_id) for row in data.final_marks.values()},
                   key=lambda pair: (data.classes[pair[0]].name, data.subjects.get(pair[1], "")))
    return [journal_page(session, period.school_id, class_id, subject_id, period) for class_id, subject_id in pairs]


def archive_period(session: Session, period: queries.PeriodRow, now: dt.datetime) -> bool:
    """Archive a period's journal pages once; False if archived already or the read model holds no page of it yet."""
    table = store.period_archive
    if session.scalar(select(table.c.archive_id).where(table.c.school_id == period.school_id,
                                                       table.c.period_id == period.id)):
        return False
    pages = period_pages(session, period)
    if not pages:
        return False  # nothing arrived (yet): an empty archive would be kept for ever
    name = queries.school_name(session, period.school_id)
    combined = Document(f"Архив журнала — {period.span().title}", f"Страниц журнала: {len(pages)}", name)
    for page in pages:
        for part in page.tables:
            combined.tables.append(Table(f"{page.title}/{part.key}", f"{page.title}: {part.title}", part.columns,
                                         part.rows))
    pdf = to_pdf(combined, charts=False)
    session.execute(table.insert().values(
        archive_id=str(uuid.uuid4()), school_id=period.school_id, period_id=period.id,
        title=combined.title[:300], page_count=len(pages), content_hash=combined.content_hash(), pdf=pdf,
        create_time=now,
    ))
    return True


def archive_ended_periods(database, today: dt.date, now: dt.datetime) -> int:
    """Archive every period that ended before `today` and has no archive yet; how many were made."""
    with database.session() as session:
        ended = [queries.period_row(row) for row in session.execute(
            select(store.period).where(store.period.c.end_date < today))]
    made = 0
    for period in ended:
        try:
            with database.transaction() as session:
                made += archive_period(session, period, now)
        except IntegrityError:  # another replica archived it meanwhile
            continue
    return made
