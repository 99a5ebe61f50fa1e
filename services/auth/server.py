"""AuthService: proto <-> store, no rules here."""
from __future__ import annotations

import uuid

from ezh.auth.v1 import auth_pb2, auth_pb2_grpc, events_pb2
from sqlalchemy import func, select

from services.auth import store
from services.common import outbox, paging, replay
from services.common.errors import AlreadyExists
from services.common.events import new_event
from services.common.validation import required_text, timestamp


def _school_message(row) -> auth_pb2.School:
    return auth_pb2.School(
        id=row.id, name=row.name, short_name=row.short_name, create_time=timestamp(row.create_time)
    )


class AuthServicer(auth_pb2_grpc.AuthServiceServicer):
    def __init__(self, runtime) -> None:
        self.database = runtime.database
        self.relay = runtime.relay

    def CreateSchool(self, request, context):
        name = required_text("name", request.name, max_length=200, min_length=3)
        short_name = required_text("short_name", request.short_name or name, max_length=60)
        method = "CreateSchool"
        with self.database.transaction() as session:
            earlier = replay.earlier_response(
                session, store.replays, request.request_id, method, auth_pb2.CreateSchoolResponse
            )
            if earlier is not None:
                return earlier
            taken = session.scalar(select(func.count()).select_from(store.school).where(store.school.c.name == name))
            if taken:
                raise AlreadyExists(f"Школа «{name}» уже есть в районе", reason="SCHOOL_EXISTS", field="name")
            school_id = str(uuid.uuid4())
            session.execute(store.school.insert().values(id=school_id, name=name, short_name=short_name))
            row = session.execute(select(store.school).where(store.school.c.id == school_id)).one()
            outbox.record(session, store.outbox, school_created_event(school_id, name, short_name))
            response = auth_pb2.CreateSchoolResponse(school=_school_message(row))
            replay.remember_response(session, store.replays, request.request_id, method, response)
        self.relay.wake()
        return response

    def ListSchools(self, request, context):
        size = paging.page_size(request.page_size)
        offset = paging.decode_token(request.page_token)
        with self.database.session() as session:
            rows = session.execute(
                select(store.school).order_by(store.school.c.name, store.school.c.id).offset(offset).limit(size + 1)
            ).all()
        return auth_pb2.ListSchoolsResponse(
            schools=[_school_message(row) for row in rows[:size]],
            next_page_token=paging.next_token(offset, size, len(rows)),
        )


def school_created_event(school_id: str, name: str, short_name: str):
    return new_event(
        "ezh.auth.school.created.v1",
        "auth",
        f"schools/{school_id}",
        school_id,
        events_pb2.SchoolCreated(school_id=school_id, name=name, short_name=short_name),
    )
