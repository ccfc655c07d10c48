"""Review (seed 002): send-to-review checks, the reviewer scope, the sandbox's approve/reject/send-to-clarify
for test-mode keys only, pending -> corrected -> resent, rejection is final, conditional transitions, and the
callbacks of every transition signed and verified with standardwebhooks."""

from __future__ import annotations

import copy
import threading
from typing import Any

import pytest

from tests.conftest import make_tenant, sandbox_key_of
from tests.integration.levels_support import (
    LEVELS,
    attribute,
    basic_values,
    create_application,
    decide,
    example_document,
    get_application,
    level_info,
    load_configuration,
    new_client,
    open_application,
    patch,
    send_to_review,
)
from tests.integration.reuse_support import atomic_moto
from tests.integration.webhooks_support import drain_until_empty, receiver, secret_of


@pytest.fixture
def tenant(aws: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    from kycgate.core.settings import get_settings

    monkeypatch.setenv("KYCGATE_ALLOW_LOOPBACK_CALLBACKS", "true")
    get_settings.cache_clear()
    return make_tenant("Reviewing tenant", scopes=("reviewer",))


def _draft(
    client: Any, tenant: Any, level: str = "basic", document: dict[str, Any] | None = None
) -> tuple[Any, str, str]:
    setup = load_configuration(client, tenant, document)
    client_uuid = new_client(client, tenant, setup)
    return setup, client_uuid, open_application(client, tenant, setup, client_uuid, level)["kyc_application_uuid"]


def test_send_to_review_lists_every_missing_required_attribute(client: Any, tenant: Any) -> None:
    setup, _, uuid = _draft(client, tenant)
    assert patch(client, tenant, uuid, {"first_name": "Zaphodia"}).status_code == 200
    refused = send_to_review(client, tenant, uuid)
    assert refused.status_code == 422
    missing = [e["loc"][1] for e in refused.json()["errors"]]
    assert missing == ["last_name", "birth_date", "country_of_residence", "terms_of_service"]
    assert get_application(client, tenant, uuid)["status"] == "draft"
    assert patch(client, tenant, uuid, basic_values(setup)).status_code == 200
    sent = send_to_review(client, tenant, uuid)
    assert sent.status_code == 200 and sent.json()["status"] == "in_review" and sent.json()["submitted_at"]
    again = send_to_review(client, tenant, uuid)
    assert again.status_code == 409 and again.json()["current_status"] == "in_review"


def test_a_level_that_asks_for_a_signature_needs_a_code_to_be_sent(client: Any, tenant: Any) -> None:
    document = copy.deepcopy(example_document())
    enhanced = document["legal_entities"][0]["levels"][2]
    enhanced["entry_level"] = True
    for step in enhanced["steps"]:
        for question in step["questions"]:
            question["required"] = False
    sandbox = sandbox_key_of(tenant)
    _, _, uuid = _draft(client, sandbox, "enhanced", document)
    unsigned = send_to_review(client, sandbox, uuid)
    assert unsigned.status_code == 422
    assert unsigned.json()["errors"] == [
        {
            "loc": ["query", "sms_sign_code"],
            "msg": "sending this application to review must be signed: send sms_sign_code",
            "type": "signature_required",
        }
    ]
    signed = send_to_review(client, sandbox, uuid, sms_sign_code="111111")
    assert signed.status_code == 200, signed.text
    assert signed.json()["review_signature"]["provider_type"] == "sms"


def test_live_decisions_need_the_reviewer_scope(client: Any, tenant: Any) -> None:
    from kycgate.core.tenants import create_key

    setup, _, uuid = _draft(client, tenant)
    patch(client, tenant, uuid, basic_values(setup))
    send_to_review(client, tenant, uuid)
    plain = create_key(tenant.tenant_id)
    refused = client.post(
        f"{LEVELS}/kyc/{uuid}/review", headers={"Authorization": f"Bearer {plain.api_key}"}, json={"status": "approved"}
    )
    assert refused.status_code == 403 and "reviewer scope" in refused.json()["detail"]
    notes_without_pending = decide(
        client, tenant, uuid, "approved", notes=[{"attribute_key": "first_name", "note": "x"}]
    )
    assert notes_without_pending.status_code == 422
    unknown_note = decide(client, tenant, uuid, "pending", notes=[{"attribute_key": "passport", "note": "blurred"}])
    assert unknown_note.status_code == 422 and "not an attribute of this application" in unknown_note.json()["detail"]
    approved = decide(client, tenant, uuid, "approved", comment="All good")
    assert approved.status_code == 200 and approved.json()["status"] == "approved" and approved.json()["decided_at"]
    events = client.get(f"{LEVELS}/kyc/{uuid}/history", headers=tenant.headers).json()["items"]
    assert events[-1]["event"] == "approved" and events[-1]["actor"]["key_id"] == tenant.key_id


def test_sandbox_routes_are_for_test_mode_keys_only(client: Any, tenant: Any) -> None:
    setup, _, live = _draft(client, tenant)
    patch(client, tenant, live, basic_values(setup))
    send_to_review(client, tenant, live)
    for action in ("approve", "reject", "send-to-clarify"):
        response = client.post(f"{LEVELS}/kyc/{live}/{action}/", headers=tenant.headers)
        assert response.status_code == 404, response.text
        assert "test-mode keys (kg_test_...) only" in response.json()["detail"]
    assert get_application(client, tenant, live)["status"] == "in_review"

    sandbox = sandbox_key_of(tenant)
    # Test-mode and live data never see each other.
    assert client.get(f"{LEVELS}/kyc/{live}", headers=sandbox.headers).status_code == 404
    test_setup, test_client, test_uuid = _draft(client, sandbox)
    assert test_setup.entity_uuid != setup.entity_uuid  # the test space derives UUIDs of its own
    assert client.get(f"{LEVELS}/kyc/{test_uuid}", headers=tenant.headers).status_code == 404
    assert client.get(f"{LEVELS}/clients/{test_client}", headers=tenant.headers).status_code == 404
    patch(client, sandbox, test_uuid, basic_values(test_setup))
    send_to_review(client, sandbox, test_uuid)
    clarify = client.post(f"{LEVELS}/kyc/{test_uuid}/send-to-clarify/", headers=sandbox.headers)
    assert clarify.status_code == 200 and clarify.json()["status"] == "pending"
    assert clarify.json()["review_comment"] == "Sent back to the client from the sandbox."
    send_to_review(client, sandbox, test_uuid)
    assert client.post(f"{LEVELS}/kyc/{test_uuid}/approve/", headers=sandbox.headers).json()["status"] == "approved"
    assert client.post(f"{LEVELS}/kyc/{test_uuid}/reject", headers=sandbox.headers).status_code == 409


def test_pending_with_notes_then_corrected_resent_approved_and_every_change_called_back(
    client: Any, tenant: Any
) -> None:
    with receiver() as hooks:
        document = copy.deepcopy(example_document())
        document["legal_entities"][0]["callback_url"] = hooks.url
        setup, client_uuid, uuid = _draft(client, tenant, document=document)
        values = basic_values(setup)
        patch(client, tenant, uuid, {**values, "last_name": "Quarringtn"})
        assert send_to_review(client, tenant, uuid).status_code == 200
        pending = decide(
            client,
            tenant,
            uuid,
            "pending",
            comment="One correction",
            notes=[{"attribute_key": "last_name", "note": "Spell it as on your passport"}],
        )
        assert pending.status_code == 200 and pending.json()["status"] == "pending"
        assert attribute(pending.json(), "last_name")["note"] == "Spell it as on your passport"
        assert patch(client, tenant, uuid, {"last_name": "Quarrington"}).status_code == 200
        assert send_to_review(client, tenant, uuid).status_code == 200
        assert decide(client, tenant, uuid, "approved").status_code == 200
        assert drain_until_empty() == 4
        payloads = hooks.verified(secret_of(client, tenant))  # raises unless each is signed with the secret
    # A standard SQS queue keeps no order: receivers order a kyc_application's callbacks by changed_at.
    payloads.sort(key=lambda p: p["changed_at"])
    assert [(p["previous_status"], p["status"]) for p in payloads] == [
        ("draft", "in_review"),
        ("in_review", "pending"),
        ("pending", "in_review"),
        ("in_review", "approved"),
    ]
    assert {p["kyc_application_uuid"] for p in payloads} == {uuid}
    assert payloads[1]["notes"] == {"last_name": "Spell it as on your passport"}
    assert payloads[1]["review_comment"] == "One correction"
    assert {p["event"] for p in payloads} == {"kyc_application"}
    assert {r.path for r in hooks.requests} == {"/hook"}
    assert level_info(client, tenant, setup, client_uuid)["current_kyc_level_uuid"] == setup.levels["basic"]


def test_rejection_is_final_and_reapplying_follows_the_level(client: Any, tenant: Any) -> None:
    document = copy.deepcopy(example_document())
    levels = document["legal_entities"][0]["levels"]
    levels[2]["entry_level"] = True
    for step in levels[2]["steps"]:
        for question in step["questions"]:
            question["required"] = False
    sandbox = sandbox_key_of(tenant)
    setup, client_uuid, basic = _draft(client, sandbox, document=document)
    patch(client, sandbox, basic, basic_values(setup))
    send_to_review(client, sandbox, basic)
    assert (
        client.post(f"{LEVELS}/kyc/{basic}/reject", headers=sandbox.headers, json={"comment": "No"}).status_code == 200
    )
    # basic allows a new application after a rejection (the seed: "a new KYC application will need to be created").
    assert create_application(client, sandbox, setup, client_uuid, "basic").status_code == 201

    enhanced = open_application(client, sandbox, setup, client_uuid, "enhanced")["kyc_application_uuid"]
    assert send_to_review(client, sandbox, enhanced, sms_sign_code="111111").status_code == 200
    assert client.post(f"{LEVELS}/kyc/{enhanced}/reject", headers=sandbox.headers).status_code == 200
    again = create_application(client, sandbox, setup, client_uuid, "enhanced")
    assert again.status_code == 409 and "reapply_after_rejection: false" in again.json()["detail"]
    info = level_info(client, sandbox, setup, client_uuid)
    assert "enhanced" not in [level["key"] for level in info["available_levels_for_upgrade"]]


def test_two_concurrent_decisions_cannot_both_win(client: Any, tenant: Any) -> None:
    setup, _client_uuid, uuid = _draft(client, tenant)
    patch(client, tenant, uuid, basic_values(setup))
    send_to_review(client, tenant, uuid)
    statuses: list[int] = []

    def run(outcome: str) -> None:
        statuses.append(decide(client, tenant, uuid, outcome).status_code)

    with atomic_moto():
        threads = [threading.Thread(target=run, args=(o,)) for o in ("approved", "rejected") * 3]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(statuses) == [200, 409, 409, 409, 409, 409]
    final = get_application(client, tenant, uuid)["status"]
    events = client.get(f"{LEVELS}/kyc/{uuid}/history", headers=tenant.headers).json()["items"]
    assert [e["event"] for e in events][-1] == final  # one decision recorded, the one that holds
    assert sum(e["event"] in ("approved", "rejected") for e in events) == 1
