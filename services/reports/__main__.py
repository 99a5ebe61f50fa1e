"""python -m services.reports: serve the reports service.

`python -m services.reports reset-read-model` empties the read model and
forgets the applied events; then each source service sends its events again
(`python -m services.common.outbox_replay <source> --to reports`, run where
that service runs: only it reads its own outbox) and the read model is
built anew.

`python -m services.reports archive-periods` archives the journal pages of
every study period that has ended and has no archive yet (the service also
does this by itself every hour).
"""
import sys

from services.common.clock import utc_now
from services.common.database import Database
from services.common.grpc_server import run_service
from services.common.settings import get_settings
from services.reports.definition import DEFINITION
from services.reports.printouts import SCHOOL_TIMEZONE, archive_ended_periods
from services.reports.read_model import reset_read_model

if __name__ == "__main__":
    if sys.argv[1:] == ["reset-read-model"]:
        reset_read_model(get_settings())
        print("reports: read model emptied; now replay each source's outbox to reports")
        raise SystemExit(0)
    if sys.argv[1:] == ["archive-periods"]:
        database = Database(get_settings().database_url("reports"))
        try:
            now = utc_now()
            made = archive_ended_periods(database, now.astimezone(SCHOOL_TIMEZONE).date(), now)
        finally:
            database.dispose()
        print(f"reports: {made} period archive(s) made")
        raise SystemExit(0)
    if sys.argv[1:]:
        print("usage: python -m services.reports [reset-read-model | archive-periods]", file=sys.stderr)
        raise SystemExit(2)
    run_service(DEFINITION)
