"""``read_document``: the fields of an identity document from photos of its sides.

Where a document has an MRZ (passports, most ID cards) the MRZ is found and read first; its check
digits verify the number and dates, and its position tells which way up the page is. The visual zone
(the printed fields) is read by OCR of the whole side, and every field present in both is compared.
The Taiwan national ID card has no MRZ: its front is read by its labels, its ID number verified by
its checksum. Nothing is guessed: a field that could not be read is reported ``not_read`` with the
reason, and what is doubtful (a failed check digit, an MRZ/visual mismatch, an expired document) is a
warning for the checks built on this (the IDV task's review reasons).
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NamedTuple

from kycgate.compliance.documents import taiwan, visual
from kycgate.compliance.documents.mrz import (
    LAYOUTS,
    Correction,
    MrzResult,
    mrz_date,
    normalise_line,
    parse_mrz,
    repair_mrz,
)
from kycgate.compliance.documents.ocr import OcrEngine, OcrLine, get_engine
from kycgate.compliance.documents.vocabulary import (
    FIELDS,
    TAIWAN_FIELDS,
    FieldSource,
    FieldStatus,
    MrzFormat,
    WarningCode,
)

if TYPE_CHECKING:
    from kycgate.compliance.documents.imaging import ImageArray, MrzBox

__all__ = ["DocumentReading", "DocumentWarning", "FieldReading", "MrzReading", "SourceReading", "read_document"]

ID_TYPES = ("PASSPORT", "ID_CARD", "DRIVING_LICENSE")


class SourceReading(NamedTuple):
    source: FieldSource
    value: str
    confidence: float


class FieldReading(NamedTuple):
    value: str | None
    source: FieldSource | None
    confidence: float | None  # the OCR engine's score for the line the value came from, 0..1
    status: FieldStatus
    reason: str | None = None  # why not read, or what disagrees
    verified: bool = False  # a check digit (MRZ) or checksum (Taiwan ID number) covers it and passed
    readings: tuple[SourceReading, ...] = ()  # every zone's reading of it


class DocumentWarning(NamedTuple):
    code: WarningCode
    detail: str
    field: str | None = None


class MrzReading(NamedTuple):
    result: MrzResult
    side: str  # front | back
    angle: float  # degrees counter-clockwise that turned that side upright
    confidence: float  # the lowest line score
    located: bool  # found by the OpenCV locator (False: among the lines of the whole side's OCR)


class DocumentReading(NamedTuple):
    id_type: str
    country: str
    layout: str | None  # TD1 | TD2 | TD3 | TWN_ID_CARD, None when nothing was recognised
    fields: dict[str, FieldReading]
    mrz: MrzReading | None
    warnings: tuple[DocumentWarning, ...]
    timings: dict[str, float]  # milliseconds per stage
    engine: str

    def value(self, field: str) -> str | None:
        reading = self.fields.get(field)
        return reading.value if reading is not None else None

    @property
    def warning_codes(self) -> tuple[WarningCode, ...]:
        return tuple(dict.fromkeys(w.code for w in self.warnings))


class _Clock:
    def __init__(self) -> None:
        self.started = self.last = time.perf_counter()
        self.stages: dict[str, float] = {}

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.stages[stage] = round(self.stages.get(stage, 0.0) + (now - self.last) * 1000, 1)
        self.last = now

    def done(self) -> dict[str, float]:
        self.stages["total"] = round((time.perf_counter() - self.started) * 1000, 1)
        return self.stages


def read_document(
    front: bytes,
    back: bytes | None,
    id_type: str,
    country: str,
    *,
    engine: str | None = None,
    today: dt.date | None = None,
) -> DocumentReading:
    """Read the fields of a document of ``id_type`` (PASSPORT, ID_CARD, DRIVING_LICENSE) issued by
    ``country`` (ISO 3166 alpha-3) from the images (JPEG or PNG bytes) of its front and back.

    Raises ``ValueError`` only for an unknown ``id_type``; an image that does not decode or a document
    that cannot be read is a reading with warnings and fields not read.
    """
    if id_type not in ID_TYPES:
        raise ValueError(f"id_type must be one of {', '.join(ID_TYPES)}, got {id_type!r}")
    today = today or dt.date.today()
    clock = _Clock()
    ocr = get_engine(engine)
    from kycgate.compliance.documents import imaging  # OpenCV: only once a document is read

    clock.lap("load")
    warnings: list[DocumentWarning] = []
    images: dict[str, ImageArray] = {}
    for side, data in (("front", front), ("back", back)):
        if data:
            try:
                images[side] = imaging.decode(data)
            except ValueError:
                warnings.append(
                    DocumentWarning(WarningCode.IMAGE_NOT_DECODED, f"the {side} image could not be decoded")
                )
    clock.lap("decode")
    if "front" not in images:
        fields = {name: _not_read("the front image could not be decoded") for name in FIELDS}
        return _finish(id_type, country, None, fields, None, warnings, clock, ocr, today)

    if country == "TWN" and id_type == "ID_CARD":
        layout, fields = _read_taiwan_front(images["front"], ocr, clock, warnings)
        return _finish(id_type, country, layout, fields, None, warnings, clock, ocr, today)

    # Where the MRZ is looked for first: an ID card prints it on the back, a passport on its data page.
    sides = [side for side in (("back", "front") if id_type == "ID_CARD" else ("front", "back")) if side in images]
    found: MrzReading | None = None
    pages: dict[str, list[OcrLine]] = {}
    for side in sides:
        candidate, pages[side] = _read_side(images[side], ocr, side, country, clock)
        if candidate is not None and (found is None or candidate.result.score > found.result.score):
            found = candidate
        if found is not None and found.result.valid:
            break
    if "front" not in pages:
        pages["front"] = _read_page(images["front"], ocr, country, clock)
    if found is None:
        warnings.append(DocumentWarning(WarningCode.MRZ_NOT_FOUND, f"no MRZ found on the {' or '.join(sides)}"))
    # The visual zone: the front's labels first, the back's for what the front does not print.
    labelled: dict[str, OcrLine] = {}
    for side in ("front", "back"):
        for field, line in visual.labelled_fields([ln for ln in pages.get(side, []) if not _mrz_like(ln.text)]).items():
            labelled.setdefault(field, line)
    if found is not None and "document_number" in labelled:
        found = _settle_number(found, labelled["document_number"].text)
    fields = _icao_fields(found, labelled, warnings, today)
    clock.lap("fields")
    layout = str(found.result.format) if found is not None else None
    return _finish(id_type, country, layout, fields, found, warnings, clock, ocr, today)


def _languages(country: str) -> tuple[str, ...]:
    return ("en", "zh-Hant") if country in ("TWN", "HKG", "MAC") else ("en",)


# --- the MRZ ----------------------------------------------------------------------------------------


def _read_page(image: ImageArray, ocr: OcrEngine, country: str, clock: _Clock) -> list[OcrLine]:
    """A side without an MRZ: its lines, upright by the labels' order."""
    from kycgate.compliance.documents import imaging

    image = imaging.fit(image, imaging.PAGE_SIDE)
    size = (image.shape[1], image.shape[0])
    lines = ocr.read(image, languages=_languages(country))
    lines = visual.upright(lines, visual.page_angle(lines, size, _icao_order), size)
    clock.lap("visual")
    return lines


