"""The words of an IDV task: states, audit statuses, reasons, workflows, locales (seed 001)."""

from __future__ import annotations

from enum import IntEnum, StrEnum


class IdType(StrEnum):
    PASSPORT = "PASSPORT"
    DRIVING_LICENSE = "DRIVING_LICENSE"
    ID_CARD = "ID_CARD"


class IdvState(IntEnum):
    """The automatic result (seed: ``state``; its sample pairs 0 with an accepted task)."""

    ACCEPT = 0
    REVIEW = 1
    REJECT = 2


class AuditStatus(StrEnum):
    """The tenant's own review of the task (seed: ``audit_status``), decided once."""

    PENDING = "Pending"
    ACCEPTED = "Accepted"
    REJECTED = "Rejected"


class Progress(StrEnum):
    """Where an initiated task is: waiting for the customer's photos, or checked."""

    INITIATED = "initiated"
    COMPLETED = "completed"


class Reason(StrEnum):
    # reject_reasons: the document or the face cannot be the customer's
    FACE_MISMATCH = "face_mismatch"
    NO_FACE_DETECTED = "no_face_detected"
    NO_FACE_ON_DOCUMENT = "no_face_on_document"
    DOCUMENT_EXPIRED = "document_expired"
    # review_reasons: a person should look
    FACE_IN_REVIEW_BAND = "face_in_review_band"
    MULTIPLE_FACES_DETECTED = "multiple_faces_detected"
    DOCUMENT_UNREADABLE = "document_unreadable"
    MRZ_CHECK_DIGIT_FAILED = "mrz_check_digit_failed"
    MRZ_VISUAL_MISMATCH = "mrz_visual_mismatch"
    ID_NUMBER_CHECKSUM_FAILED = "id_number_checksum_failed"


# What the expected_* fields are compared with: each is reported as expected_<field>_mismatch, or
# expected_<field>_not_read when the document did not give the field.
EXPECTED_FIELDS = ("name", "birthday", "id_number", "country", "issuing_date", "expiry_date", "gender")

REJECTING = frozenset(
    {Reason.FACE_MISMATCH, Reason.NO_FACE_DETECTED, Reason.NO_FACE_ON_DOCUMENT, Reason.DOCUMENT_EXPIRED}
)

ID_SUB_TYPES = {IdType.ID_CARD: "NATIONAL_ID", IdType.DRIVING_LICENSE: "DRIVING_LICENSE", IdType.PASSPORT: "PASSPORT"}

# Web initiation (seed: workflow_id): whether the customer's face is asked for, and how photos are taken.
WEB_WORKFLOWS: dict[int, tuple[bool, str]] = {
    100: (False, "camera_upload"),
    101: (False, "camera"),
    102: (False, "upload"),
    200: (True, "camera_upload"),
    201: (True, "camera"),
    202: (True, "upload"),
}
MOBILE_WORKFLOW = 3  # ID and identity verification in a mobile app

# Every locale the seed lists; the hosted page is translated for TRANSLATED, the others fall back to en.
LOCALES = (
    "ar", "bg", "cs", "da", "de", "el", "en", "en-GB", "es", "es-MX", "et", "fi", "fr", "he", "hr", "hu", "hy", "id",
    "it", "ja", "ka", "km", "ko", "lt", "ms", "nl", "no", "pl", "pt", "pt-BR", "ro", "ru", "sk", "sv", "sw", "th",
    "tr", "vi", "zh-CN", "zh-HK", "zh-TW",
)  # fmt: skip
TRANSLATED = ("en", "zh-TW", "zh-HK", "zh-CN")

# The Ministry of the Interior's issuing-site codes (seed: tw_id_issue_site_id).
TW_ISSUE_SITES = {
    "10001": "北縣", "10002": "宜縣", "10003": "桃縣", "10004": "竹縣", "10005": "苗縣", "10006": "中縣",
    "10007": "彰縣", "10008": "投縣", "10009": "雲縣", "10010": "嘉縣", "10011": "南縣", "10012": "高縣",
    "10013": "屏縣", "10014": "東縣", "10015": "花縣", "10016": "澎縣", "10017": "基市", "10018": "竹市",
    "10019": "中市", "10020": "嘉市", "09007": "連江", "09020": "金門", "63000": "北市", "64000": "高市",
    "65000": "新北市", "66000": "中市", "67000": "南市", "68000": "桃市",
}  # fmt: skip
