"""IDV rules: take the photos, read the document, compare it with what the tenant expected and with the
customer's face, decide accept / review / reject, pay for it with points, call back.

Three ways in, one check: ``create_task`` (the tenant uploads everything at once), ``initiate_web`` /
``initiate_account`` (a task waits for the customer's photos, sent through the hosted page or a mobile
app with a token for that task alone: ``upload``). Reading and face matching run before anything is
written; the task, its points and its callback then commit in one transaction.

``auto_create_dd_task``: what the DD task needs (the search setting, a loaded sanctions list) is
checked before anything is written. An accepted task then commits without its callback; the DD task
is created (its from_idv_id is the stored task's id), and one conditional write records its id, or
``dd_task_error`` when it could not be created, together with the task's callback, so the callback
carries created_search_task_id. A DD failure there never fails the IDV request: the task is stored
and paid for, and its detail says why it has no DD task.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from kycgate.compliance.idv import checks, store
from kycgate.compliance.idv.schemas import (
    IMAGE_FIELDS,
    AccountIdvRequest,
    CreateIdvTaskRequest,
    IdvAccountInitiated,
    IdvCreated,
    IdvInitiated,
    IdvTask,
    IdvTaskFilters,
    IdvTaskListResponse,
    InitIdvRequest,
    ReviewIdvTaskRequest,
    SdkUploadRequest,
)
from kycgate.compliance.idv.vocabulary import ID_SUB_TYPES, WEB_WORKFLOWS, AuditStatus, IdType, IdvState, Progress
from kycgate.core import clock, ids, listing
from kycgate.core.errors import Conflict, NotFound, PaymentRequired, Problem, Unprocessable, field_error
from kycgate.core.logs import logger
from kycgate.core.settings import get_settings
from kycgate.core.tenants import Caller
from kycgate.core.wire import iso_or_none
from kycgate.pages.links import page_link
from kycgate.webhooks import outbox
from kycgate.webhooks.callback_urls import checked_url

if TYPE_CHECKING:
    from kycgate.compliance.documents.reading import DocumentReading
    from kycgate.core.images import ImageProof
    from kycgate.faces import FaceComparison
    from kycgate.webhooks.outbox import PendingDelivery

CALLBACK_EVENT = "idv_task"
_RECENT: OrderedDict[tuple[str | None, ...], Any] = OrderedDict()
_RECENT_SIZE = 8
WEB_PAGE = "idv"
# The fields of a reading the task reports (seed: the detail's recognised fields).
_READ_FIELDS = (
    "first_name", "last_name", "full_name", "birthday", "id_number", "issuing_date", "expiry_date", "gender"
)  # fmt: skip


class Photos(NamedTuple):
    """The verified images of one task."""

    front: ImageProof
    back: ImageProof | None
    face: ImageProof | None
    id_and_face: ImageProof | None


def create_task(caller: Caller, request: CreateIdvTaskRequest) -> IdvCreated:
    urls = _urls(request.callback_url, request.dd_task_callback_url)
    photos = _photos(caller.tenant_id, request, request.id_type, "create_idv_task")
    _require_points(caller.tenant_id)
    if _require_dd_setting(caller.tenant_id, request):
        _dd().require_lists()
    now = clock.now()
    task = _new_task(caller, request, request.id_type, now, urls)
    task.update(_check(task, photos, now))
    cost, floor = get_settings().idv_points_cost, get_settings().idv_points_floor
    dd_name = _dd_name(task)

    def build(idv_task_id: int) -> store.NewTask:
        task["idv_task_id"] = idv_task_id
        deliveries = [] if dd_name else _callbacks(caller.tenant_id, task)
        return task, deliveries, [store.points_update(caller.tenant_id, cost, more_than=floor)]

    stored = _stored(caller.tenant_id, build)
    _log("idv task checked", caller.tenant_id, stored)
    if dd_name:
        _create_dd_task(caller.tenant_id, caller, stored, dd_name)
    return IdvCreated(idv_task_id=stored["idv_task_id"], timestamp=stored["timestamp"])


def initiate_web(caller: Caller, request: InitIdvRequest, public_base: str) -> IdvInitiated:
    urls = _urls(request.callback_url, request.dd_task_callback_url)
    _require_dd_setting(caller.tenant_id, request)
    for field in ("success_url", "error_url"):
        checked_url(field, getattr(request, field))
    with_face, capture = WEB_WORKFLOWS[request.workflow_id]
    extra = {
        "channel": "web",
        "workflow_id": request.workflow_id,
        "with_face": with_face,
        "capture": capture,
        "locale": request.locale,
        "success_url": request.success_url,
        "error_url": request.error_url,
    }
    task, token = _initiate(caller, request, request.id_type, urls, extra)
    base = get_settings().base_url_frontend or public_base
    return IdvInitiated(
        idv_task_id=task["idv_task_id"], timestamp=task["timestamp"], url=page_link(WEB_PAGE, token, base)
    )


def initiate_account(caller: Caller, request: AccountIdvRequest) -> IdvAccountInitiated:
    urls = _urls(request.callback_url, request.dd_task_callback_url)
    _require_dd_setting(caller.tenant_id, request)
    # The seed: the mobile flow verifies ID cards, with the customer's face.
    extra = {"channel": "mobile", "workflow_id": request.workflow_id, "with_face": True}
    task, token = _initiate(caller, request, IdType.ID_CARD, urls, extra)
    return IdvAccountInitiated(idv_task_id=task["idv_task_id"], timestamp=task["timestamp"], sdk_token=token)


def upload(request: SdkUploadRequest) -> IdvTask:
    """The photos of an initiated task, with its token: checked, paid for, called back (once); its DD
    task, when the initiation asked for one, created as the API key that initiated it."""
    holder = store.get_token(ids.digest(request.token))
    if holder is None:
        raise NotFound("Unknown or expired token; initiate a new IDV transaction.")
    tenant_id, idv_task_id = holder["tenant_id"], int(holder["idv_task_id"])
    task = store.get_task(tenant_id, idv_task_id)
    if task is None or task.get("progress") != Progress.INITIATED:
        raise Conflict("This IDV task already has its photos.")
    with_face = bool(task.get("with_face"))
    if with_face and not (request.has("face_image") or request.has("id_and_face_image")):
        raise Unprocessable(
            "send face_image or id_and_face_image: this workflow verifies the customer's face",
            errors=[field_error(["body", "face_image"], "required by this workflow", "missing")],
        )
    photos = _photos(tenant_id, request, IdType(task["id_type"]), "upload_idv_photos", face_required=with_face)
    if task.get("auto_create_dd_task"):
        # The list only: a setting gone since the initiation is the tenant's to see in the detail, not
        # the customer's to fix.
        _dd().require_lists()
    now = clock.now()
    result = {**_check(task, photos, now), "progress": str(Progress.COMPLETED), "completed_timestamp": int(now)}
    done = {**task, **result}
    dd_name = _dd_name(done)
    deliveries = [] if dd_name else _callbacks(tenant_id, done)
    try:
        store.complete_task(tenant_id, idv_task_id, result, get_settings().idv_points_cost, deliveries)
    except store.TaskNotWaiting:
        raise Conflict("This IDV task already has its photos.") from None
    except store.PointsExhausted:
        raise PaymentRequired("The tenant's points do not cover this verification; nothing was charged.") from None
    _log("idv task checked", tenant_id, done)
    if dd_name:
        _create_dd_task(tenant_id, _initiator(tenant_id, done), done, dd_name)
    return _wire(done)


class WebPage(NamedTuple):
    """What the hosted page of a web-initiated task shows: its state (``ready`` for photos, ``completed``,
    ``expired``, ``unknown``) and, for a known task, its workflow, locale and the tenant's redirects."""

    state: str
    id_type: IdType = IdType.PASSPORT
    with_face: bool = False
    capture: str = "camera_upload"
    locale: str = "en"
    success_url: str | None = None
    error_url: str | None = None


