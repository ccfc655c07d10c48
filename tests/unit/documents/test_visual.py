"""The visual zone's rules: dates as printed, names in MRZ form, labels and their values, turning boxes."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from kycgate.compliance.documents import visual
from kycgate.compliance.documents.ocr import OcrLine

TODAY = dt.date(2026, 12, 2)


def line(text: str, x: float, y: float, w: float = 200, h: float = 20, confidence: float = 0.9) -> OcrLine:
    return OcrLine(text, confidence, ((x, y), (x + w, y), (x + w, y + h), (x, y + h)))


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        ("12 AUG/AOÛT 74", "birth", dt.date(1974, 8, 12)),
        ("12 AUG/AOUT 74", "birth", dt.date(1974, 8, 12)),
        ("08 FEB/FÉV 21", "issue", dt.date(2021, 2, 8)),
        ("15 APR/AVR 12", "expiry", dt.date(2012, 4, 15)),
        ("01 JAN 2031", "expiry", dt.date(2031, 1, 1)),
        ("12.08.1974", "birth", dt.date(1974, 8, 12)),
        ("12/08/1974", "birth", dt.date(1974, 8, 12)),
        ("1974-08-12", "birth", dt.date(1974, 8, 12)),
        ("31 FEB 74", "birth", None),
        ("12 XYZ 74", "birth", None),
        ("UTOPIA", "birth", None),
    ],
)
def test_dates_as_visual_zones_print_them(text: str, kind: str, expected: dt.date | None) -> None:
    assert visual.parse_visual_date(text, kind=kind, today=TODAY) == expected


@pytest.mark.parametrize(
    ("name", "mrz"),
    [
        ("Anna María", "ANNA MARIA"),
        ("Jürgen Müller", "JUERGEN MUELLER"),
        ("Ødegård", "OEDEGAARD"),
        ("O'Neil", "ONEIL"),
        ("García-Lorca", "GARCIA LORCA"),
        ("Straße", "STRASSE"),
    ],
)
def test_mrz_form(name: str, mrz: str) -> None:
    assert visual.mrz_form(name) == mrz


def test_names_compared_with_the_mrz() -> None:
    assert visual.same_name("JÜRGEN", "JUERGEN", truncated=False)
    assert visual.same_name("JÜRGEN", "JURGEN", truncated=False)  # issuers that only drop the marks
    assert not visual.same_name("JÜRGEN", "JOERGEN", truncated=False)
    # An MRZ name field filled to its end may be cut: the visual zone's name must start with it.
    assert visual.same_name("BARTHOLOMEW ALEXANDER", "BARTHOLOMEW ALEX", truncated=True)
    assert not visual.same_name("BARTHOLOMEW ALEXANDER", "BARTHOLOMEW ALEX", truncated=False)


def test_numbers_compared_up_to_look_alikes() -> None:
    assert visual.same_number("L898902C3", "L898902C3")
    assert visual.same_number("L8989O2C3", "L898902C3")  # OCR's O for 0 is not a mismatch
    assert visual.same_number("l898 902 c3", "L898902C3")
    assert not visual.same_number("L898902C4", "L898902C3")


def test_labels_and_the_values_below_or_after_them() -> None:
    lines = [
        line("Surname / Nom", 100, 100),
        line("ERIKSSON", 100, 125, h=30),
        line("Given names / Prénoms", 100, 170),
        line("ANNA MARÍA", 100, 195, h=30),
        line("Date of birth / Date de naissance", 100, 240, w=300),
        line("12 AUG/AOÛT 74", 100, 265, h=30),
        line("Sex / Sexe F", 500, 240),  # the value on the label's own line
        line("Passport No. / No. du passeport", 600, 100, w=300),  # its value sits too far right
        line("L898902C3", 900, 125, h=30),
    ]
    found = visual.labelled_fields(lines)
    assert found["surname"].text == "ERIKSSON"
    assert found["given_names"].text == "ANNA MARÍA"
    assert found["birth_date"].text == "12 AUG/AOÛT 74"
    assert found["sex"].text == "F"
    assert "document_number" not in found  # a label with no value under it is not a value
    assert "issue_date" not in found


def test_a_label_translation_is_not_a_value() -> None:
    found = visual.labelled_fields(
        [line("Passport No. / No. du passeport", 100, 100, w=300), line("X1234567", 100, 125)]
    )
    assert found["document_number"].text == "X1234567"


def test_rows_in_reading_order() -> None:
    lines = [
        line("姓名", 10, 100, w=40),
        line("出生年月日 民國54年3月16日", 10, 150),
        line("陳美玲", 80, 96, w=60, h=28),
    ]
    assert visual.rows_text(lines) == "姓名 陳美玲\n出生年月日 民國54年3月16日"


@pytest.mark.parametrize("angle", [90, 180, 270, 7.5])
def test_upright_undoes_a_turn(angle: float) -> None:
    """Lines of a page turned by -angle, put upright again, keep their top-to-bottom order."""
    import math

    width, height = 1000, 600
    upright_lines = [line(f"row {i}", 100, 100 + 120 * i, w=400) for i in range(4)]
    cx, cy = width / 2, height / 2
    # The page as photographed: turned clockwise by `angle` about its centre.
    cos, sin = math.cos(math.radians(-angle)), math.sin(math.radians(-angle))

    def turn(p: tuple[float, float]) -> tuple[float, float]:
        x, y = p[0] - cx, p[1] - cy
        return x * cos + y * sin + cx, -x * sin + y * cos + cy

    photographed = [item._replace(box=tuple(turn(p) for p in item.box)) for item in upright_lines]
    again = visual.upright(photographed, angle, (width, height))
    ys = [item.center[1] for item in again]
    assert ys == sorted(ys)
    assert all(abs(item.width - 400) < 1 and abs(item.height - 20) < 1 for item in again)


def test_page_angle_picks_the_way_up_by_label_order() -> None:
    labels = ["A", "B", "C", "D"]
    lines = [line(label * 5, 100, 100 + 100 * i, w=400) for i, label in enumerate(labels)]

    def order(upright_lines: list[OcrLine]) -> float:
        ys = {item.text[0]: item.center[1] for item in upright_lines}
        return sum(1 if ys[a] < ys[b] else -1 for a, b in itertools.pairwise(labels))

    size = (1000, 600)
    assert visual.page_angle(lines, size, order) == 0.0
    flipped = visual.upright(lines, 180, size)
    assert visual.page_angle(flipped, size, order) == 180.0
