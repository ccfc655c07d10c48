"""kycgate's own pipeline as a provider: the adapter's shape and its seam (the pipeline callable)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kycgate.gateway.providers import get_adapter
from kycgate.gateway.providers.base import (
    InboundWebhook,
    InvalidParams,
    InvalidWebhook,
    ProviderNotConfigured,
    ProviderRejected,
)
from kycgate.gateway.providers.kycgate import KycgateImages, Verdict
from kycgate.gateway.providers.params import NormalisedParams

FACES = Path(__file__).resolve().parents[2] / "fixtures" / "faces"
DOCUMENT = (FACES / "obama_1.jpg").read_bytes()
SELFIE = (FACES / "obama_2.jpg").read_bytes()
PARAMS = NormalisedParams(first_name="Barack", id_photo=DOCUMENT, selfie=SELFIE)


def test_the_pipeline_gets_the_decoded_images_and_decides() -> None:
    seen: list[tuple[KycgateImages, NormalisedParams]] = []

    def pipeline(images: KycgateImages, params: NormalisedParams) -> Verdict:
        seen.append((images, params))
        return Verdict("accepted", None, {"similarity": 0.71})

    adapter = get_adapter("kycgate", pipeline=pipeline)
    credentials = adapter.credentials({})
    snapshot = adapter.submit(credentials, adapter.build_request(PARAMS, "kyc", reference="app-9"))
    assert seen == [(KycgateImages(DOCUMENT, None, SELFIE), PARAMS)]
    assert (snapshot.identifier, snapshot.status) == ("kycgate-app-9", "accepted")
    assert snapshot.representation["similarity"] == 0.71
    assert adapter.map_status(snapshot.representation) == ("accepted", None)
    # No remote copy: the stored representation is the latest there is.
    assert adapter.fetch(credentials, snapshot.identifier) is None


def test_without_a_pipeline_the_adapter_says_so() -> None:
    adapter = get_adapter("kycgate")
    with pytest.raises(ProviderNotConfigured, match="pipeline"):
        adapter.submit(adapter.credentials({}), adapter.build_request(PARAMS, "kyc", reference="a"))


def test_unreadable_images_are_a_permanent_failure() -> None:
    def pipeline(images: KycgateImages, params: NormalisedParams) -> Verdict:
        raise ValueError("the selfie is not an image")

    adapter = get_adapter("kycgate", pipeline=pipeline)
    with pytest.raises(ProviderRejected, match="the selfie is not an image") as caught:
        adapter.submit(adapter.credentials({}), adapter.build_request(PARAMS, "kyc", reference="a"))
    assert caught.value.status == 422 and not caught.value.retryable


def test_the_pipeline_may_only_answer_normalised_statuses() -> None:
    adapter = get_adapter("kycgate", pipeline=lambda images, params: Verdict("approved"))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not a normalised status"):
        adapter.submit(adapter.credentials({}), adapter.build_request(PARAMS, "kyc", reference="a"))


def test_both_photos_are_required_and_no_webhook_is_accepted() -> None:
    adapter = get_adapter("kycgate")
    for field in ("id_photo", "selfie"):
        with pytest.raises(InvalidParams) as caught:
            adapter.validate(PARAMS._replace(**{field: None}), "kyc")
        assert caught.value.field == field
    with pytest.raises(InvalidParams):
        adapter.validate(PARAMS, "kyb")
    with pytest.raises(InvalidWebhook, match="unsupported"):
        adapter.verify_webhook(adapter.credentials({}), InboundWebhook.of({}, b"{}"))