def web_page(token: str) -> WebPage:
    """The hosted page's view of ``token``: that one task, and only a web initiation's (an app's
    sdk_token opens no page). A lapsed token still names its task, so the page can send the customer
    to the tenant's error_url; it uploads nothing (the upload route refuses it)."""
    holder = store.get_token(ids.digest(token), include_expired=True)
    if holder is None or holder.get("channel") != "web":
        return WebPage("unknown")
    task = store.get_task(holder["tenant_id"], int(holder["idv_task_id"]))
    if task is None:
        return WebPage("unknown")
    if task.get("progress") != Progress.INITIATED:
        state = "completed"
    elif float(holder["expires_at"]) <= clock.now():
        state = "expired"
    else:
        state = "ready"
    return WebPage(
        state,
        IdType(task["id_type"]),
        bool(task.get("with_face")),
        task.get("capture") or "camera_upload",
        task.get("locale") or "en",
        task.get("success_url"),
        task.get("error_url"),
    )


def get_task(tenant_id: str, idv_task_id: int) -> IdvTask:
    task = store.get_task(tenant_id, idv_task_id)
    if task is None:
        raise NotFound(f"No IDV task {idv_task_id}.")
    return _wire(task)


def list_tasks(
    tenant_id: str, filters: IdvTaskFilters, page: int, page_size: int, cursor: str | None
) -> IdvTaskListResponse:
    equals = {
        "state": int(filters.state) if filters.state is not None else None,
        "id_type": filters.id_type,
        "audit_status": filters.audit_status,
        "customer_reference": filters.customer_reference,
    }
    created = iso_or_none(filters.created_from), iso_or_none(filters.created_to)
    found = listing.numbered_page(store.TASKS, tenant_id, equals, created, page, page_size, cursor)
    return IdvTaskListResponse(items=[_wire(i) for i in found.items], pagination=found.pagination)


