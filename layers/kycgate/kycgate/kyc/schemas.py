"""KYC wire models (seed 000 names): customers and KYC requests. Preferences: kycgate.preferences."""

import re
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import (
    AfterValidator,
    EmailStr,
    Field,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

from kycgate.core import clock
from kycgate.core.pagination import KycPagination
from kycgate.core.wire import CreatedRange, Printable, StrictWireModel, WireModel
from kycgate.kyc.vocabulary import CustomerId, KycStatus, SupportedDocumentType

# ---------------------------------------------------------------- customers


_Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), Printable]
_EARLIEST_BIRTHDAY = date(1900, 1, 1)


def _phone(value: str) -> str:
    import phonenumbers

    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        raise ValueError("phone must be in international format, e.g. +14155552671") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError("phone is not a valid number for its country code")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _country(value: str) -> str:
    from iso3166 import countries_by_alpha2

    code = value.upper()
    if code not in countries_by_alpha2:
        raise ValueError("must be an ISO 3166-1 alpha-2 country code, e.g. DE")
    return code


def _birthday(value: str) -> str:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("birthday must be YYYY-MM-DD")
    try:
        born = date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value} is not a calendar date") from None
    today = datetime.fromtimestamp(clock.now(), tz=UTC).date()
    if not _EARLIEST_BIRTHDAY <= born < today:
        raise ValueError(f"birthday must be between {_EARLIEST_BIRTHDAY} and yesterday")
    return value


Phone = Annotated[
    str,
    StringConstraints(max_length=32),
    AfterValidator(_phone),
    WithJsonSchema({"type": "string", "description": "E.164, e.g. +14155552671"}),
]
CountryCode = Annotated[
    str,
    AfterValidator(_country),
    WithJsonSchema({"type": "string", "description": "ISO 3166-1 alpha-2, e.g. DE"}),
]
Birthday = Annotated[
    str, AfterValidator(_birthday), WithJsonSchema({"type": "string", "format": "date", "description": "YYYY-MM-DD"})
]


class Name(StrictWireModel):
    first_name: _Text | None = None
    middle_name: _Text | None = None
    last_name: _Text | None = None


class Address(StrictWireModel):
    line1: _Text
    line2: _Text | None = None
    city: _Text
    state: _Text | None = None
    postal_code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)] | None = None
    country: CountryCode


class CreateProfileRequest(StrictWireModel):
    customer_id: CustomerId
    name: Name | None = None
    email: EmailStr | None = None
    phone: Phone | None = None
    birthday: Birthday | None = None
    nationality: CountryCode | None = None
    address: Address | None = None


class KycCustomerProfile(WireModel):
    customer_id: str
    name: Name | None = None
    email: str | None = None
    phone: str | None = None
    birthday: str | None = None
    nationality: str | None = None
    address: Address | None = None
    kyc_status: KycStatus
    latest_kyc_id: str | None = None
    has_reference_face: bool = Field(
        description="the latest KYC decision is an approval with a selfie, usable by Re-Use KYC"
    )
    created_at: str
    updated_at: str


class ProfileListResponse(WireModel):
    items: list[KycCustomerProfile]
    pagination: KycPagination


# ---------------------------------------------------------------- KYC requests

DOCUMENT_TYPES_WITH_BACK = frozenset(
    {SupportedDocumentType.NATIONAL_ID, SupportedDocumentType.DRIVING_LICENSE, SupportedDocumentType.RESIDENCE_PERMIT}
)


class KycDeclinedCode(StrEnum):
    NO_FACE_ON_DOCUMENT = "no_face_on_document"
    NO_FACE_DETECTED = "no_face_detected"
    MULTIPLE_FACES_DETECTED = "multiple_faces_detected"
    FACE_MISMATCH = "face_mismatch"
    UNDERAGE = "underage"
    OVERAGE = "overage"
    # Reviewer decisions (update_kyc_status) the automatic checks cannot reach.
    DOCUMENT_UNREADABLE = "document_unreadable"
    DOCUMENT_EXPIRED = "document_expired"
    SUSPECTED_FRAUD = "suspected_fraud"
    OTHER = "other"


