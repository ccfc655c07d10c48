"""The tenant's webhook signing secrets as the API shows them and the worker signs with: created on
first use, and during a rotation the previous one beside the current one. Apart from delivery.py
(the worker's rules) so the webhook API functions load neither the HTTP client nor the SSRF guard.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kycgate.core import clock
from kycgate.webhooks import signing, store


def signing_secrets(tenant_ids: Iterable[str]) -> dict[str, list[str]]:
    """The secrets that sign each tenant's webhooks now (the current one, plus the previous one
    during a rotation), creating a tenant's first secret if it has none."""
    now = clock.now()
    wanted = set(tenant_ids)
    stored = store.get_secrets(wanted) if wanted else {}
    return {tid: _signing(stored.get(tid) or first_secret(tid, now), now) for tid in wanted}


def first_secret(tenant_id: str, now: float) -> dict[str, Any]:
    """The secret record of a tenant that has none yet, created now (first use)."""
    secret = signing.new_secret()
    if store.create_secret(tenant_id, secret, now):
        return {"current": secret, "created_at": clock.iso(now), "version": 1}
    # Another request created it first; theirs is the one.
    item = store.get_secret(tenant_id)
    assert item is not None
    return item


def previous_live(item: dict[str, Any], now: float) -> bool:
    return bool(item.get("previous")) and item.get("previous_expires_at", 0) > now


def _signing(item: dict[str, Any], now: float) -> list[str]:
    return [item["current"], item["previous"]] if previous_live(item, now) else [item["current"]]
