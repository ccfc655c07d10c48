"""Re-Use KYC rules once a session is open: judging selfies, retries, reactions, status.

No HTTP and no boto3 here. Opening a session is reuse.opening and the alerts are reuse.alerts, so these
functions load neither the preferences nor the triggers; the face matcher and Pillow are imported
inside submit, so polling a status or a handoff never loads them (cold start).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from kycgate.core import clock, ids
from kycgate.core.errors import BadRequest, Conflict, Gone, NotFound, ServiceUnavailable, Unprocessable, field_error
from kycgate.core.metrics import MetricUnit, metrics
from kycgate.kyc.vocabulary import KycStatus
from kycgate.reuse import store
from kycgate.reuse.capture import is_mobile
from kycgate.reuse.schemas import (
    KycAlertStatus,
    KycAlertType,
    ReuseKycCallback,
    ReuseKycReactionResult,
    ReuseKycTokenStatus,
)
from kycgate.webhooks import outbox

if TYPE_CHECKING:
    from kycgate.faces import FaceComparison

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
# The sweeper looks this far behind the clock (clock skew between functions is far below it) and this
# many hours back: the sessions' retention (opening.RESULT_RETENTION_SECONDS), after which TTL removes them.
EXPIRY_GRACE_SECONDS = 60
EXPIRY_LOOKBACK_HOURS = 25


# ---------------------------------------------------------------- submit


def submit(token: str, proof: str | None, proof_upload_id: str | None, user_agent: str | None) -> ReuseKycCallback:
    """Judge a phone selfie against the session's reference face and record the outcome.

    DynamoDB: token 1, session 1, outcome write 1 (plus one per lost race); S3: one read only when
    the reference face has no template this matcher can use.
    """
    if not is_mobile(user_agent):
        raise BadRequest(MOBILE_ONLY, slug="mobile-device-required")
    from kycgate.uploads import service as uploads  # Pillow and S3: only this route needs them

    session = _open_session_for(token)
    probe = uploads.image(
        proof, proof_upload_id, "proof", tenant_id=session["tenant_id"], used_by="submit_reuse_kyc_session"
    )
    assert probe is not None  # the request's validator requires one of the two
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
        except store.SessionSwept:
            raise _expired() from None
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
    if session["state"] == PENDING and session["token_expires_at"] <= clock.now():
        return expired_result(session)
    return _latest_result(session)


def expired_result(session: dict[str, Any]) -> ReuseKycCallback:
    """What a session that lapsed unfinished answers (and its expiry callback carries): the latest
    result, attempts left included, with the status ``expired``. ``session`` may be its expiry item."""
    return _latest_result(session).model_copy(
        update={"status": KycStatus.EXPIRED, "declined_reason": None, "warnings": None}
    )


def _latest_result(session: dict[str, Any]) -> ReuseKycCallback:
    last = session.get("last_result")
    if last is None:
        data = ReuseKycReactionResult(retries_remaining=session["max_attempts"], retry_limit_exceeded=False)
        return _callback(session, KycStatus.PENDING, data)
    return ReuseKycCallback.model_validate(last)


# ---------------------------------------------------------------- expiry


def send_expiry_callbacks() -> int:
    """Send the ``expired`` callback of every session whose token lapsed unfinished; how many were sent.

    Reads the expiry items of the hours from the retention horizon to now (a Query each, most empty),
    GRACE behind the clock so a submit that started just before the lapse has committed or failed.
    """
    now = clock.now()
    cutoff = now - EXPIRY_GRACE_SECONDS
    sent = 0
    for hours_back in range(EXPIRY_LOOKBACK_HOURS, -1, -1):
        for expiry in store.due_expiries(store.expiry_hour(cutoff - hours_back * 3600), before=cutoff):
            payload = expired_result(expiry).model_dump(mode="json", exclude_none=True)
            if store.expire(expiry, _deliveries(expiry, payload)[0]):
                sent += 1
    return sent
