"""The Onfido adapter against the local Onfido: applicant, documents, live photo, check, webhooks."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from PIL import Image

from kycgate.gateway.providers.base import InvalidParams, InvalidWebhook, ProviderRejected
from kycgate.gateway.providers.params import NormalisedParams
from tests.integration.gateway.provider_support import CREDENTIALS, Receiver, photo, running

WEBHOOK_TOKEN = CREDENTIALS["onfido"]["webhook_token"]


def _tiny_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, "PNG")
    return buffer.getvalue()


def test_submit_creates_the_applicant_uploads_and_starts_the_check(person: NormalisedParams) -> None:
    with running("onfido") as h:
        two_sided = person._replace(document_type="drivers_license", id_photo_back=photo("obama_3.jpg"))
        snapshot = h.adapter.submit(h.credentials, h.adapter.build_request(two_sided, "kyc", reference="app-5"))
        assert (snapshot.status, snapshot.reason) == ("review", "Onfido check in_progress")
        check = h.fake.checks[snapshot.identifier]
        assert check["tags"] == ["kycgate:app-5"]
        applicant = h.fake.applicants[check["applicant_id"]]
        assert (applicant["first_name"], applicant["last_name"], applicant["dob"]) == ("Barack", "Obama", "1961-08-04")
        documents = list(h.fake.documents.values())
        assert [(d["type"], d["side"], d["issuing_country"]) for d in documents] == [
            ("driving_licence", "front", "USA"),
            ("driving_licence", "back", "USA"),
        ]
        assert documents[0]["file_size"] == len(photo("obama_1.jpg"))
        assert len(h.fake.live_photos) == 1
        sent = json.loads(h.fake.calls_to("POST", "/v3.6/checks")[0].body)
        assert sent["report_names"] == ["document", "facial_similarity_photo"]
        assert sent["document_ids"] == [d["id"] for d in documents]


def test_check_completed_webhook_asks_for_a_fetch_which_decides(person: NormalisedParams, receiver: Receiver) -> None:
    with running("onfido") as h:
        h.fake.add_webhook(receiver.url, WEBHOOK_TOKEN)
        check_id = h.adapter.submit(h.credentials, h.adapter.build_request(person, "kyc", reference="a")).identifier
        assert h.fake.complete(check_id, "clear") == [200]
        webhook = receiver.last().webhook()
        event = h.adapter.verify_webhook(h.credentials, webhook)
        assert (event.identifier, event.event_type, event.status, event.confirm_by_fetch) == (
            check_id,
            "check.completed",
            None,
            True,
        )
        assert h.adapter.identify(webhook) == check_id
        fetched = h.adapter.fetch(h.credentials, check_id)
        assert (fetched.status, fetched.reason) == ("accepted", None)
        assert {r["name"] for r in fetched.representation["reports"]} == {"document", "facial_similarity_photo"}


@pytest.mark.parametrize(
    ("result", "sub_result", "status"),
    [
        ("clear", None, "accepted"),
        ("consider", "caution", "review"),
        ("consider", "suspected", "review"),
        ("consider", "rejected", "remediate"),
    ],
)
def test_results_map_to_statuses(person: NormalisedParams, result: str, sub_result: str | None, status: str) -> None:
    with running("onfido") as h:
        check_id = h.adapter.submit(h.credentials, h.adapter.build_request(person, "kyc", reference="a")).identifier
        h.fake.complete(check_id, result, sub_result=sub_result)
        fetched = h.adapter.fetch(h.credentials, check_id)
        assert fetched.status == status
        if result == "consider":
            assert fetched.reason == f"document: {sub_result}"


def test_check_states_without_a_result_map_by_status() -> None:
    from kycgate.gateway.providers import get_adapter

    adapter = get_adapter("onfido")
    assert adapter.map_status({"status": "awaiting_applicant"}).status == "submitted"
    assert adapter.map_status({"status": "withdrawn"}).status == "failed"
    assert adapter.map_status({"status": "paused"}).status == "review"


def test_onfido_validation_errors_are_permanent(person: NormalisedParams) -> None:
    with running("onfido") as h:
        tiny = person._replace(id_photo=_tiny_png())
        with pytest.raises(ProviderRejected) as caught:
            h.adapter.submit(h.credentials, h.adapter.build_request(tiny, "kyc", reference="a"))
        assert caught.value.status == 422 and caught.value.code == "validation_error"
        assert caught.value.message == (
            "HTTP 422: There was a validation error on this request (file: must be between 2KB and 3MB)"
        )
        assert len(h.fake.calls_to("POST", "/v3.6/documents")) == 1
        with pytest.raises(ProviderRejected, match="Authorization error: please re-check your credentials"):
            h.adapter.fetch(h.credentials_with(api_token="api_sandbox.wrong"), "x")
        with pytest.raises(ProviderRejected) as missing:
            h.adapter.fetch(h.credentials, "00000000-0000-0000-0000-000000000000")
        assert missing.value.status == 404 and missing.value.code == "resource_not_found"


def test_params_onfido_cannot_take_are_refused(person: NormalisedParams) -> None:
    from kycgate.gateway.providers import get_adapter

    adapter = get_adapter("onfido")
    for field in ("first_name", "id_photo", "document_type"):
        with pytest.raises(InvalidParams) as caught:
            adapter.validate(person._replace(**{field: None}), "kyc")
        assert caught.value.field == field


def test_forged_tampered_and_stale_webhooks_are_refused(person: NormalisedParams, receiver: Receiver) -> None:
    with running("onfido") as h:
        h.fake.add_webhook(receiver.url, WEBHOOK_TOKEN)
        check_id = h.adapter.submit(h.credentials, h.adapter.build_request(person, "kyc", reference="a")).identifier
        h.fake.complete(check_id)
        genuine = receiver.last().webhook()
        h.adapter.verify_webhook(h.credentials, genuine)
        for webhook, reason in (
            (genuine._replace(body=genuine.body.replace(b"check.completed", b"check.withdrawn")), "bad_signature"),
            (genuine._replace(headers={**genuine.headers, "x-sha2-signature": "ab" * 32}), "bad_signature"),
            (genuine._replace(headers={**genuine.headers, "x-sha2-signature": "not hex"}), "bad_signature"),
            (genuine._replace(headers={}), "missing_signature"),
        ):
            with pytest.raises(InvalidWebhook) as caught:
                h.adapter.verify_webhook(h.credentials, webhook)
            assert caught.value.reason == reason
        with pytest.raises(InvalidWebhook, match="bad_signature"):
            h.adapter.verify_webhook(h.credentials_with(webhook_token="someone-elses"), genuine)

        old = (dt.datetime.now(dt.UTC) - dt.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
        h.fake.complete(check_id, completed_at=old)
        with pytest.raises(InvalidWebhook) as caught:
            h.adapter.verify_webhook(h.credentials, receiver.last().webhook())
        assert caught.value.reason == "stale"


def test_webhooks_registered_through_the_api_are_signed_with_their_token(
    person: NormalisedParams, receiver: Receiver
) -> None:
    with running("onfido") as h:
        from kycgate.fakes.onfido import FakeOnfido

        assert isinstance(h.fake, FakeOnfido)
        registered = h.adapter.http.request(
            "POST",
            f"{h.credentials.base_url}/webhooks",
            headers={
                "Authorization": f"Token token={h.credentials.api_token.reveal()}",
                "Content-Type": "application/json",
            },
            body=json.dumps({"url": receiver.url, "events": ["check.completed"]}).encode(),
            errors=lambda r: ("", None),
        ).json()
        check_id = h.adapter.submit(h.credentials, h.adapter.build_request(person, "kyc", reference="a")).identifier
        h.fake.complete(check_id)
        keyed = h.credentials_with(webhook_token=registered["token"])
        assert h.adapter.verify_webhook(keyed, receiver.last().webhook()).identifier == check_id
