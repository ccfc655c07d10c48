"""The visual inspection zone: OCR'd lines put upright into rows, labelled fields found, dates read.

Pure Python over ``OcrLine``s. ICAO 9303 documents label each field (in the issuing State's language
and English or French: "Surname / Nom", "Date of birth / Date de naissance") with its value below
or after the label; ``labelled_fields`` takes the nearest line below a label (or the rest of the
label's own line). Names are compared with the MRZ in its own form (``mrz_form``: upper case, no
diacritics, Doc 9303's transliterations).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import statistics
import unicodedata
from collections.abc import Callable, Sequence

from kycgate.compliance.documents.ocr import OcrLine

__all__ = [
    "LABELS",
    "Row",
    "labelled_fields",
    "mrz_form",
    "page_angle",
    "parse_visual_date",
    "rows_text",
    "same_number",
    "upright",
]

Row = list[OcrLine]

LABELS: dict[str, re.Pattern[str]] = {
    "surname": re.compile(r"\b(surname|nom)\b", re.I),
    "given_names": re.compile(r"given\s*names?|pr[ée]noms?", re.I),
    "birth_date": re.compile(r"date\s*of\s*birth|date\s*de\s*naissance|birth\s*date", re.I),
    "issue_date": re.compile(r"date\s*of\s*issue|date\s*de\s*d[ée]livrance|issue\s*date", re.I),
    "expiry_date": re.compile(r"date\s*of\s*expiry|date\s*d.?\s*expiration|expiry\s*date|valid\s*until", re.I),
    "document_number": re.compile(
        r"(passport|document|card)\s*n(o|um|umber|°)\b\.?|n[o°]\.?\s*d[ue]\s*(passeport|document|la\s*carte)", re.I
    ),
    "sex": re.compile(r"\bsex[e]?\b", re.I),
    "nationality": re.compile(r"nationalit[yé]", re.I),
}

_MONTHS = {
    "JAN": 1, "FEB": 2, "FEV": 2, "FÉV": 2, "MAR": 3, "MARS": 3, "APR": 4, "AVR": 4, "MAY": 5, "MAI": 5,
    "JUN": 6, "JUIN": 6, "JUL": 7, "JUIL": 7, "AUG": 8, "AOU": 8, "AOÛ": 8, "AOUT": 8, "AOÛT": 8,
    "SEP": 9, "SEPT": 9, "OCT": 10, "NOV": 11, "DEC": 12, "DÉC": 12,
}  # fmt: skip
_DMY_WORD = re.compile(r"(\d{1,2})\s*([A-ZÀ-Ü]{3,5})\.?(?:\s*/\s*[A-ZÀ-Ü]{3,5}\.?)?\s*(\d{4}|\d{2})\b")
_ISO = re.compile(r"(\d{4})\s*[-./]\s*(\d{1,2})\s*[-./]\s*(\d{1,2})")
_DMY = re.compile(r"(\d{1,2})\s*[-./ ]\s*(\d{1,2})\s*[-./ ]\s*(\d{4})")

# Doc 9303 part 3, 6.A: transliterations of Latin letters with marks; the rest lose their marks.
_TRANSLITERATIONS = {"Ä": "AE", "Æ": "AE", "Å": "AA", "Ö": "OE", "Ø": "OE", "Ü": "UE", "ß": "SS", "Þ": "TH", "Ĳ": "IJ"}
# What a reading of a number may confuse, to one form: a mismatch must be more than OCR's O for 0.
_NUMBER_FORM = str.maketrans("OQDILZSBG", "000112586")


def upright(lines: Sequence[OcrLine], angle: float, size: tuple[int, int]) -> list[OcrLine]:
    """The lines with their boxes in the coordinates of the image turned ``angle`` degrees
    counter-clockwise about its centre (text horizontal, reading direction left to right)."""
    if round(angle % 360, 3) == 0:
        return list(lines)
    width, height = size
    cx, cy = width / 2, height / 2
    cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))

    def turn(point: tuple[float, float]) -> tuple[float, float]:
        x, y = point[0] - cx, point[1] - cy
        return x * cos + y * sin, -x * sin + y * cos

    out = []
    for line in lines:
        points = [turn(p) for p in line.box]
        # Corners again clockwise from the top left of the text as it now stands.
        start = min(range(4), key=lambda i: points[i][0] + points[i][1])
        ordered = tuple(points[(start + k) % 4] for k in range(4))
        out.append(line._replace(box=ordered))  # type: ignore[arg-type]
    return out


def _text_angle(line: OcrLine) -> float:
    """Direction of a line's longer box edge, degrees in (-90, 90], y pointing down."""
    (x0, y0), (x1, y1), (x2, y2), _ = line.box
    first, second = (x1 - x0, y1 - y0), (x2 - x1, y2 - y1)
    dx, dy = first if math.hypot(*first) >= math.hypot(*second) else second
    angle = math.degrees(math.atan2(dy, dx))
    return (angle + 90) % 180 - 90


def page_angle(lines: Sequence[OcrLine], size: tuple[int, int], order: Callable[[list[OcrLine]], float]) -> float:
    """Degrees (counter-clockwise) that bring the page upright: the text lines' median direction, and
    of its two ways up the one whose lines ``order`` scores higher (labels in their top-down order)."""
    long_lines = [line for line in lines if len(line.text) >= 4]
    if not long_lines:
        return 0.0
    # Angles near +-90 are one direction: fold them together before taking the median.
    angles = [_text_angle(line) for line in long_lines]
    reference = angles[0]
    unwrapped = [a + 180 if a - reference < -90 else a - 180 if a - reference > 90 else a for a in angles]
    base = statistics.median(unwrapped)
    if abs(base) < 1.0:
        base = 0.0
    candidates = [base, base + 180]
    scores = [order(upright(lines, angle, size)) for angle in candidates]
    return candidates[1] if scores[1] > scores[0] else candidates[0]


