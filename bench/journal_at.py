"""The journal service as its own process on a fixed clock, for benchmarks of the demo seeded for a fixed day.

    .venv/bin/python -m bench.journal_at 2026-11-27T10:00:00+00:00

Settings come from the EZH_* variables, as for `python -m services.journal`.
"""
from __future__ import annotations

import datetime as dt
import sys

from services.common.grpc_server import run_service
from services.journal.definition import journal_definition


def main() -> None:
    moment = dt.datetime.fromisoformat(sys.argv[1])
    if moment.tzinfo is None:
        raise SystemExit("the moment needs its UTC offset, e.g. 2026-11-27T10:00:00+00:00")
    run_service(journal_definition(lambda: moment))


if __name__ == "__main__":
    main()
