"""Additional documents over HTTP: a decided request is reopened with a new link, what the customer sends
lands on the same kyc_id as SubmittedDocuments with downloadable proofs, every state change calls back."""

from __future__ import annotations

import json
from typing import Any

import requests

from kycgate.core import clock
from tests.integration.documents_support import (
    KYC,
    PASSPORT_AND_SELFIE,
    ask_for_documents,
    fill,
    kyc_request,
    open_link,
    passport_page,
    selfie,
    submission_status,
    submit,
    utility_bill,
)
from tests.integration.kyc_support import create_customer, dynamodb_calls, records_with_sk, verify
from tests.integration.reuse_support import PUBLIC_HOOK
from tests.reliability.harness import aws_state


def _approved(client: Any, tenant: Any, customer_id: str = "obama") -> dict[str, Any]:
    create_customer(client, tenant, customer_id)
    link = open_link(client, tenant, customer_id, callback_url=PUBLIC_HOOK)
    fill(client, link["token"], PASSPORT_AND_SELFIE)
    assert submit(client, link["token"]).json()["status"] == "approved"
    return kyc_request(client, tenant, link["kyc_id"])


def _customer(client: Any, tenant: Any, customer_id: str = "obama") -> dict[str, Any]:
    return client.get(f"{KYC}/customers/{customer_id}", headers=tenant.headers).json()


def _callbacks() -> list[str]:
    deliveries = sorted(records_with_sk("DELIVERY"), key=lambda d: d["created_at"])
    return [json.loads(d["body"])["status"] for d in deliveries]


def test_asked_for_sent_and_reviewed_on_the_same_request(client: Any, tenant_a: Any) -> None:
    approved = _approved(client, tenant_a)
    kyc_id = approved["kyc_id"]
    with dynamodb_calls() as calls:
        response = ask_for_documents(
            client,
            tenant_a,
            kyc_id,
            "passport",
            "proof_of_address",
            "selfie",
            message="Your photo was blurry.\nA bill too.",
        )
    assert response.status_code == 200, response.text
    assert calls == ["GetItem", "GetItem", "GetItem", "TransactWriteItems"]  # key, request, customer, the change
    link = response.json()
    assert (link["kyc_id"], link["status"]) == (kyc_id, "additional_documents_requested")
    assert link["required_slots"] == ["document", "address", "face"]
    reopened = kyc_request(client, tenant_a, kyc_id)
    assert reopened["status"] == "additional_documents_requested"
    assert reopened["requested_documents"]["document_types"] == ["passport", "proof_of_address", "selfie"]
    assert reopened["requested_documents"]["fulfilled_at"] is None
    customer = _customer(client, tenant_a)
    assert (customer["kyc_status"], customer["has_reference_face"]) == ("additional_documents_requested", False)
    assert _callbacks() == ["approved", "additional_documents_requested"]

    page = submission_status(client, link["token"]).json()
    assert (page["purpose"], page["message"]) == ("additional_documents", "Your photo was blurry.\nA bill too.")
    fill(client, link["token"], {"document": passport_page(), "address": utility_bill(), "face": selfie("obama_2.jpg")})
    result = submit(client, link["token"]).json()
    assert (result["status"], result["is_submitted"]) == ("in_review", True)

    request = kyc_request(client, tenant_a, kyc_id)
    assert request["status"] == "in_review"
    assert request["proofs"] == approved["proofs"]  # the first submission stays as it was
    documents = request["submitted_documents"]
    assert [(d["document_type"], [p["proof_type"] for p in d["proofs"]]) for d in documents] == [
        ("passport", ["document_front"]),
        ("proof_of_address", ["proof_of_address"]),
        ("selfie", ["selfie"]),
    ]
    assert {d["message"] for d in documents} == {"Your photo was blurry.\nA bill too."}
    assert request["requested_documents"]["fulfilled_at"] == documents[0]["submitted_at"]
    assert _callbacks() == ["approved", "additional_documents_requested", "in_review"]
    assert _customer(client, tenant_a)["kyc_status"] == "in_review"

    proofs = client.get(f"{KYC}/requests/{kyc_id}/proofs", headers=tenant_a.headers).json()
    assert [(p["proof_type"], p["document_id"]) for p in proofs] == [
        ("document_front", None),
        ("selfie", None),
        ("document_front", documents[0]["document_id"]),
        ("proof_of_address", documents[1]["document_id"]),
        ("selfie", documents[2]["document_id"]),
    ]
    bill = requests.get(proofs[3]["url"], timeout=10)  # moto answers presigned URLs in-process
    assert bill.status_code == 200 and bill.content == utility_bill()

    # A reviewer decides; the approval restores the reference face from the request's own selfie.
    decided = client.patch(f"{KYC}/requests/{kyc_id}/status", headers=tenant_a.headers, json={"status": "approved"})
    assert decided.status_code == 200, decided.text
    customer = _customer(client, tenant_a)
    assert (customer["kyc_status"], customer["has_reference_face"]) == ("approved", True)
    assert _callbacks()[-1] == "approved"