def review_task(caller: Caller, idv_task_id: int, request: ReviewIdvTaskRequest) -> IdvTask:
    """The tenant's accept or reject, with its comment, once (409 afterwards, like a DD task's)."""
    task = store.get_task(caller.tenant_id, idv_task_id)
    if task is None:
        raise NotFound(f"No IDV task {idv_task_id}.")
    if task.get("progress") != Progress.COMPLETED:
        raise Conflict("This IDV task has no photos yet: there is nothing to review.")
    if task.get("audit_status", AuditStatus.PENDING) != AuditStatus.PENDING:
        raise Conflict(f"This IDV task was already reviewed ({task['audit_status']}); a review is final.")
    changes = {
        "audit_status": str(AuditStatus.ACCEPTED if request.accepted else AuditStatus.REJECTED),
        "audit_timestamp": int(clock.now()),
        "auditor_employee_account": caller.account,
        "comment": request.comment,
    }
    reviewed = {**task, **changes}
    deliveries = _callbacks(caller.tenant_id, reviewed)
    try:
        store.review_task(caller.tenant_id, idv_task_id, changes, deliveries)
    except store.TaskNotWaiting:
        raise Conflict("This IDV task was already reviewed; a review is final.") from None
    return _wire(reviewed)


def _urls(callback_url: str | None, dd_callback_url: str | None) -> dict[str, str | None]:
    return {
        "callback_url": checked_url("callback_url", callback_url),
        "dd_task_callback_url": checked_url("dd_task_callback_url", dd_callback_url),
    }


def _photos(
    tenant_id: str,
    request: CreateIdvTaskRequest | SdkUploadRequest,
    id_type: IdType,
    route: str,
    *,
    face_required: bool = True,
) -> Photos:
    """The request's images, checked (base64 or uploaded). ``face_required``: False for the web
    workflows that verify the ID alone (100-102), whose customer sends no face."""
    if id_type == IdType.ID_CARD and not request.has("id_back_image"):
        raise Unprocessable(
            "id_back_image is required when id_type is ID_CARD",
            errors=[field_error(["body", "id_back_image"], "required for ID_CARD", "missing")],
        )
    if face_required and not request.has("face_image") and not request.has("id_and_face_image"):
        raise Unprocessable(
            "send face_image or id_and_face_image (at least one)",
            errors=[field_error(["body", "face_image"], "face_image or id_and_face_image is required", "missing")],
        )

    from kycgate.uploads import service as uploads  # Pillow and S3: only the routes that take photos

    images = uploads.images(uploads.sent(request, *IMAGE_FIELDS), tenant_id=tenant_id, used_by=route)
    return Photos(images["id_image"], *(images.get(field) for field in IMAGE_FIELDS[1:]))


