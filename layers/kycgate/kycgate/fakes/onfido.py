"""A local Onfido (API v3.6): applicants, documents, live photos, checks, reports, webhooks.

Follows Onfido's OpenAPI specification (see gateway/providers/onfido.py): ``Authorization: Token
token=<API token>`` or 401 ``authorization_error``; 422 ``validation_error`` with per-field messages
(names required; document ``type`` from the spec's enum, ``side`` front/back, file 2 KB-3 MB; live
photo 32 KB-10 MB; a check's ``report_names`` known, a ``document`` report needs a document and a
``facial_similarity_photo`` report a live photo); 404 ``resource_not_found``.

Webhooks are registered through the documented ``POST /v3.6/webhooks`` (``url``, ``events``),
which answers with the ``token`` that signs them; ``complete(check_id, "clear" | "consider")`` (or
``POST /_fake/checks/<id>/complete``) finishes a check and its reports and POSTs ``check.completed``
to every enabled webhook with ``X-SHA2-Signature`` (hex HMAC-SHA256 of the body with its token).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from werkzeug.wrappers import Request, Response

from kycgate.fakes.httpfake import FakeService, json_response, now_iso, request_json, serve

PREFIX = "/v3.6"
DOCUMENT_TYPES = frozenset(
    {
        "passport",
        "driving_licence",
        "national_identity_card",
        "residence_permit",
        "passport_card",
        "visa",
        "work_permit",
    }
)
REPORT_NAMES = frozenset(
    {"document", "facial_similarity_photo", "facial_similarity_video", "watchlist_standard", "identity_enhanced"}
)
DOCUMENT_BYTES = (2 * 1024, 3 * 1024 * 1024)
LIVE_PHOTO_BYTES = (32 * 1024, 10 * 1024 * 1024)


class FakeOnfido(FakeService):
    name = "onfido"

    def __init__(self, api_token: str = "api_sandbox.fake-onfido-token") -> None:
        self.api_token = api_token
        self.applicants: dict[str, dict[str, Any]] = {}
        self.documents: dict[str, dict[str, Any]] = {}
        self.live_photos: dict[str, dict[str, Any]] = {}
        self.checks: dict[str, dict[str, Any]] = {}
        self.reports: dict[str, dict[str, Any]] = {}
        self.webhook_endpoints: dict[str, dict[str, Any]] = {}
        self.webhooks: list[tuple[str, int]] = []
        super().__init__()

    def api_rules(self) -> Iterable[tuple[str, Sequence[str], str]]:
        return (
            (f"{PREFIX}/applicants", ("POST",), "create_applicant"),
            (f"{PREFIX}/applicants/<applicant_id>", ("GET",), "get_applicant"),
            (f"{PREFIX}/documents", ("POST",), "upload_document"),
            (f"{PREFIX}/live_photos", ("POST",), "upload_live_photo"),
            (f"{PREFIX}/checks", ("POST",), "create_check"),
            (f"{PREFIX}/checks/<check_id>", ("GET",), "get_check"),
            (f"{PREFIX}/reports", ("GET",), "list_reports"),
            (f"{PREFIX}/webhooks", ("POST",), "create_webhook"),
            (f"{PREFIX}/webhooks", ("GET",), "list_webhooks"),
        )

    def admin_rules(self) -> Iterable[tuple[str, Sequence[str], str]]:
        return (("/_fake/checks/<check_id>/complete", ("POST",), "admin_complete"),)

    def error_response(self, status: int, message: str, fields: dict[str, Any] | None = None) -> Response:
        kind = {
            401: "authorization_error",
            404: "resource_not_found",
            422: "validation_error",
            429: "rate_limit",
        }.get(status, "internal_server_error" if status >= 500 else "bad_request")
        return json_response({"error": {"type": kind, "message": message, "fields": fields or {}}}, status)

    def _invalid(self, fields: dict[str, list[str]]) -> Response:
        return self.error_response(422, "There was a validation error on this request", fields)

    def _authorised(self, request: Request) -> bool:
        given = request.headers.get("Authorization", "")
        for prefix in ("Token token=", "Token "):
            if given.startswith(prefix):
                return hmac.compare_digest(given[len(prefix) :].encode(), self.api_token.encode())
        return False

    def _unauthorised(self) -> Response:
        return self.error_response(401, "Authorization error: please re-check your credentials")

    # -------------------------------------------------------------------------------- the API

    def create_applicant(self, request: Request) -> Response:
        if not self._authorised(request):
            return self._unauthorised()
        body = request_json(request)
        if not isinstance(body, dict):
            return self._invalid({"body": ["must be a JSON object"]})
        missing = {name: ["can't be blank"] for name in ("first_name", "last_name") if not body.get(name)}
        if missing:
            return self._invalid(missing)
        address = body.get("address")
        if address is not None and not (
            isinstance(address, dict) and address.get("postcode") and address.get("country")
        ):
            return self._invalid({"address": ["postcode and country are required"]})
        applicant_id = str(uuid.uuid4())
        applicant = {
            **body,
            "id": applicant_id,
            "created_at": now_iso(),
            "href": f"{PREFIX}/applicants/{applicant_id}",
            "sandbox": True,
        }
        with self.lock:
            self.applicants[applicant_id] = applicant
        return json_response(applicant, 201)

    def get_applicant(self, request: Request, applicant_id: str) -> Response:
        if not self._authorised(request):
            return self._unauthorised()
        applicant = self.applicants.get(applicant_id)
        if applicant is None:
            return self.error_response(404, f"Applicant {applicant_id} not found")
        return json_response(applicant)

    def upload_document(self, request: Request) -> Response:
        if not self._authorised(request):
            return self._unauthorised()
        form, upload = request.form, request.files.get("file")
        errors: dict[str, list[str]] = {}
        if form.get("applicant_id") not in self.applicants:
            errors["applicant_id"] = ["must belong to an existing applicant"]
        if form.get("type") not in DOCUMENT_TYPES:
            errors["type"] = ["is not a supported document type"]
        if form.get("side") not in (None, "front", "back"):
            errors["side"] = ["must be front or back"]
        content = upload.read() if upload is not None else b""
        if not DOCUMENT_BYTES[0] <= len(content) <= DOCUMENT_BYTES[1]:
            errors["file"] = ["must be between 2KB and 3MB"]
        if errors:
            return self._invalid(errors)
        document_id = str(uuid.uuid4())
        document = {
            "id": document_id,
            "created_at": now_iso(),
            "applicant_id": form["applicant_id"],
            "type": form["type"],
            "side": form.get("side"),
            "issuing_country": form.get("issuing_country"),
            "file_name": upload.filename if upload else None,
            "file_size": len(content),
            "file_type": "png" if content.startswith(b"\x89PNG") else "jpg",
            "href": f"{PREFIX}/documents/{document_id}",
            "download_href": f"{PREFIX}/documents/{document_id}/download",
        }
        with self.lock:
            self.documents[document_id] = document
        return json_response(document, 201)

    def upload_live_photo(self, request: Request) -> Response:
        if not self._authorised(request):
            return self._unauthorised()
        upload = request.files.get("file")
        content = upload.read() if upload is not None else b""
        errors: dict[str, list[str]] = {}
        if request.form.get("applicant_id") not in self.applicants:
            errors["applicant_id"] = ["must belong to an existing applicant"]
        if not LIVE_PHOTO_BYTES[0] <= len(content) <= LIVE_PHOTO_BYTES[1]:
            errors["file"] = ["must be between 32KB and 10MB"]
        if errors:
            return self._invalid(errors)
        photo_id = str(uuid.uuid4())
        photo = {
            "id": photo_id,
            "created_at": now_iso(),
            "applicant_id": request.form["applicant_id"],
            "file_size": len(content),
            "href": f"{PREFIX}/live_photos/{photo_id}",
        }
        with self.lock:
            self.live_photos[photo_id] = photo
        return json_response(photo, 201)

    def create_check(self, request: Request) -> Response:
        if not self._authorised(request):
            return self._unauthorised()
        body = request_json(request)
        if not isinstance(body, dict):
            return self._invalid({"body": ["must be a JSON object"]})
        applicant_id = body.get("applicant_id")
        names = body.get("report_names")
        errors: dict[str, list[str]] = {}
        if applicant_id not in self.applicants:
            errors["applicant_id"] = ["must belong to an existing applicant"]
        if not isinstance(names, list) or not names or not set(names) <= REPORT_NAMES:
            errors["report_names"] = ["must name known reports"]
        if errors:
            return self._invalid(errors)
        with self.lock:
            has_document = any(d["applicant_id"] == applicant_id for d in self.documents.values())
            has_photo = any(p["applicant_id"] == applicant_id for p in self.live_photos.values())
            if "document" in names and not has_document:
                return self._invalid({"report_names": ["document report requires a document to be uploaded"]})
            if "facial_similarity_photo" in names and not has_photo:
                return self._invalid({"report_names": ["facial_similarity_photo report requires a live photo"]})
            check_id = str(uuid.uuid4())
            report_ids = []
            for name in names:
                report_id = str(uuid.uuid4())
                report_ids.append(report_id)
                self.reports[report_id] = {
                    "id": report_id,
                    "name": name,
                    "status": "awaiting_data",
                    "result": None,
                    "sub_result": None,
                    "check_id": check_id,
                    "created_at": now_iso(),
                    "href": f"{PREFIX}/reports/{report_id}",
                    "breakdown": {},
                }
            check = {
                "id": check_id,
                "created_at": now_iso(),
                "status": "in_progress",
                "result": None,
                "applicant_id": applicant_id,
                "report_ids": report_ids,
                "tags": body.get("tags") or [],
                "href": f"{PREFIX}/checks/{check_id}",
                "results_uri": f"https://dashboard.onfido.com/checks/{check_id}",
                "sandbox": True,
                "paused": False,
                "version": "3.6",
            }
            self.checks[check_id] = check
            return json_response(check, 201)

    def get_check(self, request: Request, check_id: str) -> Response:
        if not self._authorised(request):
            return self._unauthorised()
        check = self.checks.get(check_id)
        if check is None:
            return self.error_response(404, f"Check {check_id} not found")
        return json_response(check)

    def list_reports(self, request: Request) -> Response:
        if not self._authorised(request):
            return self._unauthorised()
        check_id = request.args.get("check_id")
        if check_id not in self.checks:
            return self.error_response(404, f"Check {check_id} not found")
        with self.lock:
            reports = [r for r in self.reports.values() if r["check_id"] == check_id]
        return json_response({"reports": reports})

    def create_webhook(self, request: Request) -> Response:
        if not self._authorised(request):
            return self._unauthorised()
        body = request_json(request)
        url = body.get("url") if isinstance(body, dict) else None
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            return self._invalid({"url": ["must be a valid URL"]})
        webhook_id = str(uuid.uuid4())
        webhook = {
            "id": webhook_id,
            "url": url,
            "token": secrets.token_urlsafe(24),
            "enabled": body.get("enabled", True),
            "events": body.get("events") or [],
            "href": f"{PREFIX}/webhooks/{webhook_id}",
        }
        with self.lock:
            self.webhook_endpoints[webhook_id] = webhook
        return json_response(webhook, 201)

    def list_webhooks(self, request: Request) -> Response:
        if not self._authorised(request):
            return self._unauthorised()
        return json_response({"webhooks": list(self.webhook_endpoints.values())})

    # ----------------------------------------------------------------------------- test driver

    def add_webhook(self, url: str, token: str, events: Sequence[str] = ()) -> None:
        """Register a webhook directly (as the dashboard would), with a known token."""
        webhook_id = str(uuid.uuid4())
        with self.lock:
            self.webhook_endpoints[webhook_id] = {
                "id": webhook_id,
                "url": url,
                "token": token,
                "enabled": True,
                "events": list(events),
            }

    def complete(
        self,
        check_id: str,
        result: str = "clear",
        *,
        sub_result: str | None = None,
        completed_at: str | None = None,
        webhook: bool = True,
    ) -> list[int]:
        """Finish the check and its reports; POST ``check.completed``; the receivers' statuses."""
        with self.lock:
            check = self.checks[check_id]
            stamp = completed_at or now_iso()
            check.update(status="complete", result=result)
            # A "consider" check: its document report considers (sub_result caution unless told), the rest clear.
            for report_id in check["report_ids"]:
                report = self.reports[report_id]
                is_document = report["name"] == "document"
                considers = result == "consider" and (is_document or len(check["report_ids"]) == 1)
                report.update(
                    status="complete",
                    result="consider" if considers else "clear",
                    sub_result=((sub_result or "caution") if considers else "clear") if is_document else None,
                )
            event = {
                "payload": {
                    "resource_type": "check",
                    "action": "check.completed",
                    "object": {
                        "id": check_id,
                        "status": "complete",
                        "completed_at_iso8601": stamp,
                        "href": f"https://api.eu.onfido.com{check['href']}",
                    },
                }
            }
            endpoints = [w for w in self.webhook_endpoints.values() if w["enabled"]]
        if not webhook:
            return []
        return [self.send(w, event) for w in endpoints if not w["events"] or "check.completed" in w["events"]]

    def send(self, endpoint: dict[str, Any], event: dict[str, Any]) -> int:
        body = json.dumps(event).encode()
        signature = hmac.new(endpoint["token"].encode(), body, hashlib.sha256).hexdigest()
        status = self.emit(endpoint["url"], body, {"Content-Type": "application/json", "X-SHA2-Signature": signature})
        self.webhooks.append((endpoint["url"], status))
        return status

    def admin_complete(self, request: Request, check_id: str) -> Response:
        body = request_json(request) or {}
        if check_id not in self.checks:
            return self.error_response(404, f"Check {check_id} not found")
        statuses = self.complete(
            check_id,
            body.get("result", "clear"),
            sub_result=body.get("sub_result"),
            completed_at=body.get("completed_at"),
            webhook=body.get("webhook", True),
        )
        return json_response({"check": self.checks[check_id], "webhook_statuses": statuses})


def main() -> None:
    serve(FakeOnfido())


if __name__ == "__main__":
    main()
