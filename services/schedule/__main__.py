"""python -m services.schedule: serve the schedule service."""
from services.common.grpc_server import run_service
from services.schedule.definition import DEFINITION

if __name__ == "__main__":
    run_service(DEFINITION)
