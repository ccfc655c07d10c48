"""Wire shapes of the upload flow (the ``<field>_upload_id`` type every image route takes is core.wire's)."""

from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints

from kycgate.core.wire import StrictWireModel, WireModel

Token = Annotated[str, StringConstraints(min_length=1, max_length=128)]


class UploadContentType(StrEnum):
    JPEG = "image/jpeg"
    PNG = "image/png"


class CreateUploadRequest(StrictWireModel):
    content_type: UploadContentType = Field(description="image/jpeg or image/png: the POST must send the same")


class CreateSessionUploadRequest(CreateUploadRequest):
    token: Token = Field(description="the KYC handoff, Re-Use KYC session or IDV sdk token the phone holds")


class PresignedPost(WireModel):
    url: str = Field(description="POST a multipart/form-data form here")
    fields: dict[str, str] = Field(description="form fields to send as they are, before the `file` field")


class CreateUploadResponse(WireModel):
    upload_id: str = Field(
        description="send it as `<field>_upload_id` (e.g. `document_front_upload_id`) instead of the base64 field"
    )
    upload: PresignedPost
    max_bytes: int = Field(description="the largest file the POST accepts (15 MB)")
    upload_expires_at: str = Field(description="the presigned POST stops working at this time (5 minutes)")
    expires_at: str = Field(description="the upload_id must be used by this time; unused uploads are deleted")
