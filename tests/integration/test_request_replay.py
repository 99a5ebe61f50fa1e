"""Calls that change data may carry a request_id; a replay returns the first answer."""
from __future__ import annotations

import uuid

import grpc
import pytest
from ezh.auth.v1 import auth_pb2, auth_pb2_grpc
from sqlalchemy import func, select

from services.auth import store
from services.auth.keys import KeyRing
from services.common.database import Database
from services.common.errors import read_rpc_error
from services.common.identity import bearer_metadata
from services.common.roles import Role
from services.common.tokens import RoleGrant, issue_access_token

pytestmark = pytest.mark.integration


def test_retried_create_school_returns_the_first_answer_and_one_event(stack):
    stack.migrate("auth")
    runtime = stack.start("auth")
    operator = _district_operator_token(runtime)
    request = auth_pb2.CreateSchoolRequest(request_id="retry-1", name="Лицей № 7", short_name="Лицей 7")
    with grpc.insecure_channel(f"127.0.0.1:{runtime.port}") as channel:
        stub = auth_pb2_grpc.AuthServiceStub(channel)
        first = stub.CreateSchool(request, timeout=5, metadata=operator)
        again = stub.CreateSchool(request, timeout=5, metadata=operator)
        with pytest.raises(grpc.RpcError) as bad:
            stub.CreateSchool(auth_pb2.CreateSchoolRequest(name="  "), timeout=5, metadata=operator)

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


def _district_operator_token(runtime):
    """A token signed with auth's own key, as Login would give the district operator."""
    keys = KeyRing(runtime.database)
    token, _ = issue_access_token(
        keys.signing_key(), person_id=str(uuid.uuid4()), school_id=None,
        roles=[RoleGrant(Role.DISTRICT_OPERATOR)],
    )
    return bearer_metadata(token)
