"""Re-Use KYC latency: create (decide + open a session) and submit (judge a selfie), in process.

The full kycgate app runs under Starlette's TestClient on in-process moto (built from template.yaml),
as in the tests. Printed beside a baseline measured in the same run and setup: a one-route FastAPI
app answering a trivial GET. The face comparison alone is timed on the matcher (sface, template of the
approved selfie vs. a 0.6 MB phone-sized JPEG), since it is most of a submit.
Local mode's tenant routes also look the API key up in DynamoDB (one GetItem that API Gateway's cached
authorizer does in AWS), so create carries one call more here than behind API Gateway.

    .venv/bin/python bench/reuse_kyc.py [--runs 300] [--submits 40]
"""

from __future__ import annotations

import argparse
import base64
import os
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
FACES = ROOT / "tests" / "fixtures" / "faces"  # the test photos (MIT, tests/fixtures/README.md)
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)


def _b64(name: str) -> str:
    return base64.b64encode((FACES / name).read_bytes()).decode()


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered), p99


class AwsTimer:
    """Seconds spent inside DynamoDB and S3 calls (moto here), to show kycgate's own share apart."""

    def __init__(self) -> None:
        self.spent = 0.0
        self._started: dict[int, float] = {}

    def attach(self, client: Any, service: str) -> None:
        client.meta.events.register(f"before-call.{service}.*", self._before)
        client.meta.events.register(f"after-call.{service}.*", self._after)

    def _before(self, **_: Any) -> None:
        self._started[threading.get_ident()] = time.perf_counter()

    def _after(self, **_: Any) -> None:
        self.spent += time.perf_counter() - self._started.pop(threading.get_ident())

    def take(self) -> float:
        spent, self.spent = self.spent, 0.0
        return spent


AWS = AwsTimer()


