"""read_document end to end on drawn specimen documents (tests/specimens.py), with the real OCR engine.

A handful of documents only (about a second each on 2 vCPUs); bench/idv.py reads the full set.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import cv2
import numpy as np
import pytest

from kycgate.compliance.documents.mrz import parse_mrz
from kycgate.compliance.documents.ocr import get_engine
from kycgate.compliance.documents.reading import DocumentReading, read_document
from kycgate.compliance.documents.vocabulary import FieldSource, FieldStatus, WarningCode
from tests import specimens
from tests.conftest import ROOT

TODAY = dt.date(2026, 12, 2)


def read(specimen: specimens.Specimen, **kwargs: object) -> DocumentReading:
    return read_document(specimen.front, specimen.back, specimen.id_type, specimen.country, today=TODAY, **kwargs)  # type: ignore[arg-type]


def wrong_fields(specimen: specimens.Specimen, reading: DocumentReading) -> dict[str, tuple[str | None, str]]:
    return {
        field: (reading.value(field), truth)
        for field, truth in specimen.truth.items()
        if (reading.value(field) or "").casefold() != truth.casefold()
    }


@pytest.mark.parametrize("kind", ["td3_passport", "td1_card", "td2_card"])
def test_clean_icao_documents_every_field(kind: str) -> None:
    specimen = specimens.make(kind, "clean", seed=7)
    reading = read(specimen)
    assert reading.mrz is not None
    assert reading.mrz.result.lines == specimen.mrz_lines
    assert reading.mrz.result.fields == specimen.mrz_fields
    assert reading.mrz.result.valid
    assert reading.layout == {"td3_passport": "TD3", "td1_card": "TD1", "td2_card": "TD2"}[kind]
    assert wrong_fields(specimen, reading) == {}
    # Where both zones print a field they were compared, and agree.
    for field in ("last_name", "first_name", "id_number", "birthday", "expiry_date", "gender"):
        assert {r.source for r in reading.fields[field].readings} == {FieldSource.MRZ, FieldSource.VISUAL}, field
        assert reading.fields[field].status is FieldStatus.READ
    assert reading.fields["id_number"].verified and reading.fields["birthday"].verified
    assert reading.fields["issuing_date"].source is FieldSource.VISUAL
    assert WarningCode.CHECK_DIGIT_FAILED not in reading.warning_codes
    assert WarningCode.MRZ_VISUAL_MISMATCH not in reading.warning_codes
    assert WarningCode.EXPIRED not in reading.warning_codes
    assert set(reading.timings) >= {"decode", "visual", "total"}


def test_clean_taiwan_card_every_field() -> None:
    specimen = specimens.make("twn_card", "clean", seed=3)
    reading = read(specimen)
    assert reading.layout == "TWN_ID_CARD" and reading.mrz is None
    assert wrong_fields(specimen, reading) == {}
    assert reading.fields["id_number"].verified
    expiry = reading.fields["expiry_date"]
    assert expiry.status is FieldStatus.ABSENT and expiry.value is None and "no expiry" in (expiry.reason or "")
    assert WarningCode.EXPIRED not in reading.warning_codes
    assert WarningCode.FIELD_NOT_READ not in reading.warning_codes


@pytest.mark.parametrize(
    ("kind", "variant"),
    [
        ("td3_passport", "turned_90"),
        ("td3_passport", "blurred"),
        ("td1_card", "turned_180"),
        ("td2_card", "jpeg"),
        ("twn_card", "turned_small"),
    ],
)
def test_degraded_documents(kind: str, variant: str) -> None:
    specimen = specimens.make(kind, variant, seed=11)
    reading = read(specimen)
    if specimen.mrz_lines:
        assert reading.mrz is not None and reading.mrz.result.lines == specimen.mrz_lines
    assert wrong_fields(specimen, reading) == {}


def test_a_wrong_check_digit_is_reported() -> None:
    genuine = specimens.make("td3_passport", seed=21)
    lines = genuine.mrz_lines
    assert lines is not None
    wrong = str((int(lines[1][19]) + 3) % 10)  # the birth date's check digit
    printed = (lines[0], lines[1][:19] + wrong + lines[1][20:])
    specimen = specimens.make("td3_passport", seed=21, printed_mrz=printed)
    reading = read(specimen)
    assert reading.mrz is not None and reading.mrz.result.lines == printed
    assert set(reading.mrz.result.failed_check_digits) == {"birth_date", "composite"}
    failed = [w for w in reading.warnings if w.code is WarningCode.CHECK_DIGIT_FAILED]
    assert {w.field for w in failed} == {"birth_date", "composite"}
    birthday = reading.fields["birthday"]
    # The date itself still reads (and agrees with the visual zone), but nothing vouches for it.
    assert birthday.value == genuine.truth["birthday"] and not birthday.verified


def test_mrz_and_visual_zone_disagreeing() -> None:
    genuine = specimens.make("td3_passport", seed=22)
    other = dt.date.fromisoformat(genuine.truth["birthday"]) + dt.timedelta(days=400)
    specimen = specimens.make("td3_passport", seed=22, printed_birth=other)
    reading = read(specimen)
    birthday = reading.fields["birthday"]
    assert birthday.status is FieldStatus.MISMATCH
    assert birthday.value == genuine.truth["birthday"]  # the MRZ's, which its check digit verifies
    assert {(r.source, r.value) for r in birthday.readings} == {
        (FieldSource.MRZ, genuine.truth["birthday"]),
        (FieldSource.VISUAL, other.isoformat()),
    }
    mismatches = [w for w in reading.warnings if w.code is WarningCode.MRZ_VISUAL_MISMATCH]
    assert [w.field for w in mismatches] == ["birthday"]


def test_an_expired_document() -> None:
    specimen = specimens.make("td2_card", seed=7)
    expiry = dt.date.fromisoformat(specimen.truth["expiry_date"])
    reading = read_document(specimen.front, None, "ID_CARD", "UTO", today=expiry + dt.timedelta(days=1))
    expired = [w for w in reading.warnings if w.code is WarningCode.EXPIRED]
    assert [(w.field, w.detail) for w in expired] == [("expiry_date", f"the document expired on {expiry}")]
    # The clean documents above, read before their expiry, carry no such warning.


def test_no_document_on_the_image() -> None:
    rng = np.random.default_rng(5)
    noise = (rng.normal(180, 20, (700, 1000, 3))).clip(0, 255).astype(np.uint8)
    ok, png = cv2.imencode(".png", noise)
    assert ok
    reading = read_document(png.tobytes(), None, "PASSPORT", "UTO", today=TODAY)
    assert reading.layout is None and reading.mrz is None
    assert {WarningCode.MRZ_NOT_FOUND, WarningCode.UNREADABLE} <= set(reading.warning_codes)
    for field, value in reading.fields.items():
        assert value.status is FieldStatus.NOT_READ and value.value is None, field
        assert value.reason and "no MRZ was found" in value.reason


def test_an_image_that_does_not_decode() -> None:
    reading = read_document(b"\xff\xd8\xff not a jpeg", None, "PASSPORT", "UTO")
    assert WarningCode.IMAGE_NOT_DECODED in reading.warning_codes
    assert all(f.status is FieldStatus.NOT_READ for f in reading.fields.values())


def test_unknown_id_type() -> None:
    with pytest.raises(ValueError, match="id_type must be one of"):
        read_document(b"", None, "VISA", "UTO")


def test_tesseract_engine_reads_the_same_passport() -> None:
    """The comparison engine works end to end (bench/idv.py measures how well)."""
    specimen = specimens.make("td3_passport", seed=7)
    reading = read(specimen, engine="tesseract")
    assert reading.engine == "tesseract"
    assert (
        reading.mrz is not None
        and parse_mrz(reading.mrz.result.lines).fields["document_number"] == (specimen.mrz_fields["document_number"])
    )


def test_engines_load_once() -> None:
    assert get_engine() is get_engine("rapidocr")
    with pytest.raises(ValueError, match="KYCGATE_OCR_ENGINE must be one of"):
        get_engine("paddle")


def test_importing_the_reader_loads_no_engine() -> None:
    code = (
        "import sys; import kycgate.compliance.documents.reading, kycgate.compliance.documents.mrz; "
        "heavy = [m for m in ('cv2', 'numpy', 'rapidocr', 'onnxruntime', 'pytesseract') if m in sys.modules]; "
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_a_missing_font_fails_with_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(specimens.FONTS, "ocrb", (ROOT / "no-such-font.otf", "fonts-ocr-b"))
    with pytest.raises(RuntimeError, match="install Debian's fonts-ocr-b"):
        specimens.make("td3_passport", seed=99)


def test_the_visual_zone_settles_a_number_its_check_digit_could_not() -> None:
    from mrz.generator.td1 import TD1CodeGenerator

    from kycgate.compliance.documents.mrz import repair_mrz
    from kycgate.compliance.documents.reading import MrzReading, _settle_number

    code = str(TD1CodeGenerator("ID", "UTO", "Y7410I5CS", "650802", "M", "341122", "UTO", "Papadopoulos", "Nikos"))
    lines = code.splitlines()
    # Read with 1 for I: I->1 at column 11 and S->5 at column 14 both pass the digit, so it stays failed.
    read = repair_mrz([lines[0].replace("Y7410I5CS", "Y741015CS"), lines[1], lines[2]])
    assert read.failed_check_digits == ("document_number", "composite")
    found = MrzReading(read, "back", 0.0, 0.9, located=False)
    settled = _settle_number(found, "Y7410I5CS").result
    assert settled.valid and settled.fields["document_number"] == "Y7410I5CS"
    assert settled.corrections[-1] == ("document_number", 1, 11, "1", "I", "visual_zone")
    # A visual reading that is another number altogether settles nothing.
    assert _settle_number(found, "Y7410I5CT") is found


def test_an_mrz_in_the_upper_half_of_the_photo() -> None:
    """The locator's guess of the way up (the MRZ is at the bottom of its side) is wrong when the photo
    has a lot of background below the document: reading the cut-out both ways up puts it right."""
    specimen = specimens.make("td3_passport", seed=7)
    page = cv2.imdecode(np.frombuffer(specimen.front, np.uint8), cv2.IMREAD_COLOR)
    desk = np.full((page.shape[0] * 3, page.shape[1], 3), (92, 98, 104), dtype=np.uint8)
    desk[: page.shape[0]] = page
    ok, png = cv2.imencode(".png", desk)
    assert ok
    reading = read_document(png.tobytes(), None, "PASSPORT", "UTO", today=TODAY)
    assert reading.mrz is not None and reading.mrz.located and reading.mrz.angle == 0
    assert reading.mrz.result.lines == specimen.mrz_lines
    assert wrong_fields(specimen, reading) == {}
