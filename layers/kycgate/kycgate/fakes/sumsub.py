"""A local Sumsub: the applicants API, its request signature check and its webhooks.

Every ``/resources`` call is authenticated as Sumsub documents it: ``X-App-Token`` must be the
configured token, ``X-App-Access-Ts`` within ``ts_window`` seconds of now, and ``X-App-Access-Sig``
the hex HMAC-SHA256 of ``ts + METHOD + path?query + body`` with the secret key; a wrong signature
answers 401 ``{"description": "Request signature mismatch", "code": 401, "correlationId",
"errorCode": 4003, "errorName": "app-token-signature mismatch"}``.

Routes: create applicant (``?levelName=``; 409 on a second ``externalUserId``), get applicant by id or
``-;externalUserId=``, add an ID document (multipart ``metadata`` + ``content``; 409 ``errorCode`` 1000
on a duplicate file, 1006 while the applicant is being checked, 400 1003 for an empty file), request
a check (409 when documents are missing or a check is running), review status, access tokens (query
and body forms, bound to the ``userId``), WebSDK links.

Test driver: ``review(applicant_id, "GREEN" | "RED", reject_type=...)`` (or ``POST
/_fake/applicants/<id>/review``) completes the review and POSTs ``applicantReviewed`` to
``webhook_url`` with ``X-Payload-Digest`` (HMAC of the body with the webhook secret) and
``X-Payload-Digest-Alg``; ``set_status`` moves an applicant to ``queued``/``onHold``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Iterable, Sequence
from typing import Any

from werkzeug.wrappers import Request, Response

from kycgate.fakes.httpfake import FakeService, json_response, new_id, request_json, serve

ALGORITHMS = {"HMAC_SHA1_HEX": hashlib.sha1, "HMAC_SHA256_HEX": hashlib.sha256, "HMAC_SHA512_HEX": hashlib.sha512}
DOC_TYPES = frozenset({"PASSPORT", "ID_CARD", "DRIVERS", "RESIDENCE_PERMIT", "SELFIE", "UTILITY_BILL"})
_BEING_CHECKED = frozenset({"pending", "queued", "prechecked"})


class FakeSumsub(FakeService):
    name = "sumsub"

    def __init__(
        self,
        app_token: str = "sbx:fake-app-token",
        secret_key: str = "fake-sumsub-secret-key",
        webhook_secret: str = "fake-sumsub-webhook-secret",
        *,
        levels: Sequence[str] = ("basic-kyc-level",),
        webhook_url: str | None = None,
        digest_alg: str = "HMAC_SHA256_HEX",
        ts_window: int = 60,
    ) -> None:
        self.app_token = app_token
        self.secret_key = secret_key
        self.webhook_secret = webhook_secret
        self.levels = set(levels)
        self.webhook_url = webhook_url
        self.digest_alg = digest_alg
        self.ts_window = ts_window
        self.applicants: dict[str, dict[str, Any]] = {}
        self.documents: dict[str, list[dict[str, Any]]] = {}
        self.tokens: dict[str, dict[str, Any]] = {}
        self.webhooks: list[tuple[str, int]] = []
        super().__init__()

    def api_rules(self) -> Iterable[tuple[str, Sequence[str], str]]:
        return (
            ("/resources/applicants", ("POST",), "create_applicant"),
            ("/resources/applicants/<ref>/one", ("GET",), "get_applicant"),
            ("/resources/applicants/<applicant_id>/info/idDoc", ("POST",), "add_document"),
            ("/resources/applicants/<applicant_id>/status/pending", ("POST",), "request_check"),
            ("/resources/applicants/<applicant_id>/status", ("GET",), "get_status"),
            ("/resources/accessTokens", ("POST",), "access_token_query"),
            ("/resources/accessTokens/sdk", ("POST",), "access_token_body"),
            ("/resources/sdkIntegrations/levels/<level>/websdkLink", ("POST",), "websdk_link"),
        )

    def admin_rules(self) -> Iterable[tuple[str, Sequence[str], str]]:
        return (
            ("/_fake/applicants/<applicant_id>/review", ("POST",), "admin_review"),
            ("/_fake/applicants/<applicant_id>/status", ("POST",), "admin_status"),
            ("/_fake/webhook", ("POST",), "admin_webhook"),
            ("/_fake/tokens/<token>", ("GET",), "admin_token"),
        )

    def error_response(
        self, status: int, message: str, *, error_code: int | None = None, error_name: str | None = None
    ) -> Response:
        body: dict[str, Any] = {"description": message, "code": status, "correlationId": new_id(16)}
        if error_code is not None:
            body["errorCode"] = error_code
            body["errorName"] = error_name
        return json_response(body, status)

    # ----------------------------------------------------------------------------- signatures

    def _refused(self, request: Request) -> Response | None:
        token = request.headers.get("X-App-Token")
        ts = request.headers.get("X-App-Access-Ts", "")
        sig = request.headers.get("X-App-Access-Sig", "")
        if not token or not hmac.compare_digest(token.encode(), self.app_token.encode()):
            return self.error_response(401, "App token is not valid")
        if not ts.isdigit() or abs(time.time() - int(ts)) > self.ts_window:
            return self.error_response(401, "Request timestamp is outside of the allowed interval")
        target = request.environ.get("RAW_URI") or request.full_path.rstrip("?")
        message = ts.encode() + request.method.encode() + target.encode() + request.get_data()
        expected = hmac.new(self.secret_key.encode(), message, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(sig.encode(), expected.encode()):
            return self.error_response(
                401, "Request signature mismatch", error_code=4003, error_name="app-token-signature mismatch"
            )
        return None

    # -------------------------------------------------------------------------------- the API

    def create_applicant(self, request: Request) -> Response:
        if (refusal := self._refused(request)) is not None:
            return refusal
        level = request.args.get("levelName")
        if not level:
            return self.error_response(400, "levelName is required")
        if level not in self.levels:
            return self.error_response(404, f"Level '{level}' is not found")
        body = request_json(request)
        if not isinstance(body, dict):
            return self.error_response(400, "Invalid request body")
        external = body.get("externalUserId")
        if not isinstance(external, str) or not external:
            return self.error_response(400, "externalUserId is required")
        with self.lock:
            existing = self._by_external(external)
            if existing is not None:
                return self.error_response(
                    409, f"Applicant with external user id '{external}' already exists: {existing['id']}"
                )
            applicant_id = new_id(12)
            stamp = _sumsub_time()
            applicant = {
                "id": applicant_id,
                "createdAt": stamp,
                "clientId": "kycgate-fake",
                "inspectionId": new_id(12),
                "externalUserId": external,
                "type": body.get("type", "individual"),
                "info": body.get("info") or {},
                "fixedInfo": body.get("fixedInfo") or {},
                "email": body.get("email"),
                "phone": body.get("phone"),
                "lang": "en",
                "review": {
                    "reviewId": new_id(4),
                    "attemptId": new_id(4),
                    "attemptCnt": 0,
                    "levelName": level,
                    "createDate": stamp,
                    "reviewStatus": "init",
                    "priority": 0,
                },
            }
            self.applicants[applicant_id] = applicant
            self.documents[applicant_id] = []
            return json_response(applicant, 201)

    def get_applicant(self, request: Request, ref: str) -> Response:
        if (refusal := self._refused(request)) is not None:
            return refusal
        with self.lock:
            if ref.startswith("-;externalUserId="):
                applicant = self._by_external(ref.removeprefix("-;externalUserId="))
            else:
                applicant = self.applicants.get(ref)
            if applicant is None:
                return self.error_response(404, f"Applicant not found: {ref}")
            return json_response(applicant)

    def add_document(self, request: Request, applicant_id: str) -> Response:
        if (refusal := self._refused(request)) is not None:
            return refusal
        with self.lock:
            applicant = self.applicants.get(applicant_id)
            if applicant is None:
                return self.error_response(404, f"Invalid id '{applicant_id}'")
            try:
                metadata = json.loads(request.form.get("metadata", ""))
            except ValueError:
                return self.error_response(400, "metadata must be a JSON object")
            doc_type, country = metadata.get("idDocType"), metadata.get("country")
            if doc_type not in DOC_TYPES:
                return self.error_response(400, f"Invalid idDocType: {doc_type}")
            if not (isinstance(country, str) and len(country) == 3 and country.isalpha()):
                return self.error_response(400, f"Invalid country: {country}")
            upload = request.files.get("content")
            content = upload.read() if upload is not None else b""
            if not content:
                return self.error_response(400, "Uploaded file is empty", error_code=1003, error_name="empty-file")
            if not content.startswith((b"\xff\xd8", b"\x89PNG", b"%PDF")):
                return self.error_response(
                    400,
                    "Error analyzing file, unsupported format or corrupted file",
                    error_code=1004,
                    error_name="corrupted-file",
                )
            if applicant["review"]["reviewStatus"] in _BEING_CHECKED:
                return self.error_response(
                    409, "Applicant is being checked", error_code=1006, error_name="no-upload-verification-in-progress"
                )
            digest = hashlib.sha256(content).hexdigest()
            if any(doc["digest"] == digest for doc in self.documents[applicant_id]):
                return self.error_response(409, "Duplicate document", error_code=1000, error_name="duplicate-document")
            image_id = str(secrets.randbelow(10**9))
            self.documents[applicant_id].append({**metadata, "digest": digest, "imageId": image_id})
            answer = {k: v for k, v in metadata.items() if k in ("idDocType", "country", "idDocSubType")}
            return json_response(answer, headers={"X-Image-Id": image_id})

    def request_check(self, request: Request, applicant_id: str) -> Response:
        if (refusal := self._refused(request)) is not None:
            return refusal
        with self.lock:
            applicant = self.applicants.get(applicant_id)
            if applicant is None:
                return self.error_response(400, f"Invalid id '{applicant_id}'")
            if applicant["review"]["reviewStatus"] in _BEING_CHECKED:
                return self.error_response(409, "Applicant is already being checked")
            if not any(doc["idDocType"] != "SELFIE" for doc in self.documents[applicant_id]):
                return self.error_response(
                    409,
                    "Not all required documents or data are submitted. "
                    "Make sure to complete [IDENTITY] verification steps beforehand.",
                )
            review = applicant["review"]
            review.update(reviewStatus="pending", attemptCnt=review["attemptCnt"] + 1)
            review.pop("reviewResult", None)
            return json_response({"ok": 1})

    def get_status(self, request: Request, applicant_id: str) -> Response:
        if (refusal := self._refused(request)) is not None:
            return refusal
        with self.lock:
            applicant = self.applicants.get(applicant_id)
            if applicant is None:
                return self.error_response(404, f"Invalid id '{applicant_id}'")
            return json_response(applicant["review"])

    def access_token_query(self, request: Request) -> Response:
        if (refusal := self._refused(request)) is not None:
            return refusal
        return self._token(request.args.get("userId"), request.args.get("levelName"), request.args.get("ttlInSecs"))

    def access_token_body(self, request: Request) -> Response:
        if (refusal := self._refused(request)) is not None:
            return refusal
        body = request_json(request) or {}
        return self._token(body.get("userId"), body.get("levelName"), body.get("ttlInSecs"))

    def _token(self, user_id: Any, level: Any, ttl: Any) -> Response:
        if not isinstance(user_id, str) or not user_id:
            return self.error_response(400, "userId is required")
        if level not in self.levels:
            return self.error_response(404, f"Level '{level}' is not found")
        try:
            ttl_seconds = int(ttl) if ttl is not None else 600
        except (TypeError, ValueError):
            return self.error_response(400, "ttlInSecs must be a number")
        token = f"_act-{secrets.token_urlsafe(24)}"
        with self.lock:
            self.tokens[token] = {"userId": user_id, "levelName": level, "expiresAt": time.time() + ttl_seconds}
        return json_response({"token": token, "userId": user_id})

    def websdk_link(self, request: Request, level: str) -> Response:
        if (refusal := self._refused(request)) is not None:
            return refusal
        body = request_json(request) or {}
        level = body.get("levelName") if level == "-" else level
        user_id = body.get("userId") or request.args.get("externalUserId")
        if level not in self.levels:
            return self.error_response(404, f"Level '{level}' is not found")
        if not user_id:
            return self.error_response(400, "userId is required")
        return json_response({"url": f"{self.url}/websdk/p/{secrets.token_urlsafe(12)}"})

    # ----------------------------------------------------------------------------- test driver

    def review(
        self,
        applicant_id: str,
        answer: str,
        *,
        reject_type: str | None = None,
        reject_labels: Sequence[str] = (),
        moderation_comment: str | None = None,
        created_at_ms: str | None = None,
        webhook: bool = True,
    ) -> int | None:
        """Complete the review and POST ``applicantReviewed``; the receiver's status (None: no webhook)."""
        result: dict[str, Any] = {"reviewAnswer": answer}
        if answer == "RED":
            result["rejectLabels"] = list(reject_labels) or ["DOCUMENT_PAGE_MISSING"]
            result["reviewRejectType"] = reject_type or "RETRY"
        if moderation_comment:
            result["moderationComment"] = moderation_comment
        with self.lock:
            applicant = self.applicants[applicant_id]
            applicant["review"].update(reviewStatus="completed", reviewResult=result, reviewDate=_sumsub_time())
            event = self._event(applicant, "applicantReviewed", created_at_ms, reviewResult=result)
        return self.send_event(event) if webhook else None

    def set_status(self, applicant_id: str, review_status: str, *, webhook: bool = True) -> int | None:
        events = {"pending": "applicantPending", "queued": "applicantPending", "onHold": "applicantOnHold"}
        with self.lock:
            applicant = self.applicants[applicant_id]
            applicant["review"]["reviewStatus"] = review_status
            event = self._event(applicant, events.get(review_status, "applicantPrechecked"), None)
        return self.send_event(event) if webhook else None

    def send_event(self, event: dict[str, Any]) -> int | None:
        if self.webhook_url is None:
            return None
        body = json.dumps(event).encode()
        status = self.emit(self.webhook_url, body, self.webhook_headers(body))
        self.webhooks.append((self.webhook_url, status))
        return status

    def webhook_headers(self, body: bytes, alg: str | None = None) -> dict[str, str]:
        alg = alg or self.digest_alg
        digest = hmac.new(self.webhook_secret.encode(), body, ALGORITHMS[alg]).hexdigest()
        return {"Content-Type": "application/json", "X-Payload-Digest": digest, "X-Payload-Digest-Alg": alg}

    def _event(self, applicant: dict[str, Any], kind: str, created_at_ms: str | None, **extra: Any) -> dict[str, Any]:
        return {
            "applicantId": applicant["id"],
            "inspectionId": applicant["inspectionId"],
            "correlationId": f"req-{new_id(16)}",
            "externalUserId": applicant["externalUserId"],
            "levelName": applicant["review"]["levelName"],
            "type": kind,
            "sandboxMode": True,
            "reviewStatus": applicant["review"]["reviewStatus"],
            "createdAtMs": created_at_ms or _sumsub_time(millis=True),
            "clientId": applicant["clientId"],
            **extra,
        }

    def admin_review(self, request: Request, applicant_id: str) -> Response:
        body = request_json(request) or {}
        if applicant_id not in self.applicants:
            return self.error_response(404, f"Applicant not found: {applicant_id}")
        status = self.review(
            applicant_id,
            body.get("reviewAnswer", "GREEN"),
            reject_type=body.get("reviewRejectType"),
            reject_labels=body.get("rejectLabels") or (),
            moderation_comment=body.get("moderationComment"),
            created_at_ms=body.get("createdAtMs"),
            webhook=body.get("webhook", True),
        )
        return json_response({"applicant": self.applicants[applicant_id], "webhook_status": status})

    def admin_status(self, request: Request, applicant_id: str) -> Response:
        body = request_json(request) or {}
        if applicant_id not in self.applicants:
            return self.error_response(404, f"Applicant not found: {applicant_id}")
        status = self.set_status(
            applicant_id, str(body.get("reviewStatus", "queued")), webhook=body.get("webhook", True)
        )
        return json_response({"applicant": self.applicants[applicant_id], "webhook_status": status})

    def admin_webhook(self, request: Request) -> Response:
        body = request_json(request) or {}
        self.webhook_url = body.get("url")
        if body.get("alg"):
            self.digest_alg = body["alg"]
        return json_response({"url": self.webhook_url, "alg": self.digest_alg})

    def admin_token(self, request: Request, token: str) -> Response:
        with self.lock:
            info = self.tokens.get(token)
        if info is None or info["expiresAt"] <= time.time():
            return self.error_response(404, "Access token not found or expired")
        return json_response(info)

    def _by_external(self, external: str) -> dict[str, Any] | None:
        return next((a for a in self.applicants.values() if a["externalUserId"] == external), None)


def _sumsub_time(*, millis: bool = False) -> str:
    """Sumsub's UTC timestamps: ``2024-05-01 12:00:00`` (``createdAtMs`` adds ``.123``)."""
    now = dt.datetime.now(dt.UTC)
    return now.strftime("%Y-%m-%d %H:%M:%S") + (f".{now.microsecond // 1000:03d}" if millis else "")


def main() -> None:
    serve(FakeSumsub())


if __name__ == "__main__":
    main()
