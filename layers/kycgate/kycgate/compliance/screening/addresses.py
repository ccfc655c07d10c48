"""Crypto address lookup: exact, on the normalised key (lists/addresses.py: lower case for 0x-hex,
as listed otherwise; the chain codecs in compliance/chains/ produce the same form)."""

from __future__ import annotations

from typing import NamedTuple

from kycgate.compliance.lists.addresses import address_key
from kycgate.compliance.screening.index import LIST_NAMES, ScreeningIndex


class AddressListing(NamedTuple):
    """One list's listing of an address, with the entry it belongs to when the list says."""

    address: str  # as listed
    key: str
    currency: str  # XBT, ETH, ... ("" when a JSON list does not say)
    source: str
    list_name: str
    uid: str | None
    name: str | None
    entry_type: str | None
    programs: tuple[str, ...]


def lookup_address(index: ScreeningIndex, normalised_address: str) -> list[AddressListing]:
    key = address_key(normalised_address)
    listings = index.addresses.get(key)
    if not listings:
        return []
    e = index.entries
    out = []
    for row, currency, address, source in listings:
        has_entry = row >= 0
        out.append(
            AddressListing(
                address=address,
                key=key,
                currency=currency,
                source=source,
                list_name=LIST_NAMES.get(source, source),
                uid=e["uid"][row] if has_entry else None,
                name=e["name"][row] if has_entry else None,
                entry_type=e["type"][row] if has_entry else None,
                programs=tuple(e["programs"][row]) if has_entry else (),
            )
        )
    return out
