"""Every call a service makes carries a deadline, even when the caller set none."""
from __future__ import annotations

import time
from concurrent import futures

import grpc
import pytest
from ezh.auth.v1 import auth_pb2, auth_pb2_grpc

from services.common.grpc_client import ServiceClients
from services.common.settings import Settings


class _SlowAuth(auth_pb2_grpc.AuthServiceServicer):
    def GetJwks(self, request, context):
        time.sleep(2)
        return auth_pb2.GetJwksResponse(jwks_json="{}")


@pytest.fixture
def slow_auth():
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    auth_pb2_grpc.add_AuthServiceServicer_to_server(_SlowAuth(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield f"127.0.0.1:{port}"
    server.stop(None)


def test_o1_a_call_without_a_timeout_gets_the_default_deadline(slow_auth):
    clients = ServiceClients(Settings(auth_grpc_address=slow_auth, grpc_deadline_seconds=0.3))
    stub = clients.stub("auth", auth_pb2_grpc.AuthServiceStub)
    started = time.monotonic()

    with pytest.raises(grpc.RpcError) as failed:
        stub.GetJwks(auth_pb2.GetJwksRequest())

    assert failed.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert time.monotonic() - started < 1.5
    clients.close()
