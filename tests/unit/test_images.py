from __future__ import annotations

import base64
import io
import struct
import zlib

import pytest
from PIL import Image

from kycgate.core.errors import Unprocessable
from kycgate.core.images import decode_image
from tests.conftest import FACES


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (120, 130, 140)).save(buffer, format="PNG")
    return buffer.getvalue()


def _png_header_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose IHDR claims huge dimensions (a decompression bomb's calling card)."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")
    )


def test_real_jpeg_is_accepted_with_its_sniffed_type() -> None:
    proof = decode_image(_b64((FACES / "obama_1.jpg").read_bytes()), "selfie")
    assert proof.mime == "image/jpeg"
    assert max(proof.width, proof.height) > 300


def test_png_and_data_url_prefix_are_accepted() -> None:
    proof = decode_image("data:image/png;base64," + _b64(_png(400, 300)), "selfie")
    assert (proof.mime, proof.width, proof.height) == ("image/png", 400, 300)


def test_urlsafe_base64_without_padding_is_accepted() -> None:
    encoded = base64.urlsafe_b64encode(_png(401, 300)).decode().rstrip("=")
    assert decode_image(encoded, "selfie").width == 401


@pytest.mark.parametrize(
    ("payload", "type_"),
    [
        (_b64(b"GIF89a" + b"\x00" * 400), "image_type"),
        (_b64((FACES / "obama_1.jpg").read_bytes()[:20_000]), "image_corrupt"),
        (_b64(_png(9000, 10)), "image_size"),
        (_b64(_png(300, 200)), "image_size"),
        (_b64(_png_header_claiming(30_000, 30_000)), "image_size"),
        ("!!!not-base64!!!", "base64"),
        (_b64(b"%PDF-1.7 pretending to be an image" * 20), "image_type"),
    ],
    ids=["gif", "truncated-jpeg", "9000x10", "too-small", "png-bomb", "bad-base64", "pdf"],
)
def test_bad_images_are_refused_with_the_rule_they_broke(payload: str, type_: str) -> None:
    with pytest.raises(Unprocessable) as caught:
        decode_image(payload, "document_front")
    assert caught.value.errors and caught.value.errors[0]["type"] == type_
    assert caught.value.errors[0]["loc"] == ["body", "document_front"]


def test_oversized_payload_is_refused_before_decoding() -> None:
    with pytest.raises(Unprocessable) as caught:
        decode_image("A" * (21 * 1024 * 1024), "selfie")
    assert caught.value.errors[0]["type"] == "image_too_large"
