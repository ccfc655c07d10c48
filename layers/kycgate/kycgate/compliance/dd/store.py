"""DynamoDB keys and queries of DD tasks and search settings.

Items:
    search setting   PK T#<tenant>#DDSET#<id>  SK SETTING   GSI1 T#<tenant>#DDSETS / <id>
    default marker   PK T#<tenant>             SK DDSET#DEFAULT (which setting is the default)
    task             PK T#<tenant>#DD#<id>     SK TASK      GSI1 T#<tenant>#DDTASKS / <ref>#<created>#<id>
                                                            GSI2 DD#REVIEW / <next_review_at>#<tenant>#<id>
    earlier report   PK T#<tenant>#DD#<id>     SK REPORT#<version>
    monitor marker   PK DD#MONITOR             SK LISTS (the lists version last fully re-screened)

GSI2 (sparse, keys only) holds only monitored tasks, across tenants: the scheduled review reads the
due ones by their sort key and never a tenant's whole data.

DynamoDB calls: task create 2 (counter read, one transaction: counter step, task, callback and its count); get 1;
accepted 2 (get, one conditional transaction with its callback); metadata 1 (conditional update);
history one Query per 1 MB page of the customer's range; a re-screening that changed the result one
transaction (task update conditional on the version read, the earlier report, the callback).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from kycgate.core import sequences
from kycgate.core.dynamo import (
    batch_get,
    ddb,
    from_item,
    is_condition_failure,
    is_transaction_condition_failure,
    key,
    query_index,
    records_table,
    to_item,
    to_value,
)
from kycgate.core.tenants import tenant_pk
from kycgate.webhooks import outbox
from kycgate.webhooks.outbox import PendingDelivery

TASK_SK = "TASK"
SETTING_SK = "SETTING"
DEFAULT_SK = "DDSET#DEFAULT"
TASK_SEQUENCE = "dd_task"
SETTING_SEQUENCE = "dd_search_setting"
REVIEW_INDEX_PK = "DD#REVIEW"
MONITOR_KEY = ("DD#MONITOR", "LISTS")

NewTask = tuple[dict[str, Any], list[PendingDelivery]]


class Conflict(Exception):
    """A conditional write lost: the item changed (or is gone) since it was read."""


def task_pk(tenant_id: str, task_id: int) -> str:
    return f"{tenant_pk(tenant_id)}#DD#{task_id}"


def setting_pk(tenant_id: str, setting_id: int) -> str:
    return f"{tenant_pk(tenant_id)}#DDSET#{setting_id}"


def _tasks_index_pk(tenant_id: str) -> str:
    return f"{tenant_pk(tenant_id)}#DDTASKS"


def _settings_index_pk(tenant_id: str) -> str:
    return f"{tenant_pk(tenant_id)}#DDSETS"


def review_key(tenant_id: str, task_id: int, next_review_iso: str) -> str:
    return f"{next_review_iso}#{tenant_id}#{task_id:012d}"


def _review_attributes(task: dict[str, Any]) -> dict[str, Any]:
    if not task.get("next_review_iso"):
        return {}
    return {
        "GSI2PK": REVIEW_INDEX_PK,
        "GSI2SK": review_key(task["tenant_id"], task["task_id"], task["next_review_iso"]),
    }


# ---------------------------------------------------------------- search settings


def get_setting(tenant_id: str, setting_id: int, *, consistent: bool = False) -> dict[str, Any] | None:
    response = ddb().get_item(
        TableName=records_table(), Key=key(setting_pk(tenant_id, setting_id), SETTING_SK), ConsistentRead=consistent
    )
    return from_item(response.get("Item"))


def default_setting_id(tenant_id: str) -> int | None:
    response = ddb().get_item(TableName=records_table(), Key=key(tenant_pk(tenant_id), DEFAULT_SK), ConsistentRead=True)
    item = from_item(response.get("Item"))
    return int(item["search_setting_id"]) if item else None


def _setting_put(tenant_id: str, setting: dict[str, Any]) -> dict[str, Any]:
    item = {
        "PK": setting_pk(tenant_id, setting["search_setting_id"]),
        "SK": SETTING_SK,
        "GSI1PK": _settings_index_pk(tenant_id),
        "GSI1SK": f"{setting['search_setting_id']:012d}",
        **setting,
    }
    return {
        "Put": {"TableName": records_table(), "Item": to_item(item), "ConditionExpression": "attribute_not_exists(PK)"}
    }


def create_setting(tenant_id: str, build: Callable[[int], dict[str, Any]]) -> dict[str, Any]:
    built: list[dict[str, Any]] = []

    def items(setting_id: int) -> list[dict[str, Any]]:
        built[:] = [build(setting_id)]
        return [_setting_put(tenant_id, built[0])]

    sequences.create_with_next_id(tenant_id, SETTING_SEQUENCE, items)
    return built[0]


def create_default_setting(tenant_id: str, build: Callable[[int], dict[str, Any]]) -> int:
    """Create the tenant's default setting unless one exists; its id either way. Two first requests at
    once create one default: the marker's condition cancels the second, which reads the first's."""
    found = default_setting_id(tenant_id)
    if found is not None:
        return found

    def items(setting_id: int) -> list[dict[str, Any]]:
        marker = {"PK": tenant_pk(tenant_id), "SK": DEFAULT_SK, "search_setting_id": setting_id}
        return [
            _setting_put(tenant_id, build(setting_id)),
            {
                "Put": {
                    "TableName": records_table(),
                    "Item": to_item(marker),
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            },
        ]

    try:
        return sequences.create_with_next_id(tenant_id, SETTING_SEQUENCE, items)
    except Exception as exc:
        if not is_transaction_condition_failure(exc):
            raise
    found = default_setting_id(tenant_id)
    if found is None:  # the marker's condition failed, so a marker exists
        raise RuntimeError("default search setting marker vanished")
    return found


def list_settings(tenant_id: str) -> list[dict[str, Any]]:
    return list(reversed(query_index(records_table(), _settings_index_pk(tenant_id))))


def update_setting(tenant_id: str, setting_id: int, changes: dict[str, Any]) -> dict[str, Any] | None:
    """Apply ``changes`` to an existing setting; the setting as stored, None when there is none."""
    names = {f"#f{i}": name for i, name in enumerate(changes)}
    values = {f":v{i}": to_value(value) for i, value in enumerate(changes.values())}
    assignments = ", ".join(f"#f{i} = :v{i}" for i in range(len(changes)))
    try:
        response = ddb().update_item(
            TableName=records_table(),
            Key=key(setting_pk(tenant_id, setting_id), SETTING_SK),
            UpdateExpression=f"SET {assignments}",
            ConditionExpression="attribute_exists(PK)",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
            ReturnValues="ALL_NEW",
        )
    except Exception as exc:
        if is_condition_failure(exc):
            return None
        raise
    return from_item(response["Attributes"])


# ---------------------------------------------------------------- tasks


def _task_item(task: dict[str, Any]) -> dict[str, Any]:
    tenant_id, task_id = task["tenant_id"], task["task_id"]
    return {
        "PK": task_pk(tenant_id, task_id),
        "SK": TASK_SK,
        "GSI1PK": _tasks_index_pk(tenant_id),
        "GSI1SK": f"{task.get('customer_reference') or ''}#{task['created_at']}#{task_id:012d}",
        **_review_attributes(task),
        **task,
    }


def create_task(tenant_id: str, build: Callable[[int], NewTask]) -> dict[str, Any]:
    """Store the task ``build(task_id)`` makes under the tenant's next task_id with its callback
    deliveries, all or nothing, then queue the deliveries; the task stored."""

    def record(task_id: int) -> tuple[dict[str, Any], list[dict[str, Any]], list[PendingDelivery]]:
        task, deliveries = build(task_id)
        put = {
            "TableName": records_table(),
            "Item": to_item(_task_item(task)),
            "ConditionExpression": "attribute_not_exists(PK)",
        }
        return task, [{"Put": put}], deliveries

    return outbox.create_with_next_id(tenant_id, TASK_SEQUENCE, record)


def get_task(tenant_id: str, task_id: int, *, consistent: bool = False) -> dict[str, Any] | None:
    response = ddb().get_item(
        TableName=records_table(), Key=key(task_pk(tenant_id, task_id), TASK_SK), ConsistentRead=consistent
    )
    return from_item(response.get("Item"))


def earlier_reports(tenant_id: str, task_id: int) -> list[dict[str, Any]]:
    response = ddb().query(
        TableName=records_table(),
        KeyConditionExpression="PK = :pk AND begins_with(SK, :sk)",
        ExpressionAttributeValues={":pk": to_value(task_pk(tenant_id, task_id)), ":sk": to_value("REPORT#")},
    )
    return [item for raw in response.get("Items", []) if (item := from_item(raw)) is not None]


def list_tasks(tenant_id: str, customer_reference: str | None) -> list[dict[str, Any]]:
    """The tenant's tasks (of one customer when given), newest first."""
    sort = (f"{customer_reference}#", f"{customer_reference}#~") if customer_reference else (None, None)
    items = query_index(records_table(), _tasks_index_pk(tenant_id), sort_from=sort[0], sort_to=sort[1])
    return sorted(items, key=lambda t: (t["created_at"], t["task_id"]), reverse=True)


