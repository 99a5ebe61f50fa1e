"""python -m services.journal: serve the journal service."""
from services.common.grpc_server import run_service
from services.journal.definition import DEFINITION

if __name__ == "__main__":
    run_service(DEFINITION)
