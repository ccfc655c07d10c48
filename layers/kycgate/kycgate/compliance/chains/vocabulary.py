"""The words of crypto addresses: chain symbols, networks, address types, error codes.

Chain symbols are the seed's (``btc``, ``eth``: lower case, the blockchain's ticker). Each one
names the chain's main network: the seed's ``chain`` has no way to say testnet, so an address of a
test network given with ``chain: btc`` is refused rather than silently screened as if it were real.
"""

from __future__ import annotations

from enum import StrEnum

# Every chain whose addresses kycgate validates and normalises, so that a list entry and a query of
# the same address meet on one key. The seed analyses BTC and ETH only; the others are recognised
# for detection and sanctions-list lookup (OFAC lists addresses on all of them).
CHAIN_NAMES = {
    "btc": "Bitcoin",
    "eth": "Ethereum",
    "ltc": "Litecoin",
    "bch": "Bitcoin Cash",
    "trx": "Tron",
    "xmr": "Monero",
    "dash": "Dash",
    "zec": "Zcash",
    "btg": "Bitcoin Gold",
    "xvg": "Verge",
    "etc": "Ethereum Classic",
}
ANALYSED_CHAINS = frozenset({"btc", "eth"})

# The currency codes of OFAC's "Digital Currency Address - <code>" remarks, to chain symbols.
# A code missing here (USDT, USDC: tokens on several chains) is read by the address's shape.
LIST_CURRENCIES = {
    "XBT": "btc",
    "BTC": "btc",
    "ETH": "eth",
    "LTC": "ltc",
    "BCH": "bch",
    "TRX": "trx",
    "XMR": "xmr",
    "DASH": "dash",
    "ZEC": "zec",
    "BTG": "btg",
    "XVG": "xvg",
    "ETC": "etc",
}


class Network(StrEnum):
    MAINNET = "mainnet"
    # Bitcoin's testnet3, testnet4 and signet share their encodings (tb1..., m/n/2...), so one word.
    TESTNET = "testnet"
    # Only where the encoding says so (bcrt1, rltc1, bchreg:); base58 regtest addresses read as testnet.
    REGTEST = "regtest"
    STAGENET = "stagenet"  # Monero


class AddressType(StrEnum):
    P2PKH = "p2pkh"
    P2SH = "p2sh"
    P2WPKH = "p2wpkh"
    P2WSH = "p2wsh"
    P2TR = "p2tr"
    # A valid segwit output of a version (or v1 length) no soft fork has defined yet (BIP-350:
    # "all higher versions ... should be recognized as valid recipients"). Bitcoin Core's word.
    WITNESS_UNKNOWN = "witness_unknown"
    # A 20-byte account (Ethereum hex, Tron base58): an EOA or a contract, which the string cannot tell.
    ACCOUNT = "account"
    STANDARD = "standard"  # Monero
    INTEGRATED = "integrated"  # Monero, with a payment id
    SUBADDRESS = "subaddress"  # Monero


class AddressErrorCode(StrEnum):
    """Stable, machine-readable reasons; the message beside each says what to do."""

    EMPTY = "empty"
    INVALID_CHARACTERS = "invalid_characters"
    UNKNOWN_SHAPE = "unknown_shape"
    UNKNOWN_CHAIN = "unknown_chain"
    BAD_LENGTH = "bad_length"
    BAD_CHECKSUM = "bad_checksum"
    WRONG_BECH32_VARIANT = "wrong_bech32_variant"
    MIXED_CASE = "mixed_case"
    BAD_SEGWIT_PROGRAM = "bad_segwit_program"
    UNKNOWN_VERSION = "unknown_version"
    EIP55_CHECKSUM = "eip55_checksum"
    NOT_AN_ADDRESS = "not_an_address"
    TESTNET_ADDRESS = "testnet_address"
    CHAIN_MISMATCH = "chain_mismatch"
    CHAIN_NOT_ANALYSED = "chain_not_analysed"


class AddressError(ValueError):
    """An address (or a chain) kycgate refuses; ``code`` is stable, ``message`` is for a developer.

    A message quotes the input only once it has decoded as an address: what reaches a validator can
    be a private key pasted into the wrong field, and messages end up in logs and HTTP responses.
    ``chain`` is the chain the address was read as, when it got that far.
    """

    def __init__(self, code: AddressErrorCode, message: str, *, chain: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.chain = chain

    def __repr__(self) -> str:
        return f"AddressError({self.code.value!r}, {self.message!r})"
