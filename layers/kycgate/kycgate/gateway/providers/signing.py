"""Webhook verification helpers shared by the adapters: HMAC comparison and freshness.

None of the providers puts a timestamp in its signature the way Standard Webhooks does, but each
signs a body that carries the event's own time (Sumsub ``createdAtMs``, Onfido
``completed_at_iso8601``, Vouched ``updatedAt``). Changing that time breaks the signature, and a
genuine event older than ``max_age`` is refused as stale, which bounds how long a captured
webhook can be replayed. The window is long (72 h by default) because providers retry failed
deliveries for hours; within it a replay is harmless, since the state machine ignores duplicates
and out-of-order events.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import time

from kycgate.gateway.providers.base import InvalidWebhook

WEBHOOK_MAX_AGE_SECONDS = 72 * 3600
# A provider clock ahead of ours by more than this is not a clock, it is a forged date.
WEBHOOK_MAX_SKEW_SECONDS = 300

_DIGESTS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha512": hashlib.sha512}


def hmac_digest(key: str, body: bytes, algorithm: str) -> bytes:
    return hmac.new(key.encode(), body, _DIGESTS[algorithm]).digest()


def matches_hex(provider: str, expected: bytes, given: str | None) -> None:
    """Raise unless ``given`` is the hex of ``expected`` (constant time; either case)."""
    if not given:
        raise InvalidWebhook(provider, "missing_signature", "the signature header is missing")
    try:
        candidate = bytes.fromhex(given.strip())
    except ValueError:
        raise InvalidWebhook(provider, "bad_signature", "the signature is not hex") from None
    if not hmac.compare_digest(candidate, expected):
        raise InvalidWebhook(provider, "bad_signature", "the signature does not match the body")


def body_digest(body: bytes) -> str:
    """A stable id for an event that has none of its own."""
    return hashlib.sha256(body).hexdigest()[:32]


def check_fresh(
    provider: str,
    occurred_at: float | None,
    *,
    now: float | None = None,
    max_age: float = WEBHOOK_MAX_AGE_SECONDS,
    max_skew: float = WEBHOOK_MAX_SKEW_SECONDS,
) -> None:
    """Refuse an event dated more than ``max_age`` ago or more than ``max_skew`` ahead."""
    if occurred_at is None:
        return
    current = time.time() if now is None else now
    if occurred_at < current - max_age:
        raise InvalidWebhook(provider, "stale", f"the event is {round(current - occurred_at)} s old")
    if occurred_at > current + max_skew:
        raise InvalidWebhook(provider, "stale", f"the event is dated {round(occurred_at - current)} s ahead")


def parse_time(value: object) -> float | None:
    """Epoch seconds from an ISO 8601 / ``YYYY-MM-DD HH:MM:SS[.fff][+zone]`` string (UTC if no zone)."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip().replace(" ", "T", 1)
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    # Sumsub writes zones as +0000; fromisoformat on 3.11 wants +00:00.
    if len(text) > 5 and text[-5] in "+-" and text[-4:].isdigit() and ":" not in text[-5:]:
        text = f"{text[:-2]}:{text[-2:]}"
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.timestamp()
