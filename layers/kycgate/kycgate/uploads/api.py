"""HTTP edge of uploads: a presigned S3 POST for an image too large for a JSON body (API Gateway takes
10 MB, a synchronous Lambda 6 MB; seed images may be 15 MB). The tenant route takes the API key; the
session route is the phone's, authorized by its handoff, Re-Use KYC or IDV sdk token (template: Auth NONE).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kycgate.core.auth import TenantId
from kycgate.core.lazy import lazy_module
from kycgate.core.routes import RouteTable
from kycgate.uploads.schemas import CreateSessionUploadRequest, CreateUploadRequest, CreateUploadResponse

if TYPE_CHECKING:
    from kycgate.uploads import service
else:
    service = lazy_module("kycgate.uploads.service")

routes = RouteTable(prefix="/api/v1", tags=["uploads"])


@routes.post("/uploads", operation_id="create_upload", response_model=CreateUploadResponse, status_code=201)
def create_upload(body: CreateUploadRequest, tenant_id: TenantId) -> CreateUploadResponse:
    """POST the file to `upload.url` with `upload.fields` (multipart, the file last, within 5 minutes, at
    most 15 MB, the declared content type), then send `upload_id` as `<field>_upload_id` on any image route."""
    return service.create_upload(tenant_id, body.content_type)


@routes.post(
    "/uploads/session", operation_id="create_session_upload", response_model=CreateUploadResponse, status_code=201
)
def create_session_upload(body: CreateSessionUploadRequest) -> CreateUploadResponse:
    """The same for the customer's phone, with its handoff, Re-Use KYC session or IDV sdk token instead of
    an API key (404 unknown token, 410 expired handoff)."""
    return service.create_session_upload(body.token, body.content_type)
