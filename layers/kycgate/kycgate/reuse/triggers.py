"""Whether an event requires Re-Use KYC: the tenant's rules applied in DESIGN.md's order. Pure, no I/O.

Order: feature switch, then the customer's prior KYC, then the event's own rule. The first two need
facts the service looks up (preferences, the customer's reference face), so they are separate
functions taking those facts; ``evaluate_event`` is the per-event rule of seed 000.
"""

from __future__ import annotations

from typing import NamedTuple

from kycgate.preferences.schemas import ReuseKycFrequencyTrigger, ReuseKycThresholdTrigger, ReuseKycTriggers
from kycgate.reuse.vocabulary import ReasonCode, ReuseKycEvent


class Decision(NamedTuple):
    code: ReasonCode
    reason: str  # human-readable; empty when required (seed 000)

    @property
    def is_required(self) -> bool:
        return self.code is ReasonCode.REQUIRED


class EventFacts(NamedTuple):
    """What the tenant told us about the event (seed 000 CreateReuseKycSessionRequest)."""

    event: ReuseKycEvent
    amount: float | None = None
    event_count: int | None = None
    event_window_minutes: float | None = None


REQUIRED = Decision(ReasonCode.REQUIRED, "")
FEATURE_DISABLED = Decision(
    ReasonCode.FEATURE_DISABLED,
    "Re-Use KYC is disabled for this tenant (preferences.is_reuse_kyc_enabled is false).",
)
NO_PRIOR_KYC = Decision(
    ReasonCode.NO_PRIOR_KYC,
    "The customer has no approved KYC with a selfie to compare against; run a full KYC first.",
)

THRESHOLD_EVENTS = frozenset({ReuseKycEvent.DEPOSIT, ReuseKycEvent.WITHDRAWAL, ReuseKycEvent.LARGE_BET_PLACEMENT})
FREQUENCY_EVENTS = frozenset({ReuseKycEvent.HIGH_FREQUENCY_BETTING})


def evaluate_event(triggers: ReuseKycTriggers, facts: EventFacts) -> Decision:
    """The event's own rule; assumes the feature is on and the customer has a reference face."""
    rule = getattr(triggers, facts.event.value)
    if isinstance(rule, ReuseKycThresholdTrigger):
        return _threshold(facts.event, rule, facts.amount)
    if isinstance(rule, ReuseKycFrequencyTrigger):
        return _frequency(facts.event, rule, facts.event_count, facts.event_window_minutes)
    if rule:
        return REQUIRED
    return _disabled(facts.event)


def _disabled(event: ReuseKycEvent) -> Decision:
    return Decision(ReasonCode.EVENT_DISABLED, f"Re-Use KYC is not enabled for the {event.value} event.")


def _threshold(event: ReuseKycEvent, rule: ReuseKycThresholdTrigger, amount: float | None) -> Decision:
    if not rule.enabled:
        return _disabled(event)
    if rule.threshold == 0:  # 0 (stored for null/omitted too) means every amount, even none
        return REQUIRED
    # A zero amount is treated as missing: seed 000 blocks "missing/zero" alike under a threshold.
    if not amount:
        return Decision(
            ReasonCode.AMOUNT_MISSING,
            f"The {event.value} rule has a threshold of {rule.threshold:g} USD; send the event's amount.",
        )
    if amount < rule.threshold:
        return Decision(
            ReasonCode.BELOW_THRESHOLD,
            f"The amount {amount:g} USD is below the {event.value} threshold of {rule.threshold:g} USD.",
        )
    return REQUIRED


def _frequency(
    event: ReuseKycEvent, rule: ReuseKycFrequencyTrigger, event_count: int | None, window_minutes: float | None
) -> Decision:
    if not rule.enabled:
        return _disabled(event)
    if rule.count:
        if event_count is None:
            return Decision(
                ReasonCode.EVENT_COUNT_MISSING,
                f"The {event.value} rule needs at least {rule.count} events; send event_count.",
            )
        if event_count < rule.count:
            return Decision(
                ReasonCode.FREQUENCY_NOT_MET,
                f"{event_count} events is fewer than the {rule.count} the {event.value} rule requires.",
            )
    if rule.window_minutes:
        if window_minutes is None:
            return Decision(
                ReasonCode.WINDOW_MISSING,
                f"The {event.value} rule counts events within {rule.window_minutes} minutes; "
                "send event_window_minutes.",
            )
        if window_minutes > rule.window_minutes:
            return Decision(
                ReasonCode.WINDOW_EXCEEDED,
                f"A window of {window_minutes:g} minutes is longer than the {rule.window_minutes} minutes "
                f"of the {event.value} rule, so the rate is not high.",
            )
    return REQUIRED
