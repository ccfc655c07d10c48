"""DynamoDB keys and queries, and the proofs in S3, of the KYC context.

Every DynamoDB key starts with the tenant's partition prefix and every S3 key with the tenant id.
Each customer and each KYC request is its own partition (tenant-wide lists go through GSI1), so
one busy tenant never concentrates its writes on a single partition key.

DynamoDB calls per route (the API key lookup of the local auth dependency comes on top; in AWS
the API Gateway authorizer does it, cached):
- create_customer: 1 (PutItem). get_customer, check_kyc_status, get_kyc_proofs, get_kyc_request: 1 (GetItem).
- verify_documents: 3 — one BatchGetItem (preferences + customer, kyc.reference), one Query (the
  customer's open Re-Use KYC alerts, for the risk score) and one TransactWriteItems (request + customer
  + pending delivery). Measured in tests/integration/test_kyc_verification.py.
  S3: one PutObject per image before the transaction, one DeleteObjects when it fails.
- update_kyc_status: 3 — GetItem request, GetItem customer, TransactWriteItems.
- Every status change is one TransactWriteItems built by ``commit_change`` (RequestChange lists them).
- list_customers, list_kyc_requests: one Query of page_size + 1 items (core.listing) and one BatchGetItem
  of the counters for `total`; a created range or customer_id filter counts its rows with one COUNT
  Query (no counter can hold every range).

Indexes (every one sorted by ``<created_at>#<id>``, so a created range is a key condition):
- GSI1 ``T#<t>#CUSTOMERS`` / ``T#<t>#KYCREQUESTS``: all of the tenant's customers / requests.
- GSI3 ``...#STATUS#<status>``: by kyc_status / status (moved by the same write that changes the status).
- GSI4 ``T#<t>#KYCREQUESTS#CUSTOMER#<customer_id>``: one customer's requests.
- GSI5 ``T#<t>#KYCREQUESTS#DOCTYPE#<document_type>``: requests by document type.

Counters (core.counters) in the same transaction as every write that changes them: ``CUSTOMERS``
(total, kyc_status#<s>), ``KYC_REQUESTS`` (total, status#<s>, risk#<level>, document_type#<t>) and per
day ``KYC_REQUESTS#DAY#<yyyy-mm-dd>`` (status#approved, status#declined: decisions taken that day).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from kycgate.core import blobs, counters
from kycgate.core.blobs import StoredBlob
from kycgate.core.dynamo import (
    batch_get,
    cancellation_reasons,
    ddb,
    from_item,
    is_transaction_condition_failure,
    key,
    live,
    records_table,
    sessions_table,
    to_item,
    to_value,
)
from kycgate.core.listing import ListQuery
from kycgate.core.tenants import tenant_pk
from kycgate.kyc.reference import CUSTOMER_SK, customer_pk
from kycgate.webhooks import outbox
from kycgate.webhooks.outbox import PendingDelivery

if TYPE_CHECKING:  # Pillow is imported only by the routes that decode images
    from kycgate.core.images import ImageProof

KYC_REQUEST_SK = "KYC_REQUEST"
OPEN_LINK_SK = "OPENLINK"
# Attributes of a KYC request only the backend reads: never part of a wire body.
PROOF_KEYS = "proof_keys"
SELFIE_TEMPLATE = "selfie_template"
FACE_BACKEND = "face_backend"
RULES = "rules"  # a submit link's preferences snapshot (kyc.requirements.RULES)
HANDOFF = "handoff"  # the request's latest handoff link: token, token_digest, expires_at (idempotent replays)


class AlreadyExists(Exception):
    """The item to create exists already."""


class StaleWrite(Exception):
    """A conditional write lost to a concurrent change; the caller re-reads and decides again.

    ``args[0]`` is DynamoDB's error: ``lost_to(stale.args[0], i)`` tells which entry's condition failed.
    """


class CustomerKycChange(NamedTuple):
    """What one KYC decision does to the customer item."""

    customer_id: str
    expected_version: int
    from_kyc_status: str  # the status the customer had at expected_version (its counters move from it)
    kyc_id: str
    kyc_status: str
    updated_at: str
    reference_face: dict[str, Any] | None  # set when given; removed otherwise
    birthday: str | None = None  # set when given; kept otherwise


CUSTOMERS_COUNTER = "CUSTOMERS"
KYC_REQUESTS_COUNTER = "KYC_REQUESTS"
DECISIONS = ("approved", "declined")  # counted per day for the overview's range


def customers_index_pk(tenant_id: str) -> str:
    return f"{tenant_pk(tenant_id)}#CUSTOMERS"


def customers_status_pk(tenant_id: str, kyc_status: str) -> str:
    return f"{customers_index_pk(tenant_id)}#STATUS#{kyc_status}"


def kyc_requests_status_pk(tenant_id: str, status: str) -> str:
    return f"{kyc_requests_index_pk(tenant_id)}#STATUS#{status}"


def kyc_requests_customer_pk(tenant_id: str, customer_id: str) -> str:
    return f"{kyc_requests_index_pk(tenant_id)}#CUSTOMER#{customer_id}"


def kyc_requests_document_type_pk(tenant_id: str, document_type: str) -> str:
    return f"{kyc_requests_index_pk(tenant_id)}#DOCTYPE#{document_type}"


def kyc_request_pk(tenant_id: str, kyc_id: str) -> str:
    return f"{tenant_pk(tenant_id)}#KYC#{kyc_id}"


def kyc_requests_index_pk(tenant_id: str) -> str:
    return f"{tenant_pk(tenant_id)}#KYCREQUESTS"


def open_link_pk(tenant_id: str, customer_id: str) -> str:
    return f"{tenant_pk(tenant_id)}#KYCLINK#{customer_id}"


def proof_key(tenant_id: str, kyc_id: str, proof_type: str, extension: str) -> str:
    return f"{tenant_id}/kyc/{kyc_id}/{proof_type}.{extension}"


# ---------------------------------------------------------------- customers


def put_customer(tenant_id: str, document: dict[str, Any]) -> None:
    """Create a customer unless the tenant already has one with that id (AlreadyExists).

    One TransactWriteItems: the customer and its counters."""
    customer_id = document["customer_id"]
    sort_key = f"{document['created_at']}#{customer_id}"
    item = {
        "PK": customer_pk(tenant_id, customer_id),
        "SK": CUSTOMER_SK,
        "GSI1PK": customers_index_pk(tenant_id),
        "GSI1SK": sort_key,
        "GSI3PK": customers_status_pk(tenant_id, document["kyc_status"]),
        "GSI3SK": sort_key,
        "version": 1,
        **document,
    }
    put = {
        "Put": {"TableName": records_table(), "Item": to_item(item), "ConditionExpression": "attribute_not_exists(PK)"}
    }
    deltas = {CUSTOMERS_COUNTER: {"total": 1, f"kyc_status#{document['kyc_status']}": 1}}
    try:
        counters.retry_conflicts(
            lambda: ddb().transact_write_items(TransactItems=[put, *counters.updates(tenant_id, deltas)])
        )
    except Exception as exc:
        if is_transaction_condition_failure(exc):
            raise AlreadyExists from exc
        raise


def get_customer(tenant_id: str, customer_id: str) -> dict[str, Any] | None:
    """The customer item, or None. One GetItem."""
    response = ddb().get_item(
        TableName=records_table(), Key=key(customer_pk(tenant_id, customer_id), CUSTOMER_SK), ConsistentRead=True
    )
    return from_item(response.get("Item"))


def customers_query(
    tenant_id: str, *, kyc_status: str | None, created_from: str | None, created_to: str | None
) -> ListQuery:
    """The index partition (and created range) of the tenant's customers, or those with ``kyc_status``."""
    partition = customers_status_pk(tenant_id, kyc_status) if kyc_status else customers_index_pk(tenant_id)
    return _created_query(partition, "GSI3" if kyc_status else "GSI1", created_from, created_to)


