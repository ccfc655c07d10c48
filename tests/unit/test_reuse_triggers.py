"""The per-event rule of seed 000, every rule state, without I/O."""

from __future__ import annotations

from typing import Any

import pytest

from kycgate.preferences.schemas import ReuseKycTriggers
from kycgate.reuse.schemas import CreateReuseKycSessionRequest
from kycgate.reuse.triggers import FREQUENCY_EVENTS, THRESHOLD_EVENTS, EventFacts, evaluate_event
from kycgate.reuse.vocabulary import ReasonCode, ReuseKycEvent

BOOLEAN_EVENTS = sorted(set(ReuseKycEvent) - THRESHOLD_EVENTS - FREQUENCY_EVENTS)
R = ReasonCode


def test_every_event_has_a_rule_and_every_rule_an_event() -> None:
    assert {e.value for e in ReuseKycEvent} == set(ReuseKycTriggers.model_fields)
    assert len(ReuseKycEvent) == 13


@pytest.mark.parametrize("event", BOOLEAN_EVENTS)
@pytest.mark.parametrize(("enabled", "code"), [(True, R.REQUIRED), (False, R.EVENT_DISABLED)])
def test_boolean_events(event: ReuseKycEvent, enabled: bool, code: ReasonCode) -> None:
    # Amount and counts are ignored for these events, whatever they say.
    triggers = ReuseKycTriggers(**{event.value: enabled})
    decision = evaluate_event(triggers, EventFacts(event, amount=0, event_count=0, event_window_minutes=99))
    assert decision.code is code
    assert decision.is_required is (code is R.REQUIRED)
    assert (decision.reason == "") is decision.is_required


THRESHOLD_CASES: list[tuple[bool, Any, float | None, ReasonCode]] = [
    (False, 100, 500, R.EVENT_DISABLED),
    (False, 0, 500, R.EVENT_DISABLED),
    (True, 0, None, R.REQUIRED),
    (True, 0, 0, R.REQUIRED),
    (True, 0, 0.01, R.REQUIRED),
    (True, None, None, R.REQUIRED),  # null threshold = any amount
    (True, None, 10, R.REQUIRED),
    (True, 100, 99.99, R.BELOW_THRESHOLD),
    (True, 100, 100, R.REQUIRED),
    (True, 100, 100.01, R.REQUIRED),
    (True, 100, None, R.AMOUNT_MISSING),
    (True, 100, 0, R.AMOUNT_MISSING),
]


@pytest.mark.parametrize("event", sorted(THRESHOLD_EVENTS))
@pytest.mark.parametrize(("enabled", "threshold", "amount", "code"), THRESHOLD_CASES)
def test_threshold_events(
    event: ReuseKycEvent, enabled: bool, threshold: Any, amount: float | None, code: ReasonCode
) -> None:
    triggers = ReuseKycTriggers.model_validate({event.value: {"enabled": enabled, "threshold": threshold}})
    assert evaluate_event(triggers, EventFacts(event, amount=amount)).code is code


FREQUENCY_CASES: list[tuple[bool, Any, Any, int | None, float | None, ReasonCode]] = [
    (False, 5, 10, 100, 1, R.EVENT_DISABLED),
    (True, 0, 0, None, None, R.REQUIRED),  # both bounds off: every report triggers
    (True, None, None, None, None, R.REQUIRED),
    (True, 5, 0, 4, None, R.FREQUENCY_NOT_MET),
    (True, 5, 0, 5, None, R.REQUIRED),
    (True, 5, 0, 6, 10_000, R.REQUIRED),  # window not enforced
    (True, 5, 0, None, 5, R.EVENT_COUNT_MISSING),
    (True, 0, 10, 0, 9, R.REQUIRED),  # count not enforced
    (True, 0, 10, None, 10, R.REQUIRED),
    (True, 0, 10, None, 11, R.WINDOW_EXCEEDED),
    (True, 0, 10, 3, None, R.WINDOW_MISSING),
    (True, 5, 10, 5, 10, R.REQUIRED),
    (True, 5, 10, 4, 10, R.FREQUENCY_NOT_MET),
    (True, 5, 10, 5, 10.5, R.WINDOW_EXCEEDED),
    (True, 5, 10, None, None, R.EVENT_COUNT_MISSING),
    (True, 5, 10, 5, None, R.WINDOW_MISSING),
]


@pytest.mark.parametrize(("enabled", "count", "window", "event_count", "event_window", "code"), FREQUENCY_CASES)
def test_frequency_event(
    enabled: bool, count: Any, window: Any, event_count: int | None, event_window: float | None, code: ReasonCode
) -> None:
    triggers = ReuseKycTriggers.model_validate(
        {"high_frequency_betting": {"enabled": enabled, "count": count, "window_minutes": window}}
    )
    facts = EventFacts(
        ReuseKycEvent.HIGH_FREQUENCY_BETTING, amount=1e9, event_count=event_count, event_window_minutes=event_window
    )
    decision = evaluate_event(triggers, facts)
    assert decision.code is code
    assert decision.reason if code is not R.REQUIRED else decision.reason == ""


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({}, "event is missing"),
        ({"event": "withdrawl"}, "'withdrawl'"),
        ({"event": ""}, "''"),
        ({"event": None}, "event is missing"),
    ],
)
def test_missing_or_unknown_event_names_every_allowed_event(body: dict[str, Any], needle: str) -> None:
    with pytest.raises(ValueError) as raised:
        CreateReuseKycSessionRequest.model_validate({"reference": "r1", "customer_id": "c1", **body})
    message = str(raised.value)
    assert needle in message
    assert all(e.value in message for e in ReuseKycEvent)


def test_event_is_required_in_the_schema() -> None:
    schema = CreateReuseKycSessionRequest.model_json_schema()
    assert "event" in schema["required"]
    assert "default" not in schema["properties"]["event"]
