"""Submit links over HTTP (POST /api/v1/kyc/submit-link): the pending request, its handoff and link,
the slots the preferences and document types ask for, idempotency per customer, refusals, expiry."""

from __future__ import annotations

import json
import threading
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from kycgate.core import clock
from tests.conftest import atomic_moto
from tests.integration.documents_support import (
    KYC,
    PASSPORT_AND_SELFIE,
    fill,
    handoff,
    id_card_back,
    id_card_front,
    kyc_request,
    open_link,
    selfie,
    submission_status,
    submit,
    submit_link,
    upload,
)
from tests.integration.kyc_support import create_customer, dynamodb_calls, records_with_sk
from tests.integration.reuse_support import PUBLIC_HOOK, set_preferences
from tests.reliability.harness import aws_state


@pytest.fixture
def frontend(monkeypatch: pytest.MonkeyPatch) -> str:
    from kycgate.core.settings import get_settings

    base = "https://kyc.example.test"
    monkeypatch.setenv("BASE_URL_FRONTEND", base)
    get_settings.cache_clear()
    return base


def test_a_link_opens_a_pending_request_and_its_handoff(client: Any, tenant_a: Any, frontend: str) -> None:
    create_customer(client, tenant_a, "obama")
    with dynamodb_calls() as calls:
        response = submit_link(
            client,
            tenant_a,
            callback_url=PUBLIC_HOOK,
            locale="de-CH",
            trigger_event="onboarding",
        )
    assert response.status_code == 200, response.text
    # The key lookup of the local auth dependency, then preferences + customer, the open link, the write.
    assert calls == ["GetItem", "BatchGetItem", "GetItem", "TransactWriteItems"]
    link = response.json()
    assert (link["customer_id"], link["status"]) == ("obama", "pending_submission")
    assert link["required_slots"] == ["document", "face"]  # a passport has no back; face verification is on
    assert len(link["token"]) == 43  # 32 random bytes, url-safe
    url = urlsplit(link["link"])
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{frontend}/kyc-submit"
    assert parse_qs(url.query) == {"token": [link["token"]]}
    expires = datetime.fromisoformat(link["expires_at"].replace("Z", "+00:00")).timestamp()
    assert 14 * 60 < expires - clock.now() <= 15 * 60

    request = kyc_request(client, tenant_a, link["kyc_id"])
    assert request["status"] == "pending_submission"
    assert (request["locale"], request["trigger_event"], request["link_expires_at"]) == (
        "de-CH",
        "onboarding",
        link["expires_at"],
    )
    assert (request["proofs"], request["risk_score"], request["risk_level"]) == ([], None, None)
    assert "token" not in json.dumps(request)  # the capability token never appears in a tenant body

    session = handoff(client, link["token"]).json()
    assert session == {
        "document": "empty",
        "document_backside": "",
        "document_two": "",
        "document_two_backside": "",
        "address": "",
        "face": "empty",
        "mobile_connected": False,
        "is_submitted": False,
    }
    status = submission_status(client, link["token"]).json()
    assert [(s["slot"], s["state"], s["document_type"]) for s in status["slots"]] == [
        ("document", "empty", "passport"),
        ("face", "empty", "selfie"),
    ]
    assert (status["purpose"], status["status"], status["missing_slots"]) == (
        "submission",
        "pending_submission",
        ["document", "face"],
    )
    # The customer's status is their latest decision: a link alone changes nothing.
    customer = client.get(f"{KYC}/customers/obama", headers=tenant_a.headers).json()
    assert (customer["kyc_status"], customer["latest_kyc_id"]) == ("not_started", None)


def test_slots_follow_the_document_types_and_the_preferences(client: Any, tenant_a: Any) -> None:
    create_customer(client, tenant_a, "obama", address={"line1": "1 Main St", "city": "Springfield", "country": "US"})
    set_preferences(client, tenant_a, is_address_verification_required=True, required_document_count=2)
    six = open_link(client, tenant_a, document_type="national_id", document_two_type="driving_license")
    assert six["required_slots"] == [
        "document",
        "document_backside",
        "document_two",
        "document_two_backside",
        "address",
        "face",
    ]
    status = submission_status(client, six["token"]).json()
    assert [(s["document_type"], s.get("side")) for s in status["slots"]] == [
        ("national_id", "front"),
        ("national_id", "back"),
        ("driving_license", "front"),
        ("driving_license", "back"),
        ("proof_of_address", None),
        ("selfie", None),
    ]
    assert set(handoff(client, six["token"]).json().values()) == {"empty", False}

    create_customer(client, tenant_a, "no-selfie")
    set_preferences(
        client, tenant_a, is_face_verification_required=False, is_address_verification_required=False,
        required_document_count=1,
    )  # fmt: skip
    assert open_link(client, tenant_a, "no-selfie", document_type="residence_permit")["required_slots"] == [
        "document",
        "document_backside",
    ]


