"""The Sumsub client and adapter against the local Sumsub, which checks every request's signature."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time

import pytest

from kycgate.gateway.providers.base import InvalidParams, InvalidWebhook, ProviderRejected
from kycgate.gateway.providers.params import NormalisedParams
from kycgate.gateway.providers.sumsub import SumsubClient, SumsubDocument, signature
from tests.integration.gateway.provider_support import Receiver, photo, running


def test_the_signature_is_sumsubs_formula() -> None:
    # ts + METHOD + path?query + body, HMAC-SHA256 with the secret key, lower-case hex.
    body = b'{"externalUserId":"u-1"}'
    expected = hmac.new(
        b"secret", b"1700000000POST/resources/applicants?levelName=basic-kyc-level" + body, hashlib.sha256
    ).hexdigest()
    assert (
        signature("secret", "1700000000", "post", "/resources/applicants?levelName=basic-kyc-level", body) == expected
    )


def test_signed_requests_pass_the_fakes_check_and_a_wrong_secret_is_refused() -> None:
    with running("sumsub") as h:
        client = SumsubClient(h.credentials, h.adapter.http)
        applicant = client.create_applicant("user-1")
        assert applicant["externalUserId"] == "user-1" and applicant["review"]["reviewStatus"] == "init"
        # Multipart bodies are signed over their exact bytes too.
        assert client.add_document(applicant["id"], SumsubDocument("PASSPORT", "USA", photo("obama_1.jpg"))) is not None

        forged = SumsubClient(h.credentials_with(secret_key="not-the-secret"), h.adapter.http)
        calls = len(h.fake.calls)
        with pytest.raises(ProviderRejected) as caught:
            forged.applicant(applicant["id"])
        assert caught.value.status == 401 and caught.value.code == "4003"
        assert "Request signature mismatch (app-token-signature mismatch)" in caught.value.message
        assert len(h.fake.calls) == calls + 1  # refused once, not retried

        with pytest.raises(ProviderRejected, match="App token is not valid"):
            SumsubClient(h.credentials_with(app_token="sbx:another"), h.adapter.http).applicant(applicant["id"])


def test_an_old_timestamp_is_refused_and_each_retry_is_signed_afresh() -> None:
    with running("sumsub") as h:
        late = SumsubClient(h.credentials, h.adapter.http, clock=lambda: time.time() - 120)
        with pytest.raises(ProviderRejected, match="outside of the allowed interval"):
            late.create_applicant("user-1")

        ticks = itertools.count(int(time.time()) - 2)
        client = SumsubClient(h.credentials, h.adapter.http, clock=lambda: next(ticks))
        h.fake.fail_next(1, status=503)
        assert client.create_applicant("user-2")["externalUserId"] == "user-2"
        first, second = h.fake.calls_to("POST", "/resources/applicants")[-2:]
        assert first.headers["X-App-Access-Ts"] != second.headers["X-App-Access-Ts"]
        assert first.headers["X-App-Access-Sig"] != second.headers["X-App-Access-Sig"]


def test_submit_uploads_the_documents_and_requests_the_check(person: NormalisedParams, receiver: Receiver) -> None:
    with running("sumsub", webhook_url=receiver.url) as h:
        request = h.adapter.build_request(person, "kyc", reference="app-7")
        snapshot = h.adapter.submit(h.credentials, request)
        assert snapshot.status == "review" and snapshot.reason == "Sumsub review status pending"
        applicant = h.fake.applicants[snapshot.identifier]
        assert applicant["externalUserId"] == "app-7"
        assert applicant["fixedInfo"] == {
            "firstName": "Barack",
            "lastName": "Obama",
            "dob": "1961-08-04",
            "country": "USA",
        }
        assert [d["idDocType"] for d in h.fake.documents[snapshot.identifier]] == ["PASSPORT", "SELFIE"]
        assert snapshot.representation["review"]["reviewStatus"] == "pending"

        assert h.fake.review(snapshot.identifier, "GREEN") == 200
        event = h.adapter.verify_webhook(h.credentials, receiver.last().webhook())
        assert (event.identifier, event.status, event.event_type) == (
            snapshot.identifier,
            "accepted",
            "applicantReviewed",
        )
        assert h.adapter.identify(receiver.last().webhook()) == snapshot.identifier
        assert h.adapter.fetch(h.credentials, snapshot.identifier).status == "accepted"


def test_a_repeated_submit_continues_with_the_same_applicant(person: NormalisedParams) -> None:
    with running("sumsub") as h:
        request = h.adapter.build_request(person, "kyc", reference="app-7")
        # An earlier attempt created the applicant and uploaded the passport, then died.
        client = h.adapter.client(h.credentials)
        created = client.create_applicant("app-7", None, request.applicant)
        client.add_document(created["id"], request.documents[0])
        snapshot = h.adapter.submit(h.credentials, request)
        assert snapshot.identifier == created["id"] and snapshot.status == "review"
        again = h.adapter.submit(h.credentials, request)
        assert again.identifier == created["id"] and len(h.fake.applicants) == 1
        assert len(h.fake.documents[created["id"]]) == 2


def test_a_resubmission_after_retry_uploads_the_new_images_and_checks_again(person: NormalisedParams) -> None:
    with running("sumsub") as h:
        first = h.adapter.submit(h.credentials, h.adapter.build_request(person, "kyc", reference="app-8"))
        h.fake.review(first.identifier, "RED", reject_type="RETRY", webhook=False)
        assert h.adapter.fetch(h.credentials, first.identifier).status == "remediate"
        retaken = person._replace(selfie=photo("obama_3.jpg"))
        again = h.adapter.submit(h.credentials, h.adapter.build_request(retaken, "kyc", reference="app-8"))
        assert again.identifier == first.identifier and again.status == "review"
        assert [d["idDocType"] for d in h.fake.documents[first.identifier]] == ["PASSPORT", "SELFIE", "SELFIE"]
        h.fake.review(first.identifier, "RED", reject_type="FINAL", webhook=False)
        # After a final answer nothing more is uploaded: the snapshot is the answer.
        final = h.adapter.submit(h.credentials, h.adapter.build_request(person, "kyc", reference="app-8"))
        assert final.status == "rejected" and len(h.fake.documents[first.identifier]) == 3


@pytest.mark.parametrize(
    ("answer", "reject_type", "status"),
    [("GREEN", None, "accepted"), ("RED", "RETRY", "remediate"), ("RED", "FINAL", "rejected")],
)
def test_review_answers_map_to_statuses(
    person: NormalisedParams, receiver: Receiver, answer: str, reject_type: str | None, status: str
) -> None:
    with running("sumsub", webhook_url=receiver.url) as h:
        applicant_id = h.adapter.submit(h.credentials, h.adapter.build_request(person, "kyc", reference="a")).identifier
        h.fake.review(
            applicant_id, answer, reject_type=reject_type, reject_labels=["FORGERY"] if answer == "RED" else ()
        )
        event = h.adapter.verify_webhook(h.credentials, receiver.last().webhook())
        assert event.status == status and h.adapter.fetch(h.credentials, applicant_id).status == status
        if answer == "RED":
            assert event.reason == "FORGERY"


def test_waiting_states_map_to_submitted_and_review(person: NormalisedParams, receiver: Receiver) -> None:
    with running("sumsub", webhook_url=receiver.url) as h:
        # No documents: the applicant finishes in Sumsub's WebSDK (the levels context's liveness step).
        bare = h.adapter.submit(
            h.credentials, h.adapter.build_request(person._replace(id_photo=None, selfie=None), "kyc", reference="b")
        )
        assert bare.status == "submitted"
        assert h.fake.calls_to("POST", f"/resources/applicants/{bare.identifier}/status/pending") == []
        full = h.adapter.submit(h.credentials, h.adapter.build_request(person, "kyc", reference="c"))
        h.fake.set_status(full.identifier, "onHold")
        event = h.adapter.verify_webhook(h.credentials, receiver.last().webhook())
        assert event.status == "review" and "compliance officer" in event.reason
        assert h.adapter.fetch(h.credentials, full.identifier).status == "review"


def test_access_tokens_and_websdk_links_are_bound_to_the_user() -> None:
    with running("sumsub") as h:
        client = h.adapter.client(h.credentials)
        token = client.access_token("client-9", ttl_seconds=900)
        assert token.user_id == "client-9" and token.token.startswith("_act-") and token.ttl_seconds == 900
        bound = h.fake.tokens[token.token]
        assert bound["userId"] == "client-9" and bound["levelName"] == "basic-kyc-level"
        assert bound["expiresAt"] == pytest.approx(time.time() + 900, abs=5)
        assert client.access_token("client-9").token != token.token
        assert client.websdk_link("client-9").startswith(f"{h.fake.url}/websdk/p/")
        with pytest.raises(ProviderRejected, match="Level 'unknown-level' is not found"):
            client.access_token("client-9", level_name="unknown-level")


def test_sumsub_errors_are_carried(person: NormalisedParams) -> None:
    with running("sumsub") as h:
        unknown_level = h.credentials_with(level_name="no-such-level")
        with pytest.raises(ProviderRejected) as caught:
            h.adapter.submit(unknown_level, h.adapter.build_request(person, "kyc", reference="a"))
        assert caught.value.status == 404 and "Level 'no-such-level' is not found" in caught.value.message
        client = h.adapter.client(h.credentials)
        applicant = client.create_applicant("u")
        with pytest.raises(ProviderRejected) as empty:
            client.add_document(applicant["id"], SumsubDocument("PASSPORT", "USA", b""))
        assert empty.value.code == "1003"
        with pytest.raises(ProviderRejected, match="Not all required documents"):
            client.request_check(applicant["id"])


def test_params_sumsub_cannot_take_are_refused(person: NormalisedParams) -> None:
    from kycgate.gateway.providers import get_adapter

    adapter = get_adapter("sumsub")
    with pytest.raises(InvalidParams) as caught:
        adapter.validate(person._replace(document_type=None), "kyc")
    assert caught.value.field == "document_type"
    with pytest.raises(InvalidParams, match="company_name"):
        adapter.validate(person, "kyb")
    kyb = adapter.build_request(person._replace(company_name="Acme Ltd", company_country="GB"), "kyb", reference="k")
    assert kyb.applicant["type"] == "company"
    assert kyb.applicant["info"] == {"companyInfo": {"companyName": "Acme Ltd", "country": "GBR"}}


def test_forged_tampered_and_stale_webhooks_are_refused(person: NormalisedParams, receiver: Receiver) -> None:
    with running("sumsub", webhook_url=receiver.url) as h:
        applicant_id = h.adapter.submit(h.credentials, h.adapter.build_request(person, "kyc", reference="a")).identifier
        h.fake.review(applicant_id, "GREEN")
        genuine = receiver.last().webhook()
        assert h.adapter.verify_webhook(h.credentials, genuine).status == "accepted"

        cases = {
            "bad_signature": [
                genuine._replace(body=genuine.body.replace(b"GREEN", b"RED")),
                genuine._replace(headers={**genuine.headers, "x-payload-digest": "00" * 32}),
                genuine._replace(headers={**genuine.headers, "x-payload-digest-alg": "HMAC_SHA1_HEX"}),
            ],
            "missing_signature": [genuine._replace(headers={"x-payload-digest-alg": "HMAC_SHA256_HEX"})],
            "unknown_algorithm": [genuine._replace(headers={**genuine.headers, "x-payload-digest-alg": "NONE"})],
        }
        for reason, webhooks in cases.items():
            for webhook in webhooks:
                with pytest.raises(InvalidWebhook) as caught:
                    h.adapter.verify_webhook(h.credentials, webhook)
                assert caught.value.reason == reason
        with pytest.raises(InvalidWebhook, match="bad_signature"):
            h.adapter.verify_webhook(h.credentials_with(webhook_secret="another-secret"), genuine)

        h.fake.review(applicant_id, "GREEN", created_at_ms="2020-02-21 13:23:19.321")
        stale = receiver.last().webhook()
        with pytest.raises(InvalidWebhook) as caught:
            h.adapter.verify_webhook(h.credentials, stale)
        assert caught.value.reason == "stale"
        now = time.strftime("%Y-%m-%d %H:%M:%S.000", time.gmtime())
        redated = stale.body.replace(b"2020-02-21 13:23:19.321", now.encode())
        with pytest.raises(InvalidWebhook, match="bad_signature"):
            h.adapter.verify_webhook(h.credentials, stale._replace(body=redated))


@pytest.mark.parametrize("alg", ["HMAC_SHA1_HEX", "HMAC_SHA256_HEX", "HMAC_SHA512_HEX"])
def test_each_digest_algorithm_sumsub_offers_is_verified(
    person: NormalisedParams, receiver: Receiver, alg: str
) -> None:
    with running("sumsub", webhook_url=receiver.url, digest_alg=alg) as h:
        applicant_id = h.adapter.submit(h.credentials, h.adapter.build_request(person, "kyc", reference="a")).identifier
        h.fake.review(applicant_id, "RED", reject_type="FINAL")
        webhook = receiver.last().webhook()
        assert webhook.headers["x-payload-digest-alg"] == alg
        assert h.adapter.verify_webhook(h.credentials, webhook).status == "rejected"
        assert json.loads(webhook.body)["reviewResult"]["reviewRejectType"] == "FINAL"
