"""Sumsub: applicants API with signed requests; a standalone client and the gateway adapter.

Sources: docs.sumsub.com (``/reference/authentication``, ``create-applicant``, ``add-id-documents``,
``request-applicant-check``, ``get-applicant-review-status``, ``generate-access-token`` (query and
body forms), ``generate-websdk-external-link``, ``review-api-health`` (error shape),
``error-codes-description``), Sumsub's examples (github.com/SumSubstance/AppTokenUsageExamples:
``Python/AppTokenPythonExample.py``) and its webhook receiver (github.com/SumSubstance/agent-skills:
``skills/sumsub-integrate-websdk/examples/webhook-verify.js``, ``.../webhook-schema.md``).

- Auth: every request carries ``X-App-Token``, ``X-App-Access-Ts`` (Unix seconds) and
  ``X-App-Access-Sig``: lower-case hex HMAC-SHA256, keyed with the secret key, of ``ts + METHOD +
  path?query + body bytes``. Each attempt is signed afresh (its own timestamp). A wrong signature
  answers 401 ``{"description": "Request signature mismatch", "code": 401, "correlationId",
  "errorCode": 4003, "errorName": "app-token-signature mismatch"}``; every error has that shape.
- Endpoints (``SumsubClient``): ``POST /resources/applicants?levelName=`` (create; a second create
  with the same ``externalUserId`` is a 409, which ``create_applicant`` turns into a read of the
  existing applicant, so a retried dispatch continues where it stopped), ``GET
  /resources/applicants/{id}/one`` and ``/-;externalUserId={id}/one``, ``POST
  /resources/applicants/{id}/info/idDoc`` (multipart ``metadata`` JSON + ``content`` file; a duplicate
  upload's 409 ``errorCode`` 1000 counts as done), ``POST /resources/applicants/{id}/status/pending``
  (request the check), ``GET /resources/applicants/{id}/status``, ``POST
  /resources/accessTokens?userId=&levelName=&ttlInSecs=`` (WebSDK access token, bound to that user:
  the levels context's ``sumsub_liveness_check_token``), and ``POST
  /resources/sdkIntegrations/levels/-/websdkLink`` (a WebSDK link: ``sumsub_liveness_check_url``).
- The adapter's ``reference`` is the applicant's ``externalUserId``; ``passthrough`` keys are merged
  into the create-applicant body (``externalUserId`` stays kycgate's). KYB creates a ``company``
  applicant with ``info.companyInfo``. A resubmission (same reference) after ``RED``/``RETRY``
  uploads the new images and requests a new check; while a check runs or after a final answer it
  only reads the applicant.
- Webhook: ``X-Payload-Digest`` is the hex HMAC of the raw body keyed with the webhook secret, the
  algorithm in ``X-Payload-Digest-Alg`` (``HMAC_SHA1_HEX``, ``HMAC_SHA256_HEX``, ``HMAC_SHA512_HEX``;
  the credentials' ``webhook_digest_alg`` when the header is absent). ``createdAtMs`` dates it.

Status mapping (``review.reviewStatus``, ``reviewResult.reviewAnswer``, ``reviewRejectType``):

| Sumsub | kycgate |
|---|---|
| ``init`` (documents still to come, e.g. the WebSDK liveness step) | submitted |
| ``pending``, ``queued``, ``prechecked`` | review |
| ``onHold`` (waiting for a compliance officer or for beneficiaries) | review |
| ``completed`` + ``GREEN`` | accepted |
| ``completed`` + ``RED`` + ``RETRY`` (the applicant may resubmit) | remediate |
| ``completed`` + ``RED`` + ``FINAL`` (or no reject type) | rejected |
| webhook ``applicantReset`` (asked to submit again) | remediate |
| webhook ``applicantDeleted`` | failed |

The reason is the moderation comment, else the reject labels.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Mapping
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

NAME = "sumsub"
DEFAULT_BASE_URL = "https://api.sumsub.com"
DEFAULT_LEVEL = "basic-kyc-level"
DIGEST_ALGORITHMS = {"HMAC_SHA1_HEX": "sha1", "HMAC_SHA256_HEX": "sha256", "HMAC_SHA512_HEX": "sha512"}
DOC_TYPES = {
    "passport": "PASSPORT",
    "drivers_license": "DRIVERS",
    "id_card": "ID_CARD",
    "residence_permit": "RESIDENCE_PERMIT",
}
DUPLICATE_DOCUMENT = "1000"
IN_CHECK = frozenset({"pending", "queued", "prechecked", "onHold"})


class SumsubCredentials(NamedTuple):
    app_token: Secret
    secret_key: Secret
    webhook_secret: Secret | None = None
    level_name: str = DEFAULT_LEVEL
    webhook_digest_alg: str = "HMAC_SHA256_HEX"
    base_url: str = DEFAULT_BASE_URL


def credentials_from(values: Mapping[str, Any]) -> SumsubCredentials:
    alg = str(values.get("webhook_digest_alg") or "HMAC_SHA256_HEX")
    if alg not in DIGEST_ALGORITHMS:
        raise ValueError(f"webhook_digest_alg must be one of {', '.join(DIGEST_ALGORITHMS)}")
    return SumsubCredentials(
        app_token=require_secret(NAME, values, "app_token"),
        secret_key=require_secret(NAME, values, "secret_key"),
        webhook_secret=optional_secret(values, "webhook_secret"),
        level_name=str(values.get("level_name") or DEFAULT_LEVEL),
        webhook_digest_alg=alg,
        base_url=base_url(NAME, values, DEFAULT_BASE_URL),
    )


def signature(secret_key: str, ts: str, method: str, target: str, body: bytes) -> str:
    """Sumsub's ``X-App-Access-Sig``: hex HMAC-SHA256 over ``ts + METHOD + path?query + body``."""
    message = ts.encode() + method.upper().encode() + target.encode() + body
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


