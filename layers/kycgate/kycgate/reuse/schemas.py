"""Re-Use KYC wire models, named as in seed 000 (plus `reason_code` and the alert models)."""

from enum import StrEnum
from typing import Annotated, Any, Literal, Self

from pydantic import BeforeValidator, ConfigDict, Field, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

from kycgate.core.pagination import KycPagination
from kycgate.core.wire import UPLOAD_ID_DESCRIPTION, StrictWireModel, UploadId, WireModel, image_or_upload
from kycgate.kyc.vocabulary import CUSTOMER_ID_PATTERN, CustomerId, KycStatus
from kycgate.reuse.vocabulary import ReasonCode, ReuseKycEvent

ALLOWED_EVENTS = ", ".join(e.value for e in ReuseKycEvent)

# A reference lands in a URL path (GET .../sessions/{reference}) and a DynamoDB key, like a customer id.
Reference = Annotated[
    str,
    StringConstraints(pattern=CUSTOMER_ID_PATTERN),
    Field(description="your unique id for this session, e.g. a transaction id: 1-128 of A-Z a-z 0-9 . _ : @ + -"),
]
Url = Annotated[str, StringConstraints(max_length=2048)]
Token = Annotated[str, StringConstraints(min_length=1, max_length=128)]


def _known_event(value: Any) -> Any:
    # Seed 000 lets an empty event fall through and allow the request; DESIGN.md makes it a 422
    # that names every allowed event, because a control that silently allows is a compliance hole.
    if not isinstance(value, str) or value not in ReuseKycEvent._value2member_map_:
        shown = "missing" if value is None else repr(value)[:60]
        raise PydanticCustomError(
            "reuse_kyc_event",
            "event is {shown}; it must be one of: {allowed}",
            {"shown": shown, "allowed": ALLOWED_EVENTS},
        )
    return value


def _event_is_required(schema: dict[str, Any]) -> None:
    # The field has a None default only so that its validator also runs when it is missing.
    schema.setdefault("required", []).append("event")
    schema["properties"]["event"].pop("default", None)


class CreateReuseKycSessionRequest(StrictWireModel):
    model_config = ConfigDict(json_schema_extra=_event_is_required)

    reference: Reference
    customer_id: CustomerId = Field(description="a customer with an approved KYC (with selfie) in kycgate")
    event: Annotated[ReuseKycEvent, BeforeValidator(_known_event)] = Field(
        None,  # type: ignore[assignment]
        validate_default=True,
        description="the triggering event (required)",
    )
    amount: float | None = Field(
        None, ge=0, le=1e12, allow_inf_nan=False, description="USD; for deposit, withdrawal, large_bet_placement"
    )
    event_count: int | None = Field(
        None, ge=0, le=1_000_000, description="events in the window; high_frequency_betting"
    )
    event_window_minutes: float | None = Field(
        None, ge=0, le=525_600, allow_inf_nan=False, description="window event_count was counted over, in minutes"
    )
    redirect_url: Url | None = Field(None, description="https URL the capture page sends the customer to afterwards")
    callback_url: Url | None = Field(None, description="https URL that receives every submit result (ReuseKycCallback)")


class CreateReuseKycSessionResponse(WireModel):
    reference: str
    token: str = Field(description="capability token for submit and handoff, valid 10 minutes; empty when not required")
    reason: str = Field(description="why no face capture is needed; empty when is_required")
    reason_code: ReasonCode = Field(description="machine-readable reason; `required` when is_required")
    is_required: bool
    link: str = Field(description="BASE_URL_FRONTEND/reuse-kyc-submit?token=...; empty when unset or not required")
    attempts: int = Field(description="failed face-capture attempts so far on this session")
    max_attempts: int = Field(description="reuse_kyc_reactions.max_retry_attempts + 1")


class SubmitReuseKycSessionRequest(StrictWireModel):
    token: Token
    proof: str | None = Field(None, description="base64 JPEG or PNG selfie taken on the customer's phone")
    proof_upload_id: UploadId | None = Field(None, description=UPLOAD_ID_DESCRIPTION)

    @model_validator(mode="after")
    def _one_image(self) -> Self:
        image_or_upload(self, "proof")
        if self.proof is None and self.proof_upload_id is None:
            raise ValueError("proof (or proof_upload_id) is required")
        return self


class ReuseKycReactionResult(WireModel):
    retries_remaining: int
    retry_limit_exceeded: bool
    trigger_alert: bool = False
    enforce_logout: bool = False
    freeze_account: bool = False
    freeze_duration_minutes: int = 0
    alert_id: str | None = Field(None, description="set when an alert was raised on the dashboard")


class ReuseKycCallback(WireModel):
    event: Literal["reuse_kyc"] = "reuse_kyc"
    reference: str
    resource_id: str = Field(description="the Re-Use KYC session id")
    status: KycStatus = Field(description="pending, approved, declined or expired")
    declined_reason: str | None = Field(
        None, description="no_face_detected, multiple_faces_detected, face_mismatch, ..."
    )
    warnings: dict[str, dict[str, str]] | None = Field(None, description="checks that passed with a caveat, by check")
    data: ReuseKycReactionResult


class ReuseKycTokenStatus(ReuseKycCallback):
    """The latest result as the hosted capture pages see it: they hold the token, not a tenant key."""

    redirect_url: str | None = Field(None, description="where the capture page sends the customer once approved")


class KycAlertType(StrEnum):
    REUSE_KYC_FAILED = "reuse_kyc_failed"


class KycAlertStatus(StrEnum):
    OPEN = "open"
    IN_REVIEW = "in_review"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"


class KycAlert(WireModel):
    alert_id: str
    alert_type: KycAlertType
    status: KycAlertStatus
    customer_id: str
    reference: str = Field(description="the Re-Use KYC session reference")
    resource_id: str = Field(description="the Re-Use KYC session id")
    event: ReuseKycEvent
    message: str
    created_at: str
    updated_at: str


class KycAlertListResponse(WireModel):
    items: list[KycAlert]
    pagination: KycPagination


class UpdateKycAlertRequest(StrictWireModel):
    alert_type: KycAlertType | None = None
    status: KycAlertStatus | None = None

    @model_validator(mode="after")
    def _something(self) -> Self:
        if self.alert_type is None and self.status is None:
            raise ValueError("send alert_type, status or both")
        return self


class KycAlertFilters(WireModel):
    alert_type: KycAlertType | None = None
    status: KycAlertStatus | None = None
    customer_id: Annotated[str, StringConstraints(max_length=128)] | None = None
