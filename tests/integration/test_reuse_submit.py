"""Submitting selfies over HTTP with the real sface matcher on real photos: retries, reactions, alerts."""

from __future__ import annotations

import base64
import io
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from PIL import Image

from kycgate.core import clock
from tests.conftest import atomic_moto
from tests.integration.kyc_support import KYC, dynamodb_calls, records_with_sk, review_band
from tests.integration.reuse_support import (
    ANDROID,
    MAC,
    PUBLIC_HOOK,
    REUSE,
    WINDOWS,
    enable,
    kyc_customer,
    open_session,
    s3_calls,
    set_preferences,
    status,
    submit,
)

REACTIONS = {
    "max_retry_attempts": 2,
    "trigger_alert": True,
    "enforce_logout": True,
    "freeze_account": True,
    "freeze_duration_minutes": 60,
}


@pytest.fixture
def session(client: Any, tenant_a: Any) -> dict[str, Any]:
    kyc_customer(client, tenant_a)
    enable(client, tenant_a, **REACTIONS)
    return open_session(client, tenant_a, "ref-1")


def test_same_person_is_approved_and_the_session_closes(client: Any, tenant_a: Any, session: dict[str, Any]) -> None:
    pending = status(client, tenant_a, "ref-1").json()
    assert pending["status"] == "pending"
    assert pending["data"]["retries_remaining"] == 3

    response = submit(client, session["token"], "obama_3.jpg")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["event"] == "reuse_kyc"
    assert (body["reference"], body["status"]) == ("ref-1", "approved")
    assert body["resource_id"].startswith("rks_")
    assert "declined_reason" not in body
    assert body["data"] == {
        "retries_remaining": 3,
        "retry_limit_exceeded": False,
        "trigger_alert": False,
        "enforce_logout": False,
        "freeze_account": False,
        "freeze_duration_minutes": 0,
    }
    assert status(client, tenant_a, "ref-1").json() == body
    again = submit(client, session["token"], "obama_2.jpg")
    assert again.status_code == 409
    assert again.json()["type"] == "urn:kycgate:problem:session-completed"
    clock.travel(601)  # a final result stays final after the token lapses
    assert status(client, tenant_a, "ref-1").json()["status"] == "approved"


def test_another_person_uses_up_the_attempts_and_raises_one_alert(
    client: Any, tenant_a: Any, session: dict[str, Any]
) -> None:
    assert session["max_attempts"] == 3
    results = [submit(client, session["token"], "biden_1.jpg") for _ in range(3)]
    assert [r.status_code for r in results] == [200, 200, 200]
    bodies = [r.json() for r in results]
    assert [b["status"] for b in bodies] == ["declined"] * 3
    assert [b["declined_reason"] for b in bodies] == ["face_mismatch"] * 3
    assert [b["data"]["retries_remaining"] for b in bodies] == [2, 1, 0]
    assert [b["data"]["retry_limit_exceeded"] for b in bodies] == [False, False, True]
    for early in bodies[:2]:  # the reaction flags only once the limit is exceeded
        assert not any(early["data"][flag] for flag in ("trigger_alert", "enforce_logout", "freeze_account"))
        assert early["data"]["freeze_duration_minutes"] == 0
        assert "alert_id" not in early["data"]
    last = bodies[2]["data"]
    assert (last["trigger_alert"], last["enforce_logout"], last["freeze_account"]) == (True, True, True)
    assert last["freeze_duration_minutes"] == 60
    assert last["alert_id"].startswith("alr_")

    alerts = client.get(f"{KYC}/alerts", headers=tenant_a.headers).json()
    assert [a["alert_id"] for a in alerts["items"]] == [last["alert_id"]]
    alert = alerts["items"][0]
    assert (alert["alert_type"], alert["status"], alert["customer_id"]) == ("reuse_kyc_failed", "open", "obama")
    assert (alert["reference"], alert["resource_id"], alert["event"]) == ("ref-1", bodies[2]["resource_id"], "login")

    fourth = submit(client, session["token"], "obama_3.jpg")  # even the right face: the session is spent
    assert fourth.status_code == 409
    assert fourth.json()["type"] == "urn:kycgate:problem:session-exhausted"
    assert status(client, tenant_a, "ref-1").json() == bodies[2]
    replay = open_session(client, tenant_a, "ref-1")  # an exhausted session is not reopened by a retried create
    assert (replay["token"], replay["attempts"]) == (session["token"], 3)


