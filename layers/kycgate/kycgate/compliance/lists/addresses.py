"""Crypto address lists as JSON (the eth-sanctioned format: an array of address strings), and the
key every listed address is looked up by.

The key is the address as the list gives it, except 0x-hex (EVM) addresses, which are lower-cased:
EIP-55 puts the checksum in the letter case, so the same account is written in several cases.
Base58 and bech32 addresses are case-significant or canonical as listed and stay as they are. The
chain codecs (compliance/chains/) validate and normalise a tenant's address to this same form.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kycgate.compliance.lists.model import ParsedSource, RawFile

KIND = "address_list_json"
_EVM = re.compile(r"0x[0-9a-fA-F]{40}")
# Far beyond any published list; a JSON document this long is not an address list.
MAX_ADDRESSES = 1_000_000


def address_key(address: str) -> str:
    """The normalised form listed addresses are stored under (lower case for 0x-hex, else as is)."""
    text = address.strip()
    return text.lower() if _EVM.fullmatch(text) else text


def listing_key(address: str, currency: str) -> str:
    """The key of a listed address: its chain's canonical spelling (compliance/chains: CashAddr for a
    legacy BCH address, ``M...`` for a legacy LTC ``3...``), which is what a query's address is
    normalised to; the address as listed when it does not parse (a few OFAC remarks are not valid
    addresses as published)."""
    from kycgate.compliance.chains.addresses import AddressError, chain_for_list_currency, parse_address

    try:
        parsed = parse_address(address, chain_for_list_currency(currency) if currency else None)
    except AddressError:
        return address_key(address)
    return address_key(parsed.address)


def currency_of(address: str) -> str:
    """The currency code a bare listed address implies: ETH for 0x-hex; "" when the list does not say."""
    return "ETH" if _EVM.fullmatch(address.strip()) else ""


def source_name(file_name: str) -> str:
    """A JSON list's source id: its file stem ("ofac.sanctions.json" -> "ofac.sanctions")."""
    return PurePosixPath(file_name).name.removesuffix(".json")


def parse(raw: RawFile) -> ParsedSource:
    import json

    from kycgate.compliance.lists.model import AddressRecord, ListFileError, ParsedSource, source_file

    try:
        document = json.loads(raw.data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ListFileError(raw.origin, f"not valid JSON ({exc}): the file looks truncated or is not a list") from exc
    if not isinstance(document, list):
        raise ListFileError(raw.origin, "an address list must be a JSON array of address strings")
    if not document:
        raise ListFileError(raw.origin, "the address list is empty")
    if len(document) > MAX_ADDRESSES:
        raise ListFileError(raw.origin, f"more than {MAX_ADDRESSES} addresses")
    records = []
    for position, item in enumerate(document):
        if not isinstance(item, str) or not item.strip() or len(item) > 200 or any(c.isspace() for c in item.strip()):
            raise ListFileError(raw.origin, f"item {position} is not an address string")
        records.append(AddressRecord(currency_of(item), item.strip(), None))
    return ParsedSource(
        source=source_name(raw.name),
        kind=KIND,
        files=(source_file(raw),),
        entries=(),
        addresses=tuple(records),
        published=None,
    )
