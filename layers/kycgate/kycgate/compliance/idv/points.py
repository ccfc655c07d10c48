"""A tenant's points (seed 001: an IDV initiation needs more than 500 remaining; a checked task takes
its cost). Operators grant them from the CLI (``kycgate points grant TENANT N``), never over HTTP."""

from __future__ import annotations

from kycgate.compliance.idv import store
from kycgate.compliance.idv.schemas import PointsBalance
from kycgate.core.tenants import data_space, get_tenant


def balance(tenant_id: str) -> PointsBalance:
    return PointsBalance(points=store.balance(tenant_id))


def grant(tenant_id: str, points: int, mode: str = "live") -> int:
    """Add ``points`` to the tenant's balance in ``mode``'s data space; the new balance."""
    if points <= 0:
        raise ValueError("grant a positive number of points")
    if get_tenant(tenant_id) is None:
        raise LookupError(f"no tenant {tenant_id!r}")
    return store.grant(data_space(tenant_id, mode), points)
