"""Creating Re-Use KYC sessions over HTTP: the decision, idempotency, URLs, the handoff session."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from kycgate.core import clock
from kycgate.reuse.triggers import THRESHOLD_EVENTS
from kycgate.reuse.vocabulary import ReuseKycEvent
from tests.integration.kyc_support import KYC, create_customer, dynamodb_calls, verify
from tests.integration.reuse_support import (
    PUBLIC_HOOK,
    REUSE,
    create,
    enable,
    kyc_customer,
    open_session,
    set_preferences,
    status,
    submit,
)
from tests.unit.test_reuse_triggers import BOOLEAN_EVENTS, FREQUENCY_CASES, THRESHOLD_CASES

EVERY_TRIGGER_ON = {
    **{e.value: True for e in BOOLEAN_EVENTS},
    **{e.value: {"enabled": True, "threshold": 0} for e in THRESHOLD_EVENTS},
    "high_frequency_betting": {"enabled": True, "count": 0, "window_minutes": 0},
}


def _cases() -> list[tuple[str, dict[str, Any], dict[str, Any], str]]:
    """(event, trigger patch, request fields, expected reason_code): every rule state of seed 000."""
    cases: list[tuple[str, dict[str, Any], dict[str, Any], str]] = []
    for event in BOOLEAN_EVENTS:
        cases.append((event.value, {event.value: True}, {}, "required"))
        cases.append((event.value, {event.value: False}, {"amount": 10**6}, "event_disabled"))
    for event in sorted(THRESHOLD_EVENTS):
        for enabled, threshold, amount, code in THRESHOLD_CASES:
            fields = {} if amount is None else {"amount": amount}
            cases.append((event.value, {event.value: {"enabled": enabled, "threshold": threshold}}, fields, code))
    for enabled, count, window, event_count, event_window, code in FREQUENCY_CASES:
        rule = {"enabled": enabled, "count": count, "window_minutes": window}
        fields = {
            k: v for k, v in {"event_count": event_count, "event_window_minutes": event_window}.items() if v is not None
        }
        cases.append(("high_frequency_betting", {"high_frequency_betting": rule}, fields, code))
    return cases


def test_every_event_and_rule_state(client: Any, tenant_a: Any) -> None:
    kyc_customer(client, tenant_a)
    set_preferences(client, tenant_a, is_reuse_kyc_enabled=True)
    cases = _cases()
    assert {c[0] for c in cases} == {e.value for e in ReuseKycEvent}
    wrong = []
    for i, (event, trigger, fields, code) in enumerate(cases):
        set_preferences(client, tenant_a, reuse_kyc_triggers=trigger)
        response = create(client, tenant_a, f"case-{i}", event=event, **fields)
        assert response.status_code == 200, (event, trigger, fields, response.text)
        body = response.json()
        required = code == "required"
        got = (body["is_required"], body["reason_code"], bool(body["token"]), body["reason"] == "")
        if got != (required, code, required, required):
            wrong.append((event, trigger, fields, code, body))
        assert body["attempts"] == 0 and body["max_attempts"] == 3
    assert not wrong, "\n".join(map(str, wrong))


def test_feature_switch_comes_first(client: Any, tenant_a: Any) -> None:
    set_preferences(client, tenant_a, reuse_kyc_triggers=EVERY_TRIGGER_ON)  # but the feature stays off
    with dynamodb_calls() as calls:
        body = create(client, tenant_a, "r1", customer_id="nobody", event="withdrawal", amount=5000).json()
    assert (body["is_required"], body["reason_code"], body["token"], body["link"]) == (
        False,
        "feature_disabled",
        "",
        "",
    )
    assert "is_reuse_kyc_enabled" in body["reason"]
    # After the API key lookup: preferences and customer in one read; the unknown customer is never looked at.
    assert calls[1:] == ["BatchGetItem"]


@pytest.mark.parametrize("customer_state", ["unknown", "never_verified", "declined", "other_tenant"])
def test_no_prior_kyc_with_a_face_comes_before_the_event_rule(
    client: Any, tenant_a: Any, tenant_b: Any, customer_state: str
) -> None:
    enable(client, tenant_a, {"login": False})  # the event rule would block too: the order decides the code
    if customer_state == "never_verified":
        create_customer(client, tenant_a, "obama")
    elif customer_state == "declined":
        create_customer(client, tenant_a, "obama")
        assert verify(client, tenant_a, "obama", selfie="biden_1.jpg").json()["status"] == "declined"
    elif customer_state == "other_tenant":
        kyc_customer(client, tenant_b)
    response = create(client, tenant_a, "r1", customer_id="obama")
    if customer_state in ("unknown", "other_tenant"):
        # A mistyped (or another tenant's) customer id is an error, never "nothing to re-verify".
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
    else:
        body = response.json()
        assert (body["is_required"], body["reason_code"], body["token"]) == (False, "no_prior_kyc", "")
    assert status(client, tenant_a, "r1").status_code == 404  # nothing was stored


@pytest.mark.parametrize(
    ("body", "field", "needle"),
    [
        ({"event": None}, "event", "event is missing; it must be one of: login, password_change"),
        ({"event": "withdrawl"}, "event", "account_balance_transfer"),
        ({"amount": -1}, "amount", "greater than or equal to 0"),
        ({"event_count": 1.5}, "event_count", "integer"),
        ({"ammount": 5}, "ammount", "Extra inputs"),
        ({"reference": "a/b"}, "reference", "pattern"),
        ({"customer_id": ""}, "customer_id", "pattern"),
    ],
)
def test_bad_requests_are_422_naming_the_field(
    client: Any, tenant_a: Any, body: dict[str, Any], field: str, needle: str
) -> None:
    request = {"reference": "r1", "customer_id": "obama", "event": "login", **body}
    request = {k: v for k, v in request.items() if v is not None}
    response = client.post(REUSE, headers=tenant_a.headers, json=request)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["errors"][0]["loc"] == ["body", field]
    assert needle in problem["detail"]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://93.184.215.14/hook", "scheme_not_https"),
        ("https://127.0.0.1/hook", "loopback"),
        ("https://169.254.169.254/latest/meta-data", "metadata"),
        ("https://10.0.0.8/hook", "private"),
        ("https://user:pw@93.184.215.14/hook", "credentials_in_url"),
        ("https://93.184.215.14/ho ok", "invalid_url"),
    ],
)
@pytest.mark.parametrize("field", ["callback_url", "redirect_url"])
def test_unsafe_urls_are_refused_before_anything_is_written(
    client: Any, tenant_a: Any, field: str, url: str, reason: str
) -> None:
    kyc_customer(client, tenant_a)
    enable(client, tenant_a)
    response = create(client, tenant_a, "r1", **{field: url})
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["errors"][0]["loc"] == ["body", field]
    assert reason in problem["errors"][0]["type"]
    assert field in problem["detail"]
    assert status(client, tenant_a, "r1").status_code == 404


def test_loopback_urls_only_in_local_mode(client: Any, tenant_a: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from kycgate.core.settings import get_settings

    kyc_customer(client, tenant_a)
    enable(client, tenant_a)
    local = {"callback_url": "http://127.0.0.1:9000/hook", "redirect_url": "http://127.0.0.1:8000/done"}
    assert create(client, tenant_a, "r1", **local).status_code == 422
    monkeypatch.setenv("KYCGATE_ALLOW_LOOPBACK_CALLBACKS", "true")
    get_settings.cache_clear()
    assert create(client, tenant_a, "r1", **local).json()["is_required"] is True


def test_link_points_at_the_capture_page(client: Any, tenant_a: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from kycgate.core.settings import get_settings

    kyc_customer(client, tenant_a)
    enable(client, tenant_a)
    assert open_session(client, tenant_a, "no-frontend")["link"] == ""
    monkeypatch.setenv("BASE_URL_FRONTEND", "https://kyc.example.com/")
    get_settings.cache_clear()
    body = open_session(client, tenant_a, "with-frontend")
    link = urlsplit(body["link"])
    assert (link.scheme, link.netloc, link.path) == ("https", "kyc.example.com", "/reuse-kyc-submit")
    assert parse_qs(link.query) == {"token": [body["token"]]}
    assert len(body["token"]) == 43  # 32 random bytes, url-safe


def test_create_is_idempotent_per_reference(client: Any, tenant_a: Any, tenant_b: Any) -> None:
    kyc_customer(client, tenant_a)
    enable(client, tenant_a)
    first = open_session(client, tenant_a, "ref-1")
    assert submit(client, first["token"], "biden_1.jpg").json()["status"] == "declined"
    with dynamodb_calls() as calls:
        again = open_session(client, tenant_a, "ref-1")
    assert again == {**first, "attempts": 1}
    # The lost race returns the live session from the cancellation reason: no read after the transaction.
    assert calls[1:] == ["BatchGetItem", "TransactWriteItems"]

    # A live reference belongs to its customer: another customer cannot take it over.
    kyc_customer(client, tenant_a, "obama-2")
    taken = create(client, tenant_a, "ref-1", customer_id="obama-2")
    assert taken.status_code == 409
    assert taken.json()["type"] == "urn:kycgate:problem:reference-in-use"

    # Another tenant's identical reference is another session.
    kyc_customer(client, tenant_b)
    enable(client, tenant_b)
    assert open_session(client, tenant_b, "ref-1")["token"] != first["token"]

    # Once the token lapsed, the reference opens a fresh session and the old token stays dead.
    clock.travel(601)
    fresh = open_session(client, tenant_a, "ref-1")
    assert fresh["token"] != first["token"]
    assert fresh["attempts"] == 0
    assert submit(client, first["token"], "obama_3.jpg").status_code == 410
    assert status(client, tenant_a, "ref-1").json()["status"] == "pending"


def test_create_round_trips(client: Any, tenant_a: Any) -> None:
    kyc_customer(client, tenant_a)
    enable(client, tenant_a)
    with dynamodb_calls() as calls:
        open_session(client, tenant_a, "r1")
    # API key lookup (local auth; in AWS the cached authorizer), then preferences and reference face in one
    # read, and one transaction.
    assert calls == ["GetItem", "BatchGetItem", "TransactWriteItems"]


def test_create_retries_the_keys_dynamodb_left_unprocessed(client: Any, tenant_a: Any) -> None:
    from botocore.awsrequest import AWSResponse

    from kycgate.core.aws import client as aws_client

    kyc_customer(client, tenant_a)
    enable(client, tenant_a)
    events = aws_client("dynamodb").meta.events
    answered: list[str] = []

    def nothing_processed(params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        # DynamoDB may answer a batch in part (throughput) and hand the rest back as UnprocessedKeys.
        if answered:
            return None
        answered.append("unprocessed")
        request = json.loads(params["body"])["RequestItems"]
        return AWSResponse("https://dynamodb", 200, {}, None), {"Responses": {}, "UnprocessedKeys": request}

    with dynamodb_calls() as calls:
        events.register("before-call.dynamodb.BatchGetItem", nothing_processed, unique_id="unprocessed")
        try:
            body = open_session(client, tenant_a, "r1")
        finally:
            events.unregister("before-call.dynamodb.BatchGetItem", unique_id="unprocessed")
    assert body["is_required"] is True
    assert calls == ["GetItem", "BatchGetItem", "BatchGetItem", "TransactWriteItems"]


def test_handoff_session_flips_mobile_connected(client: Any, tenant_a: Any) -> None:
    kyc_customer(client, tenant_a)
    enable(client, tenant_a)
    token = open_session(client, tenant_a)["token"]
    with dynamodb_calls() as calls:
        handoff = client.get(f"{KYC}/session/{token}")
    assert calls == ["GetItem"]
    assert handoff.status_code == 200
    assert handoff.json() == {
        "document": "",
        "document_backside": "",
        "document_two": "",
        "document_two_backside": "",
        "address": "",
        "face": "",
        "mobile_connected": False,
        "is_submitted": False,
    }
    with dynamodb_calls() as calls:
        connected = client.put(f"{KYC}/session/connect", json={"token": token})
    assert calls == ["UpdateItem"]
    assert connected.json() == {"mobile_connected": True}
    assert client.get(f"{KYC}/session/{token}").json()["mobile_connected"] is True
    released = client.put(f"{KYC}/session/connect", json={"token": token, "is_disconnect": True})
    assert released.json() == {"mobile_connected": False}
    assert client.get(f"{KYC}/session/{token}").json()["mobile_connected"] is False

    # The handoff outlives the 10-minute Re-Use KYC token by design (15 minutes), then answers 410.
    clock.travel(601)
    assert client.get(f"{KYC}/session/{token}").status_code == 200
    clock.travel(300)
    assert client.get(f"{KYC}/session/{token}").status_code == 410
    assert client.put(f"{KYC}/session/connect", json={"token": token}).status_code == 410


def test_unknown_handoff_token_is_404(client: Any) -> None:
    assert client.get(f"{KYC}/session/not-a-token").status_code == 404
    response = client.put(f"{KYC}/session/connect", json={"token": "not-a-token"})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_status_is_tenant_scoped(client: Any, tenant_a: Any, tenant_b: Any) -> None:
    kyc_customer(client, tenant_a)
    enable(client, tenant_a)
    open_session(client, tenant_a, "ref-a", callback_url=PUBLIC_HOOK)
    assert status(client, tenant_a, "ref-a").status_code == 200
    assert status(client, tenant_b, "ref-a").status_code == 404
