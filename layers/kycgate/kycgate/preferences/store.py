"""DynamoDB access of preferences: one item per tenant in RecordsTable.

Key: PK ``T#<tenant>`` SK ``PREFERENCES`` (unchanged since preferences were part of the KYC context:
no migration). The whole document is written at once, guarded by a ``version`` attribute.

DynamoDB calls: get_preferences 1 (GetItem), put_preferences 1 (PutItem). Document verification
and Re-Use KYC read the preferences beside the customer in one BatchGetItem (kyc.reference), with
``preferences_key``.
"""

from __future__ import annotations

from typing import Any

from kycgate.core.dynamo import ddb, from_item, is_condition_failure, key, records_table, to_item, to_value
from kycgate.core.tenants import tenant_pk

PREFERENCES_SK = "PREFERENCES"


class VersionConflict(Exception):
    """Someone else changed the record since it was read."""


def preferences_key(tenant_id: str) -> dict[str, Any]:
    return key(tenant_pk(tenant_id), PREFERENCES_SK)


def get_preferences(tenant_id: str) -> dict[str, Any] | None:
    """The stored preferences document and its version, or None. One GetItem."""
    response = ddb().get_item(TableName=records_table(), Key=preferences_key(tenant_id))
    return from_item(response.get("Item"))


def put_preferences(tenant_id: str, document: dict[str, Any], expected_version: int) -> None:
    """Write the whole document if nobody wrote since ``expected_version`` (0 = never written). One PutItem."""
    item = to_item({"PK": tenant_pk(tenant_id), "SK": PREFERENCES_SK, "version": expected_version + 1, **document})
    condition = "attribute_not_exists(PK)" if expected_version == 0 else "version = :v"
    values = {} if expected_version == 0 else {":v": to_value(expected_version)}
    try:
        ddb().put_item(
            TableName=records_table(),
            Item=item,
            ConditionExpression=condition,
            **({"ExpressionAttributeValues": values} if values else {}),
        )
    except Exception as exc:
        if is_condition_failure(exc):
            raise VersionConflict from exc
        raise
