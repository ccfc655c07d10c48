"""The gateway's status machine: one table of the transitions a KYC application may make.

Every change of status, whoever asks for it (the dispatch worker, a provider webhook, a tenant's
PUT), is checked against ``TRANSITIONS``; README's "Provider gateway" section shows the same table.
A tenant's PUT may only ask for the ``MANUAL`` targets: resubmitting (``pending``) or deciding an
application by hand (``accepted``/``rejected``); the rest are the provider's to say.
"""

from __future__ import annotations

from typing import Final

from kycgate.gateway.providers.base import Status

TRANSITIONS: Final[dict[Status, frozenset[Status]]] = {
    "pending": frozenset({"submitted", "failed"}),
    "submitted": frozenset({"review", "accepted", "rejected", "remediate", "failed"}),
    "review": frozenset({"accepted", "rejected", "remediate", "failed"}),
    "remediate": frozenset({"pending", "review", "accepted", "rejected"}),
    # A provider may revise a decision (Vouched's dashboard review, Sumsub's reset).
    "accepted": frozenset({"rejected", "remediate"}),
    "rejected": frozenset({"accepted", "remediate"}),
    "failed": frozenset({"pending"}),
}
MANUAL: Final[frozenset[Status]] = frozenset({"pending", "accepted", "rejected"})


def allowed(current: Status, *, manual: bool = False) -> list[Status]:
    """The statuses ``current`` may move to (for a tenant's PUT when ``manual``), sorted."""
    targets = TRANSITIONS[current] & MANUAL if manual else TRANSITIONS[current]
    return sorted(targets)


def is_valid(current: Status, wanted: Status, *, manual: bool = False) -> bool:
    return wanted in allowed(current, manual=manual)
