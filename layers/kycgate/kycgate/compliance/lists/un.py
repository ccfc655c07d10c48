"""UN Security Council consolidated sanctions list (XML, scsanctions.un.org).

<CONSOLIDATED_LIST dateGenerated=...> holds <INDIVIDUALS> and <ENTITIES>. A person's name is
FIRST_NAME .. FOURTH_NAME; aliases carry a QUALITY ("Good", "Low", "a.k.a.", "f.k.a."; Low is
weak); NAME_ORIGINAL_SCRIPT (Arabic, Han, ...) is indexed as an alias of its own; dates of birth
are EXACT (DATE or YEAR), APPROXIMATELY (YEAR) or BETWEEN (FROM_YEAR, TO_YEAR).

The file is refused, with its name and the problem, when it is not well-formed XML (a truncated
download ends mid-element), declares a DOCTYPE (no entity expansion from a fetched file), or lacks
the two sections.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from kycgate.compliance.lists import countries, dates
from kycgate.compliance.lists.model import (
    ENTITY,
    PERSON,
    STRONG,
    WEAK,
    Alias,
    BirthDate,
    Identifier,
    ListEntry,
    ListFileError,
    ParsedSource,
    RawFile,
    source_file,
)

SOURCE = "un_consolidated"
KIND = "un_consolidated_xml"
# "circa": the UN's APPROXIMATELY gives a year; a year either side.
APPROXIMATE_YEARS = 1


def _text(element: ET.Element | None, tag: str) -> str:
    if element is None:
        return ""
    found = element.find(tag)
    return " ".join((found.text or "").split()) if found is not None else ""


def _values(element: ET.Element, tag: str) -> list[str]:
    out = []
    for holder in element.findall(tag):
        for value in holder.findall("VALUE"):
            text = " ".join((value.text or "").split())
            if text:
                out.append(text)
    return out


def _aliases(element: ET.Element, tag: str) -> list[Alias]:
    out = []
    for alias in element.findall(tag):
        quality = _text(alias, "QUALITY").lower()
        kind = "fka" if quality == "f.k.a." else "aka"
        # One ALIAS_NAME sometimes holds several spellings: "Husain Salimi; Hosain Salimi; ...".
        for name in _text(alias, "ALIAS_NAME").split(";"):
            if name.strip():
                out.append(Alias(name.strip(), WEAK if quality == "low" else STRONG, kind))
    original = _text(element, "NAME_ORIGINAL_SCRIPT")
    if original:
        out.append(Alias(original, STRONG, "original_script"))
    return out


def _birth_dates(element: ET.Element) -> list[BirthDate]:
    out = []
    for dob in element.findall("INDIVIDUAL_DATE_OF_BIRTH"):
        kind = _text(dob, "TYPE_OF_DATE").upper()
        date, year = _text(dob, "DATE"), _text(dob, "YEAR")
        from_year, to_year = _text(dob, "FROM_YEAR"), _text(dob, "TO_YEAR")
        parsed: BirthDate | None = None
        if from_year.isdigit() and to_year.isdigit():
            parsed = dates.year_range(int(from_year), int(to_year), f"{from_year} to {to_year}")
        elif date or year:
            parsed = dates.iso_date(date or year)
            if parsed and kind == "APPROXIMATELY":
                first, last = int(parsed.start[:4]), int(parsed.end[:4])
                parsed = dates.year_range(first - APPROXIMATE_YEARS, last + APPROXIMATE_YEARS, f"circa {parsed.text}")
        if parsed:
            out.append(parsed)
    return out


def _places(element: ET.Element, tag: str) -> list[str]:
    out = []
    for place in element.findall(tag):
        parts = [_text(place, t) for t in ("CITY", "STATE_PROVINCE", "COUNTRY")]
        text = ", ".join(p for p in parts if p)
        if text:
            out.append(text)
    return out


def _countries(element: ET.Element, tag: str) -> tuple[str, ...]:
    return countries.codes([_text(a, "COUNTRY") for a in element.findall(tag) if _text(a, "COUNTRY")])


def _documents(element: ET.Element) -> list[Identifier]:
    out = []
    for document in element.findall("INDIVIDUAL_DOCUMENT"):
        number = _text(document, "NUMBER")
        if not number:
            continue
        country = _text(document, "ISSUING_COUNTRY") or _text(document, "COUNTRY_OF_ISSUE")
        out.append(Identifier(_text(document, "TYPE_OF_DOCUMENT") or "Document", number, countries.to_alpha2(country)))
    return out


def _name(element: ET.Element) -> str:
    parts = [_text(element, t) for t in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")]
    return " ".join(p for p in parts if p)


def _uid(raw: RawFile, element: ET.Element) -> str:
    reference = _text(element, "REFERENCE_NUMBER") or _text(element, "DATAID")
    if not reference:
        raise ListFileError(raw.origin, f"an {element.tag} has neither REFERENCE_NUMBER nor DATAID")
    return f"{SOURCE}:{reference}"


def parse(raw: RawFile) -> ParsedSource:
    head = raw.data[:4096].lstrip()
    if b"<!DOCTYPE" in head.upper() or b"<!ENTITY" in raw.data.upper():
        raise ListFileError(raw.origin, "the file declares a DOCTYPE or entities, which the UN list never does")
    try:
        root = ET.fromstring(raw.data)  # noqa: S314 - no DOCTYPE (checked above): no entity expansion
    except ET.ParseError as exc:
        line, column = exc.position
        raise ListFileError(
            raw.origin, f"not well-formed XML at line {line}, column {column} ({exc}): the file looks truncated"
        ) from exc
    if root.tag != "CONSOLIDATED_LIST":
        raise ListFileError(raw.origin, f"the root element is <{root.tag}>, not <CONSOLIDATED_LIST>")
    individuals, entities = root.find("INDIVIDUALS"), root.find("ENTITIES")
    if individuals is None or entities is None:
        raise ListFileError(raw.origin, "the list lacks its INDIVIDUALS or ENTITIES section")

    entries: list[ListEntry] = []
    seen: set[str] = set()
    for element, entry_type in [(e, PERSON) for e in individuals.findall("INDIVIDUAL")] + [
        (e, ENTITY) for e in entities.findall("ENTITY")
    ]:
        uid = _uid(raw, element)
        name = _name(element)
        if not name:
            raise ListFileError(raw.origin, f"{uid} has no name")
        if uid in seen:  # the same reference twice: keep the first (the UN never does this)
            continue
        seen.add(uid)
        address_tag = "INDIVIDUAL_ADDRESS" if entry_type == PERSON else "ENTITY_ADDRESS"
        alias_tag = "INDIVIDUAL_ALIAS" if entry_type == PERSON else "ENTITY_ALIAS"
        gender = _text(element, "GENDER").lower()
        entries.append(
            ListEntry(
                uid=uid,
                source=SOURCE,
                entry_type=entry_type,
                name=name,
                aliases=tuple(_aliases(element, alias_tag)),
                programs=tuple(p for p in [_text(element, "UN_LIST_TYPE")] if p),
                birth_dates=tuple(_birth_dates(element)),
                places_of_birth=tuple(_places(element, "INDIVIDUAL_PLACE_OF_BIRTH")),
                nationalities=countries.codes(_values(element, "NATIONALITY")),
                gender=gender if gender in ("male", "female") else None,
                countries=_countries(element, address_tag),
                identifiers=tuple(_documents(element)),
                title="; ".join(_values(element, "DESIGNATION")) or None,
                listed_on=_text(element, "LISTED_ON") or None,
            )
        )
    if not entries:
        raise ListFileError(raw.origin, "the list has no INDIVIDUAL or ENTITY")
    published = root.get("dateGenerated")
    return ParsedSource(
        source=SOURCE,
        kind=KIND,
        files=(source_file(raw, published),),
        entries=tuple(entries),
        addresses=(),
        published=published,
    )
