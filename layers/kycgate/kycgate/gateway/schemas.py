"""Provider gateway wire models, named as in seed 003 (KYC applications)."""

from typing import Any, Literal

from pydantic import Field

from kycgate.core.pagination import KycPagination
from kycgate.core.wire import StrictWireModel, WireModel
from kycgate.kyc.vocabulary import CustomerId

Provider = Literal["kycgate", "vouched", "sumsub", "onfido", "identitymind"]
Status = Literal["pending", "submitted", "review", "accepted", "rejected", "remediate", "failed"]


class CreateProviderKycApplicationRequest(StrictWireModel):
    provider: Provider = Field(description="the third-party provider the application is dispatched to")
    params: dict[str, Any] = Field(
        default_factory=dict,
        description="normalised applicant params; a nested params object is passed through to the provider",
    )
    type: Literal["kyc", "kyb"] = "kyc"
    user_id: CustomerId = Field(description="your customer (customer_id) the application is about")
    callback_url: str | None = Field(None, max_length=2048, description="https URL told of every status change")


class UpdateProviderKycApplicationRequest(StrictWireModel):
    status: Status | None = Field(
        None, description="the wanted status: pending resubmits, accepted/rejected decide by hand; default pending"
    )
    params: dict[str, Any] | None = Field(None, description="new params (replacing the old), then resubmitted")
    description: str | None = Field(None, max_length=1000)


class ProviderStatusChange(WireModel):
    status: Status
    previous_status: Status | None = None
    changed_at: str
    source: str = Field(description="dispatch, webhook, api or replay")
    reason: str | None = None


class ProviderKycApplication(WireModel):
    id: str
    created_at: str
    application_id: str = Field(description="the tenant the application belongs to")
    user_id: str
    provider: Provider
    identifier: str | None = Field(None, description="the provider's id of the application")
    type: Literal["kyc", "kyb"]
    status: Status
    name: str | None = None
    description: str | None = None
    params: dict[str, Any] = Field(default_factory=dict, description="as given, images blanked")
    provider_representation: dict[str, Any] | None = None
    provider_representation_stale: bool | None = Field(
        None, description="true when the provider could not be asked and the stored representation is shown"
    )
    history: list[ProviderStatusChange] = Field(default_factory=list, description="every status change, oldest first")


class ProviderKycApplicationListResponse(WireModel):
    items: list[ProviderKycApplication]
    pagination: KycPagination


class ProviderWebhookAccepted(WireModel):
    applied: bool = Field(description="false for a duplicate, out-of-order or undecided event")
    status: Status