def _read_side(
    image: ImageArray, ocr: OcrEngine, side: str, country: str, clock: _Clock
) -> tuple[MrzReading | None, list[OcrLine]]:
    """One side: its MRZ if it has one, and its lines upright.

    The locator's best box says which way the lines run and, being at the bottom, which way up the
    side is; the side is turned so and read whole, MRZ included. Only when that reading of the MRZ
    fails a check digit are the located boxes cut out and read on their own (both ways up, enlarged),
    which costs one more OCR pass per try.
    """
    from kycgate.compliance.documents import imaging

    boxes = imaging.find_mrz_boxes(image)
    clock.lap("mrz")
    if not boxes:
        return None, _read_page(image, ocr, country, clock)
    angle = imaging.upright_angle(boxes[0], image.shape)
    page = imaging.rotate(imaging.fit(image, imaging.PAGE_SIDE), angle)
    lines = ocr.read(page, upright=True, languages=_languages(country))
    clock.lap("visual")
    found = None
    from_page = _mrz_from_lines(lines)
    if from_page is not None:
        found = MrzReading(from_page[0], side, angle, from_page[1], located=False)
    if found is None or not found.result.valid:
        # The page's lines already read as an MRZ: the side is the right way up, the cut-out need not
        # be tried upside down.
        flips = (0,) if found is not None else (0, 180)
        located = _read_boxes(image, boxes, ocr, side, flips)
        if located is not None and (found is None or located.result.score > found.result.score):
            if round((located.angle - angle) % 360) == 180:
                # The cut-out read right only the other way up: so is the page, read again turned.
                lines = ocr.read(imaging.rotate(page, 180), upright=True, languages=_languages(country))
            found = located
        clock.lap("mrz")
    return found, lines