def _require_points(tenant_id: str) -> None:
    floor = get_settings().idv_points_floor
    if store.balance(tenant_id) <= floor:
        raise _points_refused()


def _points_refused() -> PaymentRequired:
    floor = get_settings().idv_points_floor
    return PaymentRequired(
        f"An IDV task needs more than {floor} points remaining; ask your kycgate operator for points "
        "(GET /api/v1/compliance/points shows the balance)."
    )


def _new_task(caller: Caller, request: Any, id_type: IdType, now: float, urls: dict[str, str | None]) -> dict[str, Any]:
    return {
        "country": request.country,
        "id_type": str(id_type),
        "id_sub_type": ID_SUB_TYPES[id_type],
        "expected_name": request.expected_name,
        "expected_birthday": request.expected_birthday,
        "expected_id_number": request.expected_id_number,
        "expected_country": request.country,
        "expected_issuing_date": getattr(request, "expected_issuing_date", None),
        "expected_expiry_date": getattr(request, "expected_expiry_date", None),
        "expected_gender": getattr(request, "expected_gender", None),
        "customer_reference": request.customer_reference,
        "auto_create_dd_task": request.auto_create_dd_task,
        "dd_task_search_setting_id": request.dd_task_search_setting_id,
        "tw_id_apply_code": getattr(request, "tw_id_apply_code", None),
        "tw_id_apply_date": getattr(request, "tw_id_apply_date", None),
        "tw_id_issue_site_id": getattr(request, "tw_id_issue_site_id", None),
        "audit_status": str(AuditStatus.PENDING),
        "progress": str(Progress.COMPLETED),
        "timestamp": int(now),
        "created_at": clock.iso(now),
        "creator_account": caller.account,
        # The API key a later upload (web, mobile: a customer's token) creates the DD task as.
        "creator": {k: v for k, v in caller._asdict().items() if k not in ("tenant_id", "scopes")},
        **urls,
    }


def _initiate(
    caller: Caller, request: Any, id_type: IdType, urls: dict[str, str | None], extra: dict[str, Any]
) -> tuple[dict[str, Any], str]:
    now = clock.now()
    task = {**_new_task(caller, request, id_type, now, urls), **extra, "progress": str(Progress.INITIATED)}
    token = ids.new_token()
    expires_at = now + get_settings().idv_token_ttl_seconds
    task["token_expires_at"] = expires_at

    def build(idv_task_id: int) -> store.NewTask:
        task["idv_task_id"] = idv_task_id
        others = [
            store.points_check(caller.tenant_id, get_settings().idv_points_floor),
            store.token_put(ids.digest(token), caller.tenant_id, idv_task_id, extra["channel"], expires_at),
        ]
        return task, [], others

    stored = _stored(caller.tenant_id, build)
    _log("idv task initiated", caller.tenant_id, stored)
    return stored, token


def _stored(tenant_id: str, build: Any) -> dict[str, Any]:
    try:
        return store.create_task(tenant_id, build)
    except store.PointsExhausted:
        raise _points_refused() from None


