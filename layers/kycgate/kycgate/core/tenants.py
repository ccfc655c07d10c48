"""Tenants and their API keys (hashed). Admin-only: reached from the CLI, never over HTTP.

A key is live (``kg_live_...``) or test-mode (``kg_test_...``). A test-mode key works on the same API
over data of its own: its caller's ``tenant_id`` is the tenant's test space (``<tenant>.test``), and
every key of tenant data starts with that id, so live and test data never see each other by the same
construction that keeps tenants apart. A key may name the person it was issued to (``name``,
``email``): the seeds' ``creator_*``, ``employee_*`` and ``auditor_*`` fields come from it, with the
key's number (``employee_id``, per tenant, from 1). Scopes add rights beyond the tenant API
(``reviewer``: decide reviews in live mode).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from kycgate.core import clock, ids
from kycgate.core.dynamo import ddb, from_item, is_transaction_condition_failure, key, records_table, to_item

API_KEY_PREFIX = "kg_live_"
TEST_KEY_PREFIX = "kg_test_"
KEY_PREFIXES = {"live": API_KEY_PREFIX, "test": TEST_KEY_PREFIX}
TEST_SPACE_SUFFIX = ".test"
SCOPES = frozenset({"reviewer"})


class Tenant(NamedTuple):
    tenant_id: str
    name: str
    created_at: str


class IssuedKey(NamedTuple):
    key_id: str
    tenant_id: str
    api_key: str  # shown once, never stored
    mode: str = "live"
    key_number: int = 0


class Caller(NamedTuple):
    """Who is calling a tenant route: resolved from the API key (locally) or the authorizer's context."""

    tenant_id: str  # the data space: the tenant's own id for a live key, its test space for a test key
    account_id: str  # the tenant itself, whatever the mode
    key_id: str
    key_number: int
    mode: str  # "live" | "test"
    name: str
    email: str
    scopes: tuple[str, ...]

    @property
    def is_test(self) -> bool:
        return self.mode == "test"

    @property
    def account(self) -> str:
        """What the seeds show as an employee's or creator's account: the e-mail, else the key id."""
        return self.email or self.key_id

    def authorizer_context(self) -> dict[str, str | int]:
        """The caller as API Gateway's authorizer context carries it (strings and numbers only)."""
        return {
            "tenant_id": self.tenant_id,
            "account_id": self.account_id,
            "key_id": self.key_id,
            "key_number": self.key_number,
            "mode": self.mode,
            "name": self.name,
            "email": self.email,
            "scopes": " ".join(self.scopes),
        }

    @classmethod
    def from_authorizer_context(cls, context: dict[str, object]) -> Caller | None:
        tenant_id = context.get("tenant_id")
        if not isinstance(tenant_id, str) or not tenant_id:
            return None
        return cls(
            tenant_id=tenant_id,
            account_id=str(context.get("account_id") or tenant_id),
            key_id=str(context.get("key_id") or ""),
            key_number=int(str(context.get("key_number") or 0)),
            mode=str(context.get("mode") or "live"),
            name=str(context.get("name") or ""),
            email=str(context.get("email") or ""),
            scopes=tuple(str(context.get("scopes") or "").split()),
        )


def data_space(tenant_id: str, mode: str) -> str:
    """The tenant id a caller's data lives under: the tenant's own, or its test space."""
    return tenant_id + TEST_SPACE_SUFFIX if mode == "test" else tenant_id


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


def create_key(
    tenant_id: str,
    *,
    mode: str = "live",
    name: str = "",
    email: str = "",
    scopes: Sequence[str] = (),
) -> IssuedKey:
    if mode not in KEY_PREFIXES:
        raise ValueError(f"mode must be one of {sorted(KEY_PREFIXES)}, got {mode!r}")
    unknown = sorted(set(scopes) - SCOPES)
    if unknown:
        raise ValueError(f"unknown scope(s) {unknown}; known: {sorted(SCOPES)}")
    if get_tenant(tenant_id) is None:
        raise LookupError(f"tenant {tenant_id} does not exist")
    key_number = _next_key_number(tenant_id)
    api_key = KEY_PREFIXES[mode] + ids.new_token()
    key_id = ids.new_id("key")
    digest = ids.digest(api_key)
    now = clock.now_iso()
    holder = {"mode": mode, "key_number": key_number, "name": name, "email": email, "scopes": " ".join(scopes)}
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
                            **holder,
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
                            **holder,
                        }
                    ),
                }
            },
        ]
    )
    return IssuedKey(key_id=key_id, tenant_id=tenant_id, api_key=api_key, mode=mode, key_number=key_number)


def _next_key_number(tenant_id: str) -> int:
    """The tenant's next key number (1, 2, ...): an atomic ADD on the tenant item. A failed create
    leaves a gap, never a duplicate."""
    response = ddb().update_item(
        TableName=records_table(),
        Key=key(tenant_pk(tenant_id), "TENANT"),
        UpdateExpression="ADD key_count :one",
        ConditionExpression="attribute_exists(PK)",
        ExpressionAttributeValues={":one": {"N": "1"}},
        ReturnValues="UPDATED_NEW",
    )
    return int(response["Attributes"]["key_count"]["N"])


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


def caller_for_key(api_key: str) -> Caller | None:
    """Who holds an API key, or None for an unknown or revoked key. One GetItem."""
    mode = next((m for m, prefix in KEY_PREFIXES.items() if api_key.startswith(prefix)), None)
    if mode is None:
        return None
    item = from_item(
        ddb().get_item(TableName=records_table(), Key=key(_key_lookup_pk(ids.digest(api_key)), "APIKEY")).get("Item")
    )
    if item is None or item.get("status") != "active" or item.get("mode", "live") != mode:
        return None
    return Caller(
        tenant_id=data_space(item["tenant_id"], mode),
        account_id=item["tenant_id"],
        key_id=item["key_id"],
        key_number=int(item.get("key_number") or 0),
        mode=mode,
        name=item.get("name") or "",
        email=item.get("email") or "",
        scopes=tuple((item.get("scopes") or "").split()),
    )
