"""Levels (seed 002) over HTTP: kyc-level-info, one open application per client and level, upgrades only
to available levels, the typed all-or-nothing PATCH, documents and their checks, the audit trail."""

from __future__ import annotations

import copy
import threading
from typing import Any

import pytest

from tests.conftest import make_tenant
from tests.integration.levels_support import (
    LEVELS,
    approved_basic,
    attribute,
    basic_values,
    create_application,
    decide,
    example_document,
    get_application,
    level_info,
    load_configuration,
    make_document,
    new_client,
    open_application,
    passport,
    patch,
    pdf_bytes,
    photo_bytes,
    scope,
    send_to_review,
    upload,
)
from tests.integration.reuse_support import atomic_moto


@pytest.fixture
def reviewer(aws: Any) -> Any:
    return make_tenant("Levels tenant", scopes=("reviewer",))


def test_level_info_offers_the_entry_level_then_its_upgrade(client: Any, reviewer: Any) -> None:
    setup = load_configuration(client, reviewer)
    client_uuid = new_client(client, reviewer, setup)
    info = level_info(client, reviewer, setup, client_uuid)
    assert info["allowed_to_create_kyc_application"] is True
    assert [level["key"] for level in info["available_levels_for_upgrade"]] == ["basic"]
    assert info["last_kyc_application_uuid"] is None and info["current_kyc_level_uuid"] is None

    # Upgrades only to levels listed as available: verified needs basic approved first.
    refused = create_application(client, reviewer, setup, client_uuid, "verified")
    assert refused.status_code == 409
    assert "not approved at a level that upgrades to it" in refused.json()["detail"]
    assert refused.json()["available_levels_for_upgrade"] == [setup.levels["basic"]]

    basic = approved_basic(client, reviewer, reviewer, setup, client_uuid)
    info = level_info(client, reviewer, setup, client_uuid)
    assert info["current_kyc_level_uuid"] == setup.levels["basic"]
    assert [level["key"] for level in info["available_levels_for_upgrade"]] == ["verified"]
    assert (info["last_kyc_application_uuid"], info["last_kyc_application_status"]) == (basic, "approved")
    again = create_application(client, reviewer, setup, client_uuid, "basic")
    assert again.status_code == 409 and "approved at this level already" in again.json()["detail"]

    verified = open_application(client, reviewer, setup, client_uuid, "verified")
    info = level_info(client, reviewer, setup, client_uuid)
    assert info["available_levels_for_upgrade"][0]["open_kyc_application_uuid"] == verified["kyc_application_uuid"]
    assert info["allowed_to_create_kyc_application"] is False
    client_view = client.get(f"{LEVELS}/clients/{client_uuid}", headers=reviewer.headers).json()
    assert client_view["approved_kyc_level_uuids"] == [setup.levels["basic"]]


