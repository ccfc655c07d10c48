"""Reading an address string in each encoding: base58check, segwit bech32/bech32m, CashAddr, 0x hex, Monero.

The codecs are libraries: ``base58_bech32`` (base58check, bech32/bech32m, CashAddr; by the btclib
developers, standard library only) and ``sha3`` (safe-pysha3: Keccak-256, which ``hashlib`` lacks:
its ``sha3_256`` pads differently). What is written here is what those codecs leave to their caller:
which chain a version byte or prefix belongs to, the segwit program rules of BIP-141/173/350, the
EIP-55 capitalisation rule, Monero's block framing of base58 (below), and an error a developer can
act on for each way an address can be wrong.

``read`` returns the reading of an address on the chain asked for, if it has one, else its best
reading: a shape several chains share (a base58 version 5 address is BTC P2SH, legacy LTC P2SH and
legacy BCH P2SH) has a reading per chain, and only the one returned is normalised.
"""

from __future__ import annotations

from typing import NamedTuple

from base58_bech32.base58 import b58decode, b58decode_check, b58encode_check
from base58_bech32.bech32 import BECH32_1_CONST, BECH32_M_CONST, bech32_decode, convertbits
from base58_bech32.cashaddr import cashaddr_decode, cashaddr_encode
from base58_bech32.exceptions import Base58Bech32ValueError
from sha3 import keccak_256

from kycgate.compliance.chains.vocabulary import AddressError, AddressType, Network
from kycgate.compliance.chains.vocabulary import AddressErrorCode as Code

MAINNET, TESTNET, REGTEST, STAGENET = Network.MAINNET, Network.TESTNET, Network.REGTEST, Network.STAGENET
P2PKH, P2SH, ACCOUNT = AddressType.P2PKH, AddressType.P2SH, AddressType.ACCOUNT


class Reading(NamedTuple):
    chain: str
    network: Network
    address_type: AddressType
    address: str  # the chain's canonical spelling: the key lists and queries meet on
    # What the address carries without version, prefix or checksum: the 20-byte hash (base58check,
    # CashAddr), the witness program (segwit), the 20-byte account (0x hex, Tron), or the public
    # spend and view keys and any payment id (Monero).
    payload: bytes


# Base58check version bytes (chainparams.cpp of each chain), readings best first. Shared versions:
# 0x00/0x05 are Bitcoin's and also Bitcoin Cash's legacy format (and 0x05 Litecoin's legacy P2SH);
# the test networks of the Bitcoin family all reuse 0x6f/0xc4.
_TESTNET_P2PKH = (("btc", TESTNET, P2PKH), ("ltc", TESTNET, P2PKH), ("bch", TESTNET, P2PKH))
_TESTNET_P2SH = (("btc", TESTNET, P2SH), ("ltc", TESTNET, P2SH), ("bch", TESTNET, P2SH))
_VERSIONS: dict[bytes, tuple[tuple[str, Network, AddressType], ...]] = {
    b"\x00": (("btc", MAINNET, P2PKH), ("bch", MAINNET, P2PKH)),
    b"\x05": (("btc", MAINNET, P2SH), ("ltc", MAINNET, P2SH), ("bch", MAINNET, P2SH)),
    b"\x6f": (*_TESTNET_P2PKH, ("btg", TESTNET, P2PKH), ("xvg", TESTNET, P2PKH)),
    b"\xc4": (*_TESTNET_P2SH, ("btg", TESTNET, P2SH), ("xvg", TESTNET, P2SH)),
    b"\x30": (("ltc", MAINNET, P2PKH),),  # L...
    b"\x32": (("ltc", MAINNET, P2SH),),  # M...
    b"\x3a": (("ltc", TESTNET, P2SH),),  # Q...
    b"\x41": (("trx", MAINNET, ACCOUNT),),  # T...; Tron's test networks use the same byte
    b"\x4c": (("dash", MAINNET, P2PKH),),  # X...
    b"\x10": (("dash", MAINNET, P2SH),),  # 7...
    b"\x8c": (("dash", TESTNET, P2PKH),),  # y...
    b"\x13": (("dash", TESTNET, P2SH),),  # 8... / 9...
    b"\x26": (("btg", MAINNET, P2PKH),),  # G...
    b"\x17": (("btg", MAINNET, P2SH),),  # A...
    b"\x1e": (("xvg", MAINNET, P2PKH),),  # D... (Dogecoin uses 30 too; kycgate does not know Dogecoin)
    b"\x21": (("xvg", MAINNET, P2SH),),  # E...
    # Zcash transparent addresses carry a two-byte version.
    b"\x1c\xb8": (("zec", MAINNET, P2PKH),),  # t1...
    b"\x1c\xbd": (("zec", MAINNET, P2SH),),  # t3...
    b"\x1d\x25": (("zec", TESTNET, P2PKH),),  # tm...
    b"\x1c\xba": (("zec", TESTNET, P2SH),),  # t2...
}
# Litecoin's own P2SH versions (M..., Q...) replaced Bitcoin's 3.../2... in 2017: a legacy one is
# normalised to them, so that both spellings of one script meet on one key.
_LTC_P2SH = {MAINNET: b"\x32", TESTNET: b"\x3a"}

