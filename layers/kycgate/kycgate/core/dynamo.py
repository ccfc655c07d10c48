"""DynamoDB access shared by every store: table names, (de)serialisation, conditional-write helpers."""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from kycgate.core import aws, clock
from kycgate.core.errors import ServiceUnavailable
from kycgate.core.settings import get_settings

# BatchGetItem takes 100 keys; what DynamoDB leaves unprocessed (throughput) is asked again, backing off.
_BATCH_GET_KEYS = 100
_BATCH_GET_TRIES = 5
# The longest pause between two tries of a write: a request's tries must end well inside API
# Gateway's 29 s. Uncapped, a dozen doublings from 10 ms slept 20 s on average (41 s at worst).
_MAX_PAUSE_SECONDS = 0.25

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def ddb() -> Any:
    return aws.client("dynamodb")


def records_table() -> str:
    return get_settings().records_table


def sessions_table() -> str:
    return get_settings().sessions_table


def to_item(data: dict[str, Any]) -> dict[str, Any]:
    """Plain Python (floats allowed, None dropped) -> DynamoDB attribute values."""
    return {k: _serializer.serialize(_decimals(v)) for k, v in data.items() if v is not None}


def to_value(value: Any) -> dict[str, Any]:
    return _serializer.serialize(_decimals(value))


def from_item(item: dict[str, Any] | None) -> dict[str, Any] | None:
    if item is None:
        return None
    return {k: _plain(_deserializer.deserialize(v)) for k, v in item.items()}


def key(pk: str, sk: str) -> dict[str, Any]:
    return {"PK": {"S": pk}, "SK": {"S": sk}}


def set_attributes(
    table: str, item_key: dict[str, Any], changes: dict[str, Any], condition: str, condition_values: dict[str, Any]
) -> dict[str, Any]:
    """The UpdateItem parameters that SET ``changes`` on the item at ``item_key`` when ``condition`` holds
    (``condition_values`` are its plain ``:placeholder`` values); attribute names go through placeholders,
    so a change may name any attribute, reserved words included."""
    names = {f"#c{i}": name for i, name in enumerate(changes)}
    values = {f":c{i}": to_value(value) for i, value in enumerate(changes.values())}
    return {
        "TableName": table,
        "Key": item_key,
        "UpdateExpression": "SET " + ", ".join(f"#c{i} = :c{i}" for i in range(len(changes))),
        "ConditionExpression": condition,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": {**values, **{k: to_value(v) for k, v in condition_values.items()}},
    }


def batch_get(table: str, keys: Sequence[dict[str, Any]], *, consistent: bool = False) -> list[dict[str, Any]]:
    """The items of ``keys`` that exist, in no particular order. One BatchGetItem per 100 keys, plus one
    per round of keys DynamoDB left unprocessed; 503 if some are still unprocessed after the last round."""
    found: list[dict[str, Any]] = []
    for start in range(0, len(keys), _BATCH_GET_KEYS):
        chunk = list(keys[start : start + _BATCH_GET_KEYS])
        request: dict[str, Any] = {table: {"Keys": chunk, "ConsistentRead": consistent}}
        for attempt in range(_BATCH_GET_TRIES):
            response = ddb().batch_get_item(RequestItems=request)
            found += [from_item(raw) or {} for raw in response.get("Responses", {}).get(table, [])]
            request = response.get("UnprocessedKeys") or {}
            if not request:
                break
            pause_before_retry(attempt, 0.05)
        else:
            raise ServiceUnavailable("The records table is busy; retry shortly.")
    return found


def pause_before_retry(attempt: int, base_seconds: float) -> None:
    """Sleep before try ``attempt + 1``: full jitter over ``base_seconds * 2**attempt``, capped."""
    time.sleep(random.uniform(0, min(_MAX_PAUSE_SECONDS, base_seconds * 2**attempt)))  # noqa: S311 - jitter


def _error_response(exc: Exception) -> dict[str, Any]:
    # botocore's timeouts and connection errors carry `response = None` (from requests), not a dict.
    response = getattr(exc, "response", None)
    return response if isinstance(response, dict) else {}


def is_condition_failure(exc: Exception) -> bool:
    code = _error_response(exc).get("Error", {}).get("Code")
    return code == "ConditionalCheckFailedException"


def cancellation_reasons(exc: Exception) -> list[dict[str, Any]]:
    """Per-item reasons of a cancelled TransactWriteItems (in request order); [] for any other error."""
    response = _error_response(exc)
    if response.get("Error", {}).get("Code") != "TransactionCanceledException":
        return []
    return response.get("CancellationReasons") or []


def is_transaction_condition_failure(exc: Exception) -> bool:
    return any(r.get("Code") == "ConditionalCheckFailed" for r in cancellation_reasons(exc))


def live(item: dict[str, Any] | None) -> dict[str, Any] | None:
    """Treat an item whose ``expires_at`` has passed as absent (TTL deletes up to days late)."""
    if item is None:
        return None
    expires_at = item.get("expires_at")
    if expires_at is not None and expires_at <= clock.now():
        return None
    return item


def _decimals(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {k: _decimals(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_decimals(v) for v in value]
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, set):
        return {_plain(v) for v in value}
    if hasattr(value, "value") and type(value).__name__ == "Binary":
        return bytes(value.value)
    return value


def query_index(
    table: str,
    partition: str,
    *,
    equals: dict[str, Any] | None = None,
    sort_from: str | None = None,
    sort_to: str | None = None,
    index: str = "GSI1",
) -> list[dict[str, Any]]:
    """Every item of one index partition, newest (highest sort key) first, optionally narrowed.

    ``sort_from``/``sort_to`` bound the sort key (inclusive, a key condition); ``equals`` filters on
    attributes whose wanted value is not None. One Query per 1 MB page.
    """
    pk_name, sk_name = f"{index}PK", f"{index}SK"
    names = {"#pk": pk_name}
    values: dict[str, Any] = {":pk": to_value(partition)}
    condition = "#pk = :pk"
    if sort_from:
        values[":from"] = to_value(sort_from)
    if sort_to:
        values[":to"] = to_value(sort_to)
    if sort_from or sort_to:
        names["#sk"] = sk_name
        # DynamoDB refuses an empty string as a key value, so an open end is a different operator.
        condition += {
            (True, True): " AND #sk BETWEEN :from AND :to",
            (True, False): " AND #sk >= :from",
            (False, True): " AND #sk <= :to",
        }[(bool(sort_from), bool(sort_to))]
    filters = []
    for i, (name, value) in enumerate((equals or {}).items()):
        if value is not None:
            names[f"#e{i}"] = name
            values[f":e{i}"] = to_value(value)
            filters.append(f"#e{i} = :e{i}")
    kwargs: dict[str, Any] = {
        "TableName": table,
        "IndexName": index,
        "KeyConditionExpression": condition,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
        "ScanIndexForward": False,
    }
    if filters:
        kwargs["FilterExpression"] = " AND ".join(filters)
    items: list[dict[str, Any]] = []
    while True:
        response = ddb().query(**kwargs)
        items.extend(item for raw in response.get("Items", []) if (item := from_item(raw)) is not None)
        if "LastEvaluatedKey" not in response:
            return items
        kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]
