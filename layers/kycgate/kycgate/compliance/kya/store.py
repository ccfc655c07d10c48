"""DynamoDB keys and queries of KYA tasks.

Each task is its own partition, listed through GSI1 (newest first). DynamoDB calls: create 2 (the id
counter's GetItem, then one TransactWriteItems: counter step + task + callback delivery); get 1
(GetItem); list (core.listing) one Query of page_size + 1 items and the id counter's GetItem for the
total; with a chain, sanctioned or customer_reference filter, one Query per 1 MB of the tenant's index.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kycgate.core import sequences
from kycgate.core.dynamo import ddb, from_item, key, query_index, records_table, to_item
from kycgate.core.listing import ListQuery, NumberedList
from kycgate.core.tenants import tenant_pk
from kycgate.webhooks import outbox
from kycgate.webhooks.outbox import PendingDelivery

TASK_SK = "KYA"
SEQUENCE = "kya"


def task_pk(tenant_id: str, kya_id: int) -> str:
    return f"{tenant_pk(tenant_id)}#KYA#{kya_id}"


def tasks_index_pk(tenant_id: str) -> str:
    return f"{tenant_pk(tenant_id)}#KYAS"


NewTask = tuple[dict[str, Any], list[PendingDelivery]]


def create_task(tenant_id: str, build: Callable[[int], NewTask]) -> dict[str, Any]:
    """Store the task ``build(kya_id)`` makes under the tenant's next kya_id, with its callback deliveries,
    all or nothing, then queue the deliveries; the task stored."""

    def record(kya_id: int) -> tuple[dict[str, Any], list[dict[str, Any]], list[PendingDelivery]]:
        task, deliveries = build(kya_id)
        item = {
            "PK": task_pk(tenant_id, kya_id),
            "SK": TASK_SK,
            "GSI1PK": tasks_index_pk(tenant_id),
            "GSI1SK": f"{task['created_at']}#{kya_id:012d}",
            **task,
        }
        put = {"TableName": records_table(), "Item": to_item(item), "ConditionExpression": "attribute_not_exists(PK)"}
        return task, [{"Put": put}], deliveries

    return outbox.create_with_next_id(tenant_id, SEQUENCE, record)


def get_task(tenant_id: str, kya_id: int) -> dict[str, Any] | None:
    response = ddb().get_item(TableName=records_table(), Key=key(task_pk(tenant_id, kya_id), TASK_SK))
    return from_item(response.get("Item"))


def tasks_query(tenant_id: str, *, created_from: str | None, created_to: str | None) -> ListQuery:
    # '~' sorts after "#<kya_id>", so a task created at created_to is included.
    return ListQuery(tasks_index_pk(tenant_id), "GSI1", created_from, f"{created_to}#~" if created_to else None)


def task_count(tenant_id: str) -> int:
    """The tenant's tasks: their last kya_id (ids have no gaps, tasks are never deleted). One GetItem."""
    return sequences.last_id(tenant_id, SEQUENCE)


def list_tasks(
    tenant_id: str,
    *,
    created_from: str | None,
    created_to: str | None,
    chain: str | None,
    sanctioned: bool | None,
    customer_reference: str | None,
) -> list[dict[str, Any]]:
    return query_index(
        records_table(),
        tasks_index_pk(tenant_id),
        sort_from=created_from,
        sort_to=f"{created_to}#~" if created_to else None,
        equals={"chain": chain, "sanctioned": sanctioned, "customer_reference": customer_reference},
    )


TASKS = NumberedList(tasks_query, list_tasks, task_count)