# Segwit human-readable parts (BIP-173 hrp of each chain's chainparams).
_SEGWIT_HRPS = {
    "bc": ("btc", MAINNET),
    "tb": ("btc", TESTNET),  # testnet3, testnet4 and signet
    "bcrt": ("btc", REGTEST),
    "ltc": ("ltc", MAINNET),
    "tltc": ("ltc", TESTNET),
    "rltc": ("ltc", REGTEST),
    "btg": ("btg", MAINNET),
    "tbtg": ("btg", TESTNET),
    "btgrt": ("btg", REGTEST),
}
_CASHADDR_PREFIXES = {"bitcoincash": MAINNET, "bchtest": TESTNET, "bchreg": REGTEST}
# Monero network bytes (cryptonote_config.h): standard, integrated, subaddress per network.
_MONERO: dict[int, tuple[Network, AddressType]] = {
    18: (MAINNET, AddressType.STANDARD),
    19: (MAINNET, AddressType.INTEGRATED),
    42: (MAINNET, AddressType.SUBADDRESS),
    53: (TESTNET, AddressType.STANDARD),
    54: (TESTNET, AddressType.INTEGRATED),
    63: (TESTNET, AddressType.SUBADDRESS),
    24: (STAGENET, AddressType.STANDARD),
    25: (STAGENET, AddressType.INTEGRATED),
    36: (STAGENET, AddressType.SUBADDRESS),
}

_BASE58 = frozenset("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz")
_BECH32 = frozenset("qpzry9x8gf2tvdw0s3jn54khce6mua7l")
_HEX = frozenset("0123456789abcdefABCDEF")
# BIP-173: "The HRP ... the separator ... data ... at most 90 characters".
_BECH32_LIMIT = 90
# Base58check addresses are 25-36 characters (Zcash's two-byte version: 35); WIF private keys are
# 51-52 and extended keys 111-112: those are read too, to be refused for what they are.
_BASE58_LENGTHS = frozenset((*range(25, 37), 51, 52, 111, 112))
_MONERO_LENGTHS = frozenset((95, 106))  # 69 and 77 bytes
_SHORTEST = 14  # bc1sw50qgdz25j: a witness v16 address with a 2-byte program (BIP-350)
_PAYMENT_URI_SCHEMES = frozenset({"bitcoin", "ethereum", "litecoin", "monero", "dash", "zcash", "tron"})


def read(text: str, chain: str | None = None) -> Reading:
    """``text`` (stripped, ASCII, no whitespace) read on ``chain`` if it can be, else its best reading.

    AddressError if it is no address of a supported chain.
    """
    lowered = text.lower()
    if lowered.startswith("0x"):
        return _read_hex(text, chain)
    if ":" in text:
        return _read_cashaddr(text, lowered)
    separator = lowered.rfind("1")
    if separator > 0 and lowered[:separator] in _SEGWIT_HRPS:
        return _read_segwit(text, lowered[:separator])
    if lowered[0] in "qp" and len(text) in (42, 61) and set(lowered) <= _BECH32:
        # CashAddr written without its prefix (42 characters for a 20-byte hash, 61 for 32).
        return _read_cashaddr(text, lowered)
    if set(text) <= _BASE58:
        if len(text) in _MONERO_LENGTHS:
            return _read_monero(text)
        if len(text) in _BASE58_LENGTHS:
            return _read_base58check(text, chain)
    if set(text) <= _HEX and len(text) in (40, 64):
        if len(text) == 64:
            raise _not_an_address_hex()
        raise AddressError(
            Code.UNKNOWN_SHAPE, "40 hex digits without 0x: an Ethereum address is written 0x followed by 40 hex digits"
        )
    if separator > 0 and set(lowered[separator + 1 :]) <= _BECH32 and lowered[:separator].isalpha():
        known = ", ".join(_SEGWIT_HRPS)
        raise AddressError(
            Code.UNKNOWN_SHAPE,
            f"a bech32 string whose human-readable part is no supported chain's (segwit parts: {known})",
        )
    if len(text) < _SHORTEST:
        raise AddressError(
            Code.BAD_LENGTH, f"too short for an address of any supported chain ({_SHORTEST} characters at least)"
        )
    raise AddressError(
        Code.UNKNOWN_SHAPE,
        "not an address of any supported chain (btc, eth, ltc, bch, trx, xmr, dash, zec, btg, xvg, etc)",
    )


