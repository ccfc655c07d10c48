"""HTTP edge of the levels context (seed 002): translate requests to rules calls, nothing more.

Routes live under /api/v1/levels and keep the seed's path tails (its `/v1/kyc/{uuid}` would shadow the
KYC context's routes); the seed writes them with a trailing slash, which is served too (core.web). The
rules modules are imported on first use (core.lazy): the configuration (and its SSRF check), documents
(Pillow), the liveness capture (the face models), verification codes (SNS/SES) each load only in the
functions whose route calls them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated
from uuid import UUID

from fastapi import Body, Depends, File, Path, Query, Request, UploadFile

from kycgate.core.auth import CallerIdentity, Reviewer, TenantId
from kycgate.core.errors import NotFound, Unprocessable, field_error
from kycgate.core.lazy import lazy_module
from kycgate.core.page_queries import CursorQuery, PageQuery, PageSizeQuery
from kycgate.core.routes import RouteTable
from kycgate.core.tenants import Caller
from kycgate.core.web import public_base
from kycgate.levels.schemas import (
    AttributeDefinitions,
    CreateDocumentRequest,
    CreateKycApplicationRequest,
    CreateLevelsClientRequest,
    KycApplication,
    KycApplicationHistory,
    KycAttribute,
    KycDocument,
    KycLevelInfo,
    LegalDocumentList,
    LevelsClient,
    LevelsConfiguration,
    LivenessCheck,
    ReviewDecisionRequest,
    SandboxClarifyRequest,
    SandboxRejectRequest,
    SendVerificationCodeRequest,
    StoredLevelsConfiguration,
    SubmitLivenessRequest,
    UpdateKycApplicationRequest,
    UploadedFiles,
    VerificationCodeSent,
)
from kycgate.levels.vocabulary import (
    ATTRIBUTE_KEY_PATTERN,
    LIVENESS_TOKEN_KEY,
    LIVENESS_URL_KEY,
    ClientType,
    ReviewOutcome,
    SignProvider,
)

if TYPE_CHECKING:
    from kycgate.levels import (
        applications,
        capture,
        clients,
        configuration,
        documents,
        liveness,
        reference_data,
        review,
        signatures,
    )
else:
    applications = lazy_module("kycgate.levels.applications")
    capture = lazy_module("kycgate.levels.capture")
    clients = lazy_module("kycgate.levels.clients")
    configuration = lazy_module("kycgate.levels.configuration")
    documents = lazy_module("kycgate.levels.documents")
    liveness = lazy_module("kycgate.levels.liveness")
    reference_data = lazy_module("kycgate.levels.reference_data")
    review = lazy_module("kycgate.levels.review")
    signatures = lazy_module("kycgate.levels.signatures")

routes = RouteTable(prefix="/api/v1/levels", tags=["levels"])

ApplicationUuid = Annotated[UUID, Path(description="kyc_application_uuid")]
AttributeKeyPath = Annotated[str, Path(pattern=ATTRIBUTE_KEY_PATTERN, description="attribute_key")]
EntityQuery = Annotated[UUID, Query(description="legal_entity_uuid")]
ClientQuery = Annotated[UUID, Query(description="client_uuid")]
OptionalEntity = Annotated[UUID | None, Query(description="legal_entity_uuid: when sent, the application must be its")]
OptionalClient = Annotated[
    UUID | None, Query(description="client_uuid: when sent, the application must be this client's")
]
SignCode = Annotated[str | None, Query(pattern=r"^[0-9]{6}$", description="the 6-digit code (sandbox: 111111)")]
TtlMin = Annotated[int, Query(ge=0, le=86_400)]
TtlMax = Annotated[int, Query(ge=60, le=86_400)]
MAX_FILE_BYTES = 15 * 1024 * 1024


def _scope(legal_entity_uuid: UUID | None, client_uuid: UUID | None) -> applications.Scope:
    return applications.Scope(
        str(legal_entity_uuid) if legal_entity_uuid else None, str(client_uuid) if client_uuid else None
    )


def _codes(sms_sign_code: str | None, email_sign_code: str | None) -> dict[SignProvider, str | None]:
    return {SignProvider.SMS: sms_sign_code, SignProvider.EMAIL: email_sign_code}


def _ttl(prefix: str, ttl_min: int, ttl_max: int, ttl_renew: bool) -> liveness.Ttl:
    if ttl_min > ttl_max:
        message = f"{prefix}ttl_min ({ttl_min}) must not exceed {prefix}ttl_max ({ttl_max})"
        raise Unprocessable(message, errors=[field_error(["query", f"{prefix}ttl_min"], message, "ttl_range")])
    return liveness.Ttl(ttl_min, ttl_max, ttl_renew)


def sandbox_caller(caller: CallerIdentity, request: Request) -> Caller:
    """The seed's sandbox routes exist for test-mode keys only; a live key finds no such route (404), since
    in live mode an application is decided by a reviewer (POST .../review with the reviewer scope)."""
    if not caller.is_test:
        raise NotFound(
            f"No route {request.method} {request.url.path} for a live key: the sandbox's approve, reject and "
            "send-to-clarify exist for test-mode keys (kg_test_...) only. Decide live applications with "
            "POST /api/v1/levels/kyc/{kyc_application_uuid}/review and a key with the reviewer scope."
        )
    return caller


SandboxCaller = Annotated[Caller, Depends(sandbox_caller)]


# ---------------------------------------------------------------- configuration


@routes.get("/configuration", operation_id="get_levels_configuration", response_model=StoredLevelsConfiguration)
def get_levels_configuration(tenant_id: TenantId) -> StoredLevelsConfiguration:
    """Your levels configuration with its derived UUIDs (version 0 and empty before the first PUT)."""
    return configuration.get_configuration(tenant_id)


@routes.put("/configuration", operation_id="put_levels_configuration", response_model=StoredLevelsConfiguration)
def put_levels_configuration(body: LevelsConfiguration, tenant_id: TenantId) -> StoredLevelsConfiguration:
    """Replace the whole configuration (attributes, legal entities, legal documents, levels, upgrade paths).
    Open applications keep the level they were created with."""
    return configuration.replace_configuration(tenant_id, body)


# ---------------------------------------------------------------- clients and kyc-level-info


@routes.post("/clients", operation_id="create_levels_client", response_model=LevelsClient, status_code=201)
def create_levels_client(body: CreateLevelsClientRequest, tenant_id: TenantId) -> LevelsClient:
    """A client of one of your legal entities (409 when client_uuid is taken)."""
    return clients.create_client(tenant_id, body)


@routes.get("/clients/kyc-level-info", operation_id="get_kyc_level_info", response_model=KycLevelInfo)
def get_kyc_level_info(legal_entity_uuid: EntityQuery, client_uuid: ClientQuery, tenant_id: TenantId) -> KycLevelInfo:
    """Whether the client may open an application (`allowed_to_create_kyc_application`), for which levels
    (`available_levels_for_upgrade`), and its last application."""
    return clients.level_info(tenant_id, str(legal_entity_uuid), str(client_uuid))


@routes.post(
    "/clients/kyc-level-info", operation_id="create_kyc_application", response_model=KycApplication, status_code=201
)
def create_kyc_application(
    legal_entity_uuid: EntityQuery, client_uuid: ClientQuery, body: CreateKycApplicationRequest, caller: CallerIdentity
) -> KycApplication:
    """Open an application for an available level; the answer is its questionnaire (409 when the level is
    not available, or the client has an open application for it)."""
    return clients.create_application(caller, str(legal_entity_uuid), str(client_uuid), body)


@routes.get("/clients/{client_uuid}", operation_id="get_levels_client", response_model=LevelsClient)
def get_levels_client(client_uuid: Annotated[UUID, Path()], tenant_id: TenantId) -> LevelsClient:
    return clients.get_client(tenant_id, str(client_uuid))


# ---------------------------------------------------------------- KYC applications


@routes.get("/kyc/{kyc_application_uuid}", operation_id="get_kyc_application", response_model=KycApplication)
def get_kyc_application(
    request: Request,
    kyc_application_uuid: ApplicationUuid,
    tenant_id: TenantId,
    legal_entity_uuid: OptionalEntity = None,
    client_uuid: OptionalClient = None,
    empty_volatile_fields: bool = False,
    token_ttl_min: Annotated[TtlMin, Query(alias=f"{LIVENESS_TOKEN_KEY}.ttl_min")] = 600,
    token_ttl_max: Annotated[TtlMax, Query(alias=f"{LIVENESS_TOKEN_KEY}.ttl_max")] = 3600,
    token_ttl_renew: Annotated[bool, Query(alias=f"{LIVENESS_TOKEN_KEY}.ttl_renew")] = False,
    url_ttl_min: Annotated[TtlMin, Query(alias=f"{LIVENESS_URL_KEY}.ttl_min")] = 600,
    url_ttl_max: Annotated[TtlMax, Query(alias=f"{LIVENESS_URL_KEY}.ttl_max")] = 3600,
    url_ttl_renew: Annotated[bool, Query(alias=f"{LIVENESS_URL_KEY}.ttl_renew")] = False,
) -> KycApplication:
    """The questionnaire: kyc_steps -> questions -> attribute, with values, notes and signatures. Liveness
    attributes carry a link or token (issued or renewed by the ttl parameters) unless empty_volatile_fields."""
    ttls = None
    if not empty_volatile_fields:
        ttls = {
            LIVENESS_TOKEN_KEY: _ttl(f"{LIVENESS_TOKEN_KEY}.", token_ttl_min, token_ttl_max, token_ttl_renew),
            LIVENESS_URL_KEY: _ttl(f"{LIVENESS_URL_KEY}.", url_ttl_min, url_ttl_max, url_ttl_renew),
        }
    scope = _scope(legal_entity_uuid, client_uuid)
    return applications.get_application(tenant_id, str(kyc_application_uuid), scope, ttls, public_base(request))


@routes.patch("/kyc/{kyc_application_uuid}", operation_id="update_kyc_application", response_model=KycApplication)
def update_kyc_application(
    kyc_application_uuid: ApplicationUuid,
    body: UpdateKycApplicationRequest,
    caller: CallerIdentity,
    legal_entity_uuid: OptionalEntity = None,
    client_uuid: OptionalClient = None,
    sms_sign_code: SignCode = None,
    email_sign_code: SignCode = None,
) -> KycApplication:
    """Fill in attributes, in parts or all at once. All or nothing: one bad value is a 422 naming each
    bad attribute, and nothing of the request is applied. Signed attributes need sms_sign_code or
    email_sign_code; one code signs every attribute of its kind in the request."""
    return applications.update_application(
        caller,
        str(kyc_application_uuid),
        _scope(legal_entity_uuid, client_uuid),
        body,
        _codes(sms_sign_code, email_sign_code),
    )


@routes.get(
    "/kyc/{kyc_application_uuid}/attributes/{attribute_key}",
    operation_id="get_kyc_application_attribute",
    response_model=KycAttribute,
)
def get_kyc_application_attribute(
    request: Request,
    kyc_application_uuid: ApplicationUuid,
    attribute_key: AttributeKeyPath,
    tenant_id: TenantId,
    legal_entity_uuid: OptionalEntity = None,
    client_uuid: OptionalClient = None,
    ttl_min: TtlMin = 600,
    ttl_max: TtlMax = 3600,
    ttl_renew: bool = False,
) -> KycAttribute:
    """One attribute; for a liveness check its current link or token (ttl_renew=true: a fresh one, and the
    previous kycgate token stops working)."""
    ttl = _ttl("", ttl_min, ttl_max, ttl_renew)
    scope = _scope(legal_entity_uuid, client_uuid)
    return applications.get_attribute(
        tenant_id, str(kyc_application_uuid), attribute_key, scope, ttl, public_base(request)
    )


@routes.get(
    "/kyc/{kyc_application_uuid}/history",
    operation_id="get_kyc_application_history",
    response_model=KycApplicationHistory,
)
def get_kyc_application_history(
    kyc_application_uuid: ApplicationUuid,
    tenant_id: TenantId,
    legal_entity_uuid: OptionalEntity = None,
    client_uuid: OptionalClient = None,
    page: PageQuery = 1,
    page_size: PageSizeQuery = 20,
    cursor: CursorQuery = None,
) -> KycApplicationHistory:
    """The audit trail: every change and transition, who made it, oldest first; follow
    pagination.cursor for the next page."""
    scope = _scope(legal_entity_uuid, client_uuid)
    return applications.history(tenant_id, str(kyc_application_uuid), scope, page, page_size, cursor)


@routes.post(
    "/kyc/{kyc_application_uuid}/send-to-review",
    operation_id="send_kyc_application_to_review",
    response_model=KycApplication,
)
def send_kyc_application_to_review(
    kyc_application_uuid: ApplicationUuid,
    caller: CallerIdentity,
    legal_entity_uuid: OptionalEntity = None,
    client_uuid: OptionalClient = None,
    sms_sign_code: SignCode = None,
    email_sign_code: SignCode = None,
) -> KycApplication:
    """Draft or pending -> in_review, once every required attribute has a value (liveness: approved) and,
    when the level asks for it, the client signed (422 listing what is missing)."""
    return review.send_to_review(
        caller,
        str(kyc_application_uuid),
        _scope(legal_entity_uuid, client_uuid),
        _codes(sms_sign_code, email_sign_code),
    )


@routes.post("/kyc/{kyc_application_uuid}/review", operation_id="review_kyc_application", response_model=KycApplication)
def review_kyc_application(
    kyc_application_uuid: ApplicationUuid, body: ReviewDecisionRequest, caller: Reviewer
) -> KycApplication:
    """A reviewer's decision on an application in_review: approved, rejected (final) or pending with notes
    per attribute (back to the client). Live keys need the reviewer scope."""
    return review.decide(caller, str(kyc_application_uuid), applications.Scope(), body.status, body.comment, body.notes)


@routes.post(
    "/kyc/{kyc_application_uuid}/approve", operation_id="sandbox_approve_kyc_application", response_model=KycApplication
)
def sandbox_approve_kyc_application(kyc_application_uuid: ApplicationUuid, caller: SandboxCaller) -> KycApplication:
    """Sandbox (test-mode keys): approve an application in_review."""
    return review.decide(caller, str(kyc_application_uuid), applications.Scope(), ReviewOutcome.APPROVED, None, [])


@routes.post(
    "/kyc/{kyc_application_uuid}/reject", operation_id="sandbox_reject_kyc_application", response_model=KycApplication
)
def sandbox_reject_kyc_application(
    kyc_application_uuid: ApplicationUuid,
    caller: SandboxCaller,
    body: Annotated[SandboxRejectRequest | None, Body()] = None,
) -> KycApplication:
    """Sandbox (test-mode keys): reject an application in_review (final)."""
    comment = body.comment if body else None
    return review.decide(caller, str(kyc_application_uuid), applications.Scope(), ReviewOutcome.REJECTED, comment, [])


@routes.post(
    "/kyc/{kyc_application_uuid}/send-to-clarify",
    operation_id="sandbox_clarify_kyc_application",
    response_model=KycApplication,
)
def sandbox_clarify_kyc_application(
    kyc_application_uuid: ApplicationUuid,
    caller: SandboxCaller,
    body: Annotated[SandboxClarifyRequest | None, Body()] = None,
) -> KycApplication:
    """Sandbox (test-mode keys): send an application in_review back to the client (pending), with notes."""
    comment = (body.comment if body else None) or "Sent back to the client from the sandbox."
    notes = body.notes if body else []
    return review.decide(caller, str(kyc_application_uuid), applications.Scope(), ReviewOutcome.PENDING, comment, notes)


# ---------------------------------------------------------------- reference data and legal documents


@routes.get(
    "/attributes/{attribute_key}/definitions",
    operation_id="get_attribute_definitions",
    response_model=AttributeDefinitions,
)
def get_attribute_definitions(attribute_key: AttributeKeyPath, tenant_id: TenantId) -> AttributeDefinitions:
    """A reference attribute's choices: its value must be one of their keys."""
    return reference_data.definitions(tenant_id, attribute_key)


