"""Image proofs: base64 in, verified JPEG/PNG bytes out (seed 001 limits).

The type is sniffed from the bytes, never taken from the client; the size is read from the header
before any pixel is decoded (decompression bombs), then the image is decoded once to catch
truncated or corrupt files.
"""

from __future__ import annotations

import base64
import binascii
import io
from dataclasses import dataclass

import filetype
from PIL import Image, UnidentifiedImageError

from kycgate.core.errors import Unprocessable, field_error
from kycgate.core.image_limits import MAX_IMAGE_BYTES

MAX_SIDE_EXCLUSIVE = 8000
MIN_LONGEST_SIDE_EXCLUSIVE = 300
ALLOWED_MIME = {"image/jpeg": "jpg", "image/png": "png"}
# Base64 of 15 MB plus padding; a longer string cannot decode to an acceptable image.
MAX_BASE64_CHARS = (MAX_IMAGE_BYTES + 2) // 3 * 4 + 4

Image.MAX_IMAGE_PIXELS = MAX_SIDE_EXCLUSIVE * MAX_SIDE_EXCLUSIVE
_URLSAFE_TO_STANDARD = str.maketrans("-_", "+/")


@dataclass(frozen=True)
class ImageProof:
    data: bytes
    mime: str
    width: int
    height: int

    @property
    def extension(self) -> str:
        return ALLOWED_MIME[self.mime]


def decode_image(encoded: str, field: str) -> ImageProof:
    """Validate one base64 image field; raise a 422 naming the field and the rule it broke."""
    if len(encoded) > MAX_BASE64_CHARS:
        raise _invalid(field, "image exceeds 15 MB", "image_too_large")
    return check_image(_b64decode(_strip_data_url(encoded), field), field)


def check_image(data: bytes, field: str, loc: tuple[str | int, ...] | None = None) -> ImageProof:
    """Validate image bytes (an uploaded file): the same rules as a base64 field; ``loc`` names where it was sent."""
    if len(data) > MAX_IMAGE_BYTES:
        raise _invalid(field, "image exceeds 15 MB", "image_too_large", loc)
    kind = filetype.guess(data)
    mime = kind.mime if kind else None
    if mime not in ALLOWED_MIME:
        found = mime or "unrecognised bytes"
        raise _invalid(field, f"image must be JPEG or PNG (found {found})", "image_type", loc)
    try:
        with Image.open(io.BytesIO(data)) as img:
            width, height = img.size
            _check_dimensions(width, height, field, loc)
            img.load()
    except Image.DecompressionBombError as exc:
        # Pillow refuses before we read the size: the header declares far more than 8000x8000.
        message = f"each side must be under {MAX_SIDE_EXCLUSIVE} px (the header declares more)"
        raise _invalid(field, message, "image_size", loc) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise _invalid(field, "image is corrupt or truncated", "image_corrupt", loc) from exc
    return ImageProof(data=data, mime=mime, width=width, height=height)


def _check_dimensions(width: int, height: int, field: str, loc: tuple[str | int, ...] | None) -> None:
    if width >= MAX_SIDE_EXCLUSIVE or height >= MAX_SIDE_EXCLUSIVE:
        message = f"each side must be under {MAX_SIDE_EXCLUSIVE} px (got {width}x{height})"
        raise _invalid(field, message, "image_size", loc)
    if max(width, height) <= MIN_LONGEST_SIDE_EXCLUSIVE:
        raise _invalid(
            field,
            f"longest side must exceed {MIN_LONGEST_SIDE_EXCLUSIVE} px (got {width}x{height})",
            "image_size",
            loc,
        )


def _strip_data_url(encoded: str) -> str:
    # Browsers hand out "data:image/jpeg;base64,..."; accepting it spares every client a split().
    if encoded.startswith("data:"):
        _, _, encoded = encoded.partition(",")
    return encoded


def _b64decode(encoded: str, field: str) -> bytes:
    # Standard or url-safe alphabet, padding optional; anything else is refused, not skipped.
    compact = "".join(encoded.split()).translate(_URLSAFE_TO_STANDARD)
    try:
        return base64.b64decode(compact + "=" * (-len(compact) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _invalid(field, "is not valid base64", "base64") from exc


def _invalid(field: str, message: str, type_: str, loc: tuple[str | int, ...] | None = None) -> Unprocessable:
    where = list(loc) if loc is not None else ["body", field]
    return Unprocessable(f"{field}: {message}", errors=[field_error(where, message, type_)])