def decode_bech32(text: str, *, limit: int = _BECH32_LIMIT) -> tuple[str, list[int], int]:
    """(hrp, 5-bit data without checksum, constant) of a bech32/bech32m string; AddressError otherwise."""
    try:
        return bech32_decode(text, limit=limit)
    except Base58Bech32ValueError as exc:
        raise _bech32_refusal(str(exc)) from None


def _read_segwit(text: str, hrp: str) -> Reading:
    chain, network = _SEGWIT_HRPS[hrp]
    _, data, constant = decode_bech32(text)
    if not data:
        raise AddressError(Code.BAD_SEGWIT_PROGRAM, "the bech32 address has an empty data part (no witness version)")
    version = data[0]
    if version > 16:
        raise AddressError(Code.BAD_SEGWIT_PROGRAM, f"witness version {version} does not exist (segwit has 0 to 16)")
    try:
        program = bytes(convertbits(data[1:], 5, 8, False))
    except Base58Bech32ValueError:
        raise AddressError(
            Code.BAD_SEGWIT_PROGRAM, "the witness program has invalid padding (BIP-173: at most 4 zero bits)"
        ) from None
    if not 2 <= len(program) <= 40:
        raise AddressError(
            Code.BAD_SEGWIT_PROGRAM, f"a witness program of {len(program)} bytes; programs have 2 to 40 (BIP-141)"
        )
    if version == 0 and len(program) not in (20, 32):
        raise AddressError(
            Code.BAD_SEGWIT_PROGRAM,
            f"a witness v0 program of {len(program)} bytes; v0 has 20 (P2WPKH) or 32 (P2WSH) (BIP-141)",
        )
    if version == 0 and constant != BECH32_1_CONST:
        raise AddressError(
            Code.WRONG_BECH32_VARIANT,
            "a witness v0 address with a bech32m checksum; v0 addresses use bech32 (BIP-173, BIP-350)",
        )
    if version != 0 and constant != BECH32_M_CONST:
        raise AddressError(
            Code.WRONG_BECH32_VARIANT,
            f"a witness v{version} address with a bech32 checksum; v1 and later use bech32m (BIP-350)",
        )
    if version == 0:
        address_type = AddressType.P2WPKH if len(program) == 20 else AddressType.P2WSH
    elif version == 1 and len(program) == 32:
        address_type = AddressType.P2TR
    else:
        address_type = AddressType.WITNESS_UNKNOWN
    return Reading(chain, network, address_type, text.lower(), program)


def _bech32_refusal(reason: str) -> AddressError:
    # base58_bech32's messages never quote the string; they name what is wrong.
    if reason == "invalid checksum":
        return AddressError(
            Code.BAD_CHECKSUM, "the bech32 checksum does not match: a character is wrong, missing or swapped"
        )
    if reason == "mixed case":
        return AddressError(Code.MIXED_CASE, "the address mixes upper and lower case; bech32 is written in one case")
    if reason.startswith("too many bech32 characters") or reason == "too short checksum":
        return AddressError(
            Code.BAD_LENGTH, f"not the length of a bech32 address (at most {_BECH32_LIMIT} characters): {reason}"
        )
    if "character" in reason:
        return AddressError(
            Code.INVALID_CHARACTERS,
            f"{reason}: after the separator 1, bech32 uses only qpzry9x8gf2tvdw0s3jn54khce6mua7l",
        )
    return AddressError(Code.UNKNOWN_SHAPE, f"not a bech32 string: {reason}")


