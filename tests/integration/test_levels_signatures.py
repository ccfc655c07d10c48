"""Client signatures (seed 002): codes sent by SNS (SMS) and SES (e-mail) on moto, hashed, expiring,
rate-limited, used up by what they sign; one code signs every attribute of its kind; the sandbox's 111111."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from kycgate.core import clock
from tests.conftest import make_tenant, sandbox_key_of
from tests.integration.levels_support import (
    LEVELS,
    attribute,
    email_codes,
    example_document,
    load_configuration,
    new_client,
    open_application,
    patch,
    request_code,
    sms_codes,
)

PHONE = "+14155552671"
SENDER = "codes@kycgate.example"


@pytest.fixture
def tenant(aws: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    from kycgate.core import aws as kycgate_aws
    from kycgate.core.settings import get_settings

    monkeypatch.setenv("KYCGATE_CODE_EMAIL_SENDER", SENDER)
    get_settings.cache_clear()
    kycgate_aws.client("ses").verify_email_identity(EmailAddress=SENDER)
    return make_tenant("Signing tenant", scopes=("reviewer",))


def _enhanced_first(client: Any, tenant: Any) -> tuple[Any, str, str]:
    """The example configuration with enhanced (signed declaration) as an entry level; a client and its draft."""
    document = copy.deepcopy(example_document())
    document["legal_entities"][0]["levels"][2]["entry_level"] = True
    setup = load_configuration(client, tenant, document)
    client_uuid = new_client(client, tenant, setup, email="zaphodia@example.com")
    return setup, client_uuid, open_application(client, tenant, setup, client_uuid, "enhanced")["kyc_application_uuid"]


def test_an_sms_code_signs_the_attribute_once_and_is_stored_hashed(client: Any, tenant: Any) -> None:
    setup, _, uuid = _enhanced_first(client, tenant)
    sent = request_code(client, tenant, setup, uuid)
    assert sent.status_code == 201, sent.text
    body = sent.json()
    assert body["destination"] == "+14*****2671" and body["sandbox"] is False
    (code,) = sms_codes(PHONE)
    from kycgate.core.dynamo import ddb, sessions_table

    stored = json.dumps(ddb().scan(TableName=sessions_table())["Items"])
    assert code not in stored and PHONE not in stored  # a digest and a masked destination only

    wrong = patch(
        client,
        tenant,
        uuid,
        {"source_of_funds_declaration": True},
        sms_sign_code="000000" if code != "000000" else "000001",
    )
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["loc"] == ["query", "sms_sign_code"]
    assert "4 tries left" in wrong.json()["detail"]
    signed = patch(client, tenant, uuid, {"source_of_funds_declaration": True}, sms_sign_code=code)
    assert signed.status_code == 200, signed.text
    declaration = attribute(signed.json(), "source_of_funds_declaration")
    assert declaration["value"] is True
    assert (
        declaration["signature"]["provider_type"] == "sms" and declaration["signature"]["destination"] == "+14*****2671"
    )
    # A code signs once.
    reused = patch(client, tenant, uuid, {"source_of_funds_declaration": True}, sms_sign_code=code)
    assert reused.status_code == 422 and "no unused code" in reused.json()["detail"]


def test_one_code_signs_every_attribute_of_its_kind_in_the_request(client: Any, tenant: Any) -> None:
    document = copy.deepcopy(example_document())
    document["legal_entities"][0]["levels"][2]["entry_level"] = True
    income = next(a for a in document["attributes"] if a["key"] == "annual_income")
    income["sign_providers"] = ["email"]
    setup = load_configuration(client, tenant, document)
    uuid = open_application(
        client, tenant, setup, new_client(client, tenant, setup, email="z@example.com"), "enhanced"
    )["kyc_application_uuid"]
    assert request_code(client, tenant, setup, uuid, "email").status_code == 201
    (code,) = email_codes("z@example.com")
    response = patch(
        client, tenant, uuid, {"annual_income": 1000, "source_of_funds_declaration": True}, email_sign_code=code
    )
    assert response.status_code == 200, response.text
    signatures = [attribute(response.json(), k)["signature"] for k in ("annual_income", "source_of_funds_declaration")]
    assert [s["provider_type"] for s in signatures] == ["email", "email"]
    assert signatures[0]["destination"] == "z***@example.com"


def test_codes_are_rate_limited_expire_and_lock_after_wrong_tries(client: Any, tenant: Any) -> None:
    setup, _, uuid = _enhanced_first(client, tenant)
    assert request_code(client, tenant, setup, uuid).status_code == 201
    again = request_code(client, tenant, setup, uuid)
    assert again.status_code == 429 and 1 <= int(again.headers["retry-after"]) <= 60
    for _ in range(4):
        clock.travel(61)
        assert request_code(client, tenant, setup, uuid).status_code == 201
    clock.travel(61)
    hourly = request_code(client, tenant, setup, uuid)
    assert hourly.status_code == 429 and "5 codes" in hourly.json()["detail"]
    clock.travel(3600)
    assert request_code(client, tenant, setup, uuid).status_code == 201
    code = sms_codes(PHONE)[-1]
    clock.travel(601)
    expired = patch(client, tenant, uuid, {"source_of_funds_declaration": True}, sms_sign_code=code)
    assert "has expired" in expired.json()["detail"]

    clock.travel(61)
    assert request_code(client, tenant, setup, uuid).status_code == 201
    code = sms_codes(PHONE)[-1]
    wrong = "123456" if code != "123456" else "654321"
    for _ in range(5):
        patch(client, tenant, uuid, {"source_of_funds_declaration": True}, sms_sign_code=wrong)
    locked = patch(client, tenant, uuid, {"source_of_funds_declaration": True}, sms_sign_code=code)
    assert locked.status_code == 422 and "entered wrongly 5 times" in locked.json()["detail"]


def test_destination_and_application_rules(client: Any, tenant: Any) -> None:
    setup, _client_uuid, uuid = _enhanced_first(client, tenant)
    no_phone = new_client(client, tenant, setup, phone=None)
    other = open_application(client, tenant, setup, no_phone, "enhanced")["kyc_application_uuid"]
    missing = request_code(client, tenant, setup, other)
    assert missing.status_code == 422 and "no phone number on record" in missing.json()["detail"]
    bad = request_code(client, tenant, setup, other, destination="12345")
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["body", "destination"]
    given = request_code(client, tenant, setup, other, destination="+44 20 7946 0958")
    assert given.status_code == 201 and given.json()["destination"] == "+44******0958"
    assert sms_codes("+442079460958")
    wrong_client = client.post(
        f"{LEVELS}/verification-codes",
        headers=tenant.headers,
        params={"client_uuid": no_phone},
        json={"legal_entity_uuid": setup.entity_uuid, "object_uuid": uuid, "provider_type": "sms"},
    )
    assert wrong_client.status_code == 404


def test_the_sandbox_sends_nothing_and_accepts_111111(client: Any, tenant: Any) -> None:
    sandbox = sandbox_key_of(tenant)
    setup, _, uuid = _enhanced_first(client, sandbox)
    sent = request_code(client, sandbox, setup, uuid)
    assert sent.status_code == 201 and sent.json()["sandbox"] is True
    assert request_code(client, sandbox, setup, uuid).status_code == 201  # nothing sent, nothing to limit
    assert sms_codes(PHONE) == []
    wrong = patch(client, sandbox, uuid, {"source_of_funds_declaration": True}, sms_sign_code="222222")
    assert wrong.status_code == 422 and "111111" in wrong.json()["detail"]
    signed = patch(client, sandbox, uuid, {"source_of_funds_declaration": True}, sms_sign_code="111111")
    assert signed.status_code == 200
    # Live keys never get the sandbox's code (the live code drawn here is 222222).
    live_setup, _, live_uuid = _enhanced_first(client, tenant)
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr("kycgate.levels.signatures.secrets.randbelow", lambda _: 222222)
        assert request_code(client, tenant, live_setup, live_uuid).status_code == 201
    refused = patch(client, tenant, live_uuid, {"source_of_funds_declaration": True}, sms_sign_code="111111")
    assert refused.status_code == 422 and "is wrong" in refused.json()["detail"]
    assert (
        patch(client, tenant, live_uuid, {"source_of_funds_declaration": True}, sms_sign_code="222222").status_code
        == 200
    )


def test_local_delivery_prints_the_code_and_keeps_it_in_the_outbox(
    client: Any, tenant: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from kycgate.core.settings import get_settings
    from kycgate.levels.messaging import read_outbox

    outbox = tmp_path / "outbox.jsonl"
    monkeypatch.setenv("KYCGATE_CODE_DELIVERY", "local")
    monkeypatch.setenv("KYCGATE_LOCAL_OUTBOX_PATH", str(outbox))
    get_settings.cache_clear()
    setup, _, uuid = _enhanced_first(client, tenant)
    assert request_code(client, tenant, setup, uuid).status_code == 201
    (message,) = read_outbox(outbox)
    assert (message["provider_type"], message["destination"]) == ("sms", PHONE)
    assert message["code"] in capsys.readouterr().out
    assert sms_codes(PHONE) == []  # nothing went to SNS
    assert (
        patch(client, tenant, uuid, {"source_of_funds_declaration": True}, sms_sign_code=message["code"]).status_code
        == 200
    )