class AccessToken(NamedTuple):
    token: str
    user_id: str
    ttl_seconds: int


class SumsubDocument(NamedTuple):
    id_doc_type: str  # PASSPORT, ID_CARD, DRIVERS, RESIDENCE_PERMIT, SELFIE
    country: str  # alpha-3
    content: bytes
    side: str | None = None  # FRONT_SIDE / BACK_SIDE


class SumsubRequest(NamedTuple):
    applicant: dict[str, Any]  # create-applicant body
    level_name: str | None  # None: the credentials' level
    documents: tuple[SumsubDocument, ...]


class SumsubClient:
    """Sumsub's applicants API for one tenant's credentials; usable on its own (the levels context)."""

    def __init__(
        self, credentials: SumsubCredentials, http: ProviderHttp, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.credentials = credentials
        self.http = http
        self._clock = clock

    def create_applicant(
        self, external_user_id: str, level_name: str | None = None, body: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """Create the applicant (or return the one that already has this ``externalUserId``)."""
        level = level_name or self.credentials.level_name
        payload = {**(body or {}), "externalUserId": external_user_id}
        try:
            return self._json("POST", f"/resources/applicants?{urlencode({'levelName': level})}", json_payload=payload)
        except ProviderRejected as exc:
            if exc.status == 409 and "already exists" in exc.message:
                return self.applicant_by_external_id(external_user_id)
            raise

    def applicant(self, applicant_id: str) -> dict[str, Any]:
        return self._json("GET", f"/resources/applicants/{quote(applicant_id, safe='')}/one")

    def applicant_by_external_id(self, external_user_id: str) -> dict[str, Any]:
        return self._json("GET", f"/resources/applicants/-;externalUserId={quote(external_user_id, safe='')}/one")

    def add_document(self, applicant_id: str, document: SumsubDocument) -> dict[str, Any] | None:
        """Upload one image; None when Sumsub already holds that exact file (a retried upload)."""
        metadata = {"idDocType": document.id_doc_type, "country": document.country}
        if document.side:
            metadata["idDocSubType"] = document.side
        mime, extension = image_type(document.content)
        body, content_type = encode_multipart_formdata(
            [
                ("metadata", json.dumps(metadata)),
                ("content", (f"{document.id_doc_type.lower()}.{extension}", document.content, mime)),
            ]
        )
        try:
            return self._json(
                "POST",
                f"/resources/applicants/{quote(applicant_id, safe='')}/info/idDoc",
                body=body,
                content_type=content_type,
            )
        except ProviderRejected as exc:
            if exc.status == 409 and exc.code == DUPLICATE_DOCUMENT:
                return None
            raise

    def request_check(self, applicant_id: str, reason: str | None = None) -> None:
        query = f"?{urlencode({'reason': reason})}" if reason else ""
        self._json("POST", f"/resources/applicants/{quote(applicant_id, safe='')}/status/pending{query}")

    def applicant_status(self, applicant_id: str) -> dict[str, Any]:
        return self._json("GET", f"/resources/applicants/{quote(applicant_id, safe='')}/status")

    def access_token(self, user_id: str, level_name: str | None = None, ttl_seconds: int = 600) -> AccessToken:
        """A WebSDK access token bound to ``user_id`` (the applicant's externalUserId)."""
        query = urlencode(
            {"userId": user_id, "levelName": level_name or self.credentials.level_name, "ttlInSecs": ttl_seconds}
        )
        answer = self._json("POST", f"/resources/accessTokens?{query}")
        return AccessToken(answer["token"], answer.get("userId", user_id), ttl_seconds)

    def websdk_link(self, user_id: str, level_name: str | None = None, ttl_seconds: int = 1800) -> str:
        """A WebSDK permalink for ``user_id`` (Sumsub hosts the page)."""
        payload = {"levelName": level_name or self.credentials.level_name, "userId": user_id, "ttlInSecs": ttl_seconds}
        return str(self._json("POST", "/resources/sdkIntegrations/levels/-/websdkLink", json_payload=payload)["url"])

    def _json(
        self,
        method: str,
        path: str,
        *,
        json_payload: Any = None,
        body: bytes | None = None,
        content_type: str | None = None,
    ) -> Any:
        headers = {"Accept": "application/json"}
        if json_payload is not None:
            body, headers = json_body(json_payload), dict(JSON_HEADERS)
        elif content_type:
            headers["Content-Type"] = content_type
        response = self.http.request(
            method,
            f"{self.credentials.base_url}{path}",
            headers=headers,
            body=body,
            sign=self._sign,
            errors=_errors,
        )
        return response.json()

    def _sign(self, method: str, target: str, body: bytes) -> dict[str, str]:
        ts = str(int(self._clock()))
        return {
            "X-App-Token": self.credentials.app_token.reveal(),
            "X-App-Access-Ts": ts,
            "X-App-Access-Sig": signature(self.credentials.secret_key.reveal(), ts, method, target, body),
        }


class SumsubAdapter(ProviderAdapter[SumsubCredentials]):
    name = NAME
    kyc_types = frozenset({"kyc", "kyb"})

    def __init__(self, http: ProviderHttp) -> None:
        self.http = http

    def credentials(self, values: Mapping[str, Any]) -> SumsubCredentials:
        return credentials_from(values)

    def client(self, credentials: SumsubCredentials) -> SumsubClient:
        return SumsubClient(credentials, self.http)

    def build_request(
        self, params: NormalisedParams, kyc_type: KycType, *, reference: str, callback_url: str | None = None
    ) -> SumsubRequest:
        self.check_type(kyc_type)
        applicant: dict[str, Any] = dict(params.passthrough)
        level_name = applicant.pop("levelName", None)
        # kycgate's reference wins over a passthrough one: it is how a retried create finds its applicant.
        applicant["externalUserId"] = reference
        if kyc_type == "kyb":
            if not params.company_name:
                raise InvalidParams("company_name", "a Sumsub company applicant needs company_name")
            company = {
                "companyName": params.company_name,
                "registrationNumber": params.company_registration_number,
                "country": alpha3(params.company_country or params.country),
                "taxId": params.company_tax_id,
            }
            applicant["type"] = "company"
            applicant["info"] = {"companyInfo": {k: v for k, v in company.items() if v}}
            return SumsubRequest(applicant, level_name, ())
        fixed = {
            "firstName": params.first_name,
            "lastName": params.last_name,
            "middleName": params.middle_name,
            "dob": params.date_of_birth.isoformat() if params.date_of_birth else None,
            "country": alpha3(params.country),
            "tin": params.national_id,
        }
        if params.address is not None:
            address = {
                "street": params.address.line1,
                "subStreet": params.address.line2,
                "town": params.address.city,
                "state": params.address.state,
                "postCode": params.address.postal_code,
                "country": alpha3(params.address.country),
            }
            fixed["addresses"] = [{k: v for k, v in address.items() if v}]
        fixed_info = {k: v for k, v in fixed.items() if v}
        if fixed_info:
            applicant["fixedInfo"] = {**applicant.get("fixedInfo", {}), **fixed_info}
        for key, value in (("email", params.email), ("phone", params.phone)):
            if value:
                applicant[key] = value
        return SumsubRequest(applicant, level_name, self._documents(params))

    @staticmethod
    def _documents(params: NormalisedParams) -> tuple[SumsubDocument, ...]:
        if params.id_photo is None and params.id_photo_back is not None:
            raise InvalidParams("id_photo", "id_photo_back needs id_photo")
        if params.id_photo is None:
            return ()
        country = alpha3(params.document_country or params.country)
        if country is None:
            raise InvalidParams("document_country", "Sumsub needs the issuing country of the document")
        if params.document_type is None:
            raise InvalidParams("document_type", f"Sumsub needs the document type ({', '.join(DOC_TYPES)})")
        doc_type = DOC_TYPES[params.document_type]
        two_sided = params.id_photo_back is not None
        documents = [SumsubDocument(doc_type, country, params.id_photo, "FRONT_SIDE" if two_sided else None)]
        if params.id_photo_back is not None:
            documents.append(SumsubDocument(doc_type, country, params.id_photo_back, "BACK_SIDE"))
        if params.selfie is not None:
            documents.append(SumsubDocument("SELFIE", country, params.selfie))
        return tuple(documents)

    def submit(self, credentials: SumsubCredentials, request: SumsubRequest) -> ProviderSnapshot:
        reference = request.applicant.get("externalUserId")
        if not isinstance(reference, str):
            raise ProviderNotConfigured(NAME, "the request lacks externalUserId")
        client = self.client(credentials)
        applicant = client.create_applicant(reference, request.level_name, request.applicant)
        applicant_id = applicant["id"]
        if request.documents and _takes_documents(applicant):
            for document in request.documents:
                client.add_document(applicant_id, document)
            try:
                client.request_check(applicant_id)
            except ProviderRejected as exc:
                # A retried dispatch whose first attempt already requested the check.
                if exc.status != 409 or _review_status(client.applicant(applicant_id)) not in IN_CHECK | {"completed"}:
                    raise
            applicant = client.applicant(applicant_id)
        return self._snapshot(applicant)

    def fetch(self, credentials: SumsubCredentials, identifier: str, kyc_type: KycType = "kyc") -> ProviderSnapshot:
        return self._snapshot(self.client(credentials).applicant(identifier))

    def map_status(self, representation: Mapping[str, Any]) -> Mapped:
        review = representation.get("review") if isinstance(representation.get("review"), Mapping) else None
        review = review or representation
        status = review.get("reviewStatus")
        result = review.get("reviewResult") or {}
        if status == "init" or status is None:
            return Mapped("submitted", "Sumsub is waiting for the applicant's documents")
        if status in ("pending", "queued", "prechecked"):
            return Mapped("review", f"Sumsub review status {status}")
        if status == "onHold":
            return Mapped("review", "on hold at Sumsub: waiting for a compliance officer's decision")
        if status != "completed":
            return Mapped("review", f"Sumsub review status {status!r}")
        answer = result.get("reviewAnswer")
        reason = _reason(result)
        if answer == "GREEN":
            return Mapped("accepted", reason)
        if answer == "RED":
            if result.get("reviewRejectType") == "RETRY":
                return Mapped("remediate", reason or "Sumsub asks the applicant to resubmit")
            return Mapped("rejected", reason or "rejected by Sumsub")
        return Mapped("review", "Sumsub completed the review without an answer")

    def identify(self, webhook: InboundWebhook) -> str | None:
        try:
            event = json.loads(webhook.body)
        except ValueError:
            return None
        identifier = event.get("applicantId") if isinstance(event, dict) else None
        return identifier if isinstance(identifier, str) else None

    def verify_webhook(
        self, credentials: SumsubCredentials, webhook: InboundWebhook, *, now: float | None = None
    ) -> WebhookEvent:
        if credentials.webhook_secret is None:
            raise ProviderNotConfigured(NAME, "credentials lack 'webhook_secret'")
        alg_name = webhook.headers.get("x-payload-digest-alg") or credentials.webhook_digest_alg
        algorithm = DIGEST_ALGORITHMS.get(alg_name)
        if algorithm is None:
            raise InvalidWebhook(NAME, "unknown_algorithm", f"X-Payload-Digest-Alg {alg_name[:40]!r} is not Sumsub's")
        expected = signing.hmac_digest(credentials.webhook_secret.reveal(), webhook.body, algorithm)
        signing.matches_hex(NAME, expected, webhook.headers.get("x-payload-digest"))
        try:
            event = json.loads(webhook.body)
        except ValueError:
            raise InvalidWebhook(NAME, "malformed", "the body is not JSON") from None
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            raise InvalidWebhook(NAME, "malformed", "the body is not a Sumsub event")
        occurred_at = signing.parse_time(event.get("createdAtMs")) or signing.parse_time(event.get("createdAt"))
        signing.check_fresh(NAME, occurred_at, now=now)
        event_type = event["type"]
        mapped = self._event_status(event_type, event)
        identifier = event.get("applicantId")
        return WebhookEvent(
            identifier=identifier if isinstance(identifier, str) else None,
            status=mapped.status if mapped else None,
            reason=mapped.reason if mapped else None,
            event_type=event_type,
            event_id=str(event.get("correlationId") or signing.body_digest(webhook.body)),
            occurred_at=occurred_at,
            representation=None,
        )

    def _event_status(self, event_type: str, event: Mapping[str, Any]) -> Mapped | None:
        if event_type == "applicantReviewed":
            return self.map_status({"reviewStatus": "completed", "reviewResult": event.get("reviewResult") or {}})
        if event_type in ("applicantPending", "applicantPrechecked"):
            return Mapped("review", f"Sumsub: {event_type}")
        if event_type == "applicantOnHold":
            return Mapped("review", "on hold at Sumsub: waiting for a compliance officer's decision")
        if event_type == "applicantCreated":
            return Mapped("submitted", "Sumsub is waiting for the applicant's documents")
        if event_type == "applicantReset":
            return Mapped("remediate", "Sumsub reset the applicant: documents must be submitted again")
        if event_type == "applicantDeleted":
            return Mapped("failed", "the applicant was deleted at Sumsub")
        return None

    def _snapshot(self, applicant: Any) -> ProviderSnapshot:
        if not isinstance(applicant, dict) or not isinstance(applicant.get("id"), str):
            raise ProviderRejected(NAME, "the answer is not a Sumsub applicant", status=200, code="malformed")
        mapped = self.map_status(applicant)
        return ProviderSnapshot(applicant["id"], mapped.status, mapped.reason, applicant)


def _takes_documents(applicant: Mapping[str, Any]) -> bool:
    """Whether a (re)submission uploads and requests a check: not while one runs, not after a final answer.

    A resubmission after ``RED``/``RETRY`` (remediate) uploads the new images (those Sumsub already
    holds are skipped as duplicates) and requests a new check.
    """
    status = _review_status(applicant)
    if status in IN_CHECK:
        return False
    if status == "completed":
        review = applicant.get("review") or {}
        result = review.get("reviewResult") or {}
        return result.get("reviewAnswer") == "RED" and result.get("reviewRejectType") == "RETRY"
    return True


def _review_status(applicant: Mapping[str, Any]) -> str | None:
    review = applicant.get("review")
    return review.get("reviewStatus") if isinstance(review, Mapping) else applicant.get("reviewStatus")


def _reason(result: Mapping[str, Any]) -> str | None:
    comment = result.get("moderationComment") or result.get("clientComment")
    if comment:
        return str(comment)
    labels = result.get("rejectLabels")
    return ", ".join(str(label) for label in labels) if labels else None


def _errors(response: ProviderResponse) -> tuple[str, str | None]:
    body = response.json()
    if not isinstance(body, dict):
        return "", None
    code = body.get("errorCode")
    message = str(body.get("description") or "")
    if body.get("errorName"):
        message = f"{message} ({body['errorName']})"
    return message, str(code) if code is not None else None
