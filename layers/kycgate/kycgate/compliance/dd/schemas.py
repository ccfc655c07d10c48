"""DD task and search setting wire models, named as in seed 001 ("DD - KYB & KYC")."""

from datetime import date
from enum import IntEnum
from typing import Annotated, Any

from pydantic import AfterValidator, Discriminator, Field, RootModel, StringConstraints, Tag

from kycgate.core.wire import Printable, StrictWireModel, WireModel
from kycgate.kyc.vocabulary import CUSTOMER_ID_PATTERN

CustomerReference = Annotated[
    str,
    StringConstraints(pattern=CUSTOMER_ID_PATTERN),
    Field(description="your internal reference of the customer: 1-128 of A-Z a-z 0-9 . _ : @ + -"),
]


def _trimmed(least: int) -> AfterValidator:
    """Strip surrounding spaces, then require ``least`` characters. After the declared length check, not
    in it: a value of the schema's length that is mostly spaces breaks a rule, not the schema."""

    def trim(value: str) -> str:
        value = value.strip()
        if len(value) < least:
            raise ValueError(f"needs at least {least} characters besides leading and trailing spaces")
        return value

    return AfterValidator(trim)


Text = Annotated[str, StringConstraints(min_length=1, max_length=256), Printable, _trimmed(1)]
Country = Annotated[
    str,
    StringConstraints(min_length=2, max_length=64),
    Printable,
    _trimmed(2),
    Field(description="ISO 3166 alpha-2 or alpha-3 code, or the country's English name"),
]
CallbackUrl = Annotated[str, Field(max_length=2048, description="https URL that receives the task (webhook)")]
SearchSettingId = Annotated[int, Field(ge=1, le=2**53)]
MAX_TARGETS = 100
MAX_METADATA = 200  # pairs per task, all appends together


class SearchSource(IntEnum):
    """The seed's sources. Only the sanction list has a data source in kycgate."""

    NEGATIVE_NEWS = 0
    DOW_JONES = 1
    TAIWAN_COMPANY = 2
    TAIWAN_VERDICT = 3
    SANCTION_LIST = 4


SUPPORTED_SOURCES = (SearchSource.SANCTION_LIST,)


class AuditStatus(IntEnum):
    PENDING = 0
    ACCEPTED = 1
    REJECTED = 2


class TaskOrigin(IntEnum):
    API = 1
    IDV = 2


# ---------------------------------------------------------------- search settings


class SearchSettingFields(StrictWireModel):
    name: Text | None = None
    match_threshold: float | None = Field(
        None, ge=0.7, le=1.0, description="a hit at or above it is a sanctions match (0.70-1.00; default 0.85)"
    )
    search_source: list[int] | None = Field(
        None, max_length=5, description="sources searched when a task names none (only 4, sanction list, is served)"
    )
    birth_date_mismatch_excludes: bool | None = Field(
        None, description="leave out a listed person whose birth date contradicts the target's (default: score down)"
    )
    monitoring_interval_days: int | None = Field(
        None, ge=0, le=3650, description="days between re-screenings of a task; 0 turns ongoing monitoring off"
    )


class CreateSearchSettingRequest(SearchSettingFields):
    name: Text


class UpdateSearchSettingRequest(SearchSettingFields):
    search_setting_id: SearchSettingId


class SearchSetting(WireModel):
    search_setting_id: int
    name: str
    match_threshold: float
    search_source: list[int]
    birth_date_mismatch_excludes: bool
    monitoring_interval_days: int
    is_default: bool
    creation_time: int
    update_time: int


class SearchSettingList(WireModel):
    data: list[SearchSetting]


# ---------------------------------------------------------------- tasks


class SearchTaskKycTarget(StrictWireModel):
    """A person."""

    name: Text
    birthday: date | None = Field(None, description="YYYY-MM-DD")
    citizenship: Country | None = None
    gender: Annotated[str, StringConstraints(pattern=r"^(?i:male|female|m|f)$")] | None = None


class SearchTaskKybTarget(StrictWireModel):
    """A company."""

    company_name: Text
    country: Country | None = None
    registration_number: (
        Annotated[str, StringConstraints(min_length=1, max_length=64), Printable, _trimmed(1)] | None
    ) = None


def _target_kind(value: Any) -> str:
    # The kind follows from the fields, so an error names the one kind meant, not both.
    fields = value if isinstance(value, dict) else vars(value)
    return "kyb" if "company_name" in fields else "kyc"