def test_an_open_request_is_returned_and_a_lapsed_one_gets_a_new_link(client: Any, tenant_a: Any) -> None:
    kyc_id = _approved(client, tenant_a)["kyc_id"]
    first = ask_for_documents(client, tenant_a, kyc_id, "proof_of_address").json()
    with dynamodb_calls() as calls:
        again = ask_for_documents(client, tenant_a, kyc_id, "passport").json()
    assert again == first and calls == ["GetItem", "GetItem"]
    clock.travel(15 * 60 + 1)
    assert submission_status(client, first["token"]).status_code == 410
    renewed = ask_for_documents(client, tenant_a, kyc_id, "passport", message="Only the passport").json()
    assert renewed["token"] != first["token"] and renewed["required_slots"] == ["document"]
    assert submission_status(client, renewed["token"]).json()["message"] == "Only the passport"
    assert _callbacks() == ["approved", "additional_documents_requested"]  # no state change, no callback
    fill(client, renewed["token"], {"document": passport_page()})
    assert submit(client, renewed["token"]).json()["status"] == "in_review"
    assert kyc_request(client, tenant_a, kyc_id)["submitted_documents"][0]["message"] == "Only the passport"


def test_an_older_request_reopens_without_touching_the_customer(client: Any, tenant_a: Any) -> None:
    older = _approved(client, tenant_a)["kyc_id"]
    newer = verify(client, tenant_a, "obama", selfie="biden_1.jpg").json()
    assert newer["status"] == "declined"
    assert ask_for_documents(client, tenant_a, older, "proof_of_address").status_code == 200
    customer = _customer(client, tenant_a)
    assert (customer["kyc_status"], customer["latest_kyc_id"]) == ("declined", newer["kyc_id"])


def test_requests_that_cannot_take_more_documents(client: Any, tenant_a: Any, tenant_b: Any) -> None:
    create_customer(client, tenant_a, "obama")
    pending = open_link(client, tenant_a)["kyc_id"]
    before = aws_state()
    response = ask_for_documents(client, tenant_a, pending, "passport")
    assert response.status_code == 409 and response.json()["current_status"] == "pending_submission"
    assert ask_for_documents(client, tenant_a, "kyc_nope", "passport").status_code == 404
    assert ask_for_documents(client, tenant_b, pending, "passport").status_code == 404
    for body in (
        {"document_types": ["passport", "passport"], "message": "x"},
        {"document_types": ["passport", "national_id", "driving_license"], "message": "x"},
        {"document_types": [], "message": "x"},
        {"document_types": ["passport"], "message": ""},
        {"document_types": ["passport"], "message": "a\x1b[31mb"},
        {"document_types": ["passport"], "message": "x", "redirect_url": "https://10.0.0.1/x"},
    ):
        response = client.post(f"{KYC}/requests/{pending}/additional-documents", headers=tenant_a.headers, json=body)
        assert response.status_code == 422, (body, response.text)
    assert not before.delta(aws_state())
