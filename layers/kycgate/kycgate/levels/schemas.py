"""Levels wire models, named as in seed 002: configuration, clients, kyc-level-info, KYC applications
(kyc_steps -> questions -> attribute), documents, verification codes, review, liveness."""

import re
from typing import Annotated, Any, Literal, Self
from uuid import UUID

from pydantic import AfterValidator, EmailStr, Field, StringConstraints, WithJsonSchema, model_validator

from kycgate.core.pagination import KycPagination
from kycgate.core.wire import StrictWireModel, WireModel
from kycgate.levels.vocabulary import (
    ATTRIBUTE_KEY_PATTERN,
    CONFIG_KEY_PATTERN,
    DEFINITION_KEY_PATTERN,
    DOCUMENT_KEYS,
    ApplicationStatus,
    AttributeType,
    ClientType,
    LivenessProviderName,
    LivenessStatus,
    ReviewOutcome,
    SignProvider,
    StringFormat,
)

# Control characters and bidi overrides/isolates corrupt logs, exports and a reviewer's screen (RTL
# spoofing); zero-width joiners stay legal, real names in several scripts need them. As kyc.schemas.
_FORBIDDEN_IN_TEXT = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def printable(value: str) -> str:
    """The text without surrounding whitespace; refused when blank or carrying control characters."""
    if _FORBIDDEN_IN_TEXT.search(value):
        raise ValueError("must not contain control characters or bidirectional override characters")
    # Stripped here rather than by StringConstraints: a length bound applied after stripping would refuse
    # what the published schema (minLength 1) allows, e.g. " ".
    stripped = value.strip()
    if not stripped:
        raise ValueError("must not be blank")
    return stripped


Text = Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(printable)]
LongText = Annotated[str, StringConstraints(min_length=1, max_length=2000), AfterValidator(printable)]
AttributeKey = Annotated[str, StringConstraints(pattern=ATTRIBUTE_KEY_PATTERN)]
ConfigKey = Annotated[str, StringConstraints(pattern=CONFIG_KEY_PATTERN)]
DefinitionKey = Annotated[str, StringConstraints(pattern=DEFINITION_KEY_PATTERN)]
DocumentKey = Literal[DOCUMENT_KEYS]  # type: ignore[valid-type]
SignProviders = Annotated[list[SignProvider], Field(max_length=2)]


def _unique(values: list[Any]) -> list[Any]:
    if len(set(values)) != len(values):
        raise ValueError("must not repeat a value")
    return values


def _public_https_url(value: str) -> str:
    """A link shown to customers (a legal document's page): https on a public host name. Never fetched by
    kycgate, so no DNS lookup; what can be told from the text is refused (IP literals, bare names)."""
    import ipaddress
    from urllib.parse import urlsplit

    if any(ch <= " " or ch == "\x7f" for ch in value):
        raise ValueError("url must not contain whitespace or control characters")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises for a malformed port
    except ValueError:
        raise ValueError("url cannot be parsed") from None
    if parts.scheme != "https":
        raise ValueError("url must use https")
    if parts.username is not None or "@" in parts.netloc:
        raise ValueError("url must not carry credentials")
    host = parts.hostname or ""
    if not host.isascii() or "." not in host.strip("."):
        raise ValueError("url needs a public host name (ASCII, with a domain), e.g. https://example.com/terms")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return value
    if not address.is_global:
        raise ValueError("url must point at a public host")
    return value


PublicUrl = Annotated[str, StringConstraints(max_length=2048), AfterValidator(_public_https_url)]
CallbackUrl = Annotated[str, StringConstraints(max_length=2048)]


def _phone(value: str) -> str:
    import phonenumbers

    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        raise ValueError("phone must be in international format, e.g. +14155552671") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError("phone is not a valid number for its country code")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


Phone = Annotated[
    str,
    StringConstraints(max_length=32),
    AfterValidator(_phone),
    WithJsonSchema({"type": "string", "maxLength": 32, "description": "E.164, e.g. +14155552671"}),
]

# ---------------------------------------------------------------- configuration


class AttributeDefinition(StrictWireModel):
    """One choice of a reference-data attribute: the value is its key."""

    key: DefinitionKey
    title: Text


