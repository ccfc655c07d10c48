"""Re-Use KYC rules: deciding, opening sessions, judging selfies, retries, reactions, handoff, alerts.

No HTTP and no boto3 here. The face matcher, Pillow and the UA parser are imported inside the functions
that need them, so creating a session or polling a handoff never loads them (cold start).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from kycgate.core import clock, ids
from kycgate.core.errors import BadRequest, Conflict, Gone, NotFound, ServiceUnavailable, Unprocessable, field_error
from kycgate.core.logs import logger
from kycgate.core.metrics import MetricUnit, metrics
from kycgate.core.pagination import paginate
from kycgate.core.settings import get_settings
from kycgate.kyc import reference
from kycgate.kyc.vocabulary import KycStatus
from kycgate.preferences.schemas import ReuseKycReactions
from kycgate.preferences.service import preferences_from
from kycgate.reuse import store
from kycgate.reuse.capture import is_mobile, submit_link
from kycgate.reuse.schemas import (
    ConnectMobileSessionResponse,
    CreateReuseKycSessionRequest,
    CreateReuseKycSessionResponse,
    KycAlert,
    KycAlertFilters,
    KycAlertListResponse,
    KycAlertStatus,
    KycAlertType,
    KycHandoffSession,
    ReuseKycCallback,
    ReuseKycReactionResult,
    ReuseKycTokenStatus,
    UpdateKycAlertRequest,
)
from kycgate.reuse.triggers import FEATURE_DISABLED, NO_PRIOR_KYC, REQUIRED, Decision, EventFacts, evaluate_event
from kycgate.webhooks import outbox
from kycgate.webhooks.ssrf import CallbackUrlRefused, check_callback_url

if TYPE_CHECKING:
    from kycgate.faces import FaceComparison

TOKEN_TTL_SECONDS = 10 * 60
HANDOFF_TTL_SECONDS = 15 * 60
# How long a finished or lapsed session still answers GET status (and its token 410 rather than 404).
RESULT_RETENTION_SECONDS = 24 * 60 * 60
MOBILE_ONLY = "face capture must be completed on a mobile device"
REVIEW_BAND_WARNING = {
    "face": {
        "similarity_in_review_band": "The selfie resembles the reference face but not closely enough to approve; "
        "retake it facing the camera in even light."
    }
}
# Each loop that fails its conditional write means another submit counted an attempt (or a
# transaction conflicted), so a bound above the largest max_attempts (11) is never reached honestly.
_WRITE_TRIES = 16

PENDING, APPROVED, EXHAUSTED = "pending", "approved", "exhausted"


# ---------------------------------------------------------------- create


def create_session(tenant_id: str, request: CreateReuseKycSessionRequest) -> CreateReuseKycSessionResponse:
    """Decide in DESIGN.md's order and, when required, open (or return the live) session.

    DynamoDB: preferences and customer together 1 (BatchGetItem), then one transaction only when
    required: 2 at most.
    """
    for field in ("redirect_url", "callback_url"):
        _check_url(field, getattr(request, field))
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
    handoff = {
        "tenant_id": tenant_id,
        **KycHandoffSession().model_dump(),
        "created_at": created_at,
        "updated_at": created_at,
        "expires_at": now + HANDOFF_TTL_SECONDS,
    }
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


def _check_url(field: str, url: str | None) -> None:
    if url is None:
        return
    try:
        check_callback_url(url, allow_loopback=get_settings().allow_loopback_callbacks)
    except CallbackUrlRefused as refused:
        message = refused.message.replace("callback URL", field, 1)
        raise Unprocessable(
            f"{field} refused ({refused.reason}): {message}",
            errors=[field_error(["body", field], message, refused.reason)],
        ) from None


# ---------------------------------------------------------------- submit


def submit(token: str, proof: str, user_agent: str | None) -> ReuseKycCallback:
    """Judge a phone selfie against the session's reference face and record the outcome.

    DynamoDB: token 1, session 1, outcome write 1 (plus one per lost race); S3: one read only when
    the reference face has no template this matcher can use.
    """
    if not is_mobile(user_agent):
        raise BadRequest(MOBILE_ONLY, slug="mobile-device-required")
    from kycgate.core.images import decode_image  # Pillow: only this route needs it

    probe = decode_image(proof, "proof")
    session = _open_session_for(token)
    comparison = _compare(session["face"], probe.data)
    for _ in range(_WRITE_TRIES):
        changes, expect_attempts, alert, callback = _outcome(session, comparison)
        payload = callback.model_dump(mode="json", exclude_none=True)
        deliveries = _deliveries(session, payload)
        try:
            store.record_outcome(
                session,
                {**changes, "last_result": payload},
                now=clock.now(),
                expect_attempts=expect_attempts,
                alert=alert,
                deliveries=deliveries,
            )
        except store.SessionChanged as changed:
            current = changed.current or store.get_session(session["tenant_id"], session["reference"])
            if current is None or current["session_id"] != session["session_id"]:
                raise _expired() from None  # lapsed and the reference reopened meanwhile
            session = current
            _ensure_open(session)
            continue
        metrics.add_metric(
            name="ReuseKycFaceMatchPassed" if comparison.matched else "ReuseKycFaceMatchFailed",
            unit=MetricUnit.Count,
            value=1,
        )
        if alert is not None:
            metrics.add_metric(name="ReuseKycAlerts", unit=MetricUnit.Count, value=1)
        return callback
    raise ServiceUnavailable("This session is receiving many submissions at once; retry.")


def _open_session_for(token: str) -> dict[str, Any]:
    pointer = store.get_token(ids.digest(token))
    if pointer is None:
        raise NotFound("No Re-Use KYC session has this token.")
    if pointer["token_expires_at"] <= clock.now():
        raise _expired()
    session = store.get_session(pointer["tenant_id"], pointer["reference"])
    # A reference reused after this token lapsed holds a newer session this token must not reach.
    if session is None or session["session_id"] != pointer["session_id"]:
        raise _expired()
    _ensure_open(session)
    return session


def _ensure_open(session: dict[str, Any]) -> None:
    if session["state"] == APPROVED:
        raise Conflict("This Re-Use KYC session is already approved.", slug="session-completed")
    if session["state"] == EXHAUSTED:
        raise Conflict(
            f"This Re-Use KYC session has used all {session['max_attempts']} attempts.", slug="session-exhausted"
        )
    if session["token_expires_at"] <= clock.now():
        raise _expired()


def _expired() -> Gone:
    return Gone("This Re-Use KYC session has expired; the merchant must start a new one.", slug="session-expired")


def _compare(face: dict[str, Any], probe: bytes) -> FaceComparison:
    from kycgate.faces import FaceTemplate, get_matcher  # cv2 and the models: only submit loads them

    matcher = get_matcher()
    try:
        if matcher.supports_templates and face.get("template_vector") and face.get("template_backend") == matcher.name:
            return matcher.compare_template(FaceTemplate(face["template_backend"], face["template_vector"]), probe)
        return matcher.compare(store.reference_image(face["image_key"]), probe)
    except ValueError as exc:
        # decode_image accepted the bytes, but the face pipeline could not decode them.
        raise Unprocessable(
            "proof could not be decoded as an image", errors=[field_error(["body", "proof"], str(exc), "image_corrupt")]
        ) from exc


def _outcome(
    session: dict[str, Any], comparison: FaceComparison
) -> tuple[dict[str, Any], int | None, dict[str, Any] | None, ReuseKycCallback]:
    """(changes to the session, attempts the write expects, alert to raise, callback) for this result."""
    now_iso = clock.now_iso()
    max_attempts, attempts = session["max_attempts"], session["attempts"]
    if comparison.matched:
        data = ReuseKycReactionResult(retries_remaining=max_attempts - attempts, retry_limit_exceeded=False)
        callback = _callback(session, KycStatus.APPROVED, data)
        # Approval does not depend on the attempt count, so it does not expect one.
        return {"state": APPROVED, "updated_at": now_iso}, None, None, callback

    failed = attempts + 1
    exceeded = failed >= max_attempts
    policy = session["reactions"]
    declined_reason = comparison.decline_code.value if comparison.decline_code else "face_mismatch"
    alert = None
    if exceeded and policy["trigger_alert"]:
        alert = _alert(session, failed, declined_reason, now_iso)
    reactions: dict[str, Any] = {}
    if exceeded:  # seed 000: the reaction flags are populated only once the limit is exceeded
        reactions = {
            name: policy[name]
            for name in ("trigger_alert", "enforce_logout", "freeze_account", "freeze_duration_minutes")
        }
    data = ReuseKycReactionResult(
        retries_remaining=max_attempts - failed,
        retry_limit_exceeded=exceeded,
        alert_id=alert["alert_id"] if alert else None,
        **reactions,
    )
    callback = _callback(
        session,
        KycStatus.DECLINED,
        data,
        declined_reason=declined_reason,
        warnings=REVIEW_BAND_WARNING if comparison.in_review_band else None,
    )
    changes = {"state": EXHAUSTED if exceeded else PENDING, "attempts": failed, "updated_at": now_iso}
    return changes, attempts, alert, callback


def _callback(
    session: dict[str, Any],
    status: KycStatus,
    data: ReuseKycReactionResult,
    declined_reason: str | None = None,
    warnings: dict[str, dict[str, str]] | None = None,
) -> ReuseKycCallback:
    return ReuseKycCallback(
        reference=session["reference"],
        resource_id=session["session_id"],
        status=status,
        declined_reason=declined_reason,
        warnings=warnings,
        data=data,
    )


def _alert(session: dict[str, Any], failed: int, declined_reason: str, now_iso: str) -> dict[str, Any]:
    return {
        "alert_id": ids.new_id("alr"),
        "tenant_id": session["tenant_id"],
        "alert_type": KycAlertType.REUSE_KYC_FAILED.value,
        "status": KycAlertStatus.OPEN.value,
        "customer_id": session["customer_id"],
        "reference": session["reference"],
        "resource_id": session["session_id"],
        "event": session["event"],
        "message": (
            f"Re-Use KYC for the {session['event']} event failed {failed} of {session['max_attempts']} attempts; "
            f"last decline: {declined_reason}."
        ),
        "created_at": now_iso,
        "updated_at": now_iso,
    }


def _deliveries(session: dict[str, Any], payload: dict[str, Any]) -> Sequence[outbox.PendingDelivery]:
    url = session.get("callback_url")
    if not url:
        return ()
    return (
        outbox.new_delivery(
            session["tenant_id"], event="reuse_kyc", reference=session["reference"], url=url, payload=payload
        ),
    )


# ---------------------------------------------------------------- status


def session_status(tenant_id: str, reference: str) -> ReuseKycCallback:
    """The latest result, ``pending`` before any submit, ``expired`` once the token lapsed unfinished."""
    session = store.get_session(tenant_id, reference)
    if session is None:
        raise NotFound(f"No Re-Use KYC session with reference {reference!r}.")
    return _status_of(session)


def session_status_by_token(token: str) -> ReuseKycTokenStatus:
    """What the hosted pages poll, holding only the token: the latest result and where to go once approved.

    DynamoDB: token 1, session 1.
    """
    pointer = store.get_token(ids.digest(token))
    if pointer is None:
        raise NotFound("No Re-Use KYC session has this token.")
    session = store.get_session(pointer["tenant_id"], pointer["reference"])
    # A reference reused after this token lapsed holds a newer session this token must not reach.
    if session is None or session["session_id"] != pointer["session_id"]:
        raise _expired()
    return ReuseKycTokenStatus(**_status_of(session).model_dump(), redirect_url=session.get("redirect_url"))


def _status_of(session: dict[str, Any]) -> ReuseKycCallback:
    last = session.get("last_result")
    if last is None:
        data = ReuseKycReactionResult(retries_remaining=session["max_attempts"], retry_limit_exceeded=False)
        callback = _callback(session, KycStatus.PENDING, data)
    else:
        callback = ReuseKycCallback.model_validate(last)
    if session["state"] == PENDING and session["token_expires_at"] <= clock.now():
        callback = callback.model_copy(update={"status": KycStatus.EXPIRED, "declined_reason": None, "warnings": None})
    return callback


# ---------------------------------------------------------------- handoff


def handoff_session(token: str) -> KycHandoffSession:
    """One GetItem."""
    item = store.get_handoff(ids.digest(token))
    if item is None:
        raise NotFound("No handoff session has this token.")
    if item["expires_at"] <= clock.now():
        raise Gone("This handoff session has expired.", slug="session-expired")
    return KycHandoffSession.model_validate(item)


def connect_mobile(token: str, is_disconnect: bool) -> ConnectMobileSessionResponse:
    """Attach (or release) the phone. One UpdateItem."""
    now = clock.now()
    try:
        item = store.set_mobile_connected(ids.digest(token), not is_disconnect, now, clock.iso(now))
    except store.HandoffGone:
        raise Gone("This handoff session has expired.", slug="session-expired") from None
    if item is None:
        raise NotFound("No handoff session has this token.")
    return ConnectMobileSessionResponse(mobile_connected=item["mobile_connected"])


# ---------------------------------------------------------------- alerts


def list_alerts(tenant_id: str, filters: KycAlertFilters, page: int, page_size: int) -> KycAlertListResponse:
    items = store.list_alerts(
        tenant_id,
        alert_type=filters.alert_type.value if filters.alert_type else None,
        status=filters.status.value if filters.status else None,
        customer_id=filters.customer_id,
    )
    window, pagination = paginate(items, page, page_size)
    return KycAlertListResponse(items=[KycAlert.model_validate(i) for i in window], pagination=pagination)


def get_alert(tenant_id: str, alert_id: str) -> KycAlert:
    item = store.get_alert(tenant_id, alert_id)
    if item is None:
        raise NotFound(f"No alert {alert_id!r}.")
    return KycAlert.model_validate(item)


def update_alert(tenant_id: str, alert_id: str, request: UpdateKycAlertRequest) -> KycAlert:
    changes = {**request.model_dump(mode="json", exclude_none=True), "updated_at": clock.now_iso()}
    item = store.update_alert(tenant_id, alert_id, changes)
    if item is None:
        raise NotFound(f"No alert {alert_id!r}.")
    return KycAlert.model_validate(item)
