"""Liveness checks of an application (seed 002: `sumsub_liveness_check_url` / `sumsub_liveness_check_token`):
one interface, two providers. No HTTP of its own, no boto3.

A check's value is *volatile*: a link or a token, issued when the application (or the attribute) is read,
valid for a while (`ttl_min`, `ttl_max`), renewed on request (`ttl_renew`), and empty when the caller asks
for `empty_volatile_fields`. A GET returns the current grant while it has at least `ttl_min` seconds left,
else issues one valid `ttl_max` seconds. Once the check is finished (approved, or no attempts left) its
value is the result, with the provider's diagnostics in `verification`, as the seed shows it.

- kycgate (``KycgateLiveness``): a capability token for kycgate's hosted selfie page
  (`/levels-liveness?token=`), bound to one tenant, application, client and attribute. The selfie is
  compared with the portrait of the application's document (levels.capture). Renewing replaces the token:
  the previous one stops working at once (its pointer no longer matches the check's grant).
- Sumsub (levels.sumsub_liveness): an applicant per client (`externalUserId` = client_uuid), an access token
  for the WebSDK or a WebSDK link; Sumsub's review is read back from the applicant's status.

The grant is kept with the application so that the tenant reads the same token again (tokens are
returned to the tenant's key, which may read the application anyway); kycgate's own token is looked up
by its SHA-256 only. Liveness writes do not bump the application's version, so issuing a token on a GET
never makes a concurrent PATCH fail.

DynamoDB per liveness attribute on a GET: 0 while the grant is good; 1 TransactWriteItems to issue one
(state + token pointer); Sumsub adds its HTTP calls.
"""

from __future__ import annotations

from typing import Any, NamedTuple, Protocol
from urllib.parse import urlencode

from kycgate.core import clock, ids
from kycgate.core.settings import get_settings
from kycgate.levels import store
from kycgate.levels.vocabulary import (
    EDITABLE_STATUSES,
    LIVENESS_URL_KEY,
    AttributeType,
    LivenessProviderName,
    LivenessStatus,
)

DEFAULT_MAX_ATTEMPTS = 3
# What a token's pointer is kept for after the token lapses: the page then says "expired", not "unknown".
TOKEN_RETENTION_SECONDS = 24 * 60 * 60
FINAL = frozenset({LivenessStatus.APPROVED, LivenessStatus.EXHAUSTED})
PAGE_PATH = "/levels-liveness"


class Ttl(NamedTuple):
    """The seed's `ttl_min`, `ttl_max`, `ttl_renew` (seconds)."""

    min_seconds: int = 600
    max_seconds: int = 3600
    renew: bool = False


class Subject(NamedTuple):
    """Whose check it is."""

    tenant_id: str
    application_uuid: str
    client_uuid: str
    attribute_key: str
    email: str | None
    phone: str | None
    public_base: str  # where this kycgate is reached (for the hosted page's link when BASE_URL_FRONTEND is unset)

    @property
    def as_url(self) -> bool:
        return self.attribute_key == LIVENESS_URL_KEY


class Issued(NamedTuple):
    value: str  # the token or the link
    expires_at: float
    state: dict[str, Any]  # fields the provider keeps in the check's state
    items: list[dict[str, Any]]  # TransactWriteItems the grant needs beside the state (kycgate: its pointer)


class Verdict(NamedTuple):
    status: LivenessStatus
    verification: dict[str, Any]  # {verificator: {verificator, status, client_note, checks}}
    client_note: str


class LivenessProvider(Protocol):
    name: str

    def issue(self, subject: Subject, attribute: dict[str, Any], state: dict[str, Any], ttl_seconds: int) -> Issued:
        """A new grant (token or link) valid ``ttl_seconds``."""
        ...

    def retire(self, state: dict[str, Any]) -> list[dict[str, Any]]:
        """TransactWriteItems that end the current grant when a new one replaces it."""
        ...

    def refresh(self, subject: Subject, attribute: dict[str, Any], state: dict[str, Any]) -> Verdict | None:
        """The provider's verdict when it has one that the state does not show yet; None otherwise."""
        ...