class AttributeConfig(StrictWireModel):
    """A client attribute: its type says what a value must be (seed 002: "Client attributes have a
    specific type"); type-specific fields apply to their type only."""

    key: AttributeKey = Field(description="attribute_key; document keys and liveness keys are the seed's")
    type: AttributeType
    title: Text
    description: LongText | None = None
    sign_providers: Annotated[SignProviders, AfterValidator(_unique)] = Field(
        default_factory=list, description="a change must be signed with a code from one of these (seed 002)"
    )
    # string
    min_length: int | None = Field(None, ge=1, le=10_000, description="string: at least this many characters")
    max_length: int | None = Field(None, ge=1, le=10_000, description="string: at most (default 500)")
    format: StringFormat | None = Field(None, description="string: email, phone (E.164) or country (ISO alpha-2)")
    # number
    minimum: float | None = Field(None, ge=-1e15, le=1e15, allow_inf_nan=False, description="number: inclusive")
    maximum: float | None = Field(None, ge=-1e15, le=1e15, allow_inf_nan=False, description="number: inclusive")
    integer: bool = Field(False, description="number: whole numbers only")
    # reference
    definitions: Annotated[list[AttributeDefinition], Field(max_length=1000)] | None = Field(
        None, description="reference: the choices"
    )
    # legal_document
    legal_document_key: ConfigKey | None = Field(None, description="legal_document: the document to accept")
    # liveness
    provider: LivenessProviderName | None = Field(None, description="liveness: kycgate (default) or sumsub")
    sumsub_level_name: Text | None = Field(None, description="liveness with provider sumsub: the Sumsub level")
    max_attempts: int | None = Field(None, ge=1, le=10, description="liveness with kycgate: selfies allowed (3)")

    @model_validator(mode="after")
    def _fields_of_its_type(self) -> Self:
        by_type = {
            AttributeType.STRING: {"min_length", "max_length", "format"},
            AttributeType.NUMBER: {"minimum", "maximum", "integer"},
            AttributeType.REFERENCE: {"definitions"},
            AttributeType.LEGAL_DOCUMENT: {"legal_document_key"},
            AttributeType.LIVENESS: {"provider", "sumsub_level_name", "max_attempts"},
        }
        own = by_type.get(self.type, set())
        # Set means "not at its default" (a stored configuration is validated again from its full dump).
        foreign = sorted(
            name for names in by_type.values() for name in names - own if getattr(self, name) not in (None, False)
        )
        if foreign:
            raise ValueError(f"{', '.join(foreign)} do not apply to a {self.type.value} attribute")
        if self.min_length and self.max_length and self.min_length > self.max_length:
            raise ValueError("min_length must not exceed max_length")
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise ValueError("minimum must not exceed maximum")
        if self.type == AttributeType.REFERENCE:
            if not self.definitions:
                raise ValueError("a reference attribute needs definitions (its choices)")
            _unique([d.key for d in self.definitions])
        if self.type == AttributeType.LEGAL_DOCUMENT and not self.legal_document_key:
            raise ValueError("a legal_document attribute needs legal_document_key")
        if self.provider == LivenessProviderName.SUMSUB and not self.sumsub_level_name:
            raise ValueError("a sumsub liveness attribute needs sumsub_level_name")
        return self


class LegalDocumentConfig(StrictWireModel):
    key: ConfigKey
    client_type: ClientType
    title: Text
    url: PublicUrl = Field(description="https page the client reads")
    version: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,31}$")] = Field(
        description="a new version is a new legal_document_uuid: acceptances of the old one no longer count"
    )
    legal_document_uuid: UUID | None = Field(None, description="read-only: derived from the keys and version")


class QuestionConfig(StrictWireModel):
    attribute_key: AttributeKey
    title: Text | None = Field(None, description="default: the attribute's title")
    required: bool = True


class StepConfig(StrictWireModel):
    title: Text
    questions: Annotated[list[QuestionConfig], Field(min_length=1, max_length=100)]


class LevelConfig(StrictWireModel):
    key: ConfigKey
    name: Text
    description: LongText | None = None
    client_type: ClientType
    entry_level: bool = Field(False, description="a client with no approved level may apply for it")
    upgrades_to: Annotated[list[ConfigKey], Field(max_length=50), AfterValidator(_unique)] = Field(
        default_factory=list, description="keys of the levels a client approved at this level may apply for next"
    )
    sign_providers: Annotated[SignProviders, AfterValidator(_unique)] = Field(
        default_factory=list, description="send-to-review must be signed with a code from one of these"
    )
    reapply_after_rejection: bool = Field(
        True, description="false: once rejected at this level, a client may not apply for it again"
    )
    steps: Annotated[list[StepConfig], Field(min_length=1, max_length=50)]
    kyc_level_uuid: UUID | None = Field(None, description="read-only: derived from the legal entity and level keys")


class LegalEntityConfig(StrictWireModel):
    key: ConfigKey
    name: Text
    callback_url: CallbackUrl | None = Field(
        None, description="https URL that receives every status change of this legal entity's applications"
    )
    legal_documents: Annotated[list[LegalDocumentConfig], Field(max_length=200)] = Field(default_factory=list)
    levels: Annotated[list[LevelConfig], Field(max_length=50)] = Field(default_factory=list)
    legal_entity_uuid: UUID | None = Field(None, description="read-only: derived from the key")