def _read_boxes(
    image: ImageArray, boxes: Sequence[MrzBox], ocr: OcrEngine, side: str, flips: Sequence[int]
) -> MrzReading | None:
    import cv2

    from kycgate.compliance.documents import imaging

    best: MrzReading | None = None
    for box in boxes:
        crop = imaging.crop_box(image, box)
        if crop.shape[0] < 120:  # PassportEye's lesson: small MRZs read better enlarged
            factor = 120 / crop.shape[0]
            crop = cv2.resize(crop, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)
        upright = imaging.upright_angle(box, image.shape)
        for flip in flips:
            # ``flip`` is relative to the way up the box's position suggests.
            turned = (upright - box.angle + flip) % 360
            lines = ocr.read(crop if round(turned) % 360 == 0 else cv2.rotate(crop, cv2.ROTATE_180), mrz=True)
            read = _mrz_from_lines(lines)
            if read is None:
                continue
            candidate = MrzReading(read[0], side, (upright + flip) % 360, read[1], located=True)
            if best is None or candidate.result.score > best.result.score:
                best = candidate
            if best.result.valid:
                return best
    return best


def _settle_number(found: MrzReading, printed: str) -> MrzReading:
    """A document number whose check digit failed, read again from the visual zone: when that
    second, independent reading differs only in look-alikes (O/0, I/1, S/5 ...) and passes the MRZ's
    check digit, it settles what the MRZ's digit alone could not (two readings passing it)."""
    result = found.result
    if "document_number" not in result.failed_check_digits:
        return found
    segment = next(s for s in LAYOUTS[result.format] if s.field == "document_number")
    number = result.lines[segment.line][segment.start : segment.end]
    candidate = re.sub(r"[^A-Z0-9]", "", printed.upper())
    if len(candidate) > len(number) or not visual.same_number(candidate, number.rstrip("<")):
        return found
    candidate = candidate.ljust(len(number), "<")
    lines = list(result.lines)
    row = lines[segment.line]
    lines[segment.line] = row[: segment.start] + candidate + row[segment.end :]
    settled = parse_mrz(lines, result.format)
    if "document_number" in settled.failed_check_digits:
        return found
    corrections = [
        Correction("document_number", segment.line + 1, segment.start + i + 1, a, b, "visual_zone")
        for i, (a, b) in enumerate(zip(number, candidate, strict=True))
        if a != b
    ]
    settled = settled._replace(raw_lines=result.raw_lines, corrections=(*result.corrections, *corrections))
    return found._replace(result=settled)


def _mrz_like(text: str) -> bool:
    normalised = normalise_line(text)
    return len(normalised) >= 20 and len(normalised) >= 0.8 * len(text.replace(" ", "")) and "<" in normalised