def test_one_open_application_per_client_and_level_even_when_racing(client: Any, reviewer: Any) -> None:
    setup = load_configuration(client, reviewer)
    client_uuid = new_client(client, reviewer, setup)
    results: list[int] = []

    def create() -> None:
        results.append(create_application(client, reviewer, setup, client_uuid, "basic").status_code)

    with atomic_moto():
        threads = [threading.Thread(target=create) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(results) == [201, 409, 409, 409, 409, 409]
    info = level_info(client, reviewer, setup, client_uuid)
    assert info["available_levels_for_upgrade"][0]["open_kyc_application_uuid"] == info["last_kyc_application_uuid"]


def test_the_questionnaire_has_the_seeds_shape(client: Any, reviewer: Any) -> None:
    setup = load_configuration(client, reviewer)
    application = open_application(client, reviewer, setup, new_client(client, reviewer, setup), "basic")
    assert application["status"] == "draft" and application["kyc_level_name"] == "Basic"
    steps = application["kyc_steps"]
    assert [s["title"] for s in steps] == ["Personal details", "Terms"]
    terms = steps[1]["questions"][0]
    assert terms["title"] == "I have read and accept the terms of service" and terms["required"] is True
    assert terms["attribute"]["key"] == "terms_of_service" and terms["attribute"]["type"] == "legal_document"
    country = attribute(application, "country_of_residence")
    assert country["constraints"] == {"definitions": "GET /api/v1/levels/attributes/country_of_residence/definitions"}
    definitions = client.get(f"{LEVELS}/attributes/country_of_residence/definitions/", headers=reviewer.headers)
    assert [d["key"] for d in definitions.json()["definitions"]][:3] == ["AT", "BE", "DE"]
    assert client.get(f"{LEVELS}/attributes/first_name/definitions", headers=reviewer.headers).status_code == 404


def test_a_patch_with_one_bad_value_applies_nothing_and_names_each_bad_attribute(client: Any, reviewer: Any) -> None:
    setup = load_configuration(client, reviewer)
    client_uuid = new_client(client, reviewer, setup)
    uuid = open_application(client, reviewer, setup, client_uuid, "basic")["kyc_application_uuid"]
    assert patch(client, reviewer, uuid, {"first_name": "Zaphodia"}, **scope(setup, client_uuid)).status_code == 200

    bad = patch(
        client,
        reviewer,
        uuid,
        {"last_name": "Quarrington", "first_name": "Ann", "birth_date": "1990-02-30", "country_of_residence": "XX"},
    )
    assert bad.status_code == 422
    problem = bad.json()
    assert "Nothing of this update was applied" in problem["detail"]
    assert [e["loc"] for e in problem["errors"]] == [
        ["body", "attribute_changes", 2, "value"],
        ["body", "attribute_changes", 3, "value"],
    ]
    assert problem["errors"][0]["msg"] == "birth_date: 1990-02-30 is not a calendar date"
    assert problem["errors"][1]["msg"].startswith("country_of_residence: must be a definition key")
    current = get_application(client, reviewer, uuid)
    assert attribute(current, "first_name")["value"] == "Zaphodia"  # not Ann
    assert attribute(current, "last_name")["value"] is None  # the good change of the bad request is not applied


@pytest.mark.parametrize(
    ("key", "value", "needle"),
    [
        ("first_name", 42, "must be a string"),
        ("first_name", "", "1 to 100 characters"),
        ("first_name", "A" * 101, "1 to 100 characters"),
        ("first_name", "Ann\u202eagyl", "control characters"),
        ("birth_date", "04/08/1961", "YYYY-MM-DD"),
        ("birth_date", "1850-01-01", "between 1900-01-01"),
        ("country_of_residence", "de", "definition key"),
        ("terms_of_service", "00000000-0000-4000-8000-000000000000", "legal document 'terms'"),
        ("terms_of_service", True, "legal document 'terms'"),
        ("sumsub_liveness_check_url", "https://x.example", "not asked by this application's level"),
        ("unknown_attribute", "x", "not asked by this application's level"),
    ],
)
def test_typed_values_are_refused_with_the_reason(
    client: Any, reviewer: Any, key: str, value: Any, needle: str
) -> None:
    setup = load_configuration(client, reviewer)
    uuid = open_application(client, reviewer, setup, new_client(client, reviewer, setup), "basic")[
        "kyc_application_uuid"
    ]
    response = patch(client, reviewer, uuid, {key: value})
    assert response.status_code == 422, response.text
    assert needle in response.json()["errors"][0]["msg"], response.json()


def test_numbers_booleans_and_signed_attributes_of_the_enhanced_level(client: Any, reviewer: Any) -> None:
    setup = load_configuration(client, reviewer)
    document = copy.deepcopy(example_document())
    # Enhanced as an entry level, so the typed checks can be tried without two approvals first.
    document["legal_entities"][0]["levels"][2]["entry_level"] = True
    setup = load_configuration(client, reviewer, document)
    uuid = open_application(client, reviewer, setup, new_client(client, reviewer, setup), "enhanced")[
        "kyc_application_uuid"
    ]
    for value, needle in [
        ("1000", "a JSON number"),
        (True, "a JSON number"),
        (-1, "within 0"),
        (1e16, "between"),
    ]:
        response = patch(client, reviewer, uuid, {"annual_income": value})
        assert response.status_code == 422 and needle in response.json()["errors"][0]["msg"], (value, response.text)
    declaration = patch(client, reviewer, uuid, {"source_of_funds_declaration": "yes"})
    assert "true or false" in declaration.json()["errors"][0]["msg"]
    unsigned = patch(client, reviewer, uuid, {"source_of_funds_declaration": True})
    assert unsigned.status_code == 422
    assert "must be signed: send sms_sign_code or email_sign_code" in unsigned.json()["errors"][0]["msg"]
    assert patch(client, reviewer, uuid, {"annual_income": 52000.5, "source_of_funds": "salary"}).status_code == 200


def test_legal_document_acceptance_is_recorded_with_its_time(client: Any, reviewer: Any) -> None:
    setup = load_configuration(client, reviewer)
    uuid = open_application(client, reviewer, setup, new_client(client, reviewer, setup), "basic")[
        "kyc_application_uuid"
    ]
    documents = client.get(
        f"{LEVELS}/legal_documents/",
        headers=reviewer.headers,
        params={"legal_entity_uuid": setup.entity_uuid, "client_type": "individual", "key": "terms"},
    ).json()["items"]
    assert [d["legal_document_uuid"] for d in documents] == [setup.terms_uuid]
    response = patch(client, reviewer, uuid, {"terms_of_service": setup.terms_uuid.upper()})
    assert response.status_code == 200
    terms = attribute(response.json(), "terms_of_service")
    assert terms["value"] == setup.terms_uuid and terms["accepted_at"]
    # A new version of the terms is a new UUID: an open application keeps the version it was created with.
    newer = copy.deepcopy(example_document())
    newer["legal_entities"][0]["legal_documents"][0]["version"] = "2027-01"
    reloaded = load_configuration(client, reviewer, newer)
    assert reloaded.terms_uuid != setup.terms_uuid and reloaded.levels == setup.levels
    assert patch(client, reviewer, uuid, {"terms_of_service": reloaded.terms_uuid}).status_code == 422


def test_documents_are_uploaded_checked_and_put_in_the_attribute(client: Any, reviewer: Any) -> None:
    setup = load_configuration(client, reviewer)
    client_uuid = new_client(client, reviewer, setup)
    approved_basic(client, reviewer, reviewer, setup, client_uuid)
    uuid = open_application(client, reviewer, setup, client_uuid, "verified")["kyc_application_uuid"]

    document = passport(client, reviewer, setup, client_uuid)
    assert document["attribute_key"] == "passport" and len(document["files"]) == 1
    assert document["files"][0]["content_type"] == "image/jpeg" and document["files"][0]["width"] > 300
    assert "object_key" not in document["files"][0]
    kycgate = document["verification"]["kycgate"]
    assert (kycgate["verificator"], kycgate["status"]) == ("kycgate", "pending")
    assert kycgate["checks"] == {"file_type": "passed", "file_integrity": "passed", "image_size": "passed"}

    # The seed: "Put the response in the attribute value" (the UUID alone works too).
    response = patch(client, reviewer, uuid, {"passport": document})
    assert response.status_code == 200, response.text
    value = attribute(response.json(), "passport")["value"]
    assert value["document_uuid"] == document["document_uuid"] and "object_key" not in value["files"][0]

    other_client = new_client(client, reviewer, setup)
    foreign = passport(client, reviewer, setup, other_client)
    refused = patch(client, reviewer, uuid, {"passport": foreign["document_uuid"]})
    assert "not one of this client's documents" in refused.json()["errors"][0]["msg"]


def test_file_checks_sniff_the_bytes_and_proofs_may_be_pdf(client: Any, reviewer: Any) -> None:
    setup = load_configuration(client, reviewer)
    client_uuid = new_client(client, reviewer, setup)
    jpeg = photo_bytes("obama_1.jpg")
    cases = [
        (("statement.jpg", b"%PDF-1.4\n" + b"0" * 4000, "image/jpeg"), "PDF is truncated or corrupt"),
        (("photo.png", b"<html><script>alert(1)</script></html>" * 40, "image/png"), "JPEG, PNG or PDF"),
        (("half.jpg", jpeg[: len(jpeg) // 2], "image/jpeg"), "corrupt or truncated"),
        (("empty.jpg", b"", "image/jpeg"), "file is empty"),
    ]
    for file, needle in cases:
        response = upload(client, reviewer, setup, client_uuid, file)
        assert response.status_code == 422, (file[0], response.text)
        assert needle in response.json()["detail"], (file[0], response.json())
        assert response.json()["errors"][0]["loc"] == ["body", "files", 0]
    many = upload(client, reviewer, setup, client_uuid, *[("p.jpg", jpeg, "image/jpeg")] * 6)
    assert many.status_code == 422 and "at most 5 items" in many.json()["detail"]

    proof = make_document(
        client, reviewer, setup, client_uuid, "proof_of_funds", ("statement.pdf", pdf_bytes(2), "application/pdf")
    )
    assert proof["files"][0]["content_type"] == "application/pdf"
    assert proof["verification"]["kycgate"]["status"] == "ignored"
    uploaded = upload(client, reviewer, setup, client_uuid, ("statement.pdf", pdf_bytes(), "application/pdf")).json()
    body = {"attribute_key": "passport", "files": [uploaded["files"][0]["file_uuid"]]}
    refused = client.post(f"{LEVELS}/documents", headers=reviewer.headers, params=scope(setup, client_uuid), json=body)
    assert refused.status_code == 422 and "must be a photograph" in refused.json()["detail"]
    # Another client's files are not this client's.
    stranger = new_client(client, reviewer, setup)
    elsewhere = client.post(f"{LEVELS}/documents", headers=reviewer.headers, params=scope(setup, stranger), json=body)
    assert elsewhere.status_code == 422 and "no file" in elsewhere.json()["detail"]


def test_changes_are_refused_once_sent_and_the_history_records_everything(client: Any, reviewer: Any) -> None:
    setup = load_configuration(client, reviewer)
    uuid = open_application(client, reviewer, setup, new_client(client, reviewer, setup), "basic")[
        "kyc_application_uuid"
    ]
    assert patch(client, reviewer, uuid, basic_values(setup)).status_code == 200
    assert send_to_review(client, reviewer, uuid).status_code == 200
    late = patch(client, reviewer, uuid, {"first_name": "Ann"})
    assert late.status_code == 409 and late.json()["current_status"] == "in_review"
    assert decide(client, reviewer, uuid, "rejected", comment="Document forged").status_code == 200
    final = patch(client, reviewer, uuid, {"first_name": "Ann"})
    assert final.status_code == 409 and "rejection is final" in final.json()["detail"]

    events = client.get(f"{LEVELS}/kyc/{uuid}/history", headers=reviewer.headers).json()["items"]
    assert [(e["event"], e["from_status"], e["to_status"]) for e in events] == [
        ("created", None, "draft"),
        ("updated", "draft", "draft"),
        ("sent_to_review", "draft", "in_review"),
        ("rejected", "in_review", "rejected"),
    ]
    assert events[1]["attribute_keys"] == list(basic_values(setup))
    assert events[3]["comment"] == "Document forged"
    assert {e["actor"]["key_id"] for e in events} == {reviewer.key_id}

    # Page by page through the cursor, oldest first; the total is the application's version.
    walked, cursor = [], None
    for page in range(1, 5):
        params = {"page_size": 1, **({"cursor": cursor} if cursor else {})}
        body = client.get(f"{LEVELS}/kyc/{uuid}/history", headers=reviewer.headers, params=params).json()
        assert body["pagination"] | {"cursor": None} == {
            "page": page,
            "page_size": 1,
            "total": 4,
            "total_pages": 4,
            "cursor": None,
        }
        walked += body["items"]
        cursor = body["pagination"]["cursor"]
    assert cursor is None and walked == events


def test_kycgate_levels_load_replaces_the_configuration_of_the_live_or_test_data(
    client: Any, reviewer: Any, capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    import json

    from kycgate.cli import main
    from tests.conftest import sandbox_key_of

    assert main(["levels", "load", "--example", "--tenant", reviewer.tenant_id, "--mode", "test"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])  # after the log line
    assert summary["version"] == 1 and set(summary["legal_entities"][0]["levels"]) == {"basic", "verified", "enhanced"}
    sandbox = sandbox_key_of(reviewer)
    stored = client.get(f"{LEVELS}/configuration", headers=sandbox.headers).json()
    assert stored["legal_entities"][0]["legal_entity_uuid"] == summary["legal_entities"][0]["legal_entity_uuid"]
    assert client.get(f"{LEVELS}/configuration", headers=reviewer.headers).json()["version"] == 0  # live untouched

    broken = tmp_path / "levels.json"
    document = copy.deepcopy(example_document())
    document["legal_entities"][0]["levels"][0]["upgrades_to"] = ["platinum"]
    broken.write_text(json.dumps(document))
    assert main(["levels", "load", str(broken), "--tenant", reviewer.tenant_id]) == 1
    assert "no level 'platinum'" in capsys.readouterr().err
    assert main(["levels", "load", str(broken)]) == 2