def _check(task: dict[str, Any], photos: Photos, now: float) -> dict[str, Any]:
    """Read the document and compare faces: the task's recognised fields, state and reasons."""
    today = dt.datetime.fromtimestamp(now, tz=dt.UTC).date()
    reading = _read(photos, task["id_type"], task["country"], today)
    expected = {
        "name": task.get("expected_name"),
        "birthday": task.get("expected_birthday"),
        "id_number": task.get("expected_id_number"),
        "country": task.get("expected_country"),
        "issuing_date": task.get("expected_issuing_date"),
        "expiry_date": task.get("expected_expiry_date"),
        "gender": task.get("expected_gender"),
    }
    # An ID-only workflow has no face to compare: the document alone decides.
    comparison = _compare_faces(photos) if photos.face or photos.id_and_face else None
    reasons = [
        *(checks.face_reasons(comparison) if comparison else ()),
        *checks.document_reasons(reading),
        *checks.expected_reasons(expected, reading),
    ]
    result = checks.outcome(reasons)
    fields = {name: reading.value(name) for name in _READ_FIELDS}
    return {
        **fields,
        "nationality": reading.value("nationality"),
        "state": int(result.state),
        "review_reasons": result.review_reasons,
        "reject_reasons": result.reject_reasons,
        "face_similarity": round(comparison.similarity, 4) if comparison else None,
        "document_layout": reading.layout,
    }


def _read(photos: Photos, id_type: str, country: str, today: dt.date) -> DocumentReading:
    from kycgate.compliance.documents.reading import read_document  # OCR models: only these routes

    back = photos.back.data if photos.back is not None else None
    key = ("read", _digest(photos.front), _digest(photos.back), id_type, country, today.isoformat())
    return _recalled(key, lambda: read_document(photos.front.data, back, id_type, country, today=today))


def _recalled(key: tuple[str | None, ...], compute: Callable[[], Any]) -> Any:
    """``compute()``, or what it gave for the same photos moments ago in this container: a request
    retried after a 503 (or a second upload attempt) does not pay seconds of OCR and face matching
    again. Bounded, so a warm container keeps only the last few tasks' results."""
    if key in _RECENT:
        _RECENT.move_to_end(key)
        return _RECENT[key]
    value = _RECENT[key] = compute()
    while len(_RECENT) > _RECENT_SIZE:
        _RECENT.popitem(last=False)
    return value


def _digest(image: ImageProof | None) -> str | None:
    return hashlib.sha256(image.data).hexdigest() if image is not None else None


def _compare_faces(photos: Photos) -> FaceComparison:
    key = ("face", _digest(photos.front), _digest(photos.face), _digest(photos.id_and_face))
    return _recalled(key, lambda: _compared(photos))


def _compared(photos: Photos) -> FaceComparison:
    """The document's portrait against the customer: a selfie holds one face (the probe); a photo of
    the customer holding the document holds two, so there the document is the probe and the largest
    face of the photo (the customer, nearer the camera) the reference."""
    from kycgate.faces import get_matcher  # the face models: only these routes

    matcher = get_matcher()
    try:
        if photos.face is not None:
            return matcher.compare(photos.front.data, photos.face.data)
        assert photos.id_and_face is not None
        return matcher.compare(photos.id_and_face.data, photos.front.data)
    except ValueError:
        field = "face_image" if photos.face is not None else "id_and_face_image"
        message = "the image could not be decoded for face matching; re-encode it as baseline JPEG"
        raise Unprocessable(
            f"id_image or {field}: {message}", errors=[field_error(["body", field], message, "image_corrupt")]
        ) from None


def _dd() -> Any:
    from kycgate.compliance.dd import service  # the screening index: only when a DD task is made

    return service


def _require_dd_setting(tenant_id: str, request: CreateIdvTaskRequest | InitIdvRequest | AccountIdvRequest) -> bool:
    """Whether the request asks for a DD task (then with a setting of the tenant's: 422 otherwise)."""
    setting_id = request.dd_task_search_setting_id  # schemas: required with auto_create_dd_task
    if not request.auto_create_dd_task or setting_id is None:
        return False
    _dd().require_setting(tenant_id, setting_id, ["body", "dd_task_search_setting_id"])
    return True


def _dd_name(task: dict[str, Any]) -> str | None:
    """The name a DD task screens, when the task gets one: auto_create_dd_task, accepted, a name read."""
    name = task.get("full_name") or " ".join(filter(None, (task.get("first_name"), task.get("last_name"))))
    return name if task.get("auto_create_dd_task") and task.get("state") == IdvState.ACCEPT and name else None


