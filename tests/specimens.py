"""Specimen identity documents drawn for the tests and bench/idv.py: no real document is ever used.

ICAO 9303 layouts (a TD1 ID card's front and back, a TD2 card, a TD3 passport data page) and the
Taiwan national ID card's front and back, each with known field values, a portrait from
tests/fixtures/faces (MIT), the MRZ in OCR-B (Debian's fonts-ocr-b) and, on the Taiwan card, Chinese in
AR PL UMing (fonts-arphic-uming). The MRZ lines come from the ``mrz`` package's generator, an
implementation independent of the reader under test. Variants: turned a few degrees, a quarter, half;
blurred; JPEG-compressed. Everything is drawn from a seed, so a set is the same on every machine.

Only the tests and the bench draw documents, so this lives here rather than in the product.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import random
from functools import cache
from pathlib import Path
from typing import NamedTuple

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from kycgate.compliance.documents import taiwan

FACES = Path(__file__).resolve().parent / "fixtures" / "faces"

# Debian's packages; .ci/run installs them. A missing font fails the test that needs it, with this.
FONTS = {
    "ocrb": (Path("/usr/share/fonts/opentype/ocr-b/OCRB.otf"), "fonts-ocr-b"),
    "sans": (Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"), "fonts-dejavu-core"),
    "sans_bold": (Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"), "fonts-dejavu-core"),
    "ming": (Path("/usr/share/fonts/truetype/arphic/uming.ttc"), "fonts-arphic-uming"),
}
PX_PER_MM = 12  # about 300 dpi: a flatbed scan, or a phone photo filling the frame

PORTRAITS = ("obama_1.jpg", "biden_1.jpg", "rose_leslie_1.jpg", "alex_lacamoire_1.jpg", "obama_2.jpg", "biden_2.jpg")

# Holders: (surname, given names, sex). Marks and letters the MRZ transliterates on purpose.
LATIN_NAMES = (
    ("Eriksson", "Anna María", "F"),
    ("Müller", "Jürgen", "M"),
    ("Ødegård", "Sølvi", "F"),
    ("Dupont", "Jean Pierre", "M"),
    ("García Lorca", "Federico", "M"),
    ("Kowalska", "Joanna", "F"),
    ("O'Neil", "Siobhan", "F"),
    ("Nakamura", "Hiroshi", "M"),
    ("Van der Berg", "Pieter Jan", "M"),
    ("Silva", "Ana Beatriz", "F"),
    ("Papadopoulos", "Nikos", "M"),
    ("Schmidt", "Lena", "F"),
)
CHINESE_NAMES = (
    ("陳美玲", "F"),
    ("林志明", "M"),
    ("王又曾", "M"),
    ("張簡雅婷", "F"),
    ("李建國", "M"),
    ("黃淑芬", "F"),
    ("吳俊傑", "M"),
    ("歐陽小華", "F"),
)
_ISSUE_SITES = ("北市", "新北市", "高市", "桃市", "竹市", "嘉縣", "宜縣", "花縣")
_MONTHS = ("JAN/JAN", "FEB/FÉV", "MAR/MARS", "APR/AVR", "MAY/MAI", "JUN/JUIN", "JUL/JUIL", "AUG/AOÛT",
           "SEP/SEPT", "OCT/OCT", "NOV/NOV", "DEC/DÉC")  # fmt: skip

KINDS = ("td3_passport", "td1_card", "td2_card", "twn_card")
VARIANTS = ("clean", "turned_small", "turned_90", "turned_180", "blurred", "jpeg")


class Specimen(NamedTuple):
    kind: str
    variant: str
    id_type: str
    country: str
    front: bytes
    back: bytes | None
    truth: dict[str, str]  # the reading's fields as they should be read
    mrz_lines: tuple[str, ...] | None  # the MRZ exactly as printed
    mrz_fields: dict[str, str]  # parse_mrz's fields of those lines


def font(name: str, size_mm: float) -> ImageFont.FreeTypeFont:
    path, package = FONTS[name]
    if not path.is_file():
        raise RuntimeError(f"{path} is missing: install Debian's {package} (apt-get install {package}; .ci/run does)")
    return _font(str(path), round(size_mm * PX_PER_MM))


@cache
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


def _mm(value: float) -> int:
    return round(value * PX_PER_MM)


def _background(width_mm: float, height_mm: float, rng: random.Random, tint: tuple[int, int, int]) -> Image.Image:
    """A security-print-like background: a pale tint, fine guilloche waves, a little paper noise."""
    width, height = _mm(width_mm), _mm(height_mm)
    canvas = np.zeros((height, width, 3), dtype=np.float32) + np.array(tint, dtype=np.float32)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    phase = rng.uniform(0, math.tau)
    waves = np.sin(xs / 23.0 + 6 * np.sin(ys / 71.0 + phase)) * np.sin(ys / 17.0 + 4 * np.sin(xs / 97.0))
    canvas -= (waves > 0.93)[..., None] * 28.0
    noise = np.random.default_rng(rng.randrange(2**32)).normal(0, 3.0, canvas.shape[:2])[..., None]
    canvas = np.clip(canvas + noise, 0, 255).astype(np.uint8)
    return Image.fromarray(canvas)


def _portrait(name: str, width_mm: float, height_mm: float) -> Image.Image:
    photo = Image.open(FACES / name).convert("RGB")
    target = width_mm / height_mm
    w, h = photo.size
    if w / h > target:
        crop_w = h * target
        photo = photo.crop((int((w - crop_w) / 2), 0, int((w + crop_w) / 2), h))
    else:
        crop_h = w / target
        top = max(0, int((h - crop_h) * 0.3))
        photo = photo.crop((0, top, w, int(top + crop_h)))
    return photo.resize((_mm(width_mm), _mm(height_mm)), Image.Resampling.LANCZOS)


def _label(draw: ImageDraw.ImageDraw, x: float, y: float, text: str, value: str, *, size: float = 3.0) -> None:
    draw.text((_mm(x), _mm(y)), text, font=font("sans", 1.7), fill=(70, 70, 90))
    draw.text((_mm(x), _mm(y + 2.4)), value, font=font("sans_bold", size), fill=(15, 15, 25))


def _mrz(draw: ImageDraw.ImageDraw, lines: tuple[str, ...], left_mm: float, top_mm: float, pitch_mm: float) -> None:
    # OCR-B at ICAO's fixed pitch of 10 characters per inch (2.54 mm), lines pitch_mm apart.
    ocrb = font("ocrb", 1.0)
    size = 2.54 / (ocrb.getlength("<") / PX_PER_MM)
    face = font("ocrb", size)
    for i, line in enumerate(lines):
        draw.text((_mm(left_mm), _mm(top_mm + i * pitch_mm)), line, font=face, fill=(10, 10, 10))


def _viz_date(date: dt.date) -> str:
    return f"{date.day:02d} {_MONTHS[date.month - 1]} {date.year % 100:02d}"


class _Holder(NamedTuple):
    surname: str
    given: str
    sex: str
    birth: dt.date
    issue: dt.date
    expiry: dt.date
    number: str
    portrait: str


def _holder(rng: random.Random, number_length: int = 9) -> _Holder:
    surname, given, sex = rng.choice(LATIN_NAMES)
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(365 * 55))
    issue = dt.date(2021, 1, 1) + dt.timedelta(days=rng.randrange(365 * 5))
    expiry = issue.replace(year=issue.year + 10) - dt.timedelta(days=1)
    # Letters and digits, with the letters OCR confuses with digits on purpose.
    alphabet = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789OIBSZ"
    number = rng.choice("ABCDEFGHLPXYZ") + "".join(rng.choice(alphabet) for _ in range(number_length - 1))
    return _Holder(surname, given, sex, birth, issue, expiry, number, rng.choice(PORTRAITS))


def _yymmdd(date: dt.date) -> str:
    return date.strftime("%y%m%d")


def _truth(h: _Holder, country: str) -> dict[str, str]:
    return {
        "full_name": f"{h.given} {h.surname}",
        "first_name": h.given,
        "last_name": h.surname,
        "birthday": h.birth.isoformat(),
        "id_number": h.number,
        "issuing_date": h.issue.isoformat(),
        "expiry_date": h.expiry.isoformat(),
        "gender": h.sex,
        "nationality": country,
        "issuing_country": country,
    }


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _mrz_fields(lines: tuple[str, ...]) -> dict[str, str]:
    from kycgate.compliance.documents.mrz import parse_mrz

    return parse_mrz(lines).fields


def td3_passport(
    rng: random.Random, *, printed_mrz: tuple[str, ...] | None = None, printed_birth: dt.date | None = None
) -> tuple[bytes, None, dict[str, str], tuple[str, ...]]:
    """``printed_mrz``/``printed_birth``: print these instead (a forged or misprinted page); the
    truth stays the holder's."""
    from mrz.generator.td3 import TD3CodeGenerator

    h = _holder(rng)
    personal = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ0123456789") for _ in range(rng.choice((0, 9, 12))))
    lines = tuple(
        str(
            TD3CodeGenerator(
                "P", "UTO", h.surname, h.given, h.number, "UTO", _yymmdd(h.birth), h.sex, _yymmdd(h.expiry), personal
            )
        ).splitlines()
    )
    page = _background(125, 88, rng, (232, 226, 238))
    draw = ImageDraw.Draw(page)
    draw.text((_mm(6), _mm(4)), "UTOPIA", font=font("sans_bold", 4.0), fill=(40, 30, 90))
    draw.text((_mm(60), _mm(5)), "PASSPORT / PASSEPORT", font=font("sans_bold", 3.0), fill=(40, 30, 90))
    page.paste(_portrait(h.portrait, 32, 42), (_mm(6), _mm(16)))
    x = 43
    _label(draw, x, 12, "Type / Type", "P")
    _label(draw, x + 16, 12, "Code / Code", "UTO")
    _label(draw, x + 36, 12, "Passport No. / No. du passeport", h.number)
    _label(draw, x, 19, "Surname / Nom", h.surname.upper())
    _label(draw, x, 26, "Given names / Prénoms", h.given.upper())
    _label(draw, x, 33, "Nationality / Nationalité", "UTOPIAN")
    _label(draw, x, 40, "Date of birth / Date de naissance", _viz_date(printed_birth or h.birth))
    _label(draw, x + 48, 40, "Sex / Sexe", h.sex)
    _label(draw, x, 47, "Date of issue / Date de délivrance", _viz_date(h.issue))
    _label(draw, x + 48, 47, "Authority / Autorité", "UTOPIA")
    _label(draw, x, 54, "Date of expiry / Date d'expiration", _viz_date(h.expiry))
    lines = printed_mrz or lines
    _mrz(draw, lines, 6.4, 70.5, 6.0)
    return _png(page), None, _truth(h, "UTO"), lines


