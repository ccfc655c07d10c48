"""A function's cold start as Lambda's runtime has it: the collector pause (core.coldstart), a clean log."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

PROBE = "import gc, kycgate; print(gc.isenabled())"


@pytest.mark.parametrize(
    ("execution_env", "collector_runs"),
    [
        ("AWS_Lambda_python3.11", "False"),  # Lambda's managed runtime: paused until the first invocation ends
        (None, "True"),  # tests, `kycgate serve`, the CLI
        ("CloudShell", "True"),  # AWS_EXECUTION_ENV set by something that is not Lambda
    ],
)
def test_import_pauses_the_collector_only_in_lambda(execution_env: str | None, collector_runs: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "AWS_EXECUTION_ENV"}
    if execution_env:
        env["AWS_EXECUTION_ENV"] = execution_env
    result = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == collector_runs


def test_the_first_invocation_resumes_the_collector_however_it_ends(lambda_runtime: None) -> None:
    import gc

    from kycgate.core.coldstart import resumes_collector

    @resumes_collector
    def handler(event: dict, context: object) -> dict:
        raise RuntimeError("first invocation fails")

    with pytest.raises(RuntimeError):
        handler({}, None)
    assert gc.isenabled()
    frozen = gc.get_freeze_count()
    assert frozen > 0
    with pytest.raises(RuntimeError):
        handler({}, None)
    assert gc.get_freeze_count() == frozen  # once: later invocations leave the collector alone


COLD_START = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("app", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
class Context:
    function_name = "f"; function_version = "$LATEST"; memory_limit_in_mb = 1024; aws_request_id = "r"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:f"
response = module.handler(json.load(open(sys.argv[2])), Context())
assert response["statusCode"] == 200, response
"""


def test_a_cold_start_writes_only_json_log_lines() -> None:
    # The page asset function reads no AWS and counts no metric: what it writes is the platform's own.
    env = {**os.environ, "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11"}
    app, event = ROOT / "functions" / "get_page_asset" / "app.py", ROOT / "events" / "get_page_asset.json"
    result = subprocess.run(
        [sys.executable, "-c", COLD_START, str(app), str(event)], env=env, capture_output=True, text=True, check=True
    )
    assert result.stderr == ""
    for line in result.stdout.splitlines():
        json.loads(line)
