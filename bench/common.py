"""What the benchmarks share: scratch PostgreSQL databases, latency figures, messages handed to a consumer."""
from __future__ import annotations

import statistics
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from services.common import events as envelope

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def scratch_databases(server_url: str, names: list[str]) -> dict[str, str]:
    """A fresh, empty database per name on the server; their URLs by name."""
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    urls = {}
    with admin.connect() as connection:
        for service in names:
            name = f"ezh_bench_{service}_{uuid.uuid4().hex[:8]}"
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
            urls[service] = sa.make_url(server_url).set(database=name).render_as_string(hide_password=False)
    admin.dispose()
    return urls


def drop_databases(server_url: str, urls: dict[str, str]) -> None:
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        for url in urls.values():
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{sa.make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


def percentile(samples: list[float], share: float) -> float:
    """The nearest-rank percentile: the smallest sample with `share` of the samples at or below it."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def measure(name: str, requests: int, call, goal_ms: float | None = None, clients: int = 1) -> dict:
    """`requests` calls from `clients` threads at once; prints and returns p50/p95/p99 (ms) and calls per second."""
    call(0)  # warm the connections and caches
    samples: list[float] = []

    def one(index: int) -> None:
        begun = time.perf_counter()
        call(index + 1)
        samples.append((time.perf_counter() - begun) * 1000)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(one, range(requests)))
    elapsed = time.perf_counter() - started
    result = dict(name=name, p50=statistics.median(samples), p95=percentile(samples, 0.95),
                  p99=percentile(samples, 0.99), rps=requests / elapsed)
    verdict = "" if goal_ms is None else (" ok" if result["p95"] <= goal_ms else f" ABOVE the goal of {goal_ms} ms")
    print(f"{name:14s} p50 {result['p50']:7.1f} ms  p95 {result['p95']:7.1f} ms  p99 {result['p99']:7.1f} ms  "
          f"{result['rps']:6.1f} req/s  (p95 goal {goal_ms} ms){verdict}", flush=True)
    return result


class HandedMessage:
    """What the consumer uses of a broker's message: benches hand events to a consumer with the bus left out."""

    def __init__(self, event: envelope.Event) -> None:
        self.body = envelope.to_json(event)
        self.headers: dict = {}
        self.properties = {"message_id": event.id}

    def ack(self) -> None:
        pass
