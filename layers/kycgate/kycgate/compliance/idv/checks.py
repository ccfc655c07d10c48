"""The rules that turn a document reading and a face comparison into an IDV task's state and reasons.

Pure: no I/O. The expected_* fields are compared after normalisation, because the same name or number
is written many ways: names without case, marks or punctuation, in any order, with the MRZ's
transliteration (Ü→UE, Ø→OE, ß→SS) counted as the same spelling, Chinese names by their characters
alone; ID numbers without spaces, dashes or case; dates as calendar dates (the reader gives every date
as YYYY-MM-DD, whatever the document prints: ROC years, two-digit MRZ years).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, NamedTuple

from kycgate.compliance.documents.vocabulary import WarningCode
from kycgate.compliance.idv.vocabulary import REJECTING, IdvState, Reason

if TYPE_CHECKING:
    from kycgate.compliance.documents.reading import DocumentReading
    from kycgate.faces import FaceComparison

# Doc 9303 part 3's transliterations that differ from dropping the mark.
_ICAO = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ø": "oe", "å": "aa", "æ": "ae", "ß": "ss", "œ": "oe"})
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[^\W_]+")

_WARNING_REASONS = {
    WarningCode.EXPIRED: Reason.DOCUMENT_EXPIRED,
    WarningCode.CHECK_DIGIT_FAILED: Reason.MRZ_CHECK_DIGIT_FAILED,
    WarningCode.MRZ_VISUAL_MISMATCH: Reason.MRZ_VISUAL_MISMATCH,
    WarningCode.ID_NUMBER_CHECKSUM_FAILED: Reason.ID_NUMBER_CHECKSUM_FAILED,
    WarningCode.UNREADABLE: Reason.DOCUMENT_UNREADABLE,
    WarningCode.IMAGE_NOT_DECODED: Reason.DOCUMENT_UNREADABLE,
}
_FACE_REASONS = {
    "no_face_detected": Reason.NO_FACE_DETECTED,
    "multiple_faces_detected": Reason.MULTIPLE_FACES_DETECTED,
    "no_face_on_document": Reason.NO_FACE_ON_DOCUMENT,
    "face_mismatch": Reason.FACE_MISMATCH,
}
# The reading's field each expected_* field is compared with.
_READ_FIELD = {
    "name": "full_name",
    "birthday": "birthday",
    "id_number": "id_number",
    "country": "issuing_country",
    "issuing_date": "issuing_date",
    "expiry_date": "expiry_date",
    "gender": "gender",
}


class Outcome(NamedTuple):
    state: IdvState
    review_reasons: list[str]
    reject_reasons: list[str]


def name_forms(name: str) -> set[tuple[str, ...]]:
    """The spellings a name is compared in: its words sorted, marks dropped or transliterated as the
    MRZ does; a name with Chinese characters by those characters alone (no spaces are written)."""
    text = unicodedata.normalize("NFKC", name).casefold()
    if _HAN.search(text):
        return {tuple(_HAN.findall(text))}
    text = text.replace("'", "").replace("\u2019", "")
    forms = set()
    for spelling in (text.translate(_ICAO), text):
        bare = "".join(c for c in unicodedata.normalize("NFKD", spelling) if not unicodedata.combining(c))
        forms.add(tuple(sorted(_WORD.findall(bare))))
    return forms


def same_name(expected: str, read: Iterable[str]) -> bool:
    wanted = name_forms(expected)
    return any(wanted & name_forms(value) for value in read)


def _same_number(expected: str, read: Iterable[str]) -> bool:
    def compact(value: str) -> str:
        return "".join(_WORD.findall(unicodedata.normalize("NFKC", value))).upper()

    return any(compact(expected) == compact(value) for value in read)


def expected_reasons(expected: Mapping[str, str | None], reading: DocumentReading) -> list[str]:
    """``expected_<field>_mismatch`` or ``expected_<field>_not_read`` for each expected field given."""
    reasons = []
    for field, wanted in expected.items():
        if wanted is None:
            continue
        read = reading.fields.get(_READ_FIELD[field])
        values = [v for v in (read.value if read else None, *(r.value for r in (read.readings if read else ()))) if v]
        if not values:
            reasons.append(f"expected_{field}_not_read")
            continue
        if field == "name":
            agrees = same_name(wanted, values)
        elif field == "id_number":
            agrees = _same_number(wanted, values)
        else:  # dates (YYYY-MM-DD on both sides), the gender letter, the alpha-3 country
            agrees = wanted.upper() in {v.upper() for v in values}
        if not agrees:
            reasons.append(f"expected_{field}_mismatch")
    return reasons


def document_reasons(reading: DocumentReading) -> list[str]:
    return list(dict.fromkeys(str(_WARNING_REASONS[c]) for c in reading.warning_codes if c in _WARNING_REASONS))


def face_reasons(comparison: FaceComparison) -> list[str]:
    if comparison.decline_code is not None:
        return [str(_FACE_REASONS[comparison.decline_code.value])]
    if comparison.in_review_band:
        return [str(Reason.FACE_IN_REVIEW_BAND)]
    if not comparison.matched:  # a backend outside the contract: never accept on it
        return [str(Reason.FACE_MISMATCH)]
    if comparison.faces_in_reference > 1:
        return [str(Reason.MULTIPLE_FACES_DETECTED)]
    return []


def outcome(reasons: Iterable[str]) -> Outcome:
    """Reject when any reason rejects, review when there is any other, accept otherwise."""
    found = list(dict.fromkeys(reasons))
    reject = [r for r in found if r in REJECTING]
    review = [r for r in found if r not in REJECTING]
    state = IdvState.REJECT if reject else IdvState.REVIEW if review else IdvState.ACCEPT
    return Outcome(state, review, reject)
