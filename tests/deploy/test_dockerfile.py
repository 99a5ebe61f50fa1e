"""deploy/Dockerfile: hadolint, the house rules, and its source steps run for real.

No Docker engine here: the image is never built. What can run without one
does: hadolint lints the file, the stages are read and checked, and the
builder's source steps (copy, protoc, compileall) are replayed into a
temporary /app that then serves as the image's /app for migrations and
imports, with the final stage's environment.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib

import pytest

from services.common.settings import SERVICES
from tests.deploy import dockerfile
from tests.deploy.layout import DOCKERFILE, REPO, tool

BUILD_TOOLS = re.compile(r"\b(gcc|g\+\+|cc|clang|make|build-essential|[\w.+-]+-dev|apt-get|apt|pip3?|uv)\b")


@pytest.fixture(scope="module")
def stages() -> list[dockerfile.Stage]:
    return dockerfile.read(DOCKERFILE)


def test_hadolint_finds_nothing():
    result = subprocess.run([tool("hadolint"), str(DOCKERFILE)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_multi_stage_with_a_slim_python_runtime(stages):
    assert len(stages) >= 2, "a builder stage and a runtime stage"
    builder, final = stages[0], stages[-1]
    assert builder.name, "the builder stage is named, so the runtime copies from it by name"
    assert re.fullmatch(r"python:3\.11-slim(-\w+)?(@sha256:[0-9a-f]{64})?", final.base), final.base
    assert builder.base == final.base, "the venv copied across needs the same Python in both stages"


def test_runtime_stage_has_no_build_tools_and_installs_nothing(stages):
    final = stages[-1]
    for run in final.all("RUN"):
        assert not BUILD_TOOLS.search(run.arguments), f"the runtime stage runs build or package tools: {run.arguments}"
    sources = {item.flags().get("from") for item in final.all("COPY")}
    assert sources == {stages[0].name}, "the runtime takes only the builder's output"


def test_runtime_user_is_numeric_and_not_root(stages):
    users = stages[-1].all("USER")
    assert users, "the runtime stage sets USER"
    user = users[-1].arguments.split(":")[0]
    # Kubernetes can only verify runAsNonRoot against a numeric user.
    assert user.isdigit() and int(user) != 0, users[-1].arguments


def test_runtime_environment_fits_a_read_only_root(stages):
    env = stages[-1].environment()
    assert env.get("PYTHONDONTWRITEBYTECODE") == "1"
    assert env.get("TMPDIR") == "/tmp"
    assert env.get("HOME", "").startswith("/tmp")
    assert env.get("EZH_DATA_DIR", "").startswith("/tmp/")
    assert env.get("EZH_ENVIRONMENT") == "district", "the demo seed never runs in a container"
    assert {"/app", "/app/build/gen"} <= set(env.get("PYTHONPATH", "").split(":"))
    builder_runs = " ".join(run.arguments for run in stages[0].all("RUN"))
    assert "compileall" in builder_runs, "bytecode is compiled at build time"


def test_protos_are_generated_like_the_makefile_does(stages):
    runs = " ".join(run.arguments for run in stages[0].all("RUN"))
    assert "grpc_tools.protoc" in runs
    for flag in ("-Iprotos", "--python_out=build/gen", "--grpc_python_out=build/gen", "--pyi_out=build/gen"):
        assert flag in runs, flag
    makefile = (REPO / "Makefile").read_text()
    for flag in ("-Iprotos", "--python_out=$(GEN)", "--grpc_python_out=$(GEN)", "--pyi_out=$(GEN)"):
        assert flag in makefile, f"the Makefile's protoc changed ({flag}); keep the Dockerfile in step"


def test_dependencies_come_from_the_lock_file(stages):
    builder = stages[0]
    copied = " ".join(item.arguments for item in builder.all("COPY"))
    installs = " ".join(run.arguments for run in builder.all("RUN"))
    assert "requirements.lock" in copied and "--requirement requirements.lock" in installs


def test_lock_files_pin_every_declared_dependency_alike():
    from packaging.requirements import Requirement

    root = REPO
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]

    def pins(name: str) -> dict[str, str]:
        lines = (root / name).read_text().splitlines()
        return {line.split("==")[0].lower(): line.split("==")[1] for line in lines if "==" in line and line[0].isalnum()}

    runtime, dev = pins("requirements.lock"), pins("requirements-dev.lock")
    declared = [Requirement(spec) for spec in project["dependencies"]]
    tools = [Requirement(spec) for spec in project["optional-dependencies"]["test"]]

    for requirement in declared:
        name = requirement.name.lower()
        assert name in runtime, f"{name} is not in requirements.lock: run make lock"
        assert requirement.specifier.contains(runtime[name]), f"{name} {runtime[name]} breaks {requirement}"
        assert dev[name] == runtime[name], f"{name}: the two lock files disagree"
    for requirement in tools:
        assert requirement.name.lower() in dev, f"{requirement.name} is not in requirements-dev.lock: run make lock"


def test_every_python_package_of_the_project_is_copied(stages):
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    packages = {pattern.rstrip("*") for pattern in project["tool"]["setuptools"]["packages"]["find"]["include"]}
    copied = {item.words[0].rstrip("/") for item in stages[0].all("COPY") if not item.flags()}
    assert packages <= copied, f"not copied into the image: {sorted(packages - copied)}"
    assert "protos" in copied


def test_the_build_context_lets_in_what_the_builder_copies(stages):
    ignore = (DOCKERFILE.parent / f"{DOCKERFILE.name}.dockerignore").read_text().splitlines()
    rules = [line.strip() for line in ignore if line.strip() and not line.startswith("#")]
    assert rules[0] == "*", "an allow list: everything else stays out of the context"
    allowed = {rule[1:].rstrip("/") for rule in rules if rule.startswith("!")}
    for item in stages[0].all("COPY"):
        if item.flags():
            continue
        for source in item.words[:-1]:
            assert source.rstrip("/*") in allowed, f"{source} is copied but left out of the build context"


def test_default_command_runs_the_gateway(stages):
    cmd = stages[-1].all("CMD")[-1].words
    assert cmd == ["gunicorn", "-c", "gateway/gunicorn.conf.py", "gateway.app:create_app()"]
    assert not stages[-1].all("ENTRYPOINT"), "the orchestrator's command runs as given"


# -- the builder's source steps, replayed ------------------------------------

# Runs code the way the image would: only the replayed /app and the installed
# dependencies are importable, not this checkout (argv[1] is the checkout).
_ISOLATED = """
import runpy, sys
repo = sys.argv.pop(1)
sys.path[:] = [
    p for p in sys.path
    if "__editable__" not in p and not (p.startswith(repo) and not p.startswith(sys.prefix))
]
sys.meta_path[:] = [f for f in sys.meta_path if not getattr(f, "__module__", "").startswith("__editable__")]
"""

_MIGRATE = _ISOLATED + """
runpy.run_module("services.common.migrate", run_name="__main__", alter_sys=True)
"""

_IMPORTS = _ISOLATED + """
import gateway.app, services.common.migrate
from services.common.settings import SERVICES
for name in SERVICES:
    __import__(f"services.{name}.definition")
