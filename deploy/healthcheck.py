"""Container health checks for Compose (Kubernetes probes gRPC and HTTP natively).

    python deploy/healthcheck.py grpc 127.0.0.1:50051 [ezh.auth.v1.AuthService]
    python deploy/healthcheck.py http http://127.0.0.1:8080/healthz

Exit status 0 when the target is healthy: the gRPC `grpc.health.v1.Health/Check`
answers SERVING for the named service ("" = the server as a whole), or the URL
answers 2xx. Anything else, including no answer within the timeout, is 1.
"""
from __future__ import annotations

import sys

TIMEOUT_SECONDS = 3.0


def grpc_serving(address: str, service: str = "", timeout: float = TIMEOUT_SECONDS) -> bool:
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    with grpc.insecure_channel(address) as channel:
        try:
            reply = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=service), timeout=timeout
            )
        except grpc.RpcError as error:
            print(f"{address} {service!r}: {error.code().name}", file=sys.stderr)
            return False
    if reply.status != health_pb2.HealthCheckResponse.SERVING:
        print(f"{address} {service!r}: {health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)}", file=sys.stderr)
        return False
    return True


def http_ok(url: str, timeout: float = TIMEOUT_SECONDS) -> bool:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - the URL is the operator's
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError) as error:
        print(f"{url}: {error}", file=sys.stderr)
        return False


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "grpc" and len(argv) <= 3:
        return 0 if grpc_serving(argv[1], argv[2] if len(argv) == 3 else "") else 1
    if len(argv) == 2 and argv[0] == "http":
        return 0 if http_ok(argv[1]) else 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
