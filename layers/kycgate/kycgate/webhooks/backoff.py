"""Retry schedule for webhook deliveries.

Attempt 1 is the first POST; after failed attempt N the next one waits about
``schedule[N - 1]`` seconds, so a schedule of k steps allows k + 1 attempts in all.

Retries wait by hiding the SQS message (ChangeMessageVisibility), which accepts at most 12 h per
call, while the last steps are longer. The caller stores the absolute ``next_attempt_at`` on the
delivery, hides the message for ``clamp_visibility(delay)``, and on each receipt either attempts (when
due) or hides it again for ``clamp_visibility(next_attempt_at - now)`` without attempting. A wait of
``delay`` seconds therefore costs ``visibility_chunks(delay)`` receipts, which the queue's
``maxReceiveCount`` and retention period must allow for: see ``max_receives``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from datetime import UTC
from email.utils import parsedate_to_datetime

from kycgate.core import clock

DEFAULT_SCHEDULE_SECONDS: tuple[int, ...] = (5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400)
JITTER_FRACTION = 0.2
# SQS's limit for one visibility change; also where a receiver's Retry-After stops being honoured, so
# a receiver cannot park a delivery for days with one header.
MAX_VISIBILITY_SECONDS = 43200
RETRY_AFTER_CAP_SECONDS = MAX_VISIBILITY_SECONDS


def max_attempts(schedule: Sequence[int] = DEFAULT_SCHEDULE_SECONDS) -> int:
    return len(schedule) + 1


def next_delay(
    attempt_number: int,
    *,
    schedule: Sequence[int] = DEFAULT_SCHEDULE_SECONDS,
    retry_after: str | None = None,
    rng: Callable[[], float] = random.random,
    now: float | None = None,
) -> int | None:
    """Seconds to wait after failed attempt ``attempt_number`` (1-based); None when it was the last.

    The scheduled step gets ±20% jitter so deliveries failed together by one outage do not retry in
    lockstep. A receiver's ``Retry-After`` can lengthen the wait (up to RETRY_AFTER_CAP_SECONDS) but
    never shorten it. ``now`` is epoch seconds for HTTP-date Retry-After values (default: the clock).
    """
    if attempt_number < 1:
        raise ValueError(f"attempt_number is 1-based, got {attempt_number}")
    if attempt_number > len(schedule):
        return None
    step = schedule[attempt_number - 1]
    delay = max(1, round(step * (1 + JITTER_FRACTION * (2 * rng() - 1))))
    if retry_after is not None:
        asked = parse_retry_after(retry_after, clock.now() if now is None else now)
        if asked is not None:
            delay = max(delay, min(asked, RETRY_AFTER_CAP_SECONDS))
    return delay


def parse_retry_after(value: str, now: float) -> int | None:
    """Seconds a ``Retry-After`` value asks for (delta-seconds or HTTP-date); None when unparseable.

    ``now`` is epoch seconds. A date in the past asks for 0.
    """
    value = value.strip()
    if value.isascii() and value.isdigit():
        # int() refuses strings over 4300 digits; any value this long is far past every cap anyway.
        return int(value) if len(value) <= 15 else 10**15
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    # HTTP-dates are GMT; parsedate_to_datetime leaves asctime and "-0000" dates naive.
    seconds = when.timestamp() if when.tzinfo is not None else when.replace(tzinfo=UTC).timestamp()
    return max(0, math.ceil(seconds - now))


def clamp_visibility(delay: float) -> int:
    """The VisibilityTimeout to set now for a wait of ``delay`` seconds (SQS allows 0..43200)."""
    return max(0, min(math.ceil(delay), MAX_VISIBILITY_SECONDS))


def visibility_chunks(delay: float) -> int:
    """How many visibility changes (hence receipts) a wait of ``delay`` seconds takes."""
    return max(1, math.ceil(delay / MAX_VISIBILITY_SECONDS))


def max_receives(schedule: Sequence[int] = DEFAULT_SCHEDULE_SECONDS) -> int:
    """Worst-case receipts of one delivery's message: every attempt plus every re-hide of a long wait.

    The queue's redrive ``maxReceiveCount`` must be at least this, or SQS moves a delivery that still
    has retries left to the DLQ.
    """
    # Retry-After is capped at one visibility change, so only the jittered schedule adds re-hides.
    longest_waits = (round(step * (1 + JITTER_FRACTION)) for step in schedule)
    return max_attempts(schedule) + sum(visibility_chunks(wait) - 1 for wait in longest_waits)
