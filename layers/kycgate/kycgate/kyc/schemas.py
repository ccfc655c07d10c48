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
from kycgate.core.wire import (
    UPLOAD_ID_DESCRIPTION,
    CreatedRange,
    Printable,
    StrictWireModel,
    UploadId,
    WireModel,
    has_image,
    image_or_upload,
)
from kycgate.kyc.vocabulary import (
    DOCUMENT_TYPES_WITH_BACK,
    AdditionalDocumentType,
    CustomerId,
    KycStatus,
    RiskLevel,
    SupportedDocumentType,
)

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


class ProfileFilters(CreatedRange):
    """Customer list filters, each served from an index: kyc_status, a created range, or both."""

    kyc_status: KycStatus | None = None


class ProfileListResponse(WireModel):
    items: list[KycCustomerProfile]
    pagination: KycPagination


# ---------------------------------------------------------------- KYC requests


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
    DOCUMENT_TWO_FRONT = "document_two_front"  # the second identity document (required_document_count 2)
    DOCUMENT_TWO_BACK = "document_two_back"
    PROOF_OF_ADDRESS = "proof_of_address"
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
    document_id: str | None = Field(None, description="the SubmittedDocument this proof belongs to, if any")


class SubmittedDocument(WireModel):
    """A document the customer sent in answer to RequestAdditionalDocumentsRequest, on the same request."""

    document_id: str
    document_type: AdditionalDocumentType
    proofs: list[Proof] = Field(description="its images; download them with GET .../requests/{kyc_id}/proofs")
    message: str = Field(description="the message of the request it answered")
    requested_at: str
    submitted_at: str


class RequestedDocuments(WireModel):
    """The tenant's latest request for additional documents on a KYC request."""

    document_types: list[AdditionalDocumentType]
    message: str
    requested_at: str
    link_expires_at: str
    fulfilled_at: str | None = None


class DocumentVerificationRequest(StrictWireModel):
    customer_id: CustomerId = Field(description="a customer created with POST /api/v1/kyc/customers")
    document_type: SupportedDocumentType
    document_front: str | None = Field(
        None, description="base64 JPEG or PNG of the document side with the portrait (or document_front_upload_id)"
    )
    document_front_upload_id: UploadId | None = Field(None, description=UPLOAD_ID_DESCRIPTION)
    document_back: str | None = Field(
        None, description="base64 JPEG or PNG; required for national_id, driving_license, residence_permit"
    )
    document_back_upload_id: UploadId | None = Field(None, description=UPLOAD_ID_DESCRIPTION)
    selfie: str | None = Field(
        None, description="base64 JPEG or PNG; required while preferences.is_face_verification_required"
    )
    selfie_upload_id: UploadId | None = Field(None, description=UPLOAD_ID_DESCRIPTION)
    proof_of_address: str | None = Field(
        None,
        description="base64 JPEG or PNG of a utility bill or bank statement; required while "
        "preferences.is_address_verification_required (stored for review, not read automatically)",
    )
    proof_of_address_upload_id: UploadId | None = Field(None, description=UPLOAD_ID_DESCRIPTION)
    birthday: Birthday | None = Field(None, description="sets the customer's birthday before the age check")
    callback_url: Annotated[str, StringConstraints(max_length=2048)] | None = Field(
        None, description="https URL that receives the KycRequest as a signed webhook"
    )

    @model_validator(mode="after")
    def _images(self) -> Self:
        image_or_upload(self, *IMAGE_FIELDS)
        if not self.has("document_front"):
            raise ValueError("document_front (or document_front_upload_id) is required")
        if self.document_type in DOCUMENT_TYPES_WITH_BACK and not self.has("document_back"):
            raise ValueError(f"document_back is required for a {self.document_type.value}")
        return self

    def has(self, field: str) -> bool:
        return has_image(self, field)


IMAGE_FIELDS = ("document_front", "document_back", "selfie", "proof_of_address")


class KycRequest(WireModel):
    kyc_id: str
    customer_id: str
    document_type: SupportedDocumentType
    document_two_type: SupportedDocumentType | None = Field(None, description="the second identity document")
    status: KycStatus
    declined_code: KycDeclinedCode | None = None
    declined_reason: str | None = None
    face_match_score: float | None = Field(None, description="0..1 similarity of selfie and document face")
    risk_score: int | None = Field(
        None, ge=0, le=100, description="0-100 from the checks that ran (README: risk score); null until they ran"
    )
    risk_level: RiskLevel | None = Field(
        None, description="risk_score against your medium/high_risk_score when the checks ran; kept as decided"
    )
    risk_factors: dict[str, int] = Field(default_factory=dict, description="the points risk_score adds up, by check")
    warnings: dict[str, dict[str, str]] = Field(
        default_factory=dict, description="checks that did not pass cleanly, by check name"
    )
    proofs: list[Proof]
    submitted_documents: list[SubmittedDocument] = Field(
        default_factory=list, description="documents sent in answer to requests for additional documents"
    )
    requested_documents: RequestedDocuments | None = None
    trigger_event: str | None = None
    locale: str | None = None
    link_expires_at: str | None = Field(None, description="when the latest submit or additional-documents link lapses")
    callback_url: str | None = None
    review_note: str | None = None
    reviewed_at: str | None = None
    created_at: str
    updated_at: str


class DocumentVerificationResponse(KycRequest):
    """The KYC request the verification created, with its decision."""


