"""ScheduleService: proto <-> store, no rules here."""
from __future__ import annotations

from ezh.schedule.v1 import schedule_pb2, schedule_pb2_grpc
from sqlalchemy import select

from services.common import paging
from services.common.validation import identifier
from services.schedule import store

ROOM_KINDS = {
    "classroom": schedule_pb2.ROOM_KIND_CLASSROOM,
    "lab": schedule_pb2.ROOM_KIND_LAB,
    "gym": schedule_pb2.ROOM_KIND_GYM,
    "computer": schedule_pb2.ROOM_KIND_COMPUTER,
}


class ScheduleServicer(schedule_pb2_grpc.ScheduleServiceServicer):
    def __init__(self, runtime) -> None:
        self.database = runtime.database

    def ListRooms(self, request, context):
        school_id = identifier("school_id", request.school_id)
        size = paging.page_size(request.page_size)
        offset = paging.decode_token(request.page_token)
        with self.database.session() as session:
            rows = session.execute(
                select(store.room)
                .where(store.room.c.school_id == school_id)
                .order_by(store.room.c.name)
                .offset(offset)
                .limit(size + 1)
            ).all()
        return schedule_pb2.ListRoomsResponse(
            rooms=[
                schedule_pb2.Room(
                    id=row.id, school_id=row.school_id, name=row.name, capacity=row.capacity,
                    kind=ROOM_KINDS.get(row.kind, schedule_pb2.ROOM_KIND_UNSPECIFIED),
                )
                for row in rows[:size]
            ],
            next_page_token=paging.next_token(offset, size, len(rows)),
        )
