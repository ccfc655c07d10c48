"""A local Vouched: the REST jobs API as its client and docs show it (see gateway/providers/vouched.py).

- ``X-API-Key`` must be the configured private key, else 401 ``{"errors": [{"type":
  "AuthenticationError", "message": "Unauthorized access"}]}``.
- ``POST /api/jobs``: ``type`` must be ``id-verification``, ``params.dob`` MM/DD/YYYY, photos base64,
  ``callbackURL`` http(s); errors are 400 ``InvalidRequestError``. Without a ``callbackURL`` the job
  completes at once with ``default_outcome``; with one it stays ``active`` until
  ``complete(job_id, ...)`` (or ``POST /_fake/jobs/<id>/complete``), which POSTs the job to the
  ``callbackURL`` signed as Vouched signs (``X-Signature``: base64 HMAC-SHA1 of the body).
- ``GET /api/jobs?id=`` (a page of jobs) and ``GET /api/jobs/<id>`` (404 ``NotFoundError``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Iterable, Sequence
from typing import Any

from werkzeug.wrappers import Request, Response

from kycgate.fakes.httpfake import FakeService, json_response, now_iso, request_json, serve

# Messages as seed 003's sample job shows them.
MESSAGES = {
    "InvalidIdPhotoError": "Invalid or unsupported id",
    "InvalidUserPhotoError": "Invalid or unsupported selfie",
    "FaceMatchError": "Id and selfie faces do not match",
    "NameMatchError": "Name is below the confidence threshold",
    "BirthDateMatchError": "Birth date is below the confidence threshold",
    "ExpiredIdError": "The ID is expired",
    "BlacklistedDocument": "The ID is on the blocked list",
}
_DOB = re.compile(r"^\d{2}/\d{2}/\d{4}$")
_PHOTOS = ("idPhoto", "idPhotoBack", "userPhoto")


class FakeVouched(FakeService):
    name = "vouched"

    def __init__(
        self,
        api_key: str = "vouched-private-key",
        signature_key: str | None = None,
        default_outcome: Sequence[str] = (),
    ) -> None:
        self.api_key = api_key
        self.signature_key = signature_key
        # Error types a job completing without a callbackURL gets (empty: success).
        self.default_outcome = tuple(default_outcome)
        self.jobs: dict[str, dict[str, Any]] = {}
        self.webhooks: list[tuple[str, int]] = []  # (url, receiver status)
        super().__init__()

    def api_rules(self) -> Iterable[tuple[str, Sequence[str], str]]:
        return (
            ("/api/jobs", ("POST",), "create_job"),
            ("/api/jobs", ("GET",), "list_jobs"),
            ("/api/jobs/<job_id>", ("GET",), "get_job"),
        )

    def admin_rules(self) -> Iterable[tuple[str, Sequence[str], str]]:
        return (("/_fake/jobs/<job_id>/complete", ("POST",), "admin_complete"),)

    def error_response(self, status: int, message: str) -> Response:
        kind = {401: "AuthenticationError", 404: "NotFoundError"}.get(status)
        if kind is None:
            kind = "InvalidRequestError" if status < 500 else "UnknownSystemError"
        return json_response({"errors": [{"type": kind, "message": message}]}, status)

    # -------------------------------------------------------------------------------- the API

    def _authorised(self, request: Request) -> bool:
        given = request.headers.get("X-API-Key", "")
        return hmac.compare_digest(given.encode(), self.api_key.encode())

    def create_job(self, request: Request) -> Response:
        if not self._authorised(request):
            return self.error_response(401, "Unauthorized access")
        body = request_json(request)
        if not isinstance(body, dict):
            return self.error_response(400, "Invalid request body")
        if body.get("type") != "id-verification":
            return self.error_response(400, "Invalid job type")
        params = body.get("params") or {}
        if not isinstance(params, dict):
            return self.error_response(400, "Invalid params")
        dob = params.get("dob")
        if dob is not None and not (isinstance(dob, str) and _DOB.match(dob)):
            return self.error_response(400, "Invalid dob, expected MM/DD/YYYY")
        for name in _PHOTOS:
            value = params.get(name)
            if value is not None and not _is_base64(value):
                return self.error_response(400, f"Invalid {name}")
        callback = body.get("callbackURL")
        if callback is not None and not (isinstance(callback, str) and callback.startswith(("http://", "https://"))):
            return self.error_response(400, "Invalid callbackURL")
        job_id = secrets.token_urlsafe(6)
        stamp = now_iso()
        parameters = {k: ("" if k in _PHOTOS else v) for k, v in params.items()}
        job: dict[str, Any] = {
            "id": job_id,
            "status": "active",
            "completed": False,
            "submitted": stamp,
            "updatedAt": stamp,
            "reviewedAt": None,
            "reviewSuccess": None,
            "accountReviewed": None,
            "review": None,
            "request": {
                "type": "id-verification",
                "callbackURL": callback,
                "parameters": parameters,
                "properties": body.get("properties"),
            },
            "surveyPoll": None,
            "surveyMessage": None,
            "surveyAt": None,
            "result": None,
            "errors": [],
        }
        with self.lock:
            self.jobs[job_id] = job
            if callback is None:
                self._finish(job, self.default_outcome)
            return json_response(job)

    def list_jobs(self, request: Request) -> Response:
        if not self._authorised(request):
            return self.error_response(401, "Unauthorized access")
        wanted = request.args.get("id")
        with self.lock:
            items = [job for job in self.jobs.values() if wanted is None or job["id"] == wanted]
            page_size = int(request.args.get("pageSize", 100))
            return json_response(
                {"total": len(items), "page": 1, "pageSize": page_size, "totalPages": 1, "items": items[:page_size]}
            )

    def get_job(self, request: Request, job_id: str) -> Response:
        if not self._authorised(request):
            return self.error_response(401, "Unauthorized access")
        with self.lock:
            job = self.jobs.get(job_id)
            if job is None:
                return self.error_response(404, f"Could not find job: {job_id}")
            return json_response(job)

    # ----------------------------------------------------------------------------- test driver

    def complete(
        self,
        job_id: str,
        errors: Sequence[str] = (),
        *,
        review_success: bool | None = None,
        updated_at: str | None = None,
        webhook: bool = True,
    ) -> int | None:
        """Finish job ``job_id`` (``errors``: error types; none means success) and POST its webhook.

        Returns the receiver's status, or None when the job has no callbackURL or ``webhook`` is off.
        """
        with self.lock:
            job = self.jobs[job_id]
            self._finish(job, errors, review_success=review_success)
            if updated_at is not None:
                job["updatedAt"] = updated_at
            url = job["request"]["callbackURL"]
            body = json.dumps(job).encode()
        if not (webhook and url):
            return None
        status = self.emit(url, body, self.webhook_headers(body))
        self.webhooks.append((url, status))
        return status

    def webhook_headers(self, body: bytes) -> dict[str, str]:
        key = (self.signature_key or self.api_key).encode()
        signature = base64.b64encode(hmac.new(key, body, hashlib.sha1).digest()).decode()
        return {"Content-Type": "application/json", "X-Signature": signature, "X-WebHook-Event": "job-idv-complete"}

    def admin_complete(self, request: Request, job_id: str) -> Response:
        body = request_json(request) or {}
        if job_id not in self.jobs:
            return self.error_response(404, f"Could not find job: {job_id}")
        status = self.complete(
            job_id,
            body.get("errors") or (),
            review_success=body.get("review_success"),
            updated_at=body.get("updated_at"),
            webhook=body.get("webhook", True),
        )
        return json_response({"job": self.jobs[job_id], "webhook_status": status})

    def _finish(self, job: dict[str, Any], errors: Sequence[str], *, review_success: bool | None = None) -> None:
        success = not errors
        parameters = job["request"]["parameters"]
        job.update(
            status="completed",
            completed=True,
            updatedAt=now_iso(),
            errors=[{"type": kind, "message": MESSAGES.get(kind, kind), "suggestion": None} for kind in errors],
            result={
                "success": success,
                "successWithSuggestion": success,
                "type": "drivers-license",
                "country": "US",
                "state": "WI",
                "firstName": parameters.get("firstName") if success else None,
                "lastName": parameters.get("lastName") if success else None,
                "dob": parameters.get("dob") if success else None,
                "id": secrets.token_hex(4) if success else None,
                "confidences": {
                    "id": 0.98 if "InvalidIdPhotoError" not in errors else 0.43,
                    "backId": None,
                    "selfie": 0.97 if "InvalidUserPhotoError" not in errors else 0.04,
                    "faceMatch": 0.95 if "FaceMatchError" not in errors else 0.0,
                    "idMatch": 0.96 if success else 0.0,
                },
            },
        )
        if review_success is not None:
            job.update(reviewSuccess=review_success, reviewedAt=now_iso(), accountReviewed=True)


def _is_base64(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def main() -> None:
    serve(FakeVouched())


if __name__ == "__main__":
    main()
