"""Helpers for the KYC tests: real photos as base64, customers and verifications over HTTP."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

import pytest

from tests.conftest import FACES

KYC = "/api/v1/kyc"


@cache
def photo(name: str) -> str:
    return base64.b64encode((FACES / name).read_bytes()).decode()


def years_ago(years: int) -> str:
    today = datetime.now(UTC).date()
    return date(today.year - years, 1, 1).isoformat()


def create_customer(client: Any, tenant: Any, customer_id: str, **fields: Any) -> dict[str, Any]:
    body = {"customer_id": customer_id, "birthday": "1961-08-04", **fields}
    response = client.post(f"{KYC}/customers", headers=tenant.headers, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def verify(
    client: Any,
    tenant: Any,
    customer_id: str,
    document: str = "obama_1.jpg",
    selfie: str | None = "obama_2.jpg",
    **fields: Any,
) -> Any:
    body = {"customer_id": customer_id, "document_type": "passport", "document_front": photo(document), **fields}
    if selfie is not None:
        body["selfie"] = photo(selfie)
    return client.post(f"{KYC}/documents/verify", headers=tenant.headers, json=body)


@contextmanager
def review_band() -> Iterator[None]:
    """Thresholds that put a genuine pair (similarity ~0.77) into the sface review band."""
    import kycgate.faces

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KYCGATE_FACE_MATCH_THRESHOLD", "0.95")
        patch.setenv("KYCGATE_FACE_REVIEW_THRESHOLD", "0.3")
        # Matchers are built once per name and read the thresholds then.
        patch.setattr(kycgate.faces, "_matchers", {})
        yield


def records_with_sk(sk: str) -> list[dict[str, Any]]:
    from kycgate.core.dynamo import ddb, from_item, records_table

    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {
        "TableName": records_table(),
        "FilterExpression": "SK = :sk",
        "ExpressionAttributeValues": {":sk": {"S": sk}},
    }
    while True:
        page = ddb().scan(**kwargs)
        items.extend(from_item(i) for i in page["Items"])
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def stored_object_versions() -> list[str]:
    """Every version and delete marker in the proofs bucket (a purge must leave none)."""
    from kycgate.core.aws import client
    from kycgate.core.settings import get_settings

    listing = client("s3").list_object_versions(Bucket=get_settings().proofs_bucket)
    return [v["Key"] for v in listing.get("Versions", []) + listing.get("DeleteMarkers", [])]


@contextmanager
def aws_calls(service: str) -> Iterator[list[str]]:
    """Names of the operations kycgate's ``service`` client sends inside the block."""
    from kycgate.core.aws import client

    calls: list[str] = []

    def record(model: Any, **_: Any) -> None:
        calls.append(model.name)

    events = client(service).meta.events
    events.register(f"before-call.{service}.*", record, unique_id=f"{service}-call-counter")
    try:
        yield calls
    finally:
        events.unregister(f"before-call.{service}.*", unique_id=f"{service}-call-counter")


def dynamodb_calls() -> AbstractContextManager[list[str]]:
    return aws_calls("dynamodb")


# ---------------------------------------------------------------- seeders for tests/integration/test_functions.py

SAMPLE_TENANT = "ten_sample"


def seed_sample_customer() -> None:
    """The customer "cus_sample" the events/ samples name."""
    from kycgate.kyc import service
    from kycgate.kyc.schemas import CreateProfileRequest

    service.create_customer(SAMPLE_TENANT, CreateProfileRequest(customer_id="cus_sample", birthday="1961-08-04"))


def sample_verification_request() -> Any:
    """obama_1.jpg as the passport and obama_2.jpg as the selfie of customer "cus_sample"."""
    from kycgate.kyc.schemas import DocumentVerificationRequest

    return DocumentVerificationRequest.model_validate(
        {
            "customer_id": "cus_sample",
            "document_type": "passport",
            "document_front": photo("obama_1.jpg"),
            "selfie": photo("obama_2.jpg"),
        }
    )


def seed_sample_kyc_request() -> None:
    """Customer "cus_sample" and its in_review KYC request "kyc_sample" (the samples name both)."""
    from kycgate.kyc import verification

    seed_sample_customer()
    request = sample_verification_request()
    with review_band(), pytest.MonkeyPatch.context() as patch:
        patch.setattr("kycgate.core.ids.new_id", lambda prefix: f"{prefix}_sample")
        assert verification.verify_documents(SAMPLE_TENANT, request).status == "in_review"
