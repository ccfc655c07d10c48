"""IdentityMind (Acuant Compliance, eDNA): consumer KYC and merchant KYB evaluations.

Sources: IdentityMind's eDNA API reference (its Slate source: github.com/slatedocs/slate,
``source/index.md`` for authentication, ``source/includes/_KYCconsumer.md`` and
``_KYCmerchant.md`` for the requests, responses and states) and the client the seed's own
gateway used (github.com/kthomas/identitymind-golang, ``kyc.go``: ``im/account/consumer``).

- Auth: HTTP basic auth over HTTPS with the merchant name and its license key.
- Submit: ``POST /im/account/consumer?graphScoreResponse=false`` (KYB: ``/im/account/merchant``)
  with eDNA's short keys (``man`` account name, ``tid`` transaction id, ``bfn``/``bln`` names,
  ``dob``, ``tea`` e-mail, ``phn``, ``bsn``/``bc``/``bs``/``bz``/``bco`` address, ``assn`` national id,
  ``scanData``/``backsideImageData``/``faceImageData`` base64 images; KYB ``amn``, ``ataxid``,
  ``aco`` ...). kycgate's application id is the ``tid``, so a retried create re-evaluates the same
  application instead of opening a second one. ``passthrough`` keys are merged into the body
  (``tid`` stays kycgate's). Errors are ``{"error_message": "..."}`` (seed 003 shows one: "No
  national id country specified, and invalid format for US Social Security Number").
- Fetch: ``GET /im/account/consumer/{tid}`` (``/im/account/merchant/{tid}``).
- Callbacks: eDNA's reference documents no signature for the notifications it sends when an
  application changes state. The compensating controls: the callback URL registered in eDNA
  carries a per-tenant secret (``?token=<callback_token>``, 32+ random bytes, compared in constant
  time; the logger redacts ``token=``), and the body is never trusted for the decision: the event
  asks for a fetch (``confirm_by_fetch``), so the state applied is the one eDNA returns to kycgate's
  own authenticated request. A forged callback with a leaked token can at most trigger that fetch.

Status mapping (``state``; ``frp``/``res`` give the reason):

| eDNA | kycgate |
|---|---|
| ``A`` accepted | accepted |
| ``D`` rejected (denied) | rejected |
| ``R`` under review | review |
| anything else | review |
"""

from __future__ import annotations

import base64
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
    ProviderNotConfigured,
    ProviderRejected,
    ProviderSnapshot,
    Secret,
    Status,
    WebhookEvent,
    base_url,
    optional_secret,
    require_secret,
)
from kycgate.gateway.providers.http import JSON_HEADERS, ProviderHttp, ProviderResponse, json_body
from kycgate.gateway.providers.params import NormalisedParams

NAME = "identitymind"
DEFAULT_BASE_URL = "https://edna.identitymind.com"
_STATES: dict[str, Status] = {"A": "accepted", "D": "rejected", "R": "review"}
_PATHS = {"kyc": "/im/account/consumer", "kyb": "/im/account/merchant"}


class IdentityMindCredentials(NamedTuple):
    username: str  # the eDNA merchant name
    api_key: Secret  # its license key
    callback_token: Secret | None = None
    profile: str | None = None  # the eDNA policy profile, if the merchant uses several
    base_url: str = DEFAULT_BASE_URL


class IdentityMindRequest(NamedTuple):
    kyc_type: KycType
    body: dict[str, Any]


