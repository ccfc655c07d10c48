"""Crypto address validation, normalisation and chain detection for KYA.

``parse_address(address, chain=None)`` reads an address, checks it with its chain's codec and
checksum, and returns it normalised (the chain's canonical spelling, the key a sanctions list and a
query meet on) with its chain, network and type. It raises ``AddressError`` with a stable ``code``.

Detection, when ``chain`` is not given, follows these rules (every shape below is exact: a
checksum or codec decides, never a regular expression alone):

- ``0x`` + 40 hex digits: ``eth`` (the same string is valid on every EVM chain; ``chain: etc``
  reads it as Ethereum Classic). Mixed case must carry a valid EIP-55 checksum; the normalised form
  is the EIP-55 spelling.
- bech32/bech32m by human-readable part: ``bc``/``tb``/``bcrt`` Bitcoin, ``ltc``/``tltc``/``rltc``
  Litecoin, ``btg``/``tbtg``/``btgrt`` Bitcoin Gold. Normalised to lower case.
- CashAddr with or without its ``bitcoincash:``/``bchtest:``/``bchreg:`` prefix: ``bch``; normalised
  with its prefix, in lower case.
- Monero base58 (95 or 106 characters): ``xmr``.
- base58check, by version byte. Bitcoin wins where shapes are shared: ``1...``/``3...`` are ``btc``
  (``chain: bch`` reads them as legacy Bitcoin Cash, normalised to CashAddr; ``chain: ltc`` reads
  ``3...`` as legacy Litecoin P2SH, normalised to ``M...``), and the test networks' ``m``/``n``/``2``
  are Bitcoin testnet. ``D...`` is Verge (Dogecoin shares the byte; kycgate does not know Dogecoin).

With ``chain`` given, the address must be valid on that chain's main network: a test-network address
is ``testnet_address`` ("...is a testnet address; chain btc means mainnet"), another chain's address
``chain_mismatch``. The seed analyses BTC and ETH only: every other recognised chain parses (so
that it can be looked up in the sanctions lists) with ``analysable=False``, and
``ensure_analysable`` raises ``chain_not_analysed`` for the API to answer 422.
"""

from __future__ import annotations

from typing import NamedTuple

from kycgate.compliance.chains import encodings
from kycgate.compliance.chains.vocabulary import (
    ANALYSED_CHAINS,
    CHAIN_NAMES,
    LIST_CURRENCIES,
    AddressError,
    AddressErrorCode,
    AddressType,
    Network,
)

__all__ = [
    "ANALYSED_CHAINS",
    "CHAIN_NAMES",
    "AddressError",
    "AddressErrorCode",
    "AddressType",
    "Network",
    "ParsedAddress",
    "chain_for_list_currency",
    "detect_chain",
    "ensure_analysable",
    "parse_address",
]

# Longer than any supported address (a 32-byte CashAddr with its prefix is 73): refused before any
# decoding, whose cost grows with the length.
MAX_ADDRESS_LENGTH = 128


class ParsedAddress(NamedTuple):
    chain: str  # the seed's symbol: btc, eth, ltc, ...
    address: str  # normalised: the chain's canonical spelling
    address_type: AddressType
    network: Network
    analysable: bool  # kycgate analyses it (BTC/ETH main network); every parsed address can be screened


def parse_address(address: str, chain: str | None = None) -> ParsedAddress:
    """Validate and normalise ``address``, on ``chain`` if given (else detected); AddressError if invalid."""
    text = address.strip()
    if not text:
        raise AddressError(AddressErrorCode.EMPTY, "the address is empty")
    if len(text) > MAX_ADDRESS_LENGTH:
        raise AddressError(
            AddressErrorCode.BAD_LENGTH, f"longer than any supported address ({MAX_ADDRESS_LENGTH} characters at most)"
        )
    if not text.isascii() or not text.isprintable() or any(c.isspace() for c in text):
        raise AddressError(
            AddressErrorCode.INVALID_CHARACTERS,
            "the address contains whitespace, control or non-ASCII characters, which no address format uses",
        )
    wanted = _chain_symbol(chain) if chain is not None else None
    reading = encodings.read(text, wanted)
    if wanted is not None:
        if reading.chain != wanted:
            raise AddressError(
                AddressErrorCode.CHAIN_MISMATCH,
                f"{reading.address} is a {reading.chain} address ({_describe(reading)}), which chain {wanted} "
                "does not accept; send the chain it belongs to, or no chain to have it detected",
                chain=reading.chain,
            )
        if reading.network != Network.MAINNET:
            raise AddressError(
                AddressErrorCode.TESTNET_ADDRESS,
                f"{reading.address} is a {reading.network} address; chain {wanted} means mainnet",
                chain=wanted,
            )
    return ParsedAddress(
        chain=reading.chain,
        address=reading.address,
        address_type=reading.address_type,
        network=reading.network,
        analysable=reading.chain in ANALYSED_CHAINS and reading.network == Network.MAINNET,
    )


def detect_chain(address: str) -> str:
    """The chain symbol of ``address`` by the rules above; AddressError if it is no supported address."""
    return parse_address(address).chain


def ensure_analysable(parsed: ParsedAddress) -> ParsedAddress:
    """``parsed`` if kycgate analyses it; AddressError ``chain_not_analysed`` / ``testnet_address`` if not.

    Call it after the sanctions-list lookup: a recognised address of another chain is still screened.
    """
    if parsed.network != Network.MAINNET:
        raise AddressError(
            AddressErrorCode.TESTNET_ADDRESS,
            f"{parsed.address} is a {parsed.chain} {parsed.network} address; analysis covers main networks only",
            chain=parsed.chain,
        )
    if parsed.chain not in ANALYSED_CHAINS:
        raise AddressError(
            AddressErrorCode.CHAIN_NOT_ANALYSED,
            f"{parsed.address} is a valid {CHAIN_NAMES[parsed.chain]} ({parsed.chain}) address, but analysis is "
            "BTC/ETH only",
            chain=parsed.chain,
        )
    return parsed


def chain_for_list_currency(code: str) -> str | None:
    """The chain of an OFAC ``Digital Currency Address - <code>`` remark (XBT -> btc), None if unknown.

    A code with no chain here (a token such as USDT lives on several chains) is read by its shape:
    pass None to parse_address.
    """
    return LIST_CURRENCIES.get(code.strip().upper())


def _chain_symbol(chain: str) -> str:
    symbol = chain.strip().lower()
    if symbol not in CHAIN_NAMES:
        raise AddressError(
            AddressErrorCode.UNKNOWN_CHAIN,
            f"unknown chain {chain[:16]!r}; supported: {', '.join(CHAIN_NAMES)} (analysis: btc, eth)",
        )
    return symbol


def _describe(reading: encodings.Reading) -> str:
    network = "" if reading.network == Network.MAINNET else f"{reading.network} "
    return f"{network}{reading.address_type}"
