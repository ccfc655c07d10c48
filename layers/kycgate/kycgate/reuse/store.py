"""DynamoDB keys and writes of Re-Use KYC: sessions, their capability tokens, handoff sessions, alerts.

SessionsTable
- session   PK ``T#<tenant>#REUSE#<reference>``  SK ``SESSION``: everything a submit needs (customer,
  reference-face snapshot, reaction snapshot, attempts, state, last result), so a submit never reads
  the customer or the preferences.
- token     PK ``REUSETOKEN#<sha256(token)>``  SK ``REUSETOKEN``: the capability lookup, resolving to
  exactly one tenant's session. Only the digest is in a key.
- handoff   the desktop/mobile handoff (same token), written here, kept by kycgate.handoff.store.
- expiry    PK ``REUSEEXPIRY#<hour the token lapses>``  SK ``<token_expires_at>#<tenant>#<session_id>``:
  written with a session that has a callback URL, updated with each failed attempt's result, deleted
  by the outcome that finishes the session. The expiry sweeper reads the hours behind it (a Query per
  hour, no scan) and sends each remaining item's ``expired`` callback as it deletes it (conditional),
  so a session that lapsed unfinished sends exactly one, even after its reference was reopened.
RecordsTable
- alert     PK ``T#<tenant>#ALERT#<id>``  SK ``ALERT``; GSI1 ``T#<tenant>#ALERTS`` / ``<created_at>#<id>``.

``expires_at`` is the TTL attribute and the retention horizon (``dynamo.live`` treats a passed one as
absent); a Re-Use KYC token's 10-minute validity is ``token_expires_at``, separate, so an expired
session still answers "expired" (and its token 410) for the retention period.

DynamoDB calls: create_session 1 (TransactWriteItems; a lost race returns the live session from the
cancellation reason, no extra read); get_session, get_token, get_alert 1 (GetItem);
record_outcome 1 (UpdateItem, or TransactWriteItems with the alert, callback delivery and expiry item);
due_expiries one Query per hour and 1 MB page; expire 1 (TransactWriteItems);
update_alert 2 (GetItem, TransactWriteItems with the alert counters); list_alerts one Query per 1 MB page.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from kycgate.core import clock, counters
from kycgate.core.dynamo import (
    cancellation_reasons,
    ddb,
    from_item,
    is_condition_failure,
    is_transaction_condition_failure,
    key,
    live,
    query_index,
    records_table,
    sessions_table,
    set_attributes,
    to_item,
    to_value,
)
from kycgate.core.errors import ServiceUnavailable
from kycgate.core.tenants import tenant_pk
from kycgate.handoff.store import handoff_put
from kycgate.webhooks import outbox
from kycgate.webhooks.outbox import PendingDelivery

SESSION_SK = "SESSION"
TOKEN_SK = "REUSETOKEN"  # noqa: S105 - a key name, not a secret
ALERT_SK = "ALERT"
PENDING = "pending"
EXPIRY_PREFIX = "REUSEEXPIRY#"


class SessionTaken(Exception):
    """A live session already holds the reference; ``existing`` is it (as stored)."""

    def __init__(self, existing: dict[str, Any] | None) -> None:
        super().__init__("reference is taken by a live session")
        self.existing = existing


class SessionSwept(Exception):
    """The expiry sweeper has already sent this session's ``expired`` callback: the session is over."""


class SessionChanged(Exception):
    """The session moved on since it was read; ``current`` is its new state when DynamoDB returned it."""

    def __init__(self, current: dict[str, Any] | None) -> None:
        super().__init__("session changed concurrently")
        self.current = current


def session_pk(tenant_id: str, reference: str) -> str:
    return f"{tenant_pk(tenant_id)}#REUSE#{reference}"


def token_pk(token_digest: str) -> str:
    return f"REUSETOKEN#{token_digest}"


def alert_pk(tenant_id: str, alert_id: str) -> str:
    return f"{tenant_pk(tenant_id)}#ALERT#{alert_id}"


ALERTS_COUNTER = counters.KYC_ALERTS
_ALERT_UPDATE_ATTEMPTS = 5


def alerts_index_pk(tenant_id: str) -> str:
    return f"{tenant_pk(tenant_id)}#ALERTS"


def expiry_hour(epoch_seconds: float) -> str:
    """The partition of the sessions whose token lapses in this hour ("2026-12-03T07")."""
    return clock.iso(epoch_seconds)[:13]


def expiry_key(session: dict[str, Any]) -> dict[str, Any]:
    lapses = session["token_expires_at"]
    sk = f"{clock.iso(lapses)}#{tenant_pk(session['tenant_id'])}#{session['session_id']}"
    return key(EXPIRY_PREFIX + expiry_hour(lapses), sk)


# ---------------------------------------------------------------- sessions