class IdentityMindAdapter(ProviderAdapter[IdentityMindCredentials]):
    name = NAME
    kyc_types = frozenset({"kyc", "kyb"})

    def __init__(self, http: ProviderHttp) -> None:
        self.http = http

    def credentials(self, values: Mapping[str, Any]) -> IdentityMindCredentials:
        username = values.get("username")
        if not isinstance(username, str) or not username:
            raise ProviderNotConfigured(NAME, "credentials lack 'username'")
        return IdentityMindCredentials(
            username=username,
            api_key=require_secret(NAME, values, "api_key"),
            callback_token=optional_secret(values, "callback_token"),
            profile=values.get("profile") or None,
            base_url=base_url(NAME, values, DEFAULT_BASE_URL),
        )

    def build_request(
        self, params: NormalisedParams, kyc_type: KycType, *, reference: str, callback_url: str | None = None
    ) -> IdentityMindRequest:
        self.check_type(kyc_type)
        body: dict[str, Any] = dict(params.passthrough)
        address = params.address
        shared = {
            "tea": params.email,
            "phn": params.phone,
            "bsn": address.line1 if address else None,
            "bc": address.city if address else None,
            "bs": address.state if address else None,
            "bz": address.postal_code if address else None,
            "bco": (address.country if address else None) or params.country,
        }
        if kyc_type == "kyc":
            if not (params.first_name and params.last_name):
                raise InvalidParams(
                    "last_name" if params.first_name else "first_name", "eDNA needs first and last name"
                )
            fields = {
                "man": reference,
                "bfn": params.first_name,
                "bln": params.last_name,
                "dob": params.date_of_birth.isoformat() if params.date_of_birth else None,
                "assn": params.national_id,
                "scanData": _b64(params.id_photo),
                "backsideImageData": _b64(params.id_photo_back),
                "faceImageData": _b64(params.selfie),
                **shared,
            }
        else:
            if not params.company_name:
                raise InvalidParams("company_name", "an eDNA merchant application needs company_name")
            fields = {
                "man": reference,
                "amn": params.company_name,
                "ataxid": params.company_tax_id or params.company_registration_number,
                "aco": params.company_country or params.country,
                "afn": params.first_name,
                "aln": params.last_name,
                "asn": address.line1 if address else None,
                "ac": address.city if address else None,
                "as": address.state if address else None,
                "az": address.postal_code if address else None,
                "tea": params.email,
                "aph": params.phone,
            }
        body.update({k: v for k, v in fields.items() if v})
        body["tid"] = reference
        return IdentityMindRequest(kyc_type, body)

    def submit(self, credentials: IdentityMindCredentials, request: IdentityMindRequest) -> ProviderSnapshot:
        body = dict(request.body)
        if credentials.profile and "profile" not in body:
            body["profile"] = credentials.profile
        response = self.http.request(
            "POST",
            f"{credentials.base_url}{_PATHS[request.kyc_type]}?graphScoreResponse=false",
            headers=_headers(credentials),
            body=json_body(body),
            errors=_errors,
        )
        return self._snapshot(response.json(), fallback_id=str(body["tid"]))

    def fetch(
        self, credentials: IdentityMindCredentials, identifier: str, kyc_type: KycType = "kyc"
    ) -> ProviderSnapshot:
        response = self.http.request(
            "GET",
            f"{credentials.base_url}{_PATHS[kyc_type]}/{quote(identifier, safe='')}",
            headers=_headers(credentials),
            errors=_errors,
        )
        return self._snapshot(response.json(), fallback_id=identifier)

    def map_status(self, representation: Mapping[str, Any]) -> Mapped:
        state = representation.get("state")
        status: Status = _STATES.get(state, "review") if isinstance(state, str) else "review"
        rule = representation.get("frd") or representation.get("frn")
        result = representation.get("res") or representation.get("frp")
        reason = " - ".join(str(part) for part in (result, rule) if part) or None
        if status == "review" and state not in _STATES:
            reason = f"eDNA state {state!r}" + (f": {reason}" if reason else "")
        return Mapped(status, reason)

    def identify(self, webhook: InboundWebhook) -> str | None:
        try:
            event = json.loads(webhook.body)
        except ValueError:
            return None
        if not isinstance(event, dict):
            return None
        identifier = event.get("tid") or event.get("mtid")
        return identifier if isinstance(identifier, str) else None

    def verify_webhook(
        self, credentials: IdentityMindCredentials, webhook: InboundWebhook, *, now: float | None = None
    ) -> WebhookEvent:
        if credentials.callback_token is None:
            raise ProviderNotConfigured(NAME, "credentials lack 'callback_token'")
        given = webhook.query.get("token") or ""
        if not given:
            raise InvalidWebhook(NAME, "missing_signature", "the callback URL's token is missing")
        if not hmac.compare_digest(given.encode(), credentials.callback_token.reveal().encode()):
            raise InvalidWebhook(NAME, "bad_signature", "the callback URL's token is wrong")
        identifier = self.identify(webhook)
        if identifier is None:
            raise InvalidWebhook(NAME, "malformed", "the body names no eDNA transaction")
        return WebhookEvent(
            identifier=identifier,
            status=None,
            reason=None,
            event_type="state_change",
            event_id=signing.body_digest(webhook.body),
            occurred_at=None,
            representation=None,
            confirm_by_fetch=True,
        )

    def _snapshot(self, answer: Any, *, fallback_id: str) -> ProviderSnapshot:
        if not isinstance(answer, dict) or "state" not in answer:
            raise ProviderRejected(NAME, "the answer is not an eDNA application", status=200, code="malformed")
        identifier = answer.get("tid") or answer.get("mtid") or fallback_id
        mapped = self.map_status(answer)
        return ProviderSnapshot(str(identifier), mapped.status, mapped.reason, answer)


def _headers(credentials: IdentityMindCredentials) -> dict[str, str]:
    pair = f"{credentials.username}:{credentials.api_key.reveal()}".encode()
    return {**JSON_HEADERS, "Authorization": f"Basic {base64.b64encode(pair).decode()}"}


def _errors(response: ProviderResponse) -> tuple[str, str | None]:
    body = response.json()
    if isinstance(body, dict):
        return str(body.get("error_message") or body.get("message") or ""), None
    return "", None


def _b64(data: bytes | None) -> str | None:
    return base64.b64encode(data).decode() if data is not None else None
