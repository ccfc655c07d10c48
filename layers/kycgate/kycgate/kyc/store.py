"""DynamoDB keys and queries, and the proofs in S3, of the KYC context.

Every DynamoDB key starts with the tenant's partition prefix and every S3 key with the tenant id.
Each customer and each KYC request is its own partition (tenant-wide lists go through GSI1), so
one busy tenant never concentrates its writes on a single partition key.

DynamoDB calls per route (the API key lookup of the local auth dependency comes on top; in AWS
the API Gateway authorizer does it, cached):
- create_customer: 1 (PutItem). get_customer, check_kyc_status, get_kyc_proofs, get_kyc_request: 1 (GetItem).
- verify_documents: 2 — one BatchGetItem (preferences + customer, kyc.reference) and one
  TransactWriteItems (request + customer + pending delivery). Measured in
  tests/integration/test_kyc_verification.py.
  S3: one PutObject per image before the transaction, one DeleteObjects when it fails.
- update_kyc_status: 3 — GetItem request, GetItem customer, TransactWriteItems.
- list_customers, list_kyc_requests: one Query per 1 MB page of the tenant's index.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from kycgate.core import blobs
from kycgate.core.blobs import StoredBlob
from kycgate.core.dynamo import (
    ddb,
    from_item,
    is_condition_failure,
    is_transaction_condition_failure,
    key,
    query_index,
    records_table,
    to_item,
    to_value,
)
from kycgate.core.tenants import tenant_pk
from kycgate.kyc.reference import CUSTOMER_SK, customer_pk
from kycgate.webhooks import outbox
from kycgate.webhooks.outbox import PendingDelivery

if TYPE_CHECKING:  # Pillow is imported only by the routes that decode images
    from kycgate.core.images import ImageProof

KYC_REQUEST_SK = "KYC_REQUEST"
# Attributes of a KYC request only the backend reads: never part of a wire body.
PROOF_KEYS = "proof_keys"
SELFIE_TEMPLATE = "selfie_template"
FACE_BACKEND = "face_backend"


class AlreadyExists(Exception):
    """The item to create exists already."""


class StaleWrite(Exception):
    """A conditional write lost to a concurrent change; the caller re-reads and decides again."""


class CustomerKycChange(NamedTuple):
    """What one KYC decision does to the customer item."""

    customer_id: str
    expected_version: int
    kyc_id: str
    kyc_status: str
    updated_at: str
    reference_face: dict[str, Any] | None  # set when given; removed otherwise
    birthday: str | None = None  # set when given; kept otherwise


def customers_index_pk(tenant_id: str) -> str:
    return f"{tenant_pk(tenant_id)}#CUSTOMERS"


def kyc_request_pk(tenant_id: str, kyc_id: str) -> str:
    return f"{tenant_pk(tenant_id)}#KYC#{kyc_id}"


def kyc_requests_index_pk(tenant_id: str) -> str:
    return f"{tenant_pk(tenant_id)}#KYCREQUESTS"


def proof_key(tenant_id: str, kyc_id: str, proof_type: str, extension: str) -> str:
    return f"{tenant_id}/kyc/{kyc_id}/{proof_type}.{extension}"


# ---------------------------------------------------------------- customers


def put_customer(tenant_id: str, document: dict[str, Any]) -> None:
    """Create a customer unless the tenant already has one with that id (AlreadyExists). One PutItem."""
    customer_id = document["customer_id"]
    item = {
        "PK": customer_pk(tenant_id, customer_id),
        "SK": CUSTOMER_SK,
        "GSI1PK": customers_index_pk(tenant_id),
        "GSI1SK": f"{document['created_at']}#{customer_id}",
        "version": 1,
        **document,
    }
    try:
        ddb().put_item(TableName=records_table(), Item=to_item(item), ConditionExpression="attribute_not_exists(PK)")
    except Exception as exc:
        if is_condition_failure(exc):
            raise AlreadyExists from exc
        raise


def get_customer(tenant_id: str, customer_id: str) -> dict[str, Any] | None:
    """The customer item, or None. One GetItem."""
    response = ddb().get_item(
        TableName=records_table(), Key=key(customer_pk(tenant_id, customer_id), CUSTOMER_SK), ConsistentRead=True
    )
    return from_item(response.get("Item"))


def list_customers(tenant_id: str, *, kyc_status: str | None) -> list[dict[str, Any]]:
    """Every customer of the tenant, newest first. One Query per 1 MB page of the index."""
    return query_index(records_table(), customers_index_pk(tenant_id), equals={"kyc_status": kyc_status})


# ---------------------------------------------------------------- KYC requests


def put_proofs(tenant_id: str, kyc_id: str, images: Mapping[str, ImageProof]) -> dict[str, StoredBlob]:
    """One PutObject per image (by proof type), keyed under the tenant; on a failure those already put are purged."""
    stored: dict[str, StoredBlob] = {}
    try:
        for proof_type, image in images.items():
            object_key = proof_key(tenant_id, kyc_id, proof_type, image.extension)
            stored[proof_type] = blobs.put(object_key, image.data, image.mime)
    except Exception:
        blobs.purge(list(stored.values()))
        raise
    return stored


def purge_proofs(stored: Sequence[StoredBlob]) -> None:
    blobs.purge(stored)


def proof_url(object_key: str) -> str:
    """A presigned GET valid for settings.proof_url_ttl_seconds (no AWS call: signed locally)."""
    return blobs.presigned_get(object_key)


def save_verification(
    tenant_id: str, document: dict[str, Any], change: CustomerKycChange, deliveries: Sequence[PendingDelivery]
) -> None:
    """The new request, its customer's status and the callbacks, all or nothing. One TransactWriteItems.

    StaleWrite when the customer changed since it was read (another verification or review won).
    """
    kyc_id = document["kyc_id"]
    item = {
        "PK": kyc_request_pk(tenant_id, kyc_id),
        "SK": KYC_REQUEST_SK,
        "GSI1PK": kyc_requests_index_pk(tenant_id),
        "GSI1SK": f"{document['created_at']}#{kyc_id}",
        **document,
    }
    put = {
        "Put": {"TableName": records_table(), "Item": to_item(item), "ConditionExpression": "attribute_not_exists(PK)"}
    }
    _commit([put, _customer_update(tenant_id, change)], deliveries)


def get_kyc_request(tenant_id: str, kyc_id: str) -> dict[str, Any] | None:
    """The request item (with its internal attributes), or None. One GetItem."""
    response = ddb().get_item(
        TableName=records_table(), Key=key(kyc_request_pk(tenant_id, kyc_id), KYC_REQUEST_SK), ConsistentRead=True
    )
    return from_item(response.get("Item"))


def list_kyc_requests(
    tenant_id: str,
    *,
    created_from: str | None,
    created_to: str | None,
    status: str | None,
    customer_id: str | None,
    document_type: str | None,
) -> list[dict[str, Any]]:
    """Requests created in [created_from, created_to] (ISO, inclusive), newest first, filtered by equality.

    One Query per 1 MB page of the index; the date range is a key condition, the rest a filter.
    """
    return query_index(
        records_table(),
        kyc_requests_index_pk(tenant_id),
        # '~' sorts after every character of "#kyc_<hex>", so a request created at created_to is included.
        sort_from=created_from,
        sort_to=f"{created_to}#~" if created_to else None,
        equals={"status": status, "customer_id": customer_id, "document_type": document_type},
    )


def save_review(
    tenant_id: str,
    kyc_id: str,
    changes: dict[str, Any],
    change: CustomerKycChange | None,
    deliveries: Sequence[PendingDelivery],
) -> None:
    """A reviewer's decision on an in_review request (and its customer when it is the latest request).

    One TransactWriteItems. StaleWrite when the request left in_review or the customer changed.
    """
    names, values, assignments = _assignments(changes)
    update = {
        "Update": {
            "TableName": records_table(),
            "Key": key(kyc_request_pk(tenant_id, kyc_id), KYC_REQUEST_SK),
            "UpdateExpression": "SET " + ", ".join(assignments),
            "ConditionExpression": "#status = :in_review",
            "ExpressionAttributeNames": {**names, "#status": "status"},
            "ExpressionAttributeValues": {**values, ":in_review": to_value("in_review")},
        }
    }
    _commit([update] if change is None else [update, _customer_update(tenant_id, change)], deliveries)


# ---------------------------------------------------------------- helpers


def _customer_update(tenant_id: str, change: CustomerKycChange) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "kyc_status": change.kyc_status,
        "latest_kyc_id": change.kyc_id,
        "updated_at": change.updated_at,
        "reference_face": change.reference_face,
        "birthday": change.birthday,
    }
    names, values, assignments = _assignments(fields)
    expression = "SET " + ", ".join([*assignments, "#version = #version + :one"])
    if change.reference_face is None:
        names["#rf"] = "reference_face"
        expression += " REMOVE #rf"
    return {
        "Update": {
            "TableName": records_table(),
            "Key": key(customer_pk(tenant_id, change.customer_id), CUSTOMER_SK),
            "UpdateExpression": expression,
            # Optimistic: the decision was taken on this version of the customer.
            "ConditionExpression": "#version = :expected",
            "ExpressionAttributeNames": {**names, "#version": "version"},
            "ExpressionAttributeValues": {
                **values,
                ":one": to_value(1),
                ":expected": to_value(change.expected_version),
            },
        }
    }


def _assignments(fields: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, Any], list[str]]:
    """(names, values, "#n = :v" list) for the fields whose value is not None."""
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    assignments: list[str] = []
    for i, (name, value) in enumerate(fields.items()):
        if value is None:
            continue
        names[f"#f{i}"] = name
        values[f":f{i}"] = to_value(value)
        assignments.append(f"#f{i} = :f{i}")
    return names, values, assignments


def _commit(transact_items: list[dict[str, Any]], deliveries: Sequence[PendingDelivery]) -> None:
    try:
        outbox.commit(transact_items, deliveries)
    except Exception as exc:
        if is_transaction_condition_failure(exc):
            raise StaleWrite from exc
        raise
