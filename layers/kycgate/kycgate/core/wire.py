"""The base of every kycgate wire shape.

Modules that define models do not use ``from __future__ import annotations``: pydantic would then
evaluate every field's annotation from its string when the class is created, a third of such a
module's import time (tests/unit/test_function_imports.py keeps it so).
"""

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Self

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, model_validator

from kycgate.core import clock


class WireModel(BaseModel):
    """A pydantic model whose validator and serializer are built on first use, not at import.

    A Lambda serves one route and touches a handful of its context's models; building all of them
    at import cost about 25 ms of every cold start (measured on kyc/schemas.py).
    """

    model_config = ConfigDict(defer_build=True)


class StrictWireModel(WireModel):
    """A request shape that refuses unknown fields: a misspelt `amount` must not silently turn a control off."""

    model_config = ConfigDict(extra="forbid")


def _iso_8601_only(value: Any) -> Any:
    # pydantic also reads numbers as Unix timestamps, so ?created_to=-165075 would silently mean 1969.
    if isinstance(value, str):
        try:
            datetime.fromisoformat(value)
        except ValueError:
            raise ValueError("must be an ISO 8601 date or date-time, e.g. 2026-11-21T10:00:00Z") from None
    elif not isinstance(value, datetime):
        raise ValueError("must be an ISO 8601 date or date-time, e.g. 2026-11-21T10:00:00Z")
    return value


IsoDatetime = Annotated[datetime, BeforeValidator(_iso_8601_only)]

# Control characters (NUL, newlines, escapes) and bidi overrides/isolates have no place in a name or
# address: they corrupt logs, CSV exports and the reviewer's screen (RTL spoofing). Zero-width joiners
# and marks stay legal: real names in several scripts need them.
_FORBIDDEN_IN_TEXT = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _printable(value: str) -> str:
    if _FORBIDDEN_IN_TEXT.search(value):
        raise ValueError("must not contain control characters or bidirectional override characters")
    return value


Printable = AfterValidator(_printable)


def as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def iso_or_none(moment: datetime | None) -> str | None:
    """The stored ISO form of a filter's bound (UTC when it has no offset)."""
    return clock.iso(as_utc(moment).timestamp()) if moment is not None else None


class CreatedRange(WireModel):
    """A list filter's creation-time range, both ends inclusive (a base for a context's filters)."""

    created_from: IsoDatetime | None = Field(None, description="inclusive; ISO 8601, UTC when no offset")
    created_to: IsoDatetime | None = Field(None, description="inclusive; ISO 8601, UTC when no offset")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.created_from and self.created_to and as_utc(self.created_from) > as_utc(self.created_to):
            raise ValueError("created_from must not be after created_to")
        return self


# An image field's alternative (POST /api/v1/uploads): 256-bit url-safe ids are 43 characters; the bound
# only stops junk before any lookup.
UploadId = Annotated[str, StringConstraints(min_length=16, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")]
UPLOAD_ID_DESCRIPTION = "instead of the base64 field: the upload_id of an image posted via POST /api/v1/uploads"


def image_or_upload(model: object, *fields: str) -> None:
    """A model validator's rule for image fields: each is sent as base64 or as its ``<field>_upload_id``, not both."""
    for field in fields:
        if getattr(model, field) is not None and getattr(model, f"{field}_upload_id") is not None:
            raise ValueError(f"send either {field} or {field}_upload_id, not both")


def has_image(model: object, field: str) -> bool:
    """Whether the image ``field`` was sent, as base64 or as its ``<field>_upload_id``."""
    return bool(getattr(model, field)) or getattr(model, f"{field}_upload_id") is not None
