"""The few KYC terms other contexts speak: statuses, document types, the customer id.

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
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    DECLINED = "declined"
    EXPIRED = "expired"


class SupportedDocumentType(StrEnum):
    PASSPORT = "passport"
    NATIONAL_ID = "national_id"
    DRIVING_LICENSE = "driving_license"
    RESIDENCE_PERMIT = "residence_permit"


# The tenant's own customer id. It lands in URLs and DynamoDB keys, hence the conservative alphabet.
CUSTOMER_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:@+\-]{0,127}$"
CustomerId = Annotated[
    str,
    StringConstraints(pattern=CUSTOMER_ID_PATTERN),
    Field(description="your own id for the customer: 1-128 of A-Z a-z 0-9 . _ : @ + -"),
]
