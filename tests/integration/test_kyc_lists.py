"""Lists at scale and the overview, over HTTP: cursors, index-served filters, counters kept by the writes.

One rich run (module fixture): ~200 mixed operations on tenant A, 40 of them concurrent (20 customer
creates, 20 submit links), then every total, filter and overview count checked against a recount of
the rows in the table.
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest

from kycgate.core import clock
from tests.conftest import atomic_moto
from tests.integration.documents_support import open_link
from tests.integration.kyc_support import KYC, create_customer, records_with_sk, review_band, verify
from tests.integration.reuse_support import enable, open_session, submit

LINKED = [f"link-{i:02d}" for i in range(20)]  # submit links issued concurrently


def _get(client: Any, tenant: Any, path: str, **params: Any) -> Any:
    response = client.get(f"{KYC}{path}", headers=tenant.headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def _walk(client: Any, tenant: Any, path: str, page_size: int = 7, **filters: Any) -> list[dict[str, Any]]:
    """Every item of a list, following the cursors; checks each page's pagination on the way."""
    first = _get(client, tenant, path, page_size=page_size, **filters)
    items, pagination = list(first["items"]), first["pagination"]
    pages = 1
    while pagination["cursor"]:
        page = _get(client, tenant, path, page_size=page_size, cursor=pagination["cursor"], **filters)
        pages += 1
        assert page["pagination"]["page"] == pages
        assert page["pagination"]["total"] == first["pagination"]["total"]
        items += page["items"]
        pagination = page["pagination"]
    assert len(items) == first["pagination"]["total"]
    assert pages == max(first["pagination"]["total_pages"], 1)
    return items


@pytest.fixture
def world(client: Any, tenant_a: Any, tenant_b: Any) -> dict[str, Any]:
    decisions: Counter[str] = Counter()
    with atomic_moto(), ThreadPoolExecutor(max_workers=20) as pool:
        created = list(pool.map(lambda i: create_customer(client, tenant_a, f"conc-{i:02d}"), range(20)))
        assert len(created) == 20
        links = list(pool.map(lambda customer: _link_after_create(client, tenant_a, customer), LINKED))
        assert len({link["kyc_id"] for link in links}) == 20
    for i in range(100):
        create_customer(client, tenant_a, f"seq-{i:03d}")
    create_customer(client, tenant_b, "b-only")
    for customer, selfie in (("seq-000", "obama_2.jpg"), ("seq-001", "obama_2.jpg"), ("seq-002", "biden_1.jpg")):
        response = verify(client, tenant_a, customer, selfie=selfie)
        assert response.status_code == 201, response.text
        decisions[response.json()["status"]] += 1
    with review_band():
        reviewed = verify(client, tenant_a, "seq-003").json()
    assert reviewed["status"] == "in_review"
    decision = client.patch(
        f"{KYC}/requests/{reviewed['kyc_id']}/status", headers=tenant_a.headers, json={"status": "declined"}
    )
    assert decision.status_code == 200, decision.text
    decisions["declined"] += 1
    with review_band():
        assert verify(client, tenant_a, "seq-004").json()["status"] == "in_review"
    enable(client, tenant_a, max_retry_attempts=0)  # one failed Re-Use KYC face raises an alert
    alerts = []
    for reference, customer in (("r-1", "seq-000"), ("r-2", "seq-001")):
        token = open_session(client, tenant_a, reference, customer_id=customer)["token"]
        alerts.append(submit(client, token, "biden_1.jpg").json()["data"]["alert_id"])
    resolved = client.patch(f"{KYC}/alerts/{alerts[0]}", headers=tenant_a.headers, json={"status": "resolved"})
    assert resolved.status_code == 200, resolved.text
    approved = _get(client, tenant_a, "/requests", status="approved")["items"][0]
    more = client.post(
        f"{KYC}/requests/{approved['kyc_id']}/additional-documents",
        headers=tenant_a.headers,
        json={"document_types": ["proof_of_address"], "message": "A recent utility bill, please."},
    )
    assert more.status_code == 200, more.text
    clock.travel(15 * 60 + 1)  # the links lapse: a new link for five customers expires their old request
    for customer in LINKED[:5]:
        open_link(client, tenant_a, customer)
    for i in range(40):  # list reads in the mix
        _get(client, tenant_a, "/customers", page_size=5, page=1 + i % 3)
    return {"decisions": decisions}


def _link_after_create(client: Any, tenant: Any, customer_id: str) -> dict[str, Any]:
    create_customer(client, tenant, customer_id)
    return open_link(client, tenant, customer_id)