def create_session(session: dict[str, Any], token: dict[str, Any], handoff: dict[str, Any], now: float) -> None:
    """Session, token lookup and handoff, all or nothing. One TransactWriteItems.

    The session may replace one whose token has lapsed (a reference is reusable after 10 minutes);
    a live one wins and comes back in ``SessionTaken`` (ReturnValuesOnConditionCheckFailure).
    """
    table = sessions_table()
    items = [
        {
            "Put": {
                "TableName": table,
                "Item": to_item(
                    {"PK": session_pk(session["tenant_id"], session["reference"]), "SK": SESSION_SK, **session}
                ),
                "ConditionExpression": "attribute_not_exists(PK) OR token_expires_at <= :now",
                "ExpressionAttributeValues": {":now": to_value(now)},
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        },
        {
            "Put": {
                "TableName": table,
                "Item": to_item({"PK": token_pk(session["token_digest"]), "SK": TOKEN_SK, **token}),
                "ConditionExpression": "attribute_not_exists(PK)",
            }
        },
        handoff_put(session["token_digest"], handoff),
    ]
    if session.get("callback_url"):
        expiry = {
            name: session[name]
            for name in ("tenant_id", "reference", "session_id", "max_attempts", "callback_url", "expires_at")
        }
        items.append({"Put": {"TableName": table, "Item": {**expiry_key(session), **to_item(expiry)}}})
    try:
        ddb().transact_write_items(TransactItems=items)
    except Exception as exc:
        # A concurrent create of the same reference may be mid-commit; the caller then reads the winner.
        lost, winner = _lost_race(exc)
        if lost:
            raise SessionTaken(winner) from exc
        raise


def _lost_race(exc: Exception) -> tuple[bool, dict[str, Any] | None]:
    """Whether a session transaction lost to another write, with the session item that beat its first
    condition (None when DynamoDB only reports a conflicting transaction still in flight)."""
    reasons = cancellation_reasons(exc)
    if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
        return True, from_item(reasons[0].get("Item"))
    return any(r.get("Code") == "TransactionConflict" for r in reasons), None


def get_session(tenant_id: str, reference: str) -> dict[str, Any] | None:
    """The session as stored (None past its retention). One GetItem."""
    return _get(sessions_table(), session_pk(tenant_id, reference), SESSION_SK)


def get_token(token_digest: str) -> dict[str, Any] | None:
    """The token lookup item (None past its retention). One GetItem."""
    return _get(sessions_table(), token_pk(token_digest), TOKEN_SK)


def record_outcome(
    session: dict[str, Any],
    changes: dict[str, Any],
    *,
    now: float,
    expect_attempts: int | None,
    alert: dict[str, Any] | None,
    deliveries: Sequence[PendingDelivery],
) -> None:
    """Apply a submit's outcome if the session is the same one, still pending, unexpired and (for a
    failed attempt) still at ``expect_attempts``; raise SessionChanged otherwise. The alert and the callback delivery
    commit in the same transaction, so no alert or callback exists for an attempt that did not count.

    A session with a callback URL has an expiry item: the outcome updates it with the result (a failed
    attempt) or deletes it (the session is finished), on condition that it is still there; SessionSwept
    when the expiry sweeper has taken it, so a session never sends both ``expired`` and another result.

    One UpdateItem, or one TransactWriteItems when there is an alert, a delivery or an expiry item.
    """
    names = {"#state": "state"}
    values: dict[str, Any] = {":pending": to_value(PENDING), ":now": to_value(now)}
    assignments = []
    for i, (name, value) in enumerate(changes.items()):
        placeholder = "#state" if name == "state" else f"#c{i}"
        names[placeholder] = name
        values[f":c{i}"] = to_value(value)
        assignments.append(f"{placeholder} = :c{i}")
    # session_id: the reference may have been reopened (a new session) since this one was read.
    condition = "session_id = :sid AND #state = :pending AND token_expires_at > :now"
    values[":sid"] = to_value(session["session_id"])
    if expect_attempts is not None:
        condition += " AND attempts = :seen"
        values[":seen"] = to_value(expect_attempts)
    update = {
        "TableName": sessions_table(),
        "Key": key(session_pk(session["tenant_id"], session["reference"]), SESSION_SK),
        "UpdateExpression": "SET " + ", ".join(assignments),
        "ConditionExpression": condition,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    if alert is None and not deliveries:
        try:
            ddb().update_item(**update)
        except Exception as exc:
            if is_condition_failure(exc):
                raise SessionChanged(from_item(getattr(exc, "response", {}).get("Item"))) from exc
            raise
        return
    transact: list[dict[str, Any]] = [{"Update": update}]
    if session.get("callback_url"):
        transact.append(_expiry_write(session, changes))
    if alert is not None:
        transact.append(_alert_put(alert))
        counts = {"total": 1, f"status#{alert['status']}": 1}
        transact += counters.updates(alert["tenant_id"], {ALERTS_COUNTER: counts})
    try:
        outbox.commit(transact, deliveries)
    except Exception as exc:
        lost, current = _lost_race(exc)
        if lost:
            raise SessionChanged(current) from exc
        reasons = cancellation_reasons(exc)
        if session.get("callback_url") and len(reasons) > 1 and reasons[1].get("Code") == "ConditionalCheckFailed":
            raise SessionSwept() from exc
        raise


def _expiry_write(session: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    target = {"TableName": sessions_table(), "Key": expiry_key(session), "ConditionExpression": "attribute_exists(PK)"}
    if changes.get("state", PENDING) != PENDING:
        return {"Delete": target}
    return {
        "Update": {
            **target,
            "UpdateExpression": "SET last_result = :r",
            "ExpressionAttributeValues": {":r": to_value(changes["last_result"])},
        }
    }


# ---------------------------------------------------------------- expiry


def due_expiries(hour: str, before: float) -> list[dict[str, Any]]:
    """The expiry items of ``hour`` whose token lapsed before ``before``. One Query per 1 MB page."""
    items: list[dict[str, Any]] = []
    request: dict[str, Any] = {
        "TableName": sessions_table(),
        "KeyConditionExpression": "PK = :pk AND SK < :before",
        "ExpressionAttributeValues": {":pk": to_value(EXPIRY_PREFIX + hour), ":before": to_value(clock.iso(before))},
        "ConsistentRead": True,
    }
    while True:
        response = ddb().query(**request)
        items.extend(from_item(item) for item in response.get("Items", []))
        if "LastEvaluatedKey" not in response:
            return items
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def expire(expiry: dict[str, Any], delivery: PendingDelivery) -> bool:
    """Delete the expiry item and commit its callback together; False when a sweep or an outcome took it
    first (conditional delete: the callback is sent once). One TransactWriteItems."""
    delete = {
        "Delete": {
            "TableName": sessions_table(),
            "Key": key(expiry["PK"], expiry["SK"]),
            "ConditionExpression": "attribute_exists(PK)",
        }
    }
    try:
        outbox.commit([delete], [delivery])
    except Exception as exc:
        if any(r.get("Code") == "ConditionalCheckFailed" for r in cancellation_reasons(exc)):
            return False
        raise
    return True


def reference_image(image_key: str) -> bytes:
    """The approved selfie a session snapshot points at. One S3 GetObject."""
    # Imported here: only submit may read S3, so the other Re-Use KYC functions never load it.
    from kycgate.core import blobs

    return blobs.get(image_key)


# ---------------------------------------------------------------- alerts


def get_alert(tenant_id: str, alert_id: str) -> dict[str, Any] | None:
    """One GetItem."""
    return _get(records_table(), alert_pk(tenant_id, alert_id), ALERT_SK)


def list_alerts(
    tenant_id: str, *, alert_type: str | None, status: str | None, customer_id: str | None
) -> list[dict[str, Any]]:
    """The tenant's alerts, newest first, filtered by equality. One Query per 1 MB page of the index."""
    return query_index(
        records_table(),
        alerts_index_pk(tenant_id),
        equals={"alert_type": alert_type, "status": status, "customer_id": customer_id},
    )


def alerts_total(tenant_id: str) -> int:
    """The tenant's alerts, from the counter their creates keep. One BatchGetItem."""
    return counters.read(tenant_id, [ALERTS_COUNTER])[ALERTS_COUNTER].get("total", 0)


def update_alert(tenant_id: str, alert_id: str, changes: dict[str, Any]) -> dict[str, Any] | None:
    """Set ``changes`` on an existing alert and return it; None when the tenant has no such alert.

    The alert counters (the overview's open alerts) move in the same transaction, which is conditional
    on the status read: a GetItem, then one TransactWriteItems (again, after a concurrent change)."""
    for _ in range(_ALERT_UPDATE_ATTEMPTS):
        current = get_alert(tenant_id, alert_id)
        if current is None:
            return None
        updated = {**current, **changes}
        update = set_attributes(
            records_table(),
            key(alert_pk(tenant_id, alert_id), ALERT_SK),
            changes,
            "#status = :seen",
            {":seen": current["status"]},
        )
        update["ExpressionAttributeNames"]["#status"] = "status"
        moved = {f"status#{current['status']}": -1}, {f"status#{updated['status']}": 1}
        deltas = counters.merge(*({ALERTS_COUNTER: part} for part in moved))
        try:
            items = [{"Update": update}, *counters.updates(tenant_id, deltas)]
            counters.retry_conflicts(partial(ddb().transact_write_items, TransactItems=items))
        except Exception as exc:
            if is_transaction_condition_failure(exc):
                continue
            raise
        return updated
    raise ServiceUnavailable("The alert is changing too often at once; retry shortly.")


def _alert_put(alert: dict[str, Any]) -> dict[str, Any]:
    tenant_id, alert_id = alert["tenant_id"], alert["alert_id"]
    item = {
        "PK": alert_pk(tenant_id, alert_id),
        "SK": ALERT_SK,
        "GSI1PK": alerts_index_pk(tenant_id),
        "GSI1SK": f"{alert['created_at']}#{alert_id}",
        **alert,
    }
    return {
        "Put": {"TableName": records_table(), "Item": to_item(item), "ConditionExpression": "attribute_not_exists(PK)"}
    }


# ---------------------------------------------------------------- helpers


def _get(table: str, pk: str, sk: str) -> dict[str, Any] | None:
    # Strongly consistent: a phone submits seconds after create, racing submits must see each other.
    response = ddb().get_item(TableName=table, Key=key(pk, sk), ConsistentRead=True)
    return live(from_item(response.get("Item")))
