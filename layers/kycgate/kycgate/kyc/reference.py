"""A customer's reference face, and the one read that fetches the customer with the tenant's preferences.

Re-Use KYC needs only this of the KYC context, so it lives apart from kyc.store and kyc.service: a
Re-Use KYC function then loads neither S3, the outbox nor the KYC wire models (cold start). The
customer item's key is defined here for the same reason; kyc.store writes the item.

DynamoDB calls: preferences_and_customer 1 (BatchGetItem; one more per round of unprocessed keys).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kycgate.core.dynamo import ddb, from_item, key, records_table
from kycgate.core.errors import NotFound, ServiceUnavailable
from kycgate.core.tenants import tenant_pk
from kycgate.kyc.vocabulary import KycStatus
from kycgate.preferences.store import PREFERENCES_SK, preferences_key

if TYPE_CHECKING:
    from kycgate.faces import FaceTemplate

CUSTOMER_SK = "CUSTOMER"
_BATCH_GET_TRIES = 4


@dataclass(frozen=True)
class ReferenceFace:
    """The face of a customer whose latest KYC decision is an approval with a selfie (Re-Use KYC's reference)."""

    kyc_id: str
    image_key: str  # S3 key of that approval's selfie
    template: FaceTemplate | None  # None when the matcher that approved keeps no templates (rekognition)


def customer_pk(tenant_id: str, customer_id: str) -> str:
    return f"{tenant_pk(tenant_id)}#CUST#{customer_id}"


def preferences_and_customer(tenant_id: str, customer_id: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(preferences, customer) items, each None when absent. One BatchGetItem (another per unprocessed retry)."""
    table = records_table()
    wanted = {
        PREFERENCES_SK: preferences_key(tenant_id),
        CUSTOMER_SK: key(customer_pk(tenant_id, customer_id), CUSTOMER_SK),
    }
    request: dict[str, Any] = {table: {"Keys": list(wanted.values()), "ConsistentRead": True}}
    found: dict[str, dict[str, Any]] = {}
    for attempt in range(_BATCH_GET_TRIES):
        response = ddb().batch_get_item(RequestItems=request)
        for raw in response.get("Responses", {}).get(table, []):
            item = from_item(raw)
            assert item is not None
            found[item["SK"]] = item
        request = response.get("UnprocessedKeys") or {}
        if not request:
            return found.get(PREFERENCES_SK), found.get(CUSTOMER_SK)
        time.sleep(0.05 * 2**attempt)
    raise ServiceUnavailable("The records table is busy; retry shortly.")


def reference_face(customer_id: str, customer: Mapping[str, Any] | None) -> ReferenceFace | None:
    """The reference face of the customer item, or None (never approved, or latest decision not an approval
    with a face). An unknown customer is a 404: a mistyped id must not read as "nothing to re-verify"."""
    if customer is None:
        raise unknown_customer(customer_id)
    face = customer.get("reference_face")
    if face is None or customer.get("kyc_status") != KycStatus.APPROVED:
        return None
    # Only the dataclass is needed; kycgate.faces.base imports no model code.
    from kycgate.faces import FaceTemplate

    template = FaceTemplate(backend=face["backend"], vector=face["template"]) if face.get("template") else None
    return ReferenceFace(kyc_id=face["kyc_id"], image_key=face["image_key"], template=template)


def unknown_customer(customer_id: str) -> NotFound:
    return NotFound(f"No customer {customer_id!r}; create it first with POST /api/v1/kyc/customers.")
