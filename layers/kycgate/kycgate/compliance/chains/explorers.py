"""Chain data for KYA's ``txlist``: the interface a deployment plugs an explorer into.

No chain data source is reachable from kycgate by default, so ``txlist`` is empty unless an
operator configures an explorer for the chain (settings, all empty by default):

- BTC: an Esplora API (Blockstream's or mempool.space's public API, or a self-hosted one):
  ``KYCGATE_BTC_EXPLORER_URL=https://blockstream.info/api``.
- ETH: an Etherscan-style ``module=account&action=txlist`` API:
  ``KYCGATE_ETH_EXPLORER_URL=https://api.etherscan.io/v2/api``, ``KYCGATE_ETH_EXPLORER_API_KEY``,
  ``KYCGATE_ETH_EXPLORER_CHAIN_ID`` (1).

Another source implements ``ChainExplorer`` and is returned by ``explorer_for``. Each call is
bounded in count (``limit``) and time: every HTTP attempt has ``timeout`` seconds to connect and
to read, and a call makes at most 3 attempts per page (429 and 5xx are retried after a backoff of
0.5 s then 1 s, or the server's Retry-After up to 2 s; other 4xx are not), so an Esplora call of one
page takes at most 3 x timeout + 1.5 s (+ 2 x jitter) and never follows a redirect.

Explorer URLs are operator settings, not tenant input: they do not go through the callback SSRF
guard (webhooks/ssrf.py), which would refuse the private address of a self-hosted Esplora, the
setup that keeps the addresses a tenant screens from a third party. Settings require https except
on loopback.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Literal, NamedTuple, Protocol

if TYPE_CHECKING:
    from kycgate.compliance.chains.addresses import ParsedAddress
    from kycgate.core.settings import Settings

Direction = Literal["in", "out", "self"]


class ChainTransaction(NamedTuple):
    """One transaction of an address, as ``txlist`` carries it."""

    hash: str
    time: int | None  # Unix seconds of the block; None while unconfirmed
    direction: Direction  # in: received; out: sent; self: sent to itself only
    # The other side: for an account chain the other account (or the contract created); for a
    # UTXO chain the largest other party (output for "out", input for "in"); None for a coinbase.
    counterparty: str | None
    amount: str  # exact decimal in whole units of ``asset`` (BTC, ETH), what moved to/from the other side
    asset: str
    failed: bool  # the chain recorded it as failed (EVM revert): no value moved


class ChainExplorer(Protocol):
    chain: str

    def transactions(self, address: str, *, limit: int, timeout: float) -> list[ChainTransaction]:
        """At most ``limit`` transactions of ``address`` (normalised), newest first.

        Raises ExplorerUnavailable (try later) or ExplorerRefused (the request or the configuration is wrong).
        """
        ...


class ExplorerError(Exception):
    """An explorer call that failed; the message never carries the URL's query (it holds API keys)."""

    def __init__(self, explorer: str, message: str) -> None:
        super().__init__(f"{explorer}: {message}")
        self.explorer = explorer
        self.message = message


class ExplorerUnavailable(ExplorerError):
    """No usable answer: timeouts, refused connections, 429 or 5xx after the retries. Try again later."""


class ExplorerRefused(ExplorerError):
    """The explorer refused the request (4xx, an invalid API key, a malformed answer): retrying will not help."""


def explorer_for(chain: str, settings: Settings | None = None) -> ChainExplorer | None:
    """The explorer configured for ``chain``, or None (then txlist is empty)."""
    if settings is None:
        from kycgate.core.settings import get_settings

        settings = get_settings()
    if chain == "btc" and settings.btc_explorer_url:
        from kycgate.compliance.chains.esplora import EsploraExplorer

        return EsploraExplorer(settings.btc_explorer_url)
    if chain == "eth" and settings.eth_explorer_url:
        from kycgate.compliance.chains.etherscan import EtherscanExplorer

        return EtherscanExplorer(
            settings.eth_explorer_url,
            api_key=settings.eth_explorer_api_key.get_secret_value(),
            chain_id=settings.eth_explorer_chain_id,
        )
    return None


def txlist(parsed: ParsedAddress, settings: Settings | None = None) -> list[ChainTransaction]:
    """The transactions of an analysable address from its configured explorer; [] if there is none.

    Errors propagate (ExplorerUnavailable, ExplorerRefused): whether a task then carries an empty
    txlist or the request fails is the API's decision.
    """
    if not parsed.analysable:
        return []
    if settings is None:
        from kycgate.core.settings import get_settings

        settings = get_settings()
    explorer = explorer_for(parsed.chain, settings)
    if explorer is None:
        return []
    return explorer.transactions(
        parsed.address, limit=settings.explorer_max_transactions, timeout=settings.explorer_timeout_seconds
    )


def whole_units(base_units: int, decimals: int) -> str:
    """``150000`` satoshi, 8 decimals -> ``"0.0015"``: exact, no exponent, no trailing zeros."""
    return format(Decimal(base_units).scaleb(-decimals).normalize(), "f")
