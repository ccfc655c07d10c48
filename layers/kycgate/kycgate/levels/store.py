"""DynamoDB keys and queries, and the uploaded files in S3, of the levels context (seed 002).

RecordsTable (every key starts with the tenant's partition prefix)
- configuration  PK ``T#<t>#LEVELS``  SK ``CONFIG``: the whole configuration as one JSON document, versioned.
- client         PK ``T#<t>#LVCLIENT#<client>``  SK ``CLIENT``: approved levels, open applications by level.
- file           same PK, SK ``FILE#<file>``: an uploaded file (the bytes are in S3).
- document       same PK, SK ``DOC#<document>``: files made into a document for one attribute key.
- application    PK ``T#<t>#LVAPP#<application>``  SK ``APPLICATION``: the level as it was when created,
  the values, the liveness checks' state, the reviewer's notes; ``version`` for optimistic writes.
- event          same PK, SK ``EVENT#<at>#<version>``: the audit trail, one item per change.
SessionsTable (``expires_at`` TTL; expiry is decided in code)
- liveness token PK ``LVTOKEN#<sha256(token)>``  SK ``LVTOKEN``: resolves to one tenant's application.
- code           PK ``T#<t>#LVCODE#<application>#<sms|email>``  SK ``LVCODE``: the latest code, hashed.

Writes that change an application are one TransactWriteItems with its event (and its client, code or
token items and callbacks), so a change, its audit entry and its callback exist together or not at all.
DynamoDB calls per route are stated in the rules modules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from kycgate.core.dynamo import (
    batch_get,
    cancellation_reasons,
    ddb,
    from_item,
    is_condition_failure,
    key,
    live,
    records_table,
    sessions_table,
    to_item,
    to_value,
)
from kycgate.core.listing import ListQuery
from kycgate.core.tenants import tenant_pk
from kycgate.webhooks import outbox
from kycgate.webhooks.outbox import PendingDelivery

CONFIG_SK = "CONFIG"
CLIENT_SK = "CLIENT"
APPLICATION_SK = "APPLICATION"
TOKEN_SK = "LVTOKEN"  # noqa: S105 - a key name
CODE_SK = "LVCODE"


class AlreadyExists(Exception):
    """The item to create exists already."""


class StaleWrite(Exception):
    """A conditional write lost to a concurrent change; ``reasons`` are DynamoDB's per item (may be empty)."""

    def __init__(self, reasons: list[dict[str, Any]] | None = None) -> None:
        super().__init__("conditional write failed")
        self.reasons = reasons or []

    def failed(self, index: int) -> bool:
        """Whether the ``index``-th item of the transaction failed its condition."""
        return index < len(self.reasons) and self.reasons[index].get("Code") == "ConditionalCheckFailed"


def config_pk(tenant_id: str) -> str:
    return f"{tenant_pk(tenant_id)}#LEVELS"


def client_pk(tenant_id: str, client_uuid: str) -> str:
    return f"{tenant_pk(tenant_id)}#LVCLIENT#{client_uuid}"


def application_pk(tenant_id: str, application_uuid: str) -> str:
    return f"{tenant_pk(tenant_id)}#LVAPP#{application_uuid}"


def code_pk(tenant_id: str, application_uuid: str, provider: str) -> str:
    return f"{tenant_pk(tenant_id)}#LVCODE#{application_uuid}#{provider}"


def liveness_token_pk(token_digest: str) -> str:
    return f"LVTOKEN#{token_digest}"


def file_key(tenant_id: str, client_uuid: str, file_uuid: str, extension: str) -> str:
    return f"{tenant_id}/levels/{client_uuid}/files/{file_uuid}.{extension}"


# ---------------------------------------------------------------- configuration


def get_configuration(tenant_id: str) -> dict[str, Any] | None:
    """The configuration item (``document`` JSON, ``version``), or None. One GetItem."""
    return _get(records_table(), config_pk(tenant_id), CONFIG_SK)


def put_configuration(tenant_id: str, document: str, version: int, updated_at: str) -> None:
    """Replace the configuration if it is still at ``version - 1`` (StaleWrite otherwise). One PutItem."""
    item = {
        "PK": config_pk(tenant_id),
        "SK": CONFIG_SK,
        "document": document,
        "version": version,
        "updated_at": updated_at,
    }
    condition = "attribute_not_exists(PK)" if version == 1 else "version = :previous"
    kwargs: dict[str, Any] = {"ConditionExpression": condition}
    if version > 1:
        kwargs["ExpressionAttributeValues"] = {":previous": to_value(version - 1)}
    try:
        ddb().put_item(TableName=records_table(), Item=to_item(item), **kwargs)
    except Exception as exc:
        if is_condition_failure(exc):
            raise StaleWrite from exc
        raise


