"""What the list parsers produce: one record per listed person, entity, vessel or aircraft.

Plain NamedTuples (cheap to create and to import) shared by every parser, so the index builder
reads OFAC and UN entries the same way.
"""

from __future__ import annotations

from typing import NamedTuple

# Entry types. A person query only ever meets "person" entries, a company query only "entity".
PERSON = "person"
ENTITY = "entity"
VESSEL = "vessel"
AIRCRAFT = "aircraft"
ENTRY_TYPES = (PERSON, ENTITY, VESSEL, AIRCRAFT)

# Alias quality. OFAC's "weak a.k.a." (in remarks) and UN's "Low" quality are weak; the rest strong.
STRONG = "strong"
WEAK = "weak"


class Alias(NamedTuple):
    name: str
    quality: str = STRONG
    kind: str = "aka"  # aka | fka | nka | original_script


class BirthDate(NamedTuple):
    """A birth date as a range of ISO dates (a year is Jan 1 - Dec 31; "circa" widens it)."""

    start: str
    end: str
    text: str  # as the list gives it


class Identifier(NamedTuple):
    kind: str  # the list's label: "Passport", "Registration Number", ...
    number: str
    country: str | None = None  # ISO 3166-1 alpha-2 when the list names a country


class CryptoAddress(NamedTuple):
    currency: str  # the list's code: XBT, ETH, LTC, XMR, USDT, ...
    address: str  # as listed


class ListEntry(NamedTuple):
    uid: str  # "<source>:<the list's own id>", e.g. "ofac_sdn:2676", "un_consolidated:QDi.006"
    source: str
    entry_type: str
    name: str
    aliases: tuple[Alias, ...] = ()
    programs: tuple[str, ...] = ()
    birth_dates: tuple[BirthDate, ...] = ()
    places_of_birth: tuple[str, ...] = ()
    nationalities: tuple[str, ...] = ()  # alpha-2
    citizenships: tuple[str, ...] = ()  # alpha-2
    gender: str | None = None  # "male" | "female"
    countries: tuple[str, ...] = ()  # alpha-2 of the listed addresses
    identifiers: tuple[Identifier, ...] = ()
    crypto_addresses: tuple[CryptoAddress, ...] = ()
    title: str | None = None
    listed_on: str | None = None


class AddressRecord(NamedTuple):
    """A listed crypto address; ``uid`` names the entry it belongs to when the list says."""

    currency: str
    address: str
    uid: str | None = None


class SourceFile(NamedTuple):
    name: str
    origin: str  # the path or URL it was read from
    sha256: str
    size: int
    file_date: str | None  # ISO date-time: the list's own date, else Last-Modified or the file's mtime


class ParsedSource(NamedTuple):
    source: str  # ofac_sdn | un_consolidated | the JSON list's file stem
    kind: str  # ofac_sdn_csv | un_consolidated_xml | address_list_json
    files: tuple[SourceFile, ...]
    entries: tuple[ListEntry, ...]
    addresses: tuple[AddressRecord, ...]
    published: str | None  # the list's own publication date when it states one


class RawFile(NamedTuple):
    """A list file's bytes, wherever they came from."""

    name: str  # the file name, lower-cased (sdn.csv, consolidated.xml, ...)
    origin: str
    data: bytes
    modified: str | None  # ISO date-time (mtime or Last-Modified)


class ListFileError(ValueError):
    """A list file that cannot be imported; the message names the file and the problem."""

    def __init__(self, origin: str, problem: str) -> None:
        super().__init__(f"{origin}: {problem}")
        self.origin = origin
        self.problem = problem


def source_file(raw: RawFile, file_date: str | None = None) -> SourceFile:
    """The manifest's record of a file: name, origin, SHA-256, size and date."""
    import hashlib

    return SourceFile(
        name=raw.name,
        origin=raw.origin,
        sha256=hashlib.sha256(raw.data).hexdigest(),
        size=len(raw.data),
        file_date=file_date or raw.modified,
    )
