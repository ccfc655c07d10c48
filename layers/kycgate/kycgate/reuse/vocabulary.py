"""Re-Use KYC's words shared by its wire models and its rules (seed 000): the events and the reason codes.

Apart from reuse.triggers so the wire models do not load the trigger rules and, with them, the
preference models.
"""

from enum import StrEnum


class ReuseKycEvent(StrEnum):
    LOGIN = "login"
    PASSWORD_CHANGE = "password_change"  # noqa: S105 - an event name
    NAME_CHANGE = "name_change"
    PHONE_NUMBER_CHANGE = "phone_number_change"
    TWO_FACTOR_AUTH_CHANGE = "two_factor_auth_change"
    NEW_DEVICE_OR_LOCATION = "new_device_or_location"
    DEVICE_FINGERPRINT_CHANGE = "device_fingerprint_change"
    PAYMENT_METHOD_CHANGE = "payment_method_change"
    DEPOSIT = "deposit"
    WITHDRAWAL = "withdrawal"
    LARGE_BET_PLACEMENT = "large_bet_placement"
    HIGH_FREQUENCY_BETTING = "high_frequency_betting"
    ACCOUNT_BALANCE_TRANSFER = "account_balance_transfer"


class ReasonCode(StrEnum):
    """Machine-readable companion of ``reason``; ``required`` is the only code with ``is_required``."""

    REQUIRED = "required"
    FEATURE_DISABLED = "feature_disabled"
    NO_PRIOR_KYC = "no_prior_kyc"
    EVENT_DISABLED = "event_disabled"
    AMOUNT_MISSING = "amount_missing"
    BELOW_THRESHOLD = "below_threshold"
    EVENT_COUNT_MISSING = "event_count_missing"
    FREQUENCY_NOT_MET = "frequency_not_met"
    WINDOW_MISSING = "window_missing"
    WINDOW_EXCEEDED = "window_exceeded"
