"""The sanctions lists' listings of an address, from the screening index (compliance/lists).

The index loads once per container on first use. With no list loaded, screening answers 503 rather
than "no hit" (DESIGN.md): a clean answer from empty lists would be a compliance hole.
"""

from __future__ import annotations

from kycgate.compliance.chains.addresses import ParsedAddress
from kycgate.compliance.kya.schemas import SdnListing
from kycgate.compliance.lists.loader import NoListLoaded, get_index, loaded_version
from kycgate.compliance.screening.addresses import lookup_address
from kycgate.core.errors import ServiceUnavailable


def lookup(parsed: ParsedAddress) -> tuple[list[SdnListing], str | None]:
    """Every listing of the address, and the version of the lists that answered."""
    try:
        index = get_index()
    except NoListLoaded as missing:
        raise ServiceUnavailable(f"{missing}; the address was not screened.", retry_after_seconds=60) from None
    found = [
        SdnListing(
            uid=listing.uid or "",
            name=listing.name or listing.list_name,
            source=listing.source,
            programs=list(listing.programs),
            entity_type=listing.entry_type,
            currency=listing.currency or None,
            listed_address=listing.address,
        )
        for listing in lookup_address(index, parsed.address)
    ]
    return found, loaded_version()
