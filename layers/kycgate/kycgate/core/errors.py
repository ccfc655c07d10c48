"""RFC 9457 problem details: every 4xx/5xx leaves kycgate as application/problem+json."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

PROBLEM_JSON = "application/problem+json"


class Problem(Exception):
    """An error a client can act on. ``slug`` becomes the problem ``type``."""

    status = 400
    title = "Bad Request"
    slug = "bad-request"

    def __init__(
        self,
        detail: str,
        *,
        slug: str | None = None,
        errors: Sequence[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if slug:
            self.slug = slug
        self.errors = list(errors) if errors else None
        self.headers = headers or {}
        self.extra = extra or {}

    def body(self, instance: str | None = None) -> dict[str, Any]:
        return problem_body(self.status, self.title, self.detail, self.slug, self.errors, instance, self.extra)


class BadRequest(Problem):
    pass


class Unauthorized(Problem):
    status, title, slug = 401, "Unauthorized", "unauthorized"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer realm="kycgate"'})


class PaymentRequired(Problem):
    status, title, slug = 402, "Payment Required", "payment-required"


class Forbidden(Problem):
    status, title, slug = 403, "Forbidden", "forbidden"


class NotFound(Problem):
    status, title, slug = 404, "Not Found", "not-found"


class Conflict(Problem):
    status, title, slug = 409, "Conflict", "conflict"


class Gone(Problem):
    status, title, slug = 410, "Gone", "gone"


class PayloadTooLarge(Problem):
    status, title, slug = 413, "Content Too Large", "payload-too-large"


class UnsupportedMediaType(Problem):
    status, title, slug = 415, "Unsupported Media Type", "unsupported-media-type"


class Unprocessable(Problem):
    status, title, slug = 422, "Unprocessable Content", "validation-error"


class TooManyRequests(Problem):
    status, title, slug = 429, "Too Many Requests", "too-many-requests"

    def __init__(self, detail: str, retry_after_seconds: int, *, slug: str | None = None) -> None:
        super().__init__(detail, slug=slug, headers={"Retry-After": str(max(1, retry_after_seconds))})


class ServiceUnavailable(Problem):
    status, title, slug = 503, "Service Unavailable", "service-unavailable"

    def __init__(self, detail: str, retry_after_seconds: int = 1) -> None:
        super().__init__(detail, headers={"Retry-After": str(retry_after_seconds)})


def field_error(loc: Sequence[str | int], msg: str, type_: str = "value_error") -> dict[str, Any]:
    return {"loc": list(loc), "msg": msg, "type": type_}


def problem_body(
    status: int,
    title: str,
    detail: str,
    slug: str,
    errors: Sequence[dict[str, Any]] | None = None,
    instance: str | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": f"urn:kycgate:problem:{slug}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = list(errors)
    if extra:
        body.update(extra)
    return body
