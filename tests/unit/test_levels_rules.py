"""Pure rules of the levels context: typed attribute values, PDF sniffing, configuration references,
Sumsub's review status as a verdict."""

from __future__ import annotations

import copy
import io
from typing import Any

import pytest

from kycgate.core.errors import Unprocessable
from kycgate.core.pdf import check_pdf
from kycgate.levels import attributes, configuration
from kycgate.levels.schemas import LevelsConfiguration
from kycgate.levels.sumsub_liveness import verdict_of
from kycgate.levels.vocabulary import LivenessStatus
from tests.integration.levels_support import example_document

CONTEXT = attributes.Context(legal_documents={}, documents={}, now_iso="2026-12-01T10:00:00.000Z")


@pytest.mark.parametrize(
    ("attribute", "value", "stored"),
    [
        ({"type": "string"}, "  Ada  ", "Ada"),
        ({"type": "string", "format": "email"}, "Ada@Example.COM", "Ada@example.com"),
        ({"type": "string", "format": "phone"}, "+44 20 7946 0958", "+442079460958"),
        ({"type": "string", "format": "country"}, "de", "DE"),
        ({"type": "number", "integer": True}, 3.0, 3),
        ({"type": "number", "minimum": 0, "maximum": 10}, 10, 10),
        ({"type": "date"}, "2024-02-29", "2024-02-29"),
        ({"type": "boolean"}, False, False),
    ],
)
def test_values_are_stored_normalised(attribute: dict[str, Any], value: Any, stored: Any) -> None:
    assert attributes.check({"key": "k", **attribute}, value, CONTEXT) == {"value": stored}


@pytest.mark.parametrize(
    ("attribute", "value", "type_"),
    [
        ({"type": "string", "format": "email"}, "not-an-email", "email"),
        ({"type": "string", "format": "phone"}, "4155552671", "phone"),
        ({"type": "string", "format": "country"}, "XX", "country"),
        ({"type": "string", "min_length": 3}, "ab", "string_length"),
        ({"type": "number", "integer": True}, 2.5, "integer"),
        ({"type": "number"}, float("nan"), "finite_number"),
        ({"type": "number"}, True, "number_type"),
        ({"type": "date"}, "2023-02-29", "date_format"),
        ({"type": "boolean"}, 1, "bool_type"),
        ({"type": "reference", "definitions": [{"key": "a", "title": "A"}]}, "b", "reference"),
        ({"type": "document"}, "not-a-uuid", "document"),
        ({"type": "liveness"}, "https://x.example", "read_only"),
    ],
)
def test_bad_values_say_why(attribute: dict[str, Any], value: Any, type_: str) -> None:
    with pytest.raises(attributes.Invalid) as refused:
        attributes.check({"key": "k", **attribute}, value, CONTEXT)
    assert refused.value.type == type_


def test_a_document_value_is_its_uuid_or_the_answer_that_made_it() -> None:
    uuid = "3FA85F64-5717-4562-B3FC-2C963F66AFA6"
    assert attributes.document_uuid_of(uuid) == uuid.lower()
    assert attributes.document_uuid_of({"document_uuid": uuid, "files": []}) == uuid.lower()
    assert attributes.document_uuid_of({"uuid": uuid}) is None
    assert attributes.document_uuid_of(42) is None


def _pdf() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (100, 100)).save(buffer, format="PDF")
    return buffer.getvalue()


def test_a_pdf_is_sniffed_and_must_be_complete() -> None:
    good = _pdf()
    assert check_pdf(good, "f", ("body", "f")).version.startswith("1.")
    for data, needle in [
        (good[: len(good) // 2], "truncated or corrupt"),
        (good.replace(b"startxref", b"startxrez"), "truncated or corrupt"),
        (b"%PDF-1.4\n" + b"0" * 100 + b"\nstartxref\n999999\n%%EOF\n", "offset is past the end"),
        (b"\xff\xd8\xff\xe0 not a pdf", "not a PDF"),
    ]:
        with pytest.raises(Unprocessable, match=needle):
            check_pdf(data, "f", ("body", "f"))


def _errors(document: dict[str, Any]) -> list[str]:
    dumped = LevelsConfiguration.model_validate(document).model_dump(mode="json", exclude_none=True)
    return [e["msg"] for e in configuration._reference_errors("ten_unit", dumped)]


def test_the_example_configuration_has_no_broken_reference() -> None:
    assert _errors(example_document()) == []


@pytest.mark.parametrize(
    ("break_it", "needle"),
    [
        (lambda d: d["attributes"].append(dict(d["attributes"][0])), "attribute key 'first_name' appears twice"),
        (lambda d: d["attributes"].append({"key": "selfie", "type": "document", "title": "S"}), "seed's document keys"),
        (lambda d: d["attributes"].append({"key": "passport_no", "type": "liveness", "title": "L"}), "the seed's keys"),
        (lambda d: _level(d, 0).update(entry_level=False), "no level has entry_level"),
        (lambda d: _level(d, 0).update(upgrades_to=["platinum"]), "no level 'platinum'"),
        (lambda d: _level(d, 0).update(upgrades_to=["basic"]), "cannot upgrade to itself"),
        (lambda d: _level(d, 1).update(client_type="company"), "is for company clients"),
        (lambda d: _level(d, 0)["steps"][0]["questions"].append({"attribute_key": "height"}), "no attribute 'height'"),
        (lambda d: _level(d, 0)["steps"][1]["questions"].append({"attribute_key": "first_name"}), "asked twice"),
        (lambda d: d["legal_entities"][0]["legal_documents"].clear(), "has no version of for individual"),
        (lambda d: _level(d, 1)["steps"].pop(0), "compares the selfie with a document portrait"),
        (lambda d: _level(d, 0).update(kyc_level_uuid="3fa85f64-5717-4562-b3fc-2c963f66afa6"), "derived from the keys"),
    ],
)
def test_broken_references_are_named(break_it: Any, needle: str) -> None:
    document = copy.deepcopy(example_document())
    break_it(document)
    assert any(needle in message for message in _errors(document)), _errors(document)


def _level(document: dict[str, Any], index: int) -> dict[str, Any]:
    return document["legal_entities"][0]["levels"][index]


def test_uuids_are_derived_from_the_tenant_and_the_keys() -> None:
    from kycgate.levels import configured

    assert configured.level_uuid("ten_a", "bank", "basic") == configured.level_uuid("ten_a", "bank", "basic")
    assert configured.level_uuid("ten_a", "bank", "basic") != configured.level_uuid("ten_a.test", "bank", "basic")
    assert configured.legal_document_uuid("t", "b", "terms", "individual", "1") != configured.legal_document_uuid(
        "t", "b", "terms", "individual", "2"
    )


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ({"reviewStatus": "init"}, None),
        ({"reviewStatus": "pending"}, None),
        ({"reviewStatus": "completed", "reviewResult": {"reviewAnswer": "GREEN"}}, LivenessStatus.APPROVED),
        (
            {"reviewStatus": "completed", "reviewResult": {"reviewAnswer": "RED", "reviewRejectType": "RETRY"}},
            LivenessStatus.DECLINED,
        ),
        (
            {"reviewStatus": "completed", "reviewResult": {"reviewAnswer": "RED", "reviewRejectType": "FINAL"}},
            LivenessStatus.EXHAUSTED,
        ),
    ],
)
def test_sumsub_review_status_as_a_verdict(status: dict[str, Any], expected: LivenessStatus | None) -> None:
    verdict = verdict_of(status)
    assert (verdict.status if verdict else None) == expected
    if verdict is not None:
        assert verdict.verification["sumsub"]["verificator"] == "sumsub"
