"""Delivery rules, the worker's and the sweeper's: one attempt, retries and the outbox sweep (the
signing secrets in use are secrets.py). No HTTP routing and no boto3: the worker translates SQS to these calls, the
store owns DynamoDB, and the only network call here is the signed POST itself (ssrf.post). Kept apart
from service.py (the tenant API's rules) so the worker's import graph holds no FastAPI.

Duplicated queue messages for one delivery (SQS is at-least-once; the sweeper re-sends what looks
lost) are harmless: an attempt first *claims* the delivery with a conditional write that also sets
a lease, so only one receipt POSTs at a time; the receipt that made the last attempt is the
delivery's *owner* and keeps its message through the retry waits, and any other receipt that finds
the delivery not due, leased or finished simply lets its message go.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, Literal, NamedTuple

import urllib3.exceptions

from kycgate.core import clock
from kycgate.core.logs import logger
from kycgate.core.settings import get_settings
from kycgate.webhooks import backoff, outbox, signing, ssrf, store
from kycgate.webhooks.outbox import DeliveryRef

# An attempt's lease outlives the worker function's Timeout (30 s in template.yaml), so a lease left
# by a killed invocation has expired by the time its message reappears (CallbackQueue's
# VisibilityTimeout, 180 s); a test keeps the three in this order.
LEASE_SECONDS = 60
# SQS allows 12 h of visibility counted from the receipt, and an attempt ends some seconds after it.
MAX_HIDE_SECONDS = backoff.MAX_VISIBILITY_SECONDS - 300
_EXCERPT_CHARS = 256
_ERROR_CHARS = 300
_SWEEP_LIMIT = 500

Action = Literal["ack", "hide", "dead_letter"]


class Disposition(NamedTuple):
    """What the worker does with the message: delete it, hide it for a while, or dead-letter it."""

    action: Action
    hide_seconds: int = 0
    reason: str | None = None
    # Set when an attempt was made (for metrics): its outcome and latency.
    outcome: store.Outcome | None = None
    latency_ms: int = 0


_ACK = Disposition("ack")


# ------------------------------------------------------------------------------------------ delivery


def process(ref: DeliveryRef, message_id: str, secrets: Sequence[str]) -> Disposition:
    """Handle one receipt of ``ref``'s message: attempt the delivery if due, else decide the message's fate."""
    now = clock.now()
    claimed, delivery = store.claim(ref, message_id=message_id, now=now, lease_until=now + LEASE_SECONDS)
    if not claimed:
        return _unclaimed(ref, delivery, message_id, now)
    assert delivery is not None
    return _attempt(ref, delivery, message_id, secrets)


def _unclaimed(ref: DeliveryRef, delivery: dict[str, Any] | None, message_id: str, now: float) -> Disposition:
    if delivery is None:
        logger.warning("webhook message for an unknown delivery dropped", extra={"delivery_id": ref.delivery_id})
        return _ACK
    mine = delivery.get("owner_message_id") == message_id
    if delivery["status"] == "delivered":
        return _ACK
    if delivery["status"] == "failed":
        # Only the receipt that made the final attempt forwards it: it failed to do so before its
        # message was deleted (or the deletion was lost).
        return Disposition("dead_letter", reason=delivery.get("failure_reason")) if mine else _ACK
    lease = delivery.get("lease") or {}
    lease_until = lease.get("until", 0)
    if lease_until > now:
        if lease.get("message_id") == message_id:
            # Our own attempt is still in flight elsewhere (a receipt after a lost visibility change).
            return Disposition("hide", hide_seconds=_hide(lease_until - now + 1))
        return _ACK
    next_attempt_at = delivery.get("next_attempt_at", 0)
    if next_attempt_at > now:
        return Disposition("hide", hide_seconds=_hide(next_attempt_at - now)) if mine else _ACK
    # Due and free, yet the claim failed: it changed between the write and now. Look again shortly.
    return Disposition("hide", hide_seconds=1)


def _hide(seconds: float) -> int:
    return max(1, min(backoff.clamp_visibility(seconds), MAX_HIDE_SECONDS))


def _attempt(ref: DeliveryRef, delivery: dict[str, Any], message_id: str, secrets: Sequence[str]) -> Disposition:
    settings = get_settings()
    number = delivery["attempt_count"] + 1
    round_number = delivery.get("round_attempts", 0) + 1
    attempted_at = clock.now_iso()
    started = time.perf_counter()
    status: int | None = None
    retry_after: str | None = None
    excerpt: str | None = None
    error: str | None = None
    refusal: ssrf.CallbackUrlRefused | None = None
    try:
        # Checked again at every attempt: the name may resolve elsewhere than when the URL was accepted.
        resolved = ssrf.check_callback_url(delivery["url"], allow_loopback=settings.allow_loopback_callbacks)
    except ssrf.CallbackUrlRefused as exc:
        refusal = exc
        error = f"callback URL refused ({exc.reason}): {exc.message}"
    else:
        body = delivery["body"].encode()
        # The receiver compares webhook-timestamp with its own wall clock (±5 min), so this is the
        # real time even when tests shift kycgate's clock.
        headers = signing.headers(secrets, ref.delivery_id, int(time.time()), body)
        try:
            response = ssrf.post(resolved, body, headers, timeout=settings.webhook_timeout_seconds)
        except urllib3.exceptions.HTTPError as exc:
            error = _describe(exc, settings.webhook_timeout_seconds)
        else:
            status, retry_after = response.status, response.retry_after
            excerpt = response.body_excerpt.decode("utf-8", "replace")[:_EXCERPT_CHARS] or None
            if not 200 <= status < 300:
                error = f"HTTP {status}" + (" (redirects are not followed)" if 300 <= status < 400 else "")
    latency_ms = round((time.perf_counter() - started) * 1000)
    attempt = store.Attempt(number, attempted_at, status, latency_ms, error, excerpt)
    now = clock.now()

    outcome: store.Outcome
    next_attempt_at: float | None = None
    reason = detail = None
    delay: int | None = None
    if error is None:
        outcome = "delivered"
    elif refusal is not None:
        outcome, reason, detail = "failed", refusal.reason, refusal.message
    elif status == 410:
        outcome, reason = "failed", "receiver_gone"
        detail = "the receiver answered 410 Gone, so the delivery is not retried; replay it once the URL works"
    else:
        schedule = settings.webhook_retry_schedule or backoff.DEFAULT_SCHEDULE_SECONDS
        delay = backoff.next_delay(round_number, schedule=schedule, retry_after=retry_after)
        if delay is None:
            outcome, reason = "failed", "retries_exhausted"
            detail = f"{round_number} attempts failed; the last one: {error}"
        else:
            outcome, next_attempt_at = "retry", now + delay
    try:
        store.record_attempt(
            ref,
            attempt,
            message_id=message_id,
            round_attempts=round_number,
            outcome=outcome,
            now=now,
            next_attempt_at=next_attempt_at,
            failure_reason=reason,
            failure_detail=detail,
        )
    except store.LeaseLost:
        # Our lease ran out and another receipt holds the delivery now; it owns the outcome.
        logger.warning("webhook attempt outlived its lease", extra={"delivery_id": ref.delivery_id})
        return _ACK
    log_extra = {"delivery_id": ref.delivery_id, "attempt": number, "status_code": status, "outcome": outcome}
    if outcome == "delivered":
        logger.debug("webhook delivered", extra=log_extra)
        return Disposition("ack", outcome=outcome, latency_ms=latency_ms)
    logger.info("webhook attempt failed", extra={**log_extra, "error": error})
    if outcome == "failed":
        return Disposition("dead_letter", reason=reason, outcome=outcome, latency_ms=latency_ms)
    assert delay is not None
    return Disposition("hide", hide_seconds=_hide(delay), outcome=outcome, latency_ms=latency_ms)


def _describe(exc: urllib3.exceptions.HTTPError, timeout: float) -> str:
    # NewConnectionError is a ConnectTimeoutError subclass in urllib3 2, so it is tested first.
    if isinstance(exc, urllib3.exceptions.NewConnectionError):
        # "...: Failed to establish a new connection: [Errno 111] Connection refused" -> the cause.
        return "could not connect: " + str(exc).rsplit("connection: ", 1)[-1][:_ERROR_CHARS]
    if isinstance(exc, urllib3.exceptions.TimeoutError):
        return f"no response within {timeout:g} s"
    if isinstance(exc, urllib3.exceptions.SSLError):
        return f"TLS error: {exc}"[:_ERROR_CHARS]
    return f"{type(exc).__name__}: {exc}"[:_ERROR_CHARS]


# ------------------------------------------------------------------------------------------ sweeper


def sweep_outbox() -> int:
    """Re-send pending deliveries overdue by more than the grace period; returns how many.

    Each is re-armed (its sweep time moved to now, conditionally) before it is sent, so concurrent
    sweeps send it once and a delivery still not picked up is sent again only after another grace.
    """
    now = clock.now()
    overdue = store.overdue_pending(now - get_settings().webhook_sweep_grace_seconds, _SWEEP_LIMIT)
    refs = [ref for ref, seen in overdue if store.rearm(ref, seen_sweep_key=seen, now=now)]
    if refs:
        logger.info("outbox sweeper re-sending pending deliveries", extra={"count": len(refs)})
        outbox.enqueue(refs)
    return len(refs)
