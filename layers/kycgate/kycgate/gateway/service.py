"""Provider gateway rules (seed 003): create, read, update and dispatch KYC applications, apply
provider webhooks, all status changes through ``transitions``.

Create validates the normalised params for the provider and type, stores the application
``pending`` and queues its dispatch; the provider_dispatch worker submits it (``dispatch``). Each
status change is a conditional write with its history entry and the tenant's callback
(``_move``). A GET asks the provider for its latest representation under a short timeout and falls
back to the stored one, marked stale.
"""

from __future__ import annotations

import json
import uuid
from functools import partial
from typing import Any, Literal, NamedTuple

from kycgate.core import aws, clock, listing
from kycgate.core.errors import Conflict, NotFound, Unauthorized, Unprocessable, field_error
from kycgate.core.logs import logger
from kycgate.core.settings import get_settings
from kycgate.core.tenants import Caller
from kycgate.gateway import credentials, store, transitions
from kycgate.gateway.providers import get_adapter
from kycgate.gateway.providers.base import (
    InboundWebhook,
    InvalidParams,
    InvalidWebhook,
    ProviderAdapter,
    ProviderError,
    RetriesExhausted,
    Status,
)
from kycgate.gateway.providers.http import DEFAULT_POLICY, ENRICHMENT_POLICY, RetryPolicy
from kycgate.gateway.providers.params import IMAGE_FIELDS, NormalisedParams, from_mapping
from kycgate.gateway.schemas import (
    CreateProviderKycApplicationRequest,
    ProviderKycApplication,
    ProviderKycApplicationListResponse,
    ProviderWebhookAccepted,
    UpdateProviderKycApplicationRequest,
)
from kycgate.webhooks import outbox
from kycgate.webhooks.callback_urls import checked_url

CALLBACK_EVENT = "kyc_application"
# Longer than provider_dispatch's Lambda timeout (90 s, template.yaml): a lease outlives its dispatcher.
DISPATCH_LEASE_SECONDS = 120
_SWEEP_LIMIT = 500
# A retry's message may come back a little before the wait it was hidden for has passed by our clock.
_CLOCK_TOLERANCE_SECONDS = 5


class DispatchRef(NamedTuple):
    """What travels on DispatchQueue: the application's key, nothing of its content."""

    tenant_id: str
    id: str


DispatchOutcome = Literal["done", "retry", "dead_letter"]


# ------------------------------------------------------------------------------------------- tenant API


def create_application(caller: Caller, request: CreateProviderKycApplicationRequest) -> ProviderKycApplication:
    from kycgate.kyc import store as customers

    callback_url = checked_url("callback_url", request.callback_url or _nested(request.params).get("webhook_url"))
    normalised = _normalised(request.params)
    _validate(request.provider, normalised, request.type)
    if customers.get_customer(caller.tenant_id, request.user_id) is None:
        raise NotFound(f"No customer {request.user_id} (user_id): create it with POST /api/v1/kyc/customers first.")
    now = clock.now()
    application = {
        "id": str(uuid.uuid4()),
        "created_at": clock.iso(now),
        "updated_at": clock.iso(now),
        "application_id": caller.tenant_id,
        "user_id": request.user_id,
        "provider": request.provider,
        "identifier": None,
        "type": request.type,
        "status": "pending",
        "name": normalised.company_name if request.type == "kyb" else normalised.full_name,
        "description": None,
        "params": _blanked(request.params),
        "callback_url": callback_url,
        "history": [{"status": "pending", "previous_status": None, "changed_at": clock.iso(now), "source": "api"}],
    }
    stored = store.put_params(caller.tenant_id, application["id"], request.params)
    application["params_version"] = stored.version_id
    deliveries = _deliveries(application)
    try:
        store.create_application(caller.tenant_id, application, deliveries)
    except Exception:
        store.discard_params(stored)
        raise
    enqueue_dispatch(DispatchRef(caller.tenant_id, application["id"]))
    logger.info("gateway application created", extra={"tenant_id": caller.tenant_id, "provider": request.provider})
    return _wire(application)


def get_application(tenant_id: str, application_id: str) -> ProviderKycApplication:
    application = _load(tenant_id, application_id)
    wire = _wire(application)
    if application.get("identifier") and application["provider"] != "kycgate":
        try:
            snapshot = _fetch(application, ENRICHMENT_POLICY)
        except Exception as failed:
            logger.warning(
                "provider representation unavailable; the stored one is returned",
                extra={"provider": application["provider"], "error": type(failed).__name__},
            )
            wire.provider_representation_stale = True
        else:
            if snapshot is not None:
                wire.provider_representation = snapshot.representation
            wire.provider_representation_stale = False
    return wire


