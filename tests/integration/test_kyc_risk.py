"""Risk score and level on real photos: each check's points, Re-Use KYC alerts of the customer, and the
tenant's thresholds applying to new requests only (documents/verify and submit links alike)."""

from __future__ import annotations

from typing import Any

from tests.integration.documents_support import PASSPORT_AND_SELFIE, fill, kyc_request, open_link, submit
from tests.integration.kyc_support import KYC, create_customer, review_band, verify, years_ago
from tests.integration.reuse_support import enable, open_session, set_preferences
from tests.integration.reuse_support import submit as reuse_submit


def test_each_check_adds_its_points(client: Any, tenant_a: Any) -> None:
    create_customer(client, tenant_a, "mismatch")
    body = verify(client, tenant_a, "mismatch", selfie="biden_1.jpg").json()
    assert (body["status"], body["risk_score"], body["risk_level"]) == ("declined", 80, "high")
    create_customer(client, tenant_a, "review")
    with review_band():
        body = verify(client, tenant_a, "review").json()
    assert (body["status"], body["risk_score"], body["risk_level"]) == ("in_review", 50, "medium")
    create_customer(client, tenant_a, "young", birthday=years_ago(16))
    body = verify(client, tenant_a, "young").json()
    assert (body["declined_code"], body["risk_factors"]) == (
        "underage",
        {"face": 0, "age": 40, "document_warnings": 0, "reuse_alerts": 0},
    )
    set_preferences(client, tenant_a, is_face_verification_required=False)
    create_customer(client, tenant_a, "no-selfie")
    body = verify(client, tenant_a, "no-selfie", selfie=None).json()
    assert (body["status"], body["risk_score"], body["risk_level"]) == ("approved", 25, "low")


def test_open_re_use_kyc_alerts_of_the_customer_raise_the_score(client: Any, tenant_a: Any) -> None:
    create_customer(client, tenant_a, "obama")
    assert verify(client, tenant_a, "obama").json()["risk_score"] == 0
    enable(client, tenant_a, max_retry_attempts=0, trigger_alert=True)
    alert = reuse_submit(client, open_session(client, tenant_a)["token"], "biden_1.jpg").json()["data"]["alert_id"]
    assert alert
    assert verify(client, tenant_a, "obama").json()["risk_factors"]["reuse_alerts"] == 15
    client.patch(f"{KYC}/alerts/{alert}", headers=tenant_a.headers, json={"status": "dismissed"})
    assert verify(client, tenant_a, "obama").json()["risk_factors"]["reuse_alerts"] == 0


def test_new_thresholds_change_the_level_of_new_requests_only(client: Any, tenant_a: Any) -> None:
    create_customer(client, tenant_a, "review")
    with review_band():
        before = verify(client, tenant_a, "review").json()
    assert (before["risk_score"], before["risk_level"]) == (50, "medium")
    create_customer(client, tenant_a, "obama")
    pending = open_link(client, tenant_a)  # issued under the old thresholds

    set_preferences(client, tenant_a, medium_risk_score=20, high_risk_score=40)
    with review_band():
        after = verify(client, tenant_a, "review").json()
    assert (after["risk_score"], after["risk_level"]) == (50, "high")
    assert kyc_request(client, tenant_a, before["kyc_id"])["risk_level"] == "medium"  # kept as decided

    # A submit link's request is judged by the preferences it was issued with.
    fill(client, pending["token"], PASSPORT_AND_SELFIE)
    with review_band():
        assert submit(client, pending["token"]).json()["status"] == "in_review"
    assert kyc_request(client, tenant_a, pending["kyc_id"])["risk_level"] == "medium"
