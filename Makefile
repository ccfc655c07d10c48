# Every target bootstraps .venv on a fresh machine (Debian, Python 3.11, PyPI reachable).
PYTHON ?= python3.11
VENV := .venv
export SAM_CLI_TELEMETRY := 0
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: serve test lint bench build fuzz clean

$(STAMP): pyproject.toml layers/kycgate/requirements.txt
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found; install Python 3.11" >&2; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

serve: $(STAMP)
	$(BIN)/kycgate serve

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/cfn-lint template.yaml
	$(BIN)/sam validate --lint --region us-east-1

build: $(STAMP)
	$(BIN)/sam build --region us-east-1

bench: $(STAMP)
	$(BIN)/python bench/cold_start.py

clean:
	rm -rf $(VENV) .aws-sam .pytest_cache .ruff_cache