def list_applications(
    tenant_id: str, status: str | None, provider: str | None, page: int, page_size: int, cursor: str | None
) -> ProviderKycApplicationListResponse:
    """Newest first, from DynamoDB pages (core.listing); a status or provider filter, which no index
    serves, reads the tenant's applications whole and filters them (README: Lists)."""
    if status or provider:
        items = store.list_applications(tenant_id, status=status, provider=provider)
        found = listing.in_memory_page(items, page=page, page_size=page_size, cursor=cursor)
    else:
        query = store.applications_query(tenant_id)
        total = partial(store.applications_total, tenant_id)
        found = listing.list_page(tenant_id, query, page=page, page_size=page_size, cursor=cursor, total=total)
    return ProviderKycApplicationListResponse(items=[_wire(i) for i in found.items], pagination=found.pagination)


def update_application(
    caller: Caller, application_id: str, request: UpdateProviderKycApplicationRequest
) -> ProviderKycApplication:
    application = _load(caller.tenant_id, application_id)
    wanted: Status = request.status or "pending"
    current: Status = application["status"]
    if not transitions.is_valid(current, wanted, manual=True):
        allowed = transitions.allowed(current, manual=True)
        raise Conflict(
            f"The application is {current}; it can move to {', '.join(allowed) or 'nothing'} from here, not {wanted}.",
            slug="invalid-transition",
            extra={"current_status": current, "allowed_statuses": allowed},
        )
    sets: dict[str, Any] = {}
    stored = None
    if request.params is not None:
        if wanted != "pending":
            raise Unprocessable("New params are resubmitted: send them with status pending (or no status).")
        normalised = _normalised(request.params)
        _validate(application["provider"], normalised, application["type"])
        stored = store.put_params(caller.tenant_id, application_id, request.params)
        sets.update(params=_blanked(request.params), params_version=stored.version_id)
    if request.description is not None:
        sets["description"] = request.description
    elif wanted == "pending":
        sets["description"] = None
    try:
        moved = _move(application, wanted, "api", None, sets)
    except Exception:
        store.discard_params(stored)
        raise
    if not moved:
        store.discard_params(stored)
        raise Conflict("The application changed meanwhile; read it again and retry.", slug="concurrent-change")
    if wanted == "pending":
        enqueue_dispatch(DispatchRef(caller.tenant_id, application_id))
    return _wire(application)  # as committed: _move applied the change to it


# ------------------------------------------------------------------------------------------- dispatch


def enqueue_dispatch(ref: DispatchRef) -> bool:
    """Queue the application's dispatch. A failure is logged, not raised: the application is committed
    ``pending``, so the caller must see success, and the dispatch sweeper re-sends what did not arrive."""
    queue_url = get_settings().dispatch_queue_url
    if not queue_url:
        return False
    try:
        aws.client("sqs").send_message(QueueUrl=queue_url, MessageBody=dispatch_message(ref))
    except Exception:
        logger.exception(
            "dispatch enqueue failed; the dispatch sweeper will resend", extra={"tenant_id": ref.tenant_id}
        )
        return False
    return True


def sweep_pending() -> int:
    """Re-send the dispatch of pending applications nobody has looked at for the grace period (their
    queue message was lost, or their dispatcher died mid-call); returns how many.

    Each is re-armed (its sweep time moved to now, conditionally) before it is sent, so concurrent
    sweeps send it once, and one still not picked up is sent again only after another grace.
    """
    now = clock.now()
    overdue = store.overdue_pending(now - get_settings().dispatch_sweep_grace_seconds, _SWEEP_LIMIT)
    resent = [
        DispatchRef(tenant_id, application_id)
        for tenant_id, application_id, seen in overdue
        if store.claim(tenant_id, application_id, seen_sweep_key=seen, until=now)
    ]
    if resent:
        logger.info("dispatch sweeper re-sending pending applications", extra={"count": len(resent)})
    return sum(enqueue_dispatch(ref) for ref in resent)


def dispatch_message(ref: DispatchRef) -> str:
    return json.dumps({"tenant_id": ref.tenant_id, "id": ref.id})


def parse_dispatch(body: str) -> DispatchRef | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if isinstance(data, dict) and isinstance(data.get("tenant_id"), str) and isinstance(data.get("id"), str):
        return DispatchRef(data["tenant_id"], data["id"])
    return None