def _initiator(tenant_id: str, task: dict[str, Any]) -> Caller | None:
    creator = task.get("creator")
    if not creator:
        return None
    return Caller(tenant_id=tenant_id, **{**creator, "key_number": int(creator["key_number"])}, scopes=())


def _create_dd_task(tenant_id: str, caller: Caller | None, task: dict[str, Any], name: str) -> None:
    """seed: auto_create_dd_task. The stored, accepted ``task``'s read identity screened as a DD task
    whose from_idv_id is this task; its id (or why there is none: ``dd_task_error``) recorded with the
    task's callback, once. ``task`` is updated with what was recorded."""
    idv_task_id = int(task["idv_task_id"])
    try:
        if caller is None:
            raise _NoInitiator
        dd_task_id = _dd().create_task_for_idv(
            caller,
            name=name,
            birthday=task.get("birthday"),
            citizenship=task.get("nationality"),
            search_setting_id=int(task["dd_task_search_setting_id"]),
            callback_url=task.get("dd_task_callback_url"),
            from_idv_id=idv_task_id,
            customer_reference=task.get("customer_reference"),
            gender=task.get("gender"),
        )
        changes: dict[str, Any] = {"created_search_task_id": dd_task_id, "dd_tasks": [dd_task_id]}
    except Exception as exc:  # the IDV task is stored and paid for: its DD part is reported, not raised
        changes = {"dd_task_error": _dd_failure(exc, idv_task_id)}
        # The type only: a validation error's text holds the read name.
        logger.warning(
            "dd task from idv task not created",
            extra={"tenant_id": tenant_id, "idv_task_id": idv_task_id, "error": type(exc).__name__},
        )
    task.update(changes)
    deliveries = _callbacks(tenant_id, task)
    try:
        store.set_dd_task(tenant_id, idv_task_id, changes, deliveries)
    except Exception:
        # The IDV task is stored and paid for, the DD task (from_idv_id) too: a 5xx here would only make
        # the tenant retry into a second task and a second charge. What is lost is this link and the
        # task's callback; the detail (GET) still shows the task.
        logger.exception("idv task's dd task not recorded", extra={"tenant_id": tenant_id, "idv_task_id": idv_task_id})


class _NoInitiator(Exception):
    """A task initiated before its initiator was stored: no API key to create its DD task as."""


def _dd_failure(exc: Exception, idv_task_id: int) -> str:
    """Why the DD task was not created, for the tenant (no read value: a ValidationError names its field)."""
    from pydantic import ValidationError

    retry = f"create it with POST /api/v1/compliance/task and from_idv_id {idv_task_id}"
    if isinstance(exc, Problem):
        return f"{exc.detail} ({retry})"
    if isinstance(exc, ValidationError):
        fields = ", ".join(".".join(map(str, e["loc"])) + f": {e['msg']}" for e in exc.errors(include_input=False))
        return f"the identity read from the document is not a valid DD target ({fields}); {retry}"
    if isinstance(exc, _NoInitiator):
        return f"the task was initiated before kycgate kept its API key; {retry}"
    return f"the DD task could not be stored ({type(exc).__name__}); {retry}"


def _callbacks(tenant_id: str, task: dict[str, Any]) -> list[PendingDelivery]:
    url = task.get("callback_url")
    if not url or task.get("progress") != Progress.COMPLETED or "idv_task_id" not in task:
        return []
    payload = {"event": CALLBACK_EVENT, **_wire(task).model_dump(mode="json")}
    return [
        outbox.new_delivery(
            tenant_id, event=CALLBACK_EVENT, reference=str(task["idv_task_id"]), url=url, payload=payload
        )
    ]


def _wire(task: dict[str, Any]) -> IdvTask:
    return IdvTask.model_validate(task)


def _log(message: str, tenant_id: str, task: dict[str, Any]) -> None:
    logger.info(
        message,
        extra={"tenant_id": tenant_id, "idv_task_id": task.get("idv_task_id"), "state": task.get("state")},
    )