def test_no_alert_when_the_tenant_does_not_want_one(client: Any, tenant_a: Any) -> None:
    kyc_customer(client, tenant_a)
    enable(client, tenant_a, max_retry_attempts=0, trigger_alert=False, enforce_logout=True)
    token = open_session(client, tenant_a)["token"]
    data = submit(client, token, "biden_1.jpg").json()["data"]
    assert (data["retry_limit_exceeded"], data["trigger_alert"], data["enforce_logout"]) == (True, False, True)
    assert "alert_id" not in data
    assert records_with_sk("ALERT") == []


def test_concurrent_failures_never_exceed_the_limit(client: Any, tenant_a: Any, session: dict[str, Any]) -> None:
    with atomic_moto(), ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(lambda _: submit(client, session["token"], "biden_1.jpg"), range(20)))
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] * 3 + [409] * 17, [r.text for r in responses if r.status_code not in (200, 409)]
    accepted = [r.json()["data"] for r in responses if r.status_code == 200]
    assert sorted(d["retries_remaining"] for d in accepted) == [0, 1, 2]
    assert [d["retry_limit_exceeded"] for d in accepted].count(True) == 1
    alerts = records_with_sk("ALERT")
    assert len(alerts) == 1
    assert [d.get("alert_id") for d in accepted if d["retry_limit_exceeded"]] == [alerts[0]["alert_id"]]
    final = status(client, tenant_a, "ref-1").json()
    assert final["data"]["retries_remaining"] == 0


@pytest.mark.parametrize("user_agent", [MAC, WINDOWS, "curl/8.5.0", "", None])
def test_desktop_or_unknown_devices_are_refused(
    client: Any, tenant_a: Any, session: dict[str, Any], user_agent: Any
) -> None:
    response = submit(client, session["token"], "biden_1.jpg", user_agent=user_agent)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "face capture must be completed on a mobile device"
    # Nothing was counted: the customer still has every attempt.
    assert status(client, tenant_a, "ref-1").json()["data"]["retries_remaining"] == 3


def test_android_is_a_mobile_device(client: Any, session: dict[str, Any]) -> None:
    assert submit(client, session["token"], "obama_2.jpg", user_agent=ANDROID).json()["status"] == "approved"


def test_expired_session_is_gone(client: Any, tenant_a: Any, session: dict[str, Any]) -> None:
    assert submit(client, session["token"], "biden_1.jpg").json()["data"]["retries_remaining"] == 2
    clock.travel(601)  # the items are still in the table: expiry is decided in code
    response = submit(client, session["token"], "obama_3.jpg")
    assert response.status_code == 410
    assert response.json()["type"] == "urn:kycgate:problem:session-expired"
    lapsed = status(client, tenant_a, "ref-1").json()
    assert lapsed["status"] == "expired"
    assert "declined_reason" not in lapsed
    assert lapsed["data"]["retries_remaining"] == 2


def test_unknown_token_and_bad_proof(client: Any, tenant_a: Any, session: dict[str, Any]) -> None:
    assert submit(client, "no-such-token", "obama_3.jpg").status_code == 404
    headers = {"User-Agent": ANDROID}
    not_image = base64.b64encode(b"%PDF-1.7 not a selfie" * 50).decode()
    bad = client.post(f"{REUSE}/submit", headers=headers, json={"token": session["token"], "proof": not_image})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["loc"] == ["body", "proof"]
    assert status(client, tenant_a, "ref-1").json()["data"]["retries_remaining"] == 3


def test_a_selfie_without_a_face_is_a_failed_attempt(client: Any, session: dict[str, Any]) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 180, 160)).save(buffer, "JPEG")
    proof = base64.b64encode(buffer.getvalue()).decode()
    response = client.post(
        f"{REUSE}/submit", headers={"User-Agent": ANDROID}, json={"token": session["token"], "proof": proof}
    )
    body = response.json()
    assert (body["status"], body["declined_reason"]) == ("declined", "no_face_detected")
    assert body["data"]["retries_remaining"] == 2


def test_review_band_declines_with_a_warning(client: Any, session: dict[str, Any]) -> None:
    with review_band():
        body = submit(client, session["token"], "obama_3.jpg").json()
    assert (body["status"], body["declined_reason"]) == ("declined", "face_mismatch")
    assert list(body["warnings"]["face"]) == ["similarity_in_review_band"]


