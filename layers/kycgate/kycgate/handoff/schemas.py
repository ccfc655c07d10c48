"""Handoff wire models: the seed's KycHandoffSession and connect bodies, and the KYC submission's
token routes (one slot per upload, the final submit, the status the hosted page polls)."""

from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import Field, StringConstraints, model_validator

from kycgate.core.wire import UPLOAD_ID_DESCRIPTION, StrictWireModel, UploadId, WireModel, image_or_upload
from kycgate.kyc.vocabulary import KycStatus

Token = Annotated[str, StringConstraints(min_length=1, max_length=128)]

# What a slot of KycHandoffSession says (seed 000: strings, never a URL or an image).
SLOT_FILLED = "filled"
SLOT_EMPTY = "empty"
SLOT_UNUSED = ""  # this handoff does not ask for the slot (every slot of a Re-Use KYC handoff)
_SLOT = "filled once uploaded, empty while still needed, '' when this handoff does not ask for it"


class HandoffSlot(StrEnum):
    DOCUMENT = "document"
    DOCUMENT_BACKSIDE = "document_backside"
    DOCUMENT_TWO = "document_two"
    DOCUMENT_TWO_BACKSIDE = "document_two_backside"
    ADDRESS = "address"
    FACE = "face"


class KycHandoffSession(WireModel):
    document: str = Field(SLOT_UNUSED, description=_SLOT)
    document_backside: str = Field(SLOT_UNUSED, description=_SLOT)
    document_two: str = Field(SLOT_UNUSED, description=_SLOT)
    document_two_backside: str = Field(SLOT_UNUSED, description=_SLOT)
    address: str = Field(SLOT_UNUSED, description=_SLOT)
    face: str = Field(SLOT_UNUSED, description=_SLOT)
    mobile_connected: bool = Field(False, description="true after a phone called PUT /api/v1/kyc/session/connect")
    is_submitted: bool = Field(False, description="true once the KYC documents were submitted; unused by Re-Use KYC")


class ConnectMobileSessionRequest(StrictWireModel):
    token: Token
    is_disconnect: bool = False


class ConnectMobileSessionResponse(WireModel):
    mobile_connected: bool


class HandoffPurpose(StrEnum):
    SUBMISSION = "submission"  # a submit link: the documents the KYC request is decided on
    ADDITIONAL_DOCUMENTS = "additional_documents"  # documents the tenant asked for on a decided request


class SlotView(WireModel):
    slot: HandoffSlot
    state: Literal["empty", "filled"]
    document_type: str = Field(
        description="passport, national_id, driving_license, residence_permit, "
        "proof_of_address or selfie: what the customer photographs in this slot"
    )
    side: Literal["front", "back"] | None = Field(None, description="which side of an identity document")


class KycSubmissionStatus(WireModel):
    """A KYC handoff as the hosted page (or a tenant's own app) sees it with the token alone."""

    purpose: HandoffPurpose
    slots: list[SlotView] = Field(description="the slots this handoff asks for, in the order to take them")
    missing_slots: list[HandoffSlot] = Field(description="slots still empty")
    message: str | None = Field(None, description="the tenant's message to the customer (additional documents)")
    mobile_connected: bool
    is_submitted: bool
    status: KycStatus = Field(
        description="pending_submission or additional_documents_requested until submitted; then the KYC "
        "request's status (approved, declined, in_review)"
    )
    declined_code: str | None = Field(None, description="why the documents were declined, when they were")
    redirect_url: str | None = Field(None, description="where the page sends the customer afterwards")
    expires_at: str = Field(description="when the token stops working (15 minutes after it was issued)")


class UploadKycHandoffSlotRequest(StrictWireModel):
    token: Token
    slot: HandoffSlot
    image: str | None = Field(
        None,
        description="base64 JPEG or PNG of this slot (a data: URL is accepted); a new upload "
        "replaces the slot's earlier one (retake)",
    )
    image_upload_id: UploadId | None = Field(None, description=UPLOAD_ID_DESCRIPTION)

    @model_validator(mode="after")
    def _one_image(self) -> Self:
        image_or_upload(self, "image")
        if self.image is None and self.image_upload_id is None:
            raise ValueError("image (or image_upload_id) is required")
        return self


class SubmitKycHandoffRequest(StrictWireModel):
    token: Token