def td1_card(rng: random.Random) -> tuple[bytes, bytes, dict[str, str], tuple[str, ...]]:
    from mrz.generator.td1 import TD1CodeGenerator

    h = _holder(rng)
    lines = tuple(
        str(
            TD1CodeGenerator(
                "ID", "UTO", h.number, _yymmdd(h.birth), h.sex, _yymmdd(h.expiry), "UTO", h.surname, h.given
            )
        ).splitlines()
    )
    front = _background(85.6, 54, rng, (222, 236, 230))
    draw = ImageDraw.Draw(front)
    draw.text((_mm(4), _mm(2.5)), "UTOPIA", font=font("sans_bold", 3.2), fill=(20, 70, 60))
    draw.text((_mm(30), _mm(3)), "IDENTITY CARD / CARTE D'IDENTITÉ", font=font("sans_bold", 2.3), fill=(20, 70, 60))
    front.paste(_portrait(h.portrait, 22, 29), (_mm(4), _mm(11)))
    x = 30
    _label(draw, x, 9, "Surname / Nom", h.surname.upper(), size=2.6)
    _label(draw, x, 15.5, "Given names / Prénoms", h.given.upper(), size=2.6)
    _label(draw, x, 22, "Sex / Sexe", h.sex, size=2.6)
    _label(draw, x + 16, 22, "Nationality / Nationalité", "UTO", size=2.6)
    _label(draw, x, 28.5, "Date of birth / Date de naissance", _viz_date(h.birth), size=2.6)
    _label(draw, x, 35, "Document No. / No. du document", h.number, size=2.6)
    _label(draw, x, 41.5, "Date of expiry / Date d'expiration", _viz_date(h.expiry), size=2.6)
    back = _background(85.6, 54, rng, (222, 236, 230))
    draw = ImageDraw.Draw(back)
    _label(draw, 4, 4, "Date of issue / Date de délivrance", _viz_date(h.issue), size=2.6)
    _label(draw, 4, 11, "Authority / Autorité", "UTOPIA CITY HALL", size=2.6)
    _mrz(draw, lines, 4.7, 36.5, 5.2)
    return _png(front), _png(back), _truth(h, "UTO"), lines


