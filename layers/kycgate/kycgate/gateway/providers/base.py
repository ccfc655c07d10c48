"""The one interface every provider adapter implements, and the vocabulary around it.

An adapter turns kycgate's normalised application params into one provider's request, submits it
(creating the applicant/job and starting the check), fetches the provider's latest representation,
maps the provider's status and result to kycgate's normalised status with a reason, and verifies
and parses the provider's inbound webhooks. It holds no state: the caller passes the tenant's
credentials (``Secret`` values that never print themselves) with every call, so one adapter
object serves every tenant.

Failures come in three kinds, so the dispatch worker needs no provider knowledge:

- ``ProviderRejected``: the provider answered 4xx (bad input, bad credentials, unknown id). Permanent,
  never retried; ``message`` is the provider's own error text for the application's ``description``.
- ``RetriesExhausted``: 429/5xx, timeouts or connection errors outlasted the in-call retries
  (``http.ProviderHttp``). Retryable: the worker lets SQS redeliver, and after its own retries marks
  the application ``failed`` with ``description``. ``retry_after`` says when the provider asked to be
  called again, if it did.
- ``ProviderNotConfigured``: the tenant's credentials lack something the call needs. Permanent.

Input that a provider cannot take raises ``InvalidParams`` (a 422 at create time), and an inbound
webhook that fails verification raises ``InvalidWebhook`` (a 401; nothing of it may be applied).
"""

from __future__ import annotations

import hmac
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar, Generic, Literal, NamedTuple, TypeVar

from kycgate.gateway.providers.params import NormalisedParams

Status = Literal["pending", "submitted", "review", "accepted", "rejected", "remediate", "failed"]
# Seed 003's statuses, in the order an application usually meets them.
STATUSES: tuple[Status, ...] = ("pending", "submitted", "review", "accepted", "rejected", "remediate", "failed")
KycType = Literal["kyc", "kyb"]

C = TypeVar("C")


class Secret:
    """A credential value that never shows itself: repr, str and f-strings print a mask.

    Credentials travel inside NamedTuples whose repr lists every field, and values end up in
    exception messages and log records by accident; wrapping each secret makes that harmless.
    ``reveal()`` is the one way to the value, used only where it goes on the wire.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str) or not value:
            raise ValueError("a secret must be a non-empty string")
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(Secret)


# ------------------------------------------------------------------------------------------ results


class Mapped(NamedTuple):
    """A provider status mapped to kycgate's: the status and, when there is one, why."""

    status: Status
    reason: str | None = None


class ProviderSnapshot(NamedTuple):
    """What a provider says about one application: its identifier, the mapped status, its own body.

    ``representation`` is the provider's JSON as the provider returned it (images stripped), stored
    as the application's ``provider_representation``.
    """

    identifier: str
    status: Status
    reason: str | None
    representation: dict[str, Any]


class InboundWebhook(NamedTuple):
    """One inbound provider request, as the webhook route received it.

    ``headers`` keys are lower-case (``InboundWebhook.of`` makes them so); ``body`` is the raw bytes,
    since every provider signs the bytes it sent, never a re-serialised JSON.
    """

    headers: Mapping[str, str]
    body: bytes
    query: Mapping[str, str] = {}

    @classmethod
    def of(cls, headers: Mapping[str, str], body: bytes, query: Mapping[str, str] | None = None) -> InboundWebhook:
        return cls({k.lower(): v for k, v in headers.items()}, body, dict(query or {}))


class WebhookEvent(NamedTuple):
    """A verified inbound webhook.

    ``identifier`` is the provider's id of the application (the one ``submit`` returned), or None
    when the event is about something else (an Onfido report, say). ``status`` is None when the event
    carries no decision. ``confirm_by_fetch`` asks the caller to take the status from ``fetch``
    instead of the event: set where the event lacks the result (Onfido's check.completed) or cannot
    be authenticated by signature (IdentityMind). ``event_id`` is stable per event, for de-duplication.
    """

    identifier: str | None
    status: Status | None
    reason: str | None
    event_type: str
    event_id: str
    occurred_at: float | None
    representation: dict[str, Any] | None
    confirm_by_fetch: bool = False


# ------------------------------------------------------------------------------------------- errors


class ProviderError(Exception):
    """A provider call that did not succeed. ``description`` is the text for the application."""

    retryable: ClassVar[bool] = False

    def __init__(self, provider: str, message: str) -> None:
        super().__init__(f"{provider}: {message}")
        self.provider = provider
        self.message = message

    @property
    def description(self) -> str:
        return f"{self.provider}: {self.message}"


class ProviderRejected(ProviderError):
    """The provider refused the request (4xx): permanent, never retried."""

    def __init__(self, provider: str, message: str, *, status: int, code: str | None = None) -> None:
        super().__init__(provider, message)
        self.status = status
        self.code = code


