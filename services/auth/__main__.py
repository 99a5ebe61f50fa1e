"""python -m services.auth: serve the auth service."""
from services.auth.definition import DEFINITION
from services.common.grpc_server import run_service

if __name__ == "__main__":
    run_service(DEFINITION)
