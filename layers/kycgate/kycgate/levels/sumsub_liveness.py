"""The Sumsub liveness provider: an applicant per client, a WebSDK access token or link, and Sumsub's
review read back from the applicant's status. No boto3; Sumsub's HTTP is behind ``SumsubClient``.

The applicant's ``externalUserId`` is the client's UUID, so every token and link Sumsub issues here is
bound to that client: Sumsub refuses it for any other applicant (seed 002: "Each Liveness access token is
bound to a particular customer"). Sumsub's verdict is read with ``applicant_status`` when the application
or the attribute is read (at most every 10 s per check) and before send-to-review.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from kycgate.core import clock, ids
from kycgate.levels.liveness import Issued, Subject, Verdict
from kycgate.levels.vocabulary import LivenessProviderName, LivenessStatus

STATUS_POLL_SECONDS = 10
T = TypeVar("T")


class SumsubClient(Protocol):
    def create_applicant(self, external_user_id: str, level_name: str) -> str: ...

    def access_token(self, external_user_id: str, level_name: str, ttl_seconds: int) -> str: ...

    def websdk_link(self, external_user_id: str, level_name: str, ttl_seconds: int) -> str: ...

    def applicant_status(self, applicant_id: str) -> dict[str, Any]: ...


class SumsubLiveness:
    name = LivenessProviderName.SUMSUB.value

    def __init__(self, client: SumsubClient) -> None:
        self.client = client

    @classmethod
    def for_tenant(cls, tenant_id: str) -> SumsubLiveness:
        from kycgate.levels.sumsub_client import client_for

        return cls(_Lazy(lambda: client_for(tenant_id)))

    def issue(self, subject: Subject, attribute: dict[str, Any], state: dict[str, Any], ttl_seconds: int) -> Issued:
        level_name = attribute["sumsub_level_name"]
        client = self.client
        applicant_id = state.get("applicant_id") or _answer(
            lambda: client.create_applicant(subject.client_uuid, level_name)
        )
        if subject.as_url:
            value = _answer(lambda: client.websdk_link(subject.client_uuid, level_name, ttl_seconds))
        else:
            value = _answer(lambda: client.access_token(subject.client_uuid, level_name, ttl_seconds))
        expires_at = clock.now() + ttl_seconds
        kept = {
            "grant_id": ids.new_id("grant"),
            "value": value,
            "token_expires_at": expires_at,
            "applicant_id": applicant_id,
        }
        return Issued(value, expires_at, kept, [])

    def retire(self, state: dict[str, Any]) -> list[dict[str, Any]]:
        return []  # Sumsub's tokens cannot be revoked; they lapse after their ttl

    def refresh(self, subject: Subject, attribute: dict[str, Any], state: dict[str, Any]) -> Verdict | None:
        applicant_id = state.get("applicant_id")
        if not applicant_id or clock.now() - float(state.get("checked_at") or 0) < STATUS_POLL_SECONDS:
            return None
        verdict = verdict_of(_answer(lambda: self.client.applicant_status(applicant_id)))
        if verdict is None or (verdict.status.value == state["status"] and state.get("result")):
            return None
        return verdict


def verdict_of(status: dict[str, Any]) -> Verdict | None:
    """Sumsub's applicant status as a verdict; None while Sumsub has not finished its review."""
    if status.get("reviewStatus") != "completed":
        return None
    result = status.get("reviewResult") or {}
    answer = result.get("reviewAnswer")
    labels = [str(label) for label in result.get("rejectLabels") or []]
    note = str(result.get("clientComment") or result.get("moderationComment") or "")
    if answer == "GREEN":
        status_value, note = LivenessStatus.APPROVED, note or "Sumsub approved the liveness check."
    elif answer == "RED":
        final = result.get("reviewRejectType") == "FINAL"
        status_value = LivenessStatus.EXHAUSTED if final else LivenessStatus.DECLINED
        note = note or ("Sumsub rejected the check for good." if final else "Sumsub asks the client to try again.")
    else:
        return None
    checks = {"review_answer": str(answer), "reject_type": str(result.get("reviewRejectType") or "")}
    if labels:
        checks["reject_labels"] = ",".join(labels)
    verification = {
        "sumsub": {
            "verificator": "sumsub",
            "status": "approved" if status_value == LivenessStatus.APPROVED else "declined",
            "client_note": note,
            "checks": checks,
        }
    }
    return Verdict(status_value, verification, note)


def _answer(call: Callable[[], T]) -> T:
    """A Sumsub call; its refusals as kycgate's problems. Any exception with an HTTP ``status`` counts as
    Sumsub's answer (the shared client's errors too): 5xx is Sumsub being unavailable, 401/403 kycgate's
    credentials for this tenant, any other 4xx a request Sumsub would not take."""
    from kycgate.core.errors import Conflict, ServiceUnavailable

    try:
        return call()
    except (Conflict, ServiceUnavailable):
        raise
    except Exception as exc:
        status = getattr(exc, "status", None)
        if not isinstance(status, int):
            raise
        if status >= 500 or status == 429:
            raise ServiceUnavailable("Sumsub is unavailable; retry shortly.", 5) from exc
        if status in (401, 403):
            raise Conflict(
                "Sumsub refused kycgate's request with your stored credentials (app token, secret key): check them.",
                slug="sumsub-credentials-refused",
            ) from exc
        detail = str(getattr(exc, "description", "") or "")[:200]
        raise Conflict(f"Sumsub refused the request ({status}): {detail}", slug="sumsub-refused") from exc


class _Lazy:
    """The client is made (credentials read) only when a call needs it."""

    def __init__(self, make: Any) -> None:
        self._make = make
        self._client: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._client is None:
            self._client = self._make()
        return getattr(self._client, name)
