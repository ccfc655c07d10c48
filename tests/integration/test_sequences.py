"""core.sequences: integer ids per tenant and kind, gapless and unique under concurrent creates."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from kycgate.core import sequences
from kycgate.core.dynamo import ddb, from_item, key, records_table, to_item
from kycgate.core.tenants import tenant_pk
from tests.conftest import atomic_moto


def _put(tenant_id: str, new_id: int, *, condition: str = "attribute_not_exists(PK)") -> dict[str, Any]:
    item = {"PK": f"{tenant_pk(tenant_id)}#TASK#{new_id}", "SK": "TASK", "task_id": new_id}
    return {"Put": {"TableName": records_table(), "Item": to_item(item), "ConditionExpression": condition}}


def _task(tenant_id: str, task_id: int) -> dict[str, Any] | None:
    item = ddb().get_item(TableName=records_table(), Key=key(f"{tenant_pk(tenant_id)}#TASK#{task_id}", "TASK"))
    return from_item(item.get("Item"))


def test_ids_count_from_one_per_tenant_and_kind(aws: Any) -> None:
    assert [sequences.create_with_next_id("ten_a", "task", lambda n: [_put("ten_a", n)]) for _ in range(3)] == [1, 2, 3]
    assert sequences.create_with_next_id("ten_b", "task", lambda n: [_put("ten_b", n)]) == 1
    assert sequences.create_with_next_id("ten_a", "kya", lambda n: []) == 1
    assert sequences.last_id("ten_a", "task") == 3
    assert _task("ten_a", 3) == {"PK": "T#ten_a#TASK#3", "SK": "TASK", "task_id": 3}


def test_twenty_concurrent_creates_get_twenty_ids_without_gaps(aws: Any) -> None:
    def create(_: int) -> int:
        return sequences.create_with_next_id("ten_a", "task", lambda n: [_put("ten_a", n)])

    with atomic_moto(), ThreadPoolExecutor(max_workers=20) as pool:
        ids = list(pool.map(create, range(20)))
    assert sorted(ids) == list(range(1, 21))
    assert all(_task("ten_a", n) is not None for n in range(1, 21))
    assert sequences.last_id("ten_a", "task") == 20


def test_a_create_that_fails_uses_no_id(aws: Any) -> None:
    assert sequences.create_with_next_id("ten_a", "task", lambda n: [_put("ten_a", n)]) == 1
    with pytest.raises(Exception, match="TransactionCanceled"):
        # the record's own condition fails: the counter's step is cancelled with it
        sequences.create_with_next_id("ten_a", "task", lambda n: [_put("ten_a", n, condition="attribute_exists(PK)")])
    assert sequences.last_id("ten_a", "task") == 1
    assert sequences.create_with_next_id("ten_a", "task", lambda n: [_put("ten_a", n)]) == 2
