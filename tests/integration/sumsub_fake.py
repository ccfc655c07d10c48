"""A local Sumsub API for the contract tests: a real HTTP server on 127.0.0.1 that follows Sumsub's
documented API (https://docs.sumsub.com/reference) for the calls the levels liveness check makes, and
checks every request's signature as Sumsub does.

- Authentication: ``X-App-Token`` must be a known app token; ``X-App-Access-Ts`` within 5 minutes of now;
  ``X-App-Access-Sig`` the lower-case hex HMAC-SHA256 (the app token's secret key) of ts + METHOD + path
  with query + body. Otherwise 401 ``{"code": 401, "errorName": "app-token-invalid-signature", ...}``.
- ``POST /resources/applicants?levelName=`` {externalUserId} -> 201 applicant, 409 when it exists;
  ``GET /resources/applicants/-;externalUserId={id}/one``; ``GET /resources/applicants/{id}/status``.
- ``POST /resources/accessTokens/sdk`` {userId, levelName, ttlInSecs} -> {token, userId};
  ``POST /resources/sdkIntegrations/levels/-/websdkLink`` {levelName, userId, ttlInSecs} -> {url}.
- What the WebSDK would do with a token, for the tests: ``POST /test/sdk/liveness`` with header
  ``X-Access-Token`` and {applicantId}: refused (403) unless the token was issued for that applicant's
  externalUserId, unexpired. ``review(...)`` plays Sumsub's reviewer.

The lead may replace this with the shared fake (kycgate/fakes/sumsub.py) once it lands.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

MAX_SKEW_SECONDS = 300


class FakeSumsub:
    def __init__(self, app_token: str, secret_key: str) -> None:
        self.app_token = app_token
        self.secret_key = secret_key
        self.applicants: dict[str, dict[str, Any]] = {}  # id -> applicant
        self.tokens: dict[str, tuple[str, float]] = {}  # token -> (externalUserId, expires)
        self.requests: list[tuple[str, str, int]] = []  # (method, path, status)
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def applicant_of(self, external_user_id: str) -> dict[str, Any] | None:
        return next((a for a in self.applicants.values() if a["externalUserId"] == external_user_id), None)

    def review(self, external_user_id: str, answer: str, reject_type: str = "", comment: str = "") -> None:
        """Sumsub's reviewer finishes the applicant's review."""
        applicant = self.applicant_of(external_user_id)
        assert applicant is not None, f"no applicant {external_user_id}"
        applicant["review"] = {
            "reviewStatus": "completed",
            "reviewResult": {
                "reviewAnswer": answer,
                **({"reviewRejectType": reject_type, "rejectLabels": ["SELFIE_MISMATCH"]} if answer == "RED" else {}),
                **({"clientComment": comment} if comment else {}),
            },
        }

    # ---------------------------------------------------------------- HTTP

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

            def _serve(self, method: str) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, answer = fake._answer(method, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                fake.requests.append((method, self.path, status))
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    def _answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        if path.startswith("/test/"):
            return self._sdk(path, headers, body)
        refusal = self._authenticate(method, path, headers, body)
        if refusal:
            return 401, {"code": 401, "description": refusal, "errorName": "app-token-invalid-signature"}
        parts = urlsplit(path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        data = json.loads(body) if body else {}
        with self.lock:
            if method == "POST" and parts.path == "/resources/applicants":
                if not query.get("levelName"):
                    return 400, {"code": 400, "description": "levelName is required"}
                external = data.get("externalUserId")
                if self.applicant_of(external) is not None:
                    return 409, {
                        "code": 409,
                        "description": f"Applicant with external user id '{external}' already exists",
                    }
                applicant = {
                    "id": uuid.uuid4().hex[:24],
                    "externalUserId": external,
                    "levelName": query["levelName"],
                    "review": {"reviewStatus": "init"},
                }
                self.applicants[applicant["id"]] = applicant
                return 201, {k: applicant[k] for k in ("id", "externalUserId")}
            if method == "GET" and parts.path.startswith("/resources/applicants/-;externalUserId="):
                external = unquote(parts.path.split("=", 1)[1].removesuffix("/one"))
                applicant = self.applicant_of(external)
                return (200, {"id": applicant["id"], "externalUserId": external}) if applicant else (404, {"code": 404})
            if method == "GET" and parts.path.endswith("/status"):
                applicant = self.applicants.get(parts.path.split("/")[3])
                return (200, applicant["review"]) if applicant else (404, {"code": 404, "description": "Not found"})
            if method == "POST" and parts.path in (
                "/resources/accessTokens/sdk",
                "/resources/sdkIntegrations/levels/-/websdkLink",
            ):
                if not (data.get("userId") and data.get("levelName") and int(data.get("ttlInSecs") or 0) > 0):
                    return 400, {"code": 400, "description": "userId, levelName and ttlInSecs are required"}
                token = f"_act-sbx-{secrets.token_hex(16)}"
                self.tokens[token] = (data["userId"], time.time() + int(data["ttlInSecs"]))
                if parts.path.endswith("websdkLink"):
                    return 200, {"url": f"https://in.sumsub.com/websdk/p/{token}"}
                return 200, {"token": token, "userId": data["userId"]}
        return 404, {"code": 404, "description": f"no route {method} {parts.path}"}

    def _authenticate(self, method: str, path: str, headers: dict[str, str], body: bytes) -> str | None:
        if headers.get("x-app-token") != self.app_token:
            return "Unknown app token"
        ts = headers.get("x-app-access-ts", "")
        if not ts.isdigit() or abs(int(ts) - time.time()) > MAX_SKEW_SECONDS:
            return "Request timestamp is too far from the server's time"
        expected = hmac.new(
            self.secret_key.encode(), ts.encode() + method.encode() + path.encode() + body, hashlib.sha256
        )
        if not hmac.compare_digest(expected.hexdigest(), headers.get("x-app-access-sig", "")):
            return "Request signature mismatch"
        return None

    def _sdk(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        token = headers.get("x-access-token", "")
        bound = self.tokens.get(token)
        applicant = self.applicants.get((json.loads(body) if body else {}).get("applicantId", ""))
        if bound is None or bound[1] <= time.time():
            return 401, {"code": 401, "description": "Access token is invalid or expired"}
        if applicant is None or applicant["externalUserId"] != bound[0]:
            return 403, {"code": 403, "description": "Access token is not valid for this applicant"}
        applicant["review"] = {"reviewStatus": "pending"}
        return 200, {"ok": 1}


@contextmanager
def fake_sumsub(app_token: str = "sbx:test-app-token", secret_key: str = "test-secret-key") -> Iterator[FakeSumsub]:
    fake = FakeSumsub(app_token, secret_key)
    thread = threading.Thread(target=fake.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake.server.shutdown()
        fake.server.server_close()
