"""Cold start per function: a fresh process imports functions/<op>/app.py and answers its events/ sample.

Printed next to the floor measured in the same run: a one-route FastAPI + Mangum app that creates a
boto3 DynamoDB client and makes one GetItem. Target: <= 1.15x the floor for functions that do not
match faces. AWS is a moto server on loopback, shared by every process (as DynamoDB would be).

The functions import kycgate as the layer ships it: a copy compiled to unchecked-hash bytecode
(layers/kycgate/Makefile), as the floor's libraries are compiled in site-packages.

Runs come in pairs, and which of the two runs first alternates from pair to pair (floor, function;
function, floor; ...): on the README's VM the second run of a pair was systematically slower, by up
to 12% when the floor ran first every time, which read as the functions' cost. The headline ratio is
the median over the pairs of function / floor; the ratio of the fastest runs (timeit's estimator) is
printed beside it. The first row runs the floor against itself the same way: its ratios show how far
either estimator strays on this machine for identical work. The default number of pairs is even, so
each order counts as often as the other, and pairs are taken in rounds (the i-th pair of every row,
then the next): taken function by function, a slow minute of the VM moved one row by up to 0.19
between two runs.

Floor and functions run with AWS_EXECUTION_ENV as Lambda's python3.11 runtime sets it: kycgate reads
it to pause the cyclic garbage collector during init (kycgate.core.coldstart); the floor does not.

    .venv/bin/python bench/cold_start.py [--runs 20] [--only op1,op2]
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FACE_FUNCTIONS = {"verify_documents", "submit_reuse_kyc_session"}
NOISE_ROW = "floor against itself (noise)"

FLOOR = textwrap.dedent(
    """
    import time, json, os
    t0 = time.perf_counter()
    import boto3
    from fastapi import FastAPI
    from mangum import Mangum
    ddb = boto3.client("dynamodb")
    app = FastAPI()
    @app.get("/api/v1/kyc/preferences")
    def route():
        ddb.get_item(TableName=os.environ["KYCGATE_RECORDS_TABLE"], Key={"PK": {"S": "x"}, "SK": {"S": "y"}})
        return {"ok": True}
    handler = Mangum(app, lifespan="off")
    event = json.load(open(os.environ["BENCH_EVENT"]))
    response = handler(event, None)
    assert response["statusCode"] == 200, response
    print(json.dumps({"seconds": time.perf_counter() - t0, "cpu": time.process_time()}))
    """
)

FUNCTION = textwrap.dedent(
    """
    import time, json, os, importlib.util
    t0 = time.perf_counter()
    spec = importlib.util.spec_from_file_location("app", os.environ["BENCH_APP"])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    class Context:
        function_name = "bench"; function_version = "$LATEST"; memory_limit_in_mb = 1024
        invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
        aws_request_id = "bench"
        def get_remaining_time_in_millis(self): return 29000
    event = json.load(open(os.environ["BENCH_EVENT"]))
    response = module.handler(event, Context())
    status = response.get("statusCode", 200) if isinstance(response, dict) else 200
    print(json.dumps({"seconds": time.perf_counter() - t0, "cpu": time.process_time(), "status": status}))
    """
)


def _pair(index: int, floor: tuple[str, dict[str, str]], other: tuple[str, dict[str, str]]) -> tuple[dict, dict]:
    """(floor run, other run), the floor run first in even pairs and second in odd ones."""
    if index % 2:
        measured = _run(*other)
        return _run(*floor), measured
    return _run(*floor), _run(*other)


def _run(code: str, env: dict[str, str]) -> dict:
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if result.returncode != 0 or not lines:
        raise RuntimeError(f"bench process failed:\n{result.stderr[-2000:]}")
    return json.loads(lines[-1])


def compiled_layer() -> Path:
    """kycgate as the layer ships it: copied and compiled the way layers/kycgate/Makefile does."""
    site = Path(tempfile.mkdtemp(prefix="kycgate-layer-"))
    shutil.copytree(
        ROOT / "layers" / "kycgate" / "kycgate", site / "kycgate", ignore=shutil.ignore_patterns("__pycache__")
    )
    invalidation = compileall.py_compile.PycInvalidationMode.UNCHECKED_HASH
    if not compileall.compile_dir(site, quiet=1, invalidation_mode=invalidation):
        raise RuntimeError("kycgate does not compile")
    return site


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--only", default="")
    args = parser.parse_args()

    # conftest sets test credentials on import; start_moto (below) then points boto3 at the server.
    from kycgate.local import prepare_environment, start_moto
    from tests.conftest import make_tenant
    from tests.integration.test_functions import SEEDERS
    from tests.unit.test_layout import _template_functions

    endpoint = start_moto()
    authorizer_event_path = Path(tempfile.mkdtemp()) / "authorizer.json"

    def fresh_state(op: str) -> None:
        """Empty AWS, the sample tenant, and whatever the op's sample refers to (runs mutate state)."""
        urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"))
        prepare_environment("127.0.0.1", 8000)
        tenant = make_tenant("Sample tenant", tenant_id="ten_sample")
        if op == "authorizer":
            event = json.loads((ROOT / "events" / "authorizer.json").read_text())
            event["headers"]["Authorization"] = f"Bearer {tenant.api_key}"
            authorizer_event_path.write_text(json.dumps(event))
        if op in SEEDERS:
            SEEDERS[op]()

    fresh_state("get_preferences")  # sets the KYCGATE_* table names the subprocesses inherit
    # Both the floor and the functions run as Lambda's python3.11 runtime runs them (core.coldstart reads it).
    env = {
        **os.environ,
        "PYTHONPATH": str(compiled_layer()),
        "POWERTOOLS_TRACE_DISABLED": "true",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
    }
    floor_env = {**env, "BENCH_EVENT": str(ROOT / "events" / "get_preferences.json")}
    print("floor = one-route FastAPI + Mangum app creating a boto3 DynamoDB client and making one GetItem;")
    print(f"{args.runs} pairs per function, taken in rounds over all rows; which runs first alternates.")
    print("x floor: median over the pairs of function / floor, wall time; x cpu: the same in CPU time;")
    print("fastest: fastest function run / fastest floor run (wall). ms: the fastest runs.")
    print(f"{'function':38} {'ms':>6} {'floor ms':>9} {'x floor':>8} {'x cpu':>6} {'fastest':>8}  status")
    only = {o for o in args.only.split(",") if o}
    floor = (FLOOR, floor_env)
    contenders = {NOISE_ROW: floor}
    for op in sorted(_template_functions()):
        if not only or op in only:
            event_path = authorizer_event_path if op == "authorizer" else ROOT / "events" / f"{op}.json"
            fenv = {**env, "BENCH_APP": str(ROOT / "functions" / op / "app.py"), "BENCH_EVENT": str(event_path)}
            contenders[op] = (FUNCTION, fenv)
    pairs: dict[str, list[tuple[dict, dict]]] = {name: [] for name in contenders}
    # Round by round, each row gets its i-th pair: a slow minute of the VM spreads over every row
    # instead of landing on the pairs of one function.
    for i in range(args.runs):
        for name, contender in contenders.items():
            fresh_state("get_preferences" if name == NOISE_ROW else name)
            pairs[name].append(_pair(i, floor, contender))
        print(f"round {i + 1} of {args.runs} done", file=sys.stderr, flush=True)
    worst = worst_cpu = 0.0
    for name, measured in pairs.items():
        result = Comparison.of(measured)
        note = "  (matches faces: target does not apply)" if name in FACE_FUNCTIONS else ""
        if name not in FACE_FUNCTIONS and name != NOISE_ROW:
            worst = max(worst, result.wall)
            worst_cpu = max(worst_cpu, result.cpu)
        print(result.row(name, str(measured[-1][1].get("status", "")), note))
    print(f"worst non-face ratio: wall {worst:.2f}x, cpu {worst_cpu:.2f}x (target <= 1.15x)")


@dataclass(frozen=True)
class Comparison:
    fastest_ms: float
    fastest_floor_ms: float
    wall: float
    cpu: float
    fastest: float

    @classmethod
    def of(cls, pairs: list[tuple[dict, dict]]) -> Comparison:
        floors, runs = [f for f, _ in pairs], [r for _, r in pairs]
        fastest, fastest_floor = min(r["seconds"] for r in runs), min(f["seconds"] for f in floors)
        return cls(
            fastest_ms=fastest * 1000,
            fastest_floor_ms=fastest_floor * 1000,
            wall=statistics.median(r["seconds"] / f["seconds"] for f, r in pairs),
            cpu=statistics.median(r["cpu"] / f["cpu"] for f, r in pairs),
            fastest=fastest / fastest_floor,
        )

    def row(self, name: str, status: str, note: str) -> str:
        return (
            f"{name:38} {self.fastest_ms:6.0f} {self.fastest_floor_ms:9.0f} {self.wall:8.2f} {self.cpu:6.2f} "
            f"{self.fastest:8.2f}  {status}{note}"
        )


if __name__ == "__main__":
    main()
