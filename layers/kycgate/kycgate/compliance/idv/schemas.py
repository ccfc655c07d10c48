"""IDV wire models, named as in seed 001 ("ID Verification")."""

import datetime as dt
import unicodedata
from typing import Annotated, Self

import iso3166
from pydantic import AfterValidator, Field, StringConstraints, model_validator

from kycgate.compliance.idv.vocabulary import (
    LOCALES,
    MOBILE_WORKFLOW,
    TW_ISSUE_SITES,
    WEB_WORKFLOWS,
    AuditStatus,
    IdType,
    IdvState,
    Progress,
)
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

# core.images.MAX_BASE64_CHARS (15 MB as base64), restated so the wire models do not import Pillow
# (tests/integration/test_idv.py keeps the two equal); core.images checks the decoded bytes.
MAX_BASE64_CHARS = (15 * 1024 * 1024 + 2) // 3 * 4 + 4
# ICAO 9303's specimen state: every specimen document (and the tests' generated ones) is issued by it.
_ICAO_SPECIMEN_STATE = "UTO"


def _alpha3(value: str) -> str:
    if value != _ICAO_SPECIMEN_STATE and value not in iso3166.countries_by_alpha3:
        raise ValueError("must be an ISO 3166-1 alpha-3 country code in capitals, e.g. TWN, USA, DEU")
    return value


def _calendar_date(value: str) -> str:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError("must be a calendar date as YYYY-MM-DD") from None
    return value


def _roc_date(value: str) -> str:
    # 7 digits: the ROC year (1911 = year 0) in three, then month and day.
    try:
        dt.date(int(value[:3]) + 1911, int(value[3:5]), int(value[5:7]))
    except ValueError:
        raise ValueError("must be a ROC date of 7 digits, YYYMMDD (e.g. 1070102 for 2018-01-02)") from None
    return value


def _site(value: str) -> str:
    if value not in TW_ISSUE_SITES:
        raise ValueError("must be an issuing-site code of the seed's table (5 digits, e.g. 63000 for 北市)")
    return value


def _visible(value: str) -> str:
    # Compared with what a document prints, which never holds an invisible character (zero-width
    # spaces and joiners, direction marks): one here could only make a true match fail, or hide.
    if any(unicodedata.category(c) == "Cf" for c in value):
        raise ValueError("must not contain invisible format characters (zero-width, direction marks)")
    return value


Visible = AfterValidator(_visible)
Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$"), AfterValidator(_alpha3)]
IsoDate = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$"), AfterValidator(_calendar_date)]
Base64Image = Annotated[str, StringConstraints(min_length=1, max_length=MAX_BASE64_CHARS)]
Mime = Annotated[str, StringConstraints(pattern=r"^image/(jpeg|png)$")]
Text = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True), Printable, Visible]
CustomerReference = Annotated[str, StringConstraints(min_length=1, max_length=100), Printable, Visible]
Url = Annotated[str, StringConstraints(min_length=1, max_length=2048)]
UploadToken = Annotated[str, StringConstraints(min_length=1, max_length=128)]


class _Expected(StrictWireModel):
    expected_name: Text | None = Field(None, description="compared after normalising case, marks, order and spaces")
    expected_birthday: IsoDate | None = None
    expected_id_number: Annotated[str, StringConstraints(min_length=1, max_length=40), Printable, Visible] | None = None


class _Common(_Expected):
    callback_url: Url | None = Field(None, description="https URL that receives the task when it is completed")
    customer_reference: CustomerReference | None = None
    auto_create_dd_task: bool = False
    dd_task_callback_url: Url | None = None
    dd_task_search_setting_id: int | None = Field(None, ge=1, le=2**53)

    @model_validator(mode="after")
    def _dd_setting(self) -> Self:
        if self.auto_create_dd_task and self.dd_task_search_setting_id is None:
            raise ValueError("dd_task_search_setting_id is required when auto_create_dd_task is true")
        return self


class _Taiwan(WireModel):
    tw_id_apply_code: int | None = Field(None, ge=0, le=3, description="0 not issued, 1 initial, 2 reissue, 3 change")
    tw_id_apply_date: Annotated[str, StringConstraints(pattern=r"^\d{7}$"), AfterValidator(_roc_date)] | None = None
    tw_id_issue_site_id: Annotated[str, AfterValidator(_site)] | None = None


IMAGE_FIELDS = ("id_image", "id_back_image", "face_image", "id_and_face_image")


class _Photos(StrictWireModel):
    """The task's photos, each as base64 or as ``<field>_upload_id`` (POST /api/v1/uploads, for an image
    too large for a request body)."""

    id_image: Base64Image | None = Field(None, description="base64 JPEG or PNG of the document (or id_image_upload_id)")
    id_image_upload_id: UploadId | None = Field(None, description=UPLOAD_ID_DESCRIPTION)
    id_mime_type: Mime = "image/jpeg"
    id_back_image: Base64Image | None = None
    id_back_image_upload_id: UploadId | None = Field(None, description=UPLOAD_ID_DESCRIPTION)
    id_back_mime_type: Mime = "image/jpeg"
    face_image: Base64Image | None = None
    face_image_upload_id: UploadId | None = Field(None, description=UPLOAD_ID_DESCRIPTION)
    face_mime_type: Mime = "image/jpeg"
    id_and_face_image: Base64Image | None = None
    id_and_face_image_upload_id: UploadId | None = Field(None, description=UPLOAD_ID_DESCRIPTION)
    id_and_face_mime_type: Mime = "image/jpeg"

    @model_validator(mode="after")
    def _id_image(self) -> Self:
        image_or_upload(self, *IMAGE_FIELDS)
        if not self.has("id_image"):
            raise ValueError("id_image (or id_image_upload_id) is required")
        return self

    def has(self, field: str) -> bool:
        return has_image(self, field)