def _mrz_from_lines(lines: Sequence[OcrLine]) -> tuple[MrzResult, float] | None:
    """The best MRZ among consecutive rows of MRZ-like lines, with the lowest score of its lines."""
    rows = visual.rows([line for line in lines if _mrz_like(line.text)])
    texts = ["".join(line.text for line in row) for row in rows]
    scores = [min(line.confidence for line in row) for row in rows]
    best: tuple[MrzResult, float] | None = None
    best_key: tuple[int, int, bool] | None = None
    for count in (3, 2):
        for start in range(len(texts) - count + 1):
            window = texts[start : start + count]
            try:
                result = repair_mrz(window, MrzFormat.TD1 if count == 3 else None)
            except ValueError:
                continue
            # Between equals, the window whose lines were read at their right lengths.
            exact = all(len(normalise_line(t)) == len(line) for t, line in zip(window, result.lines, strict=True))
            key = (*result.score, exact)
            if best_key is None or key > best_key:
                best, best_key = (result, min(scores[start : start + count])), key
    return best


# --- ICAO documents: MRZ and visual zone ---------------------------------------------------------


def _icao_order(lines: list[OcrLine]) -> float:
    """How well the labels found run top to bottom as ICAO 9303 lays them out, the MRZ last."""
    sequence = ["surname", "given_names", "birth_date", "issue_date", "expiry_date"]
    positions: dict[str, float] = {}
    mrz_rows: list[float] = []
    for line in lines:
        if _mrz_like(line.text):
            mrz_rows.append(line.center[1])
        for field, pattern in visual.LABELS.items():
            if field in sequence and field not in positions and pattern.search(line.text):
                positions[field] = line.center[1]
    ys = [positions[f] for f in sequence if f in positions]
    score = sum(1 if a < b else -1 for i, a in enumerate(ys) for b in ys[i + 1 :])
    if mrz_rows and ys:
        score += 2 if min(mrz_rows) > max(ys) else -2
    return score


def _not_read(reason: str) -> FieldReading:
    return FieldReading(None, None, None, FieldStatus.NOT_READ, reason)


def _gender(text: str) -> str | None:
    for char in text.upper():
        if char in "MFX":
            return char
    return None


def _visual_values(labelled: dict[str, OcrLine], today: dt.date) -> dict[str, tuple[str, float]]:
    """The visual zone's values in the reading's fields and forms (dates ISO, gender M/F/X)."""
    out: dict[str, tuple[str, float]] = {}

    def put(field: str, value: str | None, line: OcrLine) -> None:
        if value:
            out[field] = (value, line.confidence)

    if "surname" in labelled:
        put("last_name", " ".join(labelled["surname"].text.split()), labelled["surname"])
    if "given_names" in labelled:
        put("first_name", " ".join(labelled["given_names"].text.split()), labelled["given_names"])
    if "last_name" in out and "first_name" in out:
        confidence = min(out["last_name"][1], out["first_name"][1])
        out["full_name"] = (f"{out['first_name'][0]} {out['last_name'][0]}", confidence)
    if "document_number" in labelled:
        put("id_number", "".join(labelled["document_number"].text.split()).upper(), labelled["document_number"])
    for label, field, kind in (
        ("birth_date", "birthday", "birth"),
        ("issue_date", "issuing_date", "issue"),
        ("expiry_date", "expiry_date", "expiry"),
    ):
        if label in labelled:
            date = visual.parse_visual_date(labelled[label].text, kind=kind, today=today)
            put(field, date.isoformat() if date else None, labelled[label])
    if "sex" in labelled:
        put("gender", _gender(labelled["sex"].text), labelled["sex"])
    return out


_LABEL_NAMES = {
    "last_name": "Surname",
    "first_name": "Given names",
    "full_name": "Surname and Given names",
    "id_number": "Document No.",
    "birthday": "Date of birth",
    "issuing_date": "Date of issue",
    "expiry_date": "Date of expiry",
    "gender": "Sex",
    "nationality": "Nationality",
    "issuing_country": "issuing State",
}


