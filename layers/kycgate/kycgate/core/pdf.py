"""PDF proofs (proof of address, proof of funds): sniffed and checked for a complete file, never rendered.

kycgate stores a PDF for a reviewer to read and recognises nothing in it, so it needs to know only that
the bytes are a PDF and a whole one: the type is sniffed from the bytes (``filetype``, as for images),
and the file must end with the ``startxref`` pointer and ``%%EOF`` marker every complete PDF ends with
(a truncated upload does not). No PDF parser runs on untrusted input here; the reviewer's viewer does.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import filetype

from kycgate.core.errors import Unprocessable, field_error

MAX_PDF_BYTES = 15 * 1024 * 1024
PDF_MIME = "application/pdf"
# The trailer: "startxref", the offset of the cross-reference section, "%%EOF" (ISO 32000-1, 7.5.5).
# Writers may append whitespace or one incremental update's trailer; 1 KB covers both.
_TRAILER = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")
_TAIL_BYTES = 1024


class PdfProof(NamedTuple):
    data: bytes
    version: str  # "1.7", from the header

    @property
    def mime(self) -> str:
        return PDF_MIME

    @property
    def extension(self) -> str:
        return "pdf"


def check_pdf(data: bytes, field: str, loc: tuple[str | int, ...]) -> PdfProof:
    """The bytes as a PDF, or a 422 naming ``loc`` and the rule they broke."""
    if len(data) > MAX_PDF_BYTES:
        raise _invalid(field, loc, "file exceeds 15 MB", "file_too_large")
    kind = filetype.guess(data)
    if kind is None or kind.mime != PDF_MIME:
        raise _invalid(field, loc, "file is not a PDF", "file_type")
    header = re.match(rb"%PDF-(\d\.\d)", data)
    if header is None:
        raise _invalid(field, loc, "PDF header is malformed", "file_corrupt")
    trailer = _TRAILER.search(data[-_TAIL_BYTES:])
    if trailer is None:
        raise _invalid(field, loc, "PDF is truncated or corrupt (no startxref/%%EOF trailer)", "file_corrupt")
    if int(trailer.group(1)) >= len(data):
        raise _invalid(
            field, loc, "PDF is truncated or corrupt (its cross-reference offset is past the end)", "file_corrupt"
        )
    return PdfProof(data=data, version=header.group(1).decode())


def _invalid(field: str, loc: tuple[str | int, ...], message: str, type_: str) -> Unprocessable:
    return Unprocessable(f"{field}: {message}", errors=[field_error(list(loc), message, type_)])
