"""The Vouched adapter against the local Vouched: jobs, status mapping, errors, signed webhooks."""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path

import pytest

from kycgate.gateway.providers.base import InboundWebhook, InvalidParams, InvalidWebhook, ProviderRejected
from kycgate.gateway.providers.params import NormalisedParams
from kycgate.gateway.providers.vouched import REFERENCE_PROPERTY
from tests.integration.gateway.provider_support import Receiver, running

SEED_JOB = Path(__file__).resolve().parents[2] / "fixtures" / "gateway" / "vouched_job_seed003.json"


def test_a_job_without_callback_completes_at_once_and_is_fetched(person: NormalisedParams) -> None:
    with running("vouched") as h:
        request = h.adapter.build_request(person, "kyc", reference="app-42")
        snapshot = h.adapter.submit(h.credentials, request)
        assert (snapshot.status, snapshot.reason) == ("accepted", None)
        job = h.fake.jobs[snapshot.identifier]
        sent = json.loads(h.fake.calls_to("POST", "/api/jobs")[0].body)
        # The photos went as base64 of the real bytes, the reference in properties, dob in Vouched's format.
        assert base64.b64decode(sent["params"]["idPhoto"]) == person.id_photo
        assert base64.b64decode(sent["params"]["userPhoto"]) == person.selfie
        assert sent["params"]["dob"] == "08/04/1961"
        assert sent["properties"] == [{"name": REFERENCE_PROPERTY, "value": "app-42"}]
        # Stored without images, as seed 003 shows a job.
        assert snapshot.representation["request"]["parameters"]["idPhoto"] == ""
        assert snapshot.representation["result"] == job["result"]
        fetched = h.adapter.fetch(h.credentials, snapshot.identifier)
        assert fetched.identifier == snapshot.identifier and fetched.status == "accepted"
        assert fetched.representation == snapshot.representation


def test_an_async_job_is_in_review_then_its_signed_webhook_decides(
    person: NormalisedParams, receiver: Receiver
) -> None:
    with running("vouched") as h:
        request = h.adapter.build_request(person, "kyc", reference="app-1", callback_url=receiver.url)
        snapshot = h.adapter.submit(h.credentials, request)
        assert snapshot.status == "review"
        assert h.fake.complete(snapshot.identifier, ["InvalidUserPhotoError", "FaceMatchError"]) == 200
        event = h.adapter.verify_webhook(h.credentials, receiver.last().webhook())
        assert event.identifier == snapshot.identifier == h.adapter.identify(receiver.last().webhook())
        assert event.status == "remediate"
        assert "Invalid or unsupported selfie" in event.reason and "do not match" in event.reason
        assert event.event_type == "job-idv-complete" and not event.confirm_by_fetch
        assert h.adapter.fetch(h.credentials, snapshot.identifier).status == "remediate"


@pytest.mark.parametrize(
    ("errors", "review_success", "status"),
    [
        ((), None, "accepted"),
        (("FaceMatchError",), None, "rejected"),
        (("BlacklistedDocument",), None, "rejected"),
        (("InvalidIdPhotoError",), None, "remediate"),
        (("NameMatchError", "BirthDateMatchError"), None, "remediate"),
        (("ExpiredIdError",), None, "remediate"),
        (("FaceMatchError", "InvalidUserPhotoError"), None, "remediate"),
        (("UnknownSystemError",), None, "failed"),
        (("FaceMatchError",), True, "accepted"),
        ((), False, "rejected"),
    ],
)
def test_status_mapping_across_vouched_outcomes(
    person: NormalisedParams, receiver: Receiver, errors: tuple[str, ...], review_success: bool | None, status: str
) -> None:
    with running("vouched") as h:
        request = h.adapter.build_request(person, "kyc", reference="app-1", callback_url=receiver.url)
        job_id = h.adapter.submit(h.credentials, request).identifier
        h.fake.complete(job_id, errors, review_success=review_success)
        assert h.adapter.verify_webhook(h.credentials, receiver.last().webhook()).status == status
        assert h.adapter.fetch(h.credentials, job_id).status == status


def test_the_seed_job_maps_to_remediate() -> None:
    from kycgate.gateway.providers import get_adapter

    job = json.loads(SEED_JOB.read_text())
    mapped = get_adapter("vouched").map_status(job)
    # Its selfie and ID photo were unusable: the face mismatch says nothing until they are retaken.
    assert mapped.status == "remediate"
    assert mapped.reason.startswith("InvalidIdPhotoError: Invalid or unsupported id")
    assert get_adapter("vouched").map_status({**job, "status": "active"}).status == "review"
    assert get_adapter("vouched").map_status({**job, "status": "removed"}).status == "failed"


