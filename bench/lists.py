"""List latency and items read per page at 100, 10,000 and 100,000 KYC requests, in process on moto.

For each size a tenant of its own gets that many KYC request rows, seeded fast with BatchWriteItem in
the exact shape kyc.store writes (table keys, GSI1 and the filter indexes GSI3-5), and the counter
item the writes would have left (seeding row by row through the API would take hours on moto). Then
GET /api/v1/kyc/requests through the full app (Starlette TestClient) is timed:
- page 1, page_size 20 (the total from the counters);
- the next page through pagination.cursor;
- page 1 of a status filter (GSI3).
Items read are DynamoDB's own ScannedCount of every Query the request made, plus the counter items.
The baseline, in the same run on the same rows, is the old approach (core.dynamo.query_index over the
tenant's whole index partition, then the page sliced from it and its length the total), for page 1.

    .venv/bin/python bench/lists.py [--sizes 100,10000,100000] [--runs 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "layers" / "kycgate"))

STATUSES = ("approved", "declined", "in_review", "pending_submission")


class ReadCounter:
    """Items DynamoDB read for the calls made while counting (Query ScannedCount, BatchGetItem items)."""

    def __init__(self) -> None:
        self.items = 0
        self.calls = 0
        self.inside = 0.0  # seconds inside DynamoDB calls (moto's own work here)
        self._began = 0.0

    def before(self, **_: Any) -> None:
        self._began = time.perf_counter()

    def __call__(self, http_response: Any, parsed: Any, model: Any, **_: Any) -> None:
        self.inside += time.perf_counter() - self._began
        self.calls += 1
        if model.name == "Query":
            self.items += parsed.get("ScannedCount", 0)
        elif model.name == "BatchGetItem":
            self.items += sum(len(v) for v in parsed.get("Responses", {}).values())
        elif model.name == "GetItem":
            self.items += 1 if parsed.get("Item") else 0


def seed(tenant_id: str, rows: int) -> None:
    """``rows`` KYC requests, one second apart, statuses in turn; and their counter item."""
    from kycgate.core import counters
    from kycgate.core.dynamo import ddb, records_table, to_item
    from kycgate.core.tenants import tenant_pk
    from kycgate.kyc import store

    start = 1_700_000_000
    requests: list[dict[str, Any]] = []
    for i in range(rows):
        kyc_id = f"kyc_{i:012x}"
        created = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(start + i))
        status = STATUSES[i % len(STATUSES)]
        customer_id = f"cust-{i % 1000}"
        sort_key = f"{created}#{kyc_id}"
        requests.append(
            {
                "PK": store.kyc_request_pk(tenant_id, kyc_id),
                "SK": store.KYC_REQUEST_SK,
                "GSI1PK": store.kyc_requests_index_pk(tenant_id),
                "GSI1SK": sort_key,
                "GSI3PK": store.kyc_requests_status_pk(tenant_id, status),
                "GSI3SK": sort_key,
                "GSI4PK": store.kyc_requests_customer_pk(tenant_id, customer_id),
                "GSI4SK": sort_key,
                "GSI5PK": store.kyc_requests_document_type_pk(tenant_id, "passport"),
                "GSI5SK": sort_key,
                "kyc_id": kyc_id,
                "tenant_id": tenant_id,
                "customer_id": customer_id,
                "document_type": "passport",
                "status": status,
                "proofs": [],
                "risk_score": 10,
                "risk_level": "low",
                "created_at": created,
                "updated_at": created,
            }
        )
    totals = {"total": rows, "document_type#passport": rows}
    for i, status in enumerate(STATUSES):
        totals[f"status#{status}"] = len(range(i, rows, len(STATUSES)))
    requests.append({"PK": tenant_pk(tenant_id), "SK": counters.counter_sk(store.KYC_REQUESTS_COUNTER), **totals})
    table = records_table()
    for begin in range(0, len(requests), 25):
        batch = [{"PutRequest": {"Item": to_item(item)}} for item in requests[begin : begin + 25]]
        pending: dict[str, Any] = {table: batch}
        while pending:
            pending = ddb().batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}


def measure(call: Any, counter: ReadCounter, runs: int) -> tuple[float, float, int, float]:
    """(median ms, p95 ms, items read per call, median ms outside DynamoDB calls)."""
    samples, outside = [], []
    counter.items = counter.calls = 0
    for _ in range(runs):
        counter.inside = 0.0
        began = time.perf_counter()
        call()
        samples.append((time.perf_counter() - began) * 1000)
        outside.append(samples[-1] - counter.inside * 1000)
    ordered = sorted(samples)
    return (
        statistics.median(ordered),
        ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))],
        counter.items // runs,
        statistics.median(outside),
    )


def old_page_one(partition: str) -> tuple[list[dict[str, Any]], int]:
    """The approach lists had before core.listing: read the whole partition, slice page 1, count it."""
    from kycgate.core.dynamo import query_index, records_table

    items = query_index(records_table(), partition)
    return items[:20], len(items)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100,10000,100000")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--baseline-runs", type=int, default=1, help="runs of the old approach")
    parser.add_argument(
        "--baseline-max-rows",
        type=int,
        default=10_000,
        help="largest size the old approach runs at (moto answers it in time quadratic in the rows: ~22 s at 10k)",
    )
    args = parser.parse_args()
    sizes = [int(part) for part in args.sizes.split(",")]

    os.environ.update(
        {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1"}
    )
    os.environ.pop("AWS_ENDPOINT_URL", None)
    from fastapi.testclient import TestClient
    from moto import mock_aws

    with mock_aws():
        from kycgate.app import create_app
        from kycgate.core.aws import client as aws_client
        from kycgate.core.aws import reset_clients
        from kycgate.core.settings import get_settings
        from kycgate.infra import provision
        from kycgate.kyc import store

        reset_clients()
        os.environ.update(provision().env())
        get_settings.cache_clear()
        from tests.conftest import make_tenant

        app = TestClient(create_app())
        counter = ReadCounter()
        aws_client("dynamodb").meta.events.register("before-call.dynamodb", counter.before)
        aws_client("dynamodb").meta.events.register("after-call.dynamodb", counter)
        path = "/api/v1/kyc/requests"
        print(f"{'rows':>8} {'list':<22} {'median ms':>10} {'p95 ms':>8} {'outside moto':>13} {'items read':>11}")
        results: dict[int, dict[str, tuple[float, float, int, float]]] = {}
        for size in sizes:
            tenant = make_tenant(f"Bench {size}")
            began = time.perf_counter()
            seed(tenant.tenant_id, size)
            seeded = time.perf_counter() - began
            headers = tenant.headers

            def page_one(headers: dict[str, str] = headers, **params: Any) -> dict[str, Any]:
                response = app.get(path, headers=headers, params={"page_size": 20, **params})
                assert response.status_code == 200, response.text
                return response.json()

            first = page_one()
            assert first["pagination"]["total"] == size, first["pagination"]
            cursor = first["pagination"]["cursor"]
            # The API key lookup of local mode (one GetItem; API Gateway's cached authorizer in AWS) is
            # counted once per request; subtracted so the figures are the list's own reads.
            rows = {
                "page 1": measure(page_one, counter, args.runs),
                "next page (cursor)": measure(partial(page_one, cursor=cursor), counter, args.runs),
                "status filter page 1": measure(partial(page_one, status="in_review"), counter, args.runs),
            }
            partition = store.kyc_requests_index_pk(tenant.tenant_id)
            if size <= args.baseline_max_rows:
                old = partial(old_page_one, partition)
                rows["old: page 1"] = measure(old, counter, args.baseline_runs)
            results[size] = rows
            for name, (median, p95, items, outside) in rows.items():
                own = items - (1 if not name.startswith("old") else 0)
                print(f"{size:>8} {name:<22} {median:>10.1f} {p95:>8.1f} {outside:>13.1f} {own:>11}")
            if "old: page 1" not in rows:
                print(f"{size:>8} {'old: page 1':<22} not run (--baseline-max-rows); it reads all {size} rows")
            print(f"{'':>8} (seeded {size} rows in {seeded:.1f} s)")
        smallest, largest = min(sizes), max(sizes)
        for name in ("page 1", "next page (cursor)"):
            ratio = results[largest][name][0] / results[smallest][name][0]
            own = results[largest][name][3] / results[smallest][name][3]
            reads = results[largest][name][2] / results[smallest][name][2]
            print(
                f"{largest} rows / {smallest} rows, {name}: latency {ratio:.2f}x, outside moto {own:.2f}x, "
                f"items read {reads:.2f}x"
            )
        for size, rows in results.items():
            if "old: page 1" in rows:
                new, baseline = rows["page 1"], rows["old: page 1"]
                reads = baseline[2] / max(new[2] - 1, 1)
                print(f"at {size} rows, old/new page 1: latency {baseline[0] / new[0]:.1f}x, items read {reads:.1f}x")


if __name__ == "__main__":
    main()
