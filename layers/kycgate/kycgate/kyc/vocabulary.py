"""The few KYC terms other contexts speak: statuses, risk levels, document types, the customer id.

Apart from kyc.schemas so that Re-Use KYC and preferences use them without creating the KYC
context's wire models (about 15-20 ms of pydantic class creation at each cold start).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints


class KycStatus(StrEnum):
    NOT_STARTED = "not_started"  # a customer who never submitted documents
    PENDING = "pending"
    # A submit link was issued; the customer has not sent the documents yet (kyc.links).
    PENDING_SUBMISSION = "pending_submission"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    DECLINED = "declined"
    # The tenant asked for more documents on a decided request (kyc.links); fulfilled -> in_review.
    ADDITIONAL_DOCUMENTS_REQUESTED = "additional_documents_requested"
    EXPIRED = "expired"


class RiskLevel(StrEnum):
    """A request's risk_score against the tenant's medium_risk_score / high_risk_score (kyc.risk)."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class SupportedDocumentType(StrEnum):
    PASSPORT = "passport"
    NATIONAL_ID = "national_id"
    DRIVING_LICENSE = "driving_license"
    RESIDENCE_PERMIT = "residence_permit"


# Identity documents with a back side to photograph (national ID cards and the card-sized permits).
DOCUMENT_TYPES_WITH_BACK = frozenset(
    {SupportedDocumentType.NATIONAL_ID, SupportedDocumentType.DRIVING_LICENSE, SupportedDocumentType.RESIDENCE_PERMIT}
)


class AdditionalDocumentType(StrEnum):
    """What a tenant may ask a customer for on an existing request (RequestAdditionalDocumentsRequest):
    an identity document, a proof of address, or a new selfie."""

    PASSPORT = "passport"
    NATIONAL_ID = "national_id"
    DRIVING_LICENSE = "driving_license"
    RESIDENCE_PERMIT = "residence_permit"
    PROOF_OF_ADDRESS = "proof_of_address"
    SELFIE = "selfie"


# The tenant's own customer id. It lands in URLs and DynamoDB keys, hence the conservative alphabet.
CUSTOMER_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:@+\-]{0,127}$"
CustomerId = Annotated[
    str,
    StringConstraints(pattern=CUSTOMER_ID_PATTERN),
    Field(description="your own id for the customer: 1-128 of A-Z a-z 0-9 . _ : @ + -"),
]