def rows(lines: Sequence[OcrLine]) -> list[Row]:
    """Lines grouped into rows (centres within half a line height), top to bottom, each left to right."""
    ordered = sorted(lines, key=lambda line: line.center[1])
    grouped: list[Row] = []
    for line in ordered:
        if grouped:
            last = grouped[-1]
            reference = statistics.median(item.center[1] for item in last)
            height = max(statistics.median(item.height for item in last), line.height)
            if abs(line.center[1] - reference) < height * 0.5:
                last.append(line)
                continue
        grouped.append([line])
    return [sorted(row, key=lambda line: line.center[0]) for row in grouped]


def rows_text(lines: Sequence[OcrLine]) -> str:
    return "\n".join(" ".join(line.text for line in row) for row in rows(lines))


def _left(line: OcrLine) -> float:
    return min(p[0] for p in line.box)


def _right(line: OcrLine) -> float:
    return max(p[0] for p in line.box)


def _top(line: OcrLine) -> float:
    return min(p[1] for p in line.box)


def _bottom(line: OcrLine) -> float:
    return max(p[1] for p in line.box)


def labelled_fields(lines: Sequence[OcrLine]) -> dict[str, OcrLine]:
    """For each label of ``LABELS`` found, the line holding its value (text: the value alone)."""
    labels: list[tuple[str, OcrLine, re.Match[str]]] = []
    for line in lines:
        for field, pattern in LABELS.items():
            match = pattern.search(line.text)
            if match:
                labels.append((field, line, match))
    label_lines = {id(line) for _, line, _ in labels}
    found: dict[str, OcrLine] = {}
    for field, label, match in labels:
        if field in found:
            continue
        # The rest of the label's own line, past the label and its translations ("Sex/Sexe F").
        rest = re.sub(r"^[\s/:.,-]*", "", _strip_labels(label.text[match.end() :]))
        # Labels are printed in small mixed case, values in capitals (Doc 9303 part 3, 3.2).
        if rest and not any(c.islower() for c in rest) and not any(p.search(rest) for p in LABELS.values()):
            found[field] = label._replace(text=rest)
            continue
        below = [
            line
            for line in lines
            if id(line) not in label_lines
            and _top(line) >= _bottom(label) - label.height * 0.3
            and _top(line) - _bottom(label) < label.height * 2.5
            and abs(_left(line) - _left(label)) < label.height * 2.5
        ]
        if below:
            found[field] = min(below, key=lambda line: (_top(line), abs(_left(line) - _left(label))))
    return found


def _strip_labels(text: str) -> str:
    """A label's translations after it ("/ Nom", "/ Date de naissance"), which are not the value."""
    for pattern in LABELS.values():
        text = pattern.sub("", text)
    return text.strip()


def parse_visual_date(text: str, *, kind: str, today: dt.date | None = None) -> dt.date | None:
    """A date as visual zones print it: "12 AUG/AOÛT 74", "12 AUG 1974", "12.08.1974", "1974-08-12"."""
    upper = unicodedata.normalize("NFC", text.upper())
    year = month = day = None
    if match := _ISO.search(upper):
        year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3))
    elif match := _DMY_WORD.search(upper):
        month = _MONTHS.get(match.group(2)) or _MONTHS.get(match.group(2)[:3])
        day, year = int(match.group(1)), int(match.group(3))
        if month is None:
            return None
        if len(match.group(3)) == 2:
            year = _century(year, kind, today or dt.date.today())
    elif match := _DMY.search(upper):
        day, month, year = int(match.group(1)), int(match.group(2)), int(match.group(3))
    if year is None or month is None or day is None:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _century(year: int, kind: str, today: dt.date) -> int:
    century = today.year // 100 * 100
    if kind == "birth":
        return century + year if century + year <= today.year else century - 100 + year
    full = century + year
    return full - 100 if full > today.year + 50 else full


def mrz_form(name: str) -> str:
    """A name as the MRZ writes it: upper case, Doc 9303's transliterations, marks dropped, anything
    but letters a single space ("Anna María Ødegård" -> "ANNA MARIA OEDEGAARD" / "... ODEGARD")."""
    out = []
    for char in name.upper():
        char = _TRANSLITERATIONS.get(char, char)
        decomposed = unicodedata.normalize("NFKD", char)
        out.append("".join(c for c in decomposed if not unicodedata.combining(c)))
    # Apostrophes are left out (O'NEIL -> ONEIL), other punctuation separates names.
    joined = re.sub(r"['’`]", "", "".join(out))
    return " ".join(re.sub(r"[^A-Z]+", " ", joined).split())


def _plain_form(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.upper())
    return " ".join(re.sub(r"[^A-Z]+", " ", "".join(c for c in decomposed if not unicodedata.combining(c))).split())


def same_name(visual: str, mrz: str, *, truncated: bool) -> bool:
    """Whether a visual-zone name is the MRZ's (which may be cut at the end of its field)."""
    candidates = {mrz_form(visual), _plain_form(visual)}
    mrz = " ".join(mrz.split())
    if truncated:
        return any(c.replace(" ", "").startswith(mrz.replace(" ", "")) for c in candidates)
    return mrz in candidates


def same_number(visual: str, mrz: str) -> bool:
    """Whether two readings of a document number agree, up to OCR's look-alike letters and digits."""

    def form(text: str) -> str:
        return re.sub(r"[^A-Z0-9]", "", text.upper()).translate(_NUMBER_FORM)

    return form(visual) == form(mrz)