def _icao_fields(
    found: MrzReading | None, labelled: dict[str, OcrLine], warnings: list[DocumentWarning], today: dt.date
) -> dict[str, FieldReading]:
    seen = _visual_values(labelled, today)
    mrz_values: dict[str, tuple[str | None, bool, str | None]] = {}  # value, verified, why not read
    truncated = False
    if found is not None:
        result = found.result
        m = result.fields
        checks = {c.field: c.ok for c in result.check_digits}
        for check in result.check_digits:
            if not check.ok:
                warnings.append(
                    DocumentWarning(
                        WarningCode.CHECK_DIGIT_FAILED,
                        f"the {check.field} check digit reads {check.found!r}, the data gives {check.expected!r}",
                        check.field,
                    )
                )
        if result.corrections:
            listed = ", ".join(
                f"{c.field} {c.read or '-'}->{c.corrected or '-'} ({c.reason})" for c in result.corrections
            )
            warnings.append(DocumentWarning(WarningCode.OCR_CORRECTED, f"OCR corrections: {listed}"))
        name_field = result.lines[2] if result.format is MrzFormat.TD1 else result.lines[0][5:]
        truncated = not name_field.endswith("<")
        full = " ".join(p for p in (m["given_names"], m["surname"]) if p)
        mrz_values["last_name"] = (m["surname"] or None, False, "the MRZ has no primary identifier")
        mrz_values["first_name"] = (m["given_names"] or None, False, "the MRZ has no secondary identifier")
        mrz_values["full_name"] = (full or None, False, "the MRZ has no name")
        mrz_values["id_number"] = (m["document_number"] or None, checks["document_number"], "the MRZ has no number")
        for field, key, kind in (("birthday", "birth_date", "birth"), ("expiry_date", "expiry_date", "expiry")):
            date = mrz_date(m[key], kind=kind, today=today)
            why = f"the MRZ date {m[key]!r} is not a calendar date" if date is None else None
            mrz_values[field] = (date.isoformat() if date else None, checks[key] and date is not None, why)
        sex = {"M": "M", "F": "F", "X": "X", "<": "X"}.get(m["sex"])
        mrz_values["gender"] = (sex, checks["composite"], f"the MRZ sex {m['sex']!r} is not M, F, X or <")
        mrz_values["nationality"] = (m["nationality"] or None, checks["composite"], "the MRZ has no nationality")
        mrz_values["issuing_country"] = (
            m["issuing_state"] or None,
            checks["composite"],
            "the MRZ has no issuing State",
        )

    fields: dict[str, FieldReading] = {}
    for name in FIELDS:
        fields[name] = _merge(name, mrz_values.get(name), seen.get(name), found, truncated, warnings)
    return fields


def _agree(field: str, mrz_value: str, visual_value: str, truncated: bool) -> bool:
    if field in ("last_name", "first_name", "full_name"):
        return visual.same_name(visual_value, mrz_value, truncated=truncated and field != "first_name")
    if field == "id_number":
        return visual.same_number(visual_value, mrz_value)
    return visual_value == mrz_value


def _merge(
    field: str,
    from_mrz: tuple[str | None, bool, str | None] | None,
    from_visual: tuple[str, float] | None,
    found: MrzReading | None,
    truncated: bool,
    warnings: list[DocumentWarning],
) -> FieldReading:
    readings: list[SourceReading] = []
    mrz_value = from_mrz[0] if from_mrz else None
    if mrz_value is not None and found is not None:
        readings.append(SourceReading(FieldSource.MRZ, mrz_value, found.confidence))
    if from_visual is not None:
        readings.append(SourceReading(FieldSource.VISUAL, *from_visual))
    if mrz_value is not None and from_visual is not None and found is not None:
        verified = from_mrz[1] if from_mrz else False
        if _agree(field, mrz_value, from_visual[0], truncated):
            # Names as the visual zone prints them (marks, full length); the rest as the MRZ verified them.
            if field in ("last_name", "first_name", "full_name"):
                return FieldReading(
                    from_visual[0],
                    FieldSource.VISUAL,
                    from_visual[1],
                    FieldStatus.READ,
                    None,
                    verified,
                    tuple(readings),
                )
            return FieldReading(
                mrz_value, FieldSource.MRZ, found.confidence, FieldStatus.READ, None, verified, tuple(readings)
            )
        detail = f"the MRZ reads {mrz_value!r}, the visual zone {from_visual[0]!r}"
        warnings.append(DocumentWarning(WarningCode.MRZ_VISUAL_MISMATCH, detail, field))
        return FieldReading(
            mrz_value, FieldSource.MRZ, found.confidence, FieldStatus.MISMATCH, detail, verified, tuple(readings)
        )
    if mrz_value is not None and found is not None:
        verified = from_mrz[1] if from_mrz else False
        return FieldReading(
            mrz_value, FieldSource.MRZ, found.confidence, FieldStatus.READ, None, verified, tuple(readings)
        )
    if from_visual is not None:
        return FieldReading(
            from_visual[0], FieldSource.VISUAL, from_visual[1], FieldStatus.READ, None, False, tuple(readings)
        )
    label = _LABEL_NAMES[field]
    if found is None:
        reason = f"no MRZ was found and the visual zone has no readable {label!r} field"
    elif from_mrz is None:
        reason = f"the MRZ does not carry it and the visual zone has no readable {label!r} field"
    else:
        reason = f"{from_mrz[2]}, and the visual zone has no readable {label!r} field"
    return _not_read(reason)