class AttributeView(NamedTuple):
    value: Any
    volatile: bool
    expires_at: str | None
    additional_info: dict[str, str] | None
    status: LivenessStatus
    verification: dict[str, Any] | None
    attempts_left: int


# ---------------------------------------------------------------- kycgate's own provider


class KycgateLiveness:
    """Tokens for kycgate's hosted selfie page; results are written by levels.capture."""

    name = LivenessProviderName.KYCGATE.value

    def issue(self, subject: Subject, attribute: dict[str, Any], state: dict[str, Any], ttl_seconds: int) -> Issued:
        token = ids.new_token()
        digest = ids.digest(token)
        grant_id = ids.new_id("grant")
        expires_at = clock.now() + ttl_seconds
        pointer = {
            "tenant_id": subject.tenant_id,
            "kyc_application_uuid": subject.application_uuid,
            "client_uuid": subject.client_uuid,
            "attribute_key": subject.attribute_key,
            "grant_id": grant_id,
            "token_expires_at": expires_at,
            "expires_at": expires_at + TOKEN_RETENTION_SECONDS,
        }
        value = page_link(token, subject.public_base) if subject.as_url else token
        kept = {"grant_id": grant_id, "value": value, "token_digest": digest, "token_expires_at": expires_at}
        return Issued(value, expires_at, kept, [store.liveness_token_put(digest, pointer)])

    def retire(self, state: dict[str, Any]) -> list[dict[str, Any]]:
        # The old pointer stays until its TTL: its grant_id no longer matches the state, so the token
        # already stops working (410 "replaced"), and the page can say so instead of "unknown link".
        return []

    def refresh(self, subject: Subject, attribute: dict[str, Any], state: dict[str, Any]) -> Verdict | None:
        return None  # the hosted page's submit writes the result itself


def page_link(token: str, public_base: str) -> str:
    """kycgate's hosted selfie page for ``token``: under BASE_URL_FRONTEND when set, else where the API was called."""
    base = (get_settings().base_url_frontend or public_base).rstrip("/")
    return f"{base}{PAGE_PATH}?{urlencode({'token': token})}"


def provider_for(attribute: dict[str, Any], tenant_id: str) -> LivenessProvider:
    if (attribute.get("provider") or LivenessProviderName.KYCGATE) == LivenessProviderName.SUMSUB:
        from kycgate.levels.sumsub_liveness import SumsubLiveness  # its HTTP client loads only for Sumsub checks

        return SumsubLiveness.for_tenant(tenant_id)
    return KycgateLiveness()


# ---------------------------------------------------------------- states and views


