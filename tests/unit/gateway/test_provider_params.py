"""Normalised params from the wire: seed 003's nesting, dates, countries, images, passthrough."""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path

import pytest

from kycgate.core.errors import Unprocessable
from kycgate.gateway.providers.params import Address, NormalisedParams, alpha3, from_mapping, parse_date

FACES = Path(__file__).resolve().parents[2] / "fixtures" / "faces"


def test_seed_003s_sample_params_read_from_the_nested_object() -> None:
    # Seed 003's GET sample, with a flag of Vouched's own beside the normalised names.
    params = {
        "params": {
            "date_of_birth": "06/22/1990",
            "first_name": "Janice",
            "last_name": "Way",
            "id_photo": "",
            "id_photo_back": "",
            "selfie": "",
            "type": "id-verification",
            "webhook_url": None,
            "enableCrossCheck": True,
        },
        "type": "id-verification",
    }
    normalised = from_mapping(params)
    assert (normalised.first_name, normalised.last_name) == ("Janice", "Way")
    assert normalised.date_of_birth == dt.date(1990, 6, 22)
    assert normalised.id_photo is None and normalised.selfie is None  # "" is absent
    assert dict(normalised.passthrough) == {"enableCrossCheck": True}


def test_top_level_names_win_and_countries_become_alpha2() -> None:
    normalised = from_mapping(
        {
            "first_name": "Top",
            "country": "deu",
            "address": {"line1": "Musterstrasse 1", "city": "Berlin", "postal_code": "10115", "country": "DE"},
            "params": {"first_name": "Nested", "document_country": "GBR"},
        }
    )
    assert normalised.first_name == "Top"
    assert (normalised.country, normalised.document_country) == ("DE", "GB")
    assert normalised.address == Address(line1="Musterstrasse 1", city="Berlin", postal_code="10115", country="DE")
    assert alpha3("DE") == "DEU" and alpha3(None) is None


def test_images_are_decoded_by_core_images() -> None:
    jpeg = (FACES / "obama_1.jpg").read_bytes()
    normalised = from_mapping({"id_photo": base64.b64encode(jpeg).decode()})
    assert normalised.id_photo == jpeg
    with pytest.raises(Unprocessable):
        from_mapping({"selfie": base64.b64encode(b"not an image").decode()})
    decoded = from_mapping({"selfie": "abc"}, decode=lambda text, field: f"{field}:{text}".encode())
    assert decoded.selfie == b"selfie:abc"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"first_name": 5}, "first_name must be a string"),
        ({"country": "XX"}, "country must be an ISO 3166-1"),
        ({"date_of_birth": "22.06.1990"}, "date_of_birth must be a date"),
        ({"document_type": "library_card"}, "document_type must be one of"),
        ({"address": "Berlin"}, "address must be an object"),
        ({"params": []}, "params.params must be an object"),
        ({"selfie": 12}, "selfie must be a base64 string"),
    ],
)
def test_bad_values_name_their_field(params: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        from_mapping(params)


def test_dates_in_both_documented_forms() -> None:
    assert parse_date("1990-06-22", "d") == parse_date("06/22/1990", "d") == dt.date(1990, 6, 22)


def test_repr_carries_no_pii() -> None:
    params = NormalisedParams(first_name="Janice", email="janice@example.org", selfie=b"\xff\xd8 face")
    text = repr(params)
    assert "Janice" not in text and "janice@" not in text and "face" not in text
    assert text == "NormalisedParams(<first_name, email, selfie>)"