SearchTarget = Annotated[
    Annotated[SearchTaskKycTarget, Tag("kyc")] | Annotated[SearchTaskKybTarget, Tag("kyb")],
    Discriminator(_target_kind),
    Field(description="a KYC target (name, birthday, citizenship, gender) or a KYB target (company_name, ...)"),
]


class CreateSearchTaskRequest(StrictWireModel):
    search_setting_id: SearchSettingId
    target: SearchTarget
    search_source: list[int] | None = Field(
        None, max_length=5, description="sources to search; default: every source kycgate serves (4, sanction list)"
    )
    callback_url: CallbackUrl | None = None
    customer_reference: CustomerReference | None = None
    from_idv_id: int | None = Field(None, ge=1, le=2**53, description="the IDV task this search comes from")


class CreateSearchTasksRequest(
    RootModel[Annotated[list[CreateSearchTaskRequest], Field(min_length=1, max_length=MAX_TARGETS)]]
):
    """The seed's array of search tasks to create: at most 100 per request."""


class TaskSearchSetting(WireModel):
    search_setting_id: int
    name: str
    match_threshold: float
    birth_date_mismatch_excludes: bool
    monitoring_interval_days: int


class MetadataPair(StrictWireModel):
    key: Annotated[str, StringConstraints(min_length=1, max_length=128), Printable]
    value: Annotated[str, StringConstraints(max_length=1024), Printable]


class MetadataRequest(RootModel[Annotated[list[MetadataPair], Field(min_length=1, max_length=100)]]):
    """The key/value pairs to append."""


class Report(WireModel):
    report_version: int = Field(description="1 at creation; each changed re-screening adds one")
    potential_risk: int = Field(ge=0, le=100)
    risk_rating: str = Field(description="low | low_medium | medium | high | very_high")
    risk_rating_label: str
    sanction_matched: bool
    matches: int = Field(description="hits at or above the match threshold")
    possible_matches: int = Field(description="hits below it, to review")
    lists_version: str | None = None
    screened_time: int


class SearchTaskSummary(WireModel):
    task_id: int
    search_setting: TaskSearchSetting
    target: dict[str, Any]
    customer_reference: str | None = None
    progress: int = Field(ge=0, le=100)
    task_origin: int = Field(description="1 API, 2 IDV")
    creation_time: int
    update_time: int
    audit_time: int | None = None
    report: Report
    metadata: list[MetadataPair]


class CommentLog(WireModel):
    comment: str
    accepted: bool
    comment_time: int
    employee_id: int
    employee_name: str | None = None
    employee_account: str


class SearchResult(WireModel):
    hits: list[dict[str, Any]] = Field(description="every hit, best first, with its explanation")
    match_threshold: float
    lists_screened: str
    report_version: int
    previous_reports: list[Report] = Field(description="earlier versions, oldest first (ongoing monitoring)")


class SearchTaskDetails(WireModel):
    task_id: int
    target: dict[str, Any]
    search_setting: TaskSearchSetting
    search_source: list[int]
    callback_url: str | None = None
    customer_reference: str | None = None
    result: SearchResult
    sanction_matched: bool
    completed_source: int = Field(description="how many of search_source were searched")
    potential_risk: int
    risk_rating: str
    audit_status: int = Field(description="0 pending, 1 accepted, 2 rejected")
    comment: str
    audit_time: int
    auditor_employee_id: int | None = None
    auditor_employee_name: str | None = None
    auditor_employee_account: str | None = None
    employee_id: int
    employee_name: str | None = None
    employee_account: str
    creation_time: int
    update_time: int
    completed_time: int
    from_idv_id: int
    comment_time: int | None = None
    comment_employee_id: int | None = None
    comment_employee_name: str | None = None
    comment_employee_account: str | None = None
    metadata: dict[str, str]
    comment_logs: list[CommentLog]
    aml_summarization: str
    next_review_at: int | None = Field(None, description="when ongoing monitoring screens it again (none: off)")


class AcceptedRequest(StrictWireModel):
    comment: Annotated[str, StringConstraints(max_length=2000), Printable]
    accepted: bool


class AcceptedResponse(WireModel):
    task_id: int
    comment: str
    accepted: bool


class CodeResponse(WireModel):
    code: int = 0


class Paging(WireModel):
    page_number: int
    page_size: int
    total: int
    total_pages: int


class SearchTaskHistory(WireModel):
    data: list[SearchTaskSummary]
    paging: Paging