@routes.get("/legal_documents", operation_id="list_legal_documents", response_model=LegalDocumentList)
def list_legal_documents(
    legal_entity_uuid: EntityQuery,
    tenant_id: TenantId,
    client_type: ClientType | None = None,
    key: Annotated[str | None, Query(max_length=64)] = None,
    page: PageQuery = 1,
    page_size: PageSizeQuery = 20,
) -> LegalDocumentList:
    """The legal documents a client reads; a legal_document attribute's value is one's UUID."""
    return reference_data.legal_documents(tenant_id, str(legal_entity_uuid), client_type, key, page, page_size)


# ---------------------------------------------------------------- documents


@routes.post("/documents/files", operation_id="upload_document_files", response_model=UploadedFiles, status_code=201)
def upload_document_files(
    legal_entity_uuid: EntityQuery,
    client_uuid: ClientQuery,
    files: Annotated[
        list[UploadFile],
        File(
            min_length=1,
            max_length=5,
            description="1-5 files (multipart field `files`): JPEG or PNG photos, or PDF for proofs; 15 MB each",
        ),
    ],
    tenant_id: TenantId,
) -> UploadedFiles:
    """Upload files for the client's documents; then POST /documents makes a document of them. In AWS a
    request is at most about 4.5 MB (Lambda's 6 MB payload, base64-encoded by API Gateway)."""
    uploads = [documents.Upload(f.filename or "", _read(f, i)) for i, f in enumerate(files)]
    return documents.upload_files(tenant_id, str(legal_entity_uuid), str(client_uuid), uploads)


