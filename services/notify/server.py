"""NotifyService: proto <-> store, no rules here."""
from __future__ import annotations

from ezh.notify.v1 import notify_pb2, notify_pb2_grpc
from sqlalchemy import func, select

from services.common import paging
from services.common.validation import identifier, timestamp
from services.notify import store


class NotifyServicer(notify_pb2_grpc.NotifyServiceServicer):
    def __init__(self, runtime) -> None:
        self.database = runtime.database

    def ListNotifications(self, request, context):
        recipient_id = identifier("recipient_id", request.recipient_id)
        size = paging.page_size(request.page_size)
        offset = paging.decode_token(request.page_token)
        table = store.notification
        with self.database.session() as session:
            rows = session.execute(
                select(table)
                .where(table.c.recipient_id == recipient_id)
                .order_by(table.c.create_time.desc(), table.c.id)
                .offset(offset)
                .limit(size + 1)
            ).all()
            unread = session.scalar(
                select(func.count()).select_from(table).where(
                    table.c.recipient_id == recipient_id, table.c.read_time.is_(None)
                )
            )
        return notify_pb2.ListNotificationsResponse(
            notifications=[
                notify_pb2.Notification(
                    id=row.id, recipient_id=row.recipient_id, kind=row.kind, title=row.title, body=row.body,
                    create_time=timestamp(row.create_time), read_time=timestamp(row.read_time),
                )
                for row in rows[:size]
            ],
            next_page_token=paging.next_token(offset, size, len(rows)),
            unread_count=unread,
        )