def test_an_open_link_is_returned_and_a_lapsed_one_expires_its_request(client: Any, tenant_a: Any) -> None:
    create_customer(client, tenant_a, "obama")
    first = open_link(client, tenant_a, callback_url=PUBLIC_HOOK)
    with dynamodb_calls() as calls:
        again = open_link(client, tenant_a, document_type="national_id")  # the open link, as issued
    assert again == first
    assert calls == ["GetItem", "BatchGetItem", "GetItem"]  # nothing written
    assert len(records_with_sk("KYC_REQUEST")) == 1

    clock.travel(15 * 60 + 1)
    assert handoff(client, first["token"]).status_code == 410
    second = open_link(client, tenant_a, document_type="national_id")
    assert second["kyc_id"] != first["kyc_id"] and second["token"] != first["token"]
    assert second["required_slots"] == ["document", "document_backside", "face"]
    assert kyc_request(client, tenant_a, first["kyc_id"])["status"] == "expired"
    deliveries = records_with_sk("DELIVERY")
    assert [json.loads(d["body"])["status"] for d in deliveries] == ["expired"]
    assert json.loads(deliveries[0]["body"])["kyc_id"] == first["kyc_id"]

    # Once submitted, the link is closed: the next one is a new request.
    fill(client, second["token"], {"document": id_card_front(), "document_backside": id_card_back(), "face": selfie()})
    assert submit(client, second["token"]).status_code == 200
    third = open_link(client, tenant_a)
    assert third["kyc_id"] not in (first["kyc_id"], second["kyc_id"])


def test_concurrent_links_for_one_customer_make_one_request(client: Any, tenant_a: Any) -> None:
    create_customer(client, tenant_a, "obama")
    results: list[dict[str, Any]] = []
    start = threading.Barrier(8)

    def ask() -> None:
        start.wait()
        response = submit_link(client, tenant_a)
        assert response.status_code == 200, response.text
        results.append(response.json())

    with atomic_moto():
        threads = [threading.Thread(target=ask) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(results) == 8
    assert len({r["kyc_id"] for r in results}) == 1
    assert len({r["token"] for r in results}) == 1
    assert len(records_with_sk("KYC_REQUEST")) == 1


def test_bad_link_requests_are_refused_before_anything_is_written(client: Any, tenant_a: Any) -> None:
    create_customer(client, tenant_a, "obama")
    client.post(f"{KYC}/customers", headers=tenant_a.headers, json={"customer_id": "no-birthday"})
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"customer_id": "nobody"}, 404, "create it first"),
        ({"callback_url": "https://127.0.0.1/hook"}, 422, "callback_url refused"),
        ({"redirect_url": "http://example.com/back"}, 422, "redirect_url refused"),
        ({"customer_id": "no-birthday"}, 422, "a birthday is required"),
        ({"locale": "english please"}, 422, "locale"),
        ({"trigger_event": "on\x00boarding"}, 422, "control characters"),
        ({"document_type": "library_card"}, 422, "document_type"),
    ]
    set_preferences(client, tenant_a, supported_document_types=["passport", "national_id"])
    cases.append(({"document_type": "driving_license"}, 422, "not among your supported_document_types"))
    cases.append(
        ({"document_two_type": "residence_permit"}, 422, "residence_permit is not among your supported_document_types")
    )
    for body, status, detail in cases:
        before = aws_state()
        response = submit_link(client, tenant_a, **{"customer_id": "obama", **body})
        assert response.status_code == status, (body, response.text)
        assert detail in response.text, (body, response.text)
        assert not before.delta(aws_state()), body

    set_preferences(client, tenant_a, required_document_count=2)
    response = submit_link(client, tenant_a)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "document_two_type"]
    set_preferences(client, tenant_a, required_document_count=3)
    response = submit_link(client, tenant_a, document_two_type="national_id")
    assert response.status_code == 422 and "at most 2 identity documents" in response.json()["detail"]


def test_every_token_route_refuses_an_expired_link(client: Any, tenant_a: Any) -> None:
    create_customer(client, tenant_a, "obama")
    token = open_link(client, tenant_a)["token"]
    assert upload(client, token, "document", PASSPORT_AND_SELFIE["document"]).status_code == 200
    clock.travel(15 * 60)  # exactly at expiry: expires_at <= now is expired
    before = aws_state()
    answers = {
        "handoff": handoff(client, token),
        "connect": client.put(f"{KYC}/session/connect", json={"token": token}),
        "status": submission_status(client, token),
        "upload": upload(client, token, "face", PASSPORT_AND_SELFIE["face"]),
        "submit": submit(client, token),
    }
    for route, response in answers.items():
        assert response.status_code == 410, (route, response.text)
        assert response.json()["type"].endswith(":session-expired"), route
    assert not before.delta(aws_state())
