"""The upload flow over HTTP: a presigned S3 POST (posted with requests to moto, which answers it
in-process), then `<field>_upload_id` on the image routes; a 7 MB body through a Lambda entry point."""

from __future__ import annotations

import base64
import io
import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from PIL import Image

from kycgate.infra import load_template
from tests import specimens
from tests.conftest import FACES, load_event, load_function
from tests.integration.documents_support import PASSPORT_AND_SELFIE, fill, open_link, submit
from tests.integration.kyc_support import KYC, create_customer

UPLOADS = "/api/v1/uploads"
IDV = "/api/v1/compliance/idv"


def _large_jpeg(photo: str, target_bytes: int) -> bytes:
    """A real photo enlarged and grained until its JPEG is at least ``target_bytes`` (a phone's 12 MB shot)."""
    with Image.open(FACES / photo) as source:
        image = source.convert("RGB").resize((2800, 3700), Image.Resampling.LANCZOS)
    rng = random.Random(13)
    grain = Image.frombytes("RGB", image.size, rng.randbytes(image.size[0] * image.size[1] * 3))
    image = Image.blend(image, grain, 0.1)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=98, subsampling=0)
    data = buffer.getvalue()
    assert target_bytes <= len(data) < 15 * 1024 * 1024, len(data)
    return data


def _create(client: Any, tenant: Any, content_type: str = "image/jpeg") -> dict[str, Any]:
    response = client.post(UPLOADS, headers=tenant.headers, json={"content_type": content_type})
    assert response.status_code == 201, response.text
    return response.json()


def _post(upload: dict[str, Any], data: bytes, content_type: str = "image/jpeg") -> requests.Response:
    form = upload["upload"]
    return requests.post(form["url"], data=form["fields"], files={"file": ("photo", data, content_type)}, timeout=60)


def _uploaded(client: Any, tenant: Any, data: bytes) -> str:
    upload = _create(client, tenant)
    response = _post(upload, data)
    assert response.status_code in (200, 201, 204), response.text
    return str(upload["upload_id"])


def test_a_12_mb_jpeg_verifies_through_the_upload_flow(client: Any, tenant_a: Any, tenant_b: Any) -> None:
    create_customer(client, tenant_a, "obama")
    document = _large_jpeg("obama_1.jpg", 12 * 1024 * 1024)
    document_id = _uploaded(client, tenant_a, document)
    selfie_id = _uploaded(client, tenant_a, (FACES / "obama_2.jpg").read_bytes())
    body = {
        "customer_id": "obama",
        "document_type": "passport",
        "document_front_upload_id": document_id,
        "selfie_upload_id": selfie_id,
    }

    # Another tenant cannot spend the upload (it does not exist for them), and leaves it usable.
    create_customer(client, tenant_b, "obama")
    stolen = client.post(f"{KYC}/documents/verify", headers=tenant_b.headers, json=body)
    assert stolen.status_code == 422, stolen.text
    assert stolen.json()["errors"][0]["type"] == "upload_unknown"

    response = client.post(f"{KYC}/documents/verify", headers=tenant_a.headers, json=body)
    assert response.status_code == 201, response.text
    verified = response.json()
    assert verified["status"] == "approved" and verified["face_match_score"] > 0.5
    front = next(p for p in verified["proofs"] if p["proof_type"] == "document_front")
    assert (front["size_bytes"], front["width"], front["height"]) == (len(document), 2800, 3700)

    again = client.post(f"{KYC}/documents/verify", headers=tenant_a.headers, json=body)
    assert again.status_code == 422
    assert {e["type"] for e in again.json()["errors"]} == {"upload_used"}


def test_presigned_post_enforces_size_type_and_the_checks_run_on_the_object(client: Any, tenant_a: Any) -> None:
    upload = _create(client, tenant_a)
    assert upload["max_bytes"] == 15 * 1024 * 1024
    assert upload["upload"]["fields"]["key"].startswith(f"uploads/{tenant_a.tenant_id}/")
    # S3 enforces the form's signed policy (moto does not, so the policy itself is checked): one key, the
    # declared type, at most 15 MB, five minutes.
    policy = json.loads(base64.b64decode(upload["upload"]["fields"]["policy"]))
    assert ["content-length-range", 1, 15 * 1024 * 1024] in policy["conditions"]
    assert {"Content-Type": "image/jpeg"} in policy["conditions"]
    assert {"key": upload["upload"]["fields"]["key"]} in policy["conditions"]
    lifetime = datetime.fromisoformat(policy["expiration"]) - datetime.now(UTC)
    assert timedelta(minutes=4) < lifetime <= timedelta(minutes=5)
    # Declared JPEG, but the bytes are not an image: the checks of core.images refuse it at use.
    assert _post(upload, b"not really a jpeg" * 100).status_code in (200, 201, 204)
    create_customer(client, tenant_a, "obama")
    front_id = _uploaded(client, tenant_a, PASSPORT_AND_SELFIE["document"])
    body = {
        "customer_id": "obama",
        "document_type": "national_id",
        "document_front_upload_id": front_id,
        "document_back_upload_id": upload["upload_id"],
    }
    refused = client.post(f"{KYC}/documents/verify", headers=tenant_a.headers, json=body)
    assert refused.status_code == 422
    (error,) = refused.json()["errors"]
    assert error["type"] == "image_type" and error["loc"] == ["body", "document_back_upload_id"]

    # The good front was not spent by the refused request: only the back is reported again.
    never_posted = _create(client, tenant_a)
    body["document_back_upload_id"] = never_posted["upload_id"]
    missing = client.post(f"{KYC}/documents/verify", headers=tenant_a.headers, json=body)
    assert [e["type"] for e in missing.json()["errors"]] == ["upload_missing"]
    twice = client.post(
        f"{KYC}/documents/verify", headers=tenant_a.headers, json={**body, "document_back_upload_id": front_id}
    )
    assert [e["type"] for e in twice.json()["errors"]] == ["upload_repeated"]

    both = client.post(f"{KYC}/documents/verify", headers=tenant_a.headers, json={**body, "document_front": "aGVsbG8="})
    assert both.status_code == 422 and "not both" in both.text


