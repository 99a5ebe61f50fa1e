"""python -m services.reports: serve the reports service."""
from services.common.grpc_server import run_service
from services.reports.definition import DEFINITION

if __name__ == "__main__":
    run_service(DEFINITION)
