"""Where the deployment artifacts live, and facts the tests check them against."""
from __future__ import annotations

import re
import sys
from functools import cache
from pathlib import Path

from services.common.settings import SERVICES, Settings

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
K8S = DEPLOY / "k8s"
COMPOSE_FILE = DEPLOY / "compose.yaml"
DOCKERFILE = DEPLOY / "Dockerfile"
SECRET_EXAMPLE = K8S / "secret.example.yaml"

GRPC_PORT = 50051
METRICS_PORT = 9100
GATEWAY_PORT = 8080

# Who calls whom over gRPC: the NetworkPolicies must allow exactly this.
GRPC_CALLERS: dict[str, set[str]] = {
    "auth": {"gateway", *(name for name in SERVICES if name != "auth")},  # JWKS, revocations
    "journal": {"gateway", "auth"},  # auth asks journal for class members
    "schedule": {"gateway"},
    "notify": {"gateway"},
    "reports": {"gateway"},
}

# Services whose autoscaler also follows their RabbitMQ queue.
QUEUE_SCALED = ("notify", "reports")


def tool(name: str) -> str:
    """A command-line tool installed into the virtual environment by the test extras."""
    path = Path(sys.executable).parent / name
    if not path.exists():
        raise AssertionError(f"{name} is missing: install the test extras (pip install -e '.[test]')")
    return str(path)


@cache
def grpc_service_names() -> dict[str, str]:
    """service -> full gRPC service name, read from protos/ezh/<service>/v1/*.proto."""
    names = {}
    for service in SERVICES:
        for proto in sorted((REPO / "protos" / "ezh" / service / "v1").glob("*.proto")):
            text = proto.read_text()
            package = re.search(r"^package\s+([\w.]+)\s*;", text, re.M)
            declared = re.search(r"^service\s+(\w+Service)\s*\{", text, re.M)
            if package and declared:
                names[service] = f"{package.group(1)}.{declared.group(1)}"
                break
    missing = set(SERVICES) - set(names)
    assert not missing, f"no gRPC service found in the protos of {sorted(missing)}"
    return names


def setting_names() -> set[str]:
    """Every EZH_* variable the settings object reads."""
    return {f"EZH_{name.upper()}" for name in Settings.model_fields}


def validate_settings(environment: dict[str, str]) -> Settings:
    """Raises if the settings object refuses these EZH_* values."""
    unknown = {name for name in environment if name.startswith("EZH_")} - setting_names()
    assert not unknown, f"variables no setting reads: {sorted(unknown)}"
    return Settings(**{name[4:].lower(): value for name, value in environment.items() if name.startswith("EZH_")})
