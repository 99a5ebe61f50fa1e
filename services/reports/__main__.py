"""python -m services.reports: serve the reports service.

`python -m services.reports reset-read-model` empties the read model and
forgets the applied events; then each source service sends its events again
(`python -m services.common.outbox_replay <source> --to reports`, run where
that service runs: only it reads its own outbox) and the read model is
built anew.
"""
import sys

from services.common.grpc_server import run_service
from services.common.settings import get_settings
from services.reports.definition import DEFINITION
from services.reports.read_model import reset_read_model

if __name__ == "__main__":
    if sys.argv[1:] == ["reset-read-model"]:
        reset_read_model(get_settings())
        print("reports: read model emptied; now replay each source's outbox to reports")
        raise SystemExit(0)
    if sys.argv[1:]:
        print("usage: python -m services.reports [reset-read-model]", file=sys.stderr)
        raise SystemExit(2)
    run_service(DEFINITION)
