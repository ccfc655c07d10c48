"""The pauses between tries of a write stay bounded, so every retry loop ends inside API Gateway's 29 s."""

from __future__ import annotations

import pytest

from kycgate.core import dynamo


def test_the_tries_of_a_numbered_create_pause_two_seconds_at_most(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr(dynamo.random, "uniform", lambda low, high: high)  # the longest jitter every time
    monkeypatch.setattr(dynamo.time, "sleep", slept.append)
    for attempt in range(12):  # core.sequences' tries, from its 10 ms base
        dynamo.pause_before_retry(attempt, 0.01)
    assert slept[:3] == [0.01, 0.02, 0.04]  # doubling first,
    assert max(slept) == 0.25  # then capped: uncapped, the twelfth pause alone was 20 s
    assert sum(slept) <= 2.1
