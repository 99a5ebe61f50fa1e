"""Each service reports SERVING only while its database and the bus answer,
and drains gracefully: NOT_SERVING first, calls in flight finish."""
from __future__ import annotations

import threading

import grpc
import pytest
from ezh.auth.v1 import auth_pb2, auth_pb2_grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from .conftest import wait_for

pytestmark = pytest.mark.integration


def _health(runtime, service="ezh.auth.v1.AuthService"):
    with grpc.insecure_channel(f"127.0.0.1:{runtime.port}") as channel:
        return health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service=service), timeout=2
        ).status


def test_o2_service_is_serving_when_database_and_bus_answer(stack):
    stack.migrate("auth")
    runtime = stack.start("auth")

    wait_for(lambda: _health(runtime) == health_pb2.HealthCheckResponse.SERVING, what="SERVING")

    assert _health(runtime, "") == health_pb2.HealthCheckResponse.SERVING


def test_o2_service_is_not_serving_while_its_database_is_away(stack, tmp_path):
    if stack.bus_kind == "rabbitmq":
        url = stack.settings.auth_database_url.rsplit("/", 1)[0] + "/ezh_test_no_such_database"
    else:
        url = f"sqlite:///{tmp_path / 'no-such-folder' / 'auth.sqlite'}"
    stack.with_settings(auth_database_url=url)
    runtime = stack.start("auth")

    assert runtime.check_readiness() is False
    assert _health(runtime) == health_pb2.HealthCheckResponse.NOT_SERVING


def test_o2_shutdown_turns_not_serving_first_and_finishes_calls(stack):
    stack.migrate("auth")
    stack.with_settings(shutdown_drain_seconds=1.5)
    runtime = stack.start("auth")
    wait_for(lambda: _health(runtime) == health_pb2.HealthCheckResponse.SERVING, what="SERVING")
    stack.runtimes.remove(runtime)
    stopping = threading.Thread(target=runtime.stop, kwargs={"grace": 2})
    stopping.start()

    status_while_draining = wait_for(
        lambda: _health(runtime) == health_pb2.HealthCheckResponse.NOT_SERVING, timeout=1, what="NOT_SERVING"
    )
    with grpc.insecure_channel(f"127.0.0.1:{runtime.port}") as channel:
        jwks = auth_pb2_grpc.AuthServiceStub(channel).GetJwks(auth_pb2.GetJwksRequest(), timeout=2)

    assert status_while_draining
    assert '"keys"' in jwks.jwks_json
    stopping.join(timeout=10)
    assert not stopping.is_alive()
    with pytest.raises(grpc.RpcError):
        _health(runtime)


def test_o2_liveness_stays_serving_while_the_database_is_away(stack, tmp_path):
    stack.with_settings(auth_database_url=f"sqlite:///{tmp_path / 'missing' / 'auth.sqlite'}")
    runtime = stack.start("auth")

    assert runtime.check_readiness() is False
    assert _health(runtime, "liveness") == health_pb2.HealthCheckResponse.SERVING
