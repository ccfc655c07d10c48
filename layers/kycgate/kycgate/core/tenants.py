"""Tenants and their API keys (hashed). Admin-only: reached from the CLI, never over HTTP."""

from __future__ import annotations

from typing import NamedTuple

from kycgate.core import clock, ids
from kycgate.core.dynamo import ddb, from_item, is_transaction_condition_failure, key, records_table, to_item

API_KEY_PREFIX = "kg_live_"


class Tenant(NamedTuple):
    tenant_id: str
    name: str
    created_at: str


class IssuedKey(NamedTuple):
    key_id: str
    tenant_id: str
    api_key: str  # shown once, never stored


def tenant_pk(tenant_id: str) -> str:
    """The partition prefix every tenant-owned key starts with (tenant isolation by construction)."""
    return f"T#{tenant_id}"


def _key_lookup_pk(api_key_digest: str) -> str:
    return f"APIKEY#{api_key_digest}"


def create_tenant(name: str, tenant_id: str | None = None) -> Tenant:
    tenant = Tenant(tenant_id=tenant_id or ids.new_id("ten"), name=name, created_at=clock.now_iso())
    ddb().put_item(
        TableName=records_table(),
        Item=to_item(
            {"PK": tenant_pk(tenant.tenant_id), "SK": "TENANT", "name": name, "created_at": tenant.created_at}
        ),
        ConditionExpression="attribute_not_exists(PK)",
    )
    return tenant


def get_tenant(tenant_id: str) -> Tenant | None:
    item = from_item(ddb().get_item(TableName=records_table(), Key=key(tenant_pk(tenant_id), "TENANT")).get("Item"))
    if item is None:
        return None
    return Tenant(tenant_id=tenant_id, name=item["name"], created_at=item["created_at"])


def create_key(tenant_id: str) -> IssuedKey:
    if get_tenant(tenant_id) is None:
        raise LookupError(f"tenant {tenant_id} does not exist")
    api_key = API_KEY_PREFIX + ids.new_token()
    key_id = ids.new_id("key")
    digest = ids.digest(api_key)
    now = clock.now_iso()
    ddb().transact_write_items(
        TransactItems=[
            {
                "Put": {
                    "TableName": records_table(),
                    "Item": to_item(
                        {
                            "PK": _key_lookup_pk(digest),
                            "SK": "APIKEY",
                            "tenant_id": tenant_id,
                            "key_id": key_id,
                            "status": "active",
                            "created_at": now,
                        }
                    ),
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            },
            {
                "Put": {
                    "TableName": records_table(),
                    "Item": to_item(
                        {
                            "PK": tenant_pk(tenant_id),
                            "SK": f"APIKEYID#{key_id}",
                            "digest": digest,
                            "status": "active",
                            "created_at": now,
                        }
                    ),
                }
            },
        ]
    )
    return IssuedKey(key_id=key_id, tenant_id=tenant_id, api_key=api_key)


def revoke_key(tenant_id: str, key_id: str) -> bool:
    """Revoke one key; False when the tenant has no such active key."""
    item = from_item(
        ddb().get_item(TableName=records_table(), Key=key(tenant_pk(tenant_id), f"APIKEYID#{key_id}")).get("Item")
    )
    if item is None or item["status"] != "active":
        return False
    revoked = {":r": {"S": "revoked"}, ":a": {"S": "active"}}
    try:
        ddb().transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": records_table(),
                        "Key": key(tenant_pk(tenant_id), f"APIKEYID#{key_id}"),
                        "UpdateExpression": "SET #s = :r",
                        "ConditionExpression": "#s = :a",
                        "ExpressionAttributeNames": {"#s": "status"},
                        "ExpressionAttributeValues": revoked,
                    }
                },
                {
                    "Update": {
                        "TableName": records_table(),
                        "Key": key(_key_lookup_pk(item["digest"]), "APIKEY"),
                        "UpdateExpression": "SET #s = :r",
                        "ConditionExpression": "#s = :a",
                        "ExpressionAttributeNames": {"#s": "status"},
                        "ExpressionAttributeValues": revoked,
                    }
                },
            ]
        )
    except Exception as exc:
        if is_transaction_condition_failure(exc):
            return False
        raise
    return True


def tenant_for_key(api_key: str) -> str | None:
    """The tenant an API key belongs to, or None for an unknown or revoked key. One GetItem."""
    if not api_key.startswith(API_KEY_PREFIX):
        return None
    item = from_item(
        ddb().get_item(TableName=records_table(), Key=key(_key_lookup_pk(ids.digest(api_key)), "APIKEY")).get("Item")
    )
    if item is None or item.get("status") != "active":
        return None
    return item["tenant_id"]
