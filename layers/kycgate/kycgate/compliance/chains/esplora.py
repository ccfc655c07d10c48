"""Bitcoin transactions from an Esplora API (Blockstream/esplora API.md; blockstream.info, mempool.space).

``GET {base}/address/{address}/txs`` answers the address's mempool transactions (up to 50) and its
first 25 confirmed ones, newest first; ``GET {base}/address/{address}/txs/chain/{last_seen_txid}``
the next 25 confirmed. Amounts are satoshis. Errors are plain text: 400 for a request it refuses
("Address on invalid network", a parse error), 503/504 when its node is busy or unreachable, 429
from the public instances' rate limits.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from kycgate.compliance.chains import http
from kycgate.compliance.chains.explorers import (
    ChainTransaction,
    Direction,
    ExplorerRefused,
    ExplorerUnavailable,
    whole_units,
)

NAME = "esplora"
CHAIN_PAGE = 25  # confirmed transactions per page (electrs' CHAIN_TXS_PER_PAGE)


class EsploraExplorer:
    chain = "btc"

    def __init__(self, base_url: str) -> None:
        self._base = base_url.rstrip("/")

    def transactions(self, address: str, *, limit: int, timeout: float) -> list[ChainTransaction]:
        url = f"{self._base}/address/{quote(address, safe='')}/txs"
        page = self._page(url, timeout)
        found = list(page)
        confirmed = [tx for tx in page if _status(tx).get("confirmed")]
        # One more page only while the last one was full and more are wanted: ceil(limit / 25) + 1 requests at most.
        while len(found) < limit and len(confirmed) == CHAIN_PAGE:
            page = self._page(f"{url}/chain/{quote(_txid(confirmed[-1]), safe='')}", timeout)
            found += page
            confirmed = page
        return [_transaction(tx, address) for tx in found[:limit]]

    def _page(self, url: str, timeout: float) -> list[dict[str, Any]]:
        reply = http.get(NAME, url, None, timeout=timeout)
        if reply.status in http.RETRY_STATUSES:
            raise ExplorerUnavailable(NAME, f"HTTP {reply.status} after retries: {reply.text()}")
        if reply.status != 200:
            raise ExplorerRefused(NAME, f"HTTP {reply.status}: {reply.text()}")
        page = reply.json(NAME)
        if not isinstance(page, list) or not all(isinstance(tx, dict) for tx in page):
            raise ExplorerRefused(NAME, "the answer is not a list of transactions")
        return page


def _transaction(tx: dict[str, Any], address: str) -> ChainTransaction:
    try:
        spent = [
            (vin["prevout"]["value"], vin["prevout"].get("scriptpubkey_address"))
            for vin in tx["vin"]
            if vin.get("prevout")
        ]
        paid = [(vout["value"], vout.get("scriptpubkey_address")) for vout in tx["vout"]]
        ours_in = sum(value for value, owner in spent if owner == address)
        ours_out = sum(value for value, owner in paid if owner == address)
        other_inputs = [(value, owner) for value, owner in spent if owner not in (None, address)]
        other_outputs = [(value, owner) for value, owner in paid if owner not in (None, address)]
        direction: Direction
        if ours_in:
            # Sent: what went to the others (the fee and the change are not the counterparty's).
            direction = "out" if other_outputs else "self"
            amount = sum(value for value, _ in other_outputs) if other_outputs else ours_out
            counterparty = max(other_outputs)[1] if other_outputs else None
        else:
            direction, amount = "in", ours_out
            counterparty = max(other_inputs)[1] if other_inputs else None
        status = _status(tx)
        time = status.get("block_time") if status.get("confirmed") else None
        return ChainTransaction(
            hash=_txid(tx),
            time=int(time) if time is not None else None,
            direction=direction,
            counterparty=counterparty,
            amount=whole_units(int(amount), 8),
            asset="BTC",
            failed=False,  # a Bitcoin transaction in a block or the mempool is valid by construction
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ExplorerRefused(NAME, f"a transaction without the documented fields ({type(exc).__name__})") from None


def _status(tx: dict[str, Any]) -> dict[str, Any]:
    status = tx.get("status")
    return status if isinstance(status, dict) else {}


def _txid(tx: dict[str, Any]) -> str:
    txid = tx.get("txid")
    if not isinstance(txid, str) or len(txid) != 64:
        raise ExplorerRefused(NAME, "a transaction without a txid")
    return txid
