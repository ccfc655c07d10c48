"""Lists served from DynamoDB pages: every list route of every context goes through ``list_page``.

A list is one partition read in sort-key order, newest first unless asked otherwise (``ListQuery``:
partition, index or the table itself, optional sort-key range; no filter expression, so every item read
is an item returned). A page reads ``page_size + 1``
items (the extra one only tells whether another page follows) and answers the seeds' ``pagination``
with ``cursor``: an opaque token for the next page, or None on the last one. ``total`` comes from a
counter the writes keep (core.counters), passed in by the caller, never from counting rows.

The cursor is the DynamoDB key of the page's last item with the tenant, a digest of the query and the
next page's number, HMAC-SHA256 signed with ``settings.list_cursor_key``: a client cannot forge one,
edit one, or use one on another tenant's or another filter's list (400 problem+json). Following cursors
reads only each page. ``page=N`` without a cursor still works (the seeds' shape) by skipping
(N-1)*page_size index keys: a cost that grows with N, not with the table.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from collections.abc import Callable, Mapping
from functools import lru_cache, partial
from typing import Any, NamedTuple, TypeVar

from kycgate.core.dynamo import ddb, from_item, records_table, to_value
from kycgate.core.errors import BadRequest
from kycgate.core.pagination import KycPagination
from kycgate.core.settings import get_settings

T = TypeVar("T")

_TABLE_KEYS = ("PK", "SK")
_SKIP_BATCH = 1000  # keys read per Query while skipping to a page given by number


class ListQuery(NamedTuple):
    """One partition of ``index`` (None: the table's own PK/SK), optionally bounded (inclusive), highest
    sort key first unless ``newest_first`` is False (an audit trail reads oldest first)."""

    partition: str
    index: str | None = "GSI1"
    sort_from: str | None = None
    sort_to: str | None = None
    newest_first: bool = True


class Page(NamedTuple):
    items: list[Any]
    pagination: KycPagination


def list_page(
    tenant_id: str,
    query: ListQuery,
    *,
    page: int,
    page_size: int,
    cursor: str | None,
    total: int | Callable[[], int],
) -> Page:
    """One page of ``query``: page ``page`` (1-based), or the page ``cursor`` points to when given.

    ``total`` is the list's count (or a callable giving it, called once), from the writes' counters.
    """
    start_key: dict[str, Any] | None = None
    if cursor:
        page, start_key = _open_cursor(tenant_id, query, page_size, cursor)
    elif page > 1:
        start_key = _skip(query, (page - 1) * page_size)
    items: list[dict[str, Any]] = []
    if page == 1 or start_key is not None:
        items = _read(query, page_size + 1, start_key)
    more = len(items) > page_size
    items = items[:page_size]
    next_cursor = _seal(tenant_id, query, page_size, page + 1, _key_of(items[-1], query.index)) if more else None
    count = total() if callable(total) else total
    pagination = KycPagination(
        page=page,
        page_size=page_size,
        total=count,
        total_pages=(count + page_size - 1) // page_size,
        cursor=next_cursor,
    )
    return Page(items, pagination)


def in_memory_page(items: list[T], *, page: int, page_size: int, cursor: str | None = None) -> Page:
    """A page of a list already in memory: a short one held in one item (a configuration's legal
    documents), or an equality filter no index serves, read whole and filtered (README: Lists). It
    issues no cursor, so it takes none."""
    if cursor:
        raise _bad_cursor("this list is not served page by page; ask with `page` instead")
    start = (page - 1) * page_size
    pagination = KycPagination(
        page=page, page_size=page_size, total=len(items), total_pages=(len(items) + page_size - 1) // page_size
    )
    return Page(list(items[start : start + page_size]), pagination)


class NumberedList(NamedTuple):
    """A store's list of records with integer ids 1, 2, 3 ... per tenant (core.sequences), never
    deleted: ``query(tenant_id, created_from=, created_to=)`` its ListQuery, ``filtered(tenant_id,
    created_from=, created_to=, **equals)`` the records matching equality filters no index serves (read
    whole), ``last_id(tenant_id)`` the last id given, which is the count (no gaps)."""

    query: Callable[..., ListQuery]
    filtered: Callable[..., list[dict[str, Any]]]
    last_id: Callable[[str], int]


def numbered_page(
    numbered: NumberedList,
    tenant_id: str,
    equals: Mapping[str, Any],
    created: tuple[str | None, str | None],
    page: int,
    page_size: int,
    cursor: str | None,
) -> Page:
    """A page of ``numbered``: with any of ``equals`` set, of the filtered records in memory; otherwise
    read page by page, totalled by the last id, or for a ``created`` (from, to) range counted by DynamoDB
    (no counter totals an arbitrary range)."""
    created_from, created_to = created
    if any(value is not None for value in equals.values()):
        items = numbered.filtered(tenant_id, created_from=created_from, created_to=created_to, **equals)
        return in_memory_page(items, page=page, page_size=page_size, cursor=cursor)
    listed = numbered.query(tenant_id, created_from=created_from, created_to=created_to)
    total = partial(count, listed) if created_from or created_to else partial(numbered.last_id, tenant_id)
    return list_page(tenant_id, listed, page=page, page_size=page_size, cursor=cursor, total=total)


def count(query: ListQuery) -> int:
    """The rows of ``query`` counted by DynamoDB (Select COUNT, one Query per 1 MB of the range): for a
    list no counter can total, such as an arbitrary created range. Reads that range, not the table."""
    kwargs = {**_query_kwargs(query), "Select": "COUNT"}
    found = 0
    while True:
        response = ddb().query(**kwargs)
        found += response.get("Count", 0)
        if "LastEvaluatedKey" not in response:
            return found
        kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def _read(query: ListQuery, limit: int, start_key: dict[str, Any] | None) -> list[dict[str, Any]]:
    kwargs = _query_kwargs(query)
    items: list[dict[str, Any]] = []
    while len(items) < limit:
        kwargs["Limit"] = limit - len(items)
        if start_key:
            kwargs["ExclusiveStartKey"] = start_key
        response = ddb().query(**kwargs)
        items += [item for raw in response.get("Items", []) if (item := from_item(raw)) is not None]
        start_key = response.get("LastEvaluatedKey")
        if not start_key:
            break
    return items


def _skip(query: ListQuery, count: int) -> dict[str, Any] | None:
    """The key after the first ``count`` items (keys only, in batches), or None when there are fewer."""
    kwargs = _query_kwargs(query)
    names = _key_names(query.index)
    kwargs["ProjectionExpression"] = ", ".join(f"#k{i}" for i in range(len(names)))
    kwargs["ExpressionAttributeNames"] = {**kwargs["ExpressionAttributeNames"]}
    kwargs["ExpressionAttributeNames"].update({f"#k{i}": name for i, name in enumerate(names)})
    last: dict[str, Any] | None = None
    while count > 0:
        kwargs["Limit"] = min(count, _SKIP_BATCH)
        if last:
            kwargs["ExclusiveStartKey"] = last
        response = ddb().query(**kwargs)
        raw_items = response.get("Items", [])
        count -= len(raw_items)
        if raw_items:
            last = {name: raw_items[-1][name] for name in names}
        if count > 0 and "LastEvaluatedKey" not in response:
            return None
    return last


def _query_kwargs(query: ListQuery) -> dict[str, Any]:
    prefix = query.index or ""
    names = {"#pk": f"{prefix}PK"}
    values: dict[str, Any] = {":pk": to_value(query.partition)}
    condition = "#pk = :pk"
    if query.sort_from or query.sort_to:
        names["#sk"] = f"{prefix}SK"
        if query.sort_from:
            values[":from"] = to_value(query.sort_from)
        if query.sort_to:
            values[":to"] = to_value(query.sort_to)
        # DynamoDB refuses an empty string as a key value, so an open end is a different operator.
        condition += {
            (True, True): " AND #sk BETWEEN :from AND :to",
            (True, False): " AND #sk >= :from",
            (False, True): " AND #sk <= :to",
        }[(bool(query.sort_from), bool(query.sort_to))]
    kwargs = {
        "TableName": records_table(),
        "KeyConditionExpression": condition,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
        "ScanIndexForward": not query.newest_first,
    }
    # A GSI cannot be read consistently; the table can, so a list of one record's items (its audit
    # trail) shows the change just committed.
    return {**kwargs, "IndexName": query.index} if query.index else {**kwargs, "ConsistentRead": True}


def _key_names(index: str | None) -> tuple[str, ...]:
    """The attributes of an item's position in ``index`` (a GSI's: its own keys and the table's)."""
    return (*_TABLE_KEYS, f"{index}PK", f"{index}SK") if index else _TABLE_KEYS


def _key_of(item: dict[str, Any], index: str | None) -> dict[str, str]:
    return {name: item[name] for name in _key_names(index)}


# ---------------------------------------------------------------- cursors


def _query_digest(tenant_id: str, query: ListQuery, page_size: int) -> str:
    described = json.dumps([tenant_id, *query, page_size], separators=(",", ":"))
    return hashlib.sha256(described.encode()).hexdigest()[:32]


def _seal(tenant_id: str, query: ListQuery, page_size: int, page: int, last_key: dict[str, str]) -> str:
    body = json.dumps(
        {"q": _query_digest(tenant_id, query, page_size), "p": page, "k": last_key}, separators=(",", ":")
    )
    payload = base64.urlsafe_b64encode(body.encode()).rstrip(b"=")
    signature = base64.urlsafe_b64encode(_sign(payload)).rstrip(b"=")
    return f"{payload.decode()}.{signature.decode()}"


def _open_cursor(tenant_id: str, query: ListQuery, page_size: int, cursor: str) -> tuple[int, dict[str, Any]]:
    payload, _, signature = cursor.encode().partition(b".")
    try:
        valid = hmac.compare_digest(_unpad(signature), _sign(payload))
    except ValueError:
        valid = False
    if not valid:
        raise _bad_cursor("it was not issued by this list (altered, truncated or made up)")
    body = json.loads(_unpad(payload))
    if body["q"] != _query_digest(tenant_id, query, page_size):
        raise _bad_cursor("it belongs to another list: the filters and page_size must stay those of the first page")
    return int(body["p"]), {name: to_value(value) for name, value in body["k"].items()}


def _unpad(data: bytes) -> bytes:
    try:
        return base64.urlsafe_b64decode(data + b"=" * (-len(data) % 4))
    except Exception as exc:
        raise ValueError("not base64url") from exc


def _sign(payload: bytes) -> bytes:
    return hmac.new(_cursor_key(), payload, hashlib.sha256).digest()


@lru_cache(maxsize=1)
def _cursor_key() -> bytes:
    # Unset only outside AWS (template.yaml sets it from a Secrets Manager secret): a per-process key
    # then, so a cursor is good for the life of one `kycgate serve` or test process.
    configured = get_settings().list_cursor_key.get_secret_value()
    return configured.encode() if configured else os.urandom(32)


def _bad_cursor(reason: str) -> BadRequest:
    return BadRequest(
        f"The cursor is not valid: {reason}. Start again from page 1 without a cursor and follow "
        "pagination.cursor of each response.",
        slug="invalid-cursor",
    )
