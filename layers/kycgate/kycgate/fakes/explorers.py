"""Fake chain explorers: Esplora (Blockstream/esplora API.md) and Etherscan V2 ``account/txlist``.

    with FakeEsplora({address: [esplora_tx(...), ...]}) as esplora:
        EsploraExplorer(esplora.url).transactions(address, limit=10, timeout=2)

Transactions are given newest first, in each API's own JSON shape (``esplora_tx`` and
``etherscan_tx`` build complete records). ``fail_next`` makes the next requests answer with a
status (and Retry-After) or answer late; ``FakeEtherscan.rate_limit_next`` answers Etherscan's
rate-limit error, which comes as HTTP 200. ``requests`` records every request's path and query.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple, Self
from urllib.parse import parse_qs, unquote, urlsplit


class Request(NamedTuple):
    path: str
    query: dict[str, str]


class Fault(NamedTuple):
    status: int
    body: bytes | None  # None with status 200: the normal answer (late, with a delay)
    headers: Mapping[str, str]
    delay: float


Answer = tuple[int, dict[str, str], bytes]


class FakeServer:
    """A threaded HTTP server on 127.0.0.1 (an ephemeral port); ``url`` is its API base."""

    base_path = ""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self._faults: deque[Fault] = deque()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "start the fake first"
        return f"http://127.0.0.1:{self._server.server_address[1]}{self.base_path}"

    def fail_next(
        self,
        count: int = 1,
        *,
        status: int = 503,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        delay: float = 0.0,
    ) -> None:
        """The next ``count`` requests answer ``status`` and ``body`` (after ``delay`` seconds).

        ``status=200`` without a body answers normally but late (a slow provider).
        """
        with self._lock:
            self._faults.extend([Fault(status, body, dict(headers or {}), delay)] * count)

    def answer(self, path: str, query: dict[str, str]) -> Answer:
        raise NotImplementedError

    def start(self) -> Self:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
                with fake._lock:
                    fake.requests.append(Request(parts.path, query))
                    fault = fake._faults.popleft() if fake._faults else None
                if fault is not None and fault.delay:
                    time.sleep(fault.delay)
                if fault is not None and (fault.status != 200 or fault.body is not None):
                    status, headers = fault.status, {"Content-Type": "text/plain", **fault.headers}
                    body = fault.body or b""
                else:
                    status, headers, body = fake.answer(parts.path, query)
                try:
                    self.send_response(status)
                    for name, value in {**headers, "Content-Length": str(len(body))}.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (its timeout): nothing to answer

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        # A short poll keeps stop() (which waits for the serving loop to notice) quick.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name=type(self).__name__, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _json(status: int, value: Any) -> Answer:
    return status, {"Content-Type": "application/json"}, json.dumps(value).encode()


def _text(status: int, text: str) -> Answer:
    return status, {"Content-Type": "text/plain"}, text.encode()


# --- Esplora -------------------------------------------------------------------------------------

_ESPLORA_MEMPOOL_PAGE = 50
_ESPLORA_CHAIN_PAGE = 25


class FakeEsplora(FakeServer):
    """``/api/address/:address/txs`` and ``/api/address/:address/txs/chain[/:last_seen_txid]``."""

    base_path = "/api"

    def __init__(self, transactions: Mapping[str, Sequence[dict[str, Any]]] | None = None) -> None:
        super().__init__()
        self.transactions = {address: list(txs) for address, txs in (transactions or {}).items()}

    def answer(self, path: str, query: dict[str, str]) -> Answer:
        parts = path.removeprefix(self.base_path + "/").split("/")
        if len(parts) < 3 or parts[0] != "address" or parts[2] != "txs" or len(parts) > 5:
            return _text(404, "Not Found")
        address = unquote(parts[1])
        if address.lower().startswith(("tb1", "bcrt1")) or address[:1] in ("m", "n", "2"):
            return _text(400, "Address on invalid network")  # electrs rest.rs, address_to_scripthash
        if not address.isalnum():
            return _text(400, "Invalid Bitcoin address")
        txs = self.transactions.get(address, [])
        mempool = [tx for tx in txs if not tx["status"]["confirmed"]]
        confirmed = [tx for tx in txs if tx["status"]["confirmed"]]
        if len(parts) == 3:
            return _json(200, mempool[:_ESPLORA_MEMPOOL_PAGE] + confirmed[:_ESPLORA_CHAIN_PAGE])
        if parts[3] != "chain":
            return _text(404, "Not Found")
        start = 0
        if len(parts) == 5:
            seen = [i for i, tx in enumerate(confirmed) if tx["txid"] == parts[4]]
            if not seen:
                return _json(200, [])
            start = seen[0] + 1
        return _json(200, confirmed[start : start + _ESPLORA_CHAIN_PAGE])


def esplora_tx(
    txid: str,
    *,
    inputs: Sequence[tuple[str | None, int]] | None,
    outputs: Sequence[tuple[str | None, int]],
    block_time: int | None = None,
    block_height: int | None = None,
) -> dict[str, Any]:
    """An Esplora transaction with every documented field; ``inputs=None`` is a coinbase.

    ``inputs``/``outputs`` are (address, satoshis); an output address of None is an OP_RETURN.
    Scripts are placeholders of the right kind: the client reads addresses and values only.
    """

    def output(address: str | None, value: int) -> dict[str, Any]:
        spk: dict[str, Any] = {
            "scriptpubkey": "6a" if address is None else "0014" + "00" * 20,
            "scriptpubkey_asm": "OP_RETURN" if address is None else "OP_0 OP_PUSHBYTES_20 " + "00" * 20,
            "scriptpubkey_type": "op_return" if address is None else "v0_p2wpkh",
            "value": value,
        }
        if address is not None:
            spk["scriptpubkey_address"] = address
        return spk

    vin: list[dict[str, Any]]
    if inputs is None:
        vin = [
            {
                "txid": "00" * 32,
                "vout": 4294967295,
                "prevout": None,
                "scriptsig": "03a0bb0d",
                "scriptsig_asm": "OP_PUSHBYTES_3 a0bb0d",
                "is_coinbase": True,
                "sequence": 4294967295,
            }
        ]
    else:
        vin = [
            {
                "txid": f"{index:064x}",
                "vout": 0,
                "prevout": output(address, value),
                "scriptsig": "",
                "scriptsig_asm": "",
                "witness": ["30" * 36, "02" + "11" * 32],
                "is_coinbase": False,
                "sequence": 4294967293,
            }
            for index, (address, value) in enumerate(inputs, start=1)
        ]
    fee = sum(v for _, v in inputs) - sum(v for _, v in outputs) if inputs is not None else 0
    confirmed = block_time is not None
    return {
        "txid": txid,
        "version": 2,
        "locktime": 0,
        "vin": vin,
        "vout": [output(address, value) for address, value in outputs],
        "size": 222,
        "weight": 561,
        "fee": fee,
        "status": {
            "confirmed": confirmed,
            **(
                {"block_height": block_height or 800000, "block_hash": "00" * 32, "block_time": block_time}
                if confirmed
                else {}
            ),
        },
    }


# --- Etherscan -----------------------------------------------------------------------------------

ETHERSCAN_RATE_LIMIT = "Max rate limit reached, please use API Key for higher rate limit"


class FakeEtherscan(FakeServer):
    """Etherscan API V2 ``/v2/api?chainid=&module=account&action=txlist&...&apikey=``."""

    base_path = "/v2/api"

    def __init__(
        self,
        transactions: Mapping[str, Sequence[dict[str, Any]]] | None = None,
        *,
        api_key: str = "test-api-key",
        chain_ids: Sequence[int] = (1,),
    ) -> None:
        super().__init__()
        self.transactions = {address.lower(): list(txs) for address, txs in (transactions or {}).items()}
        self.api_key = api_key
        self.chain_ids = {str(c) for c in chain_ids}
        self._rate_limited = 0

    def rate_limit_next(self, count: int = 1) -> None:
        with self._lock:
            self._rate_limited += count

    def answer(self, path: str, query: dict[str, str]) -> Answer:
        if path != self.base_path:
            return _text(404, "Not Found")
        with self._lock:
            limited, self._rate_limited = self._rate_limited > 0, max(0, self._rate_limited - 1)
        if limited:
            return _notok(ETHERSCAN_RATE_LIMIT)
        if query.get("chainid") not in self.chain_ids:
            return _notok(
                "Missing or unsupported chainid parameter (required for v2 api), please see "
                "https://api.etherscan.io/v2/chainlist for the list of supported chainids"
            )
        if query.get("apikey") != self.api_key:
            return _notok("Invalid API Key")
        if query.get("module") != "account" or query.get("action") != "txlist":
            return _notok("Error! Missing Or invalid Action name")
        address = query.get("address", "").lower()
        if len(address) != 42 or not address.startswith("0x") or not all(c in "0123456789abcdef" for c in address[2:]):
            return _notok("Error! Invalid address format")
        txs = sorted(self.transactions.get(address, []), key=lambda tx: int(tx["blockNumber"]))
        if query.get("sort", "asc") == "desc":
            txs.reverse()
        page, offset = int(query.get("page", "1")), int(query.get("offset", "10000"))
        txs = txs[(page - 1) * offset : page * offset]
        if not txs:
            return _json(200, {"status": "0", "message": "No transactions found", "result": []})
        return _json(200, {"status": "1", "message": "OK", "result": txs})


def _notok(reason: str) -> Answer:
    return _json(200, {"status": "0", "message": "NOTOK", "result": reason})


def etherscan_tx(
    tx_hash: str,
    *,
    sender: str,
    receiver: str,
    value_wei: int,
    time: int,
    block: int,
    is_error: bool = False,
    contract_address: str = "",
) -> dict[str, Any]:
    """A ``txlist`` record with every documented field, all strings as Etherscan sends them."""
    return {
        "blockNumber": str(block),
        "timeStamp": str(time),
        "hash": tx_hash,
        "nonce": "0",
        "blockHash": "0x" + "00" * 32,
        "transactionIndex": "0",
        "from": sender.lower(),
        "to": receiver.lower(),
        "value": str(value_wei),
        "gas": "21000",
        "gasPrice": "1000000000",
        "isError": "1" if is_error else "0",
        "txreceipt_status": "0" if is_error else "1",
        "input": "0x",
        "contractAddress": contract_address.lower(),
        "cumulativeGasUsed": "21000",
        "gasUsed": "21000",
        "confirmations": "12",
        "methodId": "0x",
        "functionName": "",
    }