def test_a_phone_uploads_with_its_handoff_token(client: Any, tenant_a: Any) -> None:
    create_customer(client, tenant_a, "obama")
    link = open_link(client, tenant_a, "obama")
    created = client.post(f"{UPLOADS}/session", json={"token": link["token"], "content_type": "image/jpeg"})
    assert created.status_code == 201, created.text
    assert _post(created.json(), PASSPORT_AND_SELFIE["document"]).status_code in (200, 201, 204)
    slot = client.post(
        f"{KYC}/session/upload",
        json={"token": link["token"], "slot": "document", "image_upload_id": created.json()["upload_id"]},
    )
    assert slot.status_code == 200, slot.text
    fill(client, link["token"], {"face": PASSPORT_AND_SELFIE["face"]})
    assert submit(client, link["token"]).json()["status"] == "approved"

    unknown = client.post(f"{UPLOADS}/session", json={"token": "x" * 43, "content_type": "image/png"})
    assert unknown.status_code == 404
    assert client.post(UPLOADS, json={"content_type": "image/jpeg"}).status_code == 401


@pytest.mark.usefixtures("aws")
def test_a_7_mb_body_through_the_lambda_entry_point_is_a_413_naming_the_upload_flow(lambda_context: Any) -> None:
    handler = load_function("verify_documents")
    body = json.dumps({"customer_id": "obama", "document_type": "passport", "document_front": "A" * (7 * 1024 * 1024)})
    event = load_event("verify_documents")
    event["body"] = body
    response = handler(event, lambda_context)
    assert response["statusCode"] == 413
    assert response["headers"]["Content-Type"] == "application/problem+json"
    problem = json.loads(response["body"])
    assert problem["status"] == 413 and "POST /api/v1/uploads" in problem["detail"]
    assert "document_front_upload_id" in problem["detail"]
    # Over 10 MB API Gateway answers itself: the same problem type, naming the same flow.
    responses = load_template()["Resources"]["KycgateApi"]["Properties"]["GatewayResponses"]
    gateway = json.loads(responses["REQUEST_TOO_LARGE"]["ResponseTemplates"]["application/json"])
    assert (gateway["status"], gateway["type"]) == (413, problem["type"])
    assert gateway["detail"].split(". ", 1)[1] == problem["detail"].split(". ", 1)[1]


def test_idv_takes_uploads_from_the_tenant_and_from_the_app_with_its_sdk_token(client: Any, tenant_a: Any) -> None:
    from kycgate.compliance.idv import points

    passport = specimens.make("td3_passport", "jpeg", 7)  # Ana Beatriz Silva, portrait obama_2.jpg
    selfie = (FACES / "obama_3.jpg").read_bytes()
    points.grant(tenant_a.tenant_id, 1000)
    # The tenant's route resolves its uploads like every image route (one document read per test: OCR is
    # seconds on 2 vCPUs, so the read itself runs on the app's path below).
    body = {
        "country": "UTO",
        "id_type": "PASSPORT",
        "id_image_upload_id": _uploaded(client, tenant_a, b"not an image" * 100),
        "face_image_upload_id": _uploaded(client, tenant_a, selfie),
    }
    refused = client.post(IDV, headers=tenant_a.headers, json=body)
    assert refused.status_code == 422, refused.text
    assert [(e["loc"][-1], e["type"]) for e in refused.json()["errors"]] == [("id_image_upload_id", "image_type")]
    assert client.post(IDV, headers=tenant_a.headers, json={**body, "id_image_upload_id": None}).status_code == 422

    started = client.post(f"{IDV}/account", headers=tenant_a.headers, json={"workflow_id": 3, "country": "UTO"})
    token = started.json()["sdk_token"]

    def from_the_app(data: bytes) -> str:
        upload = client.post(f"{UPLOADS}/session", json={"token": token, "content_type": "image/jpeg"})
        assert upload.status_code == 201, upload.text
        assert _post(upload.json(), data).status_code in (200, 201, 204)
        return str(upload.json()["upload_id"])

    photos = {
        "token": token,
        "id_image_upload_id": from_the_app(passport.front),
        "id_back_image": base64.b64encode(passport.front).decode(),  # the two ways mix in one request
        "face_image_upload_id": body["face_image_upload_id"],  # not spent by the refused create
    }
    uploaded = client.post(f"{IDV}/sdk/upload", json=photos)
    assert uploaded.status_code == 200, uploaded.text
    result = uploaded.json()
    assert (result["state"], result["full_name"], result["progress"]) == (0, "ANA BEATRIZ SILVA", "completed")
    assert client.get("/api/v1/compliance/points", headers=tenant_a.headers).json()["points"] == 900
    spent = client.post(
        IDV, headers=tenant_a.headers, json={**body, "id_image_upload_id": photos["id_image_upload_id"]}
    )
    assert {e["type"] for e in spent.json()["errors"]} == {"upload_used"}
