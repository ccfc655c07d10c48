"""The `expired` reuse_kyc callback: sent once for a session that lapsed unfinished, never for a finished one."""

from __future__ import annotations

import json
from typing import Any

from kycgate.core import clock
from tests.conftest import load_event, load_function
from tests.integration.kyc_support import dynamodb_calls, records_with_sk
from tests.integration.reuse_support import PUBLIC_HOOK, enable, kyc_customer, open_session, status, submit

HOOKED = {"callback_url": PUBLIC_HOOK}


def sweep(lambda_context: Any) -> int:
    return load_function("reuse_expiry_sweeper")(load_event("reuse_expiry_sweeper"), lambda_context)["expired"]


def callbacks(status_: str) -> list[dict[str, Any]]:
    bodies = [(d, json.loads(d["body"])) for d in records_with_sk("DELIVERY")]
    return [body for d, body in bodies if body["status"] == status_ and d["event"] == "reuse_kyc"]


def test_a_lapsed_session_sends_one_expired_callback(client: Any, tenant_a: Any, lambda_context: Any) -> None:
    kyc_customer(client, tenant_a)
    enable(client, tenant_a, max_retry_attempts=2)
    tried = open_session(client, tenant_a, "tried", **HOOKED)
    assert submit(client, tried["token"], "biden_1.jpg").json()["status"] == "declined"
    approved = open_session(client, tenant_a, "approved", **HOOKED)
    assert submit(client, approved["token"], "obama_3.jpg").json()["status"] == "approved"
    exhausted = open_session(client, tenant_a, "exhausted", **HOOKED)
    for _ in range(3):
        submit(client, exhausted["token"], "biden_1.jpg")
    open_session(client, tenant_a, "untouched", **HOOKED)
    open_session(client, tenant_a, "no-hook")
    assert sweep(lambda_context) == 0  # nothing has lapsed yet

    clock.travel(600 + 30)  # lapsed, but inside the sweeper's grace: a submit may still be committing
    assert sweep(lambda_context) == 0
    clock.travel(60)
    # A reference reused once lapsed holds a new session: the old one's callback is still sent.
    reopened = open_session(client, tenant_a, "untouched", **HOOKED)
    with dynamodb_calls() as calls:
        assert sweep(lambda_context) == 2
    assert "Scan" not in calls
    assert sweep(lambda_context) == 0  # run twice: still one callback each

    expired = sorted(callbacks("expired"), key=lambda body: body["reference"])
    assert [(body["reference"], body["data"]["retries_remaining"]) for body in expired] == [
        ("tried", 2),
        ("untouched", 3),
    ]
    assert expired[0] == {**status(client, tenant_a, "tried").json()}  # the same shape as the status answers
    assert expired[1]["resource_id"] != status(client, tenant_a, "untouched").json()["resource_id"]
    assert "declined_reason" not in expired[0]
    assert submit(client, tried["token"], "obama_3.jpg").status_code == 410

    clock.travel(24 * 3600)  # the next day: the reopened session lapsed too, once
    assert sweep(lambda_context) == 1
    assert sweep(lambda_context) == 0
    assert reopened["reference"] in {body["reference"] for body in callbacks("expired")}
    assert len(callbacks("expired")) == 3
