"""KYC customers over HTTP: create (tenant-unique ids), validation, list, get, status."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.kyc_support import KYC, create_customer, records_with_sk


def test_create_normalises_and_get_returns_it(client: Any, tenant_a: Any) -> None:
    created = create_customer(
        client,
        tenant_a,
        "user-42@shop",
        name={"first_name": " Ada ", "last_name": "Lovelace"},
        email="Ada@Example.COM",
        phone="+44 20 7946 0958",
        nationality="gb",
        address={"line1": "12 St James's Sq", "city": "London", "country": "GB"},
    )
    assert created["customer_id"] == "user-42@shop"
    assert created["name"] == {"first_name": "Ada", "middle_name": None, "last_name": "Lovelace"}
    assert created["email"] == "Ada@example.com"
    assert created["phone"] == "+442079460958"
    assert created["nationality"] == "GB"
    assert created["kyc_status"] == "not_started"
    assert created["has_reference_face"] is False
    assert created["latest_kyc_id"] is None
    fetched = client.get(f"{KYC}/customers/user-42@shop", headers=tenant_a.headers)
    assert fetched.status_code == 200
    assert fetched.json() == created


def test_customer_id_is_unique_per_tenant_only(client: Any, tenant_a: Any, tenant_b: Any) -> None:
    create_customer(client, tenant_a, "c1", email="first@example.com")
    again = client.post(f"{KYC}/customers", headers=tenant_a.headers, json={"customer_id": "c1"})
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    assert "c1" in again.json()["detail"]
    # The first profile is untouched by the refused second create.
    assert client.get(f"{KYC}/customers/c1", headers=tenant_a.headers).json()["email"] == "first@example.com"
    # Another tenant's customer ids are its own namespace.
    assert client.get(f"{KYC}/customers/c1", headers=tenant_b.headers).status_code == 404
    create_customer(client, tenant_b, "c1")


@pytest.mark.parametrize(
    ("field", "value", "needle"),
    [
        ("birthday", "1990-02-30", "not a calendar date"),
        ("birthday", "2999-01-01", "yesterday"),
        ("birthday", "10/12/1990", "YYYY-MM-DD"),
        ("birthday", "1850-01-01", "1900"),
        ("nationality", "XX", "alpha-2"),
        ("nationality", "DEU", "alpha-2"),
        ("phone", "4155552671", "international format"),
        ("phone", "+1 555 000", "not a valid number"),
        ("email", "not-an-email", "email"),
        ("customer_id", "a/b", "customer_id"),
        ("customer_id", "", "customer_id"),
        ("name", {"first_name": "A", "nickname": "x"}, "nickname"),
        ("address", {"line1": "1 Road", "city": "X", "country": "ZZ"}, "country"),
    ],
)
def test_invalid_profile_is_422_and_creates_nothing(
    client: Any, tenant_a: Any, field: str, value: Any, needle: str
) -> None:
    body = {"customer_id": "c-invalid", field: value}
    response = client.post(f"{KYC}/customers", headers=tenant_a.headers, json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert needle in response.text
    assert records_with_sk("CUSTOMER") == []


def test_list_paginates_newest_first_and_filters_by_status(client: Any, tenant_a: Any, tenant_b: Any) -> None:
    for customer_id in ("c-1", "c-2", "c-3"):
        create_customer(client, tenant_a, customer_id)
    create_customer(client, tenant_b, "other-tenant")
    first = client.get(f"{KYC}/customers", headers=tenant_a.headers, params={"page_size": 2}).json()
    assert [c["customer_id"] for c in first["items"]] == ["c-3", "c-2"]
    cursor = first["pagination"].pop("cursor")
    assert first["pagination"] == {"page": 1, "page_size": 2, "total": 3, "total_pages": 2}
    second = client.get(f"{KYC}/customers", headers=tenant_a.headers, params={"page_size": 2, "page": 2}).json()
    assert [c["customer_id"] for c in second["items"]] == ["c-1"]
    assert second["pagination"]["cursor"] is None
    followed = client.get(f"{KYC}/customers", headers=tenant_a.headers, params={"page_size": 2, "cursor": cursor})
    assert followed.json() == second
    waiting = client.get(f"{KYC}/customers", headers=tenant_a.headers, params={"kyc_status": "not_started"})
    assert waiting.json()["pagination"]["total"] == 3
    approved = client.get(f"{KYC}/customers", headers=tenant_a.headers, params={"kyc_status": "approved"})
    assert approved.json()["items"] == []
    bad = client.get(f"{KYC}/customers", headers=tenant_a.headers, params={"kyc_status": "verified"})
    assert bad.status_code == 422


def test_status_of_a_customer_who_never_did_kyc(client: Any, tenant_a: Any) -> None:
    create_customer(client, tenant_a, "fresh")
    status = client.get(f"{KYC}/status", headers=tenant_a.headers, params={"customer_id": "fresh"})
    assert status.status_code == 200
    body = status.json()
    assert body["status"] == "not_started"
    assert body["kyc_id"] is None
    assert body["is_verified"] is False
    assert body["has_reference_face"] is False
    unknown = client.get(f"{KYC}/status", headers=tenant_a.headers, params={"customer_id": "nobody"})
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"
