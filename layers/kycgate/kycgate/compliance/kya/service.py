"""KYA rules: validate and normalise the address for its chain, screen it against the sanctions lists,
read its transactions where an explorer is configured, and keep the result as a new task.

A repeated address makes a new task from the lists as they are now (the seed: "the latest kya result"),
so a task never carries a stale result. A recognised address of a chain kycgate does not analyse (LTC,
TRX, XMR, BCH, ...) is still screened and its task says it was not analysed: a 422 would hide a
sanctions hit. Test and regtest addresses are refused: no list names them and they carry no value.
"""

from __future__ import annotations

from typing import Any

from kycgate.compliance.chains.addresses import AddressError, ParsedAddress, ensure_analysable, parse_address
from kycgate.compliance.chains.explorers import ExplorerError, explorer_for, txlist
from kycgate.compliance.chains.vocabulary import AddressErrorCode, Network
from kycgate.compliance.kya import listings, store
from kycgate.compliance.kya.schemas import (
    CreateKyaTaskRequest,
    KyaData,
    KyaTask,
    KyaTaskFilters,
    KyaTaskListResponse,
    KyaTransaction,
    RiskRating,
)
from kycgate.compliance.screening.risk import rating
from kycgate.core import clock, listing
from kycgate.core.errors import NotFound, Unprocessable, field_error
from kycgate.core.logs import logger
from kycgate.core.tenants import Caller
from kycgate.core.wire import iso_or_none
from kycgate.webhooks import outbox
from kycgate.webhooks.callback_urls import checked_url

CALLBACK_EVENT = "kya_task"
SANCTIONED_SCORE = 100
# Errors about the chain the caller named, not about the address itself.
_CHAIN_ERRORS = {AddressErrorCode.UNKNOWN_CHAIN}


def create_task(caller: Caller, request: CreateKyaTaskRequest) -> KyaTask:
    callback_url = checked_url("callback_url", request.callback_url)
    parsed = _parsed(request)
    found, lists_version = listings.lookup(parsed)
    transactions, tx_note = _transactions(parsed)
    sanctioned = bool(found)
    now = clock.now()

    def build(kya_id: int) -> store.NewTask:
        task = {
            "kya_id": kya_id,
            "address": parsed.address,
            "chain": parsed.chain,
            "sanctioned": sanctioned,
            "data": _data(parsed, sanctioned, lists_version, tx_note, has_transactions=transactions is not None),
            "sdnlist": [listing.model_dump(mode="json") for listing in found],
            "txlist": [t.model_dump(mode="json") for t in transactions or []],
            "creation_timestamp": int(now),
            "created_at": clock.iso(now),
            "creator_account": caller.account,
            "creator_email": caller.email or None,
            "creator_name": caller.name or None,
            "creator_key_id": caller.key_id,
            "customer_reference": request.customer_reference,
            "callback_url": callback_url,
        }
        deliveries = []
        if callback_url:
            deliveries.append(
                outbox.new_delivery(
                    caller.tenant_id,
                    event=CALLBACK_EVENT,
                    reference=str(kya_id),
                    url=callback_url,
                    payload={"event": CALLBACK_EVENT, **_wire(task).model_dump(mode="json")},
                )
            )
        return task, deliveries

    task = store.create_task(caller.tenant_id, build)
    logger.info(
        "kya task created",
        extra={"tenant_id": caller.tenant_id, "kya_id": task["kya_id"], "chain": parsed.chain, "hits": len(found)},
    )
    return _wire(task)


def get_task(tenant_id: str, kya_id: int) -> KyaTask:
    task = store.get_task(tenant_id, kya_id)
    if task is None:
        raise NotFound(f"No KYA task {kya_id}.")
    return _wire(task)


def list_tasks(
    tenant_id: str, filters: KyaTaskFilters, page: int, page_size: int, cursor: str | None
) -> KyaTaskListResponse:
    equals = {
        "chain": filters.chain,
        "sanctioned": filters.sanctioned,
        "customer_reference": filters.customer_reference,
    }
    created = iso_or_none(filters.created_from), iso_or_none(filters.created_to)
    found = listing.numbered_page(store.TASKS, tenant_id, equals, created, page, page_size, cursor)
    return KyaTaskListResponse(items=[_wire(i) for i in found.items], pagination=found.pagination)


def _parsed(request: CreateKyaTaskRequest) -> ParsedAddress:
    try:
        parsed = parse_address(request.address, request.chain)
        if parsed.network != Network.MAINNET:
            ensure_analysable(parsed)  # raises testnet_address
    except AddressError as refused:
        field = "chain" if refused.code in _CHAIN_ERRORS else "address"
        raise Unprocessable(
            f"{field} refused ({refused.code}): {refused.message}",
            errors=[field_error(["body", field], refused.message, f"address_{refused.code}")],
            extra={"reason": str(refused.code)},
        ) from None
    return parsed


def _transactions(parsed: ParsedAddress) -> tuple[list[KyaTransaction] | None, str]:
    """The address's transactions, or None when none were read (and why, for the task's note)."""
    if not parsed.analysable:
        return None, f"analysis is BTC/ETH only: this {parsed.chain} address was screened against the lists only"
    if explorer_for(parsed.chain) is None:
        return None, "no chain explorer is configured: transactions were not read"
    try:
        found = txlist(parsed)
    except ExplorerError as failed:
        # The sanctions screening stands on its own: a task without transactions beats no task.
        logger.warning("chain explorer unavailable", extra={"chain": parsed.chain, "error": type(failed).__name__})
        return None, "transaction data is unavailable right now; the lists were screened"
    return [KyaTransaction.model_validate(t._asdict()) for t in found], ""


def _data(
    parsed: ParsedAddress, sanctioned: bool, lists_version: str | None, note: str, *, has_transactions: bool
) -> dict[str, Any]:
    score = SANCTIONED_SCORE if sanctioned else 0
    return KyaData(
        chain=parsed.chain,
        network=str(parsed.network),
        address_type=str(parsed.address_type),
        analysed=parsed.analysable,
        checks=["sanctions_lists", *(["transactions"] if has_transactions else [])],
        sanctioned=sanctioned,
        risk_score=score,
        risk_rating=RiskRating(rating(score)[0]),
        lists_version=lists_version,
        note=note,
    ).model_dump(mode="json")


def _wire(task: dict[str, Any]) -> KyaTask:
    return KyaTask.model_validate(task)