def dispatch(
    ref: DispatchRef, *, final_attempt: bool, retry_seconds: int = 0, policy: RetryPolicy = DEFAULT_POLICY
) -> DispatchOutcome:
    """Submit a pending application to its provider. ``retry`` asks SQS to redeliver in ``retry_seconds``
    (an outage outlasting the in-call retries); on the ``final_attempt`` an outage marks it failed instead.

    The dispatcher first takes a lease on the application (``store.claim``): a duplicate message
    arriving meanwhile finds it taken and is dropped, and the sweeper leaves it alone until the lease
    (or the retry's wait) is over.
    """
    application = store.get_application(ref.tenant_id, ref.id)
    if application is None or application["status"] != "pending":
        return "done"  # a duplicate message, or already handled
    now = clock.now()
    leased = store.claim(
        ref.tenant_id,
        ref.id,
        seen_sweep_key=application.get("GSI2SK"),
        until=now + DISPATCH_LEASE_SECONDS,
        due_by=now + _CLOCK_TOLERANCE_SECONDS,
    )
    if leased is None:
        return "done"  # another dispatcher holds it, or the sweeper took it (its message follows)
    provider = application["provider"]
    try:
        adapter = _adapter(provider, policy)
        creds = adapter.credentials(credentials.load(ref.tenant_id, provider))
        normalised = from_mapping(store.get_params(ref.tenant_id, ref.id, application.get("params_version")))
        request = adapter.build_request(
            normalised, application["type"], reference=ref.id, callback_url=_provider_webhook_url(provider)
        )
        snapshot = adapter.submit(creds, request)
    except RetriesExhausted as outage:
        if not final_attempt:
            store.claim(ref.tenant_id, ref.id, seen_sweep_key=leased, until=clock.now() + retry_seconds)
            return "retry"
        _move(application, "failed", "dispatch", outage.description, {"description": outage.description})
        return "dead_letter"
    except ProviderError as refused:
        _move(application, "failed", "dispatch", refused.description, {"description": refused.description})
        return "done"
    except (InvalidParams, ValueError, credentials.CredentialsMissing) as refused:
        _move(application, "failed", "dispatch", str(refused), {"description": f"{provider}: {refused}"})
        return "done"
    sets = {"identifier": snapshot.identifier, "provider_representation": snapshot.representation}
    if not _move(application, "submitted", "dispatch", None, sets, identifier=(provider, snapshot.identifier)):
        return "done"
    submitted = store.get_application(ref.tenant_id, ref.id)
    if submitted and snapshot.status != "submitted" and transitions.is_valid("submitted", snapshot.status):
        _move(submitted, snapshot.status, "dispatch", snapshot.reason, {"description": snapshot.reason})
    return "done"


def replay_failed(tenant_id: str | None) -> list[str]:
    """Resubmit every failed application (of one tenant, or all); returns their ids."""
    replayed = []
    for owner, application_id in store.failed_applications(tenant_id):
        application = store.get_application(owner, application_id)
        if application and application["status"] == "failed" and _move(application, "pending", "replay", None, {}):
            enqueue_dispatch(DispatchRef(owner, application_id))
            replayed.append(application_id)
    return replayed


def is_failed(ref: DispatchRef) -> bool:
    application = store.get_application(ref.tenant_id, ref.id)
    return application is not None and application["status"] == "failed"


# -------------------------------------------------------------------------------------- provider webhooks


def receive_webhook(
    provider: str, headers: dict[str, str], body: bytes, query: dict[str, str]
) -> ProviderWebhookAccepted:
    """Verify a provider's webhook and apply its status. Anything unverifiable is a 401 and changes nothing."""
    adapter = _adapter(provider, DEFAULT_POLICY)
    inbound = InboundWebhook.of(headers, body, query)
    identifier = adapter.identify(inbound)
    found = store.find_by_identifier(provider, identifier) if identifier else None
    if found is None:
        raise Unauthorized(f"The {provider} webhook names no application kycgate dispatched.")
    application = _load(*found)
    try:
        creds = adapter.credentials(credentials.load(found[0], provider))
        event = adapter.verify_webhook(creds, inbound)
    except (InvalidWebhook, ProviderError, ValueError, credentials.CredentialsMissing) as refused:
        logger.warning("provider webhook refused", extra={"provider": provider, "error": type(refused).__name__})
        raise Unauthorized(f"The {provider} webhook failed verification.") from None
    status, reason, representation = event.status, event.reason, event.representation
    if event.confirm_by_fetch:
        snapshot = adapter.fetch(creds, application["identifier"], application["type"])
        if snapshot is not None:
            status, reason, representation = snapshot.status, snapshot.reason, snapshot.representation
    last_event_at = application.get("provider_event_at")
    out_of_order = event.occurred_at is not None and last_event_at is not None and event.occurred_at < last_event_at
    current: Status = application["status"]
    if status is None or out_of_order or not transitions.is_valid(current, status):
        return ProviderWebhookAccepted(applied=False, status=current)
    sets: dict[str, Any] = {"description": reason, "provider_event_at": event.occurred_at}
    if representation is not None:
        sets["provider_representation"] = representation
    applied = _move(application, status, "webhook", reason, sets)
    return ProviderWebhookAccepted(applied=applied, status=status if applied else current)


# ------------------------------------------------------------------------------------------- internals


