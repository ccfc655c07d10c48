"""kycgate's own document + selfie pipeline as a provider: no network, no credentials.

This module is only the adapter's shape. The decision itself is a ``Pipeline``, a callable given the
decoded images (and the params), that the gateway wires to kycgate's face matcher
(``kycgate.faces.get_matcher().compare(document_front, selfie)``, whose ``FaceComparison`` gives
``matched``, ``in_review_band`` and ``decline_code``) when it builds the adapter:
``KycgateAdapter(pipeline=...)``. Without one, ``submit`` raises ``ProviderNotConfigured``.

The pipeline runs inside ``submit`` (the dispatch worker), so the answer is final at once:
``submit`` returns the verdict's status, ``fetch`` returns None (the stored representation is the
latest there is), and there are no inbound webhooks. The identifier is derived from kycgate's
application id, so a retried dispatch re-checks the same application rather than creating another.

Status mapping: whatever the pipeline decides, limited to the normalised statuses; a pipeline
raising ``ValueError`` (an image it cannot read) is a permanent failure with that message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from kycgate.gateway.providers.base import (
    STATUSES,
    InboundWebhook,
    InvalidParams,
    InvalidWebhook,
    KycType,
    Mapped,
    ProviderAdapter,
    ProviderNotConfigured,
    ProviderRejected,
    ProviderSnapshot,
    Status,
    WebhookEvent,
)
from kycgate.gateway.providers.params import NormalisedParams

NAME = "kycgate"


class KycgateCredentials(NamedTuple):
    """kycgate's own pipeline needs no credentials; the record keeps the interface uniform."""


class KycgateImages(NamedTuple):
    document_front: bytes
    document_back: bytes | None
    selfie: bytes


class Verdict(NamedTuple):
    status: Status
    reason: str | None = None
    # What the pipeline measured (similarity, decline code, ...): the provider representation.
    details: Mapping[str, Any] = {}


Pipeline = Callable[[KycgateImages, NormalisedParams], Verdict]


class KycgateRequest(NamedTuple):
    reference: str
    images: KycgateImages
    params: NormalisedParams


class KycgateAdapter(ProviderAdapter[KycgateCredentials]):
    name = NAME

    def __init__(self, pipeline: Pipeline | None = None) -> None:
        self.pipeline = pipeline

    def credentials(self, values: Mapping[str, Any]) -> KycgateCredentials:
        return KycgateCredentials()

    def build_request(
        self, params: NormalisedParams, kyc_type: KycType, *, reference: str, callback_url: str | None = None
    ) -> KycgateRequest:
        self.check_type(kyc_type)
        if params.id_photo is None:
            raise InvalidParams("id_photo", "kycgate compares the selfie with the document: id_photo is required")
        if params.selfie is None:
            raise InvalidParams("selfie", "kycgate compares the selfie with the document: selfie is required")
        images = KycgateImages(params.id_photo, params.id_photo_back, params.selfie)
        return KycgateRequest(reference, images, params)

    def submit(self, credentials: KycgateCredentials, request: KycgateRequest) -> ProviderSnapshot:
        if self.pipeline is None:
            raise ProviderNotConfigured(NAME, "no document pipeline is wired: build KycgateAdapter(pipeline=...)")
        try:
            verdict = self.pipeline(request.images, request.params)
        except ValueError as exc:
            raise ProviderRejected(NAME, str(exc) or "the images could not be read", status=422) from exc
        if verdict.status not in STATUSES:
            raise ValueError(f"the pipeline answered {verdict.status!r}, not a normalised status")
        identifier = f"kycgate-{request.reference}"
        representation = {
            "id": identifier,
            "status": verdict.status,
            "reason": verdict.reason,
            "checked_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            **dict(verdict.details),
        }
        return ProviderSnapshot(identifier, verdict.status, verdict.reason, representation)

    def fetch(self, credentials: KycgateCredentials, identifier: str, kyc_type: KycType = "kyc") -> None:
        return None

    def map_status(self, representation: Mapping[str, Any]) -> Mapped:
        status = representation.get("status")
        if status not in STATUSES:
            raise ValueError(f"not a kycgate representation (status {status!r})")
        return Mapped(status, representation.get("reason"))

    def identify(self, webhook: InboundWebhook) -> str | None:
        return None

    def verify_webhook(
        self, credentials: KycgateCredentials, webhook: InboundWebhook, *, now: float | None = None
    ) -> WebhookEvent:
        raise InvalidWebhook(NAME, "unsupported", "kycgate's own pipeline sends no webhooks")
