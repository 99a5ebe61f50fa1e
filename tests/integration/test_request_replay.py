"""Calls that change data may carry a request_id; a replay returns the first answer."""
from __future__ import annotations

import grpc
import pytest
from ezh.auth.v1 import auth_pb2, auth_pb2_grpc
from sqlalchemy import func, select

from services.auth import store
from services.common.database import Database
from services.common.errors import read_rpc_error

pytestmark = pytest.mark.integration


def test_retried_create_school_returns_the_first_answer_and_one_event(stack):
    stack.migrate("auth")
    runtime = stack.start("auth")
    request = auth_pb2.CreateSchoolRequest(request_id="retry-1", name="Лицей № 7", short_name="Лицей 7")
    with grpc.insecure_channel(f"127.0.0.1:{runtime.port}") as channel:
        stub = auth_pb2_grpc.AuthServiceStub(channel)
        first = stub.CreateSchool(request, timeout=5)
        again = stub.CreateSchool(request, timeout=5)
        with pytest.raises(grpc.RpcError) as bad:
            stub.CreateSchool(auth_pb2.CreateSchoolRequest(name="  "), timeout=5)

    assert again == first
    error = read_rpc_error(bad.value)
    assert (error.code, error.reason, error.domain, error.metadata) == (
        grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT", "auth", {"field": "name"}
    )
    database = Database(stack.settings.database_url("auth"))
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(store.school)) == 1
        assert session.scalar(select(func.count()).select_from(store.outbox)) == 1
    database.dispose()
