"""KYC wire models (seed 000 names): preferences, customers, requests, alerts, handoff."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from kycgate.core import clock
from kycgate.core.pagination import KycPagination
from kycgate.core.wire import WireModel

NonNegativeAmount = Annotated[float, Field(ge=0, le=1e12, allow_inf_nan=False)]
MAX_RETRY_ATTEMPTS = 10


class SupportedDocumentType(StrEnum):
    PASSPORT = "passport"
    NATIONAL_ID = "national_id"
    DRIVING_LICENSE = "driving_license"
    RESIDENCE_PERMIT = "residence_permit"


class _Strict(WireModel):
    model_config = ConfigDict(extra="forbid")


class ReuseKycThresholdTrigger(_Strict):
    enabled: bool = False
    threshold: NonNegativeAmount = Field(0, description="USD threshold; 0 / null means any amount")

    @field_validator("threshold", mode="before")
    @classmethod
    def _null_is_any(cls, value: Any) -> Any:
        return 0 if value is None else value


class ReuseKycFrequencyTrigger(_Strict):
    enabled: bool = False
    count: int = Field(0, ge=0, le=1_000_000, description="minimum events; 0 / null means any count")
    window_minutes: int = Field(0, ge=0, le=525_600, description="maximum window; 0 / null means any window")

    @field_validator("count", "window_minutes", mode="before")
    @classmethod
    def _null_is_any(cls, value: Any) -> Any:
        return 0 if value is None else value


class ReuseKycTriggers(_Strict):
    login: bool = False
    password_change: bool = False
    name_change: bool = False
    phone_number_change: bool = False
    two_factor_auth_change: bool = False
    new_device_or_location: bool = False
    device_fingerprint_change: bool = False
    payment_method_change: bool = False
    deposit: ReuseKycThresholdTrigger = ReuseKycThresholdTrigger()
    withdrawal: ReuseKycThresholdTrigger = ReuseKycThresholdTrigger()
    large_bet_placement: ReuseKycThresholdTrigger = ReuseKycThresholdTrigger()
    high_frequency_betting: ReuseKycFrequencyTrigger = ReuseKycFrequencyTrigger()
    account_balance_transfer: bool = False


class ReuseKycReactions(_Strict):
    max_retry_attempts: int = Field(2, ge=0, le=MAX_RETRY_ATTEMPTS, description="retries after the first attempt")
    trigger_alert: bool = True
    enforce_logout: bool = False
    freeze_account: bool = False
    freeze_duration_minutes: int = Field(0, ge=0, le=525_600)


class PreferenceSettings(_Strict):
    """Everything a tenant can set; the defaults are those of a tenant that never set any."""

    is_face_verification_required: bool = True
    is_address_verification_required: bool = False
    is_age_verification_required: bool = True
    is_reuse_kyc_enabled: bool = False
    min_age: int = Field(18, ge=0, le=150)
    max_age: int = Field(120, ge=0, le=150)
    required_document_count: int = Field(1, ge=1, le=5)
    high_risk_score: int = Field(75, ge=0, le=100)
    medium_risk_score: int = Field(50, ge=0, le=100)
    supported_document_types: list[SupportedDocumentType] = Field(
        default_factory=lambda: list(SupportedDocumentType), min_length=1
    )
    reuse_kyc_triggers: ReuseKycTriggers = ReuseKycTriggers()
    reuse_kyc_reactions: ReuseKycReactions = ReuseKycReactions()

    @model_validator(mode="after")
    def _consistent(self) -> PreferenceSettings:
        if self.min_age > self.max_age:
            raise ValueError(f"min_age ({self.min_age}) must not exceed max_age ({self.max_age})")
        if self.medium_risk_score > self.high_risk_score:
            raise ValueError(
                f"medium_risk_score ({self.medium_risk_score}) must not exceed high_risk_score ({self.high_risk_score})"
            )
        if len(set(self.supported_document_types)) != len(self.supported_document_types):
            raise ValueError("supported_document_types must not repeat a type")
        return self


class KycPreferences(PreferenceSettings):
    model_config = ConfigDict(extra="ignore")

    id: str
    tenant_id: str
    created_at: str
    updated_at: str


def _scalar_types(annotation: Any) -> set[type]:
    """int/float/bool inside ``X | None`` or ``Annotated[X, ...] | None``."""
    found: set[type] = set()
    for arg in get_args(annotation) or (annotation,):
        base = get_args(arg)[0] if get_origin(arg) is Annotated else arg
        if base in (bool, int, float):
            found.add(base)
    return found


class _Partial(WireModel):
    """A PATCH body: booleans and numbers as JSON has them, never coerced from each other or from strings
    (lax parsing would read `true` as 1 and "21" as 21)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _as_json_has_them(cls, value: Any, info: ValidationInfo) -> Any:
        kinds = _scalar_types(cls.model_fields[info.field_name].annotation)
        if value is None or not kinds:
            return value
        if bool in kinds and not isinstance(value, bool):
            raise ValueError("must be true or false")
        if kinds & {int, float} and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise ValueError("must be a JSON number")
        return value