@routes.post("/documents", operation_id="create_document", response_model=KycDocument, status_code=201)
def create_document(
    legal_entity_uuid: EntityQuery, client_uuid: ClientQuery, body: CreateDocumentRequest, tenant_id: TenantId
) -> KycDocument:
    """A document for one of the seed's document keys from uploaded files; put the answer (or its
    document_uuid) in the attribute's value."""
    return documents.create_document(tenant_id, str(legal_entity_uuid), str(client_uuid), body)


def _read(upload: UploadFile, index: int) -> bytes:
    data = upload.file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        message = "file exceeds 15 MB"
        raise Unprocessable(
            f"files[{index}]: {message}", errors=[field_error(["body", "files", index], message, "file_too_large")]
        )
    return data


# ---------------------------------------------------------------- signatures


@routes.post(
    "/verification-codes", operation_id="send_verification_code", response_model=VerificationCodeSent, status_code=201
)
def send_verification_code(
    body: SendVerificationCodeRequest,
    caller: CallerIdentity,
    legal_entity_uuid: OptionalEntity = None,
    client_uuid: OptionalClient = None,
) -> VerificationCodeSent:
    """Send the client a 6-digit code (SMS or e-mail) that signs the application `object_uuid`; valid 10
    minutes, one every 60 s, 5 an hour (429 with Retry-After). Test mode sends nothing: its code is 111111."""
    if legal_entity_uuid is not None and legal_entity_uuid != body.legal_entity_uuid:
        message = "the query's legal_entity_uuid differs from the body's"
        raise Unprocessable(message, errors=[field_error(["query", "legal_entity_uuid"], message)])
    return signatures.send_code(caller, body, str(client_uuid) if client_uuid else None)


# ---------------------------------------------------------------- kycgate's hosted liveness check (token)


@routes.get("/liveness/{liveness_token}", operation_id="get_liveness_check", response_model=LivenessCheck)
def get_liveness_check(liveness_token: Annotated[str, Path(max_length=128)]) -> LivenessCheck:
    """What the hosted selfie page shows for its token (404 unknown, 410 expired or replaced)."""
    return capture.check_status(liveness_token)


@routes.post(
    "/liveness/submit",
    operation_id="submit_liveness_check",
    response_model=LivenessCheck,
    # Decodes the selfie and runs the face models: more memory buys proportionally more CPU.
    memory_size=2048,
)
def submit_liveness_check(body: SubmitLivenessRequest) -> LivenessCheck:
    """A selfie from the hosted page, compared with the portrait of the application's identity document."""
    return capture.submit(body.liveness_token, body.selfie)
