from __future__ import annotations

from typing import Any

import pytest

PATH = "/api/v1/kyc/preferences"


def test_defaults_for_a_tenant_that_never_set_any(client: Any, tenant_a: Any) -> None:
    response = client.get(PATH, headers=tenant_a.headers)
    assert response.status_code == 200
    body = response.json()
    assert body["tenant_id"] == tenant_a.tenant_id
    assert body["is_reuse_kyc_enabled"] is False
    assert body["reuse_kyc_triggers"]["withdrawal"] == {"enabled": False, "threshold": 0}
    assert body["reuse_kyc_reactions"]["max_retry_attempts"] == 2
    assert body["min_age"] == 18


def test_patch_is_partial_and_nested(client: Any, tenant_a: Any) -> None:
    first = client.patch(
        PATH,
        headers=tenant_a.headers,
        json={
            "is_reuse_kyc_enabled": True,
            "reuse_kyc_triggers": {"withdrawal": {"enabled": True, "threshold": 5000}},
        },
    )
    assert first.status_code == 200, first.text
    second = client.patch(
        PATH, headers=tenant_a.headers, json={"reuse_kyc_triggers": {"withdrawal": {"threshold": 100}}}
    )
    assert second.status_code == 200
    body = client.get(PATH, headers=tenant_a.headers).json()
    assert body["is_reuse_kyc_enabled"] is True
    assert body["reuse_kyc_triggers"]["withdrawal"] == {"enabled": True, "threshold": 100}
    assert body["reuse_kyc_triggers"]["deposit"] == {"enabled": False, "threshold": 0}
    assert body["created_at"] <= body["updated_at"]


def test_null_threshold_means_any_amount(client: Any, tenant_a: Any) -> None:
    client.patch(PATH, headers=tenant_a.headers, json={"reuse_kyc_triggers": {"deposit": {"threshold": 10}}})
    response = client.patch(
        PATH, headers=tenant_a.headers, json={"reuse_kyc_triggers": {"deposit": {"threshold": None}}}
    )
    assert response.json()["reuse_kyc_triggers"]["deposit"]["threshold"] == 0


@pytest.mark.parametrize(
    ("patch", "needle"),
    [
        ({"min_age": 30, "max_age": 20}, "min_age"),
        ({"max_age": 10}, "min_age"),
        ({"reuse_kyc_triggers": {"withdrawal": {"threshold": -1}}}, "threshold"),
        ({"reuse_kyc_reactions": {"max_retry_attempts": 11}}, "max_retry_attempts"),
        ({"reuse_kyc_triggers": {"withdrawl": True}}, "withdrawl"),
        ({"supported_document_types": ["library_card"]}, "supported_document_types"),
    ],
)
def test_invalid_patch_is_422_and_changes_nothing(client: Any, tenant_a: Any, patch: dict, needle: str) -> None:
    before = client.get(PATH, headers=tenant_a.headers).json()
    response = client.patch(PATH, headers=tenant_a.headers, json=patch)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert needle in response.text
    after = client.get(PATH, headers=tenant_a.headers).json()
    assert {k: v for k, v in after.items() if k not in ("created_at", "updated_at")} == {
        k: v for k, v in before.items() if k not in ("created_at", "updated_at")
    }


def test_preferences_are_per_tenant(client: Any, tenant_a: Any, tenant_b: Any) -> None:
    client.patch(PATH, headers=tenant_a.headers, json={"is_reuse_kyc_enabled": True})
    assert client.get(PATH, headers=tenant_b.headers).json()["is_reuse_kyc_enabled"] is False


def test_null_on_a_setting_leaves_it_as_is(client: Any, tenant_a: Any) -> None:
    client.patch(PATH, headers=tenant_a.headers, json={"is_reuse_kyc_enabled": True, "min_age": 21})
    response = client.patch(PATH, headers=tenant_a.headers, json={"is_reuse_kyc_enabled": None, "min_age": None})
    assert response.status_code == 200
    assert (response.json()["is_reuse_kyc_enabled"], response.json()["min_age"]) == (True, 21)


@pytest.mark.parametrize(
    "patch",
    [
        {"reuse_kyc_reactions": {"freeze_duration_minutes": True}},
        {"is_reuse_kyc_enabled": 1},
        {"reuse_kyc_triggers": {"deposit": {"threshold": False}}},
        {"min_age": "21"},
    ],
)
def test_scalars_are_not_coerced(client: Any, tenant_a: Any, patch: dict) -> None:
    assert client.patch(PATH, headers=tenant_a.headers, json=patch).status_code == 422