def _move(
    application: dict[str, Any],
    to_status: Status,
    source: str,
    reason: str | None,
    sets: dict[str, Any],
    identifier: tuple[str, str] | None = None,
) -> bool:
    """One checked, conditional status change with its history entry and callback."""
    current: Status = application["status"]
    if not transitions.is_valid(current, to_status):
        logger.warning("transition refused", extra={"from": current, "to": to_status, "source": source})
        return False
    change = {"status": to_status, "previous_status": current, "changed_at": clock.now_iso(), "source": source}
    if reason:
        change["reason"] = reason
    after = {**application, **sets, "status": to_status, "history": [*application.get("history", []), change]}
    deliveries = _deliveries(after)
    tenant_id = application["application_id"]
    moved = store.transition(
        tenant_id,
        application["id"],
        from_status=current,
        to_status=to_status,
        change=change,
        sets=sets,
        deliveries=deliveries,
        identifier=identifier,
    )
    if moved:
        application.update(after)
        logger.info("gateway application moved", extra={"from": current, "to": to_status, "source": source})
    return moved


def _deliveries(application: dict[str, Any]) -> list[outbox.PendingDelivery]:
    url = application.get("callback_url")
    if not url:
        return []
    payload = {"event": CALLBACK_EVENT, **_wire(application).model_dump(mode="json", exclude={"history"})}
    return [
        outbox.new_delivery(
            application["application_id"], event=CALLBACK_EVENT, reference=application["id"], url=url, payload=payload
        )
    ]


def _load(tenant_id: str, application_id: str) -> dict[str, Any]:
    application = store.get_application(tenant_id, application_id)
    if application is None:
        raise NotFound(f"No KYC application {application_id}; list yours with GET /api/v1/kyc_applications.")
    return application


def _fetch(application: dict[str, Any], policy: RetryPolicy) -> Any:
    adapter = _adapter(application["provider"], policy)
    creds = adapter.credentials(credentials.load(application["application_id"], application["provider"]))
    return adapter.fetch(creds, application["identifier"], application["type"])


def _adapter(provider: str, policy: RetryPolicy) -> ProviderAdapter[Any]:
    if provider == "kycgate":
        return get_adapter(provider, policy, pipeline=_face_pipeline)
    return get_adapter(provider, policy)


def _face_pipeline(images: Any, params: NormalisedParams) -> Any:
    """kycgate's own check: the selfie against the document's face (kycgate.faces)."""
    from kycgate.faces import get_matcher
    from kycgate.gateway.providers.kycgate import Verdict

    comparison = get_matcher().compare(images.document_front, images.selfie)
    details = {"similarity": round(comparison.similarity, 4), "decline_code": comparison.decline_code}
    if comparison.matched:
        return Verdict("accepted", None, details)
    if comparison.in_review_band:
        return Verdict("review", "the faces are close but not a clear match", details)
    code = str(comparison.decline_code) if comparison.decline_code else "face_mismatch"
    if code == "face_mismatch":
        return Verdict("rejected", "the selfie does not match the document's face", details)
    return Verdict("remediate", f"retake the photos: {code}", details)


def _provider_webhook_url(provider: str) -> str | None:
    settings = get_settings()
    base = (settings.gateway_webhook_base_url or settings.base_url_frontend).rstrip("/")
    return f"{base}/api/v1/gateway/webhooks/{provider}" if base else None


def _normalised(params: dict[str, Any]) -> NormalisedParams:
    # A bad image is core.images' own 422 naming the field.
    try:
        return from_mapping(params)
    except ValueError as bad:
        raise Unprocessable(f"params refused: {bad}", errors=[field_error(["body", "params"], str(bad))]) from None


def _validate(provider: str, params: NormalisedParams, kyc_type: str) -> None:
    try:
        _adapter(provider, DEFAULT_POLICY).validate(params, kyc_type)  # type: ignore[arg-type]
    except InvalidParams as bad:
        raise Unprocessable(
            f"{provider} cannot take these params: {bad.field}: {bad.message}",
            errors=[field_error(["body", "params", bad.field], bad.message, "invalid_param")],
        ) from None


def _nested(params: dict[str, Any]) -> dict[str, Any]:
    nested = params.get("params")
    return nested if isinstance(nested, dict) else {}


def _blanked(params: dict[str, Any]) -> dict[str, Any]:
    """The params as stored on the item and shown: images blanked, as seed 003's sample shows them."""
    out = {k: ("" if k in IMAGE_FIELDS and v else v) for k, v in params.items() if k != "params"}
    if "params" in params:
        out["params"] = _blanked(_nested(params)) if isinstance(params["params"], dict) else params["params"]
    return out


def _wire(application: dict[str, Any]) -> ProviderKycApplication:
    return ProviderKycApplication.model_validate(application)
