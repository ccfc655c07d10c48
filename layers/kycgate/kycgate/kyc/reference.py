"""A customer's reference face, and the one read that fetches the customer with the tenant's preferences.

Re-Use KYC needs only this of the KYC context, so it lives apart from kyc.store and kyc.service: a
Re-Use KYC function then loads neither S3, the outbox nor the KYC wire models (cold start). The
customer item's key is defined here for the same reason; kyc.store writes the item.

DynamoDB calls: preferences_and_customer 1 (BatchGetItem; one more per round of unprocessed keys).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from kycgate.core.dynamo import batch_get, key, records_table
from kycgate.core.errors import NotFound
from kycgate.core.tenants import tenant_pk
from kycgate.kyc.vocabulary import KycStatus
from kycgate.preferences.store import PREFERENCES_SK, preferences_key

if TYPE_CHECKING:
    from kycgate.faces import FaceTemplate

CUSTOMER_SK = "CUSTOMER"


class ReferenceFace(NamedTuple):
    """The face of a customer whose latest KYC decision is an approval with a selfie (Re-Use KYC's reference)."""

    kyc_id: str
    image_key: str  # S3 key of that approval's selfie
    template: FaceTemplate | None  # None when the matcher that approved keeps no templates (rekognition)


def customer_pk(tenant_id: str, customer_id: str) -> str:
    return f"{tenant_pk(tenant_id)}#CUST#{customer_id}"


def preferences_and_customer(tenant_id: str, customer_id: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(preferences, customer) items, each None when absent. One BatchGetItem (another per unprocessed retry)."""
    keys = [preferences_key(tenant_id), key(customer_pk(tenant_id, customer_id), CUSTOMER_SK)]
    found = {item["SK"]: item for item in batch_get(records_table(), keys, consistent=True)}
    return found.get(PREFERENCES_SK), found.get(CUSTOMER_SK)


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