class KycRequestFilters(CreatedRange):
    """KYC request filters, each served from an index: at most one of status, customer_id and
    document_type, with or without a created range."""

    status: KycStatus | None = None
    customer_id: Annotated[str, StringConstraints(max_length=128)] | None = None
    document_type: SupportedDocumentType | None = None


class KycRequestListResponse(WireModel):
    items: list[KycRequest]
    pagination: KycPagination


# ---------------------------------------------------------------- overview


class KycOverviewDay(WireModel):
    date: str = Field(description="UTC day, YYYY-MM-DD")
    approvals: int
    declines: int


class KycOverview(WireModel):
    """The tenant's counts (seed 000 names the type only; fields designed here), read from counters the
    writes keep in their own transactions, never by counting rows."""

    total_customers: int
    customers_by_status: dict[KycStatus, int] = Field(description="customers by kyc_status")
    total_requests: int
    by_status: dict[KycStatus, int] = Field(description="KYC requests by their current status")
    by_risk_level: dict[RiskLevel, int] = Field(description="KYC requests scored at each risk_level")
    from_date: str = Field(description="first UTC day of the range (the `from` parameter), YYYY-MM-DD")
    to_date: str = Field(description="last UTC day of the range (the `to` parameter), YYYY-MM-DD")
    approvals: int = Field(description="requests approved within the range (by the day of the decision)")
    declines: int = Field(description="requests declined within the range (by the day of the decision)")
    daily: list[KycOverviewDay] = Field(description="approvals and declines per day of the range, oldest first")
    open_alerts: int = Field(description="Re-Use KYC alerts open or in_review")
    total_alerts: int


class UpdateKycStatusRequest(StrictWireModel):
    status: Literal[KycStatus.APPROVED, KycStatus.DECLINED]
    declined_code: KycDeclinedCode | None = Field(None, description="only with status declined; default other")
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] | None = None

    @model_validator(mode="after")
    def _code_only_when_declined(self) -> Self:
        if self.declined_code is not None and self.status != KycStatus.DECLINED:
            raise ValueError("declined_code is only allowed with status declined")
        return self


# ---------------------------------------------------------------- submit links and additional documents

# BCP 47 language tags as browsers send them: en, de-CH, zh-Hant-TW.
_Locale = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$"),
    Field(description="BCP 47 language tag of the customer, e.g. en or de-CH"),
]
_TriggerEvent = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=64),
    Printable,
    Field(description='what made you ask, e.g. "onboarding", "login", "transaction"'),
]
_Url = Annotated[str, StringConstraints(max_length=2048)]
# A message to the customer may break lines; other control and bidi-override characters have no place in it.
_FORBIDDEN_IN_MESSAGE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _message_text(value: str) -> str:
    if _FORBIDDEN_IN_MESSAGE.search(value):
        raise ValueError("must not contain control characters (other than line breaks) or bidirectional overrides")
    return value


class RequestKycSubmitLinkRequest(StrictWireModel):
    customer_id: CustomerId = Field(description="a customer created with POST /api/v1/kyc/customers")
    document_type: SupportedDocumentType = Field(description="the identity document the customer photographs")
    document_two_type: SupportedDocumentType | None = Field(
        None, description="a second identity document; required while preferences.required_document_count is 2"
    )
    birthday: Birthday | None = Field(None, description="sets the customer's birthday for the age check")
    callback_url: _Url | None = Field(None, description="https URL that receives the KycRequest at each change")
    redirect_url: _Url | None = Field(None, description="https URL the page sends the customer to afterwards")
    locale: _Locale | None = None
    trigger_event: _TriggerEvent | None = None


class RequestKycSubmitLinkResponse(WireModel):
    kyc_id: str = Field(description="the KYC request, pending_submission until the customer submits")
    customer_id: str
    status: KycStatus
    token: str = Field(description="the handoff's capability token (GET /api/v1/kyc/session/{token}), 15 minutes")
    link: str = Field(description="BASE_URL_FRONTEND/kyc-submit?token=...: the page, for the phone or as a QR code")
    expires_at: str = Field(description="when the token and the link stop working")
    required_slots: list[str] = Field(description="the handoff slots the customer is asked to fill")


class RequestAdditionalDocumentsRequest(StrictWireModel):
    document_types: list[AdditionalDocumentType] = Field(
        min_length=1,
        max_length=4,
        description="what to send: up to two identity documents, proof_of_address, selfie (each once)",
    )
    message: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000), AfterValidator(_message_text)
    ] = Field(description="shown to the customer on the page, e.g. why and what exactly")
    redirect_url: _Url | None = Field(None, description="https URL the page sends the customer to afterwards")

    @model_validator(mode="after")
    def _each_once(self) -> Self:
        if len(set(self.document_types)) != len(self.document_types):
            raise ValueError("document_types must not repeat a type")
        identity = [t for t in self.document_types if t.value in SupportedDocumentType._value2member_map_]
        if len(identity) > 2:
            raise ValueError("at most two identity documents per request (the handoff has two document slots)")
        return self


class RequestAdditionalDocumentsResponse(RequestKycSubmitLinkResponse):
    """The new handoff link for the additional documents; the request is additional_documents_requested."""


class CheckKycStatusResponse(WireModel):
    customer_id: str
    status: KycStatus
    kyc_id: str | None = Field(None, description="the customer's latest KYC request")
    is_verified: bool
    has_reference_face: bool
    updated_at: str
