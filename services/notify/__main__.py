"""python -m services.notify: serve the notify service."""
from services.common.grpc_server import run_service
from services.notify.definition import DEFINITION

if __name__ == "__main__":
    run_service(DEFINITION)