class RetriesExhausted(ProviderError):
    """The provider stayed unavailable (429/5xx, timeouts, connection errors) through every attempt."""

    retryable = True

    def __init__(
        self,
        provider: str,
        message: str,
        *,
        attempts: int,
        last_status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(provider, message)
        self.attempts = attempts
        self.last_status = last_status
        self.retry_after = retry_after


class ProviderNotConfigured(ProviderError):
    """The tenant's credentials for this provider lack a value the call needs (named, never shown)."""


class InvalidParams(ValueError):
    """Normalised params this provider cannot take; ``field`` names the param (a 422 at create time)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


WebhookRefusal = Literal["missing_signature", "bad_signature", "unknown_algorithm", "stale", "malformed", "unsupported"]


class InvalidWebhook(Exception):
    """An inbound webhook that failed verification: nothing of it may be applied (answer 401)."""

    def __init__(self, provider: str, reason: WebhookRefusal, message: str) -> None:
        super().__init__(f"{provider} webhook refused ({reason}): {message}")
        self.provider = provider
        self.reason = reason
        self.message = message


# ---------------------------------------------------------------------------------------- interface


class ProviderAdapter(ABC, Generic[C]):
    """One third-party provider. Stateless apart from its HTTP client; credentials come per call."""

    name: ClassVar[str]
    kyc_types: ClassVar[frozenset[KycType]] = frozenset({"kyc"})

    @abstractmethod
    def credentials(self, values: Mapping[str, Any]) -> C:
        """The tenant's credentials from their stored form (the Secrets Manager JSON object)."""

    @abstractmethod
    def build_request(
        self, params: NormalisedParams, kyc_type: KycType, *, reference: str, callback_url: str | None = None
    ) -> Any:
        """The provider's request for ``params`` (no network). Raises ``InvalidParams``.

        ``reference`` is kycgate's application id; it goes in the provider's own reference field so
        a retried submit finds or de-duplicates what an earlier attempt created, where the provider
        allows it.
        """

    @abstractmethod
    def submit(self, credentials: C, request: Any) -> ProviderSnapshot:
        """Create the applicant/job at the provider and start the check."""

    @abstractmethod
    def fetch(self, credentials: C, identifier: str, kyc_type: KycType = "kyc") -> ProviderSnapshot | None:
        """The provider's latest representation; None when the provider keeps none (kycgate's own).

        ``kyc_type`` matters where a provider keeps KYC and KYB apart (IdentityMind's merchants).
        """

    @abstractmethod
    def map_status(self, representation: Mapping[str, Any]) -> Mapped:
        """The normalised status and reason for one provider representation (no network)."""

    @abstractmethod
    def identify(self, webhook: InboundWebhook) -> str | None:
        """The provider identifier an inbound webhook claims to be about, *before* verification.

        Only for finding whose credentials verify it (the application, hence the tenant); nothing
        from it is trusted until ``verify_webhook`` passes.
        """

    @abstractmethod
    def verify_webhook(self, credentials: C, webhook: InboundWebhook, *, now: float | None = None) -> WebhookEvent:
        """Check the webhook's signature (and freshness), then parse it. Raises ``InvalidWebhook``."""

    def validate(self, params: NormalisedParams, kyc_type: KycType) -> None:
        """Raise ``InvalidParams`` unless this provider can take ``params`` for ``kyc_type``."""
        self.build_request(params, kyc_type, reference="validation")

    def check_type(self, kyc_type: KycType) -> None:
        if kyc_type not in self.kyc_types:
            allowed = ", ".join(sorted(self.kyc_types))
            raise InvalidParams("type", f"{self.name} takes {allowed} applications, not {kyc_type}")


def require_secret(provider: str, values: Mapping[str, Any], key: str) -> Secret:
    """``values[key]`` as a Secret; ``ProviderNotConfigured`` naming the key when it is missing."""
    secret = optional_secret(values, key)
    if secret is None:
        raise ProviderNotConfigured(provider, f"credentials lack {key!r}")
    return secret


def optional_secret(values: Mapping[str, Any], key: str) -> Secret | None:
    value = values.get(key)
    if isinstance(value, Secret):
        return value
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"credential {key!r} must be a string")
    return Secret(value)


def base_url(provider: str, values: Mapping[str, Any], default: str) -> str:
    """The provider's base URL: the credentials' ``base_url``, else the ``KYCGATE_PROVIDER_BASE_URLS``
    setting's (``make serve`` points every tenant at the local fakes), else ``default``.

    An override is where kycgate sends the applicant's documents and the tenant's provider key, so it
    passes the callback URLs' SSRF check (https, public addresses only; loopback only in local mode):
    ValueError otherwise, which fails the dispatch with the reason. The providers' own URLs are not
    resolved here.
    """
    from kycgate.core.settings import get_settings
    from kycgate.webhooks.ssrf import CallbackUrlRefused, check_callback_url

    settings = get_settings()
    configured = values.get("base_url") or settings.provider_base_urls.get(provider)
    if not configured:
        return default.rstrip("/")
    url = str(configured).rstrip("/")
    try:
        check_callback_url(url, allow_loopback=settings.allow_loopback_callbacks)
    except CallbackUrlRefused as refused:
        raise ValueError(
            f"base_url refused ({refused.reason}): {refused.message.replace('callback URL', 'base URL')}"
        ) from None
    return url
