"""Opening a Re-Use KYC session (POST /reuse/sessions): decide from the tenant's preferences, the
customer's reference face and the event whether a live selfie is required, and open the session.

Apart from reuse.service (what happens once a session is open) because only this route reads the
preferences, evaluates triggers and checks callback URLs: the phone's and the status functions'
cold starts do without them.
"""

from __future__ import annotations

from typing import Any

from kycgate.core import clock, ids
from kycgate.core.errors import Conflict, ServiceUnavailable
from kycgate.core.logs import logger
from kycgate.core.metrics import MetricUnit, metrics
from kycgate.handoff.store import new_handoff
from kycgate.kyc import reference
from kycgate.preferences.schemas import ReuseKycReactions
from kycgate.preferences.service import preferences_from
from kycgate.reuse import store
from kycgate.reuse.capture import submit_link
from kycgate.reuse.schemas import CreateReuseKycSessionRequest, CreateReuseKycSessionResponse
from kycgate.reuse.service import PENDING
from kycgate.reuse.triggers import FEATURE_DISABLED, NO_PRIOR_KYC, REQUIRED, Decision, EventFacts, evaluate_event
from kycgate.webhooks.callback_urls import checked_url

TOKEN_TTL_SECONDS = 10 * 60
HANDOFF_TTL_SECONDS = 15 * 60
# How long a finished or lapsed session still answers GET status (and its token 410 rather than 404).
RESULT_RETENTION_SECONDS = 24 * 60 * 60


def create_session(tenant_id: str, request: CreateReuseKycSessionRequest) -> CreateReuseKycSessionResponse:
    """Decide in DESIGN.md's order and, when required, open (or return the live) session.

    DynamoDB: preferences and customer together 1 (BatchGetItem), then one transaction only when
    required: 2 at most.
    """
    for field in ("redirect_url", "callback_url"):
        checked_url(field, getattr(request, field))
    stored_preferences, customer = reference.preferences_and_customer(tenant_id, request.customer_id)
    preferences = preferences_from(tenant_id, stored_preferences)
    reactions = preferences.reuse_kyc_reactions
    if not preferences.is_reuse_kyc_enabled:
        return _not_required(request, FEATURE_DISABLED, reactions)
    face = reference.reference_face(request.customer_id, customer)
    if face is None:
        return _not_required(request, NO_PRIOR_KYC, reactions)
    facts = EventFacts(request.event, request.amount, request.event_count, request.event_window_minutes)
    decision = evaluate_event(preferences.reuse_kyc_triggers, facts)
    if not decision.is_required:
        return _not_required(request, decision, reactions)
    session = _open_session(tenant_id, request, face, reactions)
    return CreateReuseKycSessionResponse(
        reference=session["reference"],
        token=session["token"],
        reason=REQUIRED.reason,
        reason_code=REQUIRED.code,
        is_required=True,
        link=submit_link(session["token"]),
        attempts=session["attempts"],
        max_attempts=session["max_attempts"],
    )


def _not_required(
    request: CreateReuseKycSessionRequest, decision: Decision, reactions: ReuseKycReactions
) -> CreateReuseKycSessionResponse:
    metrics.add_metric(name="ReuseKycNotRequired", unit=MetricUnit.Count, value=1)
    return CreateReuseKycSessionResponse(
        reference=request.reference,
        token="",
        reason=decision.reason,
        reason_code=decision.code,
        is_required=False,
        link="",
        attempts=0,
        max_attempts=reactions.max_retry_attempts + 1,
    )


def _open_session(
    tenant_id: str, request: CreateReuseKycSessionRequest, face: reference.ReferenceFace, reactions: ReuseKycReactions
) -> dict[str, Any]:
    token = ids.new_token()
    now = clock.now()
    created_at = clock.iso(now)
    token_expires_at = now + TOKEN_TTL_SECONDS
    retained_until = token_expires_at + RESULT_RETENTION_SECONDS
    session = {
        "session_id": ids.new_id("rks"),
        "tenant_id": tenant_id,
        "reference": request.reference,
        "customer_id": request.customer_id,
        "event": request.event.value,
        # The token itself is kept (never in a key) so that a retried create can return it as is.
        "token": token,
        "token_digest": ids.digest(token),
        "state": PENDING,
        "attempts": 0,
        # Snapshots: a preferences change or a new KYC mid-session does not change this session's rules.
        "max_attempts": reactions.max_retry_attempts + 1,
        "reactions": reactions.model_dump(mode="json"),
        "face": {
            "kyc_id": face.kyc_id,
            "image_key": face.image_key,
            "template_backend": face.template.backend if face.template else None,
            "template_vector": face.template.vector if face.template else None,
        },
        "callback_url": request.callback_url,
        "redirect_url": request.redirect_url,
        "created_at": created_at,
        "updated_at": created_at,
        "token_expires_at": token_expires_at,
        "expires_at": retained_until,
    }
    pointer = {
        "tenant_id": tenant_id,
        "reference": request.reference,
        "session_id": session["session_id"],
        "token_expires_at": token_expires_at,
        "expires_at": retained_until,
    }
    handoff = new_handoff(tenant_id, created_at=created_at, expires_at=now + HANDOFF_TTL_SECONDS)
    try:
        store.create_session(session, pointer, handoff, now)
    except store.SessionTaken as taken:
        # Idempotent per (tenant, reference): the live session comes back as is, attempts included.
        existing = taken.existing or store.get_session(tenant_id, request.reference)
        if existing is None or existing["token_expires_at"] <= clock.now():
            raise ServiceUnavailable("Another request is opening this session right now; retry.") from None
        if existing["customer_id"] != request.customer_id:
            raise Conflict(
                f"Reference {request.reference!r} belongs to a live Re-Use KYC session of another customer; "
                "use a new reference for each session.",
                slug="reference-in-use",
            ) from None
        return existing
    metrics.add_metric(name="ReuseKycSessionsRequired", unit=MetricUnit.Count, value=1)
    logger.info("reuse kyc session opened", extra={"tenant_id": tenant_id, "session_id": session["session_id"]})
    return session