def _read_hex(text: str, chain: str | None) -> Reading:
    digits = text[2:]
    if not text.startswith("0x"):
        raise AddressError(Code.UNKNOWN_SHAPE, "an Ethereum address starts with a lower-case 0x")
    if not digits or not set(digits) <= _HEX:
        raise AddressError(Code.INVALID_CHARACTERS, "an 0x address has only hex digits (0-9, a-f) after the 0x")
    if len(digits) == 64:
        raise _not_an_address_hex()
    if len(digits) != 40:
        raise AddressError(
            Code.BAD_LENGTH, f"an Ethereum address has 40 hex digits after 0x; this one has {len(digits)}"
        )
    lower = digits.lower()
    checksummed = eip55(lower)
    if digits not in (lower, digits.upper()) and "0x" + digits != checksummed:
        # Never say which capitalisation would be right: that would turn a typo into a valid address.
        raise AddressError(
            Code.EIP55_CHECKSUM,
            "the address mixes upper and lower case but its EIP-55 checksum does not match: a character is "
            "wrong or its case was changed; send it exactly as the wallet shows it",
        )
    # 0x addresses are the same on every EVM chain: Ethereum unless the caller says Ethereum Classic.
    return Reading("etc" if chain == "etc" else "eth", MAINNET, ACCOUNT, checksummed, bytes.fromhex(lower))


def eip55(lower_hex: str) -> str:
    """The EIP-55 spelling of 40 lower-case hex digits: a letter is upper case where the Keccak-256
    of the lower-case hex text has a nibble of 8 or more at that position."""
    digest = keccak_256(lower_hex.encode("ascii")).hexdigest()
    return "0x" + "".join(c.upper() if d in "89abcdef" else c for c, d in zip(lower_hex, digest, strict=False))


def _not_an_address_hex() -> AddressError:
    return AddressError(
        Code.NOT_AN_ADDRESS,
        "64 hex digits are a transaction hash or a key, not an address",
    )


def _read_cashaddr(text: str, lowered: str) -> Reading:
    if ":" in lowered:
        prefix = lowered.partition(":")[0]
        if prefix in _PAYMENT_URI_SCHEMES:
            raise AddressError(Code.UNKNOWN_SHAPE, f"a {prefix}: payment URI; send the address alone, without it")
        if prefix not in _CASHADDR_PREFIXES:
            raise AddressError(
                Code.UNKNOWN_SHAPE,
                "an address with an unknown prefix before ':' (CashAddr uses bitcoincash:, bchtest: or bchreg:)",
            )
        prefixes: tuple[str, ...] = (prefix,)
    else:
        prefixes = tuple(_CASHADDR_PREFIXES)
    for prefix in prefixes:
        try:
            _, kind, digest = cashaddr_decode(text, prefix=prefix)
        except Base58Bech32ValueError as exc:
            reason = str(exc)
            if reason == "invalid checksum":
                continue  # without a prefix, another network's may verify
            if reason == "mixed case":
                raise AddressError(Code.MIXED_CASE, "the CashAddr address mixes upper and lower case") from None
            if "hash size" in reason:
                raise AddressError(Code.BAD_LENGTH, f"not a CashAddr address: {reason}") from None
            raise AddressError(Code.INVALID_CHARACTERS, f"not a CashAddr address: {reason}") from None
        break
    else:
        raise AddressError(
            Code.BAD_CHECKSUM,
            "the CashAddr checksum does not match (checked under "
            + ", ".join(f"{p}:" for p in prefixes)
            + "): a character is wrong, missing or swapped",
        )
    if kind == 0 and len(digest) == 20:
        address_type = P2PKH
    elif kind == 1 and len(digest) in (20, 32):  # P2SH32 since the 2023 upgrade
        address_type = P2SH
    else:
        raise AddressError(
            Code.UNKNOWN_VERSION, f"a CashAddr type {kind} with a {len(digest)}-byte hash, not a P2PKH or P2SH address"
        )
    canonical = cashaddr_encode(prefix, kind, digest).decode("ascii")
    return Reading("bch", _CASHADDR_PREFIXES[prefix], address_type, canonical, digest)


