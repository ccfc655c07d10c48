"""Liveness checks of a levels application (seed 002's sumsub_liveness_check_url / _token).

kycgate's own provider with real photos (tests/fixtures/faces) and the sface matcher: the same person is
approved, another is declined until no attempts are left; tokens are bound to their client, kept while
`ttl_min` holds, renewed by `ttl_renew` (the old one stops working) and empty with empty_volatile_fields.
Sumsub's provider against a local server that checks Sumsub's request signature (sumsub_fake).
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from kycgate.core import clock
from tests.conftest import make_tenant
from tests.integration.levels_support import (
    LEVELS,
    approved_basic,
    attribute,
    example_document,
    get_application,
    liveness_link,
    load_configuration,
    new_client,
    open_application,
    passport,
    patch,
    request_code,
    selfie,
    send_to_review,
    sms_codes,
    token_of,
)
from tests.integration.sumsub_fake import fake_sumsub

URL_KEY = "sumsub_liveness_check_url"


@pytest.fixture
def tenant(aws: Any) -> Any:
    return make_tenant("Liveness tenant", scopes=("reviewer",))


def _verified(
    client: Any, tenant: Any, setup: Any, document: str | None = "obama_1.jpg", **client_fields: Any
) -> tuple[str, str]:
    """A client approved at basic with an open verified application (its passport PATCHed when given)."""
    client_uuid = new_client(client, tenant, setup, **client_fields)
    approved_basic(client, tenant, tenant, setup, client_uuid)
    uuid = open_application(client, tenant, setup, client_uuid, "verified")["kyc_application_uuid"]
    if document:
        made = passport(client, tenant, setup, client_uuid, document)
        assert patch(client, tenant, uuid, {"passport": made["document_uuid"]}).status_code == 200
    return client_uuid, uuid


def test_the_link_is_issued_on_get_kept_while_ttl_min_holds_and_renewed_on_request(client: Any, tenant: Any) -> None:
    setup = load_configuration(client, tenant)
    _client_uuid, uuid = _verified(client, tenant, setup, document=None)
    empty = attribute(get_application(client, tenant, uuid, empty_volatile_fields=True), URL_KEY)
    assert (empty["value"], empty["volatile"], empty["status"]) == (None, True, "pending")

    first = attribute(get_application(client, tenant, uuid), URL_KEY)
    assert first["value"].startswith("http://testserver/levels-liveness?token=")
    assert first["additional_info"] == {"phone": "+14155552671"} and first["attempts_left"] == 3
    issued_until = first["expires_at"]
    assert attribute(get_application(client, tenant, uuid), URL_KEY)["value"] == first["value"]

    # Less than ttl_min left: a new link valid ttl_max seconds.
    shorter = get_application(client, tenant, uuid, **{f"{URL_KEY}.ttl_min": 3600, f"{URL_KEY}.ttl_max": 7200})
    renewed = attribute(shorter, URL_KEY)
    assert renewed["value"] != first["value"] and renewed["expires_at"] > issued_until
    old_token, token = token_of(first["value"]), token_of(renewed["value"])
    replaced = client.get(f"{LEVELS}/liveness/{old_token}")
    assert replaced.status_code == 410 and "replaced by a newer one" in replaced.json()["detail"]
    check = client.get(f"{LEVELS}/liveness/{token}")
    assert check.status_code == 200 and check.json()["status"] == "pending" and check.json()["attempts_left"] == 3

    fresh = liveness_link(client, tenant, uuid, ttl_renew=True)
    assert fresh["value"] != renewed["value"]
    assert client.get(f"{LEVELS}/liveness/{token}").status_code == 410
    # The page is kycgate's own, with its CSP.
    page = client.get(fresh["value"].replace("http://testserver", ""))
    assert page.status_code == 200 and 'data-page="liveness"' in page.text
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]

    bad = client.get(
        f"{LEVELS}/kyc/{uuid}", headers=tenant.headers, params={f"{URL_KEY}.ttl_min": 900, f"{URL_KEY}.ttl_max": 600}
    )
    assert bad.status_code == 422 and "must not exceed" in bad.json()["detail"]
    clock.travel(7201)
    assert client.get(f"{LEVELS}/liveness/{token_of(fresh['value'])}").status_code == 410


def test_the_same_person_is_approved_and_the_document_gains_its_face_check(client: Any, tenant: Any) -> None:
    setup = load_configuration(client, tenant)
    _, uuid = _verified(client, tenant, setup)
    token = token_of(liveness_link(client, tenant, uuid)["value"])
    result = selfie(client, token, "obama_2.jpg")
    assert result.status_code == 200, result.text
    assert result.json()["status"] == "approved"
    application = get_application(client, tenant, uuid)
    check = attribute(application, URL_KEY)
    assert (check["status"], check["volatile"]) == ("approved", False)
    verification = check["value"]["verification"]["kycgate"]
    assert verification["status"] == "approved" and float(verification["checks"]["similarity"]) >= 0.45
    assert verification["checks"]["compared_with"] == "passport"
    document = attribute(application, "passport")["value"]["verification"]["kycgate"]
    assert document["status"] == "approved" and document["checks"]["face_match"] == "passed"
    again = selfie(client, token, "obama_3.jpg")
    assert again.status_code == 409 and again.json()["type"].endswith("check-completed")

    # A new passport voids the approval: its portrait was never compared with the selfie.
    other = passport(client, tenant, setup, application["client_uuid"], "obama_3.jpg")
    patch(client, tenant, uuid, {"passport": other["document_uuid"]})
    assert attribute(get_application(client, tenant, uuid), URL_KEY)["status"] == "pending"


def test_another_person_is_declined_until_no_attempts_are_left(client: Any, tenant: Any) -> None:
    setup = load_configuration(client, tenant)
    _, uuid = _verified(client, tenant, setup)
    token = token_of(liveness_link(client, tenant, uuid)["value"])
    for left in (2, 1):
        declined = selfie(client, token, "biden_1.jpg").json()
        assert (declined["status"], declined["attempts_left"]) == ("declined", left)
        assert declined["declined_reason"] == "face_mismatch" and "didn't match" in declined["client_note"]
    last = selfie(client, token, "biden_2.jpg").json()
    assert (last["status"], last["attempts_left"]) == ("exhausted", 0)
    assert selfie(client, token, "obama_2.jpg").status_code == 409
    check = attribute(get_application(client, tenant, uuid), URL_KEY)
    assert check["status"] == "exhausted" and check["value"]["verification"]["kycgate"]["status"] == "declined"
    refused = send_to_review(client, tenant, uuid)
    assert refused.status_code == 422 and "liveness check is exhausted" in refused.json()["detail"]


def test_a_token_reaches_only_its_own_clients_check(client: Any, tenant: Any) -> None:
    setup = load_configuration(client, tenant)
    obama_client, obama = _verified(client, tenant, setup, "obama_1.jpg")
    biden_client, biden = _verified(client, tenant, setup, "biden_1.jpg")
    biden_token = token_of(liveness_link(client, tenant, biden)["value"])
    # Another client's UUID cannot read this application's liveness link.
    refused = client.get(
        f"{LEVELS}/kyc/{obama}/attributes/{URL_KEY}", headers=tenant.headers, params={"client_uuid": biden_client}
    )
    assert refused.status_code == 404
    # Obama's selfie sent with Biden's token is judged against Biden's passport: declined, on Biden's check only.
    assert selfie(client, biden_token, "obama_2.jpg").json()["status"] == "declined"
    assert attribute(get_application(client, tenant, obama, empty_volatile_fields=True), URL_KEY)["attempts_left"] == 3
    assert selfie(client, biden_token, "biden_2.jpg").json()["status"] == "approved"
    assert attribute(get_application(client, tenant, obama, client_uuid=obama_client), URL_KEY)["status"] == "pending"


def test_a_selfie_needs_a_document_and_an_editable_application(client: Any, tenant: Any) -> None:
    setup = load_configuration(client, tenant)
    _, uuid = _verified(client, tenant, setup, document=None)
    token = token_of(liveness_link(client, tenant, uuid)["value"])
    missing = selfie(client, token, "obama_2.jpg")
    assert missing.status_code == 409 and "no identity document" in missing.json()["detail"]
    assert selfie(client, "x" * 43, "obama_2.jpg").status_code == 404


# ---------------------------------------------------------------- Sumsub


def _sumsub_configuration(client: Any, tenant: Any, key: str = "sumsub_liveness_check_token") -> Any:
    document = copy.deepcopy(example_document())
    liveness = next(a for a in document["attributes"] if a["type"] == "liveness")
    liveness.update(key=key, provider="sumsub", sumsub_level_name="basic kyc+level")
    liveness.pop("max_attempts")
    for level in document["legal_entities"][0]["levels"]:
        for step in level["steps"]:
            for question in step["questions"]:
                if question["attribute_key"] == URL_KEY:
                    question["attribute_key"] = key
    return load_configuration(client, tenant, document)


def _store_credentials(tenant_id: str, fake: Any, secret_key: str | None = None) -> None:
    from kycgate.core import aws
    from kycgate.levels.sumsub_client import forget_credentials

    secret = {"app_token": fake.app_token, "secret_key": secret_key or fake.secret_key, "base_url": fake.base_url}
    aws.client("secretsmanager").create_secret(
        Name=f"kycgate/tenants/{tenant_id}/sumsub", SecretString=json.dumps(secret)
    )
    forget_credentials()


def test_sumsub_client_signs_requests_as_sumsub_checks_them() -> None:
    from kycgate.levels.sumsub_client import Credentials, SumsubError, SumsubHttpClient

    with fake_sumsub() as fake:
        signed = SumsubHttpClient(Credentials(fake.app_token, fake.secret_key, fake.base_url))
        applicant = signed.create_applicant("client-1", "basic kyc+level")  # reserved characters in the query
        assert signed.create_applicant("client-1", "basic kyc+level") == applicant  # 409, then read back
        assert fake.applicants[applicant]["levelName"] == "basic kyc+level"
        token = signed.access_token("client-1", "basic kyc+level", 600)
        assert fake.tokens[token][0] == "client-1"
        assert signed.applicant_status(applicant) == {"reviewStatus": "init"}
        assert signed.websdk_link("client-1", "basic kyc+level", 600).startswith("https://in.sumsub.com/websdk/p/")

        forged = SumsubHttpClient(Credentials(fake.app_token, "not-the-secret", fake.base_url))
        with pytest.raises(SumsubError) as refused:
            forged.create_applicant("client-2", "basic-kyc-level")
        assert (refused.value.status, refused.value.description) == (401, "Request signature mismatch")
        stale = SumsubHttpClient(Credentials(fake.app_token, fake.secret_key, fake.base_url), clock=lambda: 1_000_000)
        with pytest.raises(SumsubError, match="timestamp"):
            stale.applicant_status(applicant)
        assert fake.applicant_of("client-2") is None
        assert [status for _, _, status in fake.requests] == [201, 409, 200, 200, 200, 200, 401, 401]


def test_sumsub_liveness_through_the_api(client: Any, tenant: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("kycgate.levels.sumsub_liveness.STATUS_POLL_SECONDS", 0)
    with fake_sumsub() as fake:
        setup = _sumsub_configuration(client, tenant)
        client_uuid, uuid = _verified(client, tenant, setup)
        unconfigured = client.get(f"{LEVELS}/kyc/{uuid}", headers=tenant.headers)
        assert unconfigured.status_code == 409 and "kycgate/tenants/" in unconfigured.json()["detail"]
        _store_credentials(tenant.tenant_id, fake)

        check = attribute(get_application(client, tenant, uuid), "sumsub_liveness_check_token")
        token = check["value"]
        assert fake.tokens[token][0] == client_uuid and check["additional_info"] == {"phone": "+14155552671"}
        assert attribute(get_application(client, tenant, uuid), "sumsub_liveness_check_token")["value"] == token
        applicant = fake.applicant_of(client_uuid)["id"]
        # The token is bound to its client: Sumsub refuses it for another applicant.
        other_uuid, other = _verified(client, tenant, setup)
        other_token = attribute(get_application(client, tenant, other), "sumsub_liveness_check_token")["value"]
        other_applicant = fake.applicant_of(other_uuid)["id"]
        status, _ = fake._sdk(
            "/test/sdk/liveness", {"x-access-token": other_token}, json.dumps({"applicantId": applicant}).encode()
        )
        assert status == 403
        status, _ = fake._sdk(
            "/test/sdk/liveness", {"x-access-token": token}, json.dumps({"applicantId": applicant}).encode()
        )
        assert status == 200
        assert other_applicant != applicant

        fake.review(client_uuid, "RED", "RETRY", comment="Take the selfie in better light")
        retry = attribute(get_application(client, tenant, uuid), "sumsub_liveness_check_token")
        assert retry["status"] == "declined" and retry["value"] == token  # still a token: the client may retry
        assert retry["verification"]["sumsub"]["client_note"] == "Take the selfie in better light"
        fake.review(client_uuid, "GREEN")
        done = attribute(get_application(client, tenant, uuid), "sumsub_liveness_check_token")
        assert done["status"] == "approved" and done["value"]["verification"]["sumsub"]["status"] == "approved"

        assert request_code(client, tenant, setup, uuid).status_code == 201
        sent = send_to_review(client, tenant, uuid, sms_sign_code=sms_codes("+14155552671")[-1])
        assert sent.status_code == 200, sent.text

        fake.review(other_uuid, "RED", "FINAL")
        final = attribute(get_application(client, tenant, other), "sumsub_liveness_check_token")
        assert (
            final["status"] == "exhausted"
            and final["value"]["verification"]["sumsub"]["checks"]["reject_type"] == "FINAL"
        )


def test_sumsub_link_and_refused_credentials(client: Any, tenant: Any) -> None:
    with fake_sumsub() as fake:
        setup = _sumsub_configuration(client, tenant, key=URL_KEY)
        _, uuid = _verified(client, tenant, setup)
        _store_credentials(tenant.tenant_id, fake, secret_key="wrong")
        refused = client.get(f"{LEVELS}/kyc/{uuid}", headers=tenant.headers)
        assert refused.status_code == 409 and "credentials" in refused.json()["detail"]
        from kycgate.core import aws
        from kycgate.levels.sumsub_client import forget_credentials

        aws.client("secretsmanager").put_secret_value(
            SecretId=f"kycgate/tenants/{tenant.tenant_id}/sumsub",
            SecretString=json.dumps(
                {"app_token": fake.app_token, "secret_key": fake.secret_key, "base_url": fake.base_url}
            ),
        )
        forget_credentials()
        link = attribute(get_application(client, tenant, uuid), URL_KEY)["value"]
        assert link.startswith("https://in.sumsub.com/websdk/p/")