class CreateIdvTaskRequest(_Common, _Photos):
    country: Country
    id_type: IdType
    expected_issuing_date: IsoDate | None = None
    expected_expiry_date: IsoDate | None = None
    expected_gender: Annotated[str, StringConstraints(pattern=r"^[MFX]$")] | None = None

    @model_validator(mode="after")
    def _images(self) -> Self:
        if self.id_type == IdType.ID_CARD and not self.has("id_back_image"):
            raise ValueError("id_back_image is required when id_type is ID_CARD")
        if not self.has("face_image") and not self.has("id_and_face_image"):
            raise ValueError("send face_image or id_and_face_image (at least one)")
        return self


def _redirect_url(limit: int) -> object:
    # The seed's limits; the scheme and the host are webhooks.callback_urls' (https and public, or
    # loopback http in local mode), checked when the task is initiated.
    def check(value: str) -> str:
        if len(value) > limit:
            raise ValueError(f"must be at most {limit} characters")
        return value

    return AfterValidator(check)


class InitIdvRequest(_Common, _Taiwan):
    """Web initiation: the customer takes or chooses the photos on kycgate's hosted page."""

    id_type: IdType
    workflow_id: int = Field(
        description="100/101/102 ID only, 200/201/202 ID + identity (camera + upload, camera only, upload only)"
    )
    country: Country
    customer_reference: CustomerReference
    locale: str = Field("en", description="page language; en, zh-TW, zh-HK, zh-CN translated, the others in en")
    success_url: Annotated[str, _redirect_url(2047)] | None = Field(
        None, description="https URL the hosted page sends the customer to once the photos are checked"
    )
    error_url: Annotated[str, _redirect_url(255)] | None = Field(
        None, description="https URL the hosted page sends the customer to when the task cannot be completed"
    )

    @model_validator(mode="after")
    def _choices(self) -> Self:
        if self.workflow_id not in WEB_WORKFLOWS:
            raise ValueError(f"workflow_id must be one of {', '.join(map(str, WEB_WORKFLOWS))}")
        if self.locale not in LOCALES:
            raise ValueError("locale must be one of the seed's locales (en, zh-TW, zh-HK, zh-CN, de, fr, ja, ...)")
        return self


class AccountIdvRequest(_Common, _Taiwan):
    """Mobile initiation: the customer's app uploads with the returned sdk_token."""

    workflow_id: int = Field(description="3: ID and identity verification")
    country: Country

    @model_validator(mode="after")
    def _workflow(self) -> Self:
        if self.workflow_id != MOBILE_WORKFLOW:
            raise ValueError(f"workflow_id must be {MOBILE_WORKFLOW} (ID and identity verification)")
        return self


class SdkUploadRequest(_Photos):
    """The photos of an initiated task, sent with its token (a mobile app's sdk_token, or the hosted page's;
    an upload_id from POST /api/v1/uploads/session with the same token)."""

    token: UploadToken


class IdvCreated(WireModel):
    idv_task_id: int
    timestamp: int


class IdvInitiated(IdvCreated):
    url: str = Field(description="the hosted page to send the customer to")


class IdvAccountInitiated(IdvCreated):
    sdk_token: str = Field(description="the app's upload token for this one task (256-bit, short-lived)")


class IdvTask(WireModel):
    idv_task_id: int
    country: str
    id_type: IdType
    id_sub_type: str | None = None
    expected_name: str | None = None
    expected_birthday: str | None = None
    expected_id_number: str | None = None
    expected_country: str | None = None
    expected_issuing_date: str | None = None
    expected_expiry_date: str | None = None
    expected_gender: str | None = None
    customer_reference: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    full_name: str | None = None
    birthday: str | None = None
    id_number: str | None = None
    issuing_date: str | None = None
    expiry_date: str | None = None
    gender: str | None = None
    state: IdvState | None = Field(None, description="0 accept, 1 review, 2 reject; null until the photos arrive")
    review_reasons: list[str] = Field(default_factory=list)
    reject_reasons: list[str] = Field(default_factory=list)
    created_search_task_id: int | None = None
    dd_task_error: str | None = Field(
        None, description="why auto_create_dd_task created no DD task for this accepted task (null otherwise)"
    )
    audit_status: AuditStatus = AuditStatus.PENDING
    audit_timestamp: int | None = None
    auditor_employee_account: str | None = None
    dd_tasks: list[int] = Field(default_factory=list)
    comment: str | None = None
    progress: Progress = Progress.COMPLETED
    face_similarity: float | None = Field(None, description="the document's face against the customer's, 0..1")
    timestamp: int = Field(description="when the task was created (Unix seconds)")


class IdvTaskFilters(CreatedRange):
    state: IdvState | None = None
    id_type: IdType | None = None
    audit_status: AuditStatus | None = None
    customer_reference: CustomerReference | None = None


class IdvTaskListResponse(WireModel):
    items: list[IdvTask]
    pagination: KycPagination


class ReviewIdvTaskRequest(StrictWireModel):
    accepted: bool
    comment: Annotated[str, StringConstraints(min_length=1, max_length=2000), Printable]


class PointsBalance(WireModel):
    points: int = Field(description="points remaining; an initiation needs more than 500")