def initial_states(snapshot: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The liveness state of each liveness attribute of a new application."""
    return {
        key: {
            "provider": attribute.get("provider") or LivenessProviderName.KYCGATE.value,
            "status": LivenessStatus.PENDING.value,
            "attempts": 0,
            "max_attempts": attribute.get("max_attempts") or DEFAULT_MAX_ATTEMPTS,
        }
        for key, attribute in snapshot["attributes"].items()
        if attribute["type"] == AttributeType.LIVENESS
    }


def views(
    tenant_id: str,
    application: dict[str, Any],
    snapshot: dict[str, Any],
    ttls: dict[str, Ttl] | None,
    client: dict[str, Any],
    public_base: str,
) -> dict[str, AttributeView]:
    """Each liveness attribute as the questionnaire shows it; issues or refreshes grants where asked
    (``ttls`` None: `empty_volatile_fields`, nothing issued)."""
    found: dict[str, AttributeView] = {}
    for key, state in (application.get("liveness") or {}).items():
        attribute = snapshot["attributes"][key]
        subject = Subject(
            tenant_id,
            application["kyc_application_uuid"],
            application["client_uuid"],
            key,
            client.get("email"),
            client.get("phone"),
            public_base,
        )
        provider = provider_for(attribute, tenant_id)
        editable = application["status"] in EDITABLE_STATUSES
        if editable and LivenessStatus(state["status"]) not in FINAL:
            state = _refreshed(provider, subject, attribute, state)
        ttl = None if ttls is None else ttls.get(key, Ttl())
        found[key] = _view(provider, subject, attribute, state, ttl if editable else None)
    return found


def current(
    tenant_id: str, application: dict[str, Any], snapshot: dict[str, Any], client: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """Each check's state with the provider's latest verdict (send-to-review decides on it)."""
    states = dict(application.get("liveness") or {})
    for key, state in states.items():
        attribute = snapshot["attributes"][key]
        if LivenessStatus(state["status"]) in FINAL:
            continue
        subject = Subject(
            tenant_id, application["kyc_application_uuid"], application["client_uuid"], key,
            client.get("email"), client.get("phone"), "",
        )  # fmt: skip
        states[key] = _refreshed(provider_for(attribute, tenant_id), subject, attribute, state)
    return states


def attempts_left(state: dict[str, Any]) -> int:
    return max(0, int(state["max_attempts"]) - int(state["attempts"]))


def _refreshed(
    provider: LivenessProvider, subject: Subject, attribute: dict[str, Any], state: dict[str, Any]
) -> dict[str, Any]:
    verdict = provider.refresh(subject, attribute, state)
    if verdict is None:
        return state
    updated = {
        **state,
        "status": verdict.status.value,
        "result": result_value(verdict),
        "checked_at": clock.now(),
    }
    try:
        store.commit(
            [
                store.liveness_state_update(
                    subject.tenant_id,
                    subject.application_uuid,
                    subject.attribute_key,
                    updated,
                    {"status": state["status"]},
                )
            ]
        )
    except store.StaleWrite:
        return state  # another request recorded a verdict first; this answer shows the state it read
    return updated


def result_value(verdict: Verdict) -> dict[str, Any]:
    """A finished (or failed) attempt as the attribute's value shows it."""
    return {
        "status": verdict.status.value,
        "client_note": verdict.client_note,
        "verification": verdict.verification,
        "completed_at": clock.now_iso(),
    }


def _view(
    provider: LivenessProvider, subject: Subject, attribute: dict[str, Any], state: dict[str, Any], ttl: Ttl | None
) -> AttributeView:
    status = LivenessStatus(state["status"])
    result = state.get("result")
    verification = result.get("verification") if result else None
    left = attempts_left(state)
    info = {k: v for k, v in (("email", subject.email), ("phone", subject.phone)) if v} or None
    if status in FINAL:
        return AttributeView(result, False, None, None, status, verification, left)
    if ttl is None:
        return AttributeView(None, True, None, info, status, verification, left)
    now = clock.now()
    if state.get("value") and not ttl.renew and state["token_expires_at"] - now >= ttl.min_seconds:
        return AttributeView(
            state["value"], True, clock.iso(state["token_expires_at"]), info, status, verification, left
        )
    for _ in range(2):
        issued = provider.issue(subject, attribute, state, ttl.max_seconds)
        updated = {**state, **issued.state}
        item = store.liveness_state_update(
            subject.tenant_id,
            subject.application_uuid,
            subject.attribute_key,
            updated,
            {"grant_id": state.get("grant_id")},
        )
        try:
            store.commit([item, *issued.items, *provider.retire(state)])
        except store.StaleWrite:
            # A concurrent read issued a grant first: answer with that one unless a fresh one was asked for.
            application = store.get_application(subject.tenant_id, subject.application_uuid)
            if application is None or application["status"] not in EDITABLE_STATUSES:
                return AttributeView(None, True, None, info, status, verification, left)
            state = application["liveness"][subject.attribute_key]
            if not ttl.renew and state.get("value") and state["token_expires_at"] - now >= ttl.min_seconds:
                return AttributeView(
                    state["value"], True, clock.iso(state["token_expires_at"]), info, status, verification, left
                )
            continue
        return AttributeView(issued.value, True, clock.iso(issued.expires_at), info, status, verification, left)
    from kycgate.core.errors import Conflict

    raise Conflict("The liveness check's link was renewed concurrently; read the application again.")
