"""KYA tasks, IDV tasks and webhook deliveries as DynamoDB pages (core.listing), over HTTP.

20 concurrent creates of each task kind (each KYA task with a callback, so 20 concurrent deliveries
too), then every list walked by its cursors and its total checked against a recount of the rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from kycgate.compliance import lists
from kycgate.compliance.idv import points
from kycgate.core.settings import get_settings
from tests.conftest import atomic_moto
from tests.integration.kya_support import seed_sample_lists
from tests.integration.kyc_support import records_with_sk
from tests.integration.reuse_support import PUBLIC_HOOK

KYA = "/api/v1/compliance/kya"
IDV = "/api/v1/compliance/idv"
DELIVERIES = "/api/v1/webhooks/deliveries"
CLEAN_BTC = "bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g"
# (list, the items' field, the id field, the creation time field, the table rows' SK)
LISTS = (
    (KYA, "items", "kya_id", "creation_timestamp", "KYA"),
    (IDV, "items", "idv_task_id", "timestamp", "IDV"),
    (DELIVERIES, "data", "delivery_id", "created_at", "DELIVERY"),
)


@pytest.fixture
def screened(aws: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("KYCGATE_LISTS_RECHECK_SECONDS", "0")
    get_settings.cache_clear()
    seed_sample_lists()
    yield
    lists.reset()


def _get(client: Any, tenant: Any, path: str, **params: Any) -> Any:
    return client.get(path, headers=tenant.headers, params=params)


def _walk(client: Any, tenant: Any, path: str, field: str, page_size: int = 6) -> list[dict[str, Any]]:
    first = _get(client, tenant, path, page_size=page_size)
    assert first.status_code == 200, first.text
    body = first.json()
    items, pagination = list(body[field]), body["pagination"]
    while pagination["cursor"]:
        page = _get(client, tenant, path, page_size=page_size, cursor=pagination["cursor"])
        assert page.status_code == 200, page.text
        assert page.json()["pagination"]["total"] == body["pagination"]["total"]
        items += page.json()[field]
        pagination = page.json()["pagination"]
    assert pagination["page"] == body["pagination"]["total_pages"]
    assert len(items) == body["pagination"]["total"], path  # the counter agrees with the rows listed
    return items


def test_totals_stay_right_under_20_concurrent_creates_and_cursors_walk_each_list(
    client: Any, tenant_a: Any, tenant_b: Any, screened: None
) -> None:
    for tenant in (tenant_a, tenant_b):
        points.grant(tenant.tenant_id, 100_000)

    def kya(i: int) -> Any:
        body = {"address": CLEAN_BTC, "customer_reference": f"c-{i % 3}", "callback_url": PUBLIC_HOOK}
        return client.post(KYA, json=body, headers=tenant_a.headers)

    def idv(_: int, tenant: Any = tenant_a) -> Any:
        return client.post(f"{IDV}/account", json={"workflow_id": 3, "country": "TWN"}, headers=tenant.headers)

    with atomic_moto(), ThreadPoolExecutor(max_workers=20) as pool:
        created = [*pool.map(kya, range(20)), *pool.map(idv, range(20))]
    assert [r.status_code for r in created] == [201] * 40, [r.text for r in created if r.status_code != 201]
    other = client.post(KYA, json={"address": CLEAN_BTC, "callback_url": PUBLIC_HOOK}, headers=tenant_b.headers)
    assert other.status_code == 201, other.text
    assert idv(0, tenant_b).status_code == 201

    for path, field, id_field, created_field, sk in LISTS:
        walked = _walk(client, tenant_a, path, field)
        rows = [row for row in records_with_sk(sk) if row["PK"].startswith(f"T#{tenant_a.tenant_id}#")]
        assert len(rows) == 20, path
        assert sorted(str(item[id_field]) for item in walked) == sorted(str(row[id_field]) for row in rows), path
        created_at = [item[created_field] for item in walked]
        assert created_at == sorted(created_at, reverse=True), path  # newest first across pages
        assert _get(client, tenant_b, path).json()["pagination"]["total"] == 1, path
    kya_ids = sorted(item["kya_id"] for item in _walk(client, tenant_a, KYA, "items"))
    assert kya_ids == list(range(1, 21))  # one id each, no gaps, under contention

    # An equality filter no index serves is read whole and filtered: right total, no cursor (README).
    filtered = _get(client, tenant_a, KYA, customer_reference="c-0", page_size=3).json()
    assert filtered["pagination"] == {"page": 1, "page_size": 3, "total": 7, "total_pages": 3, "cursor": None}
    kya_cursor = _get(client, tenant_a, KYA, page_size=6).json()["pagination"]["cursor"]
    for tenant, path, params in (
        (tenant_a, IDV, {"page_size": 6}),  # another list's
        (tenant_b, KYA, {"page_size": 6}),  # another tenant's
        (tenant_a, KYA, {"page_size": 6, "customer_reference": "c-0"}),  # a filter served in memory
    ):
        refused = _get(client, tenant, path, cursor=kya_cursor, **params)
        assert refused.status_code == 400, (path, refused.text)
        assert refused.headers["content-type"] == "application/problem+json"
        assert "cursor" in refused.json()["detail"]
