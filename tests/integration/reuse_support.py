"""Helpers for the Re-Use KYC tests: a KYC'd customer, sessions and submits over HTTP, call counters."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

import pytest

from tests.conftest import atomic_moto  # noqa: F401 (where tests found it before it moved to conftest)
from tests.integration.kyc_support import (
    KYC,
    SAMPLE_TENANT,
    aws_calls,
    create_customer,
    photo,
    sample_verification_request,
    seed_sample_customer,
    verify,
)

REUSE = f"{KYC}/reuse/sessions"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36"
)
MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Safari/605.1.15"
)
WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
)
# A public address literal: passes the SSRF guard without DNS (the tests run offline).
PUBLIC_HOOK = "https://93.184.215.14/hooks/reuse"


def kyc_customer(client: Any, tenant: Any, customer_id: str = "obama") -> None:
    """A customer approved by the real KYC flow: passport obama_1.jpg, selfie obama_2.jpg."""
    create_customer(client, tenant, customer_id)
    response = verify(client, tenant, customer_id, document="obama_1.jpg", selfie="obama_2.jpg")
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "approved", response.text


def set_preferences(client: Any, tenant: Any, **changes: Any) -> dict[str, Any]:
    response = client.patch(f"{KYC}/preferences", headers=tenant.headers, json=changes)
    assert response.status_code == 200, response.text
    return response.json()


def enable(client: Any, tenant: Any, triggers: dict[str, Any] | None = None, **reactions: Any) -> None:
    set_preferences(
        client,
        tenant,
        is_reuse_kyc_enabled=True,
        reuse_kyc_triggers=triggers or {"login": True},
        reuse_kyc_reactions=reactions,
    )


def create(client: Any, tenant: Any, reference: str, customer_id: str = "obama", **fields: Any) -> Any:
    body = {"reference": reference, "customer_id": customer_id, "event": "login", **fields}
    return client.post(REUSE, headers=tenant.headers, json=body)


def open_session(client: Any, tenant: Any, reference: str = "ref-1", **fields: Any) -> dict[str, Any]:
    response = create(client, tenant, reference, **fields)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["is_required"] is True, body
    return body


def submit(client: Any, token: str, image: str, user_agent: str | None = IPHONE) -> Any:
    headers = {"User-Agent": user_agent} if user_agent is not None else {"User-Agent": ""}
    return client.post(f"{REUSE}/submit", headers=headers, json={"token": token, "proof": photo(image)})


def status(client: Any, tenant: Any, reference: str) -> Any:
    return client.get(f"{REUSE}/{reference}", headers=tenant.headers)


def s3_calls() -> AbstractContextManager[list[str]]:
    return aws_calls("s3")


# ---------------------------------------------------------------- events/ samples (tests/integration/test_functions.py)

SAMPLE_TOKEN = "sample-reuse-token-000000000000000000000000"  # the token the events/ samples carry


def seed_sample_kyc_customer() -> None:
    """Customer "cus_sample", approved with a face, and withdrawals of 1000 USD or more trigger Re-Use KYC."""
    from kycgate.kyc import verification
    from kycgate.preferences import service as preferences_service
    from kycgate.preferences.schemas import UpdateKycPreferencesRequest

    seed_sample_customer()
    request = sample_verification_request()
    assert verification.verify_documents(SAMPLE_TENANT, request).status == "approved"
    preferences = {
        "is_reuse_kyc_enabled": True,
        "reuse_kyc_triggers": {"withdrawal": {"enabled": True, "threshold": 1000}},
        "reuse_kyc_reactions": {"max_retry_attempts": 0},
    }
    preferences_service.update_preferences(SAMPLE_TENANT, UpdateKycPreferencesRequest.model_validate(preferences))


def seed_sample_reuse_session() -> None:
    """Session "wd_sample_1" of "cus_sample" whose token is SAMPLE_TOKEN (and its handoff session)."""
    from kycgate.reuse import opening
    from kycgate.reuse.schemas import CreateReuseKycSessionRequest

    seed_sample_kyc_customer()
    request = CreateReuseKycSessionRequest.model_validate(
        {"reference": "wd_sample_1", "customer_id": "cus_sample", "event": "withdrawal", "amount": 5000}
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("kycgate.core.ids.new_token", lambda: SAMPLE_TOKEN)
        assert opening.create_session(SAMPLE_TENANT, request).token == SAMPLE_TOKEN


def seed_sample_alert() -> None:
    """Alert "alr_sample": "cus_sample" failed the only attempt of session "wd_sample_1"."""
    from kycgate.reuse import service

    seed_sample_reuse_session()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("kycgate.core.ids.new_id", lambda prefix: f"{prefix}_sample")
        result = service.submit(SAMPLE_TOKEN, photo("biden_1.jpg"), None, IPHONE)
    assert result.data.alert_id == "alr_sample"
