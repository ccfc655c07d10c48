"""The IdentityMind adapter against the local eDNA: evaluations, states, errors, unsigned callbacks."""

from __future__ import annotations

import base64
import json

import pytest

from kycgate.gateway.providers.base import InvalidParams, InvalidWebhook, ProviderRejected
from kycgate.gateway.providers.params import NormalisedParams
from tests.integration.gateway.provider_support import CREDENTIALS, Receiver, running

TOKEN = CREDENTIALS["identitymind"]["callback_token"]


def test_an_evaluation_under_review_is_decided_by_a_callback_confirmed_by_fetch(
    person: NormalisedParams, receiver: Receiver
) -> None:
    with running("identitymind", callback_url=f"{receiver.url}?token={TOKEN}") as h:
        snapshot = h.adapter.submit(h.credentials, h.adapter.build_request(person, "kyc", reference="app-3"))
        assert snapshot.identifier == "app-3"  # kycgate's reference is eDNA's tid
        assert (snapshot.status, snapshot.reason) == (
            "review",
            "MANUAL_REVIEW - The application was sent for manual review.",
        )
        sent = json.loads(h.fake.calls_to("POST", "/im/account/consumer")[0].body)
        assert (sent["bfn"], sent["bln"], sent["dob"], sent["tea"], sent["bco"]) == (
            "Barack",
            "Obama",
            "1961-08-04",
            "barack@example.org",
            "US",
        )
        assert base64.b64decode(sent["scanData"]) == person.id_photo
        assert base64.b64decode(sent["faceImageData"]) == person.selfie
        assert h.fake.calls[0].headers["Authorization"].startswith("Basic ")

        assert h.fake.set_state("app-3", "A") == 200
        event = h.adapter.verify_webhook(h.credentials, receiver.last().webhook())
        # The callback is unsigned: its body decides nothing, the fetch does.
        assert (event.identifier, event.status, event.confirm_by_fetch) == ("app-3", None, True)
        assert h.adapter.fetch(h.credentials, event.identifier).status == "accepted"
        h.fake.set_state("app-3", "D")
        assert h.adapter.fetch(h.credentials, "app-3").status == "rejected"


def test_a_retried_submit_re_evaluates_the_same_application(person: NormalisedParams) -> None:
    with running("identitymind") as h:
        request = h.adapter.build_request(person, "kyc", reference="app-3")
        first = h.adapter.submit(h.credentials, request)
        h.fake.set_state("app-3", "A", webhook=False)
        again = h.adapter.submit(h.credentials, request)
        assert first.identifier == again.identifier == "app-3" and again.status == "accepted"
        assert list(h.fake.applications) == ["app-3"]


def test_the_seeds_failure_message_reaches_the_application(person: NormalisedParams) -> None:
    with running("identitymind") as h:
        bad = person._replace(national_id="12-34", country=None)
        with pytest.raises(ProviderRejected) as caught:
            h.adapter.submit(h.credentials, h.adapter.build_request(bad, "kyc", reference="app-4"))
        # Seed 003's identitymind application: status failed, this description.
        assert caught.value.description == (
            "identitymind: HTTP 400: No national id country specified, and invalid format for US Social Security Number"
        )
        assert len(h.fake.calls) == 1
        with pytest.raises(ProviderRejected, match="Authentication failed"):
            h.adapter.fetch(h.credentials_with(api_key="wrong"), "app-4")
        with pytest.raises(ProviderRejected) as missing:
            h.adapter.fetch(h.credentials, "never-submitted")
        assert missing.value.status == 404


def test_kyb_goes_to_the_merchant_endpoint(person: NormalisedParams) -> None:
    with running("identitymind", initial_state="A") as h:
        company = person._replace(company_name="Acme Ltd", company_tax_id="12-3456789")
        snapshot = h.adapter.submit(h.credentials, h.adapter.build_request(company, "kyb", reference="kyb-1"))
        assert snapshot.status == "accepted"
        sent = json.loads(h.fake.calls_to("POST", "/im/account/merchant")[0].body)
        assert (sent["amn"], sent["ataxid"], sent["tid"]) == ("Acme Ltd", "12-3456789", "kyb-1")
        assert h.adapter.fetch(h.credentials, "kyb-1", kyc_type="kyb").status == "accepted"
        with pytest.raises(ProviderRejected):
            h.adapter.fetch(h.credentials, "kyb-1")  # not a consumer application
        with pytest.raises(InvalidParams, match="company_name"):
            h.adapter.validate(person, "kyb")


def test_callbacks_without_the_tenants_token_are_refused(person: NormalisedParams, receiver: Receiver) -> None:
    with running("identitymind", callback_url=f"{receiver.url}?token={TOKEN}") as h:
        h.adapter.submit(h.credentials, h.adapter.build_request(person, "kyc", reference="app-3"))
        h.fake.set_state("app-3", "A")
        genuine = receiver.last().webhook()
        assert h.adapter.verify_webhook(h.credentials, genuine).identifier == "app-3"
        for query, reason in (
            ({}, "missing_signature"),
            ({"token": "guess"}, "bad_signature"),
            ({"token": TOKEN[:-1]}, "bad_signature"),
        ):
            with pytest.raises(InvalidWebhook) as caught:
                h.adapter.verify_webhook(h.credentials, genuine._replace(query=query))
            assert caught.value.reason == reason
        with pytest.raises(InvalidWebhook, match="malformed"):
            h.adapter.verify_webhook(h.credentials, genuine._replace(body=b"{}"))
        # Even with the token, a forged body only asks for the fetch, which answers eDNA's own state.
        forged = genuine._replace(body=json.dumps({"tid": "app-3", "state": "A"}).encode())
        h.fake.set_state("app-3", "D", webhook=False)
        event = h.adapter.verify_webhook(h.credentials, forged)
        assert event.status is None and h.adapter.fetch(h.credentials, event.identifier).status == "rejected"
