"""Document verification over HTTP with the real sface matcher on real photos."""

from __future__ import annotations

import base64
import io
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from PIL import Image

from tests.conftest import FACES
from tests.integration.kyc_support import (
    KYC,
    create_customer,
    dynamodb_calls,
    photo,
    records_with_sk,
    review_band,
    stored_object_versions,
    verify,
    years_ago,
)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _image(size: tuple[int, int], fmt: str) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", size, (120, 60, 30)).save(buffer, fmt)
    return _b64(buffer.getvalue())


def _reference_face_of(tenant: Any, customer_id: str) -> Any:
    """The customer's reference face as Re-Use KYC reads it."""
    from kycgate.kyc.reference import preferences_and_customer, reference_face

    _, customer = preferences_and_customer(tenant.tenant_id, customer_id)
    return reference_face(customer_id, customer)


def _status(client: Any, tenant: Any, customer_id: str) -> dict[str, Any]:
    response = client.get(f"{KYC}/status", headers=tenant.headers, params={"customer_id": customer_id})
    assert response.status_code == 200, response.text
    return response.json()


def test_genuine_pair_is_approved_and_the_selfie_becomes_the_reference_face(client: Any, tenant_a: Any) -> None:
    create_customer(client, tenant_a, "obama")
    with dynamodb_calls() as calls:
        response = verify(client, tenant_a, "obama")
    assert response.status_code == 201, response.text
    # The API key lookup of the local auth dependency, then the route's own three calls (the Query counts
    # the customer's open Re-Use KYC alerts for the risk score).
    assert calls == ["GetItem", "BatchGetItem", "Query", "TransactWriteItems"]
    body = response.json()
    assert body["status"] == "approved"
    assert body["declined_code"] is None
    assert body["face_match_score"] >= 0.45
    assert body["warnings"] == {}
    assert (body["risk_score"], body["risk_level"]) == (0, "low")
    assert body["risk_factors"] == {"face": 0, "age": 0, "document_warnings": 0, "reuse_alerts": 0}
    assert [p["proof_type"] for p in body["proofs"]] == ["document_front", "selfie"]
    assert body["proofs"][1] == {
        "proof_type": "selfie",
        "content_type": "image/jpeg",
        "width": 626,
        "height": 1200,
        "size_bytes": (FACES / "obama_2.jpg").stat().st_size,
    }
    kyc_id = body["kyc_id"]
    assert client.get(f"{KYC}/requests/{kyc_id}", headers=tenant_a.headers).json() == body

    status = _status(client, tenant_a, "obama")
    assert status["status"] == "approved"
    assert status["kyc_id"] == kyc_id
    assert status["is_verified"] is True
    assert status["has_reference_face"] is True

    with dynamodb_calls() as calls:
        reference = _reference_face_of(tenant_a, "obama")
    assert calls == ["BatchGetItem"]
    assert reference is not None
    assert reference.kyc_id == kyc_id
    assert reference.image_key == f"{tenant_a.tenant_id}/kyc/{kyc_id}/selfie.jpg"
    assert reference.template is not None
    assert reference.template.backend == "sface"
    assert len(reference.template.vector) == 512
    # The stored template is the selfie's own: matching it against the selfie again is a near-perfect score.
    from kycgate.core.errors import NotFound
    from kycgate.faces import get_matcher

    again = get_matcher().compare_template(reference.template, (FACES / "obama_2.jpg").read_bytes())
    assert again.similarity > 0.99
    with pytest.raises(NotFound):  # a mistyped id is an error, not "no reference face"
        _reference_face_of(tenant_a, "nobody")


