# Every target bootstraps .venv on a fresh machine (Debian, Python 3.11, PyPI reachable).
PYTHON ?= python3.11
VENV := .venv
export SAM_CLI_TELEMETRY := 0
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: serve test lint bench build fuzz functions clean

$(STAMP): pyproject.toml layers/kycgate/requirements.txt
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found; install Python 3.11" >&2; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,sface,documents]'
	touch $(STAMP)

serve: $(STAMP)
	$(BIN)/kycgate serve

test: $(STAMP)
	$(BIN)/python -m pytest -q -n auto

# The long run of tests/reliability: >= 200 schemathesis examples per operation and mode (fresh
# randomness), every AWS fault on every AWS call; the figures are printed at the end.
fuzz: $(STAMP)
	KYCGATE_FUZZ_EXAMPLES=200 KYCGATE_FAULTS=all $(BIN)/python -m pytest -q -p no:cacheprovider \
		tests/reliability/test_openapi_fuzz.py tests/reliability/test_aws_faults.py

# One Lambda per route: writes the routes' functions/<op>/app.py, template.yaml's API functions block and
# any missing events/ sample (kycgate/api_functions.py). Run it after adding or changing a route.
functions: $(STAMP)
	$(BIN)/python -m kycgate.api_functions

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/cfn-lint template.yaml
	$(BIN)/sam validate --lint --region us-east-1

build: $(STAMP)
	$(BIN)/sam build --region us-east-1
	$(BIN)/python -c 'import pathlib, sys; layer = pathlib.Path(".aws-sam/build/KycgateLayer/python/kycgate"); \
	missing = [str(p) for p in layer.rglob("*.py") if not (p.parent / "__pycache__" / f"{p.stem}.cpython-311.pyc").is_file()]; \
	sys.exit(f"the layer ships no bytecode for {missing[:3]}" if missing or not layer.is_dir() else 0)'

bench: $(STAMP)
	$(BIN)/python bench/cold_start.py
	$(BIN)/python bench/webhooks.py

clean:
	rm -rf $(VENV) .aws-sam .pytest_cache .ruff_cache
