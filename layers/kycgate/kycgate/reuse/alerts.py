"""Re-Use KYC alerts for the tenant's dashboard: list, read, and move through their workflow.

Apart from reuse.service so the alert functions load none of the session rules.
"""

from __future__ import annotations

from functools import partial

from kycgate.core import clock, listing
from kycgate.core.errors import NotFound
from kycgate.reuse import store
from kycgate.reuse.schemas import KycAlert, KycAlertFilters, KycAlertListResponse, UpdateKycAlertRequest


def list_alerts(
    tenant_id: str, filters: KycAlertFilters, page: int, page_size: int, cursor: str | None
) -> KycAlertListResponse:
    equals = {
        "alert_type": filters.alert_type.value if filters.alert_type else None,
        "status": filters.status.value if filters.status else None,
        "customer_id": filters.customer_id,
    }
    if any(value is not None for value in equals.values()):
        found = listing.in_memory_page(
            store.list_alerts(tenant_id, **equals), page=page, page_size=page_size, cursor=cursor
        )
    else:
        query = listing.ListQuery(store.alerts_index_pk(tenant_id))
        total = partial(store.alerts_total, tenant_id)
        found = listing.list_page(tenant_id, query, page=page, page_size=page_size, cursor=cursor, total=total)
    return KycAlertListResponse(items=[KycAlert.model_validate(i) for i in found.items], pagination=found.pagination)


def get_alert(tenant_id: str, alert_id: str) -> KycAlert:
    item = store.get_alert(tenant_id, alert_id)
    if item is None:
        raise NotFound(f"No alert {alert_id!r}.")
    return KycAlert.model_validate(item)


def update_alert(tenant_id: str, alert_id: str, request: UpdateKycAlertRequest) -> KycAlert:
    changes = {**request.model_dump(mode="json", exclude_none=True), "updated_at": clock.now_iso()}
    item = store.update_alert(tenant_id, alert_id, changes)
    if item is None:
        raise NotFound(f"No alert {alert_id!r}.")
    return KycAlert.model_validate(item)