class LevelsConfiguration(StrictWireModel):
    """The tenant's whole levels configuration: client attributes, legal entities with their legal
    documents and levels (ordered steps of questions bound to attributes) and upgrade paths."""

    attributes: Annotated[list[AttributeConfig], Field(max_length=500)] = Field(default_factory=list)
    legal_entities: Annotated[list[LegalEntityConfig], Field(max_length=50)] = Field(default_factory=list)


class StoredLevelsConfiguration(LevelsConfiguration):
    version: int = Field(description="0 before any configuration was stored; +1 with each replace")
    updated_at: str | None = None


# ---------------------------------------------------------------- clients and kyc-level-info


class CreateLevelsClientRequest(StrictWireModel):
    legal_entity_uuid: UUID
    client_type: ClientType
    client_uuid: UUID | None = Field(None, description="your own UUID for the client (409 if taken); default: new")
    email: EmailStr | None = Field(None, description="where e-mail verification codes go by default")
    phone: Phone | None = Field(None, description="where SMS verification codes go by default")


class LevelsClient(WireModel):
    client_uuid: UUID
    legal_entity_uuid: UUID
    client_type: ClientType
    email: str | None = None
    phone: str | None = None
    current_kyc_level_uuid: UUID | None = Field(None, description="the level approved last")
    approved_kyc_level_uuids: list[UUID]
    last_kyc_application_uuid: UUID | None = None
    created_at: str
    updated_at: str


class AvailableKycLevel(WireModel):
    kyc_level_uuid: UUID
    key: str
    name: str
    description: str | None = None
    open_kyc_application_uuid: UUID | None = Field(None, description="the client's open application for it")


class KycLevelInfo(WireModel):
    legal_entity_uuid: UUID
    client_uuid: UUID
    current_kyc_level_uuid: UUID | None = None
    allowed_to_create_kyc_application: bool = Field(description="an available level has no open application")
    available_levels_for_upgrade: list[AvailableKycLevel]
    last_kyc_application_uuid: UUID | None = None
    last_kyc_application_status: ApplicationStatus | None = None


class CreateKycApplicationRequest(StrictWireModel):
    kyc_level_uuid: UUID


# ---------------------------------------------------------------- KYC applications


class DocumentVerification(WireModel):
    verificator: str
    status: Literal["pending", "approved", "declined", "ignored"]
    client_note: str
    checks: dict[str, str] = Field(default_factory=dict, description="each check that ran: passed or failed")


class AttributeSignature(WireModel):
    provider_type: SignProvider
    destination: str = Field(description="masked")
    signed_at: str


class KycAttribute(WireModel):
    key: str
    type: AttributeType
    title: str
    description: str | None = None
    value: Any = Field(None, description="by type; documents and finished liveness checks carry `verification`")
    sign_providers: list[SignProvider] = Field(default_factory=list)
    signature: AttributeSignature | None = None
    accepted_at: str | None = Field(None, description="legal_document: when the client accepted it")
    additional_info: dict[str, str] | None = Field(None, description="liveness: the client's email and phone")
    volatile: bool = Field(
        False, description="a liveness token or URL: issued on GET, empty with empty_volatile_fields"
    )
    expires_at: str | None = Field(None, description="volatile value: when it stops working")
    status: LivenessStatus | None = Field(None, description="liveness: pending, approved, declined, exhausted")
    verification: dict[str, DocumentVerification] | None = Field(
        None, description="liveness: the last attempt's diagnostics, by verificator"
    )
    attempts_left: int | None = Field(None, description="liveness: attempts the client has left")
    note: str | None = Field(None, description="the reviewer's note on this attribute")
    constraints: dict[str, Any] | None = Field(None, description="what a value must satisfy (lengths, bounds, format)")


class KycQuestion(WireModel):
    title: str
    required: bool
    attribute: KycAttribute


class KycStep(WireModel):
    title: str
    questions: list[KycQuestion]


class KycApplication(WireModel):
    kyc_application_uuid: UUID
    legal_entity_uuid: UUID
    client_uuid: UUID
    kyc_level_uuid: UUID
    kyc_level_name: str
    status: ApplicationStatus
    sign_providers: list[SignProvider] = Field(
        default_factory=list, description="send-to-review needs a code from one of these"
    )
    review_signature: AttributeSignature | None = None
    review_comment: str | None = None
    kyc_steps: list[KycStep]
    created_at: str
    updated_at: str
    submitted_at: str | None = None
    decided_at: str | None = None


class AttributeChange(StrictWireModel):
    key: AttributeKey
    value: Any = Field(description="by the attribute's type; null clears it")


