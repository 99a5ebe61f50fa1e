"""gunicorn settings for the gateway, read from the `EZH_*` settings.

    gunicorn -c gateway/gunicorn.conf.py 'gateway.app:create_app()'

No `preload_app`: each worker imports and builds the app after the fork, so
no gRPC channel (they do not survive `fork()`) is ever shared with the
master. Channels then open on a worker's first call to a service.
"""
import math
import os
import tempfile

from services.common.logging_setup import configure_logging
from services.common.settings import get_settings

_settings = get_settings()

if _settings.metrics_address:
    # Workers write their samples here (before anything imports prometheus_client);
    # the master serves the sum on EZH_METRICS_ADDRESS (see when_ready).
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="ezh-gateway-metrics-"))

bind = [_settings.gateway_bind]
workers = _settings.gateway_workers
# Views mostly wait on gRPC calls; threads keep a worker busy meanwhile.
worker_class = "gthread"
threads = 4
preload_app = False

# A request in flight is bounded by its gRPC deadline; on SIGTERM a worker
# gets that long plus the services' own grace to finish before it is killed.
graceful_timeout = math.ceil(_settings.grpc_deadline_seconds + _settings.shutdown_grace_seconds)
timeout = 30

accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s'
errorlog = "-"
loglevel = _settings.log_level.lower()

# The runtime control socket would sit at one path per user, shared (and
# clobbered) by every gateway on the machine; the orchestrator or the
# embedded runner manages the processes instead.
control_socket_disable = True


def on_starting(server):
    """Application logs (with the request id) go to stderr; workers inherit it."""
    configure_logging("gateway", _settings.log_level, _settings.log_format)


def when_ready(server):
    """Serve the workers' summed metrics on EZH_METRICS_ADDRESS, off the public port."""
    if not _settings.metrics_address:
        return
    from prometheus_client import CollectorRegistry, start_http_server
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    host, _, port = _settings.metrics_address.rpartition(":")
    start_http_server(int(port), addr=host, registry=registry)


def child_exit(server, worker):
    if _settings.metrics_address:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