# ---------------------------------------------------------------- clients, files, documents


def put_client(tenant_id: str, client: dict[str, Any]) -> None:
    """Create a client unless the tenant has one with that UUID (AlreadyExists). One PutItem."""
    item = {"PK": client_pk(tenant_id, client["client_uuid"]), "SK": CLIENT_SK, **client}
    try:
        ddb().put_item(TableName=records_table(), Item=to_item(item), ConditionExpression="attribute_not_exists(PK)")
    except Exception as exc:
        if is_condition_failure(exc):
            raise AlreadyExists from exc
        raise


def get_client(tenant_id: str, client_uuid: str) -> dict[str, Any] | None:
    """One GetItem."""
    return _get(records_table(), client_pk(tenant_id, client_uuid), CLIENT_SK)


def get_client_and_configuration(
    tenant_id: str, client_uuid: str
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The client and the configuration in one BatchGetItem."""
    keys = [key(client_pk(tenant_id, client_uuid), CLIENT_SK), key(config_pk(tenant_id), CONFIG_SK)]
    found = {item["SK"]: item for item in batch_get(records_table(), keys, consistent=True)}
    return found.get(CLIENT_SK), found.get(CONFIG_SK)


def client_items(tenant_id: str, client_uuid: str, sort_keys: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The client's files or documents by sort key (those that exist). One BatchGetItem per 100."""
    pk = client_pk(tenant_id, client_uuid)
    keys = [key(pk, sk) for sk in dict.fromkeys(sort_keys)]
    return {item["SK"]: item for item in batch_get(records_table(), keys, consistent=True)} if keys else {}


def client_item_put(tenant_id: str, client_uuid: str, sort_key: str, item: dict[str, Any]) -> dict[str, Any]:
    """A TransactWriteItems entry creating a file or document item."""
    full = {"PK": client_pk(tenant_id, client_uuid), "SK": sort_key, **item}
    return {
        "Put": {"TableName": records_table(), "Item": to_item(full), "ConditionExpression": "attribute_not_exists(PK)"}
    }


def put_blob(object_key: str, data: bytes, content_type: str) -> Any:
    from kycgate.core import blobs  # S3: only the upload and liveness routes load it

    return blobs.put(object_key, data, content_type)


def purge_blobs(stored: Sequence[Any]) -> None:
    from kycgate.core import blobs

    blobs.purge(stored)


def read_blob(object_key: str) -> bytes:
    from kycgate.core import blobs

    return blobs.get(object_key)


# ---------------------------------------------------------------- applications


def get_application(tenant_id: str, application_uuid: str) -> dict[str, Any] | None:
    """One GetItem."""
    return _get(records_table(), application_pk(tenant_id, application_uuid), APPLICATION_SK)


def application_put(tenant_id: str, application: dict[str, Any]) -> dict[str, Any]:
    item = {"PK": application_pk(tenant_id, application["kyc_application_uuid"]), "SK": APPLICATION_SK, **application}
    return {
        "Put": {"TableName": records_table(), "Item": to_item(item), "ConditionExpression": "attribute_not_exists(PK)"}
    }


def application_update(
    tenant_id: str,
    application_uuid: str,
    changes: Mapping[str, Any],
    *,
    expected_version: int,
    expected_statuses: Iterable[str],
    remove: Iterable[str] = (),
) -> dict[str, Any]:
    """A TransactWriteItems entry: set ``changes`` (top-level attributes) and bump ``version``, if the
    application is still at ``expected_version`` and in one of ``expected_statuses``."""
    names: dict[str, str] = {"#version": "version", "#status": "status"}
    values: dict[str, Any] = {":expected": to_value(expected_version), ":one": to_value(1)}
    assignments = ["#version = #version + :one"]
    for i, (name, value) in enumerate(changes.items()):
        names[f"#c{i}"] = name
        values[f":c{i}"] = to_value(value)
        assignments.append(f"#c{i} = :c{i}")
    statuses = []
    for i, status in enumerate(expected_statuses):
        values[f":s{i}"] = to_value(status)
        statuses.append(f":s{i}")
    expression = "SET " + ", ".join(assignments)
    removed = []
    for i, name in enumerate(remove):
        names[f"#r{i}"] = name
        removed.append(f"#r{i}")
    if removed:
        expression += " REMOVE " + ", ".join(removed)
    return {
        "Update": {
            "TableName": records_table(),
            "Key": key(application_pk(tenant_id, application_uuid), APPLICATION_SK),
            "UpdateExpression": expression,
            "ConditionExpression": f"#version = :expected AND #status IN ({', '.join(statuses)})",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
    }


def liveness_state_update(
    tenant_id: str, application_uuid: str, attribute_key: str, state: dict[str, Any], expected: Mapping[str, Any]
) -> dict[str, Any]:
    """A TransactWriteItems entry replacing one liveness check's state, if its fields in ``expected``
    still hold those values (a missing value: the field must be absent) and the application is editable.

    Liveness writes leave ``version`` alone: a token issued on GET must not make a concurrent PATCH fail.
    """
    names = {"#l": "liveness", "#k": attribute_key, "#status": "status"}
    values: dict[str, Any] = {":state": to_value(state), ":draft": to_value("draft"), ":pending": to_value("pending")}
    conditions = ["#status IN (:draft, :pending)"]
    for i, (name, value) in enumerate(expected.items()):
        names[f"#e{i}"] = name
        if value is None:
            conditions.append(f"attribute_not_exists(#l.#k.#e{i})")
        else:
            values[f":e{i}"] = to_value(value)
            conditions.append(f"#l.#k.#e{i} = :e{i}")
    return {
        "Update": {
            "TableName": records_table(),
            "Key": key(application_pk(tenant_id, application_uuid), APPLICATION_SK),
            "UpdateExpression": "SET #l.#k = :state",
            "ConditionExpression": " AND ".join(conditions),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
    }


def client_open_application(
    tenant_id: str, client_uuid: str, level_uuid: str, application_uuid: str, now_iso: str
) -> dict[str, Any]:
    """A TransactWriteItems entry: the client's open application for the level is this one, if it has none
    (one open application per client and level, under any concurrency)."""
    return {
        "Update": {
            "TableName": records_table(),
            "Key": key(client_pk(tenant_id, client_uuid), CLIENT_SK),
            "UpdateExpression": "SET #open.#level = :app, last_kyc_application_uuid = :app, updated_at = :now",
            "ConditionExpression": "attribute_exists(PK) AND attribute_not_exists(#open.#level)",
            "ExpressionAttributeNames": {"#open": "open_applications", "#level": level_uuid},
            "ExpressionAttributeValues": {":app": to_value(application_uuid), ":now": to_value(now_iso)},
        }
    }


def client_close_application(
    tenant_id: str, client_uuid: str, level_uuid: str, application_uuid: str, outcome: str, now_iso: str
) -> dict[str, Any]:
    """A TransactWriteItems entry: the application's decision on its client (approved or rejected level),
    if it is still the client's open application for the level."""
    listed = "approved_levels" if outcome == "approved" else "rejected_levels"
    expression = (
        "REMOVE #open.#level SET #listed = list_append(if_not_exists(#listed, :empty), :level), updated_at = :now"
    )
    if outcome == "approved":
        expression += ", current_kyc_level_uuid = :level_uuid"
    values = {
        ":app": to_value(application_uuid),
        ":level": to_value([level_uuid]),
        ":empty": to_value([]),
        ":now": to_value(now_iso),
    }
    if outcome == "approved":
        values[":level_uuid"] = to_value(level_uuid)
    return {
        "Update": {
            "TableName": records_table(),
            "Key": key(client_pk(tenant_id, client_uuid), CLIENT_SK),
            "UpdateExpression": expression,
            "ConditionExpression": "#open.#level = :app",
            "ExpressionAttributeNames": {"#open": "open_applications", "#level": level_uuid, "#listed": listed},
            "ExpressionAttributeValues": values,
        }
    }


def event_put(tenant_id: str, application_uuid: str, version: int, event: dict[str, Any]) -> dict[str, Any]:
    """A TransactWriteItems entry: one audit event (its sort key orders the trail)."""
    item = {
        "PK": application_pk(tenant_id, application_uuid),
        "SK": f"EVENT#{event['at']}#{version:08d}",
        **event,
    }
    return {
        "Put": {"TableName": records_table(), "Item": to_item(item), "ConditionExpression": "attribute_not_exists(SK)"}
    }


def events_query(tenant_id: str, application_uuid: str) -> ListQuery:
    """The application's audit trail, oldest first, from its own partition (read consistently)."""
    return ListQuery(application_pk(tenant_id, application_uuid), None, "EVENT#", "EVENT#~", newest_first=False)


_SINGLE_ITEM_CALLS = {"Put": "put_item", "Update": "update_item", "Delete": "delete_item"}


def commit(items: Sequence[dict[str, Any]], deliveries: Sequence[PendingDelivery] = ()) -> None:
    """The items (and the callbacks' outbox items) all or nothing, then the queue send. StaleWrite when a
    condition failed, with DynamoDB's reasons so the caller can tell which.

    A lone item is written with its own single-item call (PutItem, UpdateItem, DeleteItem) instead of a
    TransactWriteItems of one: the same condition, at half the write capacity a transaction costs.
    """
    if len(items) == 1 and not deliveries:
        ((operation, request),) = items[0].items()
        if operation in _SINGLE_ITEM_CALLS:
            try:
                getattr(ddb(), _SINGLE_ITEM_CALLS[operation])(**request)
            except Exception as exc:
                if is_condition_failure(exc):
                    raise StaleWrite([{"Code": "ConditionalCheckFailed"}]) from exc
                raise
            return
    try:
        outbox.commit(items, deliveries)
    except Exception as exc:
        reasons = cancellation_reasons(exc)
        if any(r.get("Code") == "ConditionalCheckFailed" for r in reasons):
            raise StaleWrite(reasons) from exc
        raise


# ---------------------------------------------------------------- liveness tokens


def liveness_token_put(token_digest: str, pointer: dict[str, Any]) -> dict[str, Any]:
    item = {"PK": liveness_token_pk(token_digest), "SK": TOKEN_SK, **pointer}
    return {
        "Put": {"TableName": sessions_table(), "Item": to_item(item), "ConditionExpression": "attribute_not_exists(PK)"}
    }


def get_liveness_token(token_digest: str) -> dict[str, Any] | None:
    """The token's pointer (None when unknown or past its retention). One GetItem."""
    return _get(sessions_table(), liveness_token_pk(token_digest), TOKEN_SK)


# ---------------------------------------------------------------- verification codes


def get_code(tenant_id: str, application_uuid: str, provider: str) -> dict[str, Any] | None:
    """The latest code item (None when none or past its retention). One GetItem."""
    return _get(sessions_table(), code_pk(tenant_id, application_uuid, provider), CODE_SK)


def put_code(tenant_id: str, application_uuid: str, provider: str, code: dict[str, Any], expected_version: int) -> None:
    """Store a new code if the item is still at ``expected_version`` (0: absent); StaleWrite otherwise.

    The rate limit is decided on the item read before; this condition makes two concurrent sends
    count as two (one of them loses and is answered 429). One PutItem.
    """
    item = {
        "PK": code_pk(tenant_id, application_uuid, provider),
        "SK": CODE_SK,
        **code,
        "version": expected_version + 1,
    }
    kwargs: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(PK)"}
    if expected_version:
        kwargs = {
            "ConditionExpression": "version = :v",
            "ExpressionAttributeValues": {":v": to_value(expected_version)},
        }
    try:
        ddb().put_item(TableName=sessions_table(), Item=to_item(item), **kwargs)
    except Exception as exc:
        if is_condition_failure(exc):
            raise StaleWrite from exc
        raise


def count_wrong_code(tenant_id: str, application_uuid: str, provider: str, code_id: str) -> None:
    """One more wrong attempt on that code (if it is still the current one). One UpdateItem."""
    try:
        ddb().update_item(
            TableName=sessions_table(),
            Key=key(code_pk(tenant_id, application_uuid, provider), CODE_SK),
            UpdateExpression="ADD attempts :one",
            ConditionExpression="code_id = :id",
            ExpressionAttributeValues={":one": to_value(1), ":id": to_value(code_id)},
        )
    except Exception as exc:
        if not is_condition_failure(exc):  # replaced by a new code meanwhile: nothing to count
            raise


def code_consume(
    tenant_id: str, application_uuid: str, provider: str, code_id: str, max_attempts: int
) -> dict[str, Any]:
    """A TransactWriteItems entry: the code is used up (a code signs once), if it is still that code and
    not locked by wrong attempts."""
    return {
        "Update": {
            "TableName": sessions_table(),
            "Key": key(code_pk(tenant_id, application_uuid, provider), CODE_SK),
            "UpdateExpression": "SET used = :true",
            "ConditionExpression": "code_id = :id AND attempts < :max AND used = :false",
            "ExpressionAttributeValues": {
                ":id": to_value(code_id),
                ":max": to_value(max_attempts),
                ":true": to_value(True),
                ":false": to_value(False),
            },
        }
    }


# ---------------------------------------------------------------- helpers


def _get(table: str, pk: str, sk: str) -> dict[str, Any] | None:
    response = ddb().get_item(TableName=table, Key=key(pk, sk), ConsistentRead=True)
    return live(from_item(response.get("Item")))