def customers_total(tenant_id: str, *, kyc_status: str | None) -> int:
    counts = counters.read(tenant_id, [CUSTOMERS_COUNTER])[CUSTOMERS_COUNTER]
    return counts.get(f"kyc_status#{kyc_status}" if kyc_status else "total", 0)


# ---------------------------------------------------------------- KYC requests


def put_proofs(tenant_id: str, kyc_id: str, images: Mapping[str, ImageProof]) -> dict[str, StoredBlob]:
    """One PutObject per image (by proof type), keyed under the tenant; on a failure those already put are purged."""
    stored: dict[str, StoredBlob] = {}
    try:
        for proof_type, image in images.items():
            object_key = proof_key(tenant_id, kyc_id, proof_type, image.extension)
            stored[proof_type] = blobs.put(object_key, image.data, image.mime)
    except Exception:
        blobs.purge(list(stored.values()))
        raise
    return stored


def purge_proofs(stored: Sequence[StoredBlob]) -> None:
    blobs.purge(stored)


def proof_url(object_key: str) -> str:
    """A presigned GET valid for settings.proof_url_ttl_seconds (no AWS call: signed locally)."""
    return blobs.presigned_get(object_key)


def save_verification(
    tenant_id: str, document: dict[str, Any], change: CustomerKycChange, deliveries: Sequence[PendingDelivery]
) -> None:
    """The new request, its customer's status and the callbacks, all or nothing. One TransactWriteItems.

    StaleWrite when the customer changed since it was read (another verification or review won).
    """
    commit_change(
        tenant_id,
        RequestChange(document["kyc_id"], None, document["status"], document),
        customer=change,
        deliveries=deliveries,
    )


