"""Wall clock for every expiry decision, shiftable in tests (expiry lives in code, not in TTL)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

_offset_seconds = 0.0


def now() -> float:
    """Seconds since the epoch."""
    return time.time() + _offset_seconds


def now_iso() -> str:
    return iso(now())


def iso(epoch_seconds: float) -> str:
    return datetime.fromtimestamp(epoch_seconds, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def travel(seconds: float) -> None:
    """Move the clock forward (tests use it to expire sessions without waiting)."""
    global _offset_seconds
    _offset_seconds += seconds


def reset() -> None:
    global _offset_seconds
    _offset_seconds = 0.0