gateway.app.create_app()
runpy.run_path("gateway/gunicorn.conf.py")
import ezh
app = sys.argv[1]
stray = sorted(
    name for name, module in sys.modules.items()
    if name.split(".")[0] in ("services", "gateway", "ezh")
    and not all(path.startswith(app) for path in (getattr(module, "__path__", None) or [getattr(module, "__file__", "") or app]))
)
assert not stray, f"imported from outside the image's /app: {stray}"
print("imports ok")
"""


@pytest.fixture(scope="module")
def image_app(stages, tmp_path_factory):
    """The builder's /app, made by its own COPY and RUN steps, plus the runtime environment."""
    root = tmp_path_factory.mktemp("image")
    app = root / "app"
    builder = stages[0]
    workdir = None
    for item in builder.instructions:
        if item.keyword == "WORKDIR":
            workdir = item.arguments
        elif workdir == "/app" and item.keyword == "COPY":
            source, target = item.words
            destination = app / target
            if (REPO / source).is_dir():
                shutil.copytree(REPO / source, destination, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(REPO / source, destination)
        elif workdir == "/app" and item.keyword == "RUN":
            app.mkdir(exist_ok=True)
            # The dependency install (before WORKDIR /app) is not replayed:
            # this virtual environment holds the same pyproject dependencies.
            env = {**os.environ, "PATH": f"{os.path.dirname(sys.executable)}:{os.environ['PATH']}"}
            subprocess.run(["sh", "-ec", item.arguments], cwd=app, env=env, check=True, timeout=120)
    assert (app / "build" / "gen" / "ezh").is_dir(), "protoc generated nothing"
    runtime = {key: value.replace("/app", str(app)) for key, value in stages[-1].environment().items() if key != "PATH"}
    env = {key: value for key, value in os.environ.items() if not key.startswith("EZH_")}
    env.update(runtime, TMPDIR=str(root), HOME=str(root), EZH_DATA_DIR=str(root / "data"))
    return app, env


def _files(folder):
    return sorted((str(path), path.stat().st_mtime_ns) for path in folder.rglob("*"))


def test_image_app_migrates_every_database_and_writes_nothing_into_app(image_app, tmp_path):
    app, env = image_app
    before = _files(app)
    databases = {f"EZH_{name.upper()}_DATABASE_URL": f"sqlite:///{tmp_path / name}.sqlite" for name in SERVICES}
    result = subprocess.run(
        [sys.executable, "-c", _MIGRATE, str(REPO), *SERVICES],
        cwd=app, env={**env, **databases}, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for name in SERVICES:
        assert f"{name}: database at head" in result.stdout
    assert _files(app) == before, "the process wrote into /app, which is read-only in the image"


def test_image_app_imports_every_process_from_app_alone(image_app):
    app, env = image_app
    before = _files(app)
    result = subprocess.run(
        [sys.executable, "-c", _IMPORTS, str(REPO), str(app)],
        cwd=app, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0 and "imports ok" in result.stdout, result.stdout + result.stderr
    assert _files(app) == before


def test_image_app_has_the_compose_health_check(image_app):
    app, env = image_app
    result = subprocess.run(
        [sys.executable, "deploy/healthcheck.py"], cwd=app, env=env, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2 and "healthcheck.py grpc" in result.stderr
