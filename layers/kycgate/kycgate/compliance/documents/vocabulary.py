"""The words of a document reading: where a value came from, how far it can be trusted, what is wrong."""

from __future__ import annotations

from enum import StrEnum


class MrzFormat(StrEnum):
    TD1 = "TD1"  # ID-1 cards: 3 lines of 30
    TD2 = "TD2"  # ID-2 documents: 2 lines of 36
    TD3 = "TD3"  # passports: 2 lines of 44


class FieldSource(StrEnum):
    MRZ = "mrz"
    VISUAL = "visual"


class FieldStatus(StrEnum):
    READ = "read"
    NOT_READ = "not_read"  # the document should carry it but it could not be read; ``reason`` says why
    MISMATCH = "mismatch"  # the MRZ and the visual zone disagree; both values are in ``readings``
    ABSENT = "absent"  # this kind of document does not carry the field (a Taiwan ID card has no expiry)


class WarningCode(StrEnum):
    EXPIRED = "document_expired"
    CHECK_DIGIT_FAILED = "mrz_check_digit_failed"
    MRZ_NOT_FOUND = "mrz_not_found"
    OCR_CORRECTED = "ocr_corrected"  # a character put right by the field's type or a check digit
    MRZ_VISUAL_MISMATCH = "mrz_visual_mismatch"
    ID_NUMBER_CHECKSUM_FAILED = "id_number_checksum_failed"
    FIELD_NOT_READ = "field_not_read"
    UNREADABLE = "document_unreadable"
    IMAGE_NOT_DECODED = "image_not_decoded"


# The fields a reading reports, in the seed's words (the IDV task's detail).
FIELDS: tuple[str, ...] = (
    "full_name",
    "first_name",
    "last_name",
    "birthday",
    "id_number",
    "issuing_date",
    "expiry_date",
    "gender",
    "nationality",
    "issuing_country",
)
# Taiwan national ID card only: what the Ministry of the Interior's ID-card check takes (seed: tw_id_*).
TAIWAN_FIELDS: tuple[str, ...] = ("tw_id_apply_code", "tw_id_apply_date", "tw_id_issue_site_id")