def _time(
    action: Callable[[Any], Any],
    runs: int,
    warmup: int = 5,
    prepare: Callable[[int], Any] | None = None,
    after: Callable[[Any], None] | None = None,
) -> list[tuple[float, float]]:
    """(wall seconds, of which in AWS calls) of ``action(prepare(i))`` per run (``action(i)`` without
    ``prepare``); ``prepare`` and ``after(result)`` run untimed."""
    samples = []
    for i in range(-warmup, runs):
        argument = prepare(i) if prepare is not None else i
        AWS.take()
        start = time.perf_counter()
        result = action(argument)
        elapsed = time.perf_counter() - start
        if i >= 0:
            samples.append((elapsed, AWS.take()))
        if after is not None:
            after(result)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=300, help="requests per create/baseline measurement")
    parser.add_argument("--submits", type=int, default=40, help="submits per outcome (each runs the face model)")
    args = parser.parse_args()

    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_DEFAULT_REGION": "us-east-1",
            "KYCGATE_FACE_MATCHER": "sface",
            "POWERTOOLS_METRICS_NAMESPACE": "kycgate",
        }
    )
    os.environ.pop("AWS_ENDPOINT_URL", None)
    from fastapi import FastAPI
    from fastapi.testclient import TestClient
    from moto import mock_aws

    with mock_aws():
        from kycgate.app import create_app
        from kycgate.core.aws import reset_clients
        from kycgate.core.settings import get_settings
        from kycgate.infra import provision

        reset_clients()
        os.environ.update(provision().env())
        get_settings.cache_clear()
        from tests.conftest import make_tenant

        tenant = make_tenant("Bench tenant")
        headers = tenant.headers
        app = TestClient(create_app())

        bare = FastAPI()

        @bare.get("/ping")
        def ping() -> dict[str, bool]:
            return {"ok": True}

        baseline_client = TestClient(bare)

        # A customer KYC'd through the real routes: passport obama_1, selfie obama_2.
        assert (
            app.post(
                "/api/v1/kyc/customers", headers=headers, json={"customer_id": "obama", "birthday": "1961-08-04"}
            ).status_code
            == 201
        )
        verified = app.post(
            "/api/v1/kyc/documents/verify",
            headers=headers,
            json={
                "customer_id": "obama",
                "document_type": "passport",
                "document_front": _b64("obama_1.jpg"),
                "selfie": _b64("obama_2.jpg"),
            },
        )
        assert verified.json()["status"] == "approved", verified.text
        preferences = {
            "is_reuse_kyc_enabled": True,
            "reuse_kyc_triggers": {"withdrawal": {"enabled": True, "threshold": 1000}},
            "reuse_kyc_reactions": {"max_retry_attempts": 10},
        }
        assert app.patch("/api/v1/kyc/preferences", headers=headers, json=preferences).status_code == 200

        def create(reference: str, amount: float) -> dict[str, Any]:
            body = {"reference": reference, "customer_id": "obama", "event": "withdrawal", "amount": amount}
            response = app.post("/api/v1/kyc/reuse/sessions", headers=headers, json=body)
            assert response.status_code == 200, response.text
            return response.json()

        def forget(response: dict[str, Any]) -> None:
            # moto snapshots (deep-copies) every table a transaction touches, so its cost grows with the
            # table; DynamoDB's does not. Dropping each new session keeps moto's cost flat.
            from kycgate.core import ids
            from kycgate.core.dynamo import ddb, key, sessions_table
            from kycgate.handoff import store as handoff_store
            from kycgate.reuse import store

            digest = ids.digest(response["token"])
            for pk, sk in (
                (store.session_pk(tenant.tenant_id, response["reference"]), store.SESSION_SK),
                (store.token_pk(digest), store.TOKEN_SK),
                (handoff_store.handoff_pk(digest), handoff_store.HANDOFF_SK),
            ):
                ddb().delete_item(TableName=sessions_table(), Key=key(pk, sk))

        from kycgate.core.aws import client

        AWS.attach(client("dynamodb"), "dynamodb")
        AWS.attach(client("s3"), "s3")
        results: dict[str, list[tuple[float, float]]] = {}
        results["baseline GET (bare FastAPI)"] = _time(lambda i: baseline_client.get("/ping"), args.runs)
        results["create: required (new session)"] = _time(lambda i: create(f"new-{i}", 5000), args.runs, after=forget)
        create("replayed", 5000)
        results["create: idempotent replay"] = _time(lambda i: create("replayed", 5000), args.runs)
        results["create: below threshold"] = _time(lambda i: create(f"small-{i}", 10), args.runs)

        probes = {"approved": _b64("obama_3.jpg"), "declined": _b64("biden_1.jpg")}
        for outcome, proof in probes.items():

            def submit(opened: dict[str, Any], proof: str = proof, outcome: str = outcome) -> dict[str, Any]:
                response = app.post(
                    "/api/v1/kyc/reuse/sessions/submit",
                    headers={"User-Agent": IPHONE},
                    json={"token": opened["token"], "proof": proof},
                )
                assert response.json()["status"] == outcome, response.text
                return opened

            name = f"submit: {outcome} ({'obama_3' if outcome == 'approved' else 'biden_1'})"
            results[name] = _time(
                submit,
                args.submits,
                warmup=2,
                prepare=lambda i, outcome=outcome: create(f"{outcome}-{i}", 5000),
                after=forget,
            )

        from kycgate.faces import get_matcher
        from kycgate.kyc.reference import preferences_and_customer, reference_face

        _, customer = preferences_and_customer(tenant.tenant_id, "obama")
        face = reference_face("obama", customer)
        assert face is not None and face.template is not None
        matcher = get_matcher()
        probe = (FACES / "obama_3.jpg").read_bytes()
        results["face compare only (template vs obama_3)"] = _time(
            lambda i: matcher.compare_template(face.template, probe), args.submits, warmup=2
        )

    base_p50, _ = _percentiles([wall for wall, _ in results["baseline GET (bare FastAPI)"]])
    print(
        f"{'measurement':42} {'n':>4} {'p50 ms':>8} {'p99 ms':>8} {'x base':>7}  {'p50 ms excl. AWS':>16} {'x base':>7}"
    )
    for name, samples in results.items():
        p50, p99 = _percentiles([wall for wall, _ in samples])
        own, _ = _percentiles([wall - aws for wall, aws in samples])
        print(
            f"{name:42} {len(samples):4d} {p50 * 1000:8.2f} {p99 * 1000:8.2f} {p50 / base_p50:6.1f}x"
            f"  {own * 1000:16.2f} {own / base_p50:6.1f}x"
        )


if __name__ == "__main__":
    main()