class ReuseKycThresholdTriggerUpdate(_Partial):
    enabled: bool | None = None
    threshold: NonNegativeAmount | None = None


class ReuseKycFrequencyTriggerUpdate(_Partial):
    enabled: bool | None = None
    count: int | None = Field(None, ge=0, le=1_000_000)
    window_minutes: int | None = Field(None, ge=0, le=525_600)


class ReuseKycTriggersUpdate(_Partial):
    """Partial update: only the events present here are changed (nested keys too)."""

    login: bool | None = None
    password_change: bool | None = None
    name_change: bool | None = None
    phone_number_change: bool | None = None
    two_factor_auth_change: bool | None = None
    new_device_or_location: bool | None = None
    device_fingerprint_change: bool | None = None
    payment_method_change: bool | None = None
    deposit: ReuseKycThresholdTriggerUpdate | None = None
    withdrawal: ReuseKycThresholdTriggerUpdate | None = None
    large_bet_placement: ReuseKycThresholdTriggerUpdate | None = None
    high_frequency_betting: ReuseKycFrequencyTriggerUpdate | None = None
    account_balance_transfer: bool | None = None


class ReuseKycReactionsUpdate(_Partial):
    """Partial update: only the keys present here are changed."""

    max_retry_attempts: int | None = Field(None, ge=0, le=MAX_RETRY_ATTEMPTS)
    trigger_alert: bool | None = None
    enforce_logout: bool | None = None
    freeze_account: bool | None = None
    freeze_duration_minutes: int | None = Field(None, ge=0, le=525_600)


class UpdateKycPreferencesRequest(_Partial):
    is_face_verification_required: bool | None = None
    is_address_verification_required: bool | None = None
    is_age_verification_required: bool | None = None
    is_reuse_kyc_enabled: bool | None = None
    min_age: int | None = Field(None, ge=0, le=150)
    max_age: int | None = Field(None, ge=0, le=150)
    required_document_count: int | None = Field(None, ge=1, le=5)
    high_risk_score: int | None = Field(None, ge=0, le=100)
    medium_risk_score: int | None = Field(None, ge=0, le=100)
    supported_document_types: list[SupportedDocumentType] | None = Field(None, min_length=1)
    reuse_kyc_triggers: ReuseKycTriggersUpdate | None = None
    reuse_kyc_reactions: ReuseKycReactionsUpdate | None = None

    def changes(self) -> dict[str, Any]:
        """The keys the caller sent, nested. An explicit null on a threshold/count/window means 'any'
        (0, as the seed defines); on any other key it means 'leave as is'."""
        return _without_nulls(self.model_dump(mode="json", exclude_unset=True))


