"""DynamoDB keys and queries of gateway KYC applications (and their params' S3 object).

An application is its own partition, listed through GSI1 (newest first). The sparse GSI2 holds it
while it is ``pending``, in ``GATEWAY#PENDING`` under "<when the sweeper may next look at it>#<id>"
(its creation, then a dispatcher's lease, then its next retry: ``claim``), so the dispatch sweeper
re-sends a dispatch whose queue message was lost; and while it is ``failed``, in ``GATEWAY#FAILED``,
so ``kycgate gateway replay --failed`` finds it without a scan.

The provider's identifier points back at the application through its own item
(``GWID#<provider>#<identifier>``), written with the transition to ``submitted``: the inbound webhook
route, which knows no tenant, finds the application by it. The params as given (with images) are an
S3 object, since images outgrow DynamoDB's item size; the item keeps them with images blanked.

Every status change is one TransactWriteItems: the application's update conditioned on the status it
had, the history entry appended in the same update, and the callback delivery (queued after the commit).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from kycgate.core import blobs, clock, counters
from kycgate.core.dynamo import (
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
from kycgate.core.listing import ListQuery
from kycgate.core.tenants import tenant_pk
from kycgate.webhooks import outbox
from kycgate.webhooks.outbox import PendingDelivery, sweep_key

APPLICATION_SK = "GWAPP"
FAILED_INDEX_PK = "GATEWAY#FAILED"
PENDING_INDEX_PK = "GATEWAY#PENDING"
APPLICATIONS_COUNTER = "GATEWAY_APPLICATIONS"


def application_pk(tenant_id: str, application_id: str) -> str:
    return f"{tenant_pk(tenant_id)}#GWAPP#{application_id}"


def applications_index_pk(tenant_id: str) -> str:
    return f"{tenant_pk(tenant_id)}#GWAPPS"


def identifier_pk(provider: str, identifier: str) -> str:
    return f"GWID#{provider}#{identifier}"


def params_key(tenant_id: str, application_id: str) -> str:
    return f"{tenant_id}/gateway/{application_id}/params.json"


def put_params(tenant_id: str, application_id: str, params: dict[str, Any]) -> blobs.StoredBlob:
    """A new version of the application's params; the item names it (``params_version``) once committed."""
    return blobs.put(params_key(tenant_id, application_id), json.dumps(params).encode(), "application/json")


def discard_params(stored: blobs.StoredBlob | None) -> None:
    """Undo a ``put_params`` whose application write did not commit (no image may stay behind)."""
    if stored is not None:
        blobs.purge([stored])


def get_params(tenant_id: str, application_id: str, version_id: str | None) -> dict[str, Any]:
    return json.loads(blobs.get(params_key(tenant_id, application_id), version_id))


def create_application(tenant_id: str, application: dict[str, Any], deliveries: Sequence[PendingDelivery]) -> None:
    item = {
        "PK": application_pk(tenant_id, application["id"]),
        "SK": APPLICATION_SK,
        "GSI1PK": applications_index_pk(tenant_id),
        "GSI1SK": f"{application['created_at']}#{application['id']}",
        "GSI2PK": PENDING_INDEX_PK,
        "GSI2SK": sweep_key(clock.now(), application["id"]),
        **application,
    }
    put = {"TableName": records_table(), "Item": to_item(item), "ConditionExpression": "attribute_not_exists(PK)"}
    counted = counters.updates(tenant_id, {APPLICATIONS_COUNTER: {"total": 1}})
    outbox.commit([{"Put": put}, *counted], deliveries)


def applications_total(tenant_id: str) -> int:
    """The tenant's applications, from the counter their creates keep (applications are never deleted)."""
    return counters.read(tenant_id, [APPLICATIONS_COUNTER])[APPLICATIONS_COUNTER].get("total", 0)


def get_application(tenant_id: str, application_id: str) -> dict[str, Any] | None:
    response = ddb().get_item(
        TableName=records_table(),
        Key=key(application_pk(tenant_id, application_id), APPLICATION_SK),
        ConsistentRead=True,
    )
    return from_item(response.get("Item"))


def list_applications(tenant_id: str, *, status: str | None, provider: str | None) -> list[dict[str, Any]]:
    return query_index(
        records_table(), applications_index_pk(tenant_id), equals={"status": status, "provider": provider}
    )


def applications_query(tenant_id: str) -> ListQuery:
    return ListQuery(applications_index_pk(tenant_id))


def find_by_identifier(provider: str, identifier: str) -> tuple[str, str] | None:
    """(tenant_id, application id) of the application the provider calls ``identifier``."""
    response = ddb().get_item(TableName=records_table(), Key=key(identifier_pk(provider, identifier), "GWID"))
    item = from_item(response.get("Item"))
    return (item["tenant_id"], item["application_id"]) if item else None


def failed_applications(tenant_id: str | None) -> list[tuple[str, str]]:
    """(tenant_id, application id) of every failed application (of one tenant, or all)."""
    # GSI2 projects keys only: the tenant and id come from the application's own key.
    found = [_owner(item["PK"]) for item in query_index(records_table(), FAILED_INDEX_PK, index="GSI2")]
    return [f for f in found if tenant_id in (None, f[0])]


