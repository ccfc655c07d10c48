"""OFAC SDN list, Treasury's legacy CSV: sdn.csv (entries), alt.csv (aliases), add.csv (addresses).

The three files come together (one publication) and have no header row. sdn.csv columns: ent_num,
SDN_Name, SDN_Type, Program, Title, Call_Sign, Vess_type, Tonnage, GRT, Vess_flag, Vess_owner,
Remarks; "-0-" is an empty value. Facts other than name and type live in Remarks, a "; "-separated
list: "DOB 19 Jun 1951; POB Giza, Egypt; nationality Egypt; Gender Male; Passport 1084010 (Egypt);
Digital Currency Address - XBT 1abc...; a.k.a. 'X'" (the a.k.a.'s in remarks are OFAC's weak
aliases; the strong ones are alt.csv rows).

A file that cannot be read whole fails the import with its name and the problem: a row with the
wrong number of columns, an unterminated quote, a file that does not end with a line break (cut
mid-row), an alt.csv or add.csv row for an entry sdn.csv lacks (sdn.csv cut at a row boundary), or
a missing file. A file cut cleanly at a row boundary with nothing referring past the cut is caught
by the publisher's comparison with the previous import's counts (publish.py).
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict

from kycgate.compliance.lists import countries, dates
from kycgate.compliance.lists.model import (
    AIRCRAFT,
    ENTITY,
    PERSON,
    STRONG,
    VESSEL,
    WEAK,
    AddressRecord,
    Alias,
    BirthDate,
    CryptoAddress,
    Identifier,
    ListEntry,
    ListFileError,
    ParsedSource,
    RawFile,
    source_file,
)

SOURCE = "ofac_sdn"
KIND = "ofac_sdn_csv"
FILES = ("sdn.csv", "alt.csv", "add.csv")
_COLUMNS = {"sdn.csv": 12, "alt.csv": 5, "add.csv": 6}
_NULL = "-0-"
_TYPES = {"individual": PERSON, "": ENTITY, "vessel": VESSEL, "aircraft": AIRCRAFT}
_EOF_MARKER = "\x1a"  # the legacy files end with a DOS end-of-file character

_ALIAS = re.compile(r"^(?P<kind>a\.k\.a\.|f\.k\.a\.|n\.k\.a\.) '(?P<name>.+)'$")
_CRYPTO = re.compile(r"^Digital Currency Address - (?P<currency>[A-Za-z0-9]+) (?P<address>\S+)$")
_FACT = re.compile(r"^(?P<label>DOB|POB|nationality|citizen|Nationality of Registration|Gender) (?P<value>.+)$")
# An identifier: a label, a number that has a digit, an optional "(Country)", issue/expiry dates.
_IDENTIFIER = re.compile(
    r"^(?P<label>[A-Za-z][A-Za-z.'/#&() -]*?) (?P<number>[A-Za-z0-9][^ ;()]*\d[^ ;()]*(?: [A-Za-z0-9.-]*\d[^ ;()]*)*)"
    r"(?: \((?P<country>[^)]+)\))?(?: issued [^;]*?)?(?: expires [^;]*)?$"
)
# Labels that are identifiers (documents, registrations, codes); other "label number" remarks
# (Executive Order 13662, Aircraft Manufacture Date 1992, ...) are not.
_IDENTIFIER_LABEL = re.compile(
    r"(?i)(\bno\b|number|#|\bid\b|passport|cedula|r\.?f\.?c|c\.?u\.?r\.?p|swift|\bimo\b|mmsi|identification|"
    r"registration|registry|matricula|folio|licen[cs]e|card|\bcode\b|v\.?a\.?t|\btax\b|d\.?n\.?i|c\.?i\.?f|"
    r"c\.?u\.?i\.?t|fein|\bssn\b|i\.?f\.?e|\bbik\b|certificate|credencial|cartilla|fiscal|\bnit\b|\bruc\b|\brif\b)"
)


def _text(raw: RawFile) -> str:
    try:
        text = raw.data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.data.decode("cp1252", errors="replace")
    return text.rstrip(_EOF_MARKER)


def _rows(raw: RawFile) -> list[list[str]]:
    text = _text(raw)
    if not text.strip():
        raise ListFileError(raw.origin, "the file is empty")
    if not text.endswith(("\n", "\r")):
        raise ListFileError(raw.origin, "the file does not end with a line break: it looks truncated mid-row")
    columns = _COLUMNS[raw.name]
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[list[str]] = []
    try:
        for row in reader:
            if not row or row == [""]:
                continue
            if len(row) != columns:
                raise ListFileError(
                    raw.origin, f"line {reader.line_num} has {len(row)} columns, {raw.name} has {columns}"
                )
            rows.append([_value(cell) for cell in row])
    except csv.Error as exc:
        raise ListFileError(raw.origin, f"line {reader.line_num}: {exc} (the file looks truncated)") from exc
    if not rows:
        raise ListFileError(raw.origin, "the file has no rows")
    return rows


def _value(cell: str) -> str:
    cell = cell.strip()
    return "" if cell == _NULL else cell


def _ent_num(raw: RawFile, value: str, row: int) -> str:
    if not value.isdigit():
        raise ListFileError(raw.origin, f"row {row}: ent_num {value[:20]!r} is not a number")
    return value


class _Remarks:
    """The facts of one Remarks cell."""

    def __init__(self, remarks: str) -> None:
        self.aliases: list[Alias] = []
        self.birth_dates: list[BirthDate] = []
        self.places_of_birth: list[str] = []
        self.nationalities: list[str] = []
        self.citizenships: list[str] = []
        self.registration_countries: list[str] = []
        self.gender: str | None = None
        self.identifiers: list[Identifier] = []
        self.crypto: list[CryptoAddress] = []
        text = remarks.strip()
        if text.endswith("."):
            text = text[:-1]
        for part in text.split(";"):
            self._read(part.strip())

    def _read(self, part: str) -> None:
        if part.startswith("alt. "):
            part = part[5:].strip()
        if not part:
            return
        alias = _ALIAS.match(part)
        if alias:
            kind = alias["kind"].replace(".", "")
            self.aliases.append(Alias(alias["name"].strip(), WEAK, kind))
            return
        crypto = _CRYPTO.match(part)
        if crypto:
            self.crypto.append(CryptoAddress(crypto["currency"].upper(), crypto["address"]))
            return
        fact = _FACT.match(part)
        if fact:
            self._fact(fact["label"], fact["value"].strip())
            return
        identifier = _IDENTIFIER.match(part)
        if identifier and _IDENTIFIER_LABEL.search(identifier["label"]):
            country = countries.to_alpha2(identifier["country"]) if identifier["country"] else None
            self.identifiers.append(Identifier(identifier["label"].strip(), identifier["number"].strip(), country))

    def _fact(self, label: str, value: str) -> None:
        if label == "DOB":
            parsed = dates.parse_ofac_date(value)
            if parsed:
                self.birth_dates.append(parsed)
        elif label == "POB":
            self.places_of_birth.append(value)
        elif label == "nationality":
            self.nationalities.append(value)
        elif label == "citizen":
            self.citizenships.append(value)
        elif label == "Nationality of Registration":
            self.registration_countries.append(value)
        elif label == "Gender" and value.lower() in ("male", "female"):
            self.gender = value.lower()


def parse(files: dict[str, RawFile], published: str | None = None) -> ParsedSource:
    """The SDN entries of one publication; ``files`` by lower-case file name."""
    missing = [name for name in FILES if name not in files]
    if missing:
        origin = next(iter(files.values())).origin if files else "OFAC SDN"
        raise ListFileError(
            origin, f"the OFAC SDN list needs sdn.csv, alt.csv and add.csv together; missing {', '.join(missing)}"
        )
    sdn, alt, add = (_rows(files[name]) for name in FILES)

    aliases: dict[str, list[Alias]] = defaultdict(list)
    referred: dict[str, set[str]] = {"alt.csv": set(), "add.csv": set()}
    for number, row in enumerate(alt, 1):
        ent = _ent_num(files["alt.csv"], row[0], number)
        referred["alt.csv"].add(ent)
        if row[3]:
            aliases[ent].append(Alias(row[3], STRONG, row[2].lower() or "aka"))
    address_countries: dict[str, list[str]] = defaultdict(list)
    for number, row in enumerate(add, 1):
        ent = _ent_num(files["add.csv"], row[0], number)
        referred["add.csv"].add(ent)
        if row[4]:
            address_countries[ent].append(row[4])

    entries: list[ListEntry] = []
    addresses: list[AddressRecord] = []
    seen: set[str] = set()
    for number, row in enumerate(sdn, 1):
        ent = _ent_num(files["sdn.csv"], row[0], number)
        if ent in seen:
            raise ListFileError(files["sdn.csv"].origin, f"row {number}: ent_num {ent} appears twice")
        seen.add(ent)
        kind = row[2].lower()
        if kind not in _TYPES:
            raise ListFileError(files["sdn.csv"].origin, f"row {number}: unknown SDN_Type {row[2][:30]!r}")
        if not row[1]:
            raise ListFileError(files["sdn.csv"].origin, f"row {number}: ent_num {ent} has no name")
        remarks = _Remarks(row[11])
        uid = f"{SOURCE}:{ent}"
        entry_type = _TYPES[kind]
        entry_countries = [*address_countries.get(ent, ()), *remarks.registration_countries]
        if entry_type == PERSON:
            nationalities = countries.codes(remarks.nationalities)
        else:
            nationalities = countries.codes(remarks.nationalities + remarks.registration_countries)
        entries.append(
            ListEntry(
                uid=uid,
                source=SOURCE,
                entry_type=entry_type,
                name=row[1],
                aliases=tuple(aliases.get(ent, ())) + tuple(remarks.aliases),
                programs=tuple(p.strip(" []") for p in row[3].split("] [") if p.strip(" []")),
                birth_dates=tuple(remarks.birth_dates),
                places_of_birth=tuple(remarks.places_of_birth),
                nationalities=nationalities,
                citizenships=countries.codes(remarks.citizenships),
                gender=remarks.gender,
                countries=countries.codes(entry_countries),
                identifiers=tuple(remarks.identifiers),
                crypto_addresses=tuple(remarks.crypto),
                title=row[4] or None,
            )
        )
        addresses.extend(AddressRecord(c.currency, c.address, uid) for c in remarks.crypto)

    for name, ents in referred.items():
        orphans = sorted(ents - seen, key=int)
        if orphans:
            raise ListFileError(
                files[name].origin,
                f"{len(orphans)} rows refer to entries that sdn.csv lacks (first: ent_num {orphans[0]}): "
                "sdn.csv looks truncated, or the three files are from different publications",
            )
    return ParsedSource(
        source=SOURCE,
        kind=KIND,
        files=tuple(source_file(files[name]) for name in FILES),
        entries=tuple(entries),
        addresses=tuple(addresses),
        published=published,
    )