_NULL_MEANS_ANY = frozenset({"threshold", "count", "window_minutes"})


def _without_nulls(changes: dict[str, Any]) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for name, value in changes.items():
        if isinstance(value, dict):
            kept[name] = _without_nulls(value)
        elif value is not None or name in _NULL_MEANS_ANY:
            kept[name] = value
    return kept


def _iso_8601_only(value: Any) -> Any:
    # pydantic also reads numbers as Unix timestamps, so ?created_to=-165075 would silently mean 1969.
    if isinstance(value, str):
        try:
            datetime.fromisoformat(value)
        except ValueError:
            raise ValueError("must be an ISO 8601 date or date-time, e.g. 2026-11-21T10:00:00Z") from None
    elif not isinstance(value, datetime):
        raise ValueError("must be an ISO 8601 date or date-time, e.g. 2026-11-21T10:00:00Z")
    return value


_IsoDatetime = Annotated[datetime, BeforeValidator(_iso_8601_only)]

# ---------------------------------------------------------------- customers

# The tenant's own customer id. It lands in URLs and DynamoDB keys, hence the conservative alphabet.
CUSTOMER_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:@+\-]{0,127}$"
CustomerId = Annotated[
    str,
    StringConstraints(pattern=CUSTOMER_ID_PATTERN),
    Field(description="your own id for the customer: 1-128 of A-Z a-z 0-9 . _ : @ + -"),
]
# Control characters (NUL, newlines, escapes) and bidi overrides/isolates have no place in a name or
# address: they corrupt logs, CSV exports and the reviewer's screen (RTL spoofing). Zero-width joiners
# and marks stay legal: real names in several scripts need them.
_FORBIDDEN_IN_TEXT = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _printable(value: str) -> str:
    if _FORBIDDEN_IN_TEXT.search(value):
        raise ValueError("must not contain control characters or bidirectional override characters")
    return value


_Text = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), AfterValidator(_printable)
]
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


class Name(_Strict):
    first_name: _Text | None = None
    middle_name: _Text | None = None
    last_name: _Text | None = None


class Address(_Strict):
    line1: _Text
    line2: _Text | None = None
    city: _Text
    state: _Text | None = None
    postal_code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)] | None = None
    country: CountryCode


class CreateProfileRequest(_Strict):
    customer_id: CustomerId
    name: Name | None = None
    email: EmailStr | None = None
    phone: Phone | None = None
    birthday: Birthday | None = None
    nationality: CountryCode | None = None
    address: Address | None = None


class KycStatus(StrEnum):
    NOT_STARTED = "not_started"  # a customer who never submitted documents
    PENDING = "pending"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    DECLINED = "declined"
    EXPIRED = "expired"


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


class DocumentVerificationRequest(_Strict):
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
    def _back_side(self) -> DocumentVerificationRequest:
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


class KycRequestFilters(WireModel):
    status: KycStatus | None = None
    customer_id: Annotated[str, StringConstraints(max_length=128)] | None = None
    document_type: SupportedDocumentType | None = None
    created_from: _IsoDatetime | None = Field(None, description="inclusive; ISO 8601, UTC when no offset")
    created_to: _IsoDatetime | None = Field(None, description="inclusive; ISO 8601, UTC when no offset")

    @model_validator(mode="after")
    def _ordered(self) -> KycRequestFilters:
        if self.created_from and self.created_to and as_utc(self.created_from) > as_utc(self.created_to):
            raise ValueError("created_from must not be after created_to")
        return self


class KycRequestListResponse(WireModel):
    items: list[KycRequest]
    pagination: KycPagination


class UpdateKycStatusRequest(_Strict):
    status: Literal[KycStatus.APPROVED, KycStatus.DECLINED]
    declined_code: KycDeclinedCode | None = Field(None, description="only with status declined; default other")
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] | None = None

    @model_validator(mode="after")
    def _code_only_when_declined(self) -> UpdateKycStatusRequest:
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


def as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