def test_vouched_errors_reach_the_caller_unretried(person: NormalisedParams) -> None:
    with running("vouched") as h:
        request = h.adapter.build_request(person, "kyc", reference="app-1")
        request["params"]["dob"] = "1961-08-04"
        with pytest.raises(ProviderRejected) as caught:
            h.adapter.submit(h.credentials, request)
        assert caught.value.status == 400 and caught.value.code == "InvalidRequestError"
        assert caught.value.description == "vouched: HTTP 400: InvalidRequestError: Invalid dob, expected MM/DD/YYYY"
        assert len(h.fake.calls) == 1
        with pytest.raises(ProviderRejected, match="no job nope") as missing:
            h.adapter.fetch(h.credentials, "nope")
        assert missing.value.status == 404
        with pytest.raises(ProviderRejected, match="AuthenticationError: Unauthorized access"):
            h.adapter.fetch(h.credentials_with(api_key="wrong"), "nope")


def test_params_vouched_cannot_take_are_refused_before_any_call(person: NormalisedParams) -> None:
    with running("vouched") as h:
        with pytest.raises(InvalidParams) as caught:
            h.adapter.validate(person._replace(id_photo=None), "kyc")
        assert caught.value.field == "id_photo"
        with pytest.raises(InvalidParams, match="takes kyc applications, not kyb"):
            h.adapter.validate(person, "kyb")
        assert h.fake.calls == []


def _signed(h, receiver: Receiver, person: NormalisedParams, **complete: object) -> InboundWebhook:
    request = h.adapter.build_request(person, "kyc", reference="app-1", callback_url=receiver.url)
    job_id = h.adapter.submit(h.credentials, request).identifier
    h.fake.complete(job_id, **complete)
    return receiver.last().webhook()


def test_forged_and_tampered_webhooks_are_refused(person: NormalisedParams, receiver: Receiver) -> None:
    with running("vouched") as h:
        genuine = _signed(h, receiver, person)
        assert h.adapter.verify_webhook(h.credentials, genuine).status == "accepted"

        forged = genuine._replace(headers={**genuine.headers, "x-signature": base64.b64encode(b"x" * 20).decode()})
        tampered = genuine._replace(body=genuine.body.replace(b'"success": true', b'"success": false'))
        unsigned = genuine._replace(headers={k: v for k, v in genuine.headers.items() if k != "x-signature"})
        garbage = genuine._replace(headers={**genuine.headers, "x-signature": "%%%"})
        for webhook, reason in (
            (forged, "bad_signature"),
            (tampered, "bad_signature"),
            (unsigned, "missing_signature"),
            (garbage, "bad_signature"),
        ):
            with pytest.raises(InvalidWebhook) as caught:
                h.adapter.verify_webhook(h.credentials, webhook)
            assert caught.value.reason == reason
        with pytest.raises(InvalidWebhook, match="bad_signature"):
            h.adapter.verify_webhook(h.credentials_with(api_key="another-account"), genuine)


def test_replayed_webhooks_outside_the_window_are_refused(person: NormalisedParams, receiver: Receiver) -> None:
    old = (dt.datetime.now(dt.UTC) - dt.timedelta(days=4)).isoformat(timespec="seconds")
    with running("vouched") as h:
        stale = _signed(h, receiver, person, updated_at=old)
        with pytest.raises(InvalidWebhook) as caught:
            h.adapter.verify_webhook(h.credentials, stale)
        assert caught.value.reason == "stale"
        # Moving the date into the window breaks the signature instead.
        job = json.loads(stale.body)
        fresh = json.dumps({**job, "updatedAt": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}).encode()
        with pytest.raises(InvalidWebhook) as caught:
            h.adapter.verify_webhook(h.credentials, stale._replace(body=fresh))
        assert caught.value.reason == "bad_signature"


def test_an_account_with_a_signature_key_signs_with_it(person: NormalisedParams, receiver: Receiver) -> None:
    with running("vouched", signature_key="VOUCHED-signature-K3Y") as h:
        webhook = _signed(h, receiver, person)
        with pytest.raises(InvalidWebhook):
            h.adapter.verify_webhook(h.credentials, webhook)
        keyed = h.credentials_with(signature_key="VOUCHED-signature-K3Y")
        assert h.adapter.verify_webhook(keyed, webhook).status == "accepted"
