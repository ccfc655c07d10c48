"""Identity documents and a utility bill for the handoff tests, drawn with Pillow around the real
portraits in tests/fixtures/faces: an ID card's front (portrait, fields) and back (MRZ), a passport's
data page, a proof of address. Drawn, not stored: no document of a real person is in the repository."""

from __future__ import annotations

import io
from functools import cache
from typing import Any

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


def selfie(photo: str = "obama_3.jpg") -> bytes:
    return (FACES / photo).read_bytes()


def b64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode()


def submit_link(client: Any, tenant: Any, customer_id: str = "obama", **fields: Any) -> Any:
    body = {"customer_id": customer_id, "document_type": "passport", **fields}
    return client.post(f"{KYC}/submit-link", headers=tenant.headers, json=body)


def open_link(client: Any, tenant: Any, customer_id: str = "obama", **fields: Any) -> dict[str, Any]:
    response = submit_link(client, tenant, customer_id, **fields)
    assert response.status_code == 200, response.text
    return response.json()


def upload(client: Any, token: str, slot: str, image: bytes) -> Any:
    return client.post(f"{KYC}/session/upload", json={"token": token, "slot": slot, "image": b64(image)})


def fill(client: Any, token: str, images: dict[str, bytes]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for slot, image in images.items():
        response = upload(client, token, slot, image)
        assert response.status_code == 200, response.text
        body = response.json()
    return body


def submit(client: Any, token: str) -> Any:
    return client.post(f"{KYC}/session/submit", json={"token": token})


def handoff(client: Any, token: str) -> Any:
    return client.get(f"{KYC}/session/{token}")


def submission_status(client: Any, token: str) -> Any:
    return client.get(f"{KYC}/submission-status/{token}")


def kyc_request(client: Any, tenant: Any, kyc_id: str) -> dict[str, Any]:
    response = client.get(f"{KYC}/requests/{kyc_id}", headers=tenant.headers)
    assert response.status_code == 200, response.text
    return response.json()


def ask_for_documents(client: Any, tenant: Any, kyc_id: str, *types: str, message: str = "Please send these") -> Any:
    body = {"document_types": list(types), "message": message}
    return client.post(f"{KYC}/requests/{kyc_id}/additional-documents", headers=tenant.headers, json=body)


PASSPORT_AND_SELFIE = {"document": passport_page(), "face": selfie()}
SIX_SLOTS = {
    "document": id_card_front(),
    "document_backside": id_card_back(),
    "document_two": id_card_front("obama_2.jpg", "DRIVING LICENCE"),
    "document_two_backside": id_card_back(),
    "address": utility_bill(),
    "face": selfie(),
}


# ---------------------------------------------------------------- seeders for tests/integration/test_functions.py

SAMPLE_LINK_TOKEN = "sample-kyc-link-token-" + "0" * 21  # the token the events/ samples of the handoff carry


def seed_sample_submit_link() -> None:
    """Customer "cus_sample" (created unless another seeder made it) with an open passport submit link
    whose token is SAMPLE_LINK_TOKEN."""
    import pytest

    from kycgate.kyc import links, store
    from kycgate.kyc.schemas import RequestKycSubmitLinkRequest
    from tests.integration.kyc_support import SAMPLE_TENANT, seed_sample_customer

    if store.get_customer(SAMPLE_TENANT, "cus_sample") is None:
        seed_sample_customer()
    request = RequestKycSubmitLinkRequest(customer_id="cus_sample", document_type="passport")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("kycgate.core.ids.new_token", lambda: SAMPLE_LINK_TOKEN)
        assert links.request_submit_link(SAMPLE_TENANT, request).token == SAMPLE_LINK_TOKEN


def seed_sample_filled_link() -> None:
    """The sample submit link with its passport page and selfie uploaded, ready to submit."""
    from kycgate.handoff import uploads
    from kycgate.handoff.schemas import UploadKycHandoffSlotRequest

    seed_sample_submit_link()
    for slot, image in PASSPORT_AND_SELFIE.items():
        uploads.upload_slot(UploadKycHandoffSlotRequest(token=SAMPLE_LINK_TOKEN, slot=slot, image=b64(image)))