def test_rules_are_snapshotted_when_the_session_opens(client: Any, tenant_a: Any, session: dict[str, Any]) -> None:
    set_preferences(client, tenant_a, reuse_kyc_reactions={"max_retry_attempts": 0, "freeze_account": False})
    first = submit(client, session["token"], "biden_1.jpg").json()["data"]
    assert (first["retries_remaining"], first["retry_limit_exceeded"]) == (2, False)
    submit(client, session["token"], "biden_1.jpg")
    last = submit(client, session["token"], "biden_1.jpg").json()["data"]
    assert (last["retry_limit_exceeded"], last["freeze_account"]) == (True, True)


def test_every_result_is_queued_for_the_callback_url(client: Any, tenant_a: Any, aws: dict[str, str]) -> None:
    from kycgate.core.aws import client as aws_client

    kyc_customer(client, tenant_a)
    enable(client, tenant_a, **REACTIONS)
    token = open_session(client, tenant_a, "hooked", callback_url=PUBLIC_HOOK)["token"]
    declined = submit(client, token, "biden_1.jpg").json()
    approved = submit(client, token, "obama_3.jpg").json()
    deliveries = sorted(records_with_sk("DELIVERY"), key=lambda d: d["created_at"])
    assert [(d["event"], d["reference"], d["url"], d["status"]) for d in deliveries] == [
        ("reuse_kyc", "hooked", PUBLIC_HOOK, "pending")
    ] * 2
    assert [json.loads(d["body"]) for d in deliveries] == [declined, approved]
    assert all(d["tenant_id"] == tenant_a.tenant_id for d in deliveries)
    messages = aws_client("sqs").receive_message(QueueUrl=aws["KYCGATE_CALLBACK_QUEUE_URL"], MaxNumberOfMessages=10)
    queued = {json.loads(m["Body"])["delivery_id"] for m in messages.get("Messages", [])}
    assert queued == {d["delivery_id"] for d in deliveries}
    assert token not in json.dumps(deliveries)  # a capability token never travels in a callback


def test_submit_round_trips(client: Any, session: dict[str, Any]) -> None:
    with dynamodb_calls() as calls, s3_calls() as s3:
        assert submit(client, session["token"], "biden_1.jpg").status_code == 200
    # Token, session, the conditional attempt write; the sface template means no S3 read.
    assert calls == ["GetItem", "GetItem", "UpdateItem"]
    assert s3 == []
    submit(client, session["token"], "biden_1.jpg")
    with dynamodb_calls() as calls, s3_calls() as s3:
        data = submit(client, session["token"], "biden_1.jpg").json()["data"]
    assert data["alert_id"]  # the attempt, its alert (and a callback when set) commit together
    assert calls == ["GetItem", "GetItem", "TransactWriteItems"]
    assert s3 == []


def test_reference_without_a_template_is_read_from_s3_once(
    client: Any, tenant_a: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As with the rekognition backend, which keeps no templates: the approved selfie is compared."""
    from kycgate.kyc import reference

    real = reference.reference_face
    monkeypatch.setattr(reference, "reference_face", lambda c, item: real(c, item)._replace(template=None))
    kyc_customer(client, tenant_a)
    enable(client, tenant_a)
    token = open_session(client, tenant_a)["token"]
    with dynamodb_calls() as calls, s3_calls() as s3:
        body = submit(client, token, "obama_3.jpg").json()
    assert body["status"] == "approved"
    assert calls == ["GetItem", "GetItem", "UpdateItem"]
    assert s3 == ["GetObject"]


def test_a_submit_racing_a_reopened_reference_never_touches_the_new_session(
    client: Any, tenant_a: Any, session: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from kycgate.reuse import opening, service
    from kycgate.reuse.schemas import CreateReuseKycSessionRequest

    compare = service._compare

    def slow_compare(face: dict[str, Any], probe: bytes) -> Any:
        result = compare(face, probe)
        # While the face model ran, the token lapsed and the tenant reopened the same reference.
        clock.travel(601)
        reopen = {"reference": "ref-1", "customer_id": "obama", "event": "login"}
        opening.create_session(tenant_a.tenant_id, CreateReuseKycSessionRequest.model_validate(reopen))
        return result

    monkeypatch.setattr(service, "_compare", slow_compare)
    assert submit(client, session["token"], "biden_1.jpg").status_code == 410
    fresh = status(client, tenant_a, "ref-1").json()
    assert (fresh["status"], fresh["data"]["retries_remaining"]) == ("pending", 3)