def get_kyc_request(tenant_id: str, kyc_id: str) -> dict[str, Any] | None:
    """The request item (with its internal attributes), or None. One GetItem."""
    response = ddb().get_item(
        TableName=records_table(), Key=key(kyc_request_pk(tenant_id, kyc_id), KYC_REQUEST_SK), ConsistentRead=True
    )
    return from_item(response.get("Item"))


def request_and_customer(
    tenant_id: str, kyc_id: str, customer_id: str
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(request, customer) items, each None when absent. One BatchGetItem (another per unprocessed retry)."""
    keys = [
        key(kyc_request_pk(tenant_id, kyc_id), KYC_REQUEST_SK),
        key(customer_pk(tenant_id, customer_id), CUSTOMER_SK),
    ]
    found = {item["SK"]: item for item in batch_get(records_table(), keys, consistent=True)}
    return found.get(KYC_REQUEST_SK), found.get(CUSTOMER_SK)


def kyc_requests_query(
    tenant_id: str,
    *,
    created_from: str | None,
    created_to: str | None,
    status: str | None = None,
    customer_id: str | None = None,
    document_type: str | None = None,
) -> ListQuery:
    """The index partition of the requests with at most one of status, customer_id or document_type
    (the caller refuses more), created in [created_from, created_to] (ISO, inclusive)."""
    if status:
        partition, index = kyc_requests_status_pk(tenant_id, status), "GSI3"
    elif customer_id:
        partition, index = kyc_requests_customer_pk(tenant_id, customer_id), "GSI4"
    elif document_type:
        partition, index = kyc_requests_document_type_pk(tenant_id, document_type), "GSI5"
    else:
        partition, index = kyc_requests_index_pk(tenant_id), "GSI1"
    return _created_query(partition, index, created_from, created_to)


def kyc_requests_total(tenant_id: str, *, status: str | None, document_type: str | None) -> int:
    counts = counters.read(tenant_id, [KYC_REQUESTS_COUNTER])[KYC_REQUESTS_COUNTER]
    name = f"status#{status}" if status else f"document_type#{document_type}" if document_type else "total"
    return counts.get(name, 0)


def _created_query(partition: str, index: str, created_from: str | None, created_to: str | None) -> ListQuery:
    # '~' sorts after every character of "#<id>", so an item created at created_to is included.
    return ListQuery(partition, index, created_from, f"{created_to}#~" if created_to else None)


def save_review(
    tenant_id: str,
    kyc_id: str,
    changes: dict[str, Any],
    change: CustomerKycChange | None,
    deliveries: Sequence[PendingDelivery],
) -> None:
    """A reviewer's decision on an in_review request (and its customer when it is the latest request).

    One TransactWriteItems. StaleWrite when the request left in_review or the customer changed.
    """
    commit_change(
        tenant_id,
        RequestChange(kyc_id, "in_review", changes["status"], changes),
        customer=change,
        deliveries=deliveries,
    )


# ---------------------------------------------------------------- status changes


class RequestChange(NamedTuple):
    """One change of a KYC request's status. Every status change of every route goes through
    ``commit_change``: the one place the overview's counters (by status, by risk level, per day) join
    the change's own transaction, and every change is conditional on the status it was decided from.

    The changes, by route:
    - documents/verify:          (new) -> approved | declined | in_review
    - submit-link:               (new) -> pending_submission
    - submit-link, after a lapse: pending_submission -> expired (the customer's new link replaces it)
    - handoff submit:            pending_submission -> approved | declined | in_review
    - requests/{id}/status:      in_review -> approved | declined
    - additional-documents:      approved | declined | in_review -> additional_documents_requested
    - handoff submit (additional documents): additional_documents_requested -> in_review
    - additional-documents, after a lapse: additional_documents_requested -> (same), a new link only
    A counter needs from_status, to_status (equal: nothing to count), the request's risk_level (``fields``
    or the stored item) and the day of ``fields["updated_at"]``.
    """

    kyc_id: str
    from_status: str | None  # None: the request is created, ``fields`` is the whole document
    to_status: str
    fields: dict[str, Any]  # attributes to set (None values are skipped); includes "status" = to_status
    appends: dict[str, list[Any]] | None = None  # list attributes to extend
    removes: tuple[str, ...] = ()


def commit_change(
    tenant_id: str,
    *changes: RequestChange,
    customer: CustomerKycChange | None = None,
    extra: Sequence[dict[str, Any]] = (),
    deliveries: Sequence[PendingDelivery] = (),
) -> None:
    """The requests' changes, their customer's (when given), ``extra`` TransactWriteItems entries (handoff,
    open link) and the callbacks, all or nothing. One TransactWriteItems, its entries in that order.

    StaleWrite when any condition fails: a request left ``from_status`` (or exists, for a create), the
    customer changed, or an ``extra`` entry's own condition failed. The caller re-reads and decides.
    """
    items = [_request_write(tenant_id, change) for change in changes]
    deltas = [_request_deltas(change) for change in changes]
    if customer is not None:
        items.append(_customer_update(tenant_id, customer))
        deltas.append(_customer_deltas(customer))
    _commit([*items, *extra, *counters.updates(tenant_id, counters.merge(*deltas))], deliveries)


def _request_deltas(change: RequestChange) -> counters.Deltas:
    """What ``change`` does to the request counters: status moves, a new request, its risk level once scored,
    and a decision on its day."""
    if change.from_status == change.to_status:
        return {}
    totals: dict[str, int] = {f"status#{change.to_status}": 1}
    if change.from_status is None:
        totals["total"] = 1
        totals[f"document_type#{change.fields['document_type']}"] = 1
    else:
        totals[f"status#{change.from_status}"] = -1
    # A request is scored once: created decided (documents/verify) or submitted from pending_submission.
    if change.fields.get("risk_level") and change.from_status in (None, "pending_submission"):
        totals[f"risk#{change.fields['risk_level']}"] = 1
    deltas: dict[str, dict[str, int]] = {KYC_REQUESTS_COUNTER: totals}
    if change.to_status in DECISIONS:
        day = counters.day_name(KYC_REQUESTS_COUNTER, change.fields["updated_at"])
        deltas[day] = {f"status#{change.to_status}": 1}
    return deltas


def _customer_deltas(change: CustomerKycChange) -> counters.Deltas:
    if change.from_kyc_status == change.kyc_status:
        return {}
    return {CUSTOMERS_COUNTER: {f"kyc_status#{change.from_kyc_status}": -1, f"kyc_status#{change.kyc_status}": 1}}


def _request_write(tenant_id: str, change: RequestChange) -> dict[str, Any]:
    if change.fields.get("status") != change.to_status:
        raise ValueError("a RequestChange's fields must set status to its to_status")
    if change.from_status is None:
        document = change.fields
        sort_key = f"{document['created_at']}#{change.kyc_id}"
        item = {
            "PK": kyc_request_pk(tenant_id, change.kyc_id),
            "SK": KYC_REQUEST_SK,
            "GSI1PK": kyc_requests_index_pk(tenant_id),
            "GSI1SK": sort_key,
            "GSI3PK": kyc_requests_status_pk(tenant_id, change.to_status),
            "GSI3SK": sort_key,
            "GSI4PK": kyc_requests_customer_pk(tenant_id, document["customer_id"]),
            "GSI4SK": sort_key,
            "GSI5PK": kyc_requests_document_type_pk(tenant_id, document["document_type"]),
            "GSI5SK": sort_key,
            **document,
        }
        return {
            "Put": {
                "TableName": records_table(),
                "Item": to_item(item),
                "ConditionExpression": "attribute_not_exists(PK)",
            }
        }
    fields = {**change.fields, "GSI3PK": kyc_requests_status_pk(tenant_id, change.to_status)}
    names, values, assignments = _assignments(fields)
    for i, (name, entries) in enumerate((change.appends or {}).items()):
        names[f"#a{i}"] = name
        values[f":a{i}"] = to_value(list(entries))
        assignments.append(f"#a{i} = list_append(if_not_exists(#a{i}, :nothing), :a{i})")
        values[":nothing"] = to_value([])
    expression = "SET " + ", ".join(assignments)
    if change.removes:
        names.update({f"#r{i}": name for i, name in enumerate(change.removes)})
        expression += " REMOVE " + ", ".join(f"#r{i}" for i in range(len(change.removes)))
    return {
        "Update": {
            "TableName": records_table(),
            "Key": key(kyc_request_pk(tenant_id, change.kyc_id), KYC_REQUEST_SK),
            "UpdateExpression": expression,
            "ConditionExpression": "#current = :from",
            "ExpressionAttributeNames": {**names, "#current": "status"},
            "ExpressionAttributeValues": {**values, ":from": to_value(change.from_status)},
        }
    }


# ---------------------------------------------------------------- open submit links

# SessionsTable PK ``T#<tenant>#KYCLINK#<customer_id>`` SK ``OPENLINK``: the customer's latest submit
# link (kyc_id, token, link_expires_at, required_slots), so that asking again while it is open returns
# it instead of a second request. Deleted when its documents are submitted; replaced once it lapsed.


def get_open_link(tenant_id: str, customer_id: str) -> dict[str, Any] | None:
    """The customer's latest unsubmitted submit link, lapsed or not (past its retention: None). One GetItem."""
    response = ddb().get_item(
        TableName=sessions_table(), Key=key(open_link_pk(tenant_id, customer_id), OPEN_LINK_SK), ConsistentRead=True
    )
    return live(from_item(response.get("Item")))


def open_link_put(tenant_id: str, link: dict[str, Any], *, replaces: str | None, now: float) -> dict[str, Any]:
    """The TransactWriteItems entry that records ``link`` as the customer's open link: only where there
    is none, or where the one there is ``replaces`` (a kyc_id) and has lapsed. A lost race fails it,
    returning the winner (ReturnValuesOnConditionCheckFailure)."""
    entry: dict[str, Any] = {
        "TableName": sessions_table(),
        "Item": to_item({"PK": open_link_pk(tenant_id, link["customer_id"]), "SK": OPEN_LINK_SK, **link}),
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    if replaces is None:
        entry["ConditionExpression"] = "attribute_not_exists(PK) OR expires_at <= :now"
        entry["ExpressionAttributeValues"] = {":now": to_value(now)}
    else:
        entry["ConditionExpression"] = "kyc_id = :old AND link_expires_at <= :now"
        entry["ExpressionAttributeValues"] = {":old": to_value(replaces), ":now": to_value(now)}
    return {"Put": entry}


def open_link_delete(tenant_id: str, customer_id: str, kyc_id: str) -> dict[str, Any]:
    """The TransactWriteItems entry that closes the customer's open link once ``kyc_id``'s documents are
    submitted (a no-op when it is gone or names another request)."""
    return {
        "Delete": {
            "TableName": sessions_table(),
            "Key": key(open_link_pk(tenant_id, customer_id), OPEN_LINK_SK),
            "ConditionExpression": "attribute_not_exists(PK) OR kyc_id = :kyc",
            "ExpressionAttributeValues": {":kyc": to_value(kyc_id)},
        }
    }


def lost_to(exc: Exception, index: int) -> tuple[bool, dict[str, Any] | None]:
    """Whether the transaction failed on its entry ``index``'s condition, and the item it found there."""
    reasons = cancellation_reasons(exc)
    if len(reasons) > index and reasons[index].get("Code") == "ConditionalCheckFailed":
        return True, from_item(reasons[index].get("Item"))
    return False, None


# ---------------------------------------------------------------- helpers


def _customer_update(tenant_id: str, change: CustomerKycChange) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "kyc_status": change.kyc_status,
        "GSI3PK": customers_status_pk(tenant_id, change.kyc_status),
        "latest_kyc_id": change.kyc_id,
        "updated_at": change.updated_at,
        "reference_face": change.reference_face,
        "birthday": change.birthday,
    }
    names, values, assignments = _assignments(fields)
    expression = "SET " + ", ".join([*assignments, "#version = #version + :one"])
    if change.reference_face is None:
        names["#rf"] = "reference_face"
        expression += " REMOVE #rf"
    return {
        "Update": {
            "TableName": records_table(),
            "Key": key(customer_pk(tenant_id, change.customer_id), CUSTOMER_SK),
            "UpdateExpression": expression,
            # Optimistic: the decision was taken on this version of the customer.
            "ConditionExpression": "#version = :expected",
            "ExpressionAttributeNames": {**names, "#version": "version"},
            "ExpressionAttributeValues": {
                **values,
                ":one": to_value(1),
                ":expected": to_value(change.expected_version),
            },
        }
    }


def _assignments(fields: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, Any], list[str]]:
    """(names, values, "#n = :v" list) for the fields whose value is not None."""
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    assignments: list[str] = []
    for i, (name, value) in enumerate(fields.items()):
        if value is None:
            continue
        names[f"#f{i}"] = name
        values[f":f{i}"] = to_value(value)
        assignments.append(f"#f{i} = :f{i}")
    return names, values, assignments


def _commit(transact_items: list[dict[str, Any]], deliveries: Sequence[PendingDelivery]) -> None:
    try:
        outbox.commit(transact_items, deliveries)
    except Exception as exc:
        if is_transaction_condition_failure(exc):
            raise StaleWrite(exc) from exc
        raise