def td2_card(rng: random.Random) -> tuple[bytes, None, dict[str, str], tuple[str, ...]]:
    from mrz.generator.td2 import TD2CodeGenerator

    h = _holder(rng)
    lines = tuple(
        str(
            TD2CodeGenerator(
                "I", "UTO", h.surname, h.given, h.number, "UTO", _yymmdd(h.birth), h.sex, _yymmdd(h.expiry)
            )
        ).splitlines()
    )
    page = _background(105, 74, rng, (238, 230, 214))
    draw = ImageDraw.Draw(page)
    draw.text((_mm(5), _mm(3)), "UTOPIA", font=font("sans_bold", 3.6), fill=(90, 50, 20))
    draw.text((_mm(38), _mm(3.5)), "IDENTITY CARD / CARTE D'IDENTITÉ", font=font("sans_bold", 2.6), fill=(90, 50, 20))
    page.paste(_portrait(h.portrait, 26, 34), (_mm(5), _mm(12)))
    x = 36
    _label(draw, x, 11, "Surname / Nom", h.surname.upper())
    _label(draw, x, 18, "Given names / Prénoms", h.given.upper())
    _label(draw, x, 25, "Document No. / No. du document", h.number)
    _label(draw, x + 40, 25, "Sex / Sexe", h.sex)
    _label(draw, x, 32, "Date of birth / Date de naissance", _viz_date(h.birth))
    _label(draw, x, 39, "Date of issue / Date de délivrance", _viz_date(h.issue))
    _label(draw, x, 46, "Date of expiry / Date d'expiration", _viz_date(h.expiry))
    _mrz(draw, lines, 6.8, 58.5, 6.0)
    return _png(page), None, _truth(h, "UTO"), lines


