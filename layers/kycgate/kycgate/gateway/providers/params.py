"""Normalised application params: what every adapter maps from, in one provider-neutral shape.

Seed 003 calls ``params`` "KYC application parameters, normalized for generic use with any
supported provider; a nested params object, if included within this parameter, is completely
passed through to the third-party provider API". Its own sample carries the normalised names
(``first_name``, ``date_of_birth``, ``id_photo`` ...) inside that nested object, so ``from_mapping``
reads each normalised name from the top level or, failing that, from the nested ``params``; every
other nested key is ``passthrough``, which each adapter merges verbatim into the provider's request
(documented per adapter), except the keys an adapter relies on to find its own records again.

Images arrive base64 in the wire body and are decoded by one function (``decode``, by default
``kycgate.core.images.decode_image``: JPEG/PNG sniffed from the bytes, seed 001's size limits), so
the upload flow can replace it in one place.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Literal, NamedTuple

DocumentType = Literal["passport", "drivers_license", "id_card", "residence_permit"]
DOCUMENT_TYPES: tuple[DocumentType, ...] = ("passport", "drivers_license", "id_card", "residence_permit")
IMAGE_FIELDS = ("id_photo", "id_photo_back", "selfie")
_EMPTY: Mapping[str, Any] = MappingProxyType({})


class Address(NamedTuple):
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2


class NormalisedParams(NamedTuple):
    """One applicant (kyc) or company (kyb) in provider-neutral terms. Images are decoded bytes.

    ``country`` and every other country are ISO 3166-1 alpha-2; adapters convert to what their
    provider wants (alpha-3 for Sumsub and Onfido).
    """

    first_name: str | None = None
    last_name: str | None = None
    middle_name: str | None = None
    date_of_birth: dt.date | None = None
    email: str | None = None
    phone: str | None = None
    country: str | None = None
    national_id: str | None = None  # e.g. a US SSN
    address: Address | None = None
    document_type: DocumentType | None = None
    document_country: str | None = None
    id_photo: bytes | None = None
    id_photo_back: bytes | None = None
    selfie: bytes | None = None
    company_name: str | None = None
    company_registration_number: str | None = None
    company_tax_id: str | None = None
    company_country: str | None = None
    passthrough: Mapping[str, Any] = _EMPTY

    def __repr__(self) -> str:
        # Params are PII (and images); a stray repr in a log or an exception must not carry them.
        present = [name for name in self._fields if getattr(self, name) not in (None, _EMPTY)]
        return f"NormalisedParams(<{', '.join(present)}>)"

    @property
    def full_name(self) -> str | None:
        names = [n for n in (self.first_name, self.middle_name, self.last_name) if n]
        return " ".join(names) or None


_STRING_FIELDS = (
    "first_name",
    "last_name",
    "middle_name",
    "email",
    "phone",
    "national_id",
    "company_name",
    "company_registration_number",
    "company_tax_id",
)
_COUNTRY_FIELDS = ("country", "document_country", "company_country")
_KNOWN = frozenset(
    {*_STRING_FIELDS, *_COUNTRY_FIELDS, *IMAGE_FIELDS, "date_of_birth", "address", "document_type", "type"}
)
# Seed 003's sample nests ``webhook_url`` in params; the gateway takes it as the callback, not a param.
_NOT_PASSED_THROUGH = frozenset({"webhook_url"})


def from_mapping(params: Mapping[str, Any], decode: Callable[[str, str], bytes] | None = None) -> NormalisedParams:
    """Read the wire ``params`` object into ``NormalisedParams``; ValueError names the bad field.

    ``decode(base64_text, field)`` returns an image's bytes (and raises for a bad image); by
    default it is ``core.images.decode_image``, imported only when an image is present.
    """
    nested_raw = params.get("params")
    if nested_raw is not None and not isinstance(nested_raw, Mapping):
        raise ValueError("params.params must be an object")
    nested: Mapping[str, Any] = nested_raw or {}

    def pick(name: str) -> Any:
        value = params.get(name)
        if value is None or value == "":
            value = nested.get(name)
        return None if value == "" else value

    values: dict[str, Any] = {}
    for name in _STRING_FIELDS:
        value = pick(name)
        if value is not None:
            if not isinstance(value, str):
                raise ValueError(f"{name} must be a string")
            values[name] = value.strip() or None
    for name in _COUNTRY_FIELDS:
        value = pick(name)
        if value is not None:
            values[name] = _country(value, name)
    born = pick("date_of_birth")
    if born is not None:
        values["date_of_birth"] = parse_date(born, "date_of_birth")
    document_type = pick("document_type")
    if document_type is not None:
        if document_type not in DOCUMENT_TYPES:
            raise ValueError(f"document_type must be one of {', '.join(DOCUMENT_TYPES)}")
        values["document_type"] = document_type
    address = pick("address")
    if address is not None:
        values["address"] = _address(address)
    for name in IMAGE_FIELDS:
        value = pick(name)
        if value is not None:
            if not isinstance(value, str):
                raise ValueError(f"{name} must be a base64 string")
            values[name] = (decode or _decode_image)(value, name)
    passthrough = {k: v for k, v in nested.items() if k not in _KNOWN and k not in _NOT_PASSED_THROUGH}
    return NormalisedParams(**values, passthrough=MappingProxyType(passthrough) if passthrough else _EMPTY)


def parse_date(value: Any, field: str) -> dt.date:
    """ISO 8601 (``1990-06-22``) or seed 003's US order (``06/22/1990``)."""
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        for form in ("%Y-%m-%d", "%m/%d/%Y"):
            try:
                return dt.datetime.strptime(value.strip(), form).date()
            except ValueError:
                continue
    raise ValueError(f"{field} must be a date as YYYY-MM-DD or MM/DD/YYYY")


def _country(value: Any, field: str) -> str:
    from iso3166 import countries_by_alpha2, countries_by_alpha3

    if isinstance(value, str):
        code = value.strip().upper()
        if code in countries_by_alpha2:
            return code
        if code in countries_by_alpha3:
            return countries_by_alpha3[code].alpha2
    raise ValueError(f"{field} must be an ISO 3166-1 country code")


def _address(value: Any) -> Address:
    if not isinstance(value, Mapping):
        raise ValueError("address must be an object")
    fields: dict[str, str | None] = {}
    for name in Address._fields:
        item = value.get(name)
        if item is None or item == "":
            continue
        if not isinstance(item, str):
            raise ValueError(f"address.{name} must be a string")
        fields[name] = _country(item, "address.country") if name == "country" else item.strip()
    return Address(**fields)


def _decode_image(encoded: str, field: str) -> bytes:
    from kycgate.core.images import decode_image

    return decode_image(encoded, field).data


def alpha3(country: str | None) -> str | None:
    """ISO 3166-1 alpha-3 for an alpha-2 code (Sumsub and Onfido want alpha-3)."""
    if country is None:
        return None
    from iso3166 import countries_by_alpha2

    return countries_by_alpha2[country].alpha3


def image_type(data: bytes) -> tuple[str, str]:
    """(MIME type, extension) of an image ``core.images`` accepted: PNG or JPEG, read from its bytes."""
    if data.startswith(b"\x89PNG"):
        return "image/png", "png"
    return "image/jpeg", "jpg"
