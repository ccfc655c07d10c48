"""The words of the levels context (seed 002): client types, attribute types, statuses, the seed's keys.

Apart from levels.schemas so that rules modules and stores use them without creating the wire models.
"""

from __future__ import annotations

from enum import StrEnum


class ClientType(StrEnum):
    INDIVIDUAL = "individual"
    COMPANY = "company"


class AttributeType(StrEnum):
    STRING = "string"
    NUMBER = "number"
    DATE = "date"
    BOOLEAN = "boolean"
    REFERENCE = "reference"  # a key of the attribute's definitions (GET .../attributes/{key}/definitions)
    LEGAL_DOCUMENT = "legal_document"  # the UUID of the legal document the client accepted
    DOCUMENT = "document"  # a document made by POST .../documents from uploaded files
    LIVENESS = "liveness"  # set by the liveness check, never by PATCH


class StringFormat(StrEnum):
    EMAIL = "email"
    PHONE = "phone"  # E.164
    COUNTRY = "country"  # ISO 3166-1 alpha-2


class ApplicationStatus(StrEnum):
    DRAFT = "draft"  # created, being filled in
    IN_REVIEW = "in_review"  # sent to review
    PENDING = "pending"  # sent back by the reviewer: correct and send again (seed 002)
    APPROVED = "approved"
    REJECTED = "rejected"  # final: a new application is needed (seed 002)


OPEN_STATUSES = frozenset({ApplicationStatus.DRAFT, ApplicationStatus.IN_REVIEW, ApplicationStatus.PENDING})
EDITABLE_STATUSES = frozenset({ApplicationStatus.DRAFT, ApplicationStatus.PENDING})


class ReviewOutcome(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"
    PENDING = "pending"


class SignProvider(StrEnum):
    SMS = "sms"
    EMAIL = "email"


# The query parameter that carries each provider's code on PATCH and send-to-review (seed 002).
SIGN_CODE_PARAMETERS = {SignProvider.SMS: "sms_sign_code", SignProvider.EMAIL: "email_sign_code"}


class LivenessProviderName(StrEnum):
    KYCGATE = "kycgate"  # kycgate's hosted selfie page, compared with the application's document portrait
    SUMSUB = "sumsub"  # Sumsub's WebSDK (token) or its hosted link (URL)


class LivenessStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"  # this attempt failed; the client may try again while attempts are left
    EXHAUSTED = "exhausted"  # no attempts left (kycgate) or a final rejection (Sumsub)


# Seed 002's document attribute keys. A single-sided document is sent with a "back side" too (the seed).
DOCUMENT_KEYS = (
    "passport",
    "id_card_front_side",
    "id_card_back_side",
    "driver_license_front_side",
    "driver_license_back_side",
    "residence_permit_license_front_side",
    "residence_permit_license_back_side",
    "proof_of_address",
    "proof_of_funds",
)
# The sides with the holder's portrait: the kycgate liveness check compares the selfie with one of them.
PORTRAIT_DOCUMENT_KEYS = (
    "passport",
    "id_card_front_side",
    "driver_license_front_side",
    "residence_permit_license_front_side",
)
# Proofs may be PDF statements; identity documents are photographs (JPEG or PNG).
PDF_DOCUMENT_KEYS = frozenset({"proof_of_address", "proof_of_funds"})
# Files per document: a side is one photo, a passport its photo page (or the spread), a proof some pages.
MAX_FILES = {key: 1 for key in DOCUMENT_KEYS} | {"passport": 2, "proof_of_address": 5, "proof_of_funds": 5}

# Seed 002's liveness attribute keys: a link to the check (url) or a token to embed it (token). They name
# Sumsub, and keep those names when kycgate's own provider serves them.
LIVENESS_URL_KEY = "sumsub_liveness_check_url"
LIVENESS_TOKEN_KEY = "sumsub_liveness_check_token"  # noqa: S105 - an attribute key, not a secret
LIVENESS_KEYS = (LIVENESS_URL_KEY, LIVENESS_TOKEN_KEY)

# Attribute keys land in URL paths and DynamoDB map keys; configuration keys (legal entities, levels,
# legal documents) name things in the configuration file and seed their UUIDs.
ATTRIBUTE_KEY_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"
CONFIG_KEY_PATTERN = r"^[a-z0-9][a-z0-9_\-]{0,63}$"
DEFINITION_KEY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,63}$"