def _roc(date: dt.date) -> str:
    return f"民國{date.year - 1911}年{date.month}月{date.day}日"


def twn_card(rng: random.Random) -> tuple[bytes, bytes, dict[str, str], None]:
    name, sex = rng.choice(CHINESE_NAMES)
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(365 * 50))
    issue = dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(365 * 10))
    first_nine = rng.choice("ABCDEFGHJKLMNPQRSTUVXYWZIO") + ("1" if sex == "M" else "2")
    first_nine += "".join(rng.choice("0123456789") for _ in range(7))
    number = first_nine + taiwan.id_number_check_digit(first_nine)
    site = rng.choice(_ISSUE_SITES)
    reason = rng.choice(tuple(taiwan.APPLY_CODES))
    portrait = rng.choice(PORTRAITS)

    front = _background(85.6, 54, rng, (226, 234, 242))
    draw = ImageDraw.Draw(front)
    ming = lambda size: font("ming", size)  # noqa: E731
    draw.text((_mm(16), _mm(3)), "中華民國國民身分證", font=ming(5.2), fill=(30, 40, 70))
    draw.text((_mm(4), _mm(13)), "姓名", font=ming(2.8), fill=(70, 70, 90))
    draw.text((_mm(13), _mm(12)), name, font=ming(4.6), fill=(10, 10, 20))
    draw.text((_mm(4), _mm(21)), "出生年月日", font=ming(2.6), fill=(70, 70, 90))
    draw.text((_mm(19), _mm(21)), _roc(birth), font=ming(2.8), fill=(10, 10, 20))
    draw.text((_mm(4), _mm(26.5)), "性別", font=ming(2.6), fill=(70, 70, 90))
    draw.text((_mm(13), _mm(26.5)), "男" if sex == "M" else "女", font=ming(2.8), fill=(10, 10, 20))
    draw.text((_mm(4), _mm(32)), "發證日期", font=ming(2.6), fill=(70, 70, 90))
    draw.text((_mm(16), _mm(32)), f"{_roc(issue)}（{site}）{reason}", font=ming(2.5), fill=(10, 10, 20))
    front.paste(_portrait(portrait, 24, 31), (_mm(58), _mm(12)))
    draw.text((_mm(4), _mm(46.5)), "統一編號", font=ming(2.6), fill=(70, 70, 90))
    draw.text((_mm(18), _mm(45.5)), number, font=font("sans_bold", 3.4), fill=(180, 20, 20))

    back = _background(85.6, 54, rng, (226, 234, 242))
    draw = ImageDraw.Draw(back)
    for y, label, value in (
        (5, "父", "陳大明"),
        (11, "母", "林秀英"),
        (17, "配偶", ""),
        (23, "役別", ""),
        (29, "出生地", "臺灣省臺中縣"),
    ):
        draw.text((_mm(4), _mm(y)), label, font=ming(2.6), fill=(70, 70, 90))
        draw.text((_mm(16), _mm(y)), value, font=ming(2.8), fill=(10, 10, 20))
    draw.text((_mm(4), _mm(35)), "住址", font=ming(2.6), fill=(70, 70, 90))
    draw.text((_mm(16), _mm(35)), "臺北市中正區重慶南路一段122號", font=ming(2.6), fill=(10, 10, 20))
    for i in range(60):  # a barcode-like stripe where the card's serial number is
        width = rng.choice((1, 2, 3))
        draw.rectangle((_mm(45) + i * 6, _mm(44), _mm(45) + i * 6 + width, _mm(50)), fill=(20, 20, 20))

    truth = {
        "full_name": name,
        "last_name": taiwan.split_name(name)[0],
        "first_name": taiwan.split_name(name)[1],
        "birthday": birth.isoformat(),
        "id_number": number,
        "issuing_date": issue.isoformat(),
        "gender": sex,
        "nationality": "TWN",
        "issuing_country": "TWN",
        "tw_id_apply_code": str(taiwan.APPLY_CODES[reason]),
        "tw_id_apply_date": taiwan.roc_date7(issue),
        "tw_id_issue_site_id": taiwan.issue_site_id(site, issue) or "",
    }
    return _png(front), _png(back), truth, None