class UpdateKycApplicationRequest(StrictWireModel):
    attribute_changes: Annotated[list[AttributeChange], Field(min_length=1, max_length=200)]


class KycApplicationActor(WireModel):
    type: Literal["api_key", "liveness_check"]
    key_id: str | None = None
    employee_id: int | None = Field(None, description="the key's number within the tenant")
    name: str | None = None
    account: str | None = None


class KycApplicationEvent(WireModel):
    at: str
    event: Literal["created", "updated", "sent_to_review", "approved", "rejected", "sent_to_clarify"]
    from_status: ApplicationStatus | None = None
    to_status: ApplicationStatus
    actor: KycApplicationActor
    attribute_keys: list[str] = Field(default_factory=list, description="updated: the attributes changed")
    comment: str | None = None
    notes: dict[str, str] = Field(default_factory=dict)


class KycApplicationHistory(WireModel):
    items: list[KycApplicationEvent]
    pagination: KycPagination


# ---------------------------------------------------------------- reference data and legal documents


class AttributeDefinitions(WireModel):
    attribute_key: str
    definitions: list[AttributeDefinition]


class LegalDocument(WireModel):
    legal_document_uuid: UUID
    legal_entity_uuid: UUID
    key: str
    client_type: ClientType
    title: str
    url: str
    version: str


class LegalDocumentList(WireModel):
    items: list[LegalDocument]
    pagination: KycPagination


# ---------------------------------------------------------------- documents


class UploadedFile(WireModel):
    file_uuid: UUID
    file_name: str
    content_type: Literal["image/jpeg", "image/png", "application/pdf"]
    size_bytes: int
    width: int | None = None
    height: int | None = None
    sha256: str
    created_at: str


class UploadedFiles(WireModel):
    files: list[UploadedFile]


class CreateDocumentRequest(StrictWireModel):
    attribute_key: DocumentKey
    files: Annotated[list[UUID], Field(min_length=1, max_length=5)] = Field(
        description="file_uuid values from POST .../documents/files"
    )


class KycDocument(WireModel):
    document_uuid: UUID
    client_uuid: UUID
    attribute_key: DocumentKey
    files: list[UploadedFile]
    verification: dict[str, DocumentVerification]
    created_at: str


# ---------------------------------------------------------------- signatures


class SendVerificationCodeRequest(StrictWireModel):
    legal_entity_uuid: UUID
    object_uuid: UUID = Field(description="the kyc_application_uuid the code will sign")
    provider_type: SignProvider
    destination: Annotated[str, StringConstraints(min_length=3, max_length=254)] | None = Field(
        None, description="phone (sms) or e-mail; needed when the client has none on record or changes it"
    )


class VerificationCodeSent(WireModel):
    object_uuid: UUID
    provider_type: SignProvider
    destination: str = Field(description="masked")
    expires_at: str
    resend_available_at: str
    sandbox: bool = Field(description="test mode: nothing is sent and the code is 111111")


# ---------------------------------------------------------------- review


class AttributeNote(StrictWireModel):
    attribute_key: AttributeKey
    note: LongText


class ReviewDecisionRequest(StrictWireModel):
    status: ReviewOutcome = Field(description="approved, rejected (final) or pending (back to the client)")
    comment: LongText | None = None
    notes: Annotated[list[AttributeNote], Field(max_length=200)] = Field(
        default_factory=list, description="per attribute; only with pending"
    )

    @model_validator(mode="after")
    def _notes_with_pending(self) -> Self:
        if self.notes and self.status != ReviewOutcome.PENDING:
            raise ValueError("notes go with status pending: they tell the client what to correct")
        if self.status == ReviewOutcome.PENDING and not (self.notes or self.comment):
            raise ValueError("status pending needs notes or a comment: the client must learn what to correct")
        return self


class SandboxRejectRequest(StrictWireModel):
    comment: LongText | None = None


class SandboxClarifyRequest(StrictWireModel):
    comment: LongText | None = Field(None, description="default: a note that the sandbox sent it back")
    notes: Annotated[list[AttributeNote], Field(max_length=200)] = Field(default_factory=list)


# ---------------------------------------------------------------- liveness (kycgate's hosted check)

LivenessToken = Annotated[str, StringConstraints(min_length=1, max_length=128)]


class LivenessCheck(WireModel):
    """What the hosted selfie page polls, holding only the token."""

    status: LivenessStatus
    attempts_left: int
    declined_reason: str | None = None
    client_note: str | None = None
    expires_at: str


class SubmitLivenessRequest(StrictWireModel):
    liveness_token: LivenessToken
    selfie: str = Field(description="base64 JPEG or PNG taken by the hosted page's camera")