def test_proofs_are_presigned_tenant_keyed_and_fetchable(client: Any, tenant_a: Any) -> None:
    create_customer(client, tenant_a, "proofs")
    kyc_id = verify(client, tenant_a, "proofs").json()["kyc_id"]
    response = client.get(f"{KYC}/requests/{kyc_id}/proofs", headers=tenant_a.headers)
    assert response.status_code == 200
    proofs = {p["proof_type"]: p for p in response.json()}
    assert set(proofs) == {"document_front", "selfie"}
    for proof_type, name in (("document_front", "obama_1.jpg"), ("selfie", "obama_2.jpg")):
        url = urlsplit(proofs[proof_type]["url"])
        assert url.path.endswith(f"/{tenant_a.tenant_id}/kyc/{kyc_id}/{proof_type}.jpg")
        assert parse_qs(url.query)["X-Amz-Expires"] == ["300"]
        fetched = requests.get(proofs[proof_type]["url"], timeout=10)
        assert fetched.status_code == 200
        assert fetched.content == (FACES / name).read_bytes()
    assert proofs["selfie"]["expires_at"] > response.headers.get("date", "")


def test_a_later_decline_removes_the_reference_face(client: Any, tenant_a: Any) -> None:
    create_customer(client, tenant_a, "switch")
    assert verify(client, tenant_a, "switch").json()["status"] == "approved"
    declined = verify(client, tenant_a, "switch", selfie="biden_1.jpg").json()
    assert declined["status"] == "declined"
    assert declined["declined_code"] == "face_mismatch"
    assert declined["declined_reason"]
    assert declined["face_match_score"] < 0.363
    assert declined["warnings"]["face"]["faces_in_selfie"] == "1"
    status = _status(client, tenant_a, "switch")
    assert (status["status"], status["kyc_id"], status["has_reference_face"]) == (
        "declined",
        declined["kyc_id"],
        False,
    )
    assert _reference_face_of(tenant_a, "switch") is None


def test_two_faces_in_the_selfie_are_declined(client: Any, tenant_a: Any) -> None:
    create_customer(client, tenant_a, "crowd")
    body = verify(client, tenant_a, "crowd", selfie="two_faces_2.jpg").json()
    assert body["status"] == "declined"
    assert body["declined_code"] == "multiple_faces_detected"
    assert body["warnings"]["face"]["faces_in_selfie"] == "2"
    assert _status(client, tenant_a, "crowd")["has_reference_face"] is False


def test_underage_birthday_declines_and_updates_the_customer(client: Any, tenant_a: Any) -> None:
    create_customer(client, tenant_a, "young")
    birthday = years_ago(10)
    body = verify(client, tenant_a, "young", birthday=birthday).json()
    assert body["status"] == "declined"
    assert body["declined_code"] == "underage"
    assert body["warnings"]["age"]["min_age"] == "18"
    customer = client.get(f"{KYC}/customers/young", headers=tenant_a.headers).json()
    assert customer["birthday"] == birthday
    assert customer["kyc_status"] == "declined"


def test_overage_against_tenant_preferences(client: Any, tenant_a: Any) -> None:
    client.patch(f"{KYC}/preferences", headers=tenant_a.headers, json={"max_age": 40})
    create_customer(client, tenant_a, "older", birthday=years_ago(60))
    body = verify(client, tenant_a, "older").json()
    assert (body["status"], body["declined_code"]) == ("declined", "overage")


GIF = _image((400, 400), "GIF")
NINE_THOUSAND_WIDE = _image((9000, 10), "PNG")
TRUNCATED_JPEG = _b64((FACES / "obama_2.jpg").read_bytes()[:60_000])