def test_totals_filters_and_overview_equal_a_recount(client: Any, tenant_a: Any, world: dict[str, Any]) -> None:
    tenant_prefix = f"T#{tenant_a.tenant_id}#"
    customers = [c for c in records_with_sk("CUSTOMER") if c["PK"].startswith(tenant_prefix)]
    requests = [r for r in records_with_sk("KYC_REQUEST") if r["PK"].startswith(tenant_prefix)]
    assert len(customers) == 140 and len(requests) == 30

    listed = _walk(client, tenant_a, "/customers")
    assert [c["customer_id"] for c in listed] == [
        c["customer_id"] for c in sorted(customers, key=lambda c: (c["created_at"], c["customer_id"]), reverse=True)
    ]
    for status, count in Counter(c["kyc_status"] for c in customers).items():
        walked = _walk(client, tenant_a, "/customers", kyc_status=status)
        assert len(walked) == count and {c["kyc_status"] for c in walked} == {status}

    for status, count in Counter(r["status"] for r in requests).items():
        assert len(_walk(client, tenant_a, "/requests", page_size=4, status=status)) == count
    assert len(_walk(client, tenant_a, "/requests", document_type="passport")) == len(requests)
    assert [r["customer_id"] for r in _walk(client, tenant_a, "/requests", customer_id="link-00")] == ["link-00"] * 2
    newest = max(r["created_at"] for r in requests)
    ranged = _walk(client, tenant_a, "/requests", created_from=newest, status="pending_submission")
    assert len(ranged) == sum(1 for r in requests if r["created_at"] >= newest and r["status"] == "pending_submission")

    today = datetime.fromtimestamp(clock.now(), tz=UTC).date().isoformat()
    overview = _get(client, tenant_a, "/overview", **{"from": today, "to": today})
    recount = Counter(r["status"] for r in requests)
    assert overview["by_status"] == {status: recount.get(status, 0) for status in overview["by_status"]}
    risk = Counter(r["risk_level"] for r in requests if r.get("risk_level"))
    assert overview["by_risk_level"] == {level: risk.get(level, 0) for level in ("low", "medium", "high")}
    assert overview["total_requests"] == len(requests) and overview["total_customers"] == len(customers)
    held = Counter(c["kyc_status"] for c in customers)
    assert overview["customers_by_status"] == {s: held.get(s, 0) for s in overview["customers_by_status"]}
    decisions = world["decisions"]
    assert (overview["approvals"], overview["declines"]) == (decisions["approved"], decisions["declined"])
    assert overview["daily"] == [{"date": today, "approvals": decisions["approved"], "declines": decisions["declined"]}]
    alerts = Counter(a["status"] for a in records_with_sk("ALERT") if a["PK"].startswith(tenant_prefix))
    assert (overview["open_alerts"], overview["total_alerts"]) == (alerts["open"] + alerts["in_review"], 2)
    assert overview["open_alerts"] == 1
    assert len(_walk(client, tenant_a, "/alerts", page_size=1)) == 2  # the alert list pages the same way
    yesterday = _get(client, tenant_a, "/overview", to="2000-01-01")
    assert (yesterday["approvals"], yesterday["declines"], len(yesterday["daily"])) == (0, 0, 30)


def test_cursors_cannot_be_forged_moved_or_reused_on_another_list(client: Any, tenant_a: Any, tenant_b: Any) -> None:
    for i in range(5):
        create_customer(client, tenant_a, f"c-{i}")
    cursor = _get(client, tenant_a, "/customers", page_size=3)["pagination"]["cursor"]
    payload, _, signature = cursor.partition(".")
    forged = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + signature
    attempts = [
        (tenant_a, {"cursor": forged, "page_size": 3}),
        (tenant_a, {"cursor": cursor + "x", "page_size": 3}),
        (tenant_a, {"cursor": "not-a-cursor", "page_size": 3}),
        (tenant_b, {"cursor": cursor, "page_size": 3}),  # another tenant
        (tenant_a, {"cursor": cursor, "page_size": 4}),  # another page size
        (tenant_a, {"cursor": cursor, "page_size": 3, "kyc_status": "approved"}),  # another filter
    ]
    for tenant, params in attempts:
        response = client.get(f"{KYC}/customers", headers=tenant.headers, params=params)
        assert response.status_code == 400, (params, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "cursor" in response.json()["detail"]
    assert client.get(f"{KYC}/requests", headers=tenant_a.headers, params={"cursor": cursor}).status_code == 400

    both = client.get(f"{KYC}/requests", headers=tenant_a.headers, params={"status": "approved", "customer_id": "x"})
    assert both.status_code == 422
    assert "status and customer_id" in both.json()["detail"] and "Supported" in both.json()["detail"]
    bad_range = client.get(
        f"{KYC}/overview", headers=tenant_a.headers, params={"from": "2026-01-02", "to": "2026-01-01"}
    )
    assert bad_range.status_code == 422
