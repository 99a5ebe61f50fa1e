"""ReportsService: proto <-> read model, no rules here."""
from __future__ import annotations

from ezh.reports.v1 import reports_pb2, reports_pb2_grpc
from sqlalchemy import select

from services.common import paging
from services.common.validation import timestamp
from services.reports import store


class ReportsServicer(reports_pb2_grpc.ReportsServiceServicer):
    def __init__(self, runtime) -> None:
        self.database = runtime.database

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