# --- the Taiwan national ID card -------------------------------------------------------------------

# The front's labels top to bottom (with the simplified forms the recognizer may return).
_TAIWAN_SEQUENCE = tuple(
    re.compile(p) for p in (r"身\s*[分份]\s*[證证証]", "姓", "出生", "性", r"[發发]\s*[證证]", r"[統统]\s*一")
)


def _taiwan_order(lines: list[OcrLine]) -> float:
    positions: dict[int, float] = {}
    for line in lines:
        for key, pattern in enumerate(_TAIWAN_SEQUENCE):
            if key not in positions and pattern.search(line.text):
                positions[key] = line.center[1]
    ys = [positions[k] for k in range(len(_TAIWAN_SEQUENCE)) if k in positions]
    return sum(1 if a < b else -1 for i, a in enumerate(ys) for b in ys[i + 1 :])


def _confidence(lines: Sequence[OcrLine], *needles: str) -> float | None:
    scores = [line.confidence for line in lines if any(n and n in line.text for n in needles)]
    return min(scores) if scores else None


def _read_taiwan_front(
    image: ImageArray, ocr: OcrEngine, clock: _Clock, warnings: list[DocumentWarning]
) -> tuple[str | None, dict[str, FieldReading]]:
    from kycgate.compliance.documents import imaging

    image = imaging.fit(image, imaging.PAGE_SIDE)
    size = (image.shape[1], image.shape[0])
    lines = ocr.read(image, languages=("zh-Hant", "en"))
    angle = visual.page_angle(lines, size, _taiwan_order)
    lines = visual.upright(lines, angle, size)
    clock.lap("visual")
    text = visual.rows_text(lines)
    front = taiwan.read_front(text)
    is_card = _TAIWAN_SEQUENCE[0].search(text) is not None

    def read(field: str, value: str | None, *needles: str, verified: bool = False) -> FieldReading:
        if value is None:
            return _not_read(front.missing.get(field, "not on the front's text"))
        confidence = _confidence(lines, value, *needles)
        return FieldReading(
            value,
            FieldSource.VISUAL,
            confidence,
            FieldStatus.READ,
            None,
            verified,
            (SourceReading(FieldSource.VISUAL, value, confidence or 0.0),),
        )

    fields: dict[str, FieldReading] = {}
    if front.name:
        last, first = taiwan.split_name(front.name)
        fields["full_name"] = read("name", front.name, "姓名")
        fields["last_name"] = read("name", last, front.name)
        fields["first_name"] = read("name", first, front.name)
    else:
        for name in ("full_name", "last_name", "first_name"):
            fields[name] = _not_read(front.missing["name"])
    fields["birthday"] = read("birthday", front.birthday.isoformat() if front.birthday else None, "出生")
    fields["issuing_date"] = read(
        "issuing_date", front.issuing_date.isoformat() if front.issuing_date else None, "發證"
    )
    fields["expiry_date"] = FieldReading(
        None, None, None, FieldStatus.ABSENT, "the Taiwan national ID card carries no expiry date"
    )
    fields["id_number"] = read("id_number", front.id_number, "統一", verified=front.id_number_valid)
    if front.id_number and not front.id_number_valid:
        warnings.append(
            DocumentWarning(
                WarningCode.ID_NUMBER_CHECKSUM_FAILED,
                "the ID number read fails the Taiwan ID checksum (letter code, weights 1,9,8,7,6,5,4,3,2,1,1)",
                "id_number",
            )
        )
    if front.corrections:
        warnings.append(
            DocumentWarning(
                WarningCode.OCR_CORRECTED, "ID number OCR corrections: " + "; ".join(front.corrections), "id_number"
            )
        )
    fields["gender"] = read("gender", front.gender, "性別")
    implied = taiwan.gender_of_id_number(front.id_number) if front.id_number and front.id_number_valid else None
    if front.gender and implied and implied != front.gender:
        detail = f"性別 reads {front.gender!r}, the ID number's second digit means {implied!r}"
        fields["gender"] = fields["gender"]._replace(status=FieldStatus.MISMATCH, reason=detail)
        warnings.append(DocumentWarning(WarningCode.MRZ_VISUAL_MISMATCH, detail, "gender"))
    for field in ("nationality", "issuing_country"):
        if is_card:
            fields[field] = FieldReading(
                "TWN", FieldSource.VISUAL, _confidence(lines, "身分證"), FieldStatus.READ,
                "the card (中華民國國民身分證) is issued by Taiwan to its nationals",
            )  # fmt: skip
        else:
            fields[field] = _not_read("the card's title 中華民國國民身分證 was not read")

    apply_code = taiwan.APPLY_CODES.get(front.apply_reason or "")
    fields["tw_id_apply_code"] = (
        read("apply", str(apply_code), front.apply_reason or "")
        if apply_code is not None
        else _not_read("no 初發, 補發 or 換發 after the issue date")
    )
    fields["tw_id_apply_date"] = (
        read("issuing_date", taiwan.roc_date7(front.issuing_date), "發證")
        if front.issuing_date
        else _not_read(front.missing.get("issuing_date", "no issue date"))
    )
    site_id = taiwan.issue_site_id(front.issue_site, front.issuing_date) if front.issue_site else None
    fields["tw_id_issue_site_id"] = (
        read("site", site_id, front.issue_site or "")
        if site_id
        else _not_read(
            f"the issue site {front.issue_site!r} has no single code in the seed's table"
            if front.issue_site
            else "no issue site after the issue date"
        )
    )
    return ("TWN_ID_CARD" if is_card or front.id_number else None), fields