@pytest.mark.parametrize(
    ("field", "value", "error_type"),
    [
        ("selfie", GIF, "image_type"),
        ("document_front", TRUNCATED_JPEG, "image_corrupt"),
        ("selfie", NINE_THOUSAND_WIDE, "image_size"),
        ("document_front", "not base64 at all!", "base64"),
    ],
)
def test_bad_image_is_422_and_stores_nothing(
    client: Any, tenant_a: Any, field: str, value: str, error_type: str
) -> None:
    create_customer(client, tenant_a, "bad-image")
    body = {"customer_id": "bad-image", "document_type": "passport"}
    body.update({"document_front": photo("obama_1.jpg"), "selfie": photo("obama_2.jpg"), field: value})
    response = client.post(f"{KYC}/documents/verify", headers=tenant_a.headers, json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert [(e["loc"], e["type"]) for e in problem["errors"]] == [(["body", field], error_type)]
    assert field in problem["detail"]
    assert len(response.content) < 1000  # the image is never echoed back
    assert stored_object_versions() == []
    assert records_with_sk("KYC_REQUEST") == []
    assert _status(client, tenant_a, "bad-image")["status"] == "not_started"


def test_every_bad_image_is_named_in_one_problem(client: Any, tenant_a: Any) -> None:
    create_customer(client, tenant_a, "two-bad")
    body = {"customer_id": "two-bad", "document_type": "passport", "document_front": GIF, "selfie": "%%%"}
    problem = client.post(f"{KYC}/documents/verify", headers=tenant_a.headers, json=body).json()
    assert [e["loc"][-1] for e in problem["errors"]] == ["document_front", "selfie"]


@pytest.mark.parametrize(
    ("preferences", "change", "needle"),
    [
        ({}, {"document_type": "national_id"}, "document_back is required for a national_id"),
        (
            {"supported_document_types": ["passport"]},
            {"document_type": "driving_license", "document_back": photo("obama_1.jpg")},
            "not among your supported_document_types (passport)",
        ),
        ({}, {"selfie": None}, "a selfie is required"),
        ({}, {"customer_id": "no-birthday"}, "a birthday is required"),
        ({}, {"callback_url": "https://10.0.0.1/hook"}, "private_address"),
        ({}, {"callback_url": "http://example.com/hook"}, "scheme_not_https"),
    ],
)
def test_request_refused_before_anything_is_written(
    client: Any, tenant_a: Any, preferences: dict, change: dict, needle: str
) -> None:
    if preferences:
        assert client.patch(f"{KYC}/preferences", headers=tenant_a.headers, json=preferences).status_code == 200
    create_customer(client, tenant_a, "refused")
    client.post(f"{KYC}/customers", headers=tenant_a.headers, json={"customer_id": "no-birthday"})
    body = {
        "customer_id": "refused",
        "document_type": "passport",
        "document_front": photo("obama_1.jpg"),
        "selfie": photo("obama_2.jpg"),
    }
    body.update(change)
    body = {k: v for k, v in body.items() if v is not None}
    response = client.post(f"{KYC}/documents/verify", headers=tenant_a.headers, json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert needle in response.json()["detail"]
    assert stored_object_versions() == []
    assert records_with_sk("KYC_REQUEST") == []
    assert records_with_sk("DELIVERY") == []


def test_unknown_customer_is_404(client: Any, tenant_a: Any) -> None:
    response = verify(client, tenant_a, "never-created")
    assert response.status_code == 404
    assert "POST /api/v1/kyc/customers" in response.json()["detail"]
    assert stored_object_versions() == []


def test_lost_race_purges_the_images_and_answers_409(client: Any, tenant_a: Any) -> None:
    from kycgate.core.aws import client as aws_client
    from kycgate.core.dynamo import key, records_table
    from kycgate.kyc.reference import CUSTOMER_SK, customer_pk

    create_customer(client, tenant_a, "racer")
    dynamodb = aws_client("dynamodb")

    def concurrent_change(**_: Any) -> None:
        # Another request changes the customer between this one's read and its transaction.
        dynamodb.meta.events.unregister("before-call.dynamodb.TransactWriteItems", unique_id="race")
        dynamodb.update_item(
            TableName=records_table(),
            Key=key(customer_pk(tenant_a.tenant_id, "racer"), CUSTOMER_SK),
            UpdateExpression="SET version = version + :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
        )

    dynamodb.meta.events.register("before-call.dynamodb.TransactWriteItems", concurrent_change, unique_id="race")
    response = verify(client, tenant_a, "racer")
    assert response.status_code == 409, response.text
    assert "send the request again" in response.json()["detail"]
    assert stored_object_versions() == []
    assert records_with_sk("KYC_REQUEST") == []


def test_list_requests_filters(client: Any, tenant_a: Any, tenant_b: Any) -> None:
    create_customer(client, tenant_a, "lister")
    create_customer(client, tenant_a, "other")
    approved = verify(client, tenant_a, "lister").json()
    declined = verify(client, tenant_a, "other", selfie="biden_1.jpg").json()
    url = f"{KYC}/requests"

    def ids(**params: Any) -> list[str]:
        response = client.get(url, headers=tenant_a.headers, params=params)
        assert response.status_code == 200, response.text
        return [r["kyc_id"] for r in response.json()["items"]]

    assert ids() == [declined["kyc_id"], approved["kyc_id"]]
    assert ids(status="approved") == [approved["kyc_id"]]
    assert ids(customer_id="other") == [declined["kyc_id"]]
    assert ids(document_type="national_id") == []
    assert ids(created_from=approved["created_at"], created_to=approved["created_at"]) == [approved["kyc_id"]]
    assert ids(created_from=declined["created_at"]) == [declined["kyc_id"]]
    assert ids(created_to="2000-01-01") == []
    page = client.get(url, headers=tenant_a.headers, params={"page_size": 1, "page": 2}).json()
    assert [r["kyc_id"] for r in page["items"]] == [approved["kyc_id"]]
    assert page["pagination"]["total"] == 2
    assert client.get(url, headers=tenant_b.headers).json()["items"] == []
    backwards = client.get(
        url, headers=tenant_a.headers, params={"created_from": "2030-01-01", "created_to": "2020-01-01"}
    )
    assert backwards.status_code == 422


def test_other_tenant_gets_404_everywhere(client: Any, tenant_a: Any, tenant_b: Any) -> None:
    create_customer(client, tenant_a, "private")
    kyc_id = verify(client, tenant_a, "private").json()["kyc_id"]
    attempts = [
        client.get(f"{KYC}/customers/private", headers=tenant_b.headers),
        client.get(f"{KYC}/requests/{kyc_id}", headers=tenant_b.headers),
        client.get(f"{KYC}/requests/{kyc_id}/proofs", headers=tenant_b.headers),
        client.get(f"{KYC}/status", headers=tenant_b.headers, params={"customer_id": "private"}),
        client.patch(f"{KYC}/requests/{kyc_id}/status", headers=tenant_b.headers, json={"status": "declined"}),
        verify(client, tenant_b, "private"),
    ]
    assert [r.status_code for r in attempts] == [404] * len(attempts)
    assert all(r.headers["content-type"] == "application/problem+json" for r in attempts)
    assert _status(client, tenant_a, "private")["status"] == "approved"


def test_manual_review_approves_into_a_reference_face_and_queues_callbacks(
    client: Any, tenant_a: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kycgate.core.settings import get_settings

    monkeypatch.setenv("KYCGATE_ALLOW_LOOPBACK_CALLBACKS", "true")
    get_settings.cache_clear()
    create_customer(client, tenant_a, "reviewed")
    with review_band():
        pending = verify(client, tenant_a, "reviewed", callback_url="http://127.0.0.1:9/kyc").json()
    assert pending["status"] == "in_review"
    assert pending["declined_code"] is None
    assert 0.3 <= float(pending["warnings"]["face"]["similarity"]) < 0.95
    assert "review band" in pending["warnings"]["face"]["note"]
    status = _status(client, tenant_a, "reviewed")
    assert (status["status"], status["is_verified"], status["has_reference_face"]) == ("in_review", False, False)
    assert _reference_face_of(tenant_a, "reviewed") is None

    kyc_id = pending["kyc_id"]
    response = client.patch(
        f"{KYC}/requests/{kyc_id}/status", headers=tenant_a.headers, json={"status": "approved", "note": "same man"}
    )
    assert response.status_code == 200, response.text
    approved = response.json()
    assert (approved["status"], approved["review_note"]) == ("approved", "same man")
    assert approved["reviewed_at"] == approved["updated_at"]
    assert approved["warnings"] == pending["warnings"]
    status = _status(client, tenant_a, "reviewed")
    assert (status["status"], status["is_verified"], status["has_reference_face"]) == ("approved", True, True)
    reference = _reference_face_of(tenant_a, "reviewed")
    assert reference is not None and reference.kyc_id == kyc_id
    assert reference.template is not None and len(reference.template.vector) == 512

    deliveries = sorted(records_with_sk("DELIVERY"), key=lambda d: d["created_at"])
    assert [(d["event"], d["reference"], d["status"]) for d in deliveries] == [("kyc_request", kyc_id, "pending")] * 2
    assert [json.loads(d["body"])["status"] for d in deliveries] == ["in_review", "approved"]
    assert json.loads(deliveries[1]["body"]) == approved

    again = client.patch(f"{KYC}/requests/{kyc_id}/status", headers=tenant_a.headers, json={"status": "declined"})
    assert again.status_code == 409
    assert again.json()["current_status"] == "approved"
    assert "is approved" in again.json()["detail"]


def test_manual_decline_and_review_of_an_older_request(client: Any, tenant_a: Any) -> None:
    create_customer(client, tenant_a, "twice")
    with review_band():
        older = verify(client, tenant_a, "twice").json()
    newer = verify(client, tenant_a, "twice").json()
    assert (older["status"], newer["status"]) == ("in_review", "approved")
    wrong = client.patch(
        f"{KYC}/requests/{older['kyc_id']}/status",
        headers=tenant_a.headers,
        json={"status": "approved", "declined_code": "face_mismatch"},
    )
    assert wrong.status_code == 422
    declined = client.patch(
        f"{KYC}/requests/{older['kyc_id']}/status", headers=tenant_a.headers, json={"status": "declined"}
    ).json()
    assert (declined["status"], declined["declined_code"]) == ("declined", "other")
    # Deciding the older request late leaves the customer's newer approval alone.
    status = _status(client, tenant_a, "twice")
    assert (status["status"], status["kyc_id"], status["has_reference_face"]) == (
        "approved",
        newer["kyc_id"],
        True,
    )
    not_reviewable = client.patch(
        f"{KYC}/requests/{newer['kyc_id']}/status", headers=tenant_a.headers, json={"status": "declined"}
    )
    assert not_reviewable.status_code == 409
    assert (
        client.patch(
            f"{KYC}/requests/kyc_missing/status", headers=tenant_a.headers, json={"status": "declined"}
        ).status_code
        == 404
    )


def test_proof_of_address_is_required_while_the_tenant_asks_for_it(client: Any, tenant_a: Any) -> None:
    from tests.integration.documents_support import b64, utility_bill
    from tests.integration.reuse_support import set_preferences

    create_customer(client, tenant_a, "obama", address={"line1": "1 Main St", "city": "Springfield", "country": "US"})
    set_preferences(client, tenant_a, is_address_verification_required=True)
    before = stored_object_versions()
    refused = verify(client, tenant_a, "obama")
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {
            "loc": ["body", "proof_of_address"],
            "msg": "a proof of address is required while is_address_verification_required is on",
            "type": "missing",
        }
    ]
    assert stored_object_versions() == before
    body = verify(client, tenant_a, "obama", proof_of_address=b64(utility_bill())).json()
    assert (body["status"], body["warnings"]) == ("approved", {})
    assert [p["proof_type"] for p in body["proofs"]] == ["document_front", "proof_of_address", "selfie"]
    proofs = client.get(f"{KYC}/requests/{body['kyc_id']}/proofs", headers=tenant_a.headers).json()
    assert requests.get(proofs[1]["url"], timeout=10).content == utility_bill()
