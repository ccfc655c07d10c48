"""Preference wire models (seed 000 names): the settings, the Re-Use KYC triggers and reactions, the PATCH body."""

from typing import Annotated, Any, Self, get_args, get_origin

from pydantic import ConfigDict, Field, ValidationInfo, field_validator, model_validator

from kycgate.core.wire import StrictWireModel
from kycgate.kyc.vocabulary import SupportedDocumentType

NonNegativeAmount = Annotated[float, Field(ge=0, le=1e12, allow_inf_nan=False)]
MAX_RETRY_ATTEMPTS = 10


class ReuseKycThresholdTrigger(StrictWireModel):
    enabled: bool = False
    threshold: NonNegativeAmount = Field(0, description="USD threshold; 0 / null means any amount")

    @field_validator("threshold", mode="before")
    @classmethod
    def _null_is_any(cls, value: Any) -> Any:
        return 0 if value is None else value


class ReuseKycFrequencyTrigger(StrictWireModel):
    enabled: bool = False
    count: int = Field(0, ge=0, le=1_000_000, description="minimum events; 0 / null means any count")
    window_minutes: int = Field(0, ge=0, le=525_600, description="maximum window; 0 / null means any window")

    @field_validator("count", "window_minutes", mode="before")
    @classmethod
    def _null_is_any(cls, value: Any) -> Any:
        return 0 if value is None else value


class ReuseKycTriggers(StrictWireModel):
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


class ReuseKycReactions(StrictWireModel):
    max_retry_attempts: int = Field(2, ge=0, le=MAX_RETRY_ATTEMPTS, description="retries after the first attempt")
    trigger_alert: bool = True
    enforce_logout: bool = False
    freeze_account: bool = False
    freeze_duration_minutes: int = Field(0, ge=0, le=525_600)


class PreferenceSettings(StrictWireModel):
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
    def _consistent(self) -> Self:
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


class _Partial(StrictWireModel):
    """A PATCH body: booleans and numbers as JSON has them, never coerced from each other or from strings
    (lax parsing would read `true` as 1 and "21" as 21)."""

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