_DRAWERS = {"td3_passport": td3_passport, "td1_card": td1_card, "td2_card": td2_card, "twn_card": twn_card}
_DOCUMENT = {
    "td3_passport": ("PASSPORT", "UTO"),
    "td1_card": ("ID_CARD", "UTO"),
    "td2_card": ("ID_CARD", "UTO"),
    "twn_card": ("ID_CARD", "TWN"),
}


def _photographed(png: bytes, variant: str, rng: random.Random) -> bytes:
    """The document on a desk (a margin of background), then the variant's degradation; JPEG bytes
    for photographed variants, PNG for the clean scan."""
    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
    height, width = image.shape[:2]
    margin = round(max(height, width) * 0.06)
    desk = np.full((height + 2 * margin, width + 2 * margin, 3), (92, 98, 104), dtype=np.uint8)
    desk[margin : margin + height, margin : margin + width] = image
    image = desk
    if variant == "turned_small":
        angle = rng.choice((-1, 1)) * rng.uniform(3.0, 8.0)
        h, w = image.shape[:2]
        matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        image = cv2.warpAffine(image, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=(92, 98, 104))
    elif variant == "turned_90":
        image = cv2.rotate(image, rng.choice((cv2.ROTATE_90_CLOCKWISE, cv2.ROTATE_90_COUNTERCLOCKWISE)))
    elif variant == "turned_180":
        image = cv2.rotate(image, cv2.ROTATE_180)
    elif variant == "blurred":
        image = cv2.GaussianBlur(image, (0, 0), rng.uniform(1.2, 1.6))
    quality = rng.randint(30, 45) if variant == "jpeg" else 90
    if variant == "clean":
        ok, encoded = cv2.imencode(".png", image)
    else:
        ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return encoded.tobytes()


def make(kind: str, variant: str = "clean", seed: int = 0, **changes: object) -> Specimen:
    """One specimen of ``kind`` (see KINDS) in ``variant`` (see VARIANTS), the same for the same seed;
    ``changes`` go to the drawer (td3_passport's misprints)."""
    rng = random.Random(f"{kind}/{seed}")
    front, back, truth, lines = _DRAWERS[kind](rng, **changes)
    degrade = random.Random(f"{kind}/{seed}/{variant}")
    front = _photographed(front, variant, degrade)
    back = _photographed(back, variant, degrade) if back is not None else None
    id_type, country = _DOCUMENT[kind]
    fields = _mrz_fields(lines) if lines else {}
    return Specimen(kind, variant, id_type, country, front, back, truth, lines, fields)


def specimen_set(count: int, seed: int = 2026, variants: tuple[str, ...] = VARIANTS) -> list[Specimen]:
    """``count`` documents of each kind, each in every variant."""
    return [make(kind, variant, seed * 1000 + i) for kind in KINDS for i in range(count) for variant in variants]
