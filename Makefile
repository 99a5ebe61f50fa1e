# ezh — the two commands of the quick start are `make up` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
GEN := build/gen
PROTOS := $(shell find protos -name '*.proto')
PROTOS_STAMP := $(GEN)/.stamp
BUF := build/tools/node_modules/.bin/buf
AXE := build/tools/node_modules/axe-core/axe.min.js
CHROMIUM := /usr/bin/chromium

.PHONY: bench-schedule bench-notify bench-reports up test protos lint lint-protos lint-python lock migrate unit integration clean bench

up: $(INSTALLED) $(PROTOS_STAMP)
	$(PY) -m services.embedded

# On a machine with cores to spare: make test PYTEST_ARGS="-n 4 --dist loadgroup" (pytest-xdist; the
# browser tests keep to one worker). On two cores the suite is fastest in one process.
PYTEST_ARGS ?=

test: $(INSTALLED) $(PROTOS_STAMP) lint-protos lint-python $(CHROMIUM) $(AXE)
	$(PY) -m pytest $(PYTEST_ARGS)

unit: $(INSTALLED) $(PROTOS_STAMP)
	$(PY) -m pytest tests/unit

migrate: $(INSTALLED) $(PROTOS_STAMP)
	$(PY) -m services.common.migrate

protos: $(PROTOS_STAMP)

lint: lint-protos lint-python

lint-python: $(INSTALLED)
	$(PY) -m ruff check services gateway tests bench

# The virtual environment with the project and its test tools; the two .pth
# files put the source tree and the generated protobuf code on sys.path.
$(INSTALLED): pyproject.toml requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	$(PY) -c 'import sysconfig, pathlib; site = pathlib.Path(sysconfig.get_paths()["purelib"]); \
	  (site / "ezh-protos.pth").write_text("$(CURDIR)/$(GEN)\n")'
	touch $@

# Python code generated from protos/: never edited by hand, never committed.
$(PROTOS_STAMP): $(PROTOS) $(INSTALLED)
	rm -rf $(GEN) && mkdir -p $(GEN)
	$(PY) -m grpc_tools.protoc -Iprotos --python_out=$(GEN) --grpc_python_out=$(GEN) --pyi_out=$(GEN) $(PROTOS)
	touch $@

# buf (from the npm registry; the package ships its binary) checks the protos
# against buf's STANDARD lint rules.
$(BUF):
	mkdir -p build/tools
	npm install --silent --prefix build/tools @bufbuild/buf@1.75.0

# The browser tests (tests/browser) drive Debian's Chromium through Playwright
# and check each page with axe-core (from the npm registry).
$(CHROMIUM):
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver

$(AXE):
	mkdir -p build/tools
	npm install --silent --prefix build/tools axe-core@4.14.1

lint-protos: $(BUF)
	cd protos && ../$(BUF) lint

# Pinned dependencies: requirements.lock (the image) and requirements-dev.lock
# (make test: the same pins plus the test tools). Run after editing pyproject.toml.
lock: $(INSTALLED)
	$(PY) -m pip install --quiet pip-tools
	$(VENV)/bin/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links \
	  --output-file requirements.lock pyproject.toml
	$(VENV)/bin/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links --extra test \
	  --constraint requirements.lock --output-file requirements-dev.lock pyproject.toml

# The journal's benchmark through the gateway: a school of 1,000 students on
# PostgreSQL (EZH_BENCH_POSTGRES_URL, default the local server); prints
# p50/p95/p99 and requests per second.
bench: $(INSTALLED) $(PROTOS_STAMP)
	$(PY) -m bench.journal_bench

# The schedule solver on a 30-class school and week reads through the gateway (prints figures).
bench-schedule: $(INSTALLED) $(PROTOS_STAMP)
	$(PY) -m bench.schedule_bench

# notify: 200 marks/s for 60 s through the gateway to the parent's inbox (C1), then its consumer alone.
bench-notify: $(INSTALLED) $(PROTOS_STAMP)
	$(PY) -m bench.notify_bench --rate 200 --duration 60 --gunicorn
	$(PY) -m bench.notify_consumer_bench

# reports at the issue's size (20 schools × 1,000 students, ~7 GiB of PostgreSQL, 15–20 minutes).
bench-reports: $(INSTALLED) $(PROTOS_STAMP)
	$(PY) -m bench.reports_bench

clean:
	rm -rf $(VENV) build