def overdue_pending(cutoff: float, limit: int) -> list[tuple[str, str, str]]:
    """Up to ``limit`` pending applications whose sweep time is before ``cutoff``, oldest first:
    (tenant_id, application id, current sweep key). One Query per 1 MB (keys only)."""
    kwargs: dict[str, Any] = {
        "TableName": records_table(),
        "IndexName": "GSI2",
        "KeyConditionExpression": "GSI2PK = :pk AND GSI2SK < :cutoff",
        "ExpressionAttributeValues": {":pk": to_value(PENDING_INDEX_PK), ":cutoff": to_value(clock.iso(cutoff))},
        "Limit": limit,
    }
    found: list[tuple[str, str, str]] = []
    while len(found) < limit:
        response = ddb().query(**kwargs)
        found += [(*_owner(raw["PK"]["S"]), raw["GSI2SK"]["S"]) for raw in response.get("Items", [])]
        if "LastEvaluatedKey" not in response:
            break
        kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]
    return found[:limit]


def claim(
    tenant_id: str, application_id: str, *, seen_sweep_key: str | None, until: float, due_by: float | None = None
) -> str | None:
    """Move a pending application's sweep time to ``until`` if nobody touched it since it was read
    with ``seen_sweep_key`` (and, with ``due_by``, its sweep time is not later: no lease or wait is
    running): a dispatcher's lease, a retry's wait or the sweeper's re-arming, so two of them never
    act on it at once. The new sweep key, or None when the condition failed."""
    new_key = sweep_key(until, application_id)
    condition = "#s = :pending AND GSI2PK = :index AND GSI2SK = :seen"
    values = {
        ":new": to_value(new_key),
        ":pending": to_value("pending"),
        ":index": to_value(PENDING_INDEX_PK),
        ":seen": to_value(seen_sweep_key or ""),
    }
    if due_by is not None:
        condition += " AND GSI2SK <= :due"
        values[":due"] = to_value(sweep_key(due_by, application_id))
    try:
        ddb().update_item(
            TableName=records_table(),
            Key=key(application_pk(tenant_id, application_id), APPLICATION_SK),
            UpdateExpression="SET GSI2SK = :new",
            ConditionExpression=condition,
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues=values,
        )
    except Exception as exc:
        if is_condition_failure(exc):
            return None
        raise
    return new_key


def _owner(pk: str) -> tuple[str, str]:
    """(tenant_id, application id) of an application's key (GSI2 projects keys only)."""
    tenant_part, _, application_id = pk.rpartition("#GWAPP#")
    return tenant_part.removeprefix(tenant_pk("")), application_id


def transition(
    tenant_id: str,
    application_id: str,
    *,
    from_status: str,
    to_status: str,
    change: dict[str, Any],
    sets: dict[str, Any],
    deliveries: Sequence[PendingDelivery],
    identifier: tuple[str, str] | None = None,
) -> bool:
    """Move the application from ``from_status`` to ``to_status`` (with ``sets``), append ``change`` to
    its history and store the deliveries, all or nothing; False when its status was no longer
    ``from_status`` (someone else moved it first). ``identifier`` (provider, id) writes the pointer."""
    names = {"#s": "status", "#h": "history", "#u": "updated_at"}
    values: dict[str, Any] = {":from": to_value(from_status), ":to": to_value(to_status), ":h": to_value([change])}
    values[":u"] = to_value(change["changed_at"])
    assignments = ["#s = :to", "#h = list_append(#h, :h)", "#u = :u"]
    removals: list[str] = []
    for i, (name, value) in enumerate(sets.items()):
        names[f"#a{i}"] = name
        if value is None:
            removals.append(f"#a{i}")
        else:
            values[f":a{i}"] = to_value(value)
            assignments.append(f"#a{i} = :a{i}")
    names.update({"#g2": "GSI2PK", "#g2s": "GSI2SK"})
    if to_status == "failed":
        values.update({":g2": to_value(FAILED_INDEX_PK), ":g2s": to_value(f"{change['changed_at']}#{application_id}")})
        assignments += ["#g2 = :g2", "#g2s = :g2s"]
    elif to_status == "pending":
        values.update({":g2": to_value(PENDING_INDEX_PK), ":g2s": to_value(sweep_key(clock.now(), application_id))})
        assignments += ["#g2 = :g2", "#g2s = :g2s"]
    else:
        removals += ["#g2", "#g2s"]
    expression = "SET " + ", ".join(assignments) + (" REMOVE " + ", ".join(removals) if removals else "")
    update = {
        "Update": {
            "TableName": records_table(),
            "Key": key(application_pk(tenant_id, application_id), APPLICATION_SK),
            "UpdateExpression": expression,
            "ConditionExpression": "#s = :from",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
    }
    items: list[dict[str, Any]] = [update]
    if identifier is not None:
        provider, provider_id = identifier
        pointer = {
            "PK": identifier_pk(provider, provider_id),
            "SK": "GWID",
            "tenant_id": tenant_id,
            "application_id": application_id,
        }
        items.append({"Put": {"TableName": records_table(), "Item": to_item(pointer)}})
    try:
        outbox.commit(items, deliveries)
    except Exception as exc:
        if is_transaction_condition_failure(exc):
            return False
        raise
    return True
