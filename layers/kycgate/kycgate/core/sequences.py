"""Integer ids per tenant and kind (the seeds' `task_id`, `kya_id`, `idv_task_id`): 1, 2, 3, ...

One counter item per tenant and kind holds the last id given. A create reads it, then commits, in one
TransactWriteItems, the counter's step from that value to the next (conditional on the value read)
with the items that carry the new id. So an id is used only if its create commits — no gaps from
failed creates, no two creates with one id — and two concurrent creates cannot both win: the loser's
transaction is cancelled on the counter's condition and it reads again and retries (jittered). So does
one DynamoDB cancels for a concurrent transaction on one of its items (``TransactionConflict``: the
counter, or a count of core.counters the create moves).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from kycgate.core.dynamo import cancellation_reasons, ddb, key, pause_before_retry, records_table
from kycgate.core.errors import ServiceUnavailable
from kycgate.core.tenants import tenant_pk

# Concurrent creates of one tenant and kind retry; at 20 at once each wins within a few rounds.
_ATTEMPTS = 12
_BACKOFF_SECONDS = 0.01

BuildItems = Callable[[int], Sequence[dict[str, Any]]]


def counter_key(tenant_id: str, kind: str) -> dict[str, Any]:
    return key(tenant_pk(tenant_id), f"SEQ#{kind}")


def last_id(tenant_id: str, kind: str) -> int:
    item = ddb().get_item(TableName=records_table(), Key=counter_key(tenant_id, kind), ConsistentRead=True).get("Item")
    return int(item["last_id"]["N"]) if item else 0


def create_with_next_id(tenant_id: str, kind: str, build: BuildItems) -> int:
    """Commit ``build(new_id)``'s TransactWriteItems with the counter's step to ``new_id``; the id.

    ``build`` may run more than once (once per attempt): it must only build items, e.g. the record and
    its outbox deliveries (enqueue those the last call built after this returns). A cancellation for
    any reason other than the counter's condition is raised to the caller.
    """
    for attempt in range(_ATTEMPTS):
        current = last_id(tenant_id, kind)
        new_id = current + 1
        items = [_step(tenant_id, kind, current, new_id), *build(new_id)]
        try:
            ddb().transact_write_items(TransactItems=items)
            return new_id
        except Exception as exc:
            reasons = cancellation_reasons(exc)
            lost_race = reasons and reasons[0].get("Code") == "ConditionalCheckFailed"
            if not (lost_race or any(r.get("Code") == "TransactionConflict" for r in reasons)):
                raise
        pause_before_retry(attempt, _BACKOFF_SECONDS)
    raise ServiceUnavailable(f"Too many {kind} creates at once; retry shortly.")


def _step(tenant_id: str, kind: str, current: int, new_id: int) -> dict[str, Any]:
    condition = "attribute_not_exists(PK)" if current == 0 else "last_id = :current"
    values = {":next": {"N": str(new_id)}}
    if current:
        values[":current"] = {"N": str(current)}
    return {
        "Update": {
            "TableName": records_table(),
            "Key": counter_key(tenant_id, kind),
            "UpdateExpression": "SET last_id = :next",
            "ConditionExpression": condition,
            "ExpressionAttributeValues": values,
        }
    }
