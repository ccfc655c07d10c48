"""Onfido: applicants, documents, live photos and checks (API v3.6).

Sources: Onfido's OpenAPI specification (github.com/onfido/onfido-openapi-spec: ``paths/applicants.yaml``,
``paths/documents.yaml``, ``paths/live_photos.yaml``, ``paths/checks.yaml``, ``paths/reports.yaml``,
``schemas/checks/definitions.yaml``, ``schemas/reports/definitions.yaml``,
``schemas/webhooks/webhook_event.yaml``, ``responses/default_error.yaml``) and its official Python
library (github.com/onfido/onfido-python: ``onfido/configuration.py`` for the regional hosts
``https://api.{eu,us,ca}.onfido.com/v3.6``, ``onfido/webhook_event_verifier.py``).

- Auth: ``Authorization: Token token=<API token>``. Errors are ``{"error": {"type", "message",
  "fields"}}`` (``authorization_error`` for a bad token, ``validation_error`` with per-field messages
  for bad input); ``ProviderRejected.message`` carries the message and the fields.
- Submit: ``POST /applicants`` (JSON; first_name and last_name required), ``POST /documents``
  (multipart: applicant_id, type, side, issuing_country, file) per side, ``POST /live_photos``
  (multipart: applicant_id, file) for the selfie, then ``POST /checks`` with ``report_names``
  (``document`` and, with a selfie, ``facial_similarity_photo``; the credentials may name others),
  ``document_ids`` and ``tags`` (``kycgate:<application id>``: Onfido has no idempotency key, so a
  duplicate from a retried create is at least traceable). The identifier is the check id.
  ``passthrough`` keys are merged into the create-applicant body.
- Fetch: ``GET /checks/{id}`` and ``GET /reports?check_id={id}``; the representation is the check
  with its ``reports``.
- Webhook: ``X-SHA2-Signature`` is the hex HMAC-SHA256 of the raw body keyed with the webhook's
  token. The event (``payload.resource_type``, ``action``, ``object.id/status/completed_at_iso8601``)
  does not carry the check's result, so a ``check.completed`` event asks for a fetch
  (``confirm_by_fetch``).

Status mapping (check ``status`` and ``result``, report ``sub_result``):

| Onfido | kycgate |
|---|---|
| ``in_progress``, ``paused``, ``reopened`` | review |
| ``awaiting_applicant`` (the applicant form is open) | submitted |
| ``complete`` + ``clear`` | accepted |
| ``complete`` + ``consider``, a document report ``rejected`` (unreadable image, unsupported document) | remediate |
| ``complete`` + ``consider`` otherwise (needs a human decision) | review |
| ``withdrawn`` | failed |
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, NamedTuple
from urllib.parse import quote, urlencode

from urllib3 import encode_multipart_formdata

from kycgate.gateway.providers import signing
from kycgate.gateway.providers.base import (
    InboundWebhook,
    InvalidParams,
    InvalidWebhook,
    KycType,
    Mapped,
    ProviderAdapter,
    ProviderNotConfigured,
    ProviderRejected,
    ProviderSnapshot,
    Secret,
    WebhookEvent,
    base_url,
    optional_secret,
    require_secret,
)
from kycgate.gateway.providers.http import JSON_HEADERS, ProviderHttp, ProviderResponse, json_body
from kycgate.gateway.providers.params import NormalisedParams, alpha3, image_type

NAME = "onfido"
REGIONS = ("eu", "us", "ca")
DOC_TYPES = {
    "passport": "passport",
    "drivers_license": "driving_licence",
    "id_card": "national_identity_card",
    "residence_permit": "residence_permit",
}


class OnfidoCredentials(NamedTuple):
    api_token: Secret
    webhook_token: Secret | None = None
    base_url: str = "https://api.eu.onfido.com/v3.6"
    report_names: tuple[str, ...] = ()  # empty: document (+ facial_similarity_photo with a selfie)


class OnfidoUpload(NamedTuple):
    kind: str  # "document" or "live_photo"
    content: bytes
    type: str | None = None
    side: str | None = None
    issuing_country: str | None = None


class OnfidoRequest(NamedTuple):
    applicant: dict[str, Any]
    uploads: tuple[OnfidoUpload, ...]
    report_names: tuple[str, ...]
    tags: tuple[str, ...]


class OnfidoAdapter(ProviderAdapter[OnfidoCredentials]):
    name = NAME

    def __init__(self, http: ProviderHttp) -> None:
        self.http = http

    def credentials(self, values: Mapping[str, Any]) -> OnfidoCredentials:
        region = str(values.get("region") or "eu")
        if region not in REGIONS:
            raise ValueError(f"region must be one of {', '.join(REGIONS)}")
        reports = values.get("report_names") or ()
        if isinstance(reports, str):
            reports = tuple(name.strip() for name in reports.split(",") if name.strip())
        return OnfidoCredentials(
            api_token=require_secret(NAME, values, "api_token"),
            webhook_token=optional_secret(values, "webhook_token"),
            base_url=base_url(NAME, values, f"https://api.{region}.onfido.com/v3.6"),
            report_names=tuple(reports),
        )

    def build_request(
        self, params: NormalisedParams, kyc_type: KycType, *, reference: str, callback_url: str | None = None
    ) -> OnfidoRequest:
        self.check_type(kyc_type)
        for field in ("first_name", "last_name"):
            if not getattr(params, field):
                raise InvalidParams(field, f"Onfido applicants need {field}")
        if params.id_photo is None:
            raise InvalidParams("id_photo", "an Onfido document report needs id_photo")
        if params.document_type is None:
            raise InvalidParams("document_type", f"Onfido needs the document type ({', '.join(DOC_TYPES)})")
        applicant: dict[str, Any] = dict(params.passthrough)
        fields = {
            "first_name": params.first_name,
            "last_name": params.last_name,
            "dob": params.date_of_birth.isoformat() if params.date_of_birth else None,
            "email": params.email,
            "phone_number": params.phone,
        }
        applicant.update({k: v for k, v in fields.items() if v})
        if params.address is not None:
            if not (params.address.postal_code and params.address.country):
                raise InvalidParams("address", "an Onfido address needs postal_code and country")
            address = {
                "line1": params.address.line1,
                "line2": params.address.line2,
                "town": params.address.city,
                "state": params.address.state,
                "postcode": params.address.postal_code,
                "country": alpha3(params.address.country),
            }
            applicant["address"] = {k: v for k, v in address.items() if v}
        doc_type = DOC_TYPES[params.document_type]
        country = alpha3(params.document_country or params.country)
        uploads = [OnfidoUpload("document", params.id_photo, doc_type, "front", country)]
        if params.id_photo_back is not None:
            uploads.append(OnfidoUpload("document", params.id_photo_back, doc_type, "back", country))
        reports = ["document"]
        if params.selfie is not None:
            uploads.append(OnfidoUpload("live_photo", params.selfie))
            reports.append("facial_similarity_photo")
        return OnfidoRequest(applicant, tuple(uploads), tuple(reports), (f"kycgate:{reference}",))

    def submit(self, credentials: OnfidoCredentials, request: OnfidoRequest) -> ProviderSnapshot:
        applicant = self._json(credentials, "POST", "/applicants", payload=request.applicant)
        applicant_id = applicant["id"]
        document_ids = []
        for upload in request.uploads:
            fields: list[tuple[str, Any]] = [("applicant_id", applicant_id)]
            if upload.kind == "document":
                fields += [("type", upload.type), ("side", upload.side)]
                if upload.issuing_country:
                    fields.append(("issuing_country", upload.issuing_country))
            mime, extension = image_type(upload.content)
            fields.append(("file", (f"{upload.kind}.{extension}", upload.content, mime)))
            body, content_type = encode_multipart_formdata(fields)
            path = "/documents" if upload.kind == "document" else "/live_photos"
            created = self._json(credentials, "POST", path, body=body, content_type=content_type)
            if upload.kind == "document":
                document_ids.append(created["id"])
        check = self._json(
            credentials,
            "POST",
            "/checks",
            payload={
                "applicant_id": applicant_id,
                "report_names": list(credentials.report_names or request.report_names),
                "document_ids": document_ids,
                "tags": list(request.tags),
            },
        )
        return self._snapshot({**check, "reports": []})

    def fetch(self, credentials: OnfidoCredentials, identifier: str, kyc_type: KycType = "kyc") -> ProviderSnapshot:
        check = self._json(credentials, "GET", f"/checks/{quote(identifier, safe='')}")
        reports = self._json(credentials, "GET", f"/reports?{urlencode({'check_id': identifier})}")
        return self._snapshot({**check, "reports": (reports or {}).get("reports") or []})

    def map_status(self, representation: Mapping[str, Any]) -> Mapped:
        status = representation.get("status")
        if status in ("in_progress", "paused", "reopened"):
            return Mapped("review", f"Onfido check {status}")
        if status == "awaiting_applicant":
            return Mapped("submitted", "Onfido is waiting for the applicant's data")
        if status == "withdrawn":
            return Mapped("failed", "the Onfido check was withdrawn")
        if status != "complete":
            return Mapped("review", f"Onfido check status {status!r}")
        result = representation.get("result")
        if result == "clear":
            return Mapped("accepted", None)
        reports = [r for r in representation.get("reports") or [] if isinstance(r, Mapping)]
        considered = [
            f"{r.get('name')}: {r.get('sub_result') or r.get('result')}" for r in reports if r.get("result") != "clear"
        ]
        reason = "; ".join(considered) or "Onfido's result is consider"
        if any(r.get("sub_result") == "rejected" for r in reports):
            return Mapped("remediate", reason)
        return Mapped("review", reason)

    def identify(self, webhook: InboundWebhook) -> str | None:
        payload = _payload(webhook.body)
        if payload is None or payload.get("resource_type") != "check":
            return None
        identifier = (payload.get("object") or {}).get("id")
        return identifier if isinstance(identifier, str) else None

    def verify_webhook(
        self, credentials: OnfidoCredentials, webhook: InboundWebhook, *, now: float | None = None
    ) -> WebhookEvent:
        if credentials.webhook_token is None:
            raise ProviderNotConfigured(NAME, "credentials lack 'webhook_token'")
        expected = signing.hmac_digest(credentials.webhook_token.reveal(), webhook.body, "sha256")
        signing.matches_hex(NAME, expected, webhook.headers.get("x-sha2-signature"))
        payload = _payload(webhook.body)
        if payload is None or not isinstance(payload.get("action"), str):
            raise InvalidWebhook(NAME, "malformed", "the body is not an Onfido event")
        obj = payload.get("object") if isinstance(payload.get("object"), Mapping) else {}
        occurred_at = signing.parse_time(obj.get("completed_at_iso8601"))
        signing.check_fresh(NAME, occurred_at, now=now)
        action = payload["action"]
        identifier = obj.get("id") if payload.get("resource_type") == "check" else None
        status: Any = None
        reason = None
        confirm = False
        if identifier is not None:
            if action == "check.completed":
                confirm = True  # the event has no result: fetch the check
            elif action in ("check.started", "check.reopened", "check.form_completed"):
                status, reason = "review", f"Onfido: {action}"
            elif action == "check.withdrawn":
                status, reason = "failed", "the Onfido check was withdrawn"
        return WebhookEvent(
            identifier=identifier if isinstance(identifier, str) else None,
            status=status,
            reason=reason,
            event_type=action,
            event_id=signing.body_digest(webhook.body),
            occurred_at=occurred_at,
            representation=None,
            confirm_by_fetch=confirm,
        )

    def _json(
        self,
        credentials: OnfidoCredentials,
        method: str,
        path: str,
        *,
        payload: Any = None,
        body: bytes | None = None,
        content_type: str | None = None,
    ) -> Any:
        headers = {"Accept": "application/json", "Authorization": f"Token token={credentials.api_token.reveal()}"}
        if payload is not None:
            headers.update(JSON_HEADERS)
            body = json_body(payload)
        elif content_type:
            headers["Content-Type"] = content_type
        response = self.http.request(
            method, f"{credentials.base_url}{path}", headers=headers, body=body, errors=_errors
        )
        return response.json()

    def _snapshot(self, check: Any) -> ProviderSnapshot:
        if not isinstance(check, dict) or not isinstance(check.get("id"), str):
            raise ProviderRejected(NAME, "the answer is not an Onfido check", status=200, code="malformed")
        mapped = self.map_status(check)
        return ProviderSnapshot(check["id"], mapped.status, mapped.reason, check)


def _payload(body: bytes) -> Mapping[str, Any] | None:
    try:
        event = json.loads(body)
    except ValueError:
        return None
    payload = event.get("payload") if isinstance(event, dict) else None
    return payload if isinstance(payload, Mapping) else None


def _errors(response: ProviderResponse) -> tuple[str, str | None]:
    body = response.json()
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return "", None
    message = str(error.get("message") or "")
    fields = error.get("fields")
    if isinstance(fields, dict) and fields:
        details = "; ".join(
            f"{name}: {', '.join(map(str, v)) if isinstance(v, list) else v}" for name, v in fields.items()
        )
        message = f"{message} ({details})"
    return message, error.get("type")
