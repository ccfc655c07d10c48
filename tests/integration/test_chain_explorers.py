"""Contract tests of the chain explorers against local fakes of Esplora and Etherscan (real HTTP on 127.0.0.1)."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator

import pytest
from pydantic import ValidationError

from kycgate.compliance.chains.addresses import parse_address
from kycgate.compliance.chains.esplora import EsploraExplorer
from kycgate.compliance.chains.etherscan import EtherscanExplorer
from kycgate.compliance.chains.explorers import (
    ChainTransaction,
    ExplorerRefused,
    ExplorerUnavailable,
    explorer_for,
    txlist,
)
from kycgate.core.settings import Settings
from kycgate.fakes.explorers import FakeEsplora, FakeEtherscan, esplora_tx, etherscan_tx

ME = "bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g"
ALICE = "bc1qtet8q6cd5vqm0zjfcfm8mfsydju0a29ggqrmu9"
BOB = "1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA"
CAROL = "37VucYSaXLCAsxYyAPfbSi9eh4iEcbShgf"
ETH_ME = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
ETH_OTHER = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"
ETH_CONTRACT = "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB"
KEY = "sekrit-api-key-123"


def _btc_history() -> list[dict]:
    return [  # newest first, as Esplora answers
        esplora_tx("a" * 64, inputs=[(ALICE, 70_000)], outputs=[(ME, 50_000), (ALICE, 19_000)]),  # mempool
        esplora_tx(
            "b" * 64,
            inputs=[(ME, 100_000)],
            outputs=[(BOB, 60_000), (CAROL, 25_000), (ME, 14_000), (None, 0)],
            block_time=1_700_000_300,
        ),
        esplora_tx("c" * 64, inputs=[(ME, 40_000)], outputs=[(ME, 39_000)], block_time=1_700_000_200),
        esplora_tx("d" * 64, inputs=None, outputs=[(ME, 312_500_000)], block_time=1_700_000_100),
        esplora_tx(
            "e" * 64, inputs=[(BOB, 5_000), (CAROL, 150_000)], outputs=[(ME, 150_000)], block_time=1_700_000_000
        ),
    ]


@pytest.fixture
def esplora() -> Iterator[FakeEsplora]:
    with FakeEsplora({ME: _btc_history()}) as fake:
        yield fake


@pytest.fixture
def etherscan() -> Iterator[FakeEtherscan]:
    history = [
        etherscan_tx("0x01", sender=ETH_OTHER, receiver=ETH_ME, value_wei=10**18, time=1_700_000_000, block=100),
        etherscan_tx("0x02", sender=ETH_ME, receiver=ETH_OTHER, value_wei=1, time=1_700_000_100, block=101),
        etherscan_tx("0x03", sender=ETH_ME, receiver=ETH_ME, value_wei=0, time=1_700_000_200, block=102),
        etherscan_tx(
            "0x04",
            sender=ETH_ME,
            receiver="",
            value_wei=0,
            time=1_700_000_300,
            block=103,
            contract_address=ETH_CONTRACT,
        ),
        etherscan_tx(
            "0x05",
            sender=ETH_ME,
            receiver=ETH_OTHER,
            value_wei=25 * 10**16,
            time=1_700_000_400,
            block=104,
            is_error=True,
        ),
    ]
    with FakeEtherscan({ETH_ME: history}, api_key=KEY) as fake:
        yield fake


# --- Esplora ---------------------------------------------------------------------------------------


def test_esplora_transactions_are_normalised(esplora: FakeEsplora) -> None:
    txs = EsploraExplorer(esplora.url).transactions(ME, limit=10, timeout=2)
    assert txs == [
        ChainTransaction("a" * 64, None, "in", ALICE, "0.0005", "BTC", False),  # unconfirmed
        # Sent: to the others only (not the change, not the fee); the largest other output.
        ChainTransaction("b" * 64, 1_700_000_300, "out", BOB, "0.00085", "BTC", False),
        ChainTransaction("c" * 64, 1_700_000_200, "self", None, "0.00039", "BTC", False),
        ChainTransaction("d" * 64, 1_700_000_100, "in", None, "3.125", "BTC", False),  # coinbase
        ChainTransaction("e" * 64, 1_700_000_000, "in", CAROL, "0.0015", "BTC", False),
    ]
    assert esplora.requests[0].path == f"/api/address/{ME}/txs"


def test_esplora_pages_confirmed_transactions_up_to_the_limit() -> None:
    history = [
        esplora_tx(f"{i:064x}", inputs=[(ALICE, 2_000)], outputs=[(ME, 1_000)], block_time=i) for i in range(60, 0, -1)
    ]
    with FakeEsplora({ME: history}) as fake:
        explorer = EsploraExplorer(fake.url)
        assert len(explorer.transactions(ME, limit=10, timeout=2)) == 10
        assert len(fake.requests) == 1
        txs = explorer.transactions(ME, limit=55, timeout=2)
        assert [tx.time for tx in txs] == list(range(60, 5, -1))
        assert [r.path for r in fake.requests[1:]] == [
            f"/api/address/{ME}/txs",
            f"/api/address/{ME}/txs/chain/{history[24]['txid']}",
            f"/api/address/{ME}/txs/chain/{history[49]['txid']}",
        ]
        assert len(explorer.transactions(ME, limit=500, timeout=2)) == 60  # stops at a short page


def test_esplora_retries_5xx_and_429_then_answers(esplora: FakeEsplora) -> None:
    esplora.fail_next(2, status=503, body=b"Service Unavailable")
    assert len(EsploraExplorer(esplora.url).transactions(ME, limit=10, timeout=2)) == 5
    assert len(esplora.requests) == 3
    esplora.fail_next(1, status=429, headers={"Retry-After": "1"})
    started = time.monotonic()
    assert len(EsploraExplorer(esplora.url).transactions(ME, limit=10, timeout=2)) == 5
    assert time.monotonic() - started >= 0.9  # Retry-After honoured


def test_esplora_retry_after_is_capped(esplora: FakeEsplora) -> None:
    esplora.fail_next(1, status=429, headers={"Retry-After": "3600"})
    started = time.monotonic()
    EsploraExplorer(esplora.url).transactions(ME, limit=10, timeout=2)
    assert time.monotonic() - started < 3


def test_esplora_gives_up_after_three_attempts(esplora: FakeEsplora) -> None:
    esplora.fail_next(5, status=502, body=b"Bad Gateway")
    with pytest.raises(ExplorerUnavailable, match="HTTP 502 after retries"):
        EsploraExplorer(esplora.url).transactions(ME, limit=10, timeout=2)
    assert len(esplora.requests) == 3


def test_esplora_4xx_is_not_retried_and_says_why(esplora: FakeEsplora) -> None:
    with pytest.raises(ExplorerRefused, match="HTTP 400: Address on invalid network"):
        EsploraExplorer(esplora.url).transactions("tb1qxdyjf6h5d6qxap4n2dap97q4j5ps6ua8sll0ct", limit=10, timeout=2)
    assert len(esplora.requests) == 1


def test_esplora_redirects_are_not_followed(esplora: FakeEsplora) -> None:
    esplora.fail_next(1, status=301, headers={"Location": "http://127.0.0.1:9/elsewhere"})
    with pytest.raises(ExplorerRefused, match="HTTP 301"):
        EsploraExplorer(esplora.url).transactions(ME, limit=10, timeout=2)
    assert len(esplora.requests) == 1


def test_esplora_slow_answers_time_out_and_are_retried(esplora: FakeEsplora) -> None:
    esplora.fail_next(1, status=200, delay=1.0)
    assert len(EsploraExplorer(esplora.url).transactions(ME, limit=10, timeout=0.3)) == 5
    esplora.fail_next(3, status=200, delay=1.0)
    started = time.monotonic()
    with pytest.raises(ExplorerUnavailable, match="ReadTimeoutError"):
        EsploraExplorer(esplora.url).transactions(ME, limit=10, timeout=0.3)
    # Three attempts of 0.3 s and urllib3's backoff (0 s, then 0.5 s + up to 0.1 s of jitter).
    assert time.monotonic() - started < 3 * 0.3 + 0.6 + 0.5


def test_esplora_malformed_answers_are_refused(esplora: FakeEsplora) -> None:
    broken = {ME: [{"txid": "x", "status": {"confirmed": True}}]}
    with FakeEsplora(broken) as fake, pytest.raises(ExplorerRefused, match="documented fields"):
        EsploraExplorer(fake.url).transactions(ME, limit=10, timeout=2)
    esplora.fail_next(1, status=200, body=b"<html>maintenance</html>")
    with pytest.raises(ExplorerRefused, match="not JSON"):
        EsploraExplorer(esplora.url).transactions(ME, limit=10, timeout=2)


# --- Etherscan -------------------------------------------------------------------------------------


def test_etherscan_txlist_is_normalised(etherscan: FakeEtherscan) -> None:
    txs = EtherscanExplorer(etherscan.url, api_key=KEY).transactions(ETH_ME, limit=10, timeout=2)
    assert txs == [  # sort=desc
        ChainTransaction("0x05", 1_700_000_400, "out", ETH_OTHER, "0.25", "ETH", True),
        ChainTransaction("0x04", 1_700_000_300, "out", ETH_CONTRACT, "0", "ETH", False),  # contract creation
        ChainTransaction("0x03", 1_700_000_200, "self", None, "0", "ETH", False),
        ChainTransaction("0x02", 1_700_000_100, "out", ETH_OTHER, "0.000000000000000001", "ETH", False),
        ChainTransaction("0x01", 1_700_000_000, "in", ETH_OTHER, "1", "ETH", False),
    ]
    (request,) = etherscan.requests
    assert request.path == "/v2/api"
    assert request.query == {
        "chainid": "1",
        "module": "account",
        "action": "txlist",
        "address": ETH_ME,
        "startblock": "0",
        "endblock": "latest",
        "page": "1",
        "offset": "10",
        "sort": "desc",
        "apikey": KEY,
    }
    assert len(EtherscanExplorer(etherscan.url, api_key=KEY).transactions(ETH_ME, limit=2, timeout=2)) == 2


def test_etherscan_no_transactions(etherscan: FakeEtherscan) -> None:
    assert EtherscanExplorer(etherscan.url, api_key=KEY).transactions(ETH_OTHER, limit=10, timeout=2) == []


def test_etherscan_errors_in_a_200_body_are_refused_without_retry(etherscan: FakeEtherscan) -> None:
    with pytest.raises(ExplorerRefused, match="Invalid API Key") as refused:
        EtherscanExplorer(etherscan.url, api_key="wrong").transactions(ETH_ME, limit=10, timeout=2)
    assert "wrong" not in str(refused.value)
    with pytest.raises(ExplorerRefused, match="chainid"):
        EtherscanExplorer(etherscan.url, api_key=KEY, chain_id=56).transactions(ETH_ME, limit=10, timeout=2)
    assert len(etherscan.requests) == 2


def test_etherscan_rate_limit_is_retried_with_backoff(etherscan: FakeEtherscan) -> None:
    etherscan.rate_limit_next(2)
    assert len(EtherscanExplorer(etherscan.url, api_key=KEY).transactions(ETH_ME, limit=10, timeout=2)) == 5
    assert len(etherscan.requests) == 3
    etherscan.rate_limit_next(5)
    with pytest.raises(ExplorerUnavailable, match="rate limited after retries"):
        EtherscanExplorer(etherscan.url, api_key=KEY).transactions(ETH_ME, limit=10, timeout=2)
    assert len(etherscan.requests) == 6


def test_etherscan_retries_share_one_budget_across_429_and_body_rate_limits(etherscan: FakeEtherscan) -> None:
    etherscan.fail_next(1, status=429)
    etherscan.rate_limit_next(2)  # answered after the 429: the third attempt is the last
    with pytest.raises(ExplorerUnavailable):
        EtherscanExplorer(etherscan.url, api_key=KEY).transactions(ETH_ME, limit=10, timeout=2)
    assert len(etherscan.requests) == 3


def test_etherscan_5xx_is_retried(etherscan: FakeEtherscan) -> None:
    etherscan.fail_next(2, status=502)
    assert len(EtherscanExplorer(etherscan.url, api_key=KEY).transactions(ETH_ME, limit=10, timeout=2)) == 5
    assert len(etherscan.requests) == 3


def test_an_unreachable_explorer_never_reveals_the_api_key() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again before the call: connection refused
    with pytest.raises(ExplorerUnavailable) as caught:
        EtherscanExplorer(f"http://127.0.0.1:{port}/v2/api", api_key=KEY).transactions(ETH_ME, limit=10, timeout=1)
    assert KEY not in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_urllib3_logs_never_carry_the_api_key(etherscan: FakeEtherscan, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="urllib3")
    etherscan.fail_next(1, status=503)
    EtherscanExplorer(etherscan.url, api_key=KEY).transactions(ETH_ME, limit=10, timeout=2)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ExplorerUnavailable):
        EtherscanExplorer(f"http://127.0.0.1:{port}/v2/api", api_key=KEY).transactions(ETH_ME, limit=10, timeout=1)
    messages = [record.getMessage() for record in caplog.records]
    assert any("apikey=[redacted]" in m for m in messages)  # urllib3 did log the URLs
    assert any(record.levelno == logging.WARNING for record in caplog.records)  # and the broken connections
    assert not any(KEY in m for m in messages)


# --- Settings and the txlist seam ------------------------------------------------------------------


def test_no_explorer_by_default_means_an_empty_txlist() -> None:
    settings = Settings.from_environment({})
    assert explorer_for("btc", settings) is None and explorer_for("eth", settings) is None
    assert txlist(parse_address(ME), settings) == []
    assert txlist(parse_address(ETH_ME), settings) == []


def test_configured_explorers_fill_txlist_for_analysed_addresses_only(
    esplora: FakeEsplora, etherscan: FakeEtherscan
) -> None:
    settings = Settings.from_environment(
        {
            "KYCGATE_BTC_EXPLORER_URL": esplora.url,
            "KYCGATE_ETH_EXPLORER_URL": etherscan.url,
            "KYCGATE_ETH_EXPLORER_API_KEY": KEY,
            "KYCGATE_EXPLORER_MAX_TRANSACTIONS": "3",
        }
    )
    assert [tx.hash for tx in txlist(parse_address(ME), settings)] == ["a" * 64, "b" * 64, "c" * 64]
    assert [tx.hash for tx in txlist(parse_address(ETH_ME.lower()), settings)] == ["0x05", "0x04", "0x03"]
    assert txlist(parse_address("LX4YojYdeBk3TtUcryCcgAqYxjicKfK7AD"), settings) == []
    assert txlist(parse_address("tb1qxdyjf6h5d6qxap4n2dap97q4j5ps6ua8sll0ct"), settings) == []
    assert KEY not in repr(settings)


@pytest.mark.parametrize(
    "url",
    ["http://explorer.example/api", "ftp://127.0.0.1/api", "https://user:pw@explorer.example/api", "https://x.io/?a=1"],
)
def test_explorer_urls_must_be_https_except_on_loopback(url: str) -> None:
    with pytest.raises(ValidationError, match="explorer URL"):
        Settings.from_environment({"KYCGATE_BTC_EXPLORER_URL": url})
    assert Settings.from_environment(
        {"KYCGATE_BTC_EXPLORER_URL": "https://blockstream.info/api/"}
    ).btc_explorer_url == ("https://blockstream.info/api")
