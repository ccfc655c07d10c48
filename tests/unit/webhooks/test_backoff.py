from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from kycgate.webhooks import backoff

NOW = datetime(2026, 1, 15, 12, 0, 0, tzinfo=UTC).timestamp()
MIDDLE = 0.5  # rng value that puts the jitter at exactly 0


def test_default_schedule_and_attempts():
    assert backoff.DEFAULT_SCHEDULE_SECONDS == (5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400)
    assert backoff.max_attempts() == 10
    assert backoff.max_attempts((1, 2)) == 3


@pytest.mark.parametrize(("attempt", "step"), list(enumerate(backoff.DEFAULT_SCHEDULE_SECONDS, start=1)))
def test_jitter_stays_within_twenty_percent(attempt, step):
    assert backoff.next_delay(attempt, rng=lambda: MIDDLE) == step
    lowest = backoff.next_delay(attempt, rng=lambda: 0.0)
    highest = backoff.next_delay(attempt, rng=lambda: 0.999999)
    assert lowest == round(step * 0.8)
    assert highest == round(step * 1.2)
    seeded = random.Random(attempt)
    for _ in range(200):
        assert lowest <= backoff.next_delay(attempt, rng=seeded.random) <= highest


def test_jitter_actually_spreads_retries():
    seeded = random.Random(7)
    assert len({backoff.next_delay(2, rng=seeded.random) for _ in range(50)}) > 10


def test_no_retry_after_the_last_attempt():
    assert backoff.next_delay(9, rng=lambda: MIDDLE) == 86400
    assert backoff.next_delay(10) is None
    assert backoff.next_delay(11) is None
    assert backoff.next_delay(2, schedule=(1, 2)) == 2
    assert backoff.next_delay(3, schedule=(1, 2)) is None


def test_attempt_numbers_are_one_based():
    with pytest.raises(ValueError, match="1-based"):
        backoff.next_delay(0)


def test_short_steps_never_round_to_zero():
    assert backoff.next_delay(1, schedule=(1,), rng=lambda: 0.0) == 1


@pytest.mark.parametrize(
    ("attempt", "retry_after", "expected"),
    [
        (1, "600", 600),  # longer than the 5 s step: the receiver wins
        (2, "1", 300),  # shorter than the step: the schedule wins
        (1, "999999", 43200),  # capped at 12 h
        (1, "9" * 5000, 43200),
        (9, "999999", 86400),  # the cap never shortens a scheduled step
        (1, "Thu, 15 Jan 2026 14:00:00 GMT", 7200),  # HTTP-date, two hours after NOW
        (3, "Thu, 15 Jan 2026 11:00:00 GMT", 1800),  # a date in the past asks for nothing
        (1, "soon", 5),  # unparseable: ignored
    ],
)
def test_retry_after_lengthens_but_never_shortens(attempt, retry_after, expected):
    assert backoff.next_delay(attempt, retry_after=retry_after, rng=lambda: MIDDLE, now=NOW) == expected


def test_retry_after_no_help_once_attempts_are_exhausted():
    assert backoff.next_delay(10, retry_after="60", now=NOW) is None


def test_http_date_retry_after_uses_the_clock_by_default(monkeypatch):
    monkeypatch.setattr(backoff.clock, "now", lambda: NOW)
    assert backoff.next_delay(1, retry_after="Thu, 15 Jan 2026 12:10:00 GMT", rng=lambda: MIDDLE) == 600


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120),
        (" 120 ", 120),
        ("0", 0),
        ("9" * 5000, 10**15),
        ("Thu, 15 Jan 2026 12:01:30 GMT", 90),  # IMF-fixdate
        ("Thursday, 15-Jan-26 12:01:30 GMT", 90),  # obsolete RFC 850 form
        ("Thu Jan 15 12:01:30 2026", 90),  # obsolete asctime form (no zone: GMT)
        ("Thu, 15 Jan 2026 12:00:00 +0100", 0),  # in the past
        ("-5", None),
        ("1.5", None),
        ("", None),
        ("\u0661\u0662\u0660", None),  # non-ASCII digits are not delta-seconds
        ("tomorrow", None),
    ],
)
def test_parse_retry_after(value, expected):
    assert backoff.parse_retry_after(value, NOW) == expected


@pytest.mark.parametrize(
    ("delay", "visibility", "chunks"),
    [
        (0, 0, 1),
        (4.2, 5, 1),
        (300, 300, 1),
        (43200, 43200, 1),
        (43201, 43200, 2),
        (103680, 43200, 3),
        (-3, 0, 1),
    ],
)
def test_visibility_fits_sqs_limit(delay, visibility, chunks):
    assert backoff.clamp_visibility(delay) == visibility
    assert backoff.visibility_chunks(delay) == chunks


def test_max_receives_counts_rehides_of_long_waits():
    # 10 attempts; at +20% jitter the 14 h and 20 h waits take 2 visibility changes, the 24 h one 3.
    assert backoff.max_receives() == 14
    assert backoff.max_receives((5, 300)) == 3
