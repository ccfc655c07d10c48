"""Vouched (vouched.id): ID + selfie verification through its REST jobs API.

Sources: Vouched's REST client and its tests (github.com/vouched/vouched-rest-nodejs:
``src/client.js``, ``src/client.test.js``; base ``https://verify.vouched.id/api``), the webhook and
jobs pages of docs.vouched.id (``/docs/webhooks``, ``/docs/jobs``), and the Vouched job that
seed 003 shows as ``provider_representation``.

- Auth: header ``X-API-Key: <private key>``. A bad key answers ``{"errors": [{"type":
  "AuthenticationError", "message": "Unauthorized access"}]}``; every error has that shape, which
  ``ProviderRejected.message`` carries (``type: message``).
- Submit: ``POST /api/jobs`` ``{"type": "id-verification", "callbackURL", "properties": [{name,
  value}], "params": {firstName, lastName, dob (MM/DD/YYYY), email, phone, idPhoto, idPhotoBack,
  userPhoto (base64)}}``. With a ``callbackURL`` Vouched processes the job asynchronously and
  answers ``status: active``; without, it answers the completed job. kycgate's application id goes
  in ``properties`` (``kycgate_application_id``) so a duplicate from a retried create is traceable
  (Vouched has no idempotency key). ``passthrough`` keys are merged into ``params``.
- Fetch: ``GET /api/jobs?id=<job id>`` (a page: ``{total, page, pageSize, items: [job]}``).
- Webhook: Vouched POSTs the job (the submit response model) to ``callbackURL`` with
  ``X-Signature: base64(HMAC-SHA1(body))`` keyed with the signature key when the account has one,
  else the private key. ``X-WebHook-Event`` names the event (``job-idv-complete`` ...).

Status mapping (a job's ``status``, ``result`` and ``errors``; first match wins):

- ``active`` / ``pending`` (processing) -> review
- ``removed`` (deleted by the account admin), ``failed`` -> failed
- ``completed`` and reviewed in the dashboard: ``reviewSuccess`` true -> accepted, false -> rejected
- ``completed`` with ``result.success`` -> accepted
- ``completed`` with a system error (``SYSTEM``: InvalidRequestError, UnknownSystemError ...) -> failed
- ``completed`` with FaceMatchError or BlacklistedDocument (``DEFINITIVE``) and no photo-quality
  error -> rejected
- ``completed`` with any other error, e.g. one the applicant can fix (``USER_FIXABLE``: photo quality
  such as InvalidIdPhotoError, InvalidUserPhotoError, GlareIdPhotoError; ExpiredIdError; typed data
  not matching the ID: NameMatchError, BirthDateMatchError) -> remediate
- ``completed``, not successful, no error named -> rejected

A photo-quality error outranks a face mismatch: when the selfie itself was unusable, "faces do
not match" says nothing about the person, and a retake may pass.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from collections.abc import Mapping
from typing import Any, NamedTuple
from urllib.parse import quote

from kycgate.gateway.providers import signing
from kycgate.gateway.providers.base import (
    InboundWebhook,
    InvalidParams,
    InvalidWebhook,
    KycType,
    Mapped,
    ProviderAdapter,
    ProviderRejected,
    ProviderSnapshot,
    Secret,
    WebhookEvent,
    base_url,
    optional_secret,
    require_secret,
)
from kycgate.gateway.providers.http import JSON_HEADERS, ProviderHttp, ProviderResponse, json_body
from kycgate.gateway.providers.params import NormalisedParams

NAME = "vouched"
DEFAULT_BASE_URL = "https://verify.vouched.id"
REFERENCE_PROPERTY = "kycgate_application_id"

USER_FIXABLE = frozenset(
    {
        "InvalidIdPhotoError",
        "InvalidUserPhotoError",
        "InvalidIdBackPhotoError",
        "BlurryIdPhotoError",
        "GlareIdPhotoError",
        "UnreadableIdError",
        "UnsupportedIdPhotoError",
        "MissingIdFieldsError",
        "IdPhotoForHeadshot",
        "IdOutOfFocus",
        "DarkIdPhoto",
        "OverExposedIdPhoto",
        "ExpiredIdError",
        "NameMatchError",
        "BirthDateMatchError",
    }
)
PHOTO_QUALITY = USER_FIXABLE - {"ExpiredIdError", "NameMatchError", "BirthDateMatchError"}
DEFINITIVE = frozenset({"FaceMatchError", "BlacklistedDocument"})
SYSTEM = frozenset({"InvalidRequestError", "UnknownSystemError", "ConnectionError", "AuthenticationError"})
# Image fields Vouched echoes in ``request.parameters``: blanked before storing, as seed 003 shows.
_PHOTO_PARAMETERS = ("idPhoto", "idPhotoBack", "userPhoto", "carInsurancePhoto", "dotPhoto", "twicPhoto")


class VouchedCredentials(NamedTuple):
    api_key: Secret  # the account's private key
    signature_key: Secret | None = None  # signs webhooks when the account has one
    base_url: str = DEFAULT_BASE_URL


class VouchedAdapter(ProviderAdapter[VouchedCredentials]):
    name = NAME

    def __init__(self, http: ProviderHttp) -> None:
        self.http = http

    def credentials(self, values: Mapping[str, Any]) -> VouchedCredentials:
        return VouchedCredentials(
            api_key=require_secret(NAME, values, "api_key"),
            signature_key=optional_secret(values, "signature_key"),
            base_url=base_url(NAME, values, DEFAULT_BASE_URL),
        )

    def build_request(
        self, params: NormalisedParams, kyc_type: KycType, *, reference: str, callback_url: str | None = None
    ) -> dict[str, Any]:
        self.check_type(kyc_type)
        if params.id_photo is None:
            raise InvalidParams("id_photo", "Vouched verifies an ID photo; id_photo is required")
        job_params: dict[str, Any] = dict(params.passthrough)
        fields = {
            "firstName": params.first_name,
            "lastName": params.last_name,
            "dob": params.date_of_birth.strftime("%m/%d/%Y") if params.date_of_birth else None,
            "email": params.email,
            "phone": params.phone,
            "idPhoto": _b64(params.id_photo),
            "idPhotoBack": _b64(params.id_photo_back),
            "userPhoto": _b64(params.selfie),
        }
        job_params.update({k: v for k, v in fields.items() if v is not None})
        body: dict[str, Any] = {
            "type": "id-verification",
            "params": job_params,
            "properties": [{"name": REFERENCE_PROPERTY, "value": reference}],
        }
        if callback_url:
            body["callbackURL"] = callback_url
        return body

    def submit(self, credentials: VouchedCredentials, request: Mapping[str, Any]) -> ProviderSnapshot:
        response = self.http.request(
            "POST",
            f"{credentials.base_url}/api/jobs",
            headers=_headers(credentials),
            body=json_body(request),
            errors=_errors,
        )
        return self._snapshot(response.json())

    def fetch(self, credentials: VouchedCredentials, identifier: str, kyc_type: KycType = "kyc") -> ProviderSnapshot:
        response = self.http.request(
            "GET",
            f"{credentials.base_url}/api/jobs?id={quote(identifier, safe='')}",
            headers=_headers(credentials),
            errors=_errors,
        )
        items = (response.json() or {}).get("items") or []
        job = next((item for item in items if item.get("id") == identifier), None)
        if job is None:
            raise ProviderRejected(NAME, f"no job {identifier}", status=404, code="NotFoundError")
        return self._snapshot(job)

    def map_status(self, representation: Mapping[str, Any]) -> Mapped:
        status = representation.get("status")
        if status in ("active", "pending"):
            return Mapped("review", "Vouched is processing the job")
        if status == "removed":
            return Mapped("failed", "the job was removed by the Vouched account admin")
        if status == "failed":
            return Mapped("failed", _messages(representation.get("errors")) or "the Vouched job failed")
        if status != "completed":
            return Mapped("review", f"Vouched job status {status!r}")
        review = representation.get("reviewSuccess")
        if review is True:
            return Mapped("accepted", "approved in a Vouched dashboard review")
        if review is False:
            return Mapped("rejected", "declined in a Vouched dashboard review")
        result = representation.get("result") or {}
        if result.get("success") is True:
            return Mapped("accepted", None)
        errors = [e for e in representation.get("errors") or [] if isinstance(e, Mapping)]
        types = {e.get("type") for e in errors}
        reason = _messages(errors)
        if types & SYSTEM:
            return Mapped("failed", reason)
        if types & DEFINITIVE and not types & PHOTO_QUALITY:
            return Mapped("rejected", reason)
        if types:
            return Mapped("remediate", reason)
        return Mapped("rejected", "Vouched did not verify the applicant")

    def identify(self, webhook: InboundWebhook) -> str | None:
        try:
            job = json.loads(webhook.body)
        except ValueError:
            return None
        identifier = job.get("id") if isinstance(job, dict) else None
        return identifier if isinstance(identifier, str) else None

    def verify_webhook(
        self, credentials: VouchedCredentials, webhook: InboundWebhook, *, now: float | None = None
    ) -> WebhookEvent:
        key = (credentials.signature_key or credentials.api_key).reveal()
        given = webhook.headers.get("x-signature")
        if not given:
            raise InvalidWebhook(NAME, "missing_signature", "X-Signature is missing")
        try:
            candidate = base64.b64decode(given.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise InvalidWebhook(NAME, "bad_signature", "X-Signature is not base64") from None
        if not hmac.compare_digest(candidate, signing.hmac_digest(key, webhook.body, "sha1")):
            raise InvalidWebhook(NAME, "bad_signature", "X-Signature does not match the body")
        try:
            job = json.loads(webhook.body)
        except ValueError:
            raise InvalidWebhook(NAME, "malformed", "the body is not JSON") from None
        if not isinstance(job, dict) or not isinstance(job.get("id"), str):
            raise InvalidWebhook(NAME, "malformed", "the body is not a Vouched job")
        occurred_at = signing.parse_time(job.get("updatedAt")) or signing.parse_time(job.get("submitted"))
        signing.check_fresh(NAME, occurred_at, now=now)
        job = _scrub(job)
        mapped = self.map_status(job)
        return WebhookEvent(
            identifier=job["id"],
            status=mapped.status,
            reason=mapped.reason,
            event_type=webhook.headers.get("x-webhook-event") or "job",
            event_id=signing.body_digest(webhook.body),
            occurred_at=occurred_at,
            representation=job,
        )

    def _snapshot(self, job: Any) -> ProviderSnapshot:
        if not isinstance(job, dict) or not isinstance(job.get("id"), str):
            raise ProviderRejected(NAME, "the answer is not a Vouched job", status=200, code="malformed")
        job = _scrub(job)
        mapped = self.map_status(job)
        return ProviderSnapshot(job["id"], mapped.status, mapped.reason, job)


def _headers(credentials: VouchedCredentials) -> dict[str, str]:
    return {**JSON_HEADERS, "X-API-Key": credentials.api_key.reveal()}


def _errors(response: ProviderResponse) -> tuple[str, str | None]:
    body = response.json()
    errors = body.get("errors") if isinstance(body, dict) else None
    if not errors:
        return "", None
    first = errors[0]
    return _messages(errors), first.get("type")


def _messages(errors: Any) -> str | None:
    if not errors:
        return None
    parts = []
    for error in errors:
        if isinstance(error, Mapping):
            message = error.get("message") or "no message"
            parts.append(f"{error.get('type') or 'Error'}: {message}")
    return "; ".join(parts) or None


def _scrub(job: dict[str, Any]) -> dict[str, Any]:
    parameters = (job.get("request") or {}).get("parameters")
    if not isinstance(parameters, dict) or not any(parameters.get(k) for k in _PHOTO_PARAMETERS):
        return job
    clean = {**job, "request": {**job["request"], "parameters": dict(parameters)}}
    for key in _PHOTO_PARAMETERS:
        if clean["request"]["parameters"].get(key):
            clean["request"]["parameters"][key] = ""
    return clean


def _b64(data: bytes | None) -> str | None:
    return base64.b64encode(data).decode() if data is not None else None
