"""ReportsService: proto <-> read model and reports, no rules here."""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

from ezh.reports.v1 import reports_pb2, reports_pb2_grpc
from sqlalchemy import select, update

from services.common import paging, replay
from services.common.clock import as_utc, utc_now
from services.common.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from services.common.identity import require_identity
from services.common.roles import STAFF_ROLES, Role
from services.common.validation import identifier, required_text, timestamp
from services.reports import access, catalog, documents, printouts, queries, render, store
from services.reports.printouts import SCHOOL_TIMEZONE

REMARK_AUTHORS = (Role.DEPUTY_DIRECTOR, Role.DIRECTOR)
MAX_REMARK_LENGTH = 2000


class ReportsServicer(reports_pb2_grpc.ReportsServiceServicer):
    def __init__(self, runtime, clock: Callable[[], dt.datetime] = utc_now) -> None:
        self.runtime = runtime
        self.database = runtime.database
        self.clock = clock
        self.public_url = runtime.settings.notify_web_url

    def today(self) -> dt.date:
        return self.clock().astimezone(SCHOOL_TIMEZONE).date()

    # ---------------------------------------------------------------- the read model

    def ListSchoolSummaries(self, request, context):
        size = paging.page_size(request.page_size)
        offset = paging.decode_token(request.page_token)
        table = store.school_summary
        with self.database.session() as session:
            rows = session.execute(
                select(table).order_by(table.c.name, table.c.school_id).offset(offset).limit(size + 1)
            ).all()
        return reports_pb2.ListSchoolSummariesResponse(
            schools=[
                reports_pb2.SchoolSummary(
                    school_id=row.school_id, name=row.name, class_count=row.class_count,
                    update_time=timestamp(row.update_time),
                )
                for row in rows[:size]
            ],
            next_page_token=paging.next_token(offset, size, len(rows)),
        )

    def GetReadModelStatus(self, request, context):
        require_identity(Role.DISTRICT_OPERATOR, *STAFF_ROLES)
        now = self.clock()
        with self.database.session() as session:
            rows = session.execute(select(store.progress).order_by(store.progress.c.source)).all()
        depth = self.runtime.queue_depth(self.runtime.topology.queue_name("reports"))
        return reports_pb2.GetReadModelStatusResponse(
            sources=[
                reports_pb2.SourceProgress(
                    source=row.source, applied_count=row.applied_count,
                    newest_event_time=timestamp(row.newest_event_time),
                    lag_seconds=max(0.0, (now - as_utc(row.newest_event_time)).total_seconds())
                    if row.newest_event_time else 0.0,
                    last_apply_time=timestamp(row.last_apply_time),
                )
                for row in rows
            ],
            events_behind=-1 if depth is None else depth,
        )

    # ---------------------------------------------------------------- reports

    def _document(self, query):
        identity = require_identity()
        with self.database.session() as session:
            resolved = catalog.resolve(session, identity, query)
            return resolved, catalog.build(session, resolved, self.today())

    def GetReport(self, request, context):
        _, document = self._document(request.query)
        return reports_pb2.GetReportResponse(report=documents.to_proto(document, self.clock()))

    def ExportReport(self, request, context):
        if request.format == reports_pb2.EXPORT_FORMAT_XLSX:
            extension, content_type, make = "xlsx", render.XLSX_TYPE, render.to_xlsx
        elif request.format == reports_pb2.EXPORT_FORMAT_PDF:
            extension, content_type, make = "pdf", render.PDF_TYPE, render.to_pdf
        else:
            raise InvalidArgument("format", "Формат выгрузки: xlsx или pdf")
        resolved, document = self._document(request.query)
        filename = f"{resolved.kind}-{self.today().isoformat()}.{extension}"
        return reports_pb2.ExportReportResponse(filename=filename, content_type=content_type,
                                                content=make(document))

    def PrintDocument(self, request, context):
        identity = require_identity()
        now = self.clock()
        with self.database.transaction() as session:
            resolved = catalog.resolve(session, identity, request.query)
            code, content_hash, pdf, _ = printouts.print_document(session, resolved, identity.person_id, now,
                                                                  self.today(), self.public_url)
        return reports_pb2.PrintDocumentResponse(code=code, content_hash=content_hash, print_time=timestamp(now),
                                                 filename=f"{resolved.kind}-{code}.pdf", pdf=pdf)

    def VerifyPrintout(self, request, context):
        with self.database.session() as session:
            row, matches, changed = printouts.verify_printout(session, request.code, self.today())
            name = queries.school_name(session, row.school_id) if row.school_id else ""
        printed = as_utc(row.print_time)
        if matches:
            message = f"Распечатка соответствует журналу: содержание не менялось с {printed:%d.%m.%Y %H:%M} UTC"
        else:
            message = (f"Распечатка не соответствует журналу: содержание изменено "
                       f"{changed.astimezone(SCHOOL_TIMEZONE):%d.%m.%Y} после печати {printed:%d.%m.%Y}")
        return reports_pb2.VerifyPrintoutResponse(
            code=row.code, title=row.title, school_name=name, print_time=timestamp(printed),
            content_hash=row.content_hash, matches=matches, change_time=timestamp(changed) if changed else None,
            message=message, pdf_hash=row.pdf_hash,
        )

    # ---------------------------------------------------------------- remarks (6.2)

    @staticmethod
    def _remark(row) -> reports_pb2.Remark:
        return reports_pb2.Remark(
            remark_id=row.remark_id, school_id=row.school_id, teacher_id=row.teacher_id, class_id=row.class_id,
            subject_id=row.subject_id, text=row.text, author_id=row.author_id,
            create_time=timestamp(row.create_time), fix_time=timestamp(row.fixed_time),
            fix_comment=row.fixed_comment,
        )

    def CreateRemark(self, request, context):
        identity = require_identity(*REMARK_AUTHORS)
        teacher_id = identifier("teacher_id", request.teacher_id)
        class_id = identifier("class_id", request.class_id, required=False)
        subject_id = identifier("subject_id", request.subject_id, required=False)
        text = required_text("text", request.text, max_length=MAX_REMARK_LENGTH)
        method = "CreateRemark"
        with self.database.transaction() as session:
            earlier = replay.earlier_response(session, store.replays, request.request_id, method,
                                              reports_pb2.CreateRemarkResponse)
            if earlier is not None:
                return earlier
            school_id = identity.school_id or ""
            if not school_id or not _teaches_in_school(session, teacher_id, school_id, class_id, subject_id):
                raise NotFound("Учитель не найден среди учителей вашей школы", reason="TEACHER_NOT_FOUND")
            remark_id = str(uuid.uuid4())
            session.execute(store.remark.insert().values(
                remark_id=remark_id, school_id=school_id, teacher_id=teacher_id, class_id=class_id,
                subject_id=subject_id, text=text, author_id=identity.person_id, create_time=self.clock()))
            row = session.execute(select(store.remark).where(store.remark.c.remark_id == remark_id)).one()
            response = reports_pb2.CreateRemarkResponse(remark=self._remark(row))
            replay.remember_response(session, store.replays, request.request_id, method, response)
        return response

    def ListRemarks(self, request, context):
        identity = require_identity(*STAFF_ROLES)
        size = paging.page_size(request.page_size)
        offset = paging.decode_token(request.page_token)
        teacher_id = identifier("teacher_id", request.teacher_id, required=False)
        table = store.remark
        where = [table.c.school_id == (identity.school_id or "")]
        if access.is_administration(identity, identity.school_id or ""):
            if teacher_id:
                where.append(table.c.teacher_id == teacher_id)
        else:
            if teacher_id and teacher_id != identity.person_id:
                raise PermissionDenied("Можно смотреть только замечания к своему журналу", reason="NOT_YOURS")
            where.append(table.c.teacher_id == identity.person_id)
        if request.open_only:
            where.append(table.c.fixed_time.is_(None))
        with self.database.session() as session:
            rows = session.execute(select(table).where(*where).order_by(table.c.create_time.desc(),
                                                                       table.c.remark_id)
                                   .offset(offset).limit(size + 1)).all()
        return reports_pb2.ListRemarksResponse(remarks=[self._remark(row) for row in rows[:size]],
                                               next_page_token=paging.next_token(offset, size, len(rows)))

    def FixRemark(self, request, context):
        identity = require_identity(Role.SUBJECT_TEACHER, Role.CLASS_TEACHER)
        remark_id = identifier("remark_id", request.remark_id)
        comment = " ".join(request.comment.split())
        if len(comment) > MAX_REMARK_LENGTH:
            raise InvalidArgument("comment", f"Поле «comment»: не длиннее {MAX_REMARK_LENGTH} символов")
        method = "FixRemark"
        table = store.remark
        with self.database.transaction() as session:
            earlier = replay.earlier_response(session, store.replays, request.request_id, method,
                                              reports_pb2.FixRemarkResponse)
            if earlier is not None:
                return earlier
            row = session.execute(select(table).where(table.c.remark_id == remark_id)).first()
            if row is None or row.teacher_id != identity.person_id or row.school_id != identity.school_id:
                raise NotFound("Замечание не найдено среди замечаний к вашему журналу", reason="REMARK_NOT_FOUND")
            if row.fixed_time is not None:
                raise FailedPrecondition("Замечание уже отмечено как исправленное", reason="ALREADY_FIXED")
            session.execute(update(table).where(table.c.remark_id == remark_id)
                            .values(fixed_time=self.clock(), fixed_comment=comment))
            row = session.execute(select(table).where(table.c.remark_id == remark_id)).one()
            response = reports_pb2.FixRemarkResponse(remark=self._remark(row))
            replay.remember_response(session, store.replays, request.request_id, method, response)
        return response

    # ---------------------------------------------------------------- archives (4.6.6)

    @staticmethod
    def _archive(row) -> reports_pb2.PeriodArchive:
        return reports_pb2.PeriodArchive(
            archive_id=row.archive_id, school_id=row.school_id, period_id=row.period_id, title=row.title,
            page_count=row.page_count, content_hash=row.content_hash, create_time=timestamp(row.create_time))

    def ListPeriodArchives(self, request, context):
        identity = require_identity(Role.DISTRICT_OPERATOR, *access.SCHOOL_ADMINISTRATION)
        school_id = access.own_school(identity, identifier("school_id", request.school_id, required=False))
        table = store.period_archive
        with self.database.session() as session:
            rows = session.execute(select(*(c for c in table.c if c.name != "pdf"))
                                   .where(table.c.school_id == school_id).order_by(table.c.create_time)).all()
        return reports_pb2.ListPeriodArchivesResponse(archives=[self._archive(row) for row in rows])

    def GetPeriodArchive(self, request, context):
        identity = require_identity(Role.DISTRICT_OPERATOR, *access.SCHOOL_ADMINISTRATION)
        archive_id = identifier("archive_id", request.archive_id)
        with self.database.session() as session:
            row = session.execute(select(store.period_archive)
                                  .where(store.period_archive.c.archive_id == archive_id)).first()
        if row is None or not (identity.has_role(Role.DISTRICT_OPERATOR) or row.school_id == identity.school_id):
            raise NotFound("Архив не найден", reason="ARCHIVE_NOT_FOUND")
        return reports_pb2.GetPeriodArchiveResponse(archive=self._archive(row), pdf=row.pdf)


def _teaches_in_school(session, teacher_id: str, school_id: str, class_id: str, subject_id: str) -> bool:
    for table in (store.lesson, store.mark):
        where = [table.c.teacher_id == teacher_id, table.c.school_id == school_id]
        if class_id:
            where.append(table.c.class_id == class_id)
        if subject_id:
            where.append(table.c.subject_id == subject_id)
        if session.scalar(select(table.c.teacher_id).where(*where).limit(1)):
            return True
    return False