# --- the result --------------------------------------------------------------------------------------


def _finish(
    id_type: str,
    country: str,
    layout: str | None,
    fields: dict[str, FieldReading],
    found: MrzReading | None,
    warnings: list[DocumentWarning],
    clock: _Clock,
    ocr: OcrEngine,
    today: dt.date,
) -> DocumentReading:
    expiry = fields.get("expiry_date")
    if expiry is not None and expiry.value and dt.date.fromisoformat(expiry.value) < today:
        warnings.append(DocumentWarning(WarningCode.EXPIRED, f"the document expired on {expiry.value}", "expiry_date"))
    for name, reading in fields.items():
        if reading.status is FieldStatus.NOT_READ:
            warnings.append(DocumentWarning(WarningCode.FIELD_NOT_READ, reading.reason or "not read", name))
    if not any(r.status in (FieldStatus.READ, FieldStatus.MISMATCH) for r in fields.values()):
        warnings.append(DocumentWarning(WarningCode.UNREADABLE, "no field of the document could be read"))
    order: Callable[[str], int] = lambda name: (FIELDS + TAIWAN_FIELDS).index(name)  # noqa: E731
    ordered = {name: fields[name] for name in sorted(fields, key=order)}
    return DocumentReading(id_type, country, layout, ordered, found, tuple(warnings), clock.done(), ocr.name)
