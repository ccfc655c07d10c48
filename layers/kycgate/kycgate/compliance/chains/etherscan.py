"""Ethereum transactions from an Etherscan-style API (docs.etherscan.io, "Get Normal Transactions By Address").

``GET {url}?chainid=1&module=account&action=txlist&address=...&startblock=0&endblock=latest&page=1
&offset=N&sort=desc&apikey=KEY`` answers ``{"status": "1", "message": "OK", "result": [...]}`` with
string fields (``hash``, ``timeStamp``, ``from``, ``to``, ``value`` in wei, ``isError``,
``contractAddress``, ...). An error is HTTP 200 too: ``{"status": "0", "message": "NOTOK", "result":
"<why>"}``, and no transaction is ``{"status": "0", "message": "No transactions found", "result":
[]}``. Its rate limit ("Max rate limit reached...") arrives that way rather than as a 429, so it is
retried here with the same urllib3 Retry state and backoff as a 429.
"""

from __future__ import annotations

from typing import Any

from urllib3.exceptions import MaxRetryError

from kycgate.compliance.chains import http
from kycgate.compliance.chains.encodings import eip55
from kycgate.compliance.chains.explorers import (
    ChainTransaction,
    Direction,
    ExplorerRefused,
    ExplorerUnavailable,
    whole_units,
)

NAME = "etherscan"


class EtherscanExplorer:
    chain = "eth"

    def __init__(self, url: str, *, api_key: str, chain_id: int = 1) -> None:
        self._url = url
        self._api_key = api_key
        self._chain_id = chain_id

    def transactions(self, address: str, *, limit: int, timeout: float) -> list[ChainTransaction]:
        query = {
            "chainid": str(self._chain_id),
            "module": "account",
            "action": "txlist",
            "address": address,
            "startblock": "0",
            "endblock": "latest",
            "page": "1",
            "offset": str(limit),
            "sort": "desc",
            "apikey": self._api_key,
        }
        retries = http.retry_policy()
        while True:
            reply = http.get(NAME, self._url, query, timeout=timeout, retries=retries)
            if reply.status in http.RETRY_STATUSES:
                raise ExplorerUnavailable(NAME, f"HTTP {reply.status} after retries")
            if reply.status != 200:
                raise ExplorerRefused(NAME, f"HTTP {reply.status}")
            body = reply.json(NAME)
            if not isinstance(body, dict):
                raise ExplorerRefused(NAME, "the answer is not an Etherscan response object")
            result = body.get("result")
            if body.get("status") == "1" and isinstance(result, list):
                return [_transaction(tx, address) for tx in result[:limit]]
            if isinstance(result, list) and not result and body.get("message") == "No transactions found":
                return []
            reason = str(result)[:200] if result is not None else str(body.get("message"))[:200]
            if "rate limit" not in reason.lower():
                # "Invalid API Key", "Missing or unsupported chainid ...", "Error! Invalid address format".
                raise ExplorerRefused(NAME, reason)
            try:
                # Counted and backed off as a 429 would be (neither a response nor an error: a status retry).
                retries = reply.retries.increment("GET", self._url)
            except MaxRetryError:
                raise ExplorerUnavailable(NAME, f"rate limited after retries: {reason}") from None
            retries.sleep()


def _transaction(tx: Any, address: str) -> ChainTransaction:
    try:
        own = address.lower()
        sender, receiver = tx["from"].lower(), tx["to"].lower()
        created = tx.get("contractAddress", "").lower()
        direction: Direction
        if sender == own:
            direction = "self" if receiver == own else "out"
            # A contract creation has no "to"; the account created is the counterparty.
            counterparty = _account(receiver or created)
        else:
            direction, counterparty = "in", _account(sender)
        return ChainTransaction(
            hash=tx["hash"],
            time=int(tx["timeStamp"]),
            direction=direction,
            counterparty=counterparty if direction != "self" else None,
            amount=whole_units(int(tx["value"]), 18),
            asset="ETH",
            failed=tx.get("isError") == "1",
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ExplorerRefused(NAME, f"a transaction without the documented fields ({type(exc).__name__})") from None


def _account(lower: str) -> str | None:
    """The EIP-55 spelling, the form parse_address gives and list entries are keyed on."""
    digits = lower.removeprefix("0x")
    if len(digits) != 40 or not all(c in "0123456789abcdef" for c in digits):
        return lower or None
    return eip55(digits)