def _read_base58check(text: str, chain: str | None) -> Reading:
    try:
        payload = b58decode_check(text)
    except Base58Bech32ValueError as exc:
        if str(exc) == "invalid checksum":
            raise AddressError(
                Code.BAD_CHECKSUM, "the base58check checksum does not match: a character is wrong, missing or swapped"
            ) from None
        raise AddressError(Code.BAD_LENGTH, f"not a base58check address: {exc}") from None
    if len(payload) in (33, 34):
        raise AddressError(
            Code.NOT_AN_ADDRESS,
            "this is a private key (WIF), not an address; never send a private key, and move the funds it holds",
        )
    if len(payload) == 78:
        raise AddressError(Code.NOT_AN_ADDRESS, "this is an extended key (xpub/xprv), not an address")
    if len(payload) == 22 and payload[:2] in _VERSIONS:
        version, digest = payload[:2], payload[2:]
    elif len(payload) == 21:
        version, digest = payload[:1], payload[1:]
    else:
        raise AddressError(
            Code.BAD_LENGTH,
            f"a base58check payload of {len(payload)} bytes; an address carries a version and a 20-byte hash",
        )
    readings = _VERSIONS.get(version)
    if readings is None:
        raise AddressError(Code.UNKNOWN_VERSION, f"base58check version 0x{version.hex()} is no supported chain's")
    name, network, kind = next((r for r in readings if r[0] == chain), readings[0])
    return Reading(name, network, kind, _base58_canonical(text, name, network, kind, digest), digest)


def _base58_canonical(text: str, chain: str, network: Network, kind: AddressType, digest: bytes) -> str:
    if chain == "bch":
        # Bitcoin Cash's legacy format is Bitcoin's; its own is CashAddr, which lists use.
        prefix = "bitcoincash" if network == MAINNET else "bchtest"
        return cashaddr_encode(prefix, 0 if kind == P2PKH else 1, digest).decode("ascii")
    if chain == "ltc" and kind == P2SH:
        return b58encode_check(_LTC_P2SH[network] + digest).decode("ascii")
    return text


def _read_monero(text: str) -> Reading:
    data = _monero_b58decode(text)
    kind = _MONERO.get(data[0])
    if kind is None:
        raise AddressError(Code.UNKNOWN_VERSION, f"Monero network byte {data[0]} is no Monero network's")
    network, address_type = kind
    expected = 77 if address_type == AddressType.INTEGRATED else 69  # tag, spend key, view key, [payment id], checksum
    if len(data) != expected:
        raise AddressError(Code.BAD_LENGTH, f"a Monero {address_type} address of {len(data)} bytes; it has {expected}")
    if keccak_256(data[:-4]).digest()[:4] != data[-4:]:
        raise AddressError(
            Code.BAD_CHECKSUM, "the Monero checksum (Keccak-256) does not match: a character is wrong or swapped"
        )
    return Reading("xmr", network, address_type, text, data[1:-4])


# Monero's base58 (src/common/base58.cpp) encodes 8-byte blocks to 11 characters each, and a last
# block of n bytes to _ENCODED_SIZES[n] characters, every block a big-endian number written in
# base58 and left-padded with '1'. base58_bech32's decoder does each block's number; what is here is
# the framing, which no small maintained Python package offers (monero-python's comes with
# pycryptodomex, pynacl, requests and the ipaddress backport, a second copy of a standard-library
# module; bip_utils with 28 MB and ~110 ms of imports).
_BLOCK_CHARS = 11
_ENCODED_SIZES = (0, 2, 3, 5, 6, 7, 9, 10, 11)


def _monero_b58decode(text: str) -> bytes:
    if len(text) % _BLOCK_CHARS not in _ENCODED_SIZES:
        raise AddressError(Code.BAD_LENGTH, f"{len(text)} characters is no length of Monero base58")
    out = bytearray()
    for start in range(0, len(text), _BLOCK_CHARS):
        chunk = text[start : start + _BLOCK_CHARS]
        size = 8 if len(chunk) == _BLOCK_CHARS else _ENCODED_SIZES.index(len(chunk))
        value = int.from_bytes(b58decode(chunk), "big")
        if value >> (8 * size):
            raise AddressError(Code.UNKNOWN_SHAPE, "not Monero base58: a block's number overflows its bytes")
        out += value.to_bytes(size, "big")
    return bytes(out)
