# rls-monitor: set-up, tests, demo and benchmarks. Everything installs through pyproject.toml.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install test lint typecheck demo bench firmware clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq --upgrade pip

# -qq: errors only. The build backend's warnings (setuptools' "Editable installation" banner) are
# not for the person running `make demo`; a failing install still prints why.
$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -qq -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/python -m pytest -q

demo: $(STAMP)
	$(BIN)/python -m rls_monitor.demo --out out/demo

bench: $(STAMP)
	$(BIN)/python -m benchmarks

# The band's C firmware (firmware_host/c/README.md): host build with sanitizers and the Cortex-M4F
# build, the unit tests on both (the target's under QEMU), the comparisons with the Python model,
# and the firmware's flash and RAM sizes.
firmware: $(STAMP)
	$(MAKE) -C firmware_host/c all PYTHON=$(abspath $(BIN)/python)
	$(BIN)/python -m pytest -q tests/firmware_host/test_c_firmware.py tests/firmware_host/test_c_target.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
