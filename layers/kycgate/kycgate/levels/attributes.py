"""What a value must be, per attribute type (seed 002: "Client attributes have a specific type"). Pure rules.

``check`` returns what is stored for a value or raises ``Invalid`` with a message a developer can act
on; the PATCH collects every ``Invalid`` of a request and applies none of its changes if there is one.
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any, NamedTuple

from kycgate.levels.vocabulary import AttributeType, StringFormat

DEFAULT_MAX_LENGTH = 500
MAX_NUMBER = 1e15  # DynamoDB keeps 38 significant digits; amounts and counts stay far below
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2100, 12, 31)
_FORBIDDEN_IN_TEXT = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class Invalid(Exception):
    def __init__(self, message: str, type_: str = "value_error") -> None:
        super().__init__(message)
        self.message = message
        self.type = type_


class Context(NamedTuple):
    """What some types check a value against."""

    legal_documents: dict[str, dict[str, Any]]  # the application's legal documents, by legal_document_key
    documents: dict[str, dict[str, Any]]  # the client's documents named in this PATCH, by document_uuid
    now_iso: str


def check(attribute: dict[str, Any], value: Any, context: Context) -> dict[str, Any]:
    """The stored form of ``value`` for ``attribute`` (``{"value": ..., ...}``); Invalid when it is not one."""
    kind = AttributeType(attribute["type"])
    if kind == AttributeType.LIVENESS:
        raise Invalid(
            "is set by the liveness check, not by PATCH: send the client to the attribute's value", "read_only"
        )
    if kind == AttributeType.STRING:
        return {"value": _string(attribute, value)}
    if kind == AttributeType.NUMBER:
        return {"value": _number(attribute, value)}
    if kind == AttributeType.DATE:
        return {"value": _date(value)}
    if kind == AttributeType.BOOLEAN:
        if not isinstance(value, bool):
            raise Invalid("must be true or false (a JSON boolean)", "bool_type")
        return {"value": value}
    if kind == AttributeType.REFERENCE:
        keys = [d["key"] for d in attribute["definitions"]]
        if not isinstance(value, str) or value not in keys:
            shown = ", ".join(keys[:10]) + (" ..." if len(keys) > 10 else "")
            raise Invalid(
                f"must be a definition key of {attribute['key']} "
                f"({shown}; GET .../attributes/{attribute['key']}/definitions)",
                "reference",
            )
        return {"value": value}
    if kind == AttributeType.LEGAL_DOCUMENT:
        return _legal_document(attribute, value, context)
    return _document(attribute, value, context)


def document_uuid_of(value: Any) -> str | None:
    """The document a document attribute's value names: its UUID, or the POST .../documents answer
    (the seed: "Put the response in the attribute value")."""
    if isinstance(value, dict):
        value = value.get("document_uuid")
    return value.lower() if isinstance(value, str) and _UUID.match(value) else None


def constraints(attribute: dict[str, Any]) -> dict[str, Any] | None:
    """What the questionnaire shows a form about a value's limits."""
    kind = attribute["type"]
    if kind == AttributeType.STRING:
        found = {"max_length": attribute.get("max_length") or DEFAULT_MAX_LENGTH}
        found.update({k: attribute[k] for k in ("min_length", "format") if attribute.get(k)})
        return found
    if kind == AttributeType.NUMBER:
        found = {k: attribute[k] for k in ("minimum", "maximum") if attribute.get(k) is not None}
        return {**found, "integer": bool(attribute.get("integer"))}
    if kind == AttributeType.DATE:
        return {"format": "YYYY-MM-DD", "minimum": EARLIEST_DATE.isoformat(), "maximum": LATEST_DATE.isoformat()}
    if kind == AttributeType.REFERENCE:
        return {"definitions": f"GET /api/v1/levels/attributes/{attribute['key']}/definitions"}
    return None


# ---------------------------------------------------------------- by type


