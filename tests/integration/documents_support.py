"""Identity documents and a utility bill for the handoff tests, drawn with Pillow around the real
portraits in tests/fixtures/faces: an ID card's front (portrait, fields) and back (MRZ), a passport's
data page, a proof of address. Drawn, not stored: no document of a real person is in the repository."""

from __future__ import annotations

import io
from functools import cache

from PIL import Image, ImageDraw, ImageFont

from tests.conftest import FACES

CARD = (1200, 756)  # ID-1 (85.6 x 54 mm) at about 14 px/mm
PASSPORT = (1250, 880)  # TD3 data page (125 x 88 mm)
LETTER = (1000, 1414)  # A4, portrait


def _font(size: int) -> ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _portrait(photo: str, box: tuple[int, int]) -> Image.Image:
    """The photo cropped to the box's aspect ratio around its upper middle (where the face is), then scaled."""
    image = Image.open(FACES / photo).convert("RGB")
    width, height = image.size
    ratio = box[0] / box[1]
    crop_w = min(width, int(height * ratio))
    crop_h = int(crop_w / ratio)
    left = (width - crop_w) // 2
    top = max(0, min(height - crop_h, int(height * 0.08)))
    return image.crop((left, top, left + crop_w, top + crop_h)).resize(box, Image.Resampling.LANCZOS)


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


@cache
def id_card_front(photo: str = "obama_1.jpg", title: str = "NATIONAL IDENTITY CARD") -> bytes:
    card = Image.new("RGB", CARD, (226, 236, 244))
    draw = ImageDraw.Draw(card)
    draw.rectangle((0, 0, CARD[0], 110), fill=(29, 78, 216))
    draw.text((40, 30), title, fill="white", font=_font(44))
    card.paste(_portrait(photo, (330, 420)), (50, 180))
    fields = [("Surname", "SPECIMEN"), ("Given names", "ALEX"), ("Date of birth", "04.08.1961"), ("No.", "X1234567")]
    for row, (label, value) in enumerate(fields):
        draw.text((430, 190 + row * 110), label, fill=(75, 85, 99), font=_font(28))
        draw.text((430, 225 + row * 110), value, fill=(20, 23, 31), font=_font(40))
    return _jpeg(card)


@cache
def id_card_back() -> bytes:
    card = Image.new("RGB", CARD, (236, 240, 232))
    draw = ImageDraw.Draw(card)
    draw.text((40, 40), "Address: 1 SPECIMEN STREET, SAMPLETOWN", fill=(20, 23, 31), font=_font(34))
    draw.text((40, 100), "Issued 2024-01-01   Valid until 2034-01-01", fill=(20, 23, 31), font=_font(34))
    for i, line in enumerate(
        ("IDXXAX12345670<<<<<<<<<<<<<<<", "6108047M3401012XXX<<<<<<<<<<<4", "SPECIMEN<<ALEX<<<<<<<<<<<<<<<<")
    ):
        draw.text((40, 520 + i * 70), line, fill=(20, 23, 31), font=_font(48))
    return _jpeg(card)


@cache
def passport_page(photo: str = "obama_1.jpg") -> bytes:
    page = Image.new("RGB", PASSPORT, (241, 236, 226))
    draw = ImageDraw.Draw(page)
    draw.text((40, 30), "PASSPORT", fill=(127, 29, 29), font=_font(48))
    page.paste(_portrait(photo, (360, 460)), (50, 120))
    for row, (label, value) in enumerate([("Surname", "SPECIMEN"), ("Given names", "ALEX"), ("Nationality", "XXA")]):
        draw.text((460, 130 + row * 110), label, fill=(75, 85, 99), font=_font(28))
        draw.text((460, 165 + row * 110), value, fill=(20, 23, 31), font=_font(40))
    for i, line in enumerate(
        ("P<XXASPECIMEN<<ALEX<<<<<<<<<<<<<<<<<<<<<<", "X12345670XXA6108047M3401012<<<<<<<<<<<<<<06")
    ):
        draw.text((40, 700 + i * 70), line, fill=(20, 23, 31), font=_font(40))
    return _jpeg(page)


@cache
def utility_bill() -> bytes:
    letter = Image.new("RGB", LETTER, (255, 255, 255))
    draw = ImageDraw.Draw(letter)
    draw.text((80, 80), "SAMPLETOWN POWER & WATER", fill=(15, 118, 110), font=_font(48))
    for i, line in enumerate(
        ("Alex Specimen", "1 Specimen Street", "Sampletown", "", "Statement of account, November")
    ):
        draw.text((80, 240 + i * 56), line, fill=(20, 23, 31), font=_font(36))
    for i in range(8):
        draw.text(
            (80, 640 + i * 60),
            f"Meter reading {i + 1:02d} ........ {123 + i * 7} kWh",
            fill=(55, 65, 81),
            font=_font(32),
        )
    return _jpeg(letter)


# ---------------------------------------------------------------- the handoff over HTTP

KYC = "/api/v1/kyc"
SLOT_IMAGES = {
    "passport": {"document": passport_page},
    "national_id": {"document": id_card_front, "document_backside": id_card_back},
}


def b64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode()


def submit_link(client, tenant, customer_id: str = "obama", **fields):  # type: ignore[no-untyped-def]
    body = {"customer_id": customer_id, "document_type": "passport", **fields}
    return client.post(f"{KYC}/submit-link", headers=tenant.headers, json=body)


def upload(client, token: str, slot: str, image: bytes):  # type: ignore[no-untyped-def]
    return client.post(f"{KYC}/session/upload", json={"token": token, "slot": slot, "image": b64(image)})


def submit(client, token: str):  # type: ignore[no-untyped-def]
    return client.post(f"{KYC}/session/submit", json={"token": token})
