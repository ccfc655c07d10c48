"""The tenant dashboard's alerts, raised by exhausted Re-Use KYC sessions."""

from __future__ import annotations

from typing import Any

import pytest

from kycgate.core import clock
from tests.integration.kyc_support import KYC
from tests.integration.reuse_support import enable, kyc_customer, open_session, submit

ALERTS = f"{KYC}/alerts"


def _exhaust(client: Any, tenant: Any, reference: str, customer_id: str) -> str:
    token = open_session(client, tenant, reference, customer_id=customer_id)["token"]
    data = submit(client, token, "biden_1.jpg").json()["data"]
    assert data["retry_limit_exceeded"], data
    return data["alert_id"]


@pytest.fixture
def alerts(client: Any, tenant_a: Any) -> list[str]:
    """Three alerts, oldest first: obama (ref-1), obama (ref-2), michelle (ref-3)."""
    kyc_customer(client, tenant_a, "obama")
    kyc_customer(client, tenant_a, "michelle")  # her reference face is Obama's too; the ids are what matter
    enable(client, tenant_a, max_retry_attempts=0)
    made = []
    for reference, customer in (("ref-1", "obama"), ("ref-2", "obama"), ("ref-3", "michelle")):
        made.append(_exhaust(client, tenant_a, reference, customer))
        clock.travel(1)  # distinct created_at, so newest-first is observable
    return made


def _ids(client: Any, tenant: Any, **params: Any) -> list[str]:
    response = client.get(ALERTS, headers=tenant.headers, params=params)
    assert response.status_code == 200, response.text
    return [a["alert_id"] for a in response.json()["items"]]


def test_list_filters_and_pages(client: Any, tenant_a: Any, alerts: list[str]) -> None:
    newest_first = alerts[::-1]
    assert _ids(client, tenant_a) == newest_first
    assert _ids(client, tenant_a, customer_id="obama") == newest_first[1:]
    assert _ids(client, tenant_a, alert_type="reuse_kyc_failed", status="open") == newest_first
    assert _ids(client, tenant_a, status="resolved") == []
    page = client.get(ALERTS, headers=tenant_a.headers, params={"page": 2, "page_size": 2}).json()
    assert [a["alert_id"] for a in page["items"]] == newest_first[2:]
    assert page["pagination"] == {"page": 2, "page_size": 2, "total": 3, "total_pages": 2, "cursor": None}


def test_get_and_update(client: Any, tenant_a: Any, alerts: list[str]) -> None:
    alert = client.get(f"{ALERTS}/{alerts[0]}", headers=tenant_a.headers).json()
    assert (alert["status"], alert["customer_id"], alert["reference"]) == ("open", "obama", "ref-1")
    assert "1 of 1 attempts" in alert["message"]

    clock.travel(5)
    response = client.patch(f"{ALERTS}/{alerts[0]}", headers=tenant_a.headers, json={"status": "in_review"})
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["status"] == "in_review"
    assert updated["updated_at"] > alert["updated_at"]
    assert {k: v for k, v in updated.items() if k not in ("status", "updated_at")} == {
        k: v for k, v in alert.items() if k not in ("status", "updated_at")
    }
    both = {"status": "resolved", "alert_type": "reuse_kyc_failed"}
    assert client.patch(f"{ALERTS}/{alerts[0]}", headers=tenant_a.headers, json=both).json()["status"] == "resolved"
    assert _ids(client, tenant_a, status="resolved") == [alerts[0]]


@pytest.mark.parametrize(
    ("body", "needle"),
    [({}, "alert_type, status or both"), ({"status": "closed"}, "status"), ({"severity": "high"}, "severity")],
)
def test_bad_updates_are_422(client: Any, tenant_a: Any, alerts: list[str], body: dict[str, Any], needle: str) -> None:
    response = client.patch(f"{ALERTS}/{alerts[0]}", headers=tenant_a.headers, json=body)
    assert response.status_code == 422
    assert needle in response.json()["detail"]
    assert client.get(f"{ALERTS}/{alerts[0]}", headers=tenant_a.headers).json()["status"] == "open"


def test_bad_filters_are_422(client: Any, tenant_a: Any) -> None:
    assert client.get(ALERTS, headers=tenant_a.headers, params={"status": "closed"}).status_code == 422
    assert client.get(ALERTS, headers=tenant_a.headers, params={"page_size": 1000}).status_code == 422


def test_other_tenants_alerts_are_404(client: Any, tenant_a: Any, tenant_b: Any, alerts: list[str]) -> None:
    assert _ids(client, tenant_b) == []
    assert client.get(f"{ALERTS}/{alerts[0]}", headers=tenant_b.headers).status_code == 404
    response = client.patch(f"{ALERTS}/{alerts[0]}", headers=tenant_b.headers, json={"status": "dismissed"})
    assert response.status_code == 404
    assert client.get(f"{ALERTS}/{alerts[0]}", headers=tenant_a.headers).json()["status"] == "open"
    # An update never creates an alert.
    assert client.patch(f"{ALERTS}/alr_nope", headers=tenant_a.headers, json={"status": "resolved"}).status_code == 404
    assert client.get(f"{ALERTS}/alr_nope", headers=tenant_a.headers).status_code == 404