def _string(attribute: dict[str, Any], value: Any) -> str:
    if not isinstance(value, str):
        raise Invalid("must be a string", "string_type")
    text = value.strip()
    if _FORBIDDEN_IN_TEXT.search(text):
        raise Invalid("must not contain control characters or bidirectional override characters")
    shortest, longest = attribute.get("min_length") or 1, attribute.get("max_length") or DEFAULT_MAX_LENGTH
    if not shortest <= len(text) <= longest:
        raise Invalid(f"must be {shortest} to {longest} characters long (got {len(text)})", "string_length")
    fmt = attribute.get("format")
    if fmt == StringFormat.EMAIL:
        from email_validator import EmailNotValidError, validate_email

        try:
            return validate_email(text, check_deliverability=False).normalized
        except EmailNotValidError as exc:
            raise Invalid(f"is not an e-mail address: {exc}", "email") from None
    if fmt == StringFormat.PHONE:
        import phonenumbers

        try:
            number = phonenumbers.parse(text, None)
        except phonenumbers.NumberParseException:
            raise Invalid("must be a phone number in international format, e.g. +14155552671", "phone") from None
        if not phonenumbers.is_valid_number(number):
            raise Invalid("is not a valid phone number for its country code", "phone")
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if fmt == StringFormat.COUNTRY:
        from iso3166 import countries_by_alpha2

        if text.upper() not in countries_by_alpha2:
            raise Invalid("must be an ISO 3166-1 alpha-2 country code, e.g. DE", "country")
        return text.upper()
    return text


def _number(attribute: dict[str, Any], value: Any) -> int | float:
    # bool is an int in Python; JSON's true is not a number.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Invalid("must be a number (a JSON number, not a string)", "number_type")
    if isinstance(value, float) and not math.isfinite(value):
        raise Invalid("must be a finite number", "finite_number")
    if abs(value) > MAX_NUMBER:
        raise Invalid(f"must be between -{MAX_NUMBER:.0e} and {MAX_NUMBER:.0e}", "number_range")
    if attribute.get("integer"):
        if isinstance(value, float) and not value.is_integer():
            raise Invalid("must be a whole number", "integer")
        value = int(value)
    low, high = attribute.get("minimum"), attribute.get("maximum")
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f"{'' if low is None else low} .. {'' if high is None else high}".strip()
        raise Invalid(f"must be within {bounds}", "number_range")
    return value


def _date(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise Invalid("must be a date as YYYY-MM-DD", "date_format")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise Invalid(f"{value} is not a calendar date", "date_format") from None
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise Invalid(f"must be between {EARLIEST_DATE} and {LATEST_DATE}", "date_range")
    return value


def _legal_document(attribute: dict[str, Any], value: Any, context: Context) -> dict[str, Any]:
    legal = context.legal_documents.get(attribute["legal_document_key"])
    wanted = legal["legal_document_uuid"] if legal else None
    if not isinstance(value, str) or wanted is None or value.lower() != wanted:
        raise Invalid(
            f"must be the UUID of legal document {attribute['legal_document_key']!r} for this application's legal "
            "entity and client type (GET /api/v1/levels/legal_documents), in its current version",
            "legal_document",
        )
    return {"value": wanted, "accepted_at": context.now_iso}


def _document(attribute: dict[str, Any], value: Any, context: Context) -> dict[str, Any]:
    document_uuid = document_uuid_of(value)
    if document_uuid is None:
        raise Invalid("must be a document_uuid from POST /api/v1/levels/documents (or that answer itself)", "document")
    document = context.documents.get(document_uuid)
    if document is None:
        raise Invalid(f"document {document_uuid} is not one of this client's documents", "document")
    if document["attribute_key"] != attribute["key"]:
        raise Invalid(
            f"document {document_uuid} was made for {document['attribute_key']}, not {attribute['key']}", "document"
        )
    stored = {
        k: document[k] for k in ("document_uuid", "client_uuid", "attribute_key", "files", "verification", "created_at")
    }
    return {"value": stored}