KYC_DECLINED_DESCRIPTIONS: dict[KycDeclinedCode, str] = {
    KycDeclinedCode.NO_FACE_ON_DOCUMENT: "No face was found on the document; photograph the side with the portrait.",
    KycDeclinedCode.NO_FACE_DETECTED: "No face was found in the selfie; take it facing the camera in good light.",
    KycDeclinedCode.MULTIPLE_FACES_DETECTED: "The selfie shows more than one face; only the customer may be in it.",
    KycDeclinedCode.FACE_MISMATCH: "The face in the selfie does not match the face on the document.",
    KycDeclinedCode.UNDERAGE: "The customer is younger than the minimum age you allow.",
    KycDeclinedCode.OVERAGE: "The customer is older than the maximum age you allow.",
    KycDeclinedCode.DOCUMENT_UNREADABLE: "The document could not be read.",
    KycDeclinedCode.DOCUMENT_EXPIRED: "The document has expired.",
    KycDeclinedCode.SUSPECTED_FRAUD: "The submission was judged fraudulent by a reviewer.",
    KycDeclinedCode.OTHER: "Declined by a reviewer.",
}


class ProofType(StrEnum):
    DOCUMENT_FRONT = "document_front"
    DOCUMENT_BACK = "document_back"
    SELFIE = "selfie"


class Proof(WireModel):
    proof_type: ProofType
    content_type: str
    width: int
    height: int
    size_bytes: int


class ProofDownloadURL(WireModel):
    proof_type: ProofType
    url: str = Field(description="presigned GET URL")
    expires_at: str


class DocumentVerificationRequest(StrictWireModel):
    customer_id: CustomerId = Field(description="a customer created with POST /api/v1/kyc/customers")
    document_type: SupportedDocumentType
    document_front: str = Field(description="base64 JPEG or PNG of the document side with the portrait")
    document_back: str | None = Field(
        None, description="base64 JPEG or PNG; required for national_id, driving_license, residence_permit"
    )
    selfie: str | None = Field(
        None, description="base64 JPEG or PNG; required while preferences.is_face_verification_required"
    )
    birthday: Birthday | None = Field(None, description="sets the customer's birthday before the age check")
    callback_url: Annotated[str, StringConstraints(max_length=2048)] | None = Field(
        None, description="https URL that receives the KycRequest as a signed webhook"
    )

    @model_validator(mode="after")
    def _back_side(self) -> Self:
        if self.document_type in DOCUMENT_TYPES_WITH_BACK and not self.document_back:
            raise ValueError(f"document_back is required for a {self.document_type.value}")
        return self


class KycRequest(WireModel):
    kyc_id: str
    customer_id: str
    document_type: SupportedDocumentType
    status: KycStatus
    declined_code: KycDeclinedCode | None = None
    declined_reason: str | None = None
    face_match_score: float | None = Field(None, description="0..1 similarity of selfie and document face")
    warnings: dict[str, dict[str, str]] = Field(
        default_factory=dict, description="checks that did not pass cleanly, by check name"
    )
    proofs: list[Proof]
    callback_url: str | None = None
    review_note: str | None = None
    reviewed_at: str | None = None
    created_at: str
    updated_at: str


class DocumentVerificationResponse(KycRequest):
    """The KYC request the verification created, with its decision."""


class KycRequestFilters(CreatedRange):
    status: KycStatus | None = None
    customer_id: Annotated[str, StringConstraints(max_length=128)] | None = None
    document_type: SupportedDocumentType | None = None


class KycRequestListResponse(WireModel):
    items: list[KycRequest]
    pagination: KycPagination


class UpdateKycStatusRequest(StrictWireModel):
    status: Literal[KycStatus.APPROVED, KycStatus.DECLINED]
    declined_code: KycDeclinedCode | None = Field(None, description="only with status declined; default other")
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] | None = None

    @model_validator(mode="after")
    def _code_only_when_declined(self) -> Self:
        if self.declined_code is not None and self.status != KycStatus.DECLINED:
            raise ValueError("declined_code is only allowed with status declined")
        return self


class CheckKycStatusResponse(WireModel):
    customer_id: str
    status: KycStatus
    kyc_id: str | None = Field(None, description="the customer's latest KYC request")
    is_verified: bool
    has_reference_face: bool
    updated_at: str
