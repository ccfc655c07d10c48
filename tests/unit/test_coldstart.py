"""kycgate's import pauses Python's cyclic collector in Lambda only (core.coldstart)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

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