def replace_task(
    task: dict[str, Any],
    read: dict[str, Any],
    deliveries: Sequence[PendingDelivery],
    earlier: dict[str, Any] | None = None,
) -> None:
    """Store ``task`` in place of ``read`` if nothing changed it since (its decision, report version and
    metadata as read; Conflict otherwise), with its callbacks (queued after the commit) and, for a
    re-screening, the earlier report."""
    put = {
        "TableName": records_table(),
        "Item": to_item(_task_item(task)),
        "ConditionExpression": "audit_status = :audit AND report_version = :version AND size(metadata) = :pairs",
        "ExpressionAttributeValues": {
            ":audit": to_value(read["audit_status"]),
            ":version": to_value(read["report_version"]),
            ":pairs": to_value(len(read["metadata"])),
        },
    }
    items: list[dict[str, Any]] = [{"Put": put}]
    if earlier is not None:
        item = {
            "PK": task_pk(task["tenant_id"], task["task_id"]),
            "SK": f"REPORT#{read['report_version']:06d}",
            **earlier,
        }
        items.append(
            {
                "Put": {
                    "TableName": records_table(),
                    "Item": to_item(item),
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            }
        )
    try:
        outbox.commit(items, deliveries)
    except Exception as exc:
        if is_transaction_condition_failure(exc):
            raise Conflict from exc
        raise


def append_metadata(tenant_id: str, task_id: int, pairs: list[dict[str, str]], now: int, limit: int) -> bool:
    """Append ``pairs``; False when the task is missing or they would take it over ``limit``."""
    try:
        ddb().update_item(
            TableName=records_table(),
            Key=key(task_pk(tenant_id, task_id), TASK_SK),
            UpdateExpression="SET metadata = list_append(metadata, :pairs), update_time = :now",
            ConditionExpression="attribute_exists(PK) AND size(metadata) <= :room",
            ExpressionAttributeValues={
                ":pairs": to_value(pairs),
                ":now": to_value(now),
                ":room": to_value(limit - len(pairs)),
            },
        )
    except Exception as exc:
        if is_condition_failure(exc):
            return False
        raise
    return True


# ---------------------------------------------------------------- ongoing monitoring


def review_refs(due_by_iso: str | None) -> list[tuple[str, int]]:
    """(tenant_id, task_id) of monitored tasks due by then, or of all of them (None), soonest first."""
    items = query_index(
        records_table(), REVIEW_INDEX_PK, sort_to=f"{due_by_iso}#~" if due_by_iso else None, index="GSI2"
    )
    refs = []
    for item in reversed(items):
        tenant_part, _, task_id = item["PK"].rpartition("#DD#")
        refs.append((tenant_part.removeprefix("T#"), int(task_id)))
    return refs


def get_tasks(refs: Sequence[tuple[str, int]]) -> list[dict[str, Any]]:
    return batch_get(records_table(), [key(task_pk(t, i), TASK_SK) for t, i in refs], consistent=True)


def monitored_lists_version() -> str | None:
    response = ddb().get_item(TableName=records_table(), Key=key(*MONITOR_KEY), ConsistentRead=True)
    item = from_item(response.get("Item"))
    return item["lists_version"] if item else None


def set_monitored_lists_version(version: str) -> None:
    ddb().put_item(
        TableName=records_table(), Item=to_item({"PK": MONITOR_KEY[0], "SK": MONITOR_KEY[1], "lists_version": version})
    )
