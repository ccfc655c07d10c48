"""The mobile document handoff over HTTP with the real sface matcher: one slot per upload, retakes,
the final submit through document verification's checks, its refusals, races, and tenant isolation."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from tests.conftest import atomic_moto
from tests.integration.documents_support import (
    KYC,
    PASSPORT_AND_SELFIE,
    SIX_SLOTS,
    fill,
    handoff,
    id_card_front,
    kyc_request,
    open_link,
    passport_page,
    selfie,
    submission_status,
    submit,
    upload,
)
from tests.integration.kyc_support import (
    create_customer,
    dynamodb_calls,
    records_with_sk,
    stored_object_versions,
    years_ago,
)
from tests.integration.reuse_support import (
    IPHONE,
    PUBLIC_HOOK,
    enable,
    open_session,
    s3_calls,
    set_preferences,
)
from tests.reliability.harness import aws_state, tenant_owns

ADDRESS = {"line1": "1 Main St", "city": "Springfield", "country": "US"}


def test_passport_and_selfie_are_approved_and_the_tenant_is_called_back(client: Any, tenant_a: Any) -> None:
    create_customer(client, tenant_a, "obama")
    link = open_link(client, tenant_a, callback_url=PUBLIC_HOOK)
    token = link["token"]
    assert client.put(f"{KYC}/session/connect", json={"token": token}).json() == {"mobile_connected": True}

    with dynamodb_calls() as calls, s3_calls() as s3:
        status = upload(client, token, "document", passport_page())
    assert status.status_code == 200, status.text
    assert (calls, s3) == (["GetItem", "UpdateItem"], ["PutObject"])
    assert status.json()["missing_slots"] == ["face"]
    assert handoff(client, token).json()["document"] == "filled"

    fill(client, token, {"face": selfie()})
    with dynamodb_calls() as calls, s3_calls() as s3:
        result = submit(client, token)
    assert result.status_code == 200, result.text
    # Handoff, request + customer, the customer's alerts (risk), the decision; the two images the faces need.
    assert calls == ["GetItem", "BatchGetItem", "Query", "TransactWriteItems"]
    assert s3 == ["GetObject", "GetObject", "DeleteObjectTagging", "DeleteObjectTagging"]
    shown = result.json()
    assert (shown["is_submitted"], shown["status"]) == (True, "approved")
    assert "declined_code" not in shown
    session = handoff(client, token).json()
    assert (session["is_submitted"], session["mobile_connected"], session["face"]) == (True, True, "filled")

    request = kyc_request(client, tenant_a, link["kyc_id"])
    assert (request["status"], request["document_type"], request["risk_level"]) == ("approved", "passport", "low")
    assert request["face_match_score"] >= 0.45
    assert [p["proof_type"] for p in request["proofs"]] == ["document_front", "selfie"]
    # The approval gives Re-Use KYC its reference face, as documents/verify does.
    status = client.get(f"{KYC}/status", headers=tenant_a.headers, params={"customer_id": "obama"}).json()
    assert (status["status"], status["kyc_id"], status["has_reference_face"]) == ("approved", link["kyc_id"], True)
    (delivery,) = records_with_sk("DELIVERY")
    assert (delivery["event"], delivery["reference"], delivery["url"]) == ("kyc_request", link["kyc_id"], PUBLIC_HOOK)
    assert json.loads(delivery["body"]) == request

    proofs = client.get(f"{KYC}/requests/{link['kyc_id']}/proofs", headers=tenant_a.headers).json()
    assert [p["proof_type"] for p in proofs] == ["document_front", "selfie"]
    assert all(f"/{tenant_a.tenant_id}/kyc/{link['kyc_id']}/" in p["url"] for p in proofs)

    assert submit(client, token).status_code == 409
    late = upload(client, token, "face", selfie())
    assert late.status_code == 409 and late.json()["type"].endswith(":submitted")


def test_a_two_sided_id_fills_all_six_slots(client: Any, tenant_a: Any) -> None:
    create_customer(client, tenant_a, "obama", address=ADDRESS)
    set_preferences(client, tenant_a, is_address_verification_required=True, required_document_count=2)
    link = open_link(client, tenant_a, document_type="national_id", document_two_type="driving_license")
    seen = []
    for slot, image in SIX_SLOTS.items():
        assert upload(client, link["token"], slot, image).status_code == 200
        seen.append(dict(handoff(client, link["token"]).json()))
    # The desktop sees each slot fill, never a URL or an image.
    assert [[k for k, v in s.items() if v == "filled"] for s in seen][-1] == list(SIX_SLOTS)
    assert [sum(v == "filled" for v in s.values()) for s in seen] == [1, 2, 3, 4, 5, 6]
    assert all(set(s.values()) <= {"filled", "empty", False} for s in seen)

    result = submit(client, link["token"]).json()
    assert result["status"] == "approved", result
    request = kyc_request(client, tenant_a, link["kyc_id"])
    assert [p["proof_type"] for p in request["proofs"]] == [
        "document_front",
        "document_back",
        "document_two_front",
        "document_two_back",
        "proof_of_address",
        "selfie",
    ]
    assert (request["document_two_type"], request["warnings"], request["risk_score"]) == ("driving_license", {}, 0)


def test_missing_slots_are_listed_and_nothing_is_decided(client: Any, tenant_a: Any) -> None:
    create_customer(client, tenant_a, "obama")
    link = open_link(client, tenant_a, document_type="national_id")
    fill(client, link["token"], {"document": id_card_front()})
    before = aws_state()
    response = submit(client, link["token"])
    assert response.status_code == 422
    problem = response.json()
    assert problem["missing_slots"] == ["document_backside", "face"]
    assert [e["loc"] for e in problem["errors"]] == [["slots", "document_backside"], ["slots", "face"]]
    assert "document_backside, face" in problem["detail"]
    assert not before.delta(aws_state())
    assert kyc_request(client, tenant_a, link["kyc_id"])["status"] == "pending_submission"


def test_a_retake_replaces_the_slot_and_leaves_no_old_image(client: Any, tenant_a: Any) -> None:
    create_customer(client, tenant_a, "obama")
    link = open_link(client, tenant_a)
    fill(client, link["token"], {"document": passport_page("biden_1.jpg"), "face": selfie()})
    with s3_calls() as s3:
        fill(client, link["token"], {"document": passport_page()})  # retake: the right passport
    assert s3 == ["PutObject", "DeleteObjects"]
    versions = stored_object_versions()
    assert len(versions) == 2 and len(set(versions)) == 2, versions  # one document, one face: no old version
    assert submit(client, link["token"]).json()["status"] == "approved"


def test_uploads_the_link_does_not_ask_for_or_cannot_read_are_refused(client: Any, tenant_a: Any) -> None:
    create_customer(client, tenant_a, "obama")
    token = open_link(client, tenant_a)["token"]
    before = aws_state()
    response = upload(client, token, "document_backside", passport_page())
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "slot"]
    assert "it asks for document, face" in response.json()["detail"]
    response = client.post(f"{KYC}/session/upload", json={"token": token, "slot": "face", "image": "bm90IGFuIGltYWdl"})
    assert response.status_code == 422 and response.json()["errors"][0]["loc"] == ["body", "image"]
    assert not before.delta(aws_state())


def test_re_use_kyc_tokens_open_no_kyc_submission(client: Any, tenant_a: Any) -> None:
    from tests.integration.reuse_support import kyc_customer

    kyc_customer(client, tenant_a)
    enable(client, tenant_a)
    token = open_session(client, tenant_a)["token"]
    before = aws_state()
    for response in (
        submission_status(client, token),
        upload(client, token, "face", selfie()),
        submit(client, token),
    ):
        assert response.status_code == 404, response.text
    assert not before.delta(aws_state())
    # The handoff routes they share still serve the Re-Use KYC session.
    assert handoff(client, token).json()["document"] == ""
    assert client.put(f"{KYC}/session/connect", json={"token": token}).json() == {"mobile_connected": True}


def test_another_persons_selfie_is_declined_with_high_risk(client: Any, tenant_a: Any) -> None:
    create_customer(client, tenant_a, "obama")
    link = open_link(client, tenant_a)
    fill(client, link["token"], {"document": passport_page(), "face": selfie("biden_2.jpg")})
    result = submit(client, link["token"]).json()
    assert (result["status"], result["declined_code"]) == ("declined", "face_mismatch")
    request = kyc_request(client, tenant_a, link["kyc_id"])
    assert (request["risk_score"], request["risk_level"]) == (80, "high")
    assert request["risk_factors"]["face"] == 80


def test_a_second_document_of_someone_else_declines(client: Any, tenant_a: Any) -> None:
    create_customer(client, tenant_a, "obama")
    link = open_link(client, tenant_a, document_two_type="passport")
    images = {"document": passport_page(), "document_two": passport_page("biden_1.jpg"), "face": selfie()}
    fill(client, link["token"], images)
    assert submit(client, link["token"]).json()["declined_code"] == "face_mismatch"
    request = kyc_request(client, tenant_a, link["kyc_id"])
    assert "face" not in request["warnings"]  # the first document matched
    assert request["warnings"]["document_two"]["note"].startswith("The face in the selfie does not match")


def test_the_age_and_rules_are_those_the_link_was_issued_with(client: Any, tenant_a: Any) -> None:
    create_customer(client, tenant_a, "young")
    link = open_link(client, tenant_a, "young", birthday=years_ago(19))
    set_preferences(client, tenant_a, min_age=21)  # after the link: not this request's rule
    fill(client, link["token"], PASSPORT_AND_SELFIE)
    assert submit(client, link["token"]).json()["status"] == "approved"
    customer = client.get(f"{KYC}/customers/young", headers=tenant_a.headers).json()
    assert customer["birthday"] == years_ago(19)  # the link's birthday lands on the customer with the decision

    link = open_link(client, tenant_a, "young")
    fill(client, link["token"], PASSPORT_AND_SELFIE)
    result = submit(client, link["token"]).json()
    assert (result["status"], result["declined_code"]) == ("declined", "underage")


def test_proof_of_address_without_an_address_on_file_is_a_warning(client: Any, tenant_a: Any) -> None:
    create_customer(client, tenant_a, "obama")
    set_preferences(client, tenant_a, is_address_verification_required=True)
    link = open_link(client, tenant_a)
    fill(client, link["token"], {**PASSPORT_AND_SELFIE, "address": SIX_SLOTS["address"]})
    assert submit(client, link["token"]).json()["status"] == "approved"
    request = kyc_request(client, tenant_a, link["kyc_id"])
    assert "no address on file" in request["warnings"]["address"]["note"]
    assert (request["risk_score"], request["risk_factors"]["document_warnings"]) == (10, 10)


def test_a_retake_while_the_documents_are_checked_is_not_decided_on(
    client: Any, tenant_a: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kycgate.kyc import verification

    create_customer(client, tenant_a, "obama")
    link = open_link(client, tenant_a)
    fill(client, link["token"], PASSPORT_AND_SELFIE)
    real = verification.run_checks

    def retake_meanwhile(*args: Any, **kwargs: Any) -> Any:
        checks = real(*args, **kwargs)
        assert upload(client, link["token"], "face", selfie("biden_2.jpg")).status_code == 200
        return checks

    monkeypatch.setattr(verification, "run_checks", retake_meanwhile)
    response = submit(client, link["token"])
    assert response.status_code == 409 and response.json()["type"].endswith(":slot-changed")
    assert kyc_request(client, tenant_a, link["kyc_id"])["status"] == "pending_submission"
    monkeypatch.setattr(verification, "run_checks", real)
    assert submit(client, link["token"]).json()["declined_code"] == "face_mismatch"  # decided on the retake


def test_concurrent_submits_decide_once(client: Any, tenant_a: Any) -> None:
    create_customer(client, tenant_a, "obama")
    link = open_link(client, tenant_a, callback_url=PUBLIC_HOOK)
    fill(client, link["token"], PASSPORT_AND_SELFIE)
    statuses: list[int] = []
    start = threading.Barrier(4)

    def go() -> None:
        start.wait()
        statuses.append(submit(client, link["token"]).status_code)

    with atomic_moto():
        threads = [threading.Thread(target=go) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(statuses) == [200, 409, 409, 409]
    assert len(records_with_sk("DELIVERY")) == 1


def test_a_token_reaches_only_its_own_tenants_request(client: Any, tenant_a: Any, tenant_b: Any) -> None:
    create_customer(client, tenant_a, "obama")
    create_customer(client, tenant_b, "obama")  # the same customer id in tenant B
    link_a = open_link(client, tenant_a)
    link_b = open_link(client, tenant_b)
    b_request = kyc_request(client, tenant_b, link_b["kyc_id"])
    before = aws_state()
    fill(client, link_a["token"], PASSPORT_AND_SELFIE)
    assert submit(client, link_a["token"]).status_code == 200
    after = aws_state()
    added = set().union(*(after.items[t] - before.items[t] for t in after.items))
    for item in map(json.loads, added):
        assert tenant_owns(item, tenant_a.tenant_id), item["PK"]["S"]
    assert all(key.startswith(f"{tenant_a.tenant_id}/") for key, _ in after.versions - before.versions)
    assert kyc_request(client, tenant_b, link_b["kyc_id"]) == b_request
    assert client.get(f"{KYC}/requests/{link_a['kyc_id']}", headers=tenant_b.headers).status_code == 404


def test_the_phone_can_use_any_browser_but_the_token_is_the_credential(client: Any, tenant_a: Any) -> None:
    # Uploads take no API key and no device rule: a tenant's own app may upload for its customer.
    create_customer(client, tenant_a, "obama")
    token = open_link(client, tenant_a)["token"]
    headers = {"User-Agent": IPHONE, "Authorization": "Bearer kg_live_not-a-key"}
    response = client.post(f"{KYC}/session/upload", headers=headers, json={"token": token, "slot": "face", "image": ""})
    assert response.status_code == 422  # judged on the image, not on the (ignored) Authorization header


def test_photos_are_tagged_unsubmitted_until_their_documents_are_submitted(client: Any, tenant_a: Any) -> None:
    from kycgate.core.aws import client as aws_client
    from kycgate.core.settings import get_settings

    s3 = aws_client("s3")
    bucket = get_settings().proofs_bucket
    # template.yaml's lifecycle rule deletes tagged photos (moto keeps the rule; AWS applies it).
    rules = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    (rule,) = [r for r in rules if r["ID"] == "UnsubmittedHandoffPhotos"]
    assert rule["Filter"] == {"Tag": {"Key": "kycgate-unsubmitted", "Value": "true"}}
    assert (rule["Status"], rule["Expiration"], rule["NoncurrentVersionExpiration"]) == (
        "Enabled",
        {"Days": 2},
        {"NoncurrentDays": 1},
    )

    create_customer(client, tenant_a, "obama")
    abandoned = open_link(client, tenant_a)
    fill(client, abandoned["token"], {"document": passport_page()})
    submitted = open_link(client, tenant_a, "obama")  # the open link: same request
    assert submitted["kyc_id"] == abandoned["kyc_id"]
    fill(client, submitted["token"], {"face": selfie()})

    def tags() -> dict[str, list[dict[str, str]]]:
        listing = s3.list_object_versions(Bucket=bucket).get("Versions", [])
        return {
            v["Key"].rsplit("/", 1)[-1]: s3.get_object_tagging(Bucket=bucket, Key=v["Key"], VersionId=v["VersionId"])[
                "TagSet"
            ]
            for v in listing
        }

    unsubmitted = [{"Key": "kycgate-unsubmitted", "Value": "true"}]
    assert tags() == {"document.jpg": unsubmitted, "face.jpg": unsubmitted}
    assert submit(client, submitted["token"]).status_code == 200
    assert tags() == {"document.jpg": [], "face.jpg": []}
